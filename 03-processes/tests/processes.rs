//! Runs the lesson binary against a test lab it starts itself.

use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, TEST_SPEED_UP, TestLab, settings};

fn lesson(lab: &TestLab) -> Command {
    lesson_on(lab.inventory())
}

fn lesson_on(inventory: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_03-processes"));
    command.arg("--inventory").arg(inventory);
    command
}

/// The shared filters, plus the start-up measurements.
fn filters() -> insta::Settings {
    let mut settings = settings();
    settings.add_filter(r" +\[SECONDS\] ms\b", " [SECONDS] ms");
    settings.add_filter(r"about \d+x", "about [N]x");
    settings
}

#[test]
fn one_process_per_device() {
    let lab = TestLab::course();
    let _guard = filters().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = filters().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn workers_have_their_own_pids_and_memory_and_run_in_parallel() {
    let lab = TestLab::course();
    let output = lesson(&lab).output().expect("the lesson runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);

    let parent: u32 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("The parent is pid ")?.strip_suffix('.'))
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no parent pid in:\n{stdout}"));
    let mut workers: Vec<u32> = stdout
        .lines()
        .filter_map(|line| line.split_once("(pid ")?.1.split([',', ')']).next())
        .filter_map(|pid| pid.parse().ok())
        .collect();
    assert_eq!(workers.len(), 9, "{stdout}");
    workers.sort_unstable();
    workers.dedup();
    assert_eq!(workers.len(), 9, "a pid used twice: {stdout}");
    assert!(!workers.contains(&parent), "{stdout}");
    assert!(stdout.contains("is still 0."), "{stdout}");

    // All nine workers at once take well under the logins one after another.
    let elapsed = shared::testing::elapsed_times(&stdout)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no elapsed time in:\n{stdout}"));
    let serial =
        TestLab::serial_login_time(&FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP));
    assert!(
        elapsed < serial.mul_f64(0.5),
        "9 processes took {elapsed:?}, the serial logins alone {serial:?}"
    );
}

#[test]
fn at_scale_each_failed_device_is_named_once_and_nothing_else() {
    let faulty = FaultyLab::start(120);
    // One `Error: <device>: <reason>` line per failed device, and no other device named:
    // past 100 devices the run is quiet, and healthy devices print nothing. The workers
    // only read the prompt, so a device that drops `show` commands answers them.
    let stdout = faulty.check_lesson(env!("CARGO_BIN_EXE_03-processes"), &[], false);
    assert!(
        stdout.contains("120 workers answered, with 120 different pids"),
        "{stdout}"
    );
}
