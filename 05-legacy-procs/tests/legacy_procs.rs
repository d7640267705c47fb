//! Runs the lesson binary against a test lab it starts itself.
//!
//! The binary is an ordinary subprocess here: its own `procspawn::init()` turns the
//! children it starts into workers, so these tests need no procspawn test support. The
//! snapshots hold the children's output, which proves they ran.

use std::collections::BTreeMap;
use std::time::Duration;

use mock_device::{Fault, FleetConfig, Platform};
use shared::HASHES;
use shared::testing::timed::{TimedRun, on_lab_clock};
use shared::testing::{
    FaultyLab, Lesson, TestLab, assert_judged, assert_only_headers_errors_and_times, judge, pids,
};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_05-legacy-procs"));

/// The snapshots hold the order in which children finished, and the children start one
/// after the other: the runs that start a hundred children (or any, next to those) would
/// stretch that start on two busy cores. Those tests run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many times each device line of a part appears: headers, elapsed times, empty lines
/// and the queue parts' hostname lines left out.
fn line_counts<'a>(part: &'a str, names: &[String]) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for line in part.lines().filter(|line| {
        !(line.starts_with("== ")
            || line.starts_with("Elapsed time: ")
            || line.is_empty()
            || line.starts_with("No deadlock: ")
            || names.iter().any(|name| name == line))
    }) {
        *counts.entry(line).or_default() += 1;
    }
    counts
}

fn hashes(text: &str) -> usize {
    text.lines().filter(|l| *l == HASHES).count()
}

// The children start one after the other, each a few milliseconds after the one before
// (procspawn waits for a child to call back before it starts the next). The queue parts
// print in the order the children finish, so on a busy machine a late starter could
// overtake a device that answers slightly sooner. `processes_show_ver` is checked by what
// must hold in any order; the queue parts are snapshotted on the course lab at its own
// speed, whose devices finish at least 0.18 s apart: far more than the start-up stagger.

/// The course lab at the speed students see (not the faster test lab), optionally with a
/// fault.
fn course_lab_full_speed(fault: Option<(&str, Fault)>) -> TestLab {
    let config = FleetConfig::course_lab();
    TestLab::start(match fault {
        Some((device, fault)) => config.with_fault(device, fault).expect("a course device"),
        None => config,
    })
}

/// Both queue parts on the course lab: whole blocks in completion order, no deadlock.
#[test]
fn the_queue_parts_print_whole_blocks_in_completion_order() {
    let _one = one_at_a_time();
    let lab = course_lab_full_speed(None);
    shared::assert_lesson_snapshot!(
        LESSON.command(&lab, &["--part", "proc_w_queue,proc_avoid_deadlock"])
    );
}

/// srx2 refuses: one `Error:` line, the eight others' blocks, `8 ok, 1 failed`.
#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let _one = one_at_a_time();
    let lab = course_lab_full_speed(Some(("srx2", Fault::Refuse)));
    shared::assert_lesson_snapshot!(LESSON.command(&lab, &["--part", "queue"]));

    let output = LESSON.output(&lab, &["--part", "processes_show_ver"]);
    assert!(!output.status.success(), "a failed device fails the run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("Error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stdout}");
    assert!(errors[0].starts_with("Error: srx2: connection refused by 127.0.0.1:"));
    assert_eq!(hashes(&stdout), 2 * 8, "{stdout}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "8 ok, 1 failed\n");
}

/// The children of `processes_show_ver` print every line `proc_w_queue` prints, mixed.
#[test]
fn the_children_of_processes_show_ver_print_the_lines_proc_w_queue_prints() {
    let lab = TestLab::course();
    let names: Vec<String> = lab
        .fleet()
        .devices()
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let stdout = LESSON.stdout(&lab, &["--part", "processes_show_ver,proc_w_queue"]);
    let (racy, queue) = stdout.split_at(stdout.find("== proc_w_queue").expect("it runs"));
    assert_eq!(hashes(racy), 2 * 9, "{racy}");
    assert_eq!(line_counts(racy, &names), line_counts(queue, &names));
}

/// One process per device takes well under the serial logins' time.
#[test]
fn a_process_per_device_takes_well_under_the_serial_time() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "processes_show_ver"]);
    let elapsed = shared::testing::elapsed_times(&stdout);
    assert_eq!(elapsed.len(), 1);

    let serial = TestLab::course_serial_login_time();
    assert!(
        elapsed[0] < serial.mul_f64(0.5),
        "one process per device took {:?}, the serial logins alone {serial:?}",
        elapsed[0]
    );
}

/// 100 outputs outgrow the queue: `proc_w_queue` deadlocks, says so on a line of its own
/// within 2.5 s of the last device answering (as the mock saw it; the default timeout would
/// have given up only after 20 s), and gets out; `proc_avoid_deadlock` does not deadlock.
/// Both print every block.
#[test]
fn a_full_queue_deadlocks_proc_w_queue_and_not_proc_avoid_deadlock() {
    let _one = one_at_a_time();
    let lab = TestLab::start(FleetConfig::generated(100, &Platform::ALL, Duration::ZERO));
    let run = TimedRun::of(LESSON.command(&lab, &["--part", "deadlock,avoid_deadlock"]));
    let transcript = run.transcript();
    let stdout = run.stdout();
    let (w_queue, avoid) = stdout.split_at(stdout.find("== proc_avoid").expect("it runs"));
    let deadlocks = |part: &str| part.lines().filter(|l| l.starts_with("deadlock: ")).count();
    assert_eq!(deadlocks(w_queue), 1, "{w_queue}");
    assert_eq!(deadlocks(avoid), 0, "{avoid}");
    assert_eq!(hashes(w_queue), 2 * 100);
    assert_eq!(hashes(avoid), 2 * 100);

    let first_part_ends: Vec<std::time::Duration> = {
        let record = lab.fleet().record();
        let mut ends: Vec<_> = record
            .sessions
            .iter()
            .filter_map(|s| s.closed.as_ref().map(|c| c.at))
            .collect();
        ends.sort();
        ends
    };
    // The first part's sessions are the first 100 to end.
    let answered = first_part_ends[99];
    let said = run
        .lines
        .iter()
        .find(|l| l.text.starts_with("deadlock: "))
        .map(|l| on_lab_clock(lab.fleet(), l.at))
        .expect("the deadlock is told");
    assert!(
        said < answered + Duration::from_millis(2500),
        "told at {said:?}, the last device answered at {answered:?}\n{transcript}"
    );
}

/// The course lab's nine outputs fit: no deadlock, and one line with the command that shows
/// one.
#[test]
fn a_run_without_deadlock_says_how_to_see_one() {
    let stdout = LESSON.stdout(&TestLab::course(), &["--part", "proc_w_queue"]);
    let hint: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("--part deadlock"))
        .collect();
    assert_eq!(hint.len(), 1, "{stdout}");
    assert!(
        !stdout.lines().any(|l| l.starts_with("deadlock:")),
        "{stdout}"
    );
}

/// 120 devices, one in twenty misbehaving: each failure named once, then the summary.
#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let _one = one_at_a_time();
    let lab = FaultyLab::start(120);
    // `show version` is a command: a device that drops the connection during it fails too.
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_05-legacy-procs"),
        &["--part", "processes_show_ver"],
        true,
    );
    // Quiet: the children printed nothing; the parent its header, the failures, the time.
    assert_only_headers_errors_and_times(&stdout);
    assert!(stdout.starts_with("== processes_show_ver"), "{stdout}");
}

/// All three parts past 100 devices: each header and elapsed time, no device named.
#[test]
fn a_quiet_run_prints_every_header_and_elapsed_time() {
    let _one = one_at_a_time();
    let quiet = LESSON.check_quiet_run(&[]);
    assert_eq!(quiet.matches("Elapsed time: ").count(), 3, "{quiet}");
}

/// `--help` fits the terminal and lists every part by its file's name.
#[test]
fn help_wraps_and_lists_the_parts() {
    LESSON.check_help(&["processes_show_ver", "proc_w_queue", "proc_avoid_deadlock"]);
}

/// A process per device, as the devices saw it: all nine sessions open at one instant,
/// from nine distinct processes, none of them the lesson's own.
#[test]
fn the_fleet_sees_nine_sessions_open_at_once_from_nine_child_processes() {
    let _one = one_at_a_time();
    let lab = TestLab::course();
    let (_, lesson) = LESSON.stdout_and_pid(&lab, &["--part", "processes_show_ver"]);
    let record = lab.fleet().record();
    assert_judged(judge::open_at_once(&record, 9, Duration::ZERO));
    assert_judged(judge::worker_processes(&record, 9, &[lesson]));
    let pids = pids(&record);
    assert_eq!(pids.len(), 9, "a process per device: {pids:?}");
}

/// nxos1 hangs: the eight other children's blocks are out long before its timeout.
#[test]
fn a_hung_device_holds_back_no_other_output() {
    let _one = one_at_a_time();
    LESSON.check_hung_device_holds_nobody_back("processes_show_ver");
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    let _one = one_at_a_time();
    LESSON.check_no_silent_stretch(&[]);
}
