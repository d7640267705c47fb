//! The OpenSSH client binary against the fleet: public-key login, and password login typed
//! through `SSH_ASKPASS`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mock_device::{DeviceInfo, Fault, Fleet, FleetConfig};

use crate::common::{device, run_with_timeout};

pub const SSH_TIMEOUT: Duration = Duration::from_secs(20);

/// A fleet that accepts a fresh key pair, and the key's path.
pub struct Lab {
    pub fleet: Fleet,
    pub key: PathBuf,
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

pub fn lab(config: FleetConfig) -> Lab {
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

/// `ssh` with no user config, no host-key prompt and the given options, to `dev`. The
/// options come first: for `-o`, the first value given wins (a `ConnectTimeout` there
/// replaces the 10 s default).
pub fn ssh_command(dev: &DeviceInfo, options: &[&str], extra: &[&str]) -> Command {
    let mut cmd = Command::new("ssh");
    cmd.args(options)
        .args([
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=10",
        ])
        .arg("-p")
        .arg(dev.addr.port().to_string())
        .args(extra)
        .arg(format!("{}@{}", dev.username, dev.addr.ip()));
    cmd
}

/// `ssh` logging in with `key` only, never prompting.
pub fn ssh(dev: &DeviceInfo, key: &Path, extra: &[&str]) -> Command {
    let key = key.to_str().unwrap();
    let options = [
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "LogLevel=ERROR",
        "-i",
        key,
    ];
    ssh_command(dev, &options, extra)
}

/// `ssh -v` logging in by password, its prompts answered by an `SSH_ASKPASS` script that
/// types `passwords` in turn (one per prompt; an empty line once they run out).
fn ssh_with_passwords(dev: &DeviceInfo, dir: &Path, passwords: &[&str]) -> Command {
    let answers = dir.join("passwords");
    std::fs::write(&answers, passwords.join("\n") + "\n").unwrap();
    let askpass = dir.join("askpass");
    // Each call prints the first line left and removes it from the file.
    let script = format!(
        "#!/bin/sh\nf='{}'\nhead -n 1 \"$f\"\nsed -i 1d \"$f\"\n",
        answers.display()
    );
    std::fs::write(&askpass, script).unwrap();
    std::fs::set_permissions(
        &askpass,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let options = [
        "-v",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "NumberOfPasswordPrompts=3",
    ];
    let mut cmd = ssh_command(dev, &options, &[]);
    cmd.env("SSH_ASKPASS", &askpass)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("DISPLAY", ":0")
        .stdin(Stdio::null());
    cmd
}

/// How many times the server answered that `methods` may continue, in `ssh -v` output.
fn offers(stderr: &str, methods: &str) -> usize {
    let line = format!("Authentications that can continue: {methods}");
    stderr.lines().filter(|l| l.ends_with(&line)).count()
}

pub fn text(out: &Output) -> (String, String) {
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

/// A student mistypes the password once: the device still offers password login (as sshd
/// does), the second prompt comes, and the right password gets in.
#[test]
fn a_wrong_password_leaves_password_login_open() {
    let lab = lab(FleetConfig::course_lab().with_latency(Duration::ZERO));
    let dev = device(&lab.fleet, "cisco3");
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = ssh_with_passwords(dev, dir.path(), &["wrong", &dev.password]);
    let out = run_with_timeout(cmd.arg("show version"), SSH_TIMEOUT);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("cisco3"), "{stdout}");
    // Once after the "none" probe, once after the wrong password.
    assert_eq!(offers(&stderr, "password,publickey"), 2, "{stderr}");
    // What OpenSSH says when sshd turns a password down but lets the user try again.
    assert!(
        stderr.contains("Permission denied, please try again."),
        "{stderr}"
    );
    assert!(!stderr.contains("Permission denied ("), "{stderr}");
}

/// The `auth-fail` fault refuses every password, the right one too, and keeps asking until
/// the client gives up: a login failure, not a method the device lacks.
#[test]
fn auth_fail_refuses_every_password_prompt() {
    let config = FleetConfig::course_lab()
        .with_latency(Duration::ZERO)
        .with_fault("srx2", Fault::AuthFail)
        .unwrap();
    let lab = lab(config);
    let dev = device(&lab.fleet, "srx2");
    let dir = tempfile::tempdir().unwrap();
    let password = dev.password.as_str();
    let mut cmd = ssh_with_passwords(dev, dir.path(), &[password, password, password]);
    let out = run_with_timeout(cmd.arg("show version"), SSH_TIMEOUT);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(255), "{stderr}");
    // The "none" probe and the three prompts: each refusal offers password again.
    assert_eq!(offers(&stderr, "password,publickey"), 4, "{stderr}");
    assert!(
        stderr.contains("Permission denied (password,publickey)"),
        "{stderr}"
    );
}
