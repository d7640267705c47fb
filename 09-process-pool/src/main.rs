//! # Lesson 9: the same scripts with a pool of processes
//!
//! The course ends its `concurrent.futures` section by changing two words in the scripts of
//! lessons 6 to 8: `ThreadPoolExecutor` becomes `ProcessPoolExecutor`, and every job now
//! runs in a process of its own instead of a thread. This lesson does the same with
//! procspawn's [`Pool`]: `Pool::new(n)` starts `n` worker processes once, and each job goes
//! to whichever is free. `future.rs` gives it Python's words (`submit`, `done`, `result`,
//! `wait`, `as_completed`, `map`), so the scripts below read like the course's. What
//! changes against the thread versions is small, and all of it is about the process
//! boundary:
//!
//! - `procspawn::init()` is the first line of `main`: each worker process is this same
//!   program started again, and `init()` is where it turns into a worker.
//! - A job is a plain `fn`, not a closure: a worker shares no memory with us, so the job
//!   can capture nothing. Its argument (a `Device`) travels to the worker serialized, and
//!   its result travels back the same way, so both are serde types. The notes' first point,
//!   that a worker may return any value and not only a string, is `DeviceFacts` below: a
//!   struct, built in another process, carrying that process's pid.
//!
//! The variants are the course's `ssh_procs_*` scripts (pick with `--variant`):
//!
//! | variant        | ports                                  | prints                        |
//! |----------------|----------------------------------------|-------------------------------|
//! | `simple`       | `ssh_procs_simple`: one `submit()`     | `done()` twice, the result    |
//! | `wait`         | `ssh_procs_wait`: `wait(future_list)`  | results in submission order   |
//! | `as-completed` | `ssh_procs_ascompleted` (and `_cm`)    | results in completion order   |
//! | `map`          | `ssh_procs_map`                        | results in input order        |
//! | `map2`         | `ssh_procs_map2`, 12 processes         | one `DeviceFacts` per device  |
//! | `exercise`     | exercise 6: `map` over two lists       | each device's ARP table       |
//! | `cost`         | ours: the same devices, two pools      | start-up and run times        |
//!
//! ```text
//! cargo run --bin 09-process-pool                      # as-completed, map2, cost
//! cargo run --bin 09-process-pool -- --variant simple,wait  # or map, exercise, ...
//! cargo run --bin 09-process-pool -- --variant map --workers 2
//! cargo run --bin 09-process-pool -- --fault srx2=refuse
//! cargo run --bin 09-process-pool -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: with the same number of workers, the same orders and nearly the same
//! times as lessons 6 to 8 (`map` prints each result with a growing elapsed time, in list
//! order, as lesson 8 does; `map2` has 12 processes, so it finishes sooner than lesson 8's
//! four threads); the pids in map2's results, none of them ours; and in `cost`, that a
//! process takes far longer to start than a thread while the devices take just as long to
//! answer either way. For network automation, which mostly waits on devices, threads or
//! processes make little difference: the course's author says he saw none in practice.
//! Past 100 devices the per-device lines give way to a progress bar, the failed devices
//! and a count (`-v` prints them all).

mod future;

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use procspawn::Pool;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shared::{Device, Report, SshError, timedelta};

use future::Future;

/// The course's `max_procs = 4`; `--workers N` overrides it.
const MAX_PROCS: usize = 4;
/// The course's map2 script uses 12 processes.
const MAP2_PROCS: usize = 12;

#[derive(Debug, Parser)]
#[command(
    about = "Lesson 9: the concurrent.futures scripts with a process pool instead of threads"
)]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
    #[command(flatten)]
    pool: shared::WorkerArgs,

    /// The scripts to run, e.g. `map` or `simple,wait` (default: as-completed,map2,cost)
    #[arg(long, value_enum, value_delimiter = ',')]
    variant: Vec<Variant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Variant {
    /// submit() one device, ask done(), then result()
    Simple,
    /// submit() every device, wait for all, results in submission order
    Wait,
    /// results as each device completes, the pool inside a block (Python's `with`)
    AsCompleted,
    /// pool.map(ssh_conn, devices): results in input order
    Map,
    /// map with 12 processes, each returning a struct
    Map2,
    /// map over devices and commands: show arp / show ip arp
    Exercise,
    /// the same devices on a process pool and on a thread pool, timed
    Cost,
}

fn main() -> ExitCode {
    // First line, always: a worker process runs `main` from the top, and `init()` is where
    // it becomes a worker and never returns. Anything above it would run in every worker.
    procspawn::init();

    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let devices = &lab.devices;
    // One report for the whole run: a device that fails in every variant is one failed device.
    let report = Report::new(&lab);

    let variants = if args.variant.is_empty() {
        vec![Variant::AsCompleted, Variant::Map2, Variant::Cost]
    } else {
        args.variant
    };
    for (i, variant) in variants.into_iter().enumerate() {
        if i > 0 {
            println!();
        }
        let max_procs = args.pool.or(match variant {
            Variant::Map2 | Variant::Cost => MAP2_PROCS,
            _ => MAX_PROCS,
        });
        let run = match variant {
            Variant::Simple => ssh_procs_simple(devices, max_procs, &report),
            Variant::Wait => ssh_procs_wait(devices, max_procs, &report),
            Variant::AsCompleted => ssh_procs_ascompleted_cm(devices, max_procs, &report),
            Variant::Map => ssh_procs_map(devices, max_procs, &report),
            Variant::Map2 => ssh_procs_map2(devices, max_procs, &report),
            Variant::Exercise => exercise6(devices, max_procs, &report),
            Variant::Cost => cost(devices, max_procs, &report),
        };
        if let Err(e) = run {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    drop(lab);
    report.exit_code()
}

// ---------------------------------------------------------------------------------------
// The jobs. Each runs in a worker process: a plain `fn`, serde argument, serde result.
// ---------------------------------------------------------------------------------------

/// The course's `ssh_conn(device)`: connect, return the prompt. The `Device` arrives by
/// value because it was serialized in our process and rebuilt in the worker.
fn ssh_conn(device: Device) -> Result<String, SshError> {
    shared::ssh_conn(&device)
}

/// What map2's job returns: any serde type can come back from a worker, a struct as well
/// as a string. Python's version returns the dict `{host: prompt}`.
#[derive(Debug, Serialize, Deserialize)]
struct DeviceFacts {
    device: String,
    prompt: String,
    /// The process that did the work: not ours.
    pid: u32,
}

/// map2's job: `ssh_conn`, plus who answered and in which process.
fn ssh_conn2(device: Device) -> Result<DeviceFacts, SshError> {
    let prompt = shared::ssh_conn(&device)?;
    Ok(DeviceFacts {
        device: device.name,
        prompt,
        pid: std::process::id(),
    })
}

/// The exercise's job. Python's `pool.map(send_command, devices, commands)` calls it with
/// one element of each list; a procspawn job takes one argument, so the pair is a tuple.
fn send_command((device, command): (Device, String)) -> Result<String, SshError> {
    shared::send_command(&device, &command)
}

// ---------------------------------------------------------------------------------------
// The scripts
// ---------------------------------------------------------------------------------------

/// `ProcessPoolExecutor(max_procs)`. `Pool::new` returns once every worker process has
/// started and reported for work.
fn process_pool(max_procs: usize) -> Result<Pool, String> {
    Pool::new(max_procs).map_err(|e| format!("cannot start a pool of {max_procs} processes: {e}"))
}

/// Prints one result the way lessons 6 to 8 do, and counts it.
fn print_result(report: &Report, result: &Result<String, SshError>) {
    match report.count(result) {
        Ok(prompt) => report.println(format_args!("Result: {prompt}")),
        Err(error) => report.println(format_args!("Error: {error}")),
    }
}

/// `ssh_procs_simple`: one job, one future.
fn ssh_procs_simple(devices: &[Device], max_procs: usize, report: &Report) -> Result<(), String> {
    println!("== submit() one device, ask done(), then result() ==");
    let Some(first) = devices.first() else {
        return Ok(());
    };
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;
    let mut future = future::submit(&pool, ssh_conn, first.clone());

    // Python prints `False` and `True`; Rust prints a bool as `false` and `true`.
    println!("{}", future.done());
    // The course sleeps 5 seconds. As lesson 6 does, we look every 10 ms and go on once it
    // is done, for at most twice the device's timeout: by then `ssh_conn` has answered or
    // given up on a silent device.
    let deadline = Instant::now() + Duration::from_secs_f64(first.timeout) * 2;
    while !future.done() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    println!("{}", future.done());

    print_result(report, &future.result());
    println!("Elapsed time: {}", timedelta(start_time.elapsed()));
    Ok(())
}

/// `ssh_procs_wait`: submit every device, wait for all, then each result in order.
fn ssh_procs_wait(devices: &[Device], max_procs: usize, report: &Report) -> Result<(), String> {
    println!("== submit() every device, wait() for all, then each result() ==");
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;
    let mut future_list: Vec<Future<String>> = devices
        .iter()
        .map(|device| future::submit(&pool, ssh_conn, device.clone()))
        .collect();

    // Python's `wait(future_list)`. procspawn's own `pool.join()` looks like it, but it
    // waits for every worker to be idle, and a worker holding an untaken result never is:
    // here it would never return. `future::wait` takes each result as soon as it is ready,
    // so no worker sits on one, and the wait lasts as long as lesson 6's.
    future::wait(&mut future_list);

    for future in future_list {
        print_result(report, &future.result());
    }
    println!("Elapsed time: {}", timedelta(start_time.elapsed()));
    Ok(())
}

/// `ssh_procs_ascompleted_cm`: each result as soon as its device answers.
fn ssh_procs_ascompleted_cm(
    devices: &[Device],
    max_procs: usize,
    report: &Report,
) -> Result<(), String> {
    println!("== as_completed(): each result as soon as its device answers ==");
    let start_time = Instant::now();

    // `with ProcessPoolExecutor(max_procs) as pool:` is this block, and its last line is
    // what the end of Python's `with` does: `shutdown()` waits for the jobs (all done
    // here), then stops the workers. Just letting `pool` go out of scope is not the same:
    // procspawn's `Drop` for `Pool` kills the workers at once, jobs done or not; it does
    // not wait like Python's `with`.
    {
        let pool = process_pool(max_procs)?;
        let future_list: Vec<Future<String>> = devices
            .iter()
            .map(|device| future::submit(&pool, ssh_conn, device.clone()))
            .collect();

        for future in future::as_completed(future_list) {
            print_result(report, &future.result());
            report.println(timedelta(start_time.elapsed()));
        }
        pool.shutdown();
    }
    Ok(())
}

/// `ssh_procs_map`: results in the order of the list, each as soon as it is in.
fn ssh_procs_map(devices: &[Device], max_procs: usize, report: &Report) -> Result<(), String> {
    println!("== pool.map(ssh_conn, device_list) ==");
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;

    let results_generator = future::map(&pool, ssh_conn, devices.to_vec());
    for result in results_generator {
        print_result(report, &result);
        report.println(timedelta(start_time.elapsed()));
    }
    Ok(())
}

/// `ssh_procs_map2`: the job returns a struct, built in another process.
fn ssh_procs_map2(devices: &[Device], max_procs: usize, report: &Report) -> Result<(), String> {
    println!(
        "== pool.map(ssh_conn2, device_list), max_procs = {max_procs}: a struct per device =="
    );
    println!("(this process is pid {})", std::process::id());
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;

    for result in future::map(&pool, ssh_conn2, devices.to_vec()) {
        match report.count(&result) {
            Ok(facts) => report.println(format_args!("{facts:?}")),
            Err(error) => report.println(format_args!("Error: {error}")),
        }
        report.println(timedelta(start_time.elapsed()));
    }
    Ok(())
}

/// Exercise 6: `pool.map` over two lists, the devices and a command for each.
fn exercise6(devices: &[Device], max_procs: usize, report: &Report) -> Result<(), String> {
    println!("== pool.map(send_command, device_list, commands) ==");
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;

    let commands = devices
        .iter()
        .map(|device| shared::arp_command(device.device_type).to_string());
    // Python's map pairs the two lists itself; here `zip` pairs them, one job per pair.
    let dashes = "-".repeat(80);
    for result in future::map(&pool, send_command, devices.iter().cloned().zip(commands)) {
        match report.count(&result) {
            Ok(output) => report.println(format_args!("{dashes}\n{output}\n{dashes}")),
            Err(error) => report.println(format_args!("Error: {error}")),
        }
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Ours: what processes cost against threads, on the same devices.
fn cost(devices: &[Device], workers: usize, report: &Report) -> Result<(), String> {
    println!(
        "== the cost of processes against threads: ssh_conn on {} devices, {workers} workers ==",
        devices.len()
    );
    let (process_start, process_run) = time_process_pool(devices, workers, report)?;
    let (thread_start, thread_run) = time_thread_pool(devices, workers)?;

    let per_worker = |d: Duration| d.as_secs_f64() * 1000.0 / workers as f64;
    println!("              every device answered   start-up          per worker");
    for (pool, start, run) in [
        ("process pool", process_start, process_run),
        ("thread pool ", thread_start, thread_run),
    ] {
        let (run, per_worker, start) = (timedelta(run), per_worker(start), timedelta(start));
        println!("{pool}  {run}          {start}    {per_worker:.3} ms");
    }
    println!(
        "A process costs far more to start than a thread; waiting on the devices costs \
         the same either way."
    );
    Ok(())
}

/// How long a pool of processes takes to start (`Pool::new` returns once every worker
/// process is up), then to run `ssh_conn` on every device. These results are counted.
fn time_process_pool(
    devices: &[Device],
    workers: usize,
    report: &Report,
) -> Result<(Duration, Duration), String> {
    let start_time = Instant::now();
    let pool = process_pool(workers)?;
    let start = start_time.elapsed();
    for result in future::map(&pool, ssh_conn, devices.to_vec()) {
        if let Err(error) = report.count(&result) {
            report.println(format_args!("Error: {error}"));
        }
    }
    Ok((start, start_time.elapsed() - start))
}

/// The same with a pool of threads (rayon's, as in lesson 8), only timed. `broadcast` runs
/// a no-op on every thread, so the clock stops once all of them are really running.
fn time_thread_pool(devices: &[Device], workers: usize) -> Result<(Duration, Duration), String> {
    let start_time = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .map_err(|e| format!("cannot start a pool of {workers} threads: {e}"))?;
    pool.broadcast(|_| ());
    let start = start_time.elapsed();
    let _: Vec<_> = pool.install(|| devices.par_iter().map(shared::ssh_conn).collect());
    Ok((start, start_time.elapsed() - start))
}
