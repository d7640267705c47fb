//! Runs the lesson binary against a test lab it starts itself.

use mock_device::Fault;
use shared::testing::{FaultyLab, Lesson, TestLab, assert_pool_of, elapsed_times};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_06-futures"));
/// The parts that port the course's scripts, over the lab they are given (the third,
/// `choosing_max_threads`, runs its own lab: tests/choosing_max_threads.rs).
const COURSE_PARTS: [&str; 2] = ["--part", "ssh_threads_simple,ssh_threads_wait"];

/// The course lab, the course's parts: one future, then all nine waited for.
#[test]
fn one_future_then_wait_for_all() {
    let lab = TestLab::course();
    shared::assert_lesson_snapshot!(LESSON.command(&lab, &COURSE_PARTS));
}

/// srx2 refuses the password: one Error line in the wait part, the other eight answer.
#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    shared::assert_lesson_snapshot!(LESSON.command(&lab, &COURSE_PARTS));
}

/// `--part ssh_threads_simple` contacts cisco3 alone; when it fails the
/// summary counts that one device, not the eight never contacted.
#[test]
fn a_failing_first_device_is_the_only_one_counted() {
    let lab = TestLab::course_with_fault("cisco3", Fault::AuthFail);
    let output = LESSON.output(&lab, &["--part", "ssh_threads_simple"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Error: cisco3: authentication failed"),
        "{stdout}"
    );
    assert_eq!(stderr.lines().last(), Some("0 ok, 1 failed"), "{stderr}");
}

/// Four workers wait for nine devices in well under the serial logins; one future alone
/// takes far less than all nine.
#[test]
fn four_workers_wait_for_nine_devices_in_well_under_the_serial_time() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &COURSE_PARTS);
    let elapsed = elapsed_times(&stdout);
    assert_eq!(elapsed.len(), 2, "{stdout}");

    let serial = TestLab::course_serial_login_time();
    let wait_all = elapsed[1];
    assert!(
        wait_all < serial.mul_f64(0.6),
        "4 workers took {wait_all:?}, the serial logins alone {serial:?}"
    );
    // The first part waited for one device only: far less than all nine.
    assert!(elapsed[0] < wait_all.mul_f64(0.5), "{elapsed:?}");
}

/// Past 100 devices both `done()` lines (they are about the future, not
/// a device) and both elapsed times are still printed. (`choosing_max_threads` prints
/// its table whatever the lesson's lab: a quiet run changes nothing in it.)
#[test]
fn a_quiet_run_shows_the_done_lines_and_the_elapsed_times() {
    let quiet = LESSON.check_quiet_run(&COURSE_PARTS);
    let lines: Vec<&str> = quiet.lines().collect();
    assert_eq!(lines[1..3], ["false", "true"], "{quiet}");
    assert!(quiet.contains("\nResult: cisco-ios-0001#\n"), "{quiet}");
    assert_eq!(elapsed_times(&quiet).len(), 2, "{quiet}");
}

/// 120 devices, one in twenty misbehaving, the wait part only: each failure named once.
#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_06-futures"),
        &["--part", "ssh_threads_wait"],
        false,
    );
    assert!(
        stdout.starts_with("== submit() every device"),
        "only the wait part\n{stdout}"
    );
}

/// `--help` fits the terminal, lists every part by its file's name, and says how many
/// workers the pool has when `--workers` is not given.
#[test]
fn help_wraps_lists_the_parts_and_names_the_pool_size() {
    let help = LESSON.check_help(&[
        "ssh_threads_simple",
        "ssh_threads_wait",
        "choosing_max_threads",
    ]);
    assert!(help.contains("default: 4"), "{help}");
    assert!(help.contains("--workers does not apply"), "{help}");
}

/// wait() over a pool of three, as the devices saw it: three sessions open at most, three
/// reached, and a worker that comes free takes the next device at once.
#[test]
fn the_fleet_sees_a_pool_of_three_and_no_idle_worker() {
    let lab = TestLab::course();
    LESSON.stdout(&lab, &["--part", "ssh_threads_wait", "--workers", "3"]);
    assert_pool_of(&lab.fleet().record(), 3);
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    LESSON.check_no_silent_stretch(&[]);
}

/// The header promises five timeline rows for the course parts: one, then four.
#[test]
fn the_timeline_has_the_rows_the_header_promises() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_06-futures"))
        .args([
            "--part",
            "ssh_threads_simple,ssh_threads_wait",
            "--timeline",
        ])
        .output()
        .expect("the lesson runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        shared::testing::timed::timeline_rows(&stdout),
        5,
        "{stdout}"
    );
    assert!(include_str!("../src/main.rs").contains("five rows in the default run"));
}
