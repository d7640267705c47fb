//! Runs the lesson binary against a test lab it starts itself.
//!
//! Phase 2 (the queue) prints in a fixed order, so it is snapshotted. Phase 1 (the race)
//! prints in a different order on every run, so the tests check what must hold whatever
//! the order: the same lines as phase 2, each device's block, one join per thread.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, TEST_SPEED_UP, TestLab, settings};

const HASHES: &str =
    "################################################################################";

fn lesson(lab: &TestLab, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_04-legacy-threads"));
    command.arg("--inventory").arg(lab.inventory()).args(args);
    command
}

fn run(lab: &TestLab, args: &[&str]) -> Output {
    lesson(lab, args).output().expect("the lesson runs")
}

fn device_names(lab: &TestLab) -> Vec<String> {
    lab.fleet()
        .devices()
        .iter()
        .map(|d| d.name.clone())
        .collect()
}

/// The two phases' output: (phase 1, phase 2).
fn phases(stdout: &str) -> (&str, &str) {
    let start = stdout.find("=== Phase 2").expect("phase 2 runs");
    stdout.split_at(start)
}

/// How many times each line of a phase's device output appears (headers, joins and the
/// elapsed time left out).
fn line_counts(phase: &str) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for line in phase.lines().filter(|line| {
        !(line.starts_with("===")
            || line.starts_with("joining thread ")
            || line.starts_with("Elapsed time: "))
    }) {
        *counts.entry(line).or_default() += 1;
    }
    counts
}

#[test]
fn the_queue_phase_prints_whole_blocks_in_completion_order() {
    let lab = TestLab::course();
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab, &["--phase", "queue"]));
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    // A refused connection fails at once, so its line comes first on every run. (A failed
    // login comes after the device's login delay, too close to other devices' answers to
    // keep a fixed place in the output.)
    let lab = TestLab::course_with_fault("srx2", Fault::Refuse);
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab, &["--phase", "queue"]));
}

#[test]
fn the_racy_phase_prints_the_same_lines_as_the_queue_phase_in_another_order() {
    let lab = TestLab::course();
    let output = run(&lab, &[]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (racy, queue) = phases(&stdout);

    // Every line a worker printed, as often as in the orderly phase: nothing lost, nothing
    // torn in half, only the order differs.
    assert_eq!(line_counts(racy), line_counts(queue));
    assert_eq!(racy.lines().filter(|l| *l == HASHES).count(), 2 * 9);
    for device in device_names(&lab) {
        assert!(
            racy.lines().any(|line| line.contains(&device)),
            "{device}'s output is missing from phase 1"
        );
    }

    // The main thread joined every worker, once each, in the order it started them.
    let joined: Vec<String> = racy
        .lines()
        .filter_map(|line| line.strip_prefix("joining thread "))
        .map(str::to_string)
        .collect();
    assert_eq!(joined, device_names(&lab));
}

#[test]
fn the_racy_phase_with_a_failing_device_reports_it_once() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let output = run(&lab, &["--phase", "racy"]);
    assert!(!output.status.success(), "a failed device fails the run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("Error: "))
        .collect();
    assert_eq!(
        errors,
        ["Error: srx2: authentication failed for user pyclass"]
    );
    assert_eq!(stdout.lines().filter(|l| *l == HASHES).count(), 2 * 8);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "8 ok, 1 failed\n");
}

#[test]
fn a_thread_per_device_takes_well_under_the_serial_time() {
    let lab = TestLab::course();
    let output = run(&lab, &[]);
    assert!(output.status.success(), "{output:?}");
    let elapsed = shared::testing::elapsed_times(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(elapsed.len(), 2, "one elapsed time per phase");

    let serial =
        TestLab::serial_login_time(&FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP));
    for phase in elapsed {
        assert!(
            phase < serial.mul_f64(0.5),
            "a phase took {phase:?}, the serial logins alone {serial:?}"
        );
    }
}

#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `show version` is a command: a device that drops the connection during it fails too.
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_04-legacy-threads"),
        &["--phase", "queue"],
        true,
    );
    // Quiet: besides the header, the failures and the elapsed time, nothing (no blocks).
    assert!(
        stdout.lines().all(|line| line.is_empty()
            || line.starts_with("=== Phase 2")
            || line.starts_with("Error: ")
            || line.starts_with("Elapsed time: ")),
        "{stdout}"
    );
}
