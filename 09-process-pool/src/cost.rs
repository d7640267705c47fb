//! `cost` (ours, not a course script): what a process costs against a thread. The same
//! `ssh_conn` on the same devices, first on a pool of processes, then on a pool of threads
//! (rayon's, as in lesson 8), each timed twice: starting the pool, then running the jobs.
//! `--part cost`; 12 workers, as map2, unless `--workers`.
//!
//! What to look for: a process takes far longer to start than a thread, while the devices
//! take just as long to answer either way. The last column says how many devices answered
//! in each pool; the failures are printed above the table.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use shared::{Device, Report, SshError, timedelta};

use crate::future;
use crate::jobs::ssh_conn;

/// One pool's figures: its start-up, then `ssh_conn` on every device.
struct Timing {
    start: Duration,
    run: Duration,
    answered: usize,
}

pub fn run(device_list: &[Device], workers: usize, report: &Report) {
    // No device count in the title: the table says how many there were and answered.
    shared::print_header(&format!(
        "the cost of processes against threads: ssh_conn on every device, {workers} workers"
    ));
    let devices = device_list.len();
    println!(
        "Timing a pool of {workers} processes: its start-up, then ssh_conn on {devices} devices..."
    );
    let process = time_process_pool(device_list, workers, report);
    println!("Timing a pool of {workers} threads the same way...");
    let thread = time_thread_pool(device_list, workers, report);

    let rows = [("process pool", process), ("thread pool", thread)];
    let answered = |timing: &Timing| format!("{} of {devices}", timing.answered);
    let width = rows
        .iter()
        .map(|(_, t)| answered(t).len())
        .max()
        .unwrap_or(0)
        .max(8);
    // The per-worker figure goes last: its width varies, and nothing after it has to line up.
    println!(
        "{:<12}  {:<14}  {:<23}  {:<width$}  start-up per worker",
        "", "start-up", "ssh_conn on the devices", "answered"
    );
    for (pool, timing) in &rows {
        let per_worker = timing.start.as_secs_f64() * 1000.0 / workers as f64;
        println!(
            "{pool:<12}  {:<14}  {:<23}  {:<width$}  {per_worker:.3} ms",
            timedelta(timing.start),
            timedelta(timing.run),
            answered(timing),
        );
    }
    println!(
        "A process costs far more to start than a thread; waiting on the devices costs \
         the same either way."
    );
}

/// Counts one pool's results; a failure gets its line above the table, saying which pool.
fn answered<'a>(
    report: &Report,
    pool: &str,
    results: impl IntoIterator<Item = (&'a Device, Result<String, SshError>)>,
) -> usize {
    let mut answered = 0;
    for (a_device, result) in results {
        match report.count(&a_device.name, &result) {
            Ok(_) => answered += 1,
            Err(error) => report.println(format_args!("Error: {error} (in the {pool})")),
        }
    }
    answered
}

/// `Pool::new` returns once every worker process is up: that is the start-up.
fn time_process_pool(device_list: &[Device], workers: usize, report: &Report) -> Timing {
    let start_time = Instant::now();
    let pool = future::process_pool(workers);
    let start = start_time.elapsed();
    let results_generator = future::map(&pool, ssh_conn, device_list.to_vec());
    let answered = answered(
        report,
        "process pool",
        device_list.iter().zip(results_generator),
    );
    let run = start_time.elapsed() - start;
    Timing {
        start,
        run,
        answered,
    }
}

/// `broadcast` runs a no-op on every thread, so the clock stops once all of them run.
fn time_thread_pool(device_list: &[Device], workers: usize, report: &Report) -> Timing {
    let start_time = Instant::now();
    let pool = shared::thread_pool(workers);
    pool.broadcast(|_| ());
    let start = start_time.elapsed();
    let results: Vec<_> = pool.install(|| device_list.par_iter().map(shared::ssh_conn).collect());
    let run = start_time.elapsed() - start;
    let answered = answered(report, "thread pool", device_list.iter().zip(results));
    Timing {
        start,
        run,
        answered,
    }
}
