//! Runs the lesson binary against a test lab it starts itself.

use std::sync::{Mutex, MutexGuard};

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, Lesson, TestLab, assert_judged, judge, settings};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_01-overview"));

/// The lesson measures CPU-bound work: two runs at once would slow each other down and
/// spoil the measurements, so the tests run the lesson one at a time.
static ONE_RUN_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_run_at_a_time() -> MutexGuard<'static, ()> {
    ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// The course lab, four times faster: exercise 1 dominates this lesson's run time.
fn fast_course_lab() -> FleetConfig {
    FleetConfig::course_lab().scale_latency(0.25)
}

/// The shared filters, plus what depends on this machine's CPUs and load.
fn filters() -> insta::Settings {
    let mut settings = settings();
    settings.add_filter(r" +\[SECONDS\] s\b", " [SECONDS] s");
    settings.add_filter(r"\b\d+\.\dx as fast", "[N]x as fast");
    settings.add_filter(r"has \d+ CPUs", "has [N] CPUs");
    settings.add_filter(r"pinned to CPU \d+", "pinned to CPU [N]");
    settings.add_filter(r"(count primes, split) +\d+ ", "$1 [N] ");
    settings.add_filter(r"\b\d+x (sooner|the slowest)", "[N]x $1");
    settings.add_filter(r"on average \d+\.\d of", "on average [N] of");
    settings
}

/// The time on the table row that starts with `job` and runs `on` (e.g. `1 CPU`), in seconds.
fn row_seconds(stdout: &str, job: &str, on: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|line| line.starts_with(job) && line.contains(&format!(" {on} ")))
        .unwrap_or_else(|| panic!("no row `{job}` on {on} in:\n{stdout}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(2)
        .find_map(|pair| match pair {
            [number, "s"] => number.parse().ok(),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no time on `{line}`"))
}

/// The course lab, every part: the serial baseline, then the fan-out on one CPU far faster
/// than it, then the split job faster on all CPUs only.
#[test]
fn serial_baseline_then_concurrency_and_parallelism_measured() {
    let _one = one_run_at_a_time();
    let lab = TestLab::start(fast_course_lab());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Other programs busy on this machine can take the spare CPUs away for a while, and
    // with them the parallel speed-up: measure again before calling that a failure.
    let mut attempts = 0;
    let stdout = loop {
        attempts += 1;
        let output = LESSON.output(&lab, &[]);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{output:?}");
        assert!(output.stderr.is_empty(), "{output:?}");

        // Concurrency: one thread per device, all pinned to one CPU, still beats the serial
        // run by far: the threads spend their time waiting, not computing.
        let serial = row_seconds(&stdout, "show version, one device after another", "any CPU");
        let fan_out = row_seconds(&stdout, "show version, one thread per device", "1 CPU");
        assert!(
            fan_out < 0.5 * serial,
            "fan-out {fan_out} s, serial {serial} s"
        );

        // Parallelism: only where there are CPUs to run on.
        let one_thread = row_seconds(&stdout, "count primes", "any CPU");
        let split_one_cpu = row_seconds(&stdout, "count primes, split", "1 CPU");
        let split_all_cpus = row_seconds(&stdout, "count primes, split", "all CPUs");
        let faster_on_all_cpus = cpus < 2 || split_all_cpus < 0.8 * one_thread;
        let no_faster_on_one_cpu =
            !stdout.contains("pinned to CPU") || split_one_cpu > 0.75 * one_thread;
        if faster_on_all_cpus && no_faster_on_one_cpu {
            break stdout;
        }
        if attempts == 3 {
            assert!(
                !shared::testing::machine_runs_two_threads_at_once(),
                "one thread {one_thread} s; split over {cpus} threads: on one CPU \
                 {split_one_cpu} s, on all CPUs {split_all_cpus} s"
            );
            // The machine is busy: where the split job got no faster, the lesson says it
            // cannot show parallelism rather than concluding anything.
            if !faster_on_all_cpus {
                assert!(stdout.contains("cannot show"), "{stdout}");
            }
            eprintln!("parallel speed-up not checked: other programs keep the CPUs busy");
            return;
        }
    };

    let _guard = filters().bind_to_scope();
    insta::assert_snapshot!("course_lab", stdout);
}

/// srx2 refuses the password: one `Error:` line per part that contacts it, and the other
/// eight devices complete.
#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let _one = one_run_at_a_time();
    let lab = TestLab::start(
        fast_course_lab()
            .with_fault("srx2", Fault::AuthFail)
            .expect("srx2 is in the lab"),
    );
    let _guard = filters().bind_to_scope();
    // The devices' parts only: the failing device is this test's point, not the CPUs.
    assert_cmd_snapshot!(LESSON.command(&lab, &["--part", "ex1_serial,concurrency"]));
}

/// 120 devices, one in twenty misbehaving, exercise 1 only: each failure named once.
#[test]
fn part_serial_at_scale_names_each_failed_device_once_and_nothing_else() {
    let _one = one_run_at_a_time();
    let faulty = FaultyLab::start(120);
    // One `Error: <device>: <reason>` line per failed device, and no other device named:
    // past 100 devices the run is quiet, and healthy devices print nothing. `serial` is
    // the short name the part had before it was named after the course's script.
    let stdout = faulty.check_lesson(
        env!("CARGO_BIN_EXE_01-overview"),
        &["--part", "serial"],
        true,
    );
    assert!(!stdout.contains("-----"), "a device's output in:\n{stdout}");
    assert!(stdout.contains("Finished in"), "{stdout}");
}

/// Every part, 120 devices: the headers, `Finished in` and the tables still print.
#[test]
fn a_quiet_run_prints_every_line_that_is_not_about_one_device() {
    let _one = one_run_at_a_time();
    let quiet = LESSON.check_quiet_run(&[]);
    for line in ["show version, one thread per device", "count primes, split"] {
        assert!(quiet.contains(line), "no `{line}` row in:\n{quiet}");
    }
}

/// `--help` fits the terminal and lists every part by its file's name.
#[test]
fn help_wraps_and_lists_the_parts() {
    LESSON.check_help(&["ex1_serial", "concurrency", "parallelism"]);
}

/// Exercise 1 as the devices saw it: never two sessions open at once, and the devices
/// connected to in the inventory's order.
#[test]
fn the_fleet_sees_exercise_1_one_device_after_another_in_list_order() {
    let _one = one_run_at_a_time();
    let lab = TestLab::start(fast_course_lab());
    LESSON.stdout(&lab, &["--part", "ex1_serial"]);
    let record = lab.fleet().record();
    assert_judged(judge::open_at_once(&record, 1, std::time::Duration::ZERO));
    let mut sessions: Vec<_> = record.sessions.iter().collect();
    sessions.sort_by_key(|s| (s.accepted, s.id));
    let accepted: Vec<&str> = sessions.iter().map(|s| s.device.as_str()).collect();
    let listed: Vec<&str> = lab
        .fleet()
        .devices()
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(accepted, listed, "accepts in inventory order");
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    LESSON.check_no_silent_stretch(&[]);
}
