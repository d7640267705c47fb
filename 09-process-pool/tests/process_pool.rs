//! Runs the lesson binary against a test lab it starts itself.
//!
//! The binary is an ordinary subprocess here: its own `procspawn::init()` turns the
//! processes its pool starts into workers, so these tests need no procspawn test support.
//! Every `Result:` in the snapshots came back from a worker process.

use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use mock_device::{Fault, FleetConfig, Platform};
use shared::DASHES;
use shared::testing::{
    FaultyLab, Lesson, TestLab, assert_judged, assert_only_headers_errors_and_times, elapsed_times,
    judge, parse_timedelta, settings,
};

const BINARY: &str = env!("CARGO_BIN_EXE_09-process-pool");
const LESSON: Lesson = Lesson::new(BINARY);

/// The parts' headers, in course order: what the default run prints.
const HEADERS: [&str; 8] = [
    "== submit() one device, ask done(), then result() ==",
    "== submit() every device, wait() for all, then each result() ==",
    "== as_completed(): each result as soon as its device answers ==",
    "== with a pool: as_completed(), then the pool shuts down ==",
    "== pool.map(ssh_conn, device_list) ==",
    "== pool.map(ssh_conn2, device_list), max_procs = 12: a struct per device ==",
    "== pool.map(send_command, device_list, commands) ==",
    "== the cost of processes against threads: ssh_conn on every device, 12 workers ==",
];

/// The lesson's filters (the shared `pid 12345` covers map2's `(from pid 12345)`).
fn snapshot_settings() -> insta::Settings {
    settings()
}

/// Every line that is only a timedelta (`0:00:01.234567`), as a Duration.
fn elapsed_lines(stdout: &str) -> Vec<Duration> {
    stdout.lines().filter_map(parse_timedelta).collect()
}

/// One part over the course lab, snapshotted under the part's name.
fn snapshot_part(part: &str) {
    let lab = TestLab::course();
    let _guard = snapshot_settings().bind_to_scope();
    assert_cmd_snapshot!(part, LESSON.command(&lab, &["--part", part]));
}

/// One submit(): done() false, then true, then cisco3's prompt.
#[test]
fn ssh_procs_simple() {
    snapshot_part("ssh_procs_simple");
}

/// wait() for all: the results in list order, one elapsed time.
#[test]
fn ssh_procs_wait() {
    snapshot_part("ssh_procs_wait");
}

/// as_completed() at four workers: cisco4 before cisco3, nxos1 before arista4.
#[test]
fn ssh_procs_ascompleted() {
    snapshot_part("ssh_procs_ascompleted");
}

/// The same inside a block that shuts the pool down: same order.
#[test]
fn ssh_procs_ascompleted_cm() {
    snapshot_part("ssh_procs_ascompleted_cm");
}

/// pool.map(): list order, each with a growing elapsed time.
#[test]
fn ssh_procs_map() {
    snapshot_part("ssh_procs_map");
}

/// map2: 12 processes, a struct per device.
#[test]
fn ssh_procs_map2() {
    snapshot_part("ssh_procs_map2");
}

/// Exercise 6: each device's ARP table under its name and command.
#[test]
fn ex6_cf_map() {
    snapshot_part("ex6_cf_map");
}

/// The cost table over the healthy course lab.
#[test]
fn cost() {
    snapshot_part("cost");
}

/// Point 6: every ARP table says which device (and which command) it belongs to.
#[test]
fn ex6_names_the_device_of_each_arp_table() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "ex6"]);
    // Each table is framed by a pair of dash lines: the line after each opening one.
    let mut lines = stdout.lines();
    let mut named = Vec::new();
    while lines.any(|line| line == DASHES) {
        named.extend(lines.next());
        lines.find(|line| *line == DASHES);
    }
    assert_eq!(
        named,
        [
            "cisco3: show ip arp",
            "cisco4: show ip arp",
            "arista1: show ip arp",
            "arista2: show ip arp",
            "arista3: show ip arp",
            "arista4: show ip arp",
            "srx2: show arp",
            "nxos1: show ip arp",
            "nxos2: show ip arp",
        ],
        "{stdout}"
    );
}

/// srx2 fails its login: one Error line, the other eight complete, exit status 1.
#[test]
fn a_failing_device_prints_one_line_and_the_others_complete() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let _guard = snapshot_settings().bind_to_scope();
    assert_cmd_snapshot!(
        "fault_as_completed",
        LESSON.command(&lab, &["--part", "ssh_procs_ascompleted_cm"])
    );
}

/// With srx2 refusing, the cost table says 8 of 9 answered in each pool.
#[test]
fn the_cost_table_says_how_many_devices_answered() {
    let lab = TestLab::course_with_fault("srx2", Fault::Refuse);
    let _guard = snapshot_settings().bind_to_scope();
    assert_cmd_snapshot!(
        "cost_srx2_refused",
        LESSON.command(&lab, &["--part", "cost"])
    );
}

/// map2's structs carry pids, none of them the lesson's own.
#[test]
fn map2_structs_come_from_other_processes() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "ssh_procs_map2"]);
    let ours: u32 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("(this process is pid "))
        .and_then(|rest| rest.trim_end_matches(')').parse().ok())
        .expect("the lesson prints its own pid");
    let worker_pids: Vec<u32> = stdout
        .lines()
        .filter_map(|line| line.split("  (from pid ").nth(1))
        .map(|pid| pid.trim_end_matches(')').parse().expect("a pid"))
        .collect();
    assert_eq!(worker_pids.len(), 9, "{stdout}");
    assert!(worker_pids.iter().all(|&pid| pid != ours), "{stdout}");
}

/// Four processes: the elapsed times only grow, and end well under the serial logins.
#[test]
fn a_pool_of_four_processes_takes_well_under_the_serial_time() {
    let lab = TestLab::course();
    let stdout = LESSON.stdout(&lab, &["--part", "ssh_procs_map"]);
    let elapsed = elapsed_lines(&stdout);
    assert_eq!(elapsed.len(), 9, "{stdout}");
    assert!(
        elapsed.is_sorted(),
        "the elapsed time only grows: {elapsed:?}"
    );

    let serial = TestLab::course_serial_login_time();
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
    let stdout = LESSON.stdout(&lab, &["--part", "wait,map", "--workers", "2"]);

    let in_list_order = slow + fast * 3;
    let bound = slow + (in_list_order - slow) / 2;
    let wait = elapsed_times(&stdout);
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

/// 120 devices, one in twenty misbehaving: each failure named once, then the summary.
#[test]
fn faults_at_scale_name_each_failed_device_once_and_end_with_a_summary() {
    let lab = FaultyLab::start(120);
    // `ssh_conn` only reads the prompt: a device that drops during a command does not fail.
    let stdout = lab.check_lesson(BINARY, &["--part", "ssh_procs_map"], false);
    // Quiet: the header, the failures and the elapsed time; no `Result:` and no elapsed
    // time per device.
    assert_only_headers_errors_and_times(&stdout);
    assert!(stdout.starts_with("== pool.map("), "{stdout}");
    assert_eq!(elapsed_times(&stdout).len(), 1, "{stdout}");
}

/// A quiet run of every part prints each header in course order, simple's two done() lines
/// and its result, map2's worker pids, and an elapsed (or finished) time under every part
/// that times its devices.
#[test]
fn a_quiet_run_shows_every_part_and_its_time() {
    let quiet = LESSON.check_quiet_run(&[]);
    let headers: Vec<&str> = quiet.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(headers, HEADERS, "{quiet}");
    let parts: Vec<&str> = quiet.split("\n\n").collect();
    assert_eq!(parts.len(), HEADERS.len(), "{quiet}");
    assert!(parts[0].contains("\nfalse\ntrue\n"), "{quiet}");
    assert!(parts[0].contains("\nResult: cisco-ios-0001#\n"), "{quiet}");
    // map2's point, the workers' pids beside this process's, survives the quiet run.
    assert!(
        parts[5].contains("The answers came from 12 worker processes, pids "),
        "{quiet}"
    );
    for part in &parts[..7] {
        assert!(
            part.contains("\nElapsed time: ") || part.contains("\nFinished in "),
            "no time under\n{part}"
        );
    }
}

/// `--help` fits the terminal, lists every part by its file's name, and says how many
/// workers the pool has when `--workers` is not given.
#[test]
fn help_wraps_lists_the_parts_and_names_the_pool_size() {
    let help = LESSON.check_help(&[
        "ssh_procs_simple",
        "ssh_procs_wait",
        "ssh_procs_ascompleted",
        "ssh_procs_ascompleted_cm",
        "ssh_procs_map",
        "ssh_procs_map2",
        "ex6_cf_map",
        "cost",
    ]);
    assert!(help.contains("default: 4"), "{help}");
}

/// pool.map over four worker processes, as the devices saw it: the sessions came from at
/// most four processes, none of them the lesson's own.
#[test]
fn the_fleet_sees_at_most_four_worker_processes_and_not_the_lesson() {
    let lab = TestLab::course();
    let (_, lesson) = LESSON.stdout_and_pid(&lab, &["--part", "ssh_procs_map", "--workers", "4"]);
    let record = lab.fleet().record();
    assert_eq!(record.sessions.len(), 9, "one session per device");
    assert_judged(judge::worker_processes(&record, 4, &[lesson]));
}

/// `--results FILE` from worker processes: each device's line names the worker process the
/// mock saw run its session (not the lesson's own), in list order as `map` hands them back.
#[test]
fn results_name_the_worker_processes() {
    let lab = TestLab::course();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("results.jsonl");
    let args = [
        "--part",
        "ssh_procs_map",
        "--results",
        path.to_str().expect("utf-8"),
    ];
    let (_, lesson_pid) = LESSON.stdout_and_pid(&lab, &args);
    let lines = shared::testing::read_results(&path);
    let record = lab.fleet().record();
    let devices = TestLab::course_config().devices;
    let names: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
    shared::testing::check_results(&lines, &record, &names, "ssh_procs_map", &[]);
    let written: Vec<&str> = lines[..9]
        .iter()
        .filter_map(|l| l["device"].as_str())
        .collect();
    assert_eq!(written, names, "map: in list order");
    assert!(
        lines[..9].iter().all(|l| l["worker"]["pid"] != lesson_pid),
        "{lines:#?}"
    );
    assert_eq!(lines[9]["lesson"], "09-process-pool");
}

/// `--results` with `--retries` from worker processes: a device that came back says how
/// many retries it took, one that never did says so, with its error's kind.
#[test]
fn results_count_the_retries_of_worker_processes() {
    let drops = |name: &str| match name {
        "cisco3" => 2,
        "srx2" => usize::MAX,
        _ => 0,
    };
    let lab = shared::testing::ProxiedLab::start(TestLab::course_config(), drops);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("results.jsonl");
    let output = LESSON
        .command_on(
            lab.inventory(),
            &["--part", "map", "--retries", "3", "--results"],
        )
        .arg(&path)
        .output()
        .expect("the lesson runs");
    assert!(!output.status.success(), "srx2 failed");
    let lines = shared::testing::read_results(&path);
    let line = |device: &str| {
        lines
            .iter()
            .find(|l| l["device"] == device)
            .unwrap_or_else(|| panic!("{device} in {lines:#?}"))
    };
    assert_eq!(
        (&line("cisco3")["ok"], &line("cisco3")["retries"]),
        (&true.into(), &2.into())
    );
    assert_eq!(
        (&line("srx2")["ok"], &line("srx2")["retries"]),
        (&false.into(), &3.into())
    );
    assert_eq!(line("srx2")["error"]["kind"], "closed");
    assert_eq!(line("arista1")["retries"], 0);
    let totals = &lines.last().expect("a totals line")["totals"];
    assert_eq!(
        (&totals["ok"], &totals["failed"], &totals["retries"]),
        (&8.into(), &1.into(), &5.into())
    );
}

/// The student's run, no flags: never more than 3 s without a line of output.
#[test]
fn the_default_run_is_never_silent_for_long() {
    LESSON.check_no_silent_stretch(&[]);
}

/// 120 devices: `120 of 120` fits its column; every column starts where its title does.
#[test]
fn the_cost_table_keeps_its_columns_past_100_devices() {
    let config =
        mock_device::FleetConfig::generated(120, &mock_device::Platform::ALL, Duration::ZERO);
    let stdout = LESSON.stdout(&TestLab::start(config), &["--part", "cost"]);
    let header = stdout
        .lines()
        .find(|l| l.contains("start-up per worker"))
        .expect("the table's header");
    let columns = |line: &str| -> Vec<usize> {
        line.char_indices()
            .filter(|&(i, c)| c != ' ' && i >= 2 && line[..i].ends_with("  "))
            .map(|(i, _)| i)
            .collect()
    };
    for row in stdout.lines().filter(|l| l.ends_with(" ms")) {
        assert!(row.contains(" 120 of 120 "), "{stdout}");
        assert_eq!(columns(row), columns(header), "{stdout}");
    }
}

/// The header promises nine timeline rows for map2: twelve processes, nine devices.
#[test]
fn the_map2_timeline_has_the_rows_the_header_promises() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_09-process-pool"))
        .args(["--part", "ssh_procs_map2", "--timeline"])
        .output()
        .expect("the lesson runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        shared::testing::timed::timeline_rows(&stdout),
        9,
        "{stdout}"
    );
    assert!(include_str!("../src/main.rs").contains("nine for map2's twelve processes"));
}
