//! `mock-device timeline FILE --run ID --part NAME`: one run's sessions, on its own axis.

use std::process::Command;
use std::time::Duration;

use mock_device::record::read_events_file;
use mock_device::{DeviceConfig, Fleet, FleetConfig, Platform};

use crate::common::{fleet_of, run_with_timeout};
use crate::record::connect_as;

fn banner(run: &str, part: &str) -> String {
    format!("SSH-2.0-netauto_0.1.0 pid=7 thread=ThreadId(2) run={run} part={part}")
}

/// Two runs through one fleet, a pause between them: the second run's part drawn alone
/// has only its sessions, and its axis spans them, not the pause before.
#[test]
fn one_run_and_part_are_drawn_alone_from_their_first_session() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let fleet = Fleet::start(FleetConfig {
        events_out: Some(events.clone()),
        ..fleet_of(vec![DeviceConfig::new("r1", Platform::CiscoIos)])
    })
    .unwrap();
    let dev = fleet.devices()[0].clone();
    let session = |run: &str, part: &str| {
        let session = connect_as(&dev, &banner(run, part));
        session
            .userauth_password(&dev.username, &dev.password)
            .unwrap();
        session.disconnect(None, "bye", None).unwrap();
    };
    session("0101-000000-1", "ssh_conn");
    std::thread::sleep(Duration::from_millis(500));
    session("0101-000001-2", "ssh_conn");
    session("0101-000001-2", "ssh_conn");
    session("0101-000001-2", "show_version");
    fleet.shutdown();

    let whole = read_events_file(&events).unwrap();
    assert_eq!(whole.sessions.len(), 4);
    let second_run_began = whole.sessions[1].accepted - whole.sessions[0].accepted;

    let timeline = |args: &[&str]| {
        let output = run_with_timeout(
            Command::new(env!("CARGO_BIN_EXE_mock-device"))
                .arg("timeline")
                .arg(&events)
                .args(args)
                .env("COLUMNS", "100"),
            Duration::from_secs(20),
        );
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let errors = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), text, errors)
    };

    let (ok, all, _) = timeline(&[]);
    assert!(ok, "{all}");
    assert!(
        all.contains("== timeline: 4 sessions, as the fleet saw them =="),
        "{all}"
    );
    assert!(
        all.contains(
            "  0101-000000-1 (ssh_conn: 1 session)\n  \
             0101-000001-2 (ssh_conn: 2 sessions, show_version: 1 session)\n"
        ),
        "{all}"
    );

    let (ok, one, _) = timeline(&["--run", "0101-000001-2", "--part", "ssh_conn"]);
    assert!(ok, "{one}");
    assert!(
        one.starts_with(
            "== timeline: run 0101-000001-2, part ssh_conn, 2 sessions, as the fleet saw them ==\n"
        ),
        "{one}"
    );
    // `timeline: 2 sessions by 1 workers over 0.012 s (...)`: the span of its own sessions.
    let span: f64 = one
        .lines()
        .nth(1)
        .and_then(|line| line.split(" over ").nth(1))
        .and_then(|rest| rest.split(" s").next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("a span in {one}"));
    assert!(
        span < second_run_began.as_secs_f64(),
        "{span} s: the axis starts at the part's first session, not the fleet's\n{one}"
    );

    let (ok, _, error) = timeline(&["--run", "0202-000000-3"]);
    assert!(!ok);
    assert!(
        error.starts_with(&format!(
            "error: {}: no session of run 0202-000000-3; the runs in it:\n",
            events.display()
        )),
        "{error}"
    );
}
