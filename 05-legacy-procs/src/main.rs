//! # Lesson 05: one process per device
//!
//! The course's three legacy multiprocessing scripts, one file each:
//!
//! | part | file | what it shows |
//! |---|---|---|
//! | `processes_show_ver` (alias `processes`) | `processes_show_ver.rs` | every child prints its own block: the stdout race, between processes this time |
//! | `proc_w_queue` (alias `queue` or `deadlock`) | `proc_w_queue.rs` | the fix: children put `{hostname: output}` on a queue; the parent joins them all, then prints |
//! | `proc_avoid_deadlock` (alias `avoid_deadlock`) | `proc_avoid_deadlock.rs` | the same, but the parent empties the queue while the children run |
//!
//! Python's `Process(target=show_version, args=(a_device,))` + `start()` is
//! `procspawn::spawn(a_device, show_version)` here. procspawn starts this same program
//! again as the child (that is why `procspawn::init()` must be the first line of `main`),
//! sends it the argument serialized over a local socket, runs the function there and sends
//! its return value back the same way. So a worker is a plain `fn` (it cannot capture
//! variables: the child has none of the parent's memory) and its argument and result are
//! serde types.
//!
//! Run it:
//!
//! ```text
//! cargo run --bin 05-legacy-procs                                # all three parts
//! cargo run --bin 05-legacy-procs -- --part processes_show_ver   # or proc_w_queue, proc_avoid_deadlock
//! cargo run --bin 05-legacy-procs -- --fault srx2=refuse
//! cargo run --bin 05-legacy-procs -- --part deadlock,avoid_deadlock --devices 200 --latency 100ms
//! cargo run --bin 05-legacy-procs -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: in `processes_show_ver` lines of different devices mixed together, as
//! with threads in lesson 04 (processes race for the terminal too); in `proc_w_queue` and
//! `proc_avoid_deadlock` nine clean blocks in the order the devices answered. With 100
//! devices their outputs outgrow the queue: `proc_w_queue` prints `deadlock:` a second or two
//! after it sets in, `proc_avoid_deadlock` never does. Past 100 devices the blocks give way to a
//! progress bar, the failed devices and a count (`-v` prints them all).
//!
//! `--timeline` draws nine rows labelled by pid: nine processes, one session each, none of them
//! this program.
//!
//! To see the processes, make them last (every login and command takes 20 s):
//! `cargo run --bin 05-legacy-procs -- --part processes --latency 20s --timeout 30`, and in
//! another terminal `ps -f --ppid $(pgrep -x 05-legacy-procs)`: one child per device. They
//! show as `/proc/self/exe`, the path procspawn starts this program again by.

mod children;
mod deadlock_watch;
mod proc_avoid_deadlock;
mod proc_w_queue;
mod processes_show_ver;
mod queue;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(
    about = "Lesson 5: a process per device, the stdout race, a queue back, and its deadlock"
)]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    #[command(flatten)]
    parts: shared::PartArgs<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum Part {
    /// Every child process prints its own output (the stdout race)
    #[value(alias = "processes")]
    ProcessesShowVer,
    /// Children put {hostname: output} on a queue; the parent joins all, then prints
    #[value(aliases = ["queue", "deadlock"])]
    ProcWQueue,
    /// The same, emptying the queue while the children run (no deadlock)
    #[value(alias = "avoid_deadlock")]
    ProcAvoidDeadlock,
}

fn main() -> ExitCode {
    // First line, always: a child started by procspawn runs `main` from the top, and
    // `init()` is where it picks up its job and, once done, exits. Anything above this
    // line would run again in every child.
    procspawn::init();

    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    // One report for the whole run: a device that fails in two parts is one failed device.
    let report = Report::new(&lab);
    args.parts.for_each(|part| match part {
        Part::ProcessesShowVer => processes_show_ver::run(&lab.devices, &report),
        Part::ProcWQueue => proc_w_queue::run(&lab.devices, &report),
        Part::ProcAvoidDeadlock => proc_avoid_deadlock::run(&lab.devices, &report),
    });
    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
