//! # Lesson 04: one thread per device, and who gets to print
//!
//! The course's legacy `threads_show_ver` script, then the fix its notes name. Every device
//! gets a thread of its own running `show version`; the devices are talked to at the same
//! time, so a run takes about as long as the slowest device, not the sum of all of them
//! (compare with lesson 01's serial `Finished in`).
//!
//! | part | file | what it shows |
//! |---|---|---|
//! | `threads_show_ver` | `threads_show_ver.rs` | every thread prints its own block: the stdout race |
//! | `threads_queue` (alias `queue`) | `threads_queue.rs` | threads send results through a queue to one printer |
//!
//! The course's exercise `ex2_legacy_threads` asks for the same program as
//! `threads_show_ver`: that file covers it.
//!
//! Run it:
//!
//! ```text
//! cargo run --bin 04-legacy-threads                              # both parts, the race first
//! cargo run --bin 04-legacy-threads -- --part threads_show_ver   # only the race
//! cargo run --bin 04-legacy-threads -- --part queue              # only the fix
//! cargo run --bin 04-legacy-threads -- --fault srx2=auth-fail
//! cargo run --bin 04-legacy-threads -- --devices 10000 --latency 1s --part queue
//! cargo run --bin 04-legacy-threads -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: in `threads_show_ver`, a `#` line or a `show version` line of one
//! device in the middle of another device's block, and the main thread's `joining thread`
//! lines anywhere in between (run it twice: the mix differs); in `threads_queue`, nine clean
//! blocks, first nxos1, the fastest device, last nxos2, the slowest. Both end with an
//! `Elapsed time` close to nxos2's time. Past 100 devices the blocks give way to a progress
//! bar, the failed devices and a count (`-v` prints everything).
//!
//! `--timeline` draws nine rows, one per thread, all starting together: the sessions overlap,
//! which is why the run takes about as long as the slowest device.

mod threads_queue;
mod threads_show_ver;
mod worker;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(about = "Lesson 4: a thread per device, the stdout race, then a queue to one printer")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    #[command(flatten)]
    parts: shared::PartArgs<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum Part {
    /// The course's script: every thread prints its own result (the stdout race)
    ThreadsShowVer,
    /// The fix: threads send their results through a queue to one printer
    #[value(alias = "queue")]
    ThreadsQueue,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    // One report for the whole run: a device that fails in both parts is one failed device.
    let report = Report::new(&lab);
    args.parts.for_each(|part| match part {
        Part::ThreadsShowVer => threads_show_ver::run(&lab.devices, &report),
        Part::ThreadsQueue => threads_queue::run(&lab.devices, &report),
    });
    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
