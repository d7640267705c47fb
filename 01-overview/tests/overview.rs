//! Runs the lesson binary against a test lab it starts itself.

use std::process::Command;
use std::sync::Mutex;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, TestLab, settings};

/// The lesson measures CPU-bound work: two runs at once would slow each other down and
/// spoil the measurements, so the tests run the lesson one at a time.
static ONE_RUN_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The course lab, four times faster: the serial part dominates this lesson's run time.
fn fast_course_lab() -> FleetConfig {
    FleetConfig::course_lab().scale_latency(0.25)
}

fn lesson(lab: &TestLab) -> Command {
    lesson_on(lab.inventory())
}

fn lesson_on(inventory: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_01-overview"));
    command.arg("--inventory").arg(inventory);
    command
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

#[test]
fn serial_baseline_then_concurrency_and_parallelism_measured() {
    let _one = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = TestLab::start(fast_course_lab());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Other programs busy on this machine can take the spare CPUs away for a while, and
    // with them the parallel speed-up: measure again before calling that a failure.
    let mut attempts = 0;
    let stdout = loop {
        attempts += 1;
        let output = lesson(&lab).output().expect("the lesson runs");
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
            // The closing lines say what was measured, so they differ from the snapshot's.
            eprintln!("parallel speed-up not checked: other programs keep the CPUs busy");
            return;
        }
    };

    let _guard = filters().bind_to_scope();
    insta::assert_snapshot!("course_lab", stdout);
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let _one = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = TestLab::start(
        fast_course_lab()
            .with_fault("srx2", Fault::AuthFail)
            .expect("srx2 is in the lab"),
    );
    let _guard = filters().bind_to_scope();
    // The devices' parts only: the failing device is this test's point, not the CPUs.
    assert_cmd_snapshot!(lesson(&lab).args(["--part", "serial,concurrency"]));
}

#[test]
fn part_serial_at_scale_names_each_failed_device_once_and_nothing_else() {
    let _one = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let faulty = FaultyLab::start(120);
    // One `Error: <device>: <reason>` line per failed device, and no other device named:
    // past 100 devices the run is quiet, and healthy devices print nothing.
    let stdout = faulty.check_lesson(
        env!("CARGO_BIN_EXE_01-overview"),
        &["--part", "serial"],
        true,
    );
    assert!(!stdout.contains("-----"), "a device's output in:\n{stdout}");
    assert!(stdout.contains("Finished in"), "{stdout}");
}
