//! Runs the lesson binary against a test lab it starts itself.

use std::process::Command;
use std::time::Duration;

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

/// `Elapsed time: 0:00:01.234567` -> 1.234567 s.
fn parse_elapsed(line: &str) -> Option<Duration> {
    let mut parts = line.strip_prefix("Elapsed time: ")?.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    let seconds =
        h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?;
    Some(Duration::from_secs_f64(seconds))
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
    let elapsed = stdout
        .lines()
        .find_map(parse_elapsed)
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
