//! # Lesson 6: a pool, `submit()`, and the future it hands back
//!
//! Python 3.2 brought `concurrent.futures`: instead of starting one thread per device, you
//! make a pool of a few threads once and `submit()` jobs to it. Each `submit()` returns at
//! once with a *future*: a ticket for a result that does not exist yet. You can ask the
//! ticket whether the job is `done()`, and `result()` waits for the job and hands over what
//! the function returned.
//!
//! This lesson ports the course's two scripts about that, one after the other (pick one
//! with `--part`):
//!
//! 1. `simple` (`ssh_threads_simple`): submit `ssh_conn` for the first device, print
//!    `done()` (false: the login takes a while), wait, print `done()` again (true), then
//!    the result.
//! 2. `wait` (`ssh_threads_wait`): submit all the devices, `wait()` for every future, then
//!    print the results in the order they were submitted.
//!
//! Rust's standard library has threads but no thread pool, so the pool is
//! [rayon](https://docs.rs/rayon)'s. A rayon job returns no handle, so `submit()` below gives
//! each job a one-slot channel to answer on, and the receiving end is the future.
//!
//! ```text
//! cargo run --bin 06-futures
//! cargo run --bin 06-futures -- --part wait --workers 2    # a smaller pool: the wait takes longer
//! cargo run --bin 06-futures -- --fault srx2=auth-fail
//! cargo run --bin 06-futures -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: the first `done()` is false, the second true. In the second part
//! nothing at all is printed until the slowest device has answered, and then everything
//! comes at once, in submission order. Nine devices with four threads take about as long as
//! the busiest thread's share of the logins, not the sum of all nine. Past 100 devices the
//! per-device lines give way to a progress bar and a summary (`-v` shows them anyway).

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use crossbeam::channel::{self, Receiver};
use rayon::{ThreadPool, ThreadPoolBuilder};
use shared::{Device, Report, SshError, ssh_conn, timedelta};

/// The course's `max_threads = 4`; `--workers N` overrides it.
const MAX_THREADS: usize = 4;

#[derive(Debug, Parser)]
#[command(
    about = "Lesson 6: submit() jobs to a pool of threads, ask their futures done(), wait() for all"
)]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
    #[command(flatten)]
    pool: shared::WorkerArgs,

    /// The script(s) to run, e.g. `wait` (default: simple,wait)
    #[arg(long, value_enum, value_delimiter = ',')]
    part: Vec<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// ssh_threads_simple: submit() one device, ask done(), then result()
    Simple,
    /// ssh_threads_wait: submit() every device, wait() for all, then each result()
    Wait,
}

/// What `pool.submit()` returns in this lesson: the receiving end of a channel on which the
/// job will send what `ssh_conn` returned, the prompt or the error.
type Future = Receiver<Result<String, SshError>>;

/// Python's `pool.submit(ssh_conn, device)`. `std::thread::spawn` would hand back a
/// `JoinHandle` (its `is_finished()` and `join()` are `done()` and `result()`), but that is
/// one new thread per job; a pool's `spawn` returns nothing, so the job answers on a channel.
fn submit(pool: &ThreadPool, device: Device) -> Future {
    let (sender, future) = channel::bounded(1);
    // The job may run after this function has returned, so it owns its copy of the device.
    pool.spawn(move || {
        // Sending fails only if nobody holds the future any more: then nobody wants the answer.
        let _ = sender.send(ssh_conn(&device));
    });
    future
}

/// Python's `future.done()`: the answer is waiting in the channel.
fn done(future: &Future) -> bool {
    !future.is_empty()
}

/// Python's `future.result()`: wait for the job, then take what `ssh_conn` returned.
fn result(future: &Future) -> Result<String, SshError> {
    // recv() fails only if the job dropped its sender without sending, i.e. it panicked; a
    // panic in a rayon job aborts the whole program, so we never get here in that case.
    future
        .recv()
        .expect("every job sends its answer before it ends")
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let max_threads = args.pool.or(MAX_THREADS);
    let runs = |part| args.part.is_empty() || args.part.contains(&part);
    // One report for the whole run. It counts devices, not connections: a device that fails
    // in both parts is one failed device in the summary.
    let report = Report::new(&lab);

    // `ThreadPoolExecutor(max_threads)`: the threads start now and wait for jobs.
    let pool = ThreadPoolBuilder::new()
        .num_threads(max_threads)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start a pool of {max_threads} threads: {e}");
            std::process::exit(2)
        });

    if runs(Part::Simple) {
        simple(&pool, &lab.devices[0], &report);
    }
    if runs(Part::Wait) {
        if runs(Part::Simple) {
            println!();
        }
        wait(&pool, &lab.devices, &report);
    }

    drop(lab); // the in-process lab (if any) stops here, after every device has answered
    report.exit_code()
}

/// `ssh_threads_simple`: one job, one future.
fn simple(pool: &ThreadPool, device: &Device, report: &Report) {
    println!("== submit() one device, ask done(), then result() ==");
    let start_time = Instant::now();
    let future = submit(pool, device.clone());

    // Python prints `False` and `True` here; Rust spells its booleans `false` and `true`.
    report.println(done(&future));

    // The course sleeps 5 seconds here. The first device of the lab logs in in 0.4 s, so we
    // look at done() every 10 ms instead and go on as soon as it is true: a fixed sleep would
    // waste seconds here, and be too short on a slow lab (`--latency 5s`).
    // The wait is bounded by twice the device's timeout. A device that falls silent makes
    // `ssh_conn` give up one timeout after the step where it went quiet, on top of the time
    // the steps before took; twice the timeout leaves room for both, so the second done() is
    // true for a device that fails too. (If it still is not, result() below waits anyway.)
    let deadline = Instant::now() + Duration::from_secs_f64(device.timeout) * 2;
    while !done(&future) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    report.println(done(&future));

    // Python raises the worker's exception here, inside `result()`. In Rust nothing is raised:
    // `ssh_conn` returned a `Result`, the channel carried it as a plain value, and this `match`
    // is where a failure shows up.
    match report.count(&result(&future)) {
        Ok(prompt) => report.println(format!("Result: {prompt}")),
        Err(error) => report.println(format!("Error: {error}")),
    }
    println!("Elapsed time: {}", timedelta(start_time.elapsed()));
}

/// `ssh_threads_wait`: every device, then wait() for all.
fn wait(pool: &ThreadPool, devices: &[Device], report: &Report) {
    println!("== submit() every device, wait() for all, then each result() ==");
    let start_time = Instant::now();
    // All jobs are queued at once; the pool runs `max_threads` of them at a time.
    let future_list: Vec<Future> = devices
        .iter()
        .map(|device| submit(pool, device.clone()))
        .collect();

    // Python's `wait(future_list)`: block until every future is done. Taking each answer in
    // turn does the same; the loop ends when the slowest device has answered.
    let results: Vec<Result<String, SshError>> = future_list.iter().map(result).collect();

    for result in &results {
        match report.count(result) {
            Ok(prompt) => report.println(format!("Result: {prompt}")),
            Err(error) => report.println(format!("Error: {error}")),
        }
    }
    println!("Elapsed time: {}", timedelta(start_time.elapsed()));
}
