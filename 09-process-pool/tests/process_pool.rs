//! Runs the lesson binary against a test lab it starts itself.
//!
//! The binary is an ordinary subprocess here: its own `procspawn::init()` turns the
//! processes its pool starts into workers, so these tests need no procspawn test support.
//! Every `Result:` in the snapshots came back from a worker process.

use std::process::{Command, Output};
use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig, Platform};
use shared::testing::{FaultyLab, TEST_SPEED_UP, TestLab, settings};

fn lesson(lab: &TestLab, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_09-process-pool"));
    command.arg("--inventory").arg(lab.inventory()).args(args);
    command
}

fn run(lab: &TestLab, args: &[&str]) -> Output {
    let output = lesson(lab, args).output().expect("the lesson runs");
    assert!(output.status.success(), "{output:?}");
    output
}

/// The lesson's filters plus map2's `pid: 12345` (the struct's Debug output).
fn snapshot_settings() -> insta::Settings {
    let mut settings = settings();
    settings.add_filter(r"\bpid: \d+", "pid: [PID]");
    settings
}

/// Every line that is only a timedelta (`0:00:01.234567`), as a Duration.
fn elapsed_lines(stdout: &str) -> Vec<Duration> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("0:00:"))
        .map(|seconds| Duration::from_secs_f64(seconds.parse().expect("seconds")))
        .collect()
}

fn serial_logins() -> Duration {
    TestLab::serial_login_time(&FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP))
}

#[test]
fn the_default_run_as_completed_map2_and_cost() {
    let lab = TestLab::course();
    let _guard = snapshot_settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab, &[]));
}

/// One of the scripts the default run leaves out, snapshotted under its own name.
fn snapshot_variant(variant: &str) {
    let lab = TestLab::course();
    let _guard = snapshot_settings().bind_to_scope();
    assert_cmd_snapshot!(variant, lesson(&lab, &["--variant", variant]));
}

#[test]
fn simple() {
    snapshot_variant("simple");
}

#[test]
fn wait() {
    snapshot_variant("wait");
}

#[test]
fn map() {
    snapshot_variant("map");
}

#[test]
fn exercise() {
    snapshot_variant("exercise");
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = snapshot_settings().bind_to_scope();
    assert_cmd_snapshot!(
        "fault_as_completed",
        lesson(&lab, &["--variant", "as-completed"])
    );
}

#[test]
fn map2_structs_come_from_other_processes() {
    let lab = TestLab::course();
    let stdout = String::from_utf8_lossy(&run(&lab, &["--variant", "map2"]).stdout).into_owned();
    let ours: u32 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("(this process is pid "))
        .and_then(|rest| rest.trim_end_matches(')').parse().ok())
        .expect("the lesson prints its own pid");
    let worker_pids: Vec<u32> = stdout
        .lines()
        .filter_map(|line| line.split("pid: ").nth(1))
        .map(|pid| pid.trim_end_matches(" }").parse().expect("a pid"))
        .collect();
    assert_eq!(worker_pids.len(), 9, "{stdout}");
    assert!(worker_pids.iter().all(|&pid| pid != ours), "{stdout}");
}

#[test]
fn a_pool_of_four_processes_takes_well_under_the_serial_time() {
    let lab = TestLab::course();
    let stdout = String::from_utf8_lossy(&run(&lab, &["--variant", "map"]).stdout).into_owned();
    let elapsed = elapsed_lines(&stdout);
    assert_eq!(elapsed.len(), 9, "{stdout}");
    assert!(
        elapsed.is_sorted(),
        "the elapsed time only grows: {elapsed:?}"
    );

    let serial = serial_logins();
    assert!(
        elapsed[8] < serial.mul_f64(0.5),
        "4 processes took {:?}, the serial logins alone {serial:?}",
        elapsed[8]
    );
}

/// procspawn keeps a finished worker busy until its result is taken. A slow first device
/// and six fast ones on two workers: if `wait` and `map` took the results in list order,
/// the fast devices' worker would sit on its first result until the slow device answered
/// (then 2 s + 3 x 0.25 s). They take every result as soon as it is ready, so the fast
/// devices are all done by the time the slow one is (2 s).
#[test]
fn wait_and_map_keep_every_worker_busy() {
    let slow = Duration::from_secs(2);
    let fast = Duration::from_millis(250);
    let mut config = FleetConfig::generated(7, &[Platform::CiscoIos], fast);
    config.devices[0].login_delay = slow;
    let lab = TestLab::start(config);
    let stdout =
        String::from_utf8_lossy(&run(&lab, &["--variant", "wait,map", "--workers", "2"]).stdout)
            .into_owned();

    let in_list_order = slow + fast * 3;
    let bound = slow + (in_list_order - slow) / 2;
    let wait: Vec<Duration> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Elapsed time: 0:00:"))
        .map(|seconds| Duration::from_secs_f64(seconds.parse().expect("seconds")))
        .collect();
    let map = elapsed_lines(&stdout);
    assert_eq!((wait.len(), map.len()), (1, 7), "{stdout}");
    for took in [wait[0], map[6]] {
        assert!(
            took < bound,
            "took {took:?}: more than the slow device ({slow:?}) by half of what results \
             taken in list order would cost ({in_list_order:?})\n{stdout}"
        );
    }
}

#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_09-process-pool"),
        &["--variant", "map"],
        false,
    );
    // Quiet: the header and the failures, no `Result:` and no elapsed time per device.
    assert!(
        stdout
            .lines()
            .all(|line| line.starts_with("== pool.map(") || line.starts_with("Error: ")),
        "{stdout}"
    );
}
