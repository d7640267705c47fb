//! The OpenSSH client binary against the fleet, with public-key login.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mock_device::{DeviceInfo, Fleet, FleetConfig};

use crate::common::{device, run_with_timeout};

const SSH_TIMEOUT: Duration = Duration::from_secs(20);

/// A fleet that accepts a fresh key pair, and the key's path.
struct Lab {
    fleet: Fleet,
    key: PathBuf,
    _dir: tempfile::TempDir,
}

fn keygen(path: &Path) {
    let out = run_with_timeout(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
            .arg(path),
        SSH_TIMEOUT,
    );
    assert!(out.status.success(), "{out:?}");
}

fn lab(config: FleetConfig) -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id");
    keygen(&key);
    let mut config = config;
    config
        .authorized_keys
        .push(std::fs::read_to_string(key.with_extension("pub")).unwrap());
    Lab {
        fleet: Fleet::start(config).unwrap(),
        key,
        _dir: dir,
    }
}

fn ssh(dev: &DeviceInfo, key: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new("ssh");
    cmd.args([
        "-F",
        "/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=10",
        "-i",
    ])
    .arg(key)
    .arg("-p")
    .arg(dev.addr.port().to_string())
    .args(extra)
    .arg(format!("{}@{}", dev.username, dev.addr.ip()));
    cmd
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exec_with_public_key_on_every_platform() {
    let lab = lab(FleetConfig::course_lab().with_latency(Duration::ZERO));
    for name in ["cisco3", "arista1", "srx2", "nxos1"] {
        let dev = device(&lab.fleet, name);
        let out = run_with_timeout(ssh(dev, &lab.key, &[]).arg("show version"), SSH_TIMEOUT);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(stdout.contains(name), "{name}: {stdout}");

        let out = run_with_timeout(ssh(dev, &lab.key, &[]).arg("show bogus"), SSH_TIMEOUT);
        assert_eq!(out.status.code(), Some(1), "{name}: {out:?}");
    }
}

#[test]
fn interactive_session_with_a_pty() {
    let lab = lab(FleetConfig::course_lab().with_latency(Duration::ZERO));
    for (name, prompt) in [("cisco4", "cisco4#"), ("srx2", "pyclass@srx2> ")] {
        let dev = device(&lab.fleet, name);
        let mut child = ssh(dev, &lab.key, &["-tt"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"show version\nexit\n").unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            assert!(started.elapsed() < SSH_TIMEOUT, "ssh -tt did not finish");
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{name}: {stdout} {stderr}");
        assert!(
            stdout.starts_with(&format!("{prompt}show version\r\n")),
            "{name}: {stdout:?}"
        );
        assert!(stdout.contains(&format!("{prompt}exit\r\n")), "{stdout:?}");
    }
}

#[test]
fn unknown_key_is_refused() {
    let lab = lab(FleetConfig::course_lab().with_latency(Duration::ZERO));
    let other = lab.key.with_file_name("other");
    keygen(&other);
    let dev = device(&lab.fleet, "nxos2");
    let out = run_with_timeout(ssh(dev, &other, &[]).arg("show version"), SSH_TIMEOUT);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(255));
    assert!(stderr.contains("Permission denied"), "{stderr}");
}

#[test]
fn fingerprint_is_what_ssh_keygen_prints() {
    let lab = lab(FleetConfig::course_lab().with_latency(Duration::ZERO));
    let dev = device(&lab.fleet, "arista4");
    let scan = run_with_timeout(
        Command::new("ssh-keyscan")
            .args(["-T", "10", "-t", "ed25519", "-p"])
            .arg(dev.addr.port().to_string())
            .arg(dev.addr.ip().to_string()),
        SSH_TIMEOUT,
    );
    assert!(scan.status.success(), "{scan:?}");
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    std::fs::write(&known, &scan.stdout).unwrap();
    let out = run_with_timeout(
        Command::new("ssh-keygen").arg("-lf").arg(&known),
        SSH_TIMEOUT,
    );
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains(&format!(" {} ", dev.fingerprint)),
        "{stdout} vs {}",
        dev.fingerprint
    );
}
