//! Runs the lesson binary against a test lab it starts itself.

use insta_cmd::assert_cmd_snapshot;
use mock_device::Fault;
use shared::testing::{FaultyLab, Lesson, TestLab, settings};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_03-processes"));

/// The shared filters, plus the start-up measurements and what crosses the pipe.
fn filters() -> insta::Settings {
    let mut settings = settings();
    settings.add_filter(r" +\[SECONDS\] ms\b", " [SECONDS] ms");
    settings.add_filter(r"about \d+x", "about [N]x");
    settings.add_filter(r#""port": \d+"#, r#""port": [PORT]"#);
    settings.add_filter(r#""pid":\d+"#, r#""pid":[PID]"#);
    settings
}

/// The course lab, every part.
#[test]
fn one_process_per_device() {
    let lab = TestLab::course();
    let _guard = filters().bind_to_scope();
    assert_cmd_snapshot!(LESSON.command(&lab, &[]));
}

/// srx2 refuses the password: an `Error:` line naming it in each part that contacts it,
/// its worker's counter at 0, and the other devices complete.
#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = filters().bind_to_scope();
    assert_cmd_snapshot!(LESSON.command(&lab, &[]));
}

/// One worker per device: nine different pids, none the parent's, all running at once.
#[test]
fn workers_have_their_own_pids_and_run_in_parallel() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "one_process_per_session"]);

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

    // All nine workers at once take well under the logins one after another.
    let elapsed = shared::testing::elapsed_times(&stdout)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no elapsed time in:\n{stdout}"));
    let serial = TestLab::course_serial_login_time();
    assert!(
        elapsed < serial.mul_f64(0.5),
        "9 processes took {elapsed:?}, the serial logins alone {serial:?}"
    );
}

/// Each worker's counter moves in its own memory only; the parent's threads move the
/// parent's.
#[test]
fn workers_count_in_their_own_memory_and_threads_in_the_parents() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "own_memory"]);
    assert_eq!(
        stdout.matches("its SESSIONS_OPENED: 1)").count(),
        9,
        "{stdout}"
    );
    assert!(stdout.contains("is still 0."), "{stdout}");
    assert!(stdout.contains("its SESSIONS_OPENED is now 9,"), "{stdout}");
}

/// 120 devices, one in twenty misbehaving: each failure named once.
#[test]
fn at_scale_each_failed_device_is_named_once_and_nothing_else() {
    let faulty = FaultyLab::start(120);
    // One `Error: <device>: <reason>` line per failed device, and no other device named:
    // past 100 devices the run is quiet, and healthy devices print nothing. The workers
    // only read the prompt, so a device that drops `show` commands answers them. One part
    // only: each part that contacts every device waits the hanging one's timeout again.
    let stdout = faulty.check_lesson(
        env!("CARGO_BIN_EXE_03-processes"),
        &["--part", "one_process_per_session"],
        false,
    );
    assert!(
        stdout.contains("120 workers answered, with 120 different pids"),
        "{stdout}"
    );
}

/// Every part, 120 devices: the headers, the elapsed time and the closing lines still print.
#[test]
fn a_quiet_run_prints_every_line_that_is_not_about_one_device() {
    let quiet = LESSON.check_quiet_run(&[]);
    for line in [
        "120 workers answered, with 120 different pids",
        "is still 0.",
        "its SESSIONS_OPENED is now 120,",
        "120 processes:",
    ] {
        assert!(quiet.contains(line), "no `{line}` in:\n{quiet}");
    }
}

/// `--help` fits the terminal and lists every part by its file's name.
#[test]
fn help_wraps_and_lists_the_parts() {
    LESSON.check_help(&[
        "one_process_per_session",
        "own_memory",
        "inter_process_communication",
        "start_up_cost",
    ]);
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    LESSON.check_no_silent_stretch(&[]);
}
