//! Runs the lesson binary against a test lab it starts itself.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, TEST_SPEED_UP, TestLab, settings};

fn lesson(lab: &TestLab) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_07-as-completed"));
    command.arg("--inventory").arg(lab.inventory());
    command
}

fn run(lab: &TestLab) -> Output {
    let output = lesson(lab).output().expect("the lesson runs");
    assert!(output.status.success(), "{output:?}");
    output
}

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

fn course_config() -> FleetConfig {
    FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP)
}

#[test]
fn results_come_in_completion_order() {
    let lab = TestLab::course();
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn completion_order_follows_the_latencies_not_the_submission_order() {
    let lab = TestLab::course();
    let output = run(&lab);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let completed: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Result: "))
        .map(device_of)
        .collect();
    let submitted: Vec<&str> = lab
        .fleet()
        .devices()
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    let expected = simulated_completion_order(&course_config(), 4);

    assert_eq!(completed, expected);
    assert_ne!(
        completed, submitted,
        "with these latencies the order must change"
    );
}

#[test]
fn four_workers_take_well_under_the_serial_time() {
    let lab = TestLab::course();
    let output = run(&lab);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let elapsed: Vec<Duration> = stdout
        .lines()
        .filter_map(shared::testing::parse_timedelta)
        .collect();
    assert_eq!(elapsed.len(), 9, "{stdout}");
    assert!(
        elapsed.is_sorted(),
        "the elapsed time only grows: {elapsed:?}"
    );

    let serial = TestLab::serial_login_time(&course_config());
    let total = elapsed[8];
    assert!(
        total < serial.mul_f64(0.6),
        "4 workers took {total:?}, the serial logins alone {serial:?}"
    );
}

#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    lab.check_lesson(env!("CARGO_BIN_EXE_07-as-completed"), &[], false);
}

/// `07-as-completed | head -2`: the reader takes two lines and closes the pipe while the
/// lesson still has results to print. The lesson must end quietly: exit status 0, nothing
/// on stderr (no "failed printing to stdout: Broken pipe" panic).
#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_run_quietly() {
    // srx2 fails and answers last: a run that reached its end would exit 1 and print
    // `8 ok, 1 failed`, so a clean exit here can only come from the closed pipe.
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let mut child = lesson(&lab)
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
    assert_eq!(head[0], "Result: cisco3#");

    let output = child.wait_with_output().expect("the lesson ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "", "nothing on stderr");
}
