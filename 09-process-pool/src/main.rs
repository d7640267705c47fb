//! # Lesson 9: the same scripts with a pool of processes
//!
//! The course ends its `concurrent.futures` section by changing two words in the scripts of
//! lessons 6 to 8: `ThreadPoolExecutor` becomes `ProcessPoolExecutor`, and every job now
//! runs in a process of its own instead of a thread. This lesson does the same with
//! procspawn's `Pool`: `Pool::new(n)` starts `n` worker processes once, and each job goes
//! to whichever is free. `future.rs` gives it Python's words (`submit`, `done`, `result`,
//! `wait`, `as_completed`, `map`), so the part files read like the course's scripts. What
//! changes against the thread versions is small, and all of it is about the process
//! boundary:
//!
//! - `procspawn::init()` is the first line of `main`: each worker process is this same
//!   program started again, and `init()` is where it turns into a worker.
//! - A job is a plain `fn`, not a closure: a worker shares no memory with us, so the job
//!   can capture nothing. Its argument (a `Device`) travels to the worker serialized, and
//!   its result travels back the same way, so both are serde types.
//!
//! | `--part`                   | ports                                       | prints                        |
//! |----------------------------|---------------------------------------------|-------------------------------|
//! | `ssh_procs_simple`         | `ssh_procs_simple`: one `submit()`          | `done()` twice, the result    |
//! | `ssh_procs_wait`           | `ssh_procs_wait`: `wait(future_list)`       | results in submission order   |
//! | `ssh_procs_ascompleted`    | `ssh_procs_ascompleted` (and exercise 4)    | results in completion order   |
//! | `ssh_procs_ascompleted_cm` | `ssh_procs_ascompleted_cm` (and exercise 5) | the same, the pool in a block |
//! | `ssh_procs_map`            | `ssh_procs_map`                             | results in list order         |
//! | `ssh_procs_map2`           | `ssh_procs_map2`, 12 processes              | one `DeviceFacts` per device  |
//! | `ex6_cf_map`               | exercise 6: `map` over two lists, 5 procs   | each device's ARP table       |
//! | `cost`                     | ours: the same devices, two pools           | start-up and run times        |
//!
//! ```text
//! cargo run --bin 09-process-pool                               # every part, in this order
//! cargo run --bin 09-process-pool -- --part ssh_procs_map --workers 2
//! cargo run --bin 09-process-pool -- --part simple,wait         # short names work too
//! cargo run --bin 09-process-pool -- --fault srx2=refuse
//! cargo run --bin 09-process-pool -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: with the same number of workers, the same orders and nearly the same
//! times as lessons 6 to 8 (as_completed's cisco4 before cisco3, map's list order); the
//! pids in map2's results, none of them ours; and in `cost`, that a process takes far
//! longer to start than a thread while the devices take just as long to answer either way.
//! For network automation, which mostly waits on devices, threads or processes make little
//! difference: the course's author says he saw none in practice. Past 100 devices the
//! per-device lines give way to a progress bar, the failed devices, each part's elapsed
//! time and a count (`-v` prints them all).
//!
//! `--timeline` draws one row per worker process (`pid N`), never this program's own pid: four
//! rows for a pool of four, twelve for `ssh_procs_map2`.
//!
//! (Longer than other lessons' tables of contents: eight parts, three pool sizes.)

mod cost;
mod ex6_cf_map;
mod future;
mod ssh_procs_ascompleted;
mod ssh_procs_ascompleted_cm;
mod ssh_procs_map;
mod ssh_procs_map2;
mod ssh_procs_simple;
mod ssh_procs_wait;

use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use shared::{EXERCISE_MAX_THREADS, MAP2_MAX_PROCS, MAX_THREADS, Report};

#[derive(Debug, Parser)]
#[command(
    about = "Lesson 9: the concurrent.futures scripts with a process pool instead of threads",
    mut_arg("workers", |a| a.help(
        "How many worker processes each pool runs (default: 4, the course's max_procs; \
         12 in ssh_procs_map2 and cost, 5 in ex6_cf_map)"
    ))
)]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
    #[command(flatten)]
    pool: shared::WorkerArgs,
    #[command(flatten)]
    parts: shared::PartArgs<Part>,
}

/// The parts, in course order: the files in `src/` of the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
enum Part {
    /// submit() one device, ask done(), then result()
    #[value(alias = "simple")]
    SshProcsSimple,
    /// submit() every device, wait() for all, results in submission order
    #[value(alias = "wait")]
    SshProcsWait,
    /// results as each device completes
    #[value(alias = "ascompleted")]
    SshProcsAscompleted,
    /// the same with the pool in a block (Python's `with`)
    #[value(alias = "ascompleted_cm")]
    SshProcsAscompletedCm,
    /// pool.map(ssh_conn, device_list): results in list order
    #[value(alias = "map")]
    SshProcsMap,
    /// map with 12 processes, each returning a struct
    #[value(alias = "map2")]
    SshProcsMap2,
    /// exercise 6: map over devices and commands, show arp / show ip arp
    #[value(alias = "ex6")]
    Ex6CfMap,
    /// the same devices on a process pool and on a thread pool, timed
    Cost,
}

fn main() -> ExitCode {
    // First line, always: a worker process runs `main` from the top, and `init()` is where
    // it becomes a worker and never returns. Anything above it would run in every worker.
    procspawn::init();

    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let devices = &lab.devices;
    // One report for the whole run: a device that fails in every part is one failed device.
    let report = Report::new(&lab);
    let max_procs = args.pool.or(MAX_THREADS);
    let map2_procs = args.pool.or(MAP2_MAX_PROCS);
    let exercise_procs = args.pool.or(EXERCISE_MAX_THREADS);

    args.parts.for_each(|part| match part {
        Part::SshProcsSimple => ssh_procs_simple::run(devices, max_procs, &report),
        Part::SshProcsWait => ssh_procs_wait::run(devices, max_procs, &report),
        Part::SshProcsAscompleted => ssh_procs_ascompleted::run(devices, max_procs, &report),
        Part::SshProcsAscompletedCm => {
            ssh_procs_ascompleted_cm::run(devices, max_procs, &report);
        }
        Part::SshProcsMap => ssh_procs_map::run(devices, max_procs, &report),
        Part::SshProcsMap2 => ssh_procs_map2::run(devices, map2_procs, &report),
        Part::Ex6CfMap => ex6_cf_map::run(devices, exercise_procs, &report),
        Part::Cost => cost::run(devices, map2_procs, &report),
    });
    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
