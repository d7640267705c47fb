//! # Lesson 9: the same scripts with a pool of processes
//!
//! The course ends its `concurrent.futures` section by changing two words in the scripts of
//! lessons 6 to 8: `ThreadPoolExecutor` becomes `ProcessPoolExecutor`, and every job now
//! runs in a process of its own instead of a thread. This lesson does the same with
//! procspawn's [`Pool`]: `Pool::new(n)` starts `n` worker processes once, and
//! `pool.spawn(device, ssh_conn)` hands a job to whichever is free, like `pool.submit()`.
//! What changes against the thread versions is small, and all of it is about the process
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
//! What to look for: the same orders and nearly the same times as lessons 6 to 8; the
//! pids in map2's results, none of them ours; and in `cost`, that a process takes far
//! longer to start than a thread while the devices take just as long to answer either way.
//! For network automation, which mostly waits on devices, threads or processes make little
//! difference: the course's author says he saw none in practice.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use procspawn::{JoinHandle, Pool, SpawnError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use shared::{Connection, Device, DeviceType, SshError, Tally, timedelta};

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

/// The exercise's job: connect, run one command, return its output. Python's
/// `pool.map(send_command, devices, commands)` calls it with one element of each list; a
/// procspawn job takes one argument, so the pair travels as a tuple.
fn send_command((device, command): (Device, String)) -> Result<String, SshError> {
    let mut connection = Connection::connect(&device)?;
    let output = connection.send_command(&command)?;
    connection.disconnect();
    Ok(output)
}

// ---------------------------------------------------------------------------------------
// A future on top of procspawn's JoinHandle
// ---------------------------------------------------------------------------------------

/// What `pool.submit()` returns in this lesson: procspawn's `JoinHandle` for the job.
///
/// Python's `future.done()` has no direct counterpart: the handle only has `join()` (wait
/// and take the result, Python's `future.result()`) and `join_timeout()`. A
/// `join_timeout(0)` is a "finished yet?" that does not wait; when the answer is yes it
/// hands over the result right away, so the future keeps it for `result()`.
///
/// One procspawn habit to know: a worker hands its result over only when someone takes it
/// (`join`), and it starts no new job before that. Take results as they come (as
/// `as_completed` does below) or in order (as `map` does); never wait on the pool itself.
struct Future<T> {
    device: String,
    handle: JoinHandle<Result<T, SshError>>,
    outcome: Option<Result<T, String>>,
}

/// `pool.submit(job, device)`.
fn submit<T>(pool: &Pool, device: &Device, job: fn(Device) -> Result<T, SshError>) -> Future<T>
where
    T: Serialize + DeserializeOwned + Send + 'static,
{
    Future {
        device: device.name.clone(),
        handle: pool.spawn(device.clone(), job),
        outcome: None,
    }
}

impl<T: Serialize + DeserializeOwned> Future<T> {
    /// Python's `future.done()`.
    fn done(&mut self) -> bool {
        if self.outcome.is_none() {
            match self.handle.join_timeout(Duration::ZERO) {
                Err(e) if e.is_timeout() => return false,
                joined => self.outcome = Some(outcome(&self.device, joined)),
            }
        }
        true
    }

    /// Python's `future.result()`: waits for the job if it is not done yet.
    fn result(self) -> Result<T, String> {
        match self.outcome {
            Some(outcome) => outcome,
            None => outcome(&self.device, self.handle.join()),
        }
    }
}

/// One `Result` out of what a join gives. Python raises a job's exception inside
/// `result()`; here the job returned an `Err` like any other value, and the worker process
/// itself failing (killed, crashed) is a second kind of error. Both name the device.
fn outcome<T>(device: &str, joined: Result<Result<T, SshError>, SpawnError>) -> Result<T, String> {
    match joined {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(e) => Err(format!("{device}: its worker process failed: {e}")),
    }
}

/// `ProcessPoolExecutor(workers)`. `Pool::new` returns once every worker process has
/// started and reported for work.
fn process_pool(workers: usize) -> Result<Pool, String> {
    Pool::new(workers).map_err(|e| format!("cannot start a pool of {workers} processes: {e}"))
}

/// Prints one result the way lessons 6 to 8 do, and counts it.
fn print_result(tally: &mut Tally, result: &Result<String, String>) {
    match tally.count(result) {
        Ok(prompt) => println!("Result: {prompt}"),
        Err(error) => println!("Error: {error}"),
    }
}

fn main() -> ExitCode {
    // First line, always: a worker process runs `main` from the top, and `init()` is where
    // it becomes a worker and never returns. Anything above it would run in every worker.
    procspawn::init();

    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let devices = &lab.devices;

    let variants = if args.variant.is_empty() {
        vec![Variant::AsCompleted, Variant::Map2, Variant::Cost]
    } else {
        args.variant
    };
    // Every variant talks to the same devices: the summary counts each device once, from
    // the last variant run.
    let mut tally = Tally::new();
    for (i, variant) in variants.into_iter().enumerate() {
        if i > 0 {
            println!();
        }
        let run = match variant {
            Variant::Simple => simple(devices, args.pool.or(MAX_PROCS)),
            Variant::Wait => wait(devices, args.pool.or(MAX_PROCS)),
            Variant::AsCompleted => as_completed(devices, args.pool.or(MAX_PROCS)),
            Variant::Map => map(devices, args.pool.or(MAX_PROCS)),
            Variant::Map2 => map2(devices, args.pool.or(MAP2_PROCS)),
            Variant::Exercise => exercise(devices, args.pool.or(MAX_PROCS)),
            Variant::Cost => cost(devices, args.pool.or(MAP2_PROCS)),
        };
        match run {
            Ok(run_tally) => tally = run_tally,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    drop(lab);
    tally.exit_code()
}

// ---------------------------------------------------------------------------------------
// ssh_procs_simple
// ---------------------------------------------------------------------------------------

fn simple(devices: &[Device], max_procs: usize) -> Result<Tally, String> {
    println!("== submit() one device, ask done(), then result() ==");
    let mut tally = Tally::new();
    let Some(first) = devices.first() else {
        return Ok(tally);
    };
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;
    let mut future = submit(&pool, first, ssh_conn);

    println!("{}", future.done());
    // The course sleeps 5 seconds; we look every 10 ms and go on as soon as it is done
    // (the device's own timeout bounds the wait).
    let deadline = Instant::now() + Duration::from_secs_f64(first.timeout);
    while !future.done() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    println!("{}", future.done());

    print_result(&mut tally, &future.result());
    println!("Elapsed time: {}", timedelta(start_time.elapsed()));
    Ok(tally)
}

// ---------------------------------------------------------------------------------------
// ssh_procs_wait
// ---------------------------------------------------------------------------------------

fn wait(devices: &[Device], max_procs: usize) -> Result<Tally, String> {
    println!("== submit() every device, wait() for all, then each result() ==");
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;
    let future_list: Vec<Future<String>> = devices
        .iter()
        .map(|device| submit(&pool, device, ssh_conn))
        .collect();

    // Python's `wait(future_list)`. procspawn's `pool.join()` looks like it, but it waits
    // for the pool to be idle, and a worker stays busy until its result has been taken
    // (handed over by `join()`): called here, it would never return. Taking each result
    // in turn waits for all of them just the same.
    let results: Vec<Result<String, String>> =
        future_list.into_iter().map(Future::result).collect();

    let mut tally = Tally::new();
    for result in &results {
        print_result(&mut tally, result);
    }
    println!("Elapsed time: {}", timedelta(start_time.elapsed()));
    Ok(tally)
}

// ---------------------------------------------------------------------------------------
// ssh_procs_ascompleted and ssh_procs_ascompleted_cm
// ---------------------------------------------------------------------------------------

fn as_completed(devices: &[Device], max_procs: usize) -> Result<Tally, String> {
    println!("== as_completed(): each result as soon as its device answers ==");
    let start_time = Instant::now();
    let mut tally = Tally::new();

    // `with ProcessPoolExecutor(max_procs) as pool:` is this block: the pool lives until
    // its closing brace, where Rust drops it and its worker processes are stopped.
    {
        let pool = process_pool(max_procs)?;
        let mut future_list: Vec<Future<String>> = devices
            .iter()
            .map(|device| submit(&pool, device, ssh_conn))
            .collect();

        // `for future in as_completed(future_list):`. procspawn has no `as_completed`: we
        // ask every pending future `done()` (which never waits) and take the first one
        // that is, then look again after a short nap when none is.
        while !future_list.is_empty() {
            match future_list.iter_mut().position(Future::done) {
                Some(i) => {
                    let future = future_list.remove(i);
                    print_result(&mut tally, &future.result());
                    println!("{}", timedelta(start_time.elapsed()));
                }
                None => thread::sleep(Duration::from_millis(5)),
            }
        }
        // `shutdown()` is what the end of Python's `with` block calls: wait for the jobs
        // (all done here), then stop the workers. Dropping the pool would stop them too.
        pool.shutdown();
    }
    Ok(tally)
}

// ---------------------------------------------------------------------------------------
// ssh_procs_map
// ---------------------------------------------------------------------------------------

fn map(devices: &[Device], max_procs: usize) -> Result<Tally, String> {
    println!("== pool.map(ssh_conn, device_list) ==");
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;
    let mut tally = Tally::new();

    // procspawn's pool has no `map`: submitting every device and taking the results in
    // the order of the list is what Python's `map` does inside. Each result is printed as
    // soon as it and all the ones before it are in, as with Python's map.
    let results_generator = devices.iter().map(|device| submit(&pool, device, ssh_conn));
    let future_list: Vec<Future<String>> = results_generator.collect();
    for future in future_list {
        print_result(&mut tally, &future.result());
        println!("{}", timedelta(start_time.elapsed()));
    }
    Ok(tally)
}

// ---------------------------------------------------------------------------------------
// ssh_procs_map2
// ---------------------------------------------------------------------------------------

fn map2(devices: &[Device], max_procs: usize) -> Result<Tally, String> {
    println!(
        "== pool.map(ssh_conn2, device_list), max_procs = {max_procs}: a struct per device =="
    );
    println!("(this process is pid {})", std::process::id());
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;
    let mut tally = Tally::new();

    let future_list: Vec<Future<DeviceFacts>> = devices
        .iter()
        .map(|device| submit(&pool, device, ssh_conn2))
        .collect();
    for future in future_list {
        match tally.count(&future.result()) {
            Ok(facts) => println!("{facts:?}"),
            Err(error) => println!("Error: {error}"),
        }
        println!("{}", timedelta(start_time.elapsed()));
    }
    Ok(tally)
}

// ---------------------------------------------------------------------------------------
// Exercise 6: map over two lists
// ---------------------------------------------------------------------------------------

fn exercise(devices: &[Device], max_procs: usize) -> Result<Tally, String> {
    println!("== pool.map(send_command, device_list, commands) ==");
    let start_time = Instant::now();
    let pool = process_pool(max_procs)?;
    let mut tally = Tally::new();

    let commands: Vec<String> = devices
        .iter()
        .map(|device| match device.device_type {
            DeviceType::JuniperJunos => "show arp".to_string(),
            _ => "show ip arp".to_string(),
        })
        .collect();
    // Python's map pairs the two lists itself; here `zip` pairs them and each pair is one
    // job's argument.
    let handles: Vec<_> = devices
        .iter()
        .zip(commands)
        .map(|(device, command)| {
            (
                device.name.clone(),
                pool.spawn((device.clone(), command), send_command),
            )
        })
        .collect();

    let dashes = "-".repeat(80);
    for (device, handle) in handles {
        println!("{dashes}");
        match tally.count(&outcome(&device, handle.join())) {
            Ok(output) => println!("{output}"),
            Err(error) => println!("Error: {error}"),
        }
        println!("{dashes}");
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
    Ok(tally)
}

// ---------------------------------------------------------------------------------------
// What processes cost against threads
// ---------------------------------------------------------------------------------------

fn cost(devices: &[Device], workers: usize) -> Result<Tally, String> {
    println!(
        "== the cost of processes against threads: ssh_conn on {} devices, {workers} workers ==",
        devices.len()
    );
    let mut tally = Tally::new();

    // A pool of processes: `Pool::new` returns once every worker process is up.
    let start_time = Instant::now();
    let pool = process_pool(workers)?;
    let process_start = start_time.elapsed();
    let start_time = Instant::now();
    let future_list: Vec<Future<String>> = devices
        .iter()
        .map(|device| submit(&pool, device, ssh_conn))
        .collect();
    for future in future_list {
        if let Err(error) = tally.count(&future.result()) {
            println!("Error: {error}");
        }
    }
    let process_run = start_time.elapsed();
    drop(pool);

    // The same with a pool of threads (lesson 8's rayon pool). `broadcast` runs a no-op on
    // every thread, so the clock stops once all of them are really running.
    let start_time = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .map_err(|e| format!("cannot start a pool of {workers} threads: {e}"))?;
    pool.broadcast(|_| ());
    let thread_start = start_time.elapsed();
    let start_time = Instant::now();
    let _results: Vec<Result<String, SshError>> =
        pool.install(|| devices.par_iter().map(shared::ssh_conn).collect());
    let thread_run = start_time.elapsed();

    let per_worker = |d: Duration| d.as_secs_f64() * 1000.0 / workers as f64;
    println!("              every device answered   start-up          per worker");
    println!(
        "process pool  {}          {}    {:.3} ms",
        timedelta(process_run),
        timedelta(process_start),
        per_worker(process_start)
    );
    println!(
        "thread pool   {}          {}    {:.3} ms",
        timedelta(thread_run),
        timedelta(thread_start),
        per_worker(thread_start)
    );
    println!(
        "A process costs far more to start than a thread; waiting on the devices costs \
         the same either way."
    );
    Ok(tally)
}
