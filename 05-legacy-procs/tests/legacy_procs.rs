//! Runs the lesson binary against a test lab it starts itself.
//!
//! The binary is an ordinary subprocess here: its own `procspawn::init()` turns the
//! children it starts into workers, so these tests need no procspawn test support. The
//! snapshots hold the children's output, which proves they ran.

use std::process::{Command, Output};

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, TEST_SPEED_UP, TestLab, settings};

fn lesson(lab: &TestLab, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_05-legacy-procs"));
    command.arg("--inventory").arg(lab.inventory()).args(args);
    command
}

fn run(lab: &TestLab, args: &[&str]) -> Output {
    lesson(lab, args).output().expect("the lesson runs")
}

const HASHES: &str =
    "################################################################################";

/// The device outputs a run printed between pairs of `#` lines, sorted.
fn blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        match (line == HASHES, current.take()) {
            (true, None) => current = Some(Vec::new()),
            (true, Some(block)) => blocks.push(block.join("\n")),
            (false, Some(mut block)) => {
                block.push(line);
                current = Some(block);
            }
            (false, None) => {}
        }
    }
    blocks.sort();
    blocks
}

/// The output of parts 1 and 2: (part 1, part 2).
fn parts(stdout: &str) -> (&str, &str) {
    let start = stdout.find("=== Part 2").expect("part 2 runs");
    stdout.split_at(start)
}

// The children start one after the other, each a few milliseconds after the one before
// (procspawn waits for a child to call back before it starts the next). Parts 1 and 2 print
// in the order the children finish, so on a busy machine a late starter could overtake a
// device that answers slightly sooner. Part 1 is checked by what must hold in any order;
// parts 2 and 3 are snapshotted on the course lab at its own speed, whose devices finish
// at least 0.18 s apart: far more than the start-up stagger of nine children.

/// The course lab at the speed students see (not the faster test lab), optionally with a
/// fault.
fn course_lab_full_speed(fault: Option<(&str, Fault)>) -> TestLab {
    let config = FleetConfig::course_lab();
    TestLab::start(match fault {
        Some((device, fault)) => config.with_fault(device, fault).expect("a course device"),
        None => config,
    })
}

#[test]
fn parts_2_and_3() {
    let lab = course_lab_full_speed(None);
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab, &["--variant", "queue,deadlock"]));
}

#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = course_lab_full_speed(Some(("srx2", Fault::Refuse)));
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab, &["--variant", "queue"]));

    let output = run(&lab, &["--variant", "processes"]);
    assert!(!output.status.success(), "a failed device fails the run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("Error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stdout}");
    assert!(errors[0].starts_with("Error: srx2: connection refused by 127.0.0.1:"));
    assert_eq!(blocks(&stdout).len(), 8, "{stdout}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "8 ok, 1 failed\n");
}

#[test]
fn the_children_of_part_1_print_the_blocks_part_2_prints() {
    let lab = TestLab::course();
    let output = run(&lab, &["--variant", "processes,queue"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (part_1, part_2) = parts(&stdout);
    assert_eq!(blocks(part_1).len(), 9, "{part_1}");
    assert_eq!(blocks(part_1), blocks(part_2));
}

#[test]
fn a_process_per_device_takes_well_under_the_serial_time() {
    let lab = TestLab::course();
    let output = run(&lab, &["--variant", "processes"]);
    assert!(output.status.success(), "{output:?}");
    let elapsed = shared::testing::elapsed_times(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(elapsed.len(), 1);

    let serial =
        TestLab::serial_login_time(&FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP));
    assert!(
        elapsed[0] < serial.mul_f64(0.5),
        "one process per device took {:?}, the serial logins alone {serial:?}",
        elapsed[0]
    );
}

#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `show version` is a command: a device that drops the connection during it fails too.
    let stdout = lab.check_lesson(
        env!("CARGO_BIN_EXE_05-legacy-procs"),
        &["--variant", "processes"],
        true,
    );
    // Quiet: the children printed nothing; the parent its header, the failures, the time.
    assert!(
        stdout.lines().all(|line| line.is_empty()
            || line.starts_with("=== Part 1")
            || line.starts_with("Error: ")
            || line.starts_with("Elapsed time: ")),
        "{stdout}"
    );
}
