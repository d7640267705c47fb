//! Netmiko (Python) drives all four platforms. The test installs the Netmiko it needs
//! (`tests/requirements.txt`) into a virtual environment under `target/` on its first run,
//! so `cargo test` needs only `python3`; it fails, never skips, when that is impossible.
//! `PYTHON=/path/to/python` uses an interpreter that already has netmiko instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mock_device::{DeviceConfig, Fleet};

use crate::common::{PLATFORM_DEVICES, fleet_of, run_with_timeout};

#[test]
fn netmiko_drives_every_platform() {
    let devices = PLATFORM_DEVICES
        .iter()
        .map(|&(name, platform)| {
            let mut d = DeviceConfig::new(name, platform);
            d.login_delay = Duration::from_millis(50);
            d.command_delay = Duration::from_millis(50);
            d
        })
        .collect();
    let fleet = Fleet::start(fleet_of(devices)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inventory.yaml");
    std::fs::write(&inventory, fleet.inventory_yaml()).unwrap();
    let python = std::env::var_os("PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(netmiko_venv);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/netmiko_check.py");
    let out = run_with_timeout(
        Command::new(&python).arg(script).arg(&inventory),
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "netmiko check failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
}

/// A virtual environment with the pinned Netmiko, made once and kept in `target/tmp`.
fn netmiko_venv() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("netmiko-venv");
    let python = venv.join("bin/python");
    let has_netmiko = |python: &Path| {
        Command::new(python)
            .args(["-c", "import netmiko"])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    if has_netmiko(&python) {
        return python;
    }
    let requirements = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/requirements.txt");
    let mut make_venv = Command::new("python3");
    make_venv.arg("-m").arg("venv").arg(&venv);
    let mut install = Command::new(venv.join("bin/pip"));
    install
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(requirements);
    for step in [&mut make_venv, &mut install] {
        let out = run_with_timeout(step, Duration::from_secs(600));
        assert!(
            out.status.success(),
            "cannot install netmiko for this test: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        has_netmiko(&python),
        "netmiko is still missing in {}",
        venv.display()
    );
    python
}
