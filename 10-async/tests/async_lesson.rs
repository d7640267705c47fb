//! Runs the lesson binary against a test lab it starts itself.

use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig, Platform};
use shared::testing::{
    FaultyLab, Lesson, TestLab, assert_judged, assert_pool_of, elapsed_times, judge, pids, settings,
};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_10-async"));

/// How late after the next accept the mock may see a session's end (see
/// [`ends_moved_earlier`]); measured: 0.2 ms.
const CLOSE_SLACK: Duration = Duration::from_millis(5);

/// The shared filters, and the memory figures of `all_at_once`, which change from run to
/// run (its thread counts do not: with `--inventory` the lesson has its one thread).
fn lesson_settings() -> insta::Settings {
    let mut settings = settings();
    settings.add_filter(r"\b\d+(\.\d+)? (MB|kB)\b", "[MEMORY] $2");
    settings
}

/// The course lab, every part: lessons 6-8's results from one thread, the blocking call,
/// every device at once with one thread before and during.
#[test]
fn every_part_over_the_course_lab() {
    let lab = TestLab::course();
    let _guard = lesson_settings().bind_to_scope();
    assert_cmd_snapshot!(LESSON.command(&lab, &[]));
}

/// srx2 refuses the password: one Error line in each part that reaches it (the blocking
/// part's three devices do not include it), the others answer, `8 ok, 1 failed`.
#[test]
fn a_failing_device_prints_one_line_per_part_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = lesson_settings().bind_to_scope();
    assert_cmd_snapshot!(LESSON.command(&lab, &[]));
}

/// The blocking call on the one thread takes the three logins one after the other, in
/// list order; in `spawn_blocking` they overlap and end in completion order.
#[test]
fn a_blocking_call_stalls_every_task_and_spawn_blocking_does_not() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "blocking_call"]);
    let [wrong, right] = elapsed_times(&stdout)[..] else {
        panic!("two elapsed times expected:\n{stdout}");
    };
    let logins: Vec<Duration> = TestLab::course_config().devices[..3]
        .iter()
        .map(|d| d.login_delay)
        .collect();
    let serial: Duration = logins.iter().sum();
    let slowest = logins.iter().max().copied().expect("three devices");
    assert!(wrong >= serial, "{wrong:?} < the serial logins {serial:?}");
    assert!(
        right >= slowest,
        "{right:?} < the slowest login {slowest:?}"
    );
    assert!(
        wrong > right.mul_f64(1.8),
        "blocking {wrong:?}, spawn_blocking {right:?}"
    );
    let results: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Result: "))
        .collect();
    assert_eq!(
        results,
        [
            "cisco3#", "cisco4#", "arista1#", "cisco4#", "cisco3#", "arista1#"
        ],
        "{stdout}"
    );
}

/// 150 devices at 1 s latency, all at once: the fleet saw (nearly) every session open at
/// the same time, every one of them from the lesson's one thread.
#[test]
fn all_at_once_holds_every_session_open_from_one_thread() {
    let lab = TestLab::start(FleetConfig::generated(
        150,
        &Platform::ALL,
        Duration::from_secs(1),
    ));
    let (stdout, pid) = LESSON.stdout_and_pid(&lab, &["--part", "all_at_once"]);
    let record = lab.fleet().record();
    assert_eq!(record.sessions.len(), 150);
    let (peak, _) = record.peak_open();
    assert!(peak >= 135, "at most {peak} of 150 sessions open at once");
    assert_eq!(pids(&record), [pid].into(), "{stdout}");
    assert_judged(judge::one_thread(&record));
    // And the lesson counted its threads, before the tasks and while they ran: the same
    // number (the one thread, and past 100 devices the report's own that redraws the
    // progress bar).
    assert!(
        stdout.contains("threads: 1 before the tasks, at most 1 while they ran")
            || stdout.contains("threads: 2 before the tasks, at most 2 while they ran"),
        "{stdout}"
    );
}

/// A Semaphore of three permits is a pool of three, as the devices saw it: three sessions
/// open at most, three reached, and a permit that comes free goes to the next device at
/// once.
#[test]
fn the_fleet_sees_a_pool_of_three_and_no_idle_worker() {
    let lab = TestLab::course();
    LESSON.stdout(&lab, &["--part", "ssh_tasks_ascompleted", "--workers", "3"]);
    // A task's banner names the task, not the permit it held: the record cannot tie a
    // session to the one its permit ran before, and the mock may read that one's close a
    // moment after the next accept.
    assert_pool_of(
        &judge::closes_moved_earlier(&lab.fleet().record(), CLOSE_SLACK),
        3,
    );
}

/// `buffer_unordered(3)` is a pool of three too, though its futures all run inside the one
/// future `block_on` drives: their sessions are seen open at once, never taken for one
/// worker's sessions one after another.
#[test]
fn the_fleet_sees_a_stream_of_three_at_once() {
    let lab = TestLab::course();
    LESSON.stdout(
        &lab,
        &["--part", "ssh_tasks_ascompleted_cm", "--workers", "3"],
    );
    assert_pool_of(
        &judge::closes_moved_earlier(&lab.fleet().record(), CLOSE_SLACK),
        3,
    );
}

/// Past 100 devices every part keeps its header, the `done()` lines and
/// its times.
#[test]
fn a_quiet_run_shows_the_headers_the_done_lines_and_the_times() {
    let quiet = LESSON.check_quiet_run(&[]);
    let lines: Vec<&str> = quiet.lines().collect();
    assert_eq!(lines[1..3], ["false", "true"], "{quiet}");
    // One per part, two in blocking_call, and what those two mean.
    assert_eq!(elapsed_times(&quiet).len(), 8, "{quiet}");
    assert!(quiet.contains("\nResult: cisco-ios-0001#\n"), "{quiet}");
    assert!(
        quiet.contains("\nWrong: ") && quiet.contains(" Right: "),
        "{quiet}"
    );
}

/// 120 devices, one in twenty misbehaving, all at once on one thread: each failure named
/// once, one session per device tried, and every device named failed as the mock saw it.
#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_10-async"),
        &["--part", "all_at_once"],
        false,
    );
    lab.check_record(&stdout);
}

/// 1000 devices, one in twenty misbehaving, the JoinSet part with a pool of 50 (as lesson
/// 07's test runs it): the same checks.
#[test]
fn at_scale_every_named_failure_is_a_session_the_mock_saw_fail() {
    let lab = FaultyLab::start(1000);
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_10-async"),
        &["--part", "ssh_tasks_ascompleted", "--workers", "50"],
        false,
    );
    lab.check_record(&stdout);
}

/// `--help` fits the terminal, lists every part by its file's name, and says how many
/// sessions the pool parts run when `--workers` is not given.
#[test]
fn help_wraps_lists_the_parts_and_names_the_pool_size() {
    let help = LESSON.check_help(&[
        "ssh_tasks_simple",
        "ssh_tasks_wait",
        "ssh_tasks_ascompleted",
        "ssh_tasks_ascompleted_cm",
        "ssh_tasks_map",
        "blocking_call",
        "all_at_once",
    ]);
    assert!(help.contains("default: 4"), "{help}");
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    LESSON.check_no_silent_stretch(&[]);
}
