//! Runs the lesson binary against a test lab it starts itself.

use std::collections::HashSet;
use std::process::Command;
use std::sync::Mutex;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, TEST_SPEED_UP, TestLab, settings};

/// The lesson measures CPU-bound work: two runs at once would slow each other down and
/// spoil the measurements, so the tests run the lesson one at a time.
static ONE_RUN_AT_A_TIME: Mutex<()> = Mutex::new(());

const DEVICES: [&str; 9] = [
    "cisco3", "cisco4", "arista1", "arista2", "arista3", "arista4", "srx2", "nxos1", "nxos2",
];

fn lesson(lab: &TestLab) -> Command {
    lesson_on(lab.inventory())
}

fn lesson_on(inventory: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_02-threads"));
    command.arg("--inventory").arg(inventory);
    command
}

/// The shared filters, plus what changes from run to run or with this machine's CPUs.
fn filters() -> insta::Settings {
    let mut settings = settings();
    settings.add_filter(r"ThreadId\(\d+\)", "ThreadId([N])");
    settings.add_filter(
        r"got \d+: \d+ updates lost",
        "got [COUNT]: [LOST] updates lost",
    );
    settings.add_filter(r"has \d+ CPUs", "has [N] CPUs");
    settings.add_filter(r"split over \d+ threads", "split over [N] threads");
    settings.add_filter(r"\b\d+\.\dx as fast", "[N]x as fast");
    settings.add_filter(r" +\[SECONDS\] s\b", " [SECONDS] s");
    settings
}

/// The seconds figure that follows `label` on the first line containing it.
fn seconds_after(stdout: &str, label: &str) -> f64 {
    stdout
        .lines()
        .find_map(|line| line.split_once(label))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no seconds after `{label}` in:\n{stdout}"))
}

/// The lines of one numbered section.
fn section(stdout: &str, number: u32) -> Vec<&str> {
    stdout
        .lines()
        .skip_while(|line| !line.starts_with(&format!("{number}) ")))
        .take_while(|line| !line.starts_with(&format!("{}) ", number + 1)))
        .collect()
}

#[test]
fn every_section_shows_what_it_claims() {
    let _one = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = TestLab::course();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Other programs busy on this machine can take the spare CPUs away for a while, and
    // with them the parallel speed-up: measure again before calling that a failure.
    let mut attempts = 0;
    let stdout = loop {
        attempts += 1;
        let output = lesson(&lab).output().expect("the lesson runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{output:?}");

        // 1) one pid, four thread ids
        assert!(stdout.contains("4 threads, one process id, 4 different thread ids"));
        // 2) the race loses updates; both fixes count exactly
        let race = section(&stdout, 2);
        let lost: u64 = race
            .iter()
            .find_map(|line| line.rsplit_once(": ")?.1.strip_suffix(" updates lost"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no lost updates in {race:?}"));
        assert!(lost > 0, "{race:?}");
        assert!(race.contains(&"   fetch_add:         expected 80000, got 80000"));
        assert!(race.contains(&"   Mutex:             expected 80000, got 80000"));
        // 3) the deadlock is detected, and the fixed order completes both transfers
        let deadlock = section(&stdout, 3).join("\n");
        let (broken, fixed) = deadlock.split_once("The fix").expect("a fix follows");
        assert!(broken.contains("deadlock! It gives up"), "{broken}");
        assert!(
            broken.contains("balances afterwards: A 90, B 110"),
            "{broken}"
        );
        assert!(!fixed.contains("deadlock!"), "{fixed}");
        assert_eq!(fixed.matches("moved the money").count(), 2, "{fixed}");
        assert!(
            fixed.contains("balances afterwards: A 100, B 100"),
            "{fixed}"
        );
        // 4) IO-bound: thread per device takes far less than the serial logins
        let serial = TestLab::serial_login_time(
            &FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP),
        );
        let io_bound = seconds_after(&stdout, "one thread each: ");
        assert!(
            io_bound < 0.5 * serial.as_secs_f64(),
            "{io_bound} s against {serial:?} serial"
        );
        // 5) one result per device
        let channel = section(&stdout, 5);
        let answered: Vec<&str> = channel
            .iter()
            .filter_map(|line| line.strip_prefix("   "))
            .filter(|line| !line.contains("results received"))
            .filter(|line| !line.starts_with("Elapsed time: "))
            .filter_map(|line| line.split_once(": ").map(|(device, _)| device))
            .collect();
        assert_eq!(answered.len(), DEVICES.len(), "{channel:?}");
        assert_eq!(
            answered.iter().copied().collect::<HashSet<_>>(),
            DEVICES.into_iter().collect::<HashSet<_>>()
        );

        // 4) CPU-bound: parallel where there are CPUs to run on
        let one_thread = seconds_after(&stdout, "count primes on 1 thread");
        let split = seconds_after(&stdout, &format!("split over {} threads", cpus.max(2)));
        if cpus < 2 || split < 0.8 * one_thread {
            break stdout;
        }
        if attempts == 3 {
            assert!(
                !shared::testing::machine_runs_two_threads_at_once(),
                "one thread {one_thread} s, split over {cpus} threads {split} s"
            );
            eprintln!("parallel speed-up not checked: other programs keep the CPUs busy");
            break stdout;
        }
    };

    let _guard = filters().bind_to_scope();
    insta::assert_snapshot!("course_lab", stdout);
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let _one = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = filters().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn the_channel_at_scale_names_each_failed_device_once_and_nothing_else() {
    let _one = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let faulty = FaultyLab::start(120);
    // One `Error: <device>: <reason>` line per failed device, and no other device named:
    // past 100 devices the run is quiet, and healthy devices print nothing. `ssh_conn`
    // reads only the prompt, so a device that drops `show` commands answers it.
    let stdout = faulty.check_lesson(env!("CARGO_BIN_EXE_02-threads"), &["--section", "5"], false);
    assert!(
        stdout.contains("120 results received for 120 devices"),
        "{stdout}"
    );
}
