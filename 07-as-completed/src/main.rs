//! # Lesson 7: results as they complete (`as_completed`), and the pool's `with` block
//!
//! Lesson 6 waited for every future before printing anything. `as_completed(future_list)`
//! hands the futures back one by one *as their jobs finish*, so each result is printed the
//! moment its device answers, fastest first.
//!
//! This ports the course's `ssh_threads_ascompleted` and `ssh_threads_ascompleted_cm`. The
//! second one only adds a `with ThreadPoolExecutor(...) as pool:` block, which shuts the pool
//! down (and waits for its jobs) where the block ends. Rust's version of that block is a
//! *scope*: `pool.in_place_scope_fifo(|scope| { ... })` returns only when every job spawned in
//! it has finished, so nothing outlives the block, and the compiler checks it.
//!
//! Rust's counterpart of `as_completed` is a channel: every job sends its result on it when it
//! is done, and the main thread receives them in the order they arrive.
//!
//! ```text
//! cargo run --bin 07-as-completed
//! cargo run --bin 07-as-completed -- --workers 2      # other threads free up: another order
//! cargo run --bin 07-as-completed -- --fault srx2=refuse
//! cargo run --bin 07-as-completed -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: the elapsed time grows after every result, and the order is not the
//! order of the device list. The lab's devices log in at different speeds (cisco3 fastest,
//! srx2 slowest), so with four threads the order is the same on every run: cisco3, cisco4,
//! arista1, arista2, arista3, nxos1, arista4, nxos2, srx2. arista4 and srx2 were submitted
//! before nxos1, yet nxos1 answers first. Past 100 devices the per-device lines give way to a
//! progress bar, the failures, the elapsed time and a summary (`-v` shows them anyway).

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use crossbeam::channel;
use rayon::ThreadPoolBuilder;
use shared::{Report, ssh_conn, timedelta};

/// The course's `max_threads = 4`; `--workers N` overrides it.
const MAX_THREADS: usize = 4;

#[derive(Debug, Parser)]
#[command(about = "Lesson 7: print each device's result as soon as it completes (as_completed)")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
    #[command(flatten)]
    pool: shared::WorkerArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let max_threads = args.pool.or(MAX_THREADS);
    let report = Report::new(&lab);

    let start_time = Instant::now();
    // `ThreadPoolExecutor(max_threads)`: the threads start now and wait for jobs.
    let pool = ThreadPoolBuilder::new()
        .num_threads(max_threads)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start a pool of {max_threads} threads: {e}");
            std::process::exit(2)
        });

    // Every job sends its result here the moment it is done.
    let (sender, completed) = channel::unbounded();

    // `with ThreadPoolExecutor(max_threads) as pool:` is this scope. Its body runs right here
    // on the main thread, the jobs it spawns run on the pool's threads, first submitted first
    // started.
    pool.in_place_scope_fifo(|scope| {
        for device in &lab.devices {
            // `pool.submit(ssh_conn, device)`. The scope waits for its jobs before it returns,
            // so a job may borrow the device; lesson 6's jobs, with no scope, needed a copy.
            let sender = sender.clone();
            scope.spawn_fifo(move |_| {
                let _ = sender.send(ssh_conn(device));
            });
        }
        // Only the jobs hold senders now, so the channel closes when the last job is done.
        drop(sender);

        // `for future in as_completed(future_list):`, then `future.result()`. Python raises a
        // failed job's exception inside `result()`; here the job sent an `Err` like any other
        // value, and this `match` is where it shows up.
        for result in completed {
            match report.count(&result) {
                Ok(prompt) => report.println(format!("Result: {prompt}")),
                Err(error) => report.println(format!("Error: {error}")),
            }
            report.println(timedelta(start_time.elapsed()));
        }
    }); // End of the `with` block: every job has finished; none can still be running.
    if report.is_quiet() {
        // The per-result times were held back: say how long the whole run took.
        println!("Elapsed time: {}", timedelta(start_time.elapsed()));
    }

    // Dropping the pool stops its threads, as `shutdown()` did at the end of the `with` block.
    drop(pool);
    drop(lab);
    report.exit_code()
}
