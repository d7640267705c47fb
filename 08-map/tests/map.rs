//! Runs the lesson binary against a test lab it starts itself.

use std::process::Command;
use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{TestLab, settings};

/// The course lab at four times its speed. This lesson prints in input order whatever the
/// timing, so the runs that need no course timing use it: the three sections take ~2 s.
fn quick_lab() -> FleetConfig {
    FleetConfig::course_lab().scale_latency(0.25)
}

fn lesson(lab: &TestLab) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_08-map"));
    command.arg("--inventory").arg(lab.inventory());
    command
}

/// `0:00:01.234567` -> 1.234567 s.
fn parse_timedelta(line: &str) -> Option<Duration> {
    let mut parts = line.trim().split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    let seconds =
        h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?;
    Some(Duration::from_secs_f64(seconds))
}

#[test]
fn map_map2_and_the_two_list_exercise() {
    let lab = TestLab::course();
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::start(quick_lab().with_fault("srx2", Fault::AuthFail).unwrap());
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn four_workers_map_nine_devices_in_well_under_the_serial_time() {
    let lab = TestLab::start(quick_lab());
    let output = lesson(&lab).output().expect("the lesson runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The first section: nine results, each followed by the elapsed time.
    let elapsed: Vec<Duration> = stdout
        .lines()
        .take_while(|line| !line.is_empty())
        .filter_map(parse_timedelta)
        .collect();
    assert_eq!(elapsed.len(), 9, "{stdout}");

    let serial = TestLab::serial_login_time(&quick_lab());
    let map = elapsed[0];
    assert!(
        map < serial.mul_f64(0.6),
        "4 workers took {map:?}, the serial logins alone {serial:?}"
    );
    // collect() hands over all results at once: they are printed within moments.
    assert!(
        elapsed[8] - elapsed[0] < Duration::from_millis(100),
        "{elapsed:?}"
    );
}
