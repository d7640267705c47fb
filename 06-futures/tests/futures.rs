//! Runs the lesson binary against a test lab it starts itself.

use std::process::Command;
use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, TEST_SPEED_UP, TestLab, settings};

fn lesson(lab: &TestLab) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_06-futures"));
    command.arg("--inventory").arg(lab.inventory());
    command
}

#[test]
fn one_future_then_wait_for_all() {
    let lab = TestLab::course();
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn four_workers_wait_for_nine_devices_in_well_under_the_serial_time() {
    let lab = TestLab::course();
    let output = lesson(&lab).output().expect("the lesson runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let elapsed: Vec<Duration> = shared::testing::elapsed_times(&stdout);
    assert_eq!(elapsed.len(), 2, "{stdout}");

    let config = FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP);
    let serial = TestLab::serial_login_time(&config);
    let wait_all = elapsed[1];
    assert!(
        wait_all < serial.mul_f64(0.6),
        "4 workers took {wait_all:?}, the serial logins alone {serial:?}"
    );
    // The first part waited for one device only: far less than all nine.
    assert!(elapsed[0] < wait_all.mul_f64(0.5), "{elapsed:?}");
}

#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    let stdout = lab.check_lesson(env!("CARGO_BIN_EXE_06-futures"), &["--part", "wait"], false);
    assert!(
        stdout.starts_with("== submit() every device"),
        "only the wait part\n{stdout}"
    );
}
