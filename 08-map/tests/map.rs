//! Runs the lesson binary against a test lab it starts itself.

use std::process::Command;
use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig};
use shared::testing::{FaultyLab, TestLab, settings};

/// The course lab at four times its speed, for the runs that check no timing: all four
/// parts take ~2.5 s.
fn quick_lab() -> FleetConfig {
    FleetConfig::course_lab().scale_latency(0.25)
}

fn lesson(lab: &TestLab) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_08-map"));
    command.arg("--inventory").arg(lab.inventory());
    command
}

/// The elapsed times printed in each part (parts are separated by an empty line).
fn elapsed_per_part(stdout: &str) -> Vec<Vec<Duration>> {
    stdout
        .split("\n\n")
        .map(|part| {
            part.lines()
                .filter_map(shared::testing::parse_timedelta)
                .collect()
        })
        .collect()
}

#[test]
fn map_the_par_iter_aside_and_map2() {
    let lab = TestLab::course();
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab));
}

#[test]
fn the_exercise_maps_over_devices_and_commands() {
    let lab = TestLab::start(quick_lab());
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(lesson(&lab).args(["--variant", "exercise"]));
}

#[test]
fn a_failing_device_prints_one_line_per_part_and_the_others_complete() {
    let lab = TestLab::start(quick_lab().with_fault("srx2", Fault::AuthFail).unwrap());
    let _guard = settings().bind_to_scope();
    // srx2 is not among the aside's first three devices: it fails in the three other parts,
    // and the summary counts it once.
    assert_cmd_snapshot!(lesson(&lab).args(["--variant", "map,par-iter,map2,exercise"]));
}

#[test]
fn map_hands_over_each_result_as_soon_as_it_is_there_and_par_iter_all_at_the_end() {
    let lab = TestLab::start(quick_lab());
    let output = lesson(&lab)
        .args(["--variant", "map,par-iter"])
        .output()
        .expect("the lesson runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let parts = elapsed_per_part(&stdout);
    let [map, par_iter] = parts.as_slice() else {
        panic!("two parts expected:\n{stdout}");
    };
    assert_eq!((map.len(), par_iter.len()), (9, 3), "{stdout}");

    // map: the first result (cisco3, the fastest login) comes long before the last, and the
    // times only grow.
    assert!(map.is_sorted(), "{map:?}");
    assert!(map[0] < map[8].mul_f64(0.4), "{map:?}");
    // Four workers over nine devices: well under the serial sum of the logins.
    let serial = TestLab::serial_login_time(&quick_lab());
    assert!(
        map[8] < serial.mul_f64(0.6),
        "4 workers took {:?}, the serial logins alone {serial:?}",
        map[8]
    );

    // par_iter: collect() hands over all three results at once, after the slowest of them.
    let slowest = quick_lab().devices[..3]
        .iter()
        .map(|d| d.login_delay)
        .max()
        .expect("three devices");
    assert!(par_iter[0] >= slowest, "{par_iter:?} vs {slowest:?}");
    assert!(
        par_iter[2] - par_iter[0] < Duration::from_millis(100),
        "{par_iter:?}"
    );
}

#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    lab.check_lesson(env!("CARGO_BIN_EXE_08-map"), &["--variant", "map"], false);
}
