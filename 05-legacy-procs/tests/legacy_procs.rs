//! Runs the lesson binary against a test lab it starts itself.
//!
//! The binary is an ordinary subprocess here: its own `procspawn::init()` turns the
//! children it starts into workers, so these tests need no procspawn test support. The
//! snapshots hold the children's output, which proves they ran.

use std::process::{Command, Output};
use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{TEST_SPEED_UP, TestLab, settings};

fn lesson(lab: &TestLab, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_05-legacy-procs"));
    command.arg("--inventory").arg(lab.inventory()).args(args);
    command
}

fn run(lab: &TestLab, args: &[&str]) -> Output {
    lesson(lab, args).output().expect("the lesson runs")
}

/// `Elapsed time: 0:00:01.234567` -> 1.234567 s, for every such line.
fn elapsed_times(stdout: &str) -> Vec<Duration> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Elapsed time: 0:00:"))
        .map(|seconds| Duration::from_secs_f64(seconds.parse().expect("seconds")))
        .collect()
}

#[test]
fn all_three_parts() {
    let lab = TestLab::course();
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab, &[]));
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::Refuse);
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!("fault_processes", lesson(&lab, &["--variant", "processes"]));
    assert_cmd_snapshot!("fault_queue", lesson(&lab, &["--variant", "queue"]));
}

#[test]
fn a_process_per_device_takes_well_under_the_serial_time() {
    let lab = TestLab::course();
    let output = run(&lab, &["--variant", "processes"]);
    assert!(output.status.success(), "{output:?}");
    let elapsed = elapsed_times(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(elapsed.len(), 1);

    let serial =
        TestLab::serial_login_time(&FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP));
    assert!(
        elapsed[0] < serial.mul_f64(0.5),
        "one process per device took {:?}, the serial logins alone {serial:?}",
        elapsed[0]
    );
}
