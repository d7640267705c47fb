//! # Lesson 2: threads
//!
//! The lesson notes' points about threads, each shown by running code, one file per point
//! (in the notes' order):
//!
//! 1. `one_process.rs`: **many threads, one process.** Every thread reports the same process
//!    id and its own thread id: one process, one memory space, several threads of execution.
//! 2. `race_condition.rs`: **a race that safe Rust still allows.** A read followed by a
//!    separate write loses updates when another thread slips in between; then the fixes.
//! 3. `deadlock.rs`: **locks can deadlock.** Two threads take the same two locks in opposite
//!    order and each waits for the other; then the fix, one global lock order.
//! 4. `no_gil.rs`: **no GIL.** CPU-bound threads really run in parallel in Rust (measured, also
//!    behind a fake "GIL"); SSH work mostly waits, so for it the GIL hardly matters.
//! 5. `queue.rs`: **pass data, don't share it.** Worker threads send `(device, prompt)`
//!    through a thread-safe queue; the main thread receives and prints.
//!
//! Run it:
//! ```text
//! cargo run --bin 02-threads
//! cargo run --bin 02-threads -- --part race_condition        # one part (or deadlock,queue ...)
//! cargo run --bin 02-threads -- --fault srx2=auth-fail       # one device fails, the rest go on
//! cargo run --bin 02-threads -- --devices 200 --latency 200ms
//! cargo run --bin 02-threads -- --inventory my-devices.yaml  # your own devices
//! ```
//! What to look for: the lost-update count changes from run to run (a race depends on
//! timing), the fixed counters never do; the deadlock is reported and the run finishes; the
//! split job is faster than one thread except behind the fake GIL; the queue delivers the
//! prompts in the order the devices answered, not the order of the list.
//!
//! `--timeline` draws the sessions of `no_gil` and `queue`: a row per thread, all nine starting
//! together.

mod accounts;
mod deadlock;
mod measure;
mod no_gil;
mod one_process;
mod queue;
mod race_condition;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(about = "Lesson 2: threads: one process, race conditions, deadlock, no GIL, a queue")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    #[command(flatten)]
    parts: shared::PartArgs<Part>,
}

/// The lesson's parts, one file each, in the order of the notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum Part {
    /// Many threads, one process: one pid, a thread id each
    OneProcess,
    /// A race condition that loses updates, and two fixes
    RaceCondition,
    /// Two locks taken in opposite order deadlock; one lock order fixes it
    Deadlock,
    /// No GIL: CPU-bound threads run in parallel; SSH work waits anyway
    NoGil,
    /// Workers pass each device's prompt to the main thread through a queue
    Queue,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    // no_gil and queue talk to the devices: one report counts each device once for both.
    let report = Report::new(&lab);

    args.parts.for_each(|part| match part {
        Part::OneProcess => one_process::run(),
        Part::RaceCondition => race_condition::run(),
        Part::Deadlock => deadlock::run(),
        Part::NoGil => no_gil::run(&lab.devices, &report),
        Part::Queue => queue::run(&lab.devices, &report),
    });

    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
