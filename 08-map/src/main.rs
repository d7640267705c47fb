//! # Lesson 8: `pool.map()`: one function over a whole list of devices
//!
//! Lessons 6 and 7 submitted the devices one by one and kept a list of futures. `pool.map(fn,
//! devices)` does all of that in one call. It submits every device at once, and hands back
//! the results *in the order of the input*, each one as soon as it is there: Python's map is
//! lazy, so the loop gets device 1's result the moment device 1 has answered, even while
//! devices further down the list are still logging in.
//!
//! Rust's thread pools have no `map` that works like that, so `pool_map()` below builds it
//! the way lesson 6 built `submit()`: every job answers on a one-slot channel of its own, and
//! the results are taken from those channels in list order.
//!
//! The parts (pick with `--variant`, e.g. `--variant map,exercise`):
//!
//! | variant    | ports                                          | prints                      |
//! |------------|------------------------------------------------|-----------------------------|
//! | `map`      | `ssh_threads_map`: `pool.map(ssh_conn, ...)`   | prompts, in list order      |
//! | `par-iter` | nothing: an aside on rayon's own parallel map  | three prompts, all at once  |
//! | `map2`     | `ssh_threads_map2`: a record per device        | `{device: prompt}`          |
//! | `exercise` | exercise 6: `pool.map` over two lists          | each device's ARP table     |
//!
//! With no `--variant` it runs `map`, `par-iter` and `map2`, the course's two scripts and
//! the aside, in about six seconds; the exercise runs when you ask for it.
//!
//! ```text
//! cargo run --bin 08-map
//! cargo run --bin 08-map -- --variant exercise
//! cargo run --bin 08-map -- --workers 9                 # one thread per device
//! cargo run --bin 08-map -- --fault arista2=hang --timeout 2
//! cargo run --bin 08-map -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: the results come in the order of the device list, never in completion
//! order (compare lesson 7), and the elapsed time grows from one result to the next. A result
//! waits only for the ones before it: nxos1 logs in faster than srx2 but comes after it in
//! the list, so it is printed the moment srx2's is. In the `par-iter` aside every result is
//! printed at the same moment, once the slowest device has answered. Past 100 devices the
//! per-device lines give way to a progress bar, the failures, the elapsed time and a summary
//! (`-v` shows them anyway).

use std::process::ExitCode;
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use shared::{Device, Report, SshError, arp_command, send_command, ssh_conn, timedelta};

/// The course's `max_threads = 4`; `--workers N` overrides it.
const MAX_THREADS: usize = 4;

/// How many devices the `par-iter` aside uses: enough to see them arrive together.
const ASIDE_DEVICES: usize = 3;

#[derive(Debug, Parser)]
#[command(about = "Lesson 8: pool.map() one function over all the devices, results in input order")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
    #[command(flatten)]
    pool: shared::WorkerArgs,

    /// The parts to run, e.g. `map` or `map,exercise` (default: map,par-iter,map2)
    #[arg(long, value_enum, value_delimiter = ',')]
    variant: Vec<Variant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Variant {
    /// pool.map(ssh_conn, devices): each prompt in list order, as soon as it is there
    Map,
    /// an aside: rayon's par_iter().map().collect(), every result at once at the end
    ParIter,
    /// pool.map(ssh_conn2, devices): a record {device: prompt} per device
    Map2,
    /// pool.map(send_command, devices, commands): show arp / show ip arp
    Exercise,
}

/// Python's `pool.map(job, inputs)`: an iterator over the jobs' results, in input order.
///
/// Every input is submitted at once (the pool runs `max_threads` jobs at a time, first
/// submitted first started), each job with a one-slot channel of its own to answer on. The
/// iterator then takes the answers in input order: `next()` waits for the next job in the
/// list only, so each result is handed over as soon as it and the ones before it are done.
fn pool_map<A, T>(
    pool: &ThreadPool,
    job: fn(A) -> T,
    inputs: impl IntoIterator<Item = A>,
) -> impl Iterator<Item = T>
where
    A: Send + 'static,
    T: Send + 'static,
{
    // `collect()` right here submits every job now. Without it, being lazy, the iterator
    // would submit each job only when the loop asked for its result: one device at a time.
    let answers: Vec<Receiver<T>> = inputs
        .into_iter()
        .map(|input| {
            let (sender, answer) = sync_channel(1);
            pool.spawn_fifo(move || {
                // Fails only if nobody waits for the answer any more: then nobody wants it.
                let _ = sender.send(job(input));
            });
            answer
        })
        .collect();
    // recv() fails only if a job ended without sending, i.e. it panicked; a panic in a rayon
    // job aborts the whole program, so that never happens here.
    answers
        .into_iter()
        .map(|answer| answer.recv().expect("every job sends its answer"))
}

/// What `ssh_conn2` returns: Python's one-entry dict `{host: prompt}`, as a struct. Our lab
/// serves every device on 127.0.0.1, so the device's name is the key rather than its host.
#[derive(Debug)]
struct DevicePrompt {
    device: String,
    prompt: String,
}

/// The course's `ssh_conn2(device)`: like `ssh_conn`, but the answer says whose prompt it is.
fn ssh_conn2(device: &Device) -> Result<DevicePrompt, SshError> {
    Ok(DevicePrompt {
        device: device.name.clone(),
        prompt: ssh_conn(device)?,
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let max_threads = args.pool.or(MAX_THREADS);
    let variants = if args.variant.is_empty() {
        vec![Variant::Map, Variant::ParIter, Variant::Map2]
    } else {
        args.variant
    };
    // One report for the whole run. It counts devices, not connections: a device that fails
    // in every part is one failed device in the summary.
    let report = Report::new(&lab);

    // `ThreadPoolExecutor(max_threads)`: the threads start now and wait for jobs.
    let pool = ThreadPoolBuilder::new()
        .num_threads(max_threads)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start a pool of {max_threads} threads: {e}");
            std::process::exit(2)
        });

    for (i, variant) in variants.into_iter().enumerate() {
        if i > 0 {
            println!();
        }
        match variant {
            Variant::Map => map(&pool, &lab.devices, &report),
            Variant::ParIter => par_iter(&pool, &lab.devices, &report),
            Variant::Map2 => map2(&pool, &lab.devices, &report),
            Variant::Exercise => exercise(&pool, &lab.devices, &report),
        }
    }

    // The pool's threads stop here, as at the end of Python's `with` block.
    drop(pool);
    drop(lab);
    report.exit_code()
}

/// `ssh_threads_map`.
fn map(pool: &ThreadPool, devices: &[Device], report: &Report) {
    println!("== pool.map(ssh_conn, device_list) ==");
    let start_time = Instant::now();
    // `for result in pool.map(ssh_conn, device_list):`. The jobs get their own copy of each
    // device: they may still run when this function returns (a pool's job borrows nothing).
    let results = pool_map(pool, |device| ssh_conn(&device), devices.to_vec());
    for result in results {
        // Python raises a failed device's exception when the loop reaches it; here each
        // element is a `Result`, and this `match` is where an error shows up.
        match report.count(&result) {
            Ok(prompt) => report.println(format!("Result: {prompt}")),
            Err(error) => report.println(format!("Error: {error}")),
        }
        report.println(timedelta(start_time.elapsed()));
    }
    elapsed_if_quiet(report, start_time);
}

/// An aside, not a port: rayon's parallel iterator, the idiomatic Rust parallel map when all
/// you need is the finished `Vec`.
fn par_iter(pool: &ThreadPool, devices: &[Device], report: &Report) {
    let devices = &devices[..ASIDE_DEVICES.min(devices.len())];
    println!(
        "== aside, not pool.map: rayon's par_iter().map(ssh_conn).collect(), first {} devices ==",
        devices.len()
    );
    let start_time = Instant::now();
    // `install` runs the parallel iterator on our pool (without it, rayon would use its global
    // pool, one thread per core). `collect()` keeps the input order too, but it returns only
    // once every device has answered: nothing can be printed before the slowest is done.
    let results: Vec<Result<String, SshError>> =
        pool.install(|| devices.par_iter().map(ssh_conn).collect());
    for result in &results {
        match report.count(result) {
            Ok(prompt) => report.println(format!("Result: {prompt}")),
            Err(error) => report.println(format!("Error: {error}")),
        }
        report.println(timedelta(start_time.elapsed()));
    }
    elapsed_if_quiet(report, start_time);
}

/// `ssh_threads_map2`: the same map, with a job that returns a record instead of a string.
fn map2(pool: &ThreadPool, devices: &[Device], report: &Report) {
    println!("== pool.map(ssh_conn2, device_list): a record per device ==");
    let start_time = Instant::now();
    let results = pool_map(pool, |device| ssh_conn2(&device), devices.to_vec());
    for result in results {
        match report.count(&result) {
            Ok(DevicePrompt { device, prompt }) => {
                report.println(format!("{{{device:?}: {prompt:?}}}"));
            }
            Err(error) => report.println(format!("Error: {error}")),
        }
        report.println(timedelta(start_time.elapsed()));
    }
    elapsed_if_quiet(report, start_time);
}

/// The exercise: `pool.map(send_command, device_list, commands)`, a map over two lists.
fn exercise(pool: &ThreadPool, devices: &[Device], report: &Report) {
    println!("== pool.map(send_command, device_list, commands) ==");
    let start_time = Instant::now();
    // `show arp` on Junos, `show ip arp` on the others.
    let commands: Vec<&'static str> = devices.iter().map(|d| arp_command(d.device_type)).collect();
    // Python's map takes the two lists and calls `send_command(device, command)` with one
    // element of each. A Rust job takes one argument, so `zip` pairs the lists first.
    let outputs = pool_map(
        pool,
        |(device, command)| send_command(&device, command),
        devices.iter().cloned().zip(commands.iter().copied()),
    );
    let dashes = "-".repeat(80);
    for ((device, command), output) in devices.iter().zip(&commands).zip(outputs) {
        let text = match report.count(&output) {
            Ok(output) => output.clone(),
            Err(error) => format!("Error: {error}"),
        };
        report.println(format!(
            "{dashes}\n{}: {command}\n{text}\n{dashes}",
            device.name
        ));
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}

/// A quiet run (many devices) holds back the time after each result: give the total.
fn elapsed_if_quiet(report: &Report, start_time: Instant) {
    if report.is_quiet() {
        println!("Elapsed time: {}", timedelta(start_time.elapsed()));
    }
}
