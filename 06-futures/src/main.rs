//! # Lesson 6: a pool, `submit()`, and the future it hands back
//!
//! Python 3.2 brought `concurrent.futures`: instead of starting one thread per device, you
//! make a pool of a few threads once and `submit()` jobs to it. Each `submit()` returns at
//! once with a *future*: a ticket for a result that does not exist yet. You can ask the
//! ticket whether the job is `done()`, and `result()` waits for the job and hands over what
//! the function returned.
//!
//! The parts, one file each, named after the course scripts they port (pick with `--part`):
//!
//! 1. `ssh_threads_simple`: submit `ssh_conn` for the first device, print `done()` (false:
//!    the login takes a while), wait, print `done()` again (true), then the result.
//! 2. `ssh_threads_wait`: submit all the devices, `wait()` for every future, then print the
//!    results in the order they were submitted. The course's exercise `ex3a_cf_wait` adds
//!    nothing to it but the exercises' pool of five: run it with `--workers 5`.
//! 3. `choosing_max_threads` (not in the course, which never says why four): the same
//!    `submit()` and wait over 200 devices of its own lab, behind one AAA server that takes
//!    8 logins at once, for pools of 1 to 64 threads, then 64 again with retries. A table of
//!    wall time, failures and the sessions the lab saw open, and what it shows. It takes
//!    under 15 s.
//!
//! Rust's standard library has threads but no thread pool, so the pool is
//! [rayon](https://docs.rs/rayon)'s, and `future.rs` builds `submit()`, `done()` and
//! `result()` on it.
//!
//! ```text
//! cargo run --bin 06-futures
//! cargo run --bin 06-futures -- --part ssh_threads_wait --workers 2   # the wait takes longer
//! cargo run --bin 06-futures -- --fault srx2=auth-fail
//! cargo run --bin 06-futures -- --inventory my-devices.yaml
//! cargo run --bin 06-futures -- --part choosing_max_threads --retries 2
//! ```
//!
//! What to look for: the first `done()` is false, the second true. In the second part
//! nothing at all is printed until the slowest device has answered, and then everything
//! comes at once, in submission order. Past 100 devices the per-device lines give way to a
//! progress bar, the failures and a summary; the `done()` lines and the elapsed times stay
//! (`-v` shows everything).
//!
//! `--timeline` draws one row per pool thread that ran a job, a block per part: one row for
//! `ssh_threads_simple` (one job), then four with the nine jobs queueing along them for
//! `ssh_threads_wait`: five rows in the default run (`choosing_max_threads` has its own lab).
//!
//! In `choosing_max_threads`, the wall time falls as the pool grows to about the AAA
//! server's 8 (a little past it: each job spends some time elsewhere), then stops falling
//! while failures rise; with retries every device gets through, in more time. Pick a pool
//! about the size of the narrowest shared resource, not of the number of devices.

mod choosing_max_threads;
mod future;
mod ssh_threads_simple;
mod ssh_threads_wait;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(
    about = "Lesson 6: submit() jobs to a pool of threads, ask their futures done(), wait() for all",
    mut_arg("workers", |a| a.help("How many workers the pool runs at once (default: 4, the course's max_threads; \
        choosing_max_threads picks its own)"))
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
    /// submit() one device, ask done(), then result()
    #[value(alias = "simple")]
    SshThreadsSimple,
    /// submit() every device, wait() for all, then each result()
    #[value(alias = "wait")]
    SshThreadsWait,
    /// pools of 1 to 64 threads over 200 devices of its own behind one AAA server, then 64
    /// with --retries (5 if not given); --workers does not apply
    ChoosingMaxThreads,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let max_threads = args.pool.or(shared::MAX_THREADS);
    // One report for the whole run. It counts devices, not connections: a device that fails
    // in both parts is one failed device in the summary.
    let report = Report::new(&lab);

    args.parts.for_each(|part| match part {
        Part::SshThreadsSimple => ssh_threads_simple::run(&lab.devices, max_threads, &report),
        Part::SshThreadsWait => ssh_threads_wait::run(&lab.devices, max_threads, &report),
        // Its own lab and its own counts: its failures are the experiment's, not the
        // report's (the part says why).
        Part::ChoosingMaxThreads => choosing_max_threads::run(args.lab.retries.unwrap_or(5)),
    });

    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
