//! Runs the lesson binary against a test lab it starts itself.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use mock_device::{Fault, FleetConfig, Platform};
use shared::testing::{
    FaultyLab, Lesson, TestLab, assert_pool_of, elapsed_times, parse_timedelta, stable_timeline,
};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_07-as-completed"));

/// The two lecture parts, whose completion order the tests below check.
const LECTURE_PARTS: [&str; 2] = ["ssh_threads_ascompleted", "ssh_threads_ascompleted_cm"];

/// `cisco3#` -> `cisco3`, `pyclass@srx2>` -> `srx2`.
fn device_of(prompt: &str) -> &str {
    let prompt = prompt.trim().trim_end_matches(['#', '>']);
    prompt.rsplit('@').next().unwrap_or(prompt)
}

/// The order in which a pool of `workers` FIFO threads finishes the devices, given that
/// each device's work takes time in proportion to its login delay.
fn simulated_completion_order(config: &FleetConfig, workers: usize) -> Vec<String> {
    let mut free_at = vec![Duration::ZERO; workers];
    let mut done: Vec<(Duration, String)> = Vec::new();
    for device in &config.devices {
        let worker = (0..workers)
            .min_by_key(|&w| free_at[w])
            .expect("at least one worker");
        free_at[worker] += device.login_delay;
        done.push((free_at[worker], device.name.clone()));
    }
    done.sort();
    done.into_iter().map(|(_, name)| name).collect()
}

/// The course lab, every part: the lecture parts in completion order, then the exercise.
#[test]
fn results_come_in_completion_order() {
    let lab = TestLab::course();
    shared::assert_lesson_snapshot!(LESSON.command(&lab, &[]));
}

/// srx2 refuses the password: one Error line per part, the other eight answer.
#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    shared::assert_lesson_snapshot!(LESSON.command(&lab, &[]));
}

/// At the course's four workers the order follows the login delays, and
/// it shows it: the list's first device is not the first result, and one of its last three
/// is among the first five.
#[test]
fn completion_order_follows_the_latencies_not_the_submission_order() {
    let lab = TestLab::course();
    let submitted: Vec<&str> = lab
        .fleet()
        .devices()
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    let expected = simulated_completion_order(&TestLab::course_config(), 4);
    for part in LECTURE_PARTS {
        let stdout = LESSON.stdout(&lab, &["--part", part]);
        let completed: Vec<&str> = stdout
            .lines()
            .filter_map(|line| line.strip_prefix("Result: "))
            .map(device_of)
            .collect();

        assert_eq!(completed, expected, "{part}");
        assert_ne!(
            completed, submitted,
            "{part}: with these latencies the order must change"
        );
        assert_ne!(completed[0], submitted[0], "{part}: {completed:?}");
        assert!(
            submitted[6..]
                .iter()
                .any(|last| completed[..5].contains(last)),
            "{part}: none of {:?} among the first five {completed:?}",
            &submitted[6..]
        );
    }
}

/// The elapsed time printed after each result only grows, and four workers end well under
/// the serial logins.
#[test]
fn four_workers_take_well_under_the_serial_time() {
    let lab = TestLab::course();
    let serial = TestLab::course_serial_login_time();
    for part in LECTURE_PARTS {
        let stdout = LESSON.stdout(&lab, &["--part", part]);
        let elapsed: Vec<Duration> = stdout.lines().filter_map(parse_timedelta).collect();
        assert_eq!(elapsed.len(), 9, "{part}\n{stdout}");
        assert!(
            elapsed.is_sorted(),
            "{part}: the elapsed time only grows: {elapsed:?}"
        );
        let total = elapsed[8];
        assert!(
            total < serial.mul_f64(0.6),
            "{part}: 4 workers took {total:?}, the serial logins alone {serial:?}"
        );
    }
}

/// Past 100 devices each part keeps its header, the lecture parts their
/// elapsed time (once, at the end) and the exercise its `Finished in`.
#[test]
fn a_quiet_run_shows_the_headers_and_the_times() {
    let quiet = LESSON.check_quiet_run(&[]);
    assert_eq!(elapsed_times(&quiet).len(), 2, "{quiet}");
    assert!(quiet.contains("Finished in"), "{quiet}");
}

/// 120 devices, one in twenty misbehaving, the lecture parts: each failure named once.
#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    let parts = LECTURE_PARTS.join(",");
    lab.check_lesson(
        env!("CARGO_BIN_EXE_07-as-completed"),
        &["--part", &parts],
        false,
    );
}

/// The same for the exercise, whose `show version` fails on the devices that drop.
#[test]
fn faults_at_scale_in_the_exercise_include_the_dropping_devices() {
    let lab = FaultyLab::start(120);
    lab.check_lesson(
        env!("CARGO_BIN_EXE_07-as-completed"),
        &["--part", "ex3b_cf_ascompleted"],
        true,
    );
}

/// `07-as-completed | head -2`: the reader takes two lines and closes the pipe while the
/// lesson still has results to print. The lesson must end quietly: exit status 0, nothing
/// on stderr (no "failed printing to stdout: Broken pipe" panic).
#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_run_quietly() {
    // srx2 fails in every part: a run that reached its end would exit 1 and print
    // `8 ok, 1 failed`, so a clean exit here can only come from the closed pipe.
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let mut child = LESSON
        .command(&lab, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lesson starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let head: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(2)
        .collect::<Result<_, _>>()
        .expect("two lines come");
    // The reader (and with it our end of the pipe) is gone here, as when `head` exits.
    assert!(head[0].starts_with("== "), "{head:?}");
    assert_eq!(head[1], "Result: cisco4#");

    let output = child.wait_with_output().expect("the lesson ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "", "nothing on stderr");
}

/// `--help` fits the terminal, lists every part by its file's name, and says how many
/// workers the pool has when `--workers` is not given.
#[test]
fn help_wraps_lists_the_parts_and_names_the_pool_size() {
    let help = LESSON.check_help(&[
        "ssh_threads_ascompleted",
        "ssh_threads_ascompleted_cm",
        "ex3b_cf_ascompleted",
    ]);
    assert!(help.contains("default: 4"), "{help}");
}

/// A pool of three over the course lab, as the devices saw it: three sessions open at most,
/// three reached, and a worker that comes free takes the next device at once.
#[test]
fn the_fleet_sees_a_pool_of_three_and_no_idle_worker() {
    let lab = TestLab::course();
    LESSON.stdout(
        &lab,
        &["--part", "ssh_threads_ascompleted", "--workers", "3"],
    );
    assert_pool_of(&lab.fleet().record(), 3);
}

/// `--timeline` over the course lab: four thread rows with their devices' bars, the scale,
/// and the sessions open at once with their peak (times and bar lengths filtered).
#[test]
fn the_timeline_shows_four_threads_and_the_peak() {
    let lab = TestLab::course();
    let stdout = LESSON
        .command(&lab, &["--part", "ssh_threads_ascompleted", "--timeline"])
        .env("COLUMNS", "100")
        .output()
        .expect("the lesson runs")
        .stdout;
    insta::assert_snapshot!(stable_timeline(&String::from_utf8_lossy(&stdout)));
}

/// 1000 devices, one in twenty misbehaving, a pool of 50: the fleet saw one session per
/// device tried, and every device the lesson names failed as the mock saw it.
#[test]
fn at_scale_every_named_failure_is_a_session_the_mock_saw_fail() {
    let lab = FaultyLab::start(1000);
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_07-as-completed"),
        &["--part", "ssh_threads_ascompleted", "--workers", "50"],
        false,
    );
    lab.check_record(&stdout);
}

/// `--results FILE`: a line per device as it completes, by the thread the mock saw run its
/// session (whose banner carries the run and the part), and the totals last.
#[test]
fn results_are_written_per_device_with_the_worker_the_mock_saw() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("results.jsonl");
    let output = LESSON.output(
        &lab,
        &[
            "--part",
            "ascompleted",
            "--results",
            path.to_str().expect("utf-8"),
        ],
    );
    assert!(
        !output.status.success(),
        "srx2 failed: the exit status says so"
    );
    let lines = shared::testing::read_results(&path);
    let record = lab.fleet().record();
    let devices: Vec<&str> = record.sessions.iter().map(|s| s.device.as_str()).collect();
    shared::testing::check_results(
        &lines,
        &record,
        &devices,
        "ssh_threads_ascompleted",
        &["srx2"],
    );
    // In the order printed: as each completed.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed: Vec<&str> = stdout
        .lines()
        .filter_map(|line| match line.split_once(": ") {
            Some(("Result", prompt)) => Some(device_of(prompt)),
            Some(("Error", error)) => error.split(':').next(),
            _ => None,
        })
        .collect();
    let written: Vec<&str> = lines[..9]
        .iter()
        .filter_map(|l| l["device"].as_str())
        .collect();
    assert_eq!(written, printed);
    let srx2 = lines
        .iter()
        .find(|l| l["device"] == "srx2")
        .expect("srx2's line");
    assert_eq!(srx2["error"]["kind"], "auth_failed");
    assert_eq!(lines[9]["lesson"], "07-as-completed");
    let threads: BTreeSet<&str> = lines[..9]
        .iter()
        .filter_map(|l| l["worker"]["thread"].as_str())
        .collect();
    assert_eq!(threads.len(), 4, "a pool of four threads");
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    LESSON.check_no_silent_stretch(&[]);
}

/// Past 100 devices with no terminal on stderr (a CI log): a progress line on stderr at
/// least every few seconds, so a long quiet run is never silent.
#[test]
fn a_quiet_run_without_a_terminal_says_how_far_it_got() {
    let config = FleetConfig::generated(120, &Platform::ALL, Duration::from_millis(250));
    let lab = TestLab::start(config);
    let run = shared::testing::timed::TimedRun::of(
        LESSON.command(&lab, &["--part", "ssh_threads_ascompleted"]),
    );
    let transcript = run.transcript();
    assert!(run.status.success(), "{transcript}");
    let progress = run
        .lines
        .iter()
        .filter(|l| l.stderr && l.text.starts_with("progress: "))
        .count();
    assert!(progress >= 2, "{transcript}");
    let (silence, _) = run.longest_silence();
    let allowed = shared::report::PROGRESS_EVERY + Duration::from_millis(2500);
    assert!(silence <= allowed, "{silence:?}\n{transcript}");
}

/// The header promises 13 timeline rows for the default run: four, four and five.
#[test]
fn the_timeline_has_the_rows_the_header_promises() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_07-as-completed"))
        .arg("--timeline")
        .output()
        .expect("the lesson runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        shared::testing::timed::timeline_rows(&stdout),
        13,
        "{stdout}"
    );
    let header = include_str!("../src/main.rs");
    assert!(
        header.contains("(13 in\n//! the default run)"),
        "the header says 13"
    );
}
