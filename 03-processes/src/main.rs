//! # Lesson 3: processes
//!
//! The notes' overview of multiple processes, one point per file, built by hand with
//! `std::process::Command` so you see what a process library (Python's `multiprocessing`,
//! Rust's `procspawn` in lesson 5) does underneath. The program starts copies of itself as
//! its workers, with a hidden `--worker` flag.
//! - `one_process_per_session.rs`: one worker process per device, each running one SSH
//!   session, all at the same time; each reports its own pid.
//! - `own_memory.rs`: each worker counts the sessions it opened in its own copy of a counter,
//!   and the parent's copy never moves; the same function on threads moves the parent's.
//! - `inter_process_communication.rs`: since processes share no memory, the parent *sends*
//!   each worker its device, as JSON through the worker's stdin, and the worker sends its
//!   `Result<String, SshError>` back through its stdout. Shown on the first device.
//! - `start_up_cost.rs`: starting N processes against starting N threads.
//!
//! (Processes also escape Python's GIL; Rust has none, as lesson 2 measures.)
//!
//! Run it (about 6 seconds; each of the first two parts waits for the slowest device):
//! ```text
//! cargo run --bin 03-processes
//! cargo run --bin 03-processes -- --part own_memory           # one part (see --help)
//! cargo run --bin 03-processes -- --fault srx2=auth-fail       # one device fails, the rest go on
//! cargo run --bin 03-processes -- --devices 200 --latency 200ms
//! cargo run --bin 03-processes -- --inventory my-devices.yaml  # your own devices
//! ```
//! What to look for: a different pid on every line, none of them the parent's; the counter
//! at 1 in every worker that logged in (0 in one whose login failed) and still at 0 in the
//! parent; the elapsed time close to the slowest device; a process costing far more to start
//! than a thread, and still little next to an SSH login.
//!
//! `--timeline` draws a row per worker process (`pid N`), one session each, all at once.
//!
//! To see the workers as processes of their own, slow the devices down and look from a
//! second terminal while the lesson waits:
//! ```text
//! cargo run --bin 03-processes -- --part one_process_per_session --latency 20s --timeout 30
//! pgrep -a 03-processes                  # in the second terminal: the parent and nine workers
//! ps -f --ppid <the parent's pid>        # only the workers, with the parent's pid beside each
//! ```

mod inter_process_communication;
mod one_process_per_session;
mod own_memory;
mod start_up_cost;
mod workers;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(about = "Lesson 3: one process per SSH session, by hand: own pid, own memory, a pipe")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    #[command(flatten)]
    parts: shared::PartArgs<Part>,

    /// Run as a worker process (the lesson starts these itself)
    #[arg(long, value_enum, hide = true)]
    worker: Option<Worker>,
}

/// The lesson's parts, one file each, in the order of the notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum Part {
    /// One worker process per device, each running one SSH session, each with its own pid
    OneProcessPerSession,
    /// Each process counts its sessions in its own memory; threads share the parent's
    OwnMemory,
    /// The device goes to a worker as JSON through a pipe, the result comes back the same way
    #[value(alias = "ipc")]
    InterProcessCommunication,
    /// What starting a process costs against starting a thread
    StartUpCost,
}

/// What a worker process is asked to do.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Worker {
    /// Read a device on stdin, connect, write the reply on stdout.
    Ssh,
    /// Nothing: start and end, for start_up_cost to time.
    Exit,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // A worker does its one job and exits: it never starts a lab of its own.
    match args.worker {
        Some(Worker::Ssh) => return workers::ssh_worker(),
        Some(Worker::Exit) => return ExitCode::SUCCESS,
        None => {}
    }
    // Each worker is this same program started again with `--worker`: Rust's std has no
    // `fork()`, so it works like Python's "spawn" start method.
    let program = std::env::current_exe().unwrap_or_else(|e| {
        eprintln!("error: cannot find this program's file to start its workers from: {e}");
        std::process::exit(2)
    });
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let devices = &lab.devices;
    // One report for the whole run: a device that fails in several parts is one failed device.
    let report = Report::new(&lab);

    args.parts.for_each(|part| match part {
        Part::OneProcessPerSession => one_process_per_session::run(devices, &report, &program),
        Part::OwnMemory => own_memory::run(devices, &report, &program),
        Part::InterProcessCommunication => {
            inter_process_communication::run(devices, &report, &program);
        }
        Part::StartUpCost => start_up_cost::run(devices.len(), &program),
    });

    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
