//! # Lesson 1: concurrency is not parallelism
//!
//! **Part 1** is the course's first exercise and the baseline every later lesson beats: for
//! each device in turn, connect, run `show version`, print the output between two lines of
//! dashes; at the end, `Finished in 11.27 seconds`. Nearly all of that time the program does
//! nothing at all: it waits for one device after another to answer.
//!
//! **Part 2** measures the distinction the lesson notes draw, and prints a table:
//! - *Concurrency* is several jobs in progress during the same stretch of time. One thread
//!   per device, all of them pinned to ONE CPU (with the `core_affinity` crate), still
//!   finishes in about the time of the slowest device, not the sum: a thread that waits on
//!   the network does not need the CPU, so the others use it meanwhile.
//! - *Parallelism* is several jobs executing at the same instant, which takes more than one
//!   CPU. A CPU-bound job (counting primes) split over threads is no faster when those
//!   threads share one CPU; spread over all CPUs, it is.
//!
//! Run it:
//! ```text
//! cargo run --bin 01-overview
//! cargo run --bin 01-overview -- --fault srx2=auth-fail       # one device fails, the rest go on
//! cargo run --bin 01-overview -- --devices 100 --latency 20ms # a bigger, faster lab
//! cargo run --bin 01-overview -- --inventory my-devices.yaml  # your own devices
//! ```
//! What to look for: `Finished in` is about the sum of every device's time; the
//! thread-per-device row is close to the slowest device alone although it had a single CPU;
//! the prime-counting rows only get faster when their threads get more than one CPU.
//! Then try `--devices 1000 --latency 10ms`: with little to wait for, the computing in a
//! thousand SSH handshakes (key exchange, encryption) adds up, and on one CPU it takes
//! longer than the waiting: the thread-per-device row grows well past the slowest device.

use std::hint::black_box;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use core_affinity::CoreId;
use shared::{Device, SshError, Tally};

#[derive(Debug, Parser)]
#[command(about = "Lesson 1: the serial baseline, then concurrency against parallelism, measured")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let devices = &lab.devices;

    // ---- Part 1: the course's serial script --------------------------------------------
    println!("Part 1: one device after another\n");
    let start_time = Instant::now();
    let mut tally = Tally::new();
    let mut slowest_device = Duration::ZERO;
    for device in devices {
        let device_start = Instant::now();
        match tally.count(&shared::show_version(device)) {
            Ok(output) => {
                println!("{}", "-".repeat(80));
                println!("{output}");
                println!("{}", "-".repeat(80));
            }
            Err(error) => println!("Error: {error}"),
        }
        slowest_device = slowest_device.max(device_start.elapsed());
    }
    let serial = start_time.elapsed();
    println!("\nFinished in {:.2} seconds\n", serial.as_secs_f64());

    // ---- Part 2: concurrency is not parallelism ----------------------------------------
    println!("Part 2: concurrency is not parallelism\n");
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let one_cpu = one_cpu_to_pin_to();
    println!("This machine has {cpus} CPUs.");
    match one_cpu {
        Some(cpu) => println!(
            "On the \"1 CPU\" rows every thread of the job is pinned to CPU {},\n\
             so only one of them can run at any instant.\n",
            cpu.id
        ),
        None => println!(
            "This system does not let a program pin its threads to a CPU, so the\n\
             \"1 CPU\" rows below ran on every CPU.\n"
        ),
    }

    // Concurrency: the same SSH work, one thread per device, all squeezed onto one CPU.
    // (The lab's devices run inside this process too, on threads of their own that stand
    // in for remote routers: those are not pinned.)
    let start = Instant::now();
    let results = show_version_thread_per_device(devices, one_cpu);
    let fan_out = start.elapsed();
    let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    for error in &errors {
        println!("Error: {error}");
    }
    if !errors.is_empty() {
        println!();
    }

    // Parallelism: a job that only computes. Its size is measured first, so that one thread
    // needs about 0.2 s on this machine whether the build is optimised or not.
    let threads = cpus.max(2);
    let rounds = rounds_lasting(Duration::from_millis(200)).next_multiple_of(threads);
    let [one_thread, split_one_cpu, split_all_cpus] = fastest_of_5([
        &|| count_primes_on_threads(1, rounds, None),
        &|| count_primes_on_threads(threads, rounds, one_cpu),
        &|| count_primes_on_threads(threads, rounds, None),
    ]);

    let speed_up = |time: Duration| one_thread.as_secs_f64() / time.as_secs_f64();
    println!("{:<40} {:>7}  {:<8} {:>8}", "job", "threads", "on", "time");
    let row = |job: &str, threads: usize, on: &str, time: Duration, note: String| {
        println!(
            "{}",
            format!(
                "{job:<40} {threads:>7}  {on:<8} {:>6.2} s  {note}",
                time.as_secs_f64()
            )
            .trim_end()
        );
    };
    row(
        "show version, one device after another",
        1,
        "any CPU",
        serial,
        String::new(),
    );
    row(
        "show version, one thread per device",
        devices.len(),
        "1 CPU",
        fan_out,
        format!(
            "slowest device alone: {:.2} s",
            slowest_device.as_secs_f64()
        ),
    );
    row("count primes", 1, "any CPU", one_thread, String::new());
    row(
        "count primes, split",
        threads,
        "1 CPU",
        split_one_cpu,
        format!(
            "{:.1}x as fast: the threads take turns",
            speed_up(split_one_cpu)
        ),
    );
    row(
        "count primes, split",
        threads,
        "all CPUs",
        split_all_cpus,
        format!(
            "{:.1}x as fast: the threads run at once",
            speed_up(split_all_cpus)
        ),
    );
    println!(
        "\nWaiting overlaps: threads that wait on devices finish together, in about the time\n\
         of the slowest device, even on one CPU. That is concurrency.\n\
         Computing does not overlap on one CPU: the split job only gets faster when its\n\
         threads get CPUs of their own. That is parallelism."
    );

    drop(lab); // the in-process lab stops here, after the last device was used
    tally.exit_code()
}

/// `show version` on every device at once: one thread per device, each pinned to `cpu`
/// when one is given. Results come back in the order of `devices`.
fn show_version_thread_per_device(
    devices: &[Device],
    cpu: Option<CoreId>,
) -> Vec<Result<String, SshError>> {
    // `thread::scope` lets the threads borrow `devices`; it joins them all before returning.
    thread::scope(|scope| {
        let workers: Vec<_> = devices
            .iter()
            .map(|device| {
                scope.spawn(move || {
                    pin_to(cpu);
                    shared::show_version(device)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Runs `rounds` rounds of prime counting split evenly over `threads` threads, each pinned
/// to `cpu` when one is given, and returns how long that took.
fn count_primes_on_threads(threads: usize, rounds: usize, cpu: Option<CoreId>) -> Duration {
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(move || {
                pin_to(cpu);
                for _ in 0..rounds / threads {
                    black_box(count_primes(black_box(PRIMES_BELOW)));
                }
            });
        }
    });
    start.elapsed()
}

/// One round of the CPU-bound job counts the primes below this number.
const PRIMES_BELOW: u32 = 20_000;

/// Counts primes by trial division: pure computing, nothing to wait for.
fn count_primes(below: u32) -> usize {
    (2..below)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count()
}

/// How many rounds of `count_primes` one thread does in about `target` on this machine.
fn rounds_lasting(target: Duration) -> usize {
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < Duration::from_millis(50) {
        black_box(count_primes(black_box(PRIMES_BELOW)));
        rounds += 1;
    }
    let per_round = start.elapsed().as_secs_f64() / rounds as f64;
    (target.as_secs_f64() / per_round).ceil() as usize
}

/// Runs each measurement five times, taking turns, and keeps the fastest time of each: a
/// machine busy with other work can only make a run slower, never faster.
fn fastest_of_5<const N: usize>(runs: [&dyn Fn() -> Duration; N]) -> [Duration; N] {
    let mut fastest = [Duration::MAX; N];
    for _ in 0..5 {
        for (best, run) in fastest.iter_mut().zip(runs) {
            *best = (*best).min(run());
        }
    }
    fastest
}

/// Pins the calling thread to `cpu`: from then on the OS runs it on that CPU only.
fn pin_to(cpu: Option<CoreId>) {
    if let Some(cpu) = cpu {
        core_affinity::set_for_current(cpu);
    }
}

/// The first CPU this process may use, if the OS really pins threads to it. Linux does;
/// elsewhere pinning may be refused or be only a hint, so try it on a throw-away thread.
fn one_cpu_to_pin_to() -> Option<CoreId> {
    let cpu = core_affinity::get_core_ids()?.first().copied()?;
    let pinned = thread::spawn(move || {
        core_affinity::set_for_current(cpu)
            && core_affinity::get_core_ids().is_some_and(|allowed| allowed.len() == 1)
    })
    .join()
    .unwrap_or(false);
    pinned.then_some(cpu)
}
