//! Runs the lesson binary against a test lab it starts itself.

use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::Fault;
use shared::testing::{
    FaultyLab, Lesson, TestLab, assert_pool_of, elapsed_times, parse_timedelta, settings,
};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_08-map"));

/// The elapsed times printed in each part (parts are separated by an empty line).
fn elapsed_per_part(stdout: &str) -> Vec<Vec<Duration>> {
    stdout
        .split("\n\n")
        .map(|part| part.lines().filter_map(parse_timedelta).collect())
        .collect()
}

/// A course-lab device's login delay in the test lab.
fn login(name: &str) -> Duration {
    TestLab::course_config()
        .devices
        .iter()
        .find(|d| d.name == name)
        .map(|d| d.login_delay)
        .expect("a course-lab device")
}

/// The course lab, the two course scripts and the aside: prompts in list order.
#[test]
fn map_the_par_iter_aside_and_map2() {
    let lab = TestLab::course();
    let _guard = settings().bind_to_scope();
    assert_cmd_snapshot!(LESSON.command(
        &lab,
        &["--part", "ssh_threads_map,par_iter,ssh_threads_map2"]
    ));
}

/// Each ARP table under a line naming its device and command.
#[test]
fn the_exercise_maps_over_devices_and_commands() {
    let lab = TestLab::course();
    shared::assert_lesson_snapshot!(LESSON.command(&lab, &["--part", "map_two_iterables"]));
}

/// srx2 refuses the password, every part: one Error line per part that reaches it.
#[test]
fn a_failing_device_prints_one_line_per_part_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = settings().bind_to_scope();
    // srx2 is not among the aside's first three devices: it fails in the three other parts,
    // and the summary counts it once.
    assert_cmd_snapshot!(LESSON.command(&lab, &[]));
}

/// map hands over each result as soon as it and those before it are done; par_iter all at
/// the end.
#[test]
fn map_hands_over_each_result_as_soon_as_it_is_there_and_par_iter_all_at_the_end() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "ssh_threads_map,par_iter"]);
    let parts = elapsed_per_part(&stdout);
    let [map, par_iter] = parts.as_slice() else {
        panic!("two parts expected:\n{stdout}");
    };
    assert_eq!((map.len(), par_iter.len()), (9, 3), "{stdout}");

    // map: the first result comes long before the last, and the times only grow.
    assert!(map.is_sorted(), "{map:?}");
    assert!(map[0] < map[8].mul_f64(0.4), "{map:?}");
    // Four workers over nine devices: well under the serial sum of the logins.
    let serial = TestLab::course_serial_login_time();
    assert!(
        map[8] < serial.mul_f64(0.6),
        "4 workers took {:?}, the serial logins alone {serial:?}",
        map[8]
    );

    // par_iter: collect() hands over all three results at once, after the slowest of them.
    let slowest = TestLab::course_config().devices[..3]
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

/// At 4 workers map waits for the slow device ahead (arista3), and the
/// devices ready behind it come out the moment it does.
#[test]
fn map_waits_for_the_slow_device_ahead() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "ssh_threads_map"]);
    let results: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Result: "))
        .collect();
    let list_order = [
        "cisco3#",
        "cisco4#",
        "arista1#",
        "arista2#",
        "arista3#",
        "arista4#",
        "pyclass@srx2>",
        "nxos1#",
        "nxos2#",
    ];
    assert_eq!(results, list_order, "{stdout}");
    let map = &elapsed_per_part(&stdout)[0];
    let [.., arista2, arista3, arista4, srx2, nxos1, _] = map.as_slice() else {
        panic!("nine times expected:\n{stdout}");
    };
    // arista3 starts only when the first worker comes free (cisco4's), so the time jumps.
    assert!(*arista3 >= login("cisco4") + login("arista3"), "{stdout}");
    assert!(
        *arista3 - *arista2 > login("arista3").mul_f64(0.5),
        "{stdout}"
    );
    // arista4 logs in faster and was ready before arista3: it comes out the same moment.
    assert!(login("arista4") < login("arista3"));
    assert!(*arista4 - *arista3 < arista3.mul_f64(0.1), "{stdout}");
    // nxos1, the fastest login of all, waits behind srx2, which started only when arista1
    // was done; it comes out right after srx2.
    assert!(login("nxos1") < login("cisco4"));
    assert!(*nxos1 >= login("arista1") + login("srx2"), "{stdout}");
    assert!(*nxos1 - *srx2 < srx2.mul_f64(0.1), "{stdout}");
}

/// Past 100 devices each part's header and elapsed time are still printed.
#[test]
fn a_quiet_run_shows_each_header_and_elapsed_time() {
    let quiet = LESSON.check_quiet_run(&[]);
    // The three map parts hold back their per-result times: one total each instead.
    assert_eq!(elapsed_times(&quiet).len(), 3, "{quiet}");
    assert!(quiet.contains("Finished in"), "{quiet}");
}

/// 120 devices, one in twenty misbehaving, `ssh_threads_map` only: each failure named once.
#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    lab.check_lesson(
        env!("CARGO_BIN_EXE_08-map"),
        &["--part", "ssh_threads_map"],
        false,
    );
}

/// `--help` fits the terminal, lists every part by its file's name, and says how many
/// workers the pool has when `--workers` is not given.
#[test]
fn help_wraps_lists_the_parts_and_names_the_pool_size() {
    let help = LESSON.check_help(&[
        "ssh_threads_map",
        "par_iter",
        "ssh_threads_map2",
        "map_two_iterables",
    ]);
    assert!(help.contains("default: 4"), "{help}");
}

/// pool.map over a pool of three, as the devices saw it: three sessions open at most,
/// three reached, and a worker that comes free takes the next device at once.
#[test]
fn the_fleet_sees_a_pool_of_three_and_no_idle_worker() {
    let lab = TestLab::course();
    LESSON.stdout(&lab, &["--part", "ssh_threads_map", "--workers", "3"]);
    assert_pool_of(&lab.fleet().record(), 3);
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    LESSON.check_no_silent_stretch(&[]);
}
