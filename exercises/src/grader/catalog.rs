//! Every exercise, in course order: its lab and what its run must show.

use std::time::Duration;

use mock_device::FleetConfig;
use mock_device::judge::{self, Failure, Judgment, Printed};
use shared::{Device, SHORT_DASHES};

use super::{Exercise, Run};

/// The course lab at this fraction of its delays: a pool of 5 is done in about 1 s, the
/// serial baseline in 4.5 s, and the devices still end at least 60 ms apart.
const SPEED: f64 = 0.4;
/// How far apart two moments may be and still count as one, on two busy cores: a line
/// printed this much before its session's end as the mock saw it still came after it.
const SLACK: Duration = Duration::from_millis(100);
/// How late a free worker may take the next device and still count as busy.
const POOL_SLACK: Duration = Duration::from_millis(75);
/// How long a session may stay open after its last command before it counts as kept open.
const LEAK_SLACK: Duration = Duration::from_millis(300);

macro_rules! exercise {
    ($name:ident, $lab:expr, $judge:expr) => {
        Exercise {
            name: stringify!($name),
            source: include_str!(concat!("../", stringify!($name), ".rs")),
            solution_source: include_str!(concat!("../../solutions/", stringify!($name), ".rs")),
            student: crate::$name::run,
            solution: crate::solutions::$name::run,
            lab: $lab,
            judge: $judge,
        }
    };
}

pub static EXERCISES: &[Exercise] = &[
    exercise!(ex1_serial, course_lab, ex1_serial),
    exercise!(ex2_legacy_threads, course_lab, ex2_legacy_threads),
    exercise!(ex3a_cf_wait, course_lab, ex3a_cf_wait),
    exercise!(ex3b_cf_ascompleted, course_lab, ex3b_cf_ascompleted),
    exercise!(ex4_cf_ascompleted_procs, course_lab, ex4_cf_ascompleted_procs),
    exercise!(ex5_cf_procs_cm, course_lab, ex5_cf_procs_cm),
    exercise!(ex6_cf_map, course_lab, ex6_cf_map),
];

fn course_lab() -> FleetConfig {
    FleetConfig::course_lab().scale_latency(SPEED)
}

/// Each device's `show version` between two lines of 40 dashes (an `Error:` line for one
/// that cannot answer), in the order printed; and `Finished in` last.
fn show_version_framed(run: &Run) -> Result<Vec<Printed>, Failure> {
    let outputs = run.outputs(|_| "show version".to_string());
    let printed = run.results(|d| {
        outputs
            .get(&d.name)
            .map(|output| format!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"))
    })?;
    run.finished_line()?;
    run.sessions_per_device(1)?;
    Ok(printed)
}

/// A pool of `size` threads of the program's own process.
fn thread_pool(run: &Run, size: usize) -> Judgment {
    judge::pool_of(&run.record, size, POOL_SLACK)?;
    judge::threads_of(&run.record, run.program_pid)
}

/// A pool of `size` worker processes, none of them the program's or the checker's.
fn process_pool(run: &Run, size: usize) -> Judgment {
    judge::worker_processes(&run.record, size, &[run.program_pid, run.checker_pid])?;
    judge::pool_of(&run.record, size, POOL_SLACK)
}

fn ex1_serial(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    judge::open_at_once(&run.record, 1, Duration::ZERO).map_err(|f| {
        f.with_hint("this one is the serial baseline: one device after the other, no threads")
    })?;
    judge::threads_of(&run.record, run.program_pid)?;
    judge::in_list_order(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex2_legacy_threads(run: &Run) -> Judgment {
    show_version_framed(run)?;
    let all = run.devices.len();
    judge::open_at_once(&run.record, all, Duration::ZERO)?;
    judge::threads_of(&run.record, run.program_pid)?;
    let threads = judge::workers(&run.record).len();
    if threads != all {
        return Err(Failure::new(
            format!("the sessions came from {threads} threads (want {all}, one per device)"),
            "start one thread per device",
        ));
    }
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex3a_cf_wait(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    thread_pool(run, crate::ex3a_cf_wait::MAX_THREADS)?;
    judge::after_all_ended(&run.record, &printed, SLACK)?;
    judge::in_list_order(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex3b_cf_ascompleted(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    thread_pool(run, crate::ex3b_cf_ascompleted::MAX_THREADS)?;
    judge::as_completed(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex4_cf_ascompleted_procs(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    process_pool(run, crate::ex4_cf_ascompleted_procs::MAX_PROCS)?;
    judge::as_completed(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex5_cf_procs_cm(run: &Run) -> Judgment {
    ex4_cf_ascompleted_procs(run)?;
    run.nothing_left_running()
}

fn ex6_cf_map(run: &Run) -> Judgment {
    let command = |d: &Device| shared::arp_command(d.device_type).to_string();
    let outputs = run.outputs(command);
    let printed = run.results(|d| {
        outputs.get(&d.name).map(|output| {
            format!(
                "{SHORT_DASHES}\n{}: {}\n{output}\n{SHORT_DASHES}",
                d.name,
                command(d)
            )
        })
    })?;
    run.finished_line()?;
    run.sessions_per_device(1)?;
    process_pool(run, crate::ex6_cf_map::MAX_PROCS)?;
    judge::in_list_order(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)?;
    run.nothing_left_running()
}
