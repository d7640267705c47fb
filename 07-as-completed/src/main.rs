//! # Lesson 7: results as they complete (`as_completed`), and the pool's `with` block
//!
//! Lesson 6 waited for every future before printing anything. `as_completed(future_list)`
//! hands the futures back one by one *as their jobs finish*, so each result is printed the
//! moment its device answers, fastest first.
//!
//! The parts, one file each, named after the course scripts they port (pick with `--part`):
//!
//! 1. `ssh_threads_ascompleted`: submit every device to a pool of four, print each result
//!    as it completes, each followed by the time elapsed so far.
//! 2. `ssh_threads_ascompleted_cm`: the same inside the pool's `with` block, which in Rust
//!    is a scope: it returns only when every job spawned in it has finished.
//! 3. `ex3b_cf_ascompleted`, the exercise: `show version` from a pool of five, each output
//!    framed by dashes as it completes, then `Finished in`.
//!
//! Rust's counterpart of `as_completed` is a channel: every job sends its result on it when
//! it is done, and the main thread receives them in the order they arrive.
//!
//! ```text
//! cargo run --bin 07-as-completed
//! cargo run --bin 07-as-completed -- --part ascompleted --workers 2   # another order
//! cargo run --bin 07-as-completed -- --fault srx2=refuse
//! cargo run --bin 07-as-completed -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: the elapsed time grows after every result, and the order is not the
//! order of the device list. The lab's devices log in at different speeds (nxos1 fastest,
//! nxos2 slowest), so with four threads the order is the same on every run: cisco4, cisco3,
//! arista1, arista2, nxos1, arista4, arista3, srx2, nxos2. cisco3, first in the list, is not
//! the first result, and nxos1, eighth in the list, comes fifth: it was queued behind
//! arista3, arista4 and srx2, yet answers before all three. Past 100 devices the per-device
//! lines give way to a progress bar, the failures, the elapsed time and a summary (`-v`
//! shows them anyway).
//!
//! `--timeline` draws one row per pool thread, each device's session a bar, a block of rows
//! per part: four for each of the two course parts, five for `ex3b_cf_ascompleted` (13 in
//! the default run). Every `Result:` line is printed as its bar ends (lesson 08 draws the
//! same bars and prints them in another order).

mod ex3b_cf_ascompleted;
mod ssh_threads_ascompleted;
mod ssh_threads_ascompleted_cm;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(
    about = "Lesson 7: print each device's result as soon as it completes (as_completed)",
    mut_arg("workers", |a| a.help("How many workers the pool runs at once (default: 4, the course's max_threads; 5 in the exercise ex3b_cf_ascompleted)"))
)]
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
    /// submit() every device, print each result as it completes
    #[value(alias = "ascompleted")]
    SshThreadsAscompleted,
    /// the same inside the pool's `with` block (a scope)
    #[value(alias = "ascompleted_cm")]
    SshThreadsAscompletedCm,
    /// the exercise: show version from a pool of 5, as each completes
    #[value(alias = "ex3b")]
    Ex3bCfAscompleted,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let report = Report::new(&lab);
    let devices = &lab.devices;

    args.parts.for_each(|part| match part {
        Part::SshThreadsAscompleted => {
            ssh_threads_ascompleted::run(devices, args.pool.or(shared::MAX_THREADS), &report)
        }
        Part::SshThreadsAscompletedCm => {
            ssh_threads_ascompleted_cm::run(devices, args.pool.or(shared::MAX_THREADS), &report)
        }
        Part::Ex3bCfAscompleted => {
            ex3b_cf_ascompleted::run(devices, args.pool.or(shared::EXERCISE_MAX_THREADS), &report)
        }
    });

    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
