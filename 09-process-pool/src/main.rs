//! # Lesson 9: the same scripts with a pool of processes
//!
//! The course ends its `concurrent.futures` section by changing `ThreadPoolExecutor` to
//! `ProcessPoolExecutor` in the scripts of lessons 6 to 8: every job runs in a process of
//! its own. Here that is procspawn's `Pool` (`Pool::new(n)` starts `n` worker processes once;
//! each job goes to whichever is free), with Python's words from `future.rs` (`submit`,
//! `done`, `result`, `wait`, `as_completed`, `map`). What changes is the process boundary:
//! `procspawn::init()` is the first line of `main` (a worker is this same program started
//! again), and a job is a plain `fn` whose argument and result travel serialized (serde).
//!
//! | `--part`                   | ports                                       | prints                        |
//! |----------------------------|---------------------------------------------|-------------------------------|
//! | `ssh_procs_simple`         | `ssh_procs_simple`: one `submit()`          | `done()` twice, the result    |
//! | `ssh_procs_wait`           | `ssh_procs_wait`: `wait(future_list)`       | results in submission order   |
//! | `ssh_procs_ascompleted`    | `ssh_procs_ascompleted` (and exercise 4)    | results in completion order   |
//! | `ssh_procs_ascompleted_cm` | `ssh_procs_ascompleted_cm` (and exercise 5) | the same, the pool in a block |
//! | `ssh_procs_map`            | `ssh_procs_map`                             | results in list order         |
//! | `ssh_procs_map2`           | `ssh_procs_map2`, 12 processes              | `{host: prompt}` and its pid  |
//! | `ex6_cf_map`               | exercise 6: `map` over two lists, 5 procs   | each device's ARP table       |
//! | `cost`                     | ours: the same devices, two pools           | start-up and run times        |
//!
//! ```text
//! cargo run --bin 09-process-pool                               # every part, in this order
//! cargo run --bin 09-process-pool -- --part ssh_procs_map --workers 2
//! cargo run --bin 09-process-pool -- --part simple,wait --fault srx2=refuse
//! ```
//!
//! What to look for: the same orders and nearly the same times as lessons 6 to 8; the pids
//! in map2's results, none of them ours; in `cost`, a process far slower to start than a
//! thread while the devices answer as fast either way (for network automation, which mostly
//! waits, the course's author saw no difference in practice). Past 100 devices a progress
//! bar, the failures, each part's time and a count stand in for the per-device lines.
//!
//! `--timeline` draws a block of rows per part, a row per worker that got a job (`pid N`,
//! never ours): four for a pool of four; nine for map2's twelve processes and nine devices.

mod cost;
mod ex6_cf_map;
mod future;
mod jobs;
mod ssh_procs_ascompleted;
mod ssh_procs_ascompleted_cm;
mod ssh_procs_map;
mod ssh_procs_map2;
mod ssh_procs_simple;
mod ssh_procs_wait;
mod waits;

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
    // First line, always: a worker runs `main` from the top and turns into a worker here.
    procspawn::init();
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let devices = &lab.devices;
    // One report for the run: a device that fails in every part is one failed device.
    let report = Report::new(&lab);
    let (max_procs, map2_procs) = (args.pool.or(MAX_THREADS), args.pool.or(MAP2_MAX_PROCS));
    let exercise_procs = args.pool.or(EXERCISE_MAX_THREADS);
    args.parts.for_each(|part| match part {
        Part::SshProcsSimple => ssh_procs_simple::run(devices, max_procs, &report),
        Part::SshProcsWait => ssh_procs_wait::run(devices, max_procs, &report),
        Part::SshProcsAscompleted => ssh_procs_ascompleted::run(devices, max_procs, &report),
        Part::SshProcsAscompletedCm => ssh_procs_ascompleted_cm::run(devices, max_procs, &report),
        Part::SshProcsMap => ssh_procs_map::run(devices, max_procs, &report),
        Part::SshProcsMap2 => ssh_procs_map2::run(devices, map2_procs, &report),
        Part::Ex6CfMap => ex6_cf_map::run(devices, exercise_procs, &report),
        Part::Cost => cost::run(devices, map2_procs, &report),
    });
    lab.finish(&report)
}
