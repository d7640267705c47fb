//! Netmiko (Python) drives all four platforms. This test fails, rather than skips, when
//! Python or netmiko is missing: CI installs netmiko before the tests run.

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
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
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
