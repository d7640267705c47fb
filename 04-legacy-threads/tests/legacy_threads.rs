//! Runs the lesson binary against a test lab it starts itself.
//!
//! `threads_queue` prints in a fixed order, so it is snapshotted. `threads_show_ver` (the
//! race) prints in a different order on every run, so the tests check what must hold
//! whatever the order: the same lines as `threads_queue`, each device's block, one join per
//! thread.

use std::collections::BTreeMap;
use std::time::Duration;

use mock_device::Fault;
use shared::HASHES;
use shared::testing::{
    FaultyLab, Lesson, TestLab, assert_judged, assert_only_headers_errors_and_times, judge, workers,
};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_04-legacy-threads"));

fn device_names(lab: &TestLab) -> Vec<String> {
    lab.fleet()
        .devices()
        .iter()
        .map(|d| d.name.clone())
        .collect()
}

/// The two parts' output: (threads_show_ver, threads_queue).
fn parts(stdout: &str) -> (&str, &str) {
    let start = stdout.find("== threads_queue").expect("threads_queue runs");
    stdout.split_at(start)
}

/// How many times each line of a part's device output appears (headers, joins and the
/// elapsed time left out).
fn line_counts(part: &str) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for line in part.lines().filter(|line| {
        !(line.starts_with("== ")
            || line.starts_with("joining thread ")
            || line.starts_with("Elapsed time: ")
            || line.is_empty())
    }) {
        *counts.entry(line).or_default() += 1;
    }
    counts
}

/// The course lab, the fix by the name the benchmark calls it: whole blocks, completion order.
#[test]
fn the_queue_part_prints_whole_blocks_in_completion_order() {
    let lab = TestLab::course();
    shared::assert_lesson_snapshot!(LESSON.command(&lab, &["--part", "threads_queue"]));
}

/// srx2 refuses: one `Error:` line, the eight others' blocks, `8 ok, 1 failed`.
#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    // A refused connection fails at once, so its line comes first on every run. (A failed
    // login comes after the device's login delay, too close to other devices' answers to
    // keep a fixed place in the output.)
    let lab = TestLab::course_with_fault("srx2", Fault::Refuse);
    shared::assert_lesson_snapshot!(LESSON.command(&lab, &["--part", "queue"]));
}

/// Both parts: the race prints every line the queue part prints, in another order.
#[test]
fn the_racy_part_prints_the_same_lines_as_the_queue_part_in_another_order() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &[]);
    let (racy, queue) = parts(&stdout);

    // Every line a worker printed, as often as in the orderly part: nothing lost, nothing
    // torn in half, only the order differs.
    assert_eq!(line_counts(racy), line_counts(queue));
    assert_eq!(racy.lines().filter(|l| *l == HASHES).count(), 2 * 9);
    for device in device_names(&lab) {
        assert!(
            racy.lines().any(|line| line.contains(&device)),
            "{device}'s output is missing from threads_show_ver"
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

/// srx2 rejects the password during the race: one `Error:` line, eight blocks.
#[test]
fn the_racy_part_with_a_failing_device_reports_it_once() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let output = LESSON.output(&lab, &["--part", "threads_show_ver"]);
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

/// Both parts take well under the serial logins' time: the devices are talked to at once.
#[test]
fn a_thread_per_device_takes_well_under_the_serial_time() {
    let lab = TestLab::course();
    let elapsed = shared::testing::elapsed_times(&LESSON.stdout(&lab, &[]));
    assert_eq!(elapsed.len(), 2, "one elapsed time per part");

    let serial = TestLab::course_serial_login_time();
    for part in elapsed {
        assert!(
            part < serial.mul_f64(0.5),
            "a part took {part:?}, the serial logins alone {serial:?}"
        );
    }
}

/// 120 devices, one in twenty misbehaving: each failure named once, then the summary.
#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `show version` is a command: a device that drops the connection during it fails too.
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_04-legacy-threads"),
        &["--part", "threads_queue"],
        true,
    );
    // Quiet: besides the header, the failures and the elapsed time, nothing (no blocks).
    assert_only_headers_errors_and_times(&stdout);
    assert!(stdout.starts_with("== threads_queue"), "{stdout}");
}

/// Both parts past 100 devices: each header and elapsed time, no device named.
#[test]
fn a_quiet_run_prints_every_header_and_elapsed_time() {
    let quiet = LESSON.check_quiet_run(&[]);
    assert_eq!(quiet.matches("Elapsed time: ").count(), 2, "{quiet}");
}

/// `--help` fits the terminal and lists every part by its file's name.
#[test]
fn help_wraps_and_lists_the_parts() {
    LESSON.check_help(&["threads_show_ver", "threads_queue"]);
}

/// A thread per device, as the devices saw it: all nine sessions open at one instant, each
/// from a thread of its own, all in the lesson's process.
#[test]
fn the_fleet_sees_nine_sessions_open_at_once_from_nine_threads() {
    for part in ["threads_show_ver", "threads_queue"] {
        let lab = TestLab::course();
        let (_, lesson) = LESSON.stdout_and_pid(&lab, &["--part", part]);
        let record = lab.fleet().record();
        assert_judged(judge::open_at_once(&record, 9, Duration::ZERO));
        assert_eq!(workers(&record).len(), 9, "{part}: a thread per device");
        assert_judged(judge::threads_of(&record, lesson));
    }
}

/// nxos1 hangs: the eight others' blocks are out long before its timeout, not after it.
#[test]
fn a_hung_device_holds_back_no_other_output() {
    LESSON.check_hung_device_holds_nobody_back("threads_show_ver");
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    LESSON.check_no_silent_stretch(&[]);
}
