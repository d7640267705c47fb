//! # Lesson 8: `pool.map()`: one function over a whole list of devices
//!
//! Lessons 6 and 7 submitted the devices one by one and kept a list of futures. `pool.map(fn,
//! devices)` does all of that in one call. It submits every device at once, and hands back
//! the results *in the order of the input*, each one as soon as it is there: Python's map is
//! lazy, so the loop gets device 1's result the moment device 1 has answered, even while
//! devices further down the list are still logging in. Rust's thread pools have no `map`
//! like that, so `pool_map.rs` builds one: every job answers on a one-slot channel of its
//! own, and the answers are taken from those channels in list order.
//!
//! The parts (pick with `--part`, e.g. `--part ssh_threads_map,map_two_iterables`):
//!
//! | part (file)         | ports                                        | prints                     |
//! |---------------------|----------------------------------------------|----------------------------|
//! | `ssh_threads_map`   | `ssh_threads_map`: `pool.map(ssh_conn, ...)` | prompts, in list order     |
//! | `par_iter`          | nothing: an aside on rayon's parallel map    | three prompts, all at once |
//! | `ssh_threads_map2`  | `ssh_threads_map2`: a record per device      | `{device: prompt}`         |
//! | `map_two_iterables` | exercise 6 with threads (09 has processes)   | each device's ARP table    |
//!
//! With no `--part` all four run, in about eleven seconds.
//!
//! ```text
//! cargo run --bin 08-map
//! cargo run --bin 08-map -- --part map_two_iterables
//! cargo run --bin 08-map -- --workers 9                 # one thread per device
//! cargo run --bin 08-map -- --fault arista2=hang --timeout 2
//! cargo run --bin 08-map -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: the results come in the order of the device list, never in completion
//! order (compare lesson 7), and the elapsed time grows from one result to the next. A result
//! waits only for the ones before it: arista3 (1.45 s) is the slow device ahead, so arista4,
//! ready before it, is printed the moment arista3 is, and nxos1, the fastest login of all,
//! comes right after srx2. In the `par_iter` aside every result is printed at the same
//! moment, once the slowest device has answered. Past 100 devices the per-device lines give
//! way to a progress bar, the failures, each part's elapsed time and a summary (`-v` shows
//! them anyway).
//!
//! `--timeline` draws, for `ssh_threads_map`, the same four rows of bars as lesson 07's
//! parts: the sessions run the same way, only the printing waits for the list order. Each
//! part adds a block of rows for its own pool (16 rows in the default run).

mod map_two_iterables;
mod par_iter;
mod pool_map;
mod ssh_threads_map;
mod ssh_threads_map2;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(about = "Lesson 8: pool.map() one function over all the devices, results in input order")]
#[command(mut_arg("workers", |a| a.help(
    "How many threads each part's pool runs at once (default: 4, the course's max_threads; 5, \
     the exercises' number, in map_two_iterables)"
)))]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
    #[command(flatten)]
    pool: shared::WorkerArgs,
    #[command(flatten)]
    parts: shared::PartArgs<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum Part {
    /// pool.map(ssh_conn, device_list): each prompt in list order, as soon as it is there
    #[value(alias = "map")]
    SshThreadsMap,
    /// an aside: rayon's par_iter().map().collect(), every result at once at the end
    ParIter,
    /// pool.map(ssh_conn2, device_list): a record {device: prompt} per device
    #[value(alias = "map2")]
    SshThreadsMap2,
    /// pool.map(send_command, device_list, commands): show arp / show ip arp
    #[value(alias = "exercise")]
    MapTwoIterables,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let max_threads = args.pool.or(shared::MAX_THREADS);
    let exercise_max_threads = args.pool.or(shared::EXERCISE_MAX_THREADS);
    // One report for the whole run. It counts devices, not connections: a device that fails
    // in every part is one failed device in the summary.
    let report = Report::new(&lab);
    args.parts.for_each(|part| {
        let devices = &lab.devices;
        match part {
            Part::SshThreadsMap => ssh_threads_map::run(devices, max_threads, &report),
            Part::ParIter => par_iter::run(devices, max_threads, &report),
            Part::SshThreadsMap2 => ssh_threads_map2::run(devices, max_threads, &report),
            Part::MapTwoIterables => map_two_iterables::run(devices, exercise_max_threads, &report),
        }
    });
    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
