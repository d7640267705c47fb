//! The lesson over a student's own inventory file: Netmiko's device dictionaries as the
//! course writes them, and the mistakes a student makes in one.

use std::fmt::Write as _;
use std::path::Path;

use mock_device::Platform;
use shared::testing::{Lesson, TestLab};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_07-as-completed"));

/// The course's `my_devices` dictionaries written as YAML, pointed at `lab`: Netmiko's keys as
/// a Netmiko user writes them (the Arista ones with `global_delay_factor: 4`, an enable
/// `secret`, `fast_cli`, the port as a string).
fn netmiko_dictionaries(lab: &TestLab) -> String {
    let mut yaml = String::from("# my_devices, as Netmiko's ConnectHandler takes them\n");
    for d in lab.fleet().devices() {
        let _ = write!(
            yaml,
            "- name: {}\n  device_type: {}\n  host: {}\n  port: \"{}\"\n  username: {}\n  \
             password: {}\n  secret: {}\n  fast_cli: false\n  host_key: \"{}\"\n",
            d.name,
            d.platform,
            d.addr.ip(),
            d.addr.port(),
            d.username,
            d.password,
            d.password,
            d.fingerprint,
        );
        if d.platform == Platform::AristaEos {
            yaml.push_str("  global_delay_factor: 4\n");
        }
    }
    yaml
}

#[test]
fn the_course_s_device_dictionaries_load_and_run() {
    let lab = TestLab::course();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my_devices.yaml");
    std::fs::write(&path, netmiko_dictionaries(&lab)).unwrap();
    let output = LESSON
        .command_on(&path, &["--part", "ssh_threads_ascompleted"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("Result: ").count(), 9, "{stdout}");
    // Every device logged in and ran its command, as the mock saw it.
    let record = lab.fleet().record();
    assert_eq!(record.sessions.len(), 9);
    assert!(
        record
            .sessions
            .iter()
            .all(|s| s.auth.as_ref().is_some_and(|a| a.ok)),
        "{record:?}"
    );
    // What is not used is said once, naming the file.
    let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note: ")).collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    let note = notes[0].replace(path.to_str().unwrap(), "my_devices.yaml");
    insta::assert_snapshot!(note, @"note: my_devices.yaml: Netmiko's `secret`, `global_delay_factor`, `fast_cli` are not used here, and ignored (the SSH helper waits for each prompt instead of Netmiko's delays, and the lessons need no enable mode)");
}

/// Runs the lesson over an inventory holding `text`: it must stop before any device is
/// contacted, with status 2 and no panic. Returns stderr, the file's directory cut out.
fn refused(text: &str) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("devices.yaml");
    std::fs::write(&path, text).expect("the inventory is written");
    let output = LESSON
        .command_on(&path, &[])
        .output()
        .expect("the lesson runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let dir = format!("{}{}", dir.path().display(), std::path::MAIN_SEPARATOR);
    stderr.replace(&dir, "")
}

#[test]
fn a_student_s_mistakes_are_shown_at_their_line() {
    let device = |lines: &str| format!("- name: cisco3\n  device_type: cisco_ios\n{lines}");
    insta::assert_snapshot!(
        "bad_port",
        refused(&device(
            "  host: cisco3.lasthop.io\n  port: abc\n  username: pyclass\n"
        ))
    );
    insta::assert_snapshot!(
        "misspelt_key",
        refused(&device(
            "  hostname: cisco3.lasthop.io\n  username: pyclass\n"
        ))
    );
    insta::assert_snapshot!(
        "unknown_device_type",
        refused(
            "- name: xr1\n  device_type: cisco_xr\n  host: xr1.lasthop.io\n  username: pyclass\n"
        )
    );
    insta::assert_snapshot!(
        "mis_indented_host",
        refused(&device("   host: cisco3.lasthop.io\n  username: pyclass\n"))
    );
    insta::assert_snapshot!(
        "missing_username",
        refused(&device("  host: cisco3.lasthop.io\n"))
    );
    let missing = LESSON
        .command_on(Path::new("/nonexistent-dir/devices.yaml"), &[])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "error: inventory /nonexistent-dir/devices.yaml: cannot read it: No such file or \
         directory (os error 2)\n"
    );
}
