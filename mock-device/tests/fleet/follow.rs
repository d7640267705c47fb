//! `mock-device timeline FILE --follow`: the picture follows a fleet's events file as it
//! grows, and stops on Ctrl-C.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mock_device::{DeviceConfig, Fleet, FleetConfig, Platform};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::common::{STEP_TIMEOUT, fleet_of, login};

/// The last frame a follower printed (each frame starts with its title).
fn last_frame(stdout: &str) -> &str {
    let start = stdout.rfind("== timeline of ").expect("a frame");
    &stdout[start..]
}

/// A fleet writes its events while the follower runs: frames come as sessions do, the
/// first before any session, and after Ctrl-C the follower ends cleanly with a last frame
/// that has every session.
#[test]
fn following_draws_sessions_as_they_come_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let fleet = Fleet::start(FleetConfig {
        events_out: Some(events.clone()),
        ..fleet_of(vec![
            DeviceConfig::new("r1", Platform::CiscoIos),
            DeviceConfig::new("r2", Platform::AristaEos),
        ])
    })
    .unwrap();
    let mut follower = Command::new(env!("CARGO_BIN_EXE_mock-device"))
        .arg("timeline")
        .arg(&events)
        .arg("--follow")
        .env("COLUMNS", "100")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The follower draws its first frame at once, its Ctrl-C handler in place: the sessions
    // come after it.
    let mut stdout = BufReader::new(follower.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(
        first.ends_with(": 0 sessions, as the fleet saw them ==\n"),
        "{first}"
    );
    for dev in fleet.devices().iter().cycle().take(6) {
        let session = login(dev).unwrap();
        session.disconnect(None, "bye", None).unwrap();
    }
    // The fleet writes its events every 50 ms and the follower redraws every 500 ms.
    std::thread::sleep(Duration::from_millis(1500));
    kill(Pid::from_raw(follower.id() as i32), Signal::SIGINT).unwrap();
    let deadline = Instant::now() + STEP_TIMEOUT;
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let output = follower.wait_with_output().unwrap();
    assert!(Instant::now() < deadline);
    assert!(
        output.status.success(),
        "{}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = format!("{first}{rest}");
    assert!(!stdout.contains('\x1b'), "no terminal codes into a pipe");
    let last = last_frame(&stdout);
    assert!(
        last.starts_with(&format!(
            "== timeline of {}, followed (Ctrl-C to stop): 6 sessions, as the fleet saw them ==\n",
            events.display()
        )),
        "{stdout}"
    );
    assert!(last.contains("\ntimeline: 6 sessions in 1 lane"), "{last}");
    fleet.shutdown();
}

/// `--follow-for` stops on its own, for scripts (and a file that does not exist yet is
/// waited for, not an error).
#[test]
fn following_for_a_while_stops_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_mock-device"))
        .args(["timeline", "--follow", "--follow-for", "300ms"])
        .arg(dir.path().join("not-yet.jsonl"))
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(started.elapsed() < STEP_TIMEOUT);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(last_frame(&stdout).contains("(no session yet)"), "{stdout}");
}
