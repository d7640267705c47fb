//! The `mock-device` binary: flag errors, serving, inventory file, clean stop.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use mock_device::DeviceInfo;

use crate::common::{exec, login, run_with_timeout};

const BIN: &str = env!("CARGO_BIN_EXE_mock-device");

fn usage_error(args: &[&str], expected: &str) {
    let out = run_with_timeout(Command::new(BIN).args(args), Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: one line, got {stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_flags_give_one_line_and_exit_2() {
    usage_error(&["--latency", "soon"], "soon");
    usage_error(&["--devices", "3", "--platform", "cisco_xr"], "cisco_xr");
    usage_error(&["--fault", "cisco9=hang"], "cisco9");
    usage_error(&["--fault", "cisco3=explode"], "explode");
    usage_error(&["--fault", "cisco3"], "DEVICE=FAULT");
    usage_error(&["--max-sessions", "cisco3=0"], "at least 1");
    usage_error(&["--lab", "course", "--devices", "2"], "--devices");
    usage_error(&["--devices", "0"], "at least 1");
    usage_error(&["--fleet", "/nonexistent.yaml"], "/nonexistent.yaml");
    usage_error(&["--bind", "localhost:22"], "localhost:22");
    usage_error(&["--no-such-flag"], "--no-such-flag");
    let help = run_with_timeout(Command::new(BIN).arg("--help"), Duration::from_secs(10));
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--inventory-out"));
}

#[test]
fn serves_until_interrupted_and_writes_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inv.yaml");
    let mut child = Command::new(BIN)
        .args([
            "--devices",
            "3",
            "--platform",
            "cisco_ios,juniper_junos",
            "--name-prefix",
            "b-",
            "--latency",
            "50ms",
            "--fault",
            "b-cisco-ios-0003=auth-fail",
            "--password",
            "letmein",
            "--inventory-out",
        ])
        .arg(&inventory)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if line.starts_with("Serving until Ctrl-C") {
                let _ = tx.send(());
            }
            lines.push(line);
        }
        lines
    });
    if rx.recv_timeout(Duration::from_secs(20)).is_err() {
        let _ = child.kill();
        panic!("the binary never said it was serving: {:?}", reader.join());
    }
    let text = std::fs::read_to_string(&inventory).unwrap();
    #[derive(serde::Deserialize)]
    struct Entry {
        name: String,
        device_type: String,
        host: String,
        port: u16,
        password: String,
    }
    let entries: Vec<Entry> = serde_yaml::from_str(&text).unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[1].device_type, "juniper_junos");
    let info = |e: &Entry| DeviceInfo {
        name: e.name.clone(),
        platform: e.device_type.parse().unwrap(),
        addr: format!("{}:{}", e.host, e.port).parse().unwrap(),
        username: "pyclass".into(),
        password: e.password.clone(),
        fingerprint: String::new(),
    };
    let session = login(&info(&entries[1])).unwrap();
    let (out, _) = exec(&session, "show version").unwrap();
    assert_eq!(entries[1].name, "b-juniper-junos-0002");
    assert!(out.contains("Hostname: b-juniper-junos-0002"), "{out}");
    assert!(
        login(&info(&entries[2])).is_err(),
        "auth-fail device let us in"
    );

    // Ctrl-C (SIGINT) stops it cleanly.
    let kill = run_with_timeout(
        Command::new("kill").args(["-INT", &child.id().to_string()]),
        Duration::from_secs(5),
    );
    assert!(kill.status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the binary did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    let lines = reader.join().unwrap();
    assert!(
        lines.iter().any(|l| l.starts_with("b-juniper-junos-0002 ")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("fault: auth-fail")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("password `letmein`")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.trim_start().starts_with("ssh ")
            && l.contains("-o LogLevel=ERROR")
            && l.contains("pyclass@127.0.0.1")),
        "{lines:?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("Stopped."));
}
