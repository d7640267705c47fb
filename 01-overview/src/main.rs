//! # Lesson 1: concurrency is not parallelism
//!
//! With no flags this lesson takes about 14 seconds, and most of that wait is the point:
//! part 1 serves nine devices one after another, which takes 11 seconds. Part 2 then adds
//! about 2 seconds (the slowest device) and a fraction of a second of computing.
//!
//! **Part 1** is the course's first exercise and the baseline every later lesson beats: for
//! each device in turn, connect, run `show version`, print the output between two lines of
//! dashes; at the end, `Finished in 11.27 seconds`. Nearly all of that time the program does
//! nothing at all: it waits for one device after another to answer.
//!
//! **Part 2** measures the distinction the lesson notes draw, and prints a table:
//! - *Concurrency* is several jobs in progress during the same stretch of time. One thread
//!   per device, all of them pinned to ONE CPU (with the `core_affinity` crate): a thread
//!   that waits on the network does not need the CPU, so while it waits the others use it.
//! - *Parallelism* is several jobs executing at the same instant, which takes more than one
//!   CPU. A CPU-bound job (counting primes) split over threads is no faster when those
//!   threads share one CPU; spread over all CPUs, it is.
//!
//! Run it:
//! ```text
//! cargo run --bin 01-overview
//! cargo run --bin 01-overview -- --part serial                # part 1 only (or concurrency, parallelism)
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
//! The closing lines compare the measured times and say which of the two cases you got.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use core_affinity::CoreId;
use shared::cpu::{fastest_of, one_round, rounds_lasting};
use shared::{Device, Report, SshError};

#[derive(Debug, Parser)]
#[command(about = "Lesson 1: the serial baseline, then concurrency against parallelism, measured")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    /// The parts to run, e.g. `serial` or `concurrency,parallelism` (default: all three)
    #[arg(long, value_enum, value_delimiter = ',')]
    part: Vec<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// Part 1: the course's serial script, one device after another
    Serial,
    /// Part 2: `show version` with one thread per device, all on one CPU
    Concurrency,
    /// Part 2: a CPU-bound job split over threads, on one CPU and on all of them
    Parallelism,
}

/// What part 1 measured, for part 2 to compare with.
#[derive(Debug)]
struct Serial {
    total: Duration,
    slowest_device: Duration,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let devices = &lab.devices;
    let run = |part| args.part.is_empty() || args.part.contains(&part);
    // One report for the whole run: a device that fails in both parts is one failed device.
    let report = Report::new(&lab);

    // ---- Part 1: the course's serial script --------------------------------------------
    let mut serial = None;
    if run(Part::Serial) {
        println!("Part 1: one device after another\n");
        let start_time = Instant::now();
        let mut slowest_device = Duration::ZERO;
        for device in devices {
            let device_start = Instant::now();
            match report.count(&shared::show_version(device)) {
                Ok(output) => report.println(format!("{DASHES}\n{output}\n{DASHES}")),
                Err(error) => report.println(format!("Error: {error}")),
            }
            slowest_device = slowest_device.max(device_start.elapsed());
        }
        let total = start_time.elapsed();
        println!("\nFinished in {:.2} seconds\n", total.as_secs_f64());
        serial = Some(Serial {
            total,
            slowest_device,
        });
    }

    // ---- Part 2: concurrency is not parallelism ----------------------------------------
    if run(Part::Concurrency) || run(Part::Parallelism) {
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

        let mut rows = Vec::new();
        let mut conclusions = Vec::new();
        if let Some(serial) = &serial {
            rows.push(row(
                "show version, one device after another",
                1,
                "any CPU",
                serial.total,
                String::new(),
            ));
        }

        if run(Part::Concurrency) {
            // Concurrency: the same SSH work, one thread per device, all squeezed onto one
            // CPU. (The lab's devices run inside this process too, on threads of their own
            // that stand in for remote routers: those are not pinned.)
            let start = Instant::now();
            let results = show_version_thread_per_device(devices, one_cpu);
            let fan_out = start.elapsed();
            let mut any_error = false;
            for result in &results {
                if let Err(error) = report.count(result) {
                    report.println(format!("Error: {error}"));
                    any_error = true;
                }
            }
            if any_error && !report.is_quiet() {
                println!();
            }
            let note = serial.as_ref().map_or(String::new(), |serial| {
                format!(
                    "slowest device alone: {:.3} s",
                    serial.slowest_device.as_secs_f64()
                )
            });
            rows.push(row(
                "show version, one thread per device",
                devices.len(),
                "1 CPU",
                fan_out,
                note,
            ));
            conclusions.push(what_the_fan_out_shows(
                fan_out,
                serial.as_ref(),
                one_cpu.is_some(),
            ));
        }

        if run(Part::Parallelism) {
            // Parallelism: a job that only computes. Its size is measured first, so that one
            // thread needs about 0.05 s on this machine whether the build is optimised or not.
            let threads = cpus.max(2);
            let rounds = rounds_lasting(Duration::from_millis(50)).next_multiple_of(threads);
            let [one_thread, split_one_cpu, split_all_cpus] = fastest_of(
                3,
                [
                    &|| count_primes_on_threads(1, rounds, None),
                    &|| count_primes_on_threads(threads, rounds, one_cpu),
                    &|| count_primes_on_threads(threads, rounds, None),
                ],
            );
            let speed_up = |time: Duration| one_thread.as_secs_f64() / time.as_secs_f64();
            let as_fast = |time: Duration| format!("{:.1}x as fast", speed_up(time));
            rows.push(row("count primes", 1, "any CPU", one_thread, String::new()));
            rows.push(row(
                "count primes, split",
                threads,
                "1 CPU",
                split_one_cpu,
                as_fast(split_one_cpu),
            ));
            rows.push(row(
                "count primes, split",
                threads,
                "all CPUs",
                split_all_cpus,
                as_fast(split_all_cpus),
            ));
            conclusions.push(what_the_split_job_shows(
                speed_up(split_one_cpu),
                speed_up(split_all_cpus),
                one_cpu.is_some(),
            ));
        }

        println!("{:<40} {:>7}  {:<8} {:>9}", "job", "threads", "on", "time");
        for row in rows {
            println!("{row}");
        }
        for conclusion in conclusions {
            println!("\n{conclusion}");
        }
    }

    drop(lab); // the in-process lab stops here, after the last device was used
    report.exit_code()
}

/// The line above and below each device's output in part 1.
const DASHES: &str =
    "--------------------------------------------------------------------------------";

/// One line of part 2's table.
fn row(job: &str, threads: usize, on: &str, time: Duration, note: String) -> String {
    let line = format!(
        "{job:<40} {threads:>7}  {on:<8} {:>7.3} s  {note}",
        time.as_secs_f64()
    );
    line.trim_end().to_string()
}

/// What the pinned fan-out shows, said from the measured times: a fixed sentence would be
/// wrong for some labs (a thousand devices with little latency are a different story).
fn what_the_fan_out_shows(fan_out: Duration, serial: Option<&Serial>, pinned: bool) -> String {
    let threads = if pinned {
        "The threads, sharing one CPU,"
    } else {
        "The threads"
    };
    let Some(serial) = serial else {
        return format!(
            "{threads} waited on their devices together. Run part 1\n\
             too (no --part) to compare that with the devices one after another."
        );
    };
    let seconds = |time: Duration| format!("{:.3} s", time.as_secs_f64());
    let (fan_out_s, slowest_s, serial_s) = (
        seconds(fan_out),
        seconds(serial.slowest_device),
        seconds(serial.total),
    );
    let times_slowest = fan_out.as_secs_f64() / serial.slowest_device.as_secs_f64();
    let times_sooner = serial.total.as_secs_f64() / fan_out.as_secs_f64();
    if times_slowest < 1.5 {
        format!(
            "Waiting overlaps. {threads} finished in about the time of the\n\
             slowest device ({fan_out_s} against {slowest_s}), not the sum ({serial_s}): a thread\n\
             that waits on the network needs no CPU. That is concurrency."
        )
    } else if times_sooner > 2.0 {
        format!(
            "Waiting overlaps, but this was not all waiting. {threads} finished\n\
             {times_sooner:.0}x sooner than one device after another ({fan_out_s} against {serial_s}), \
             yet took\n{times_slowest:.0}x the slowest device's time ({slowest_s}): with this little \
             to wait for, the\ncomputing in the SSH sessions (key exchange, encryption) is no longer \
             small next to\nthe waiting, and computing does not overlap on one CPU."
        )
    } else {
        format!(
            "Little overlapped. {threads} were only {times_sooner:.1}x as fast as one device\n\
             after another ({fan_out_s} against {serial_s}): these sessions are mostly computing \
             (key\nexchange, encryption), not waiting, and computing does not overlap on one CPU."
        )
    }
}

/// What the prime-counting rows show, said from the measured speed-ups.
fn what_the_split_job_shows(on_one_cpu: f64, on_all_cpus: f64, pinned: bool) -> String {
    // Times measured on a machine that also runs other programs wobble a little: a
    // speed-up only counts when it is clearly one.
    let mut lines = Vec::new();
    if pinned && on_one_cpu < 1.33 {
        lines.push(
            "Computing does not overlap on one CPU: there the split job's threads took turns,\n\
             and it got no faster.",
        );
    }
    if on_all_cpus > 1.25 {
        lines.push(
            "On all CPUs the split job's threads ran at the same instant, and it got faster.\n\
             That is parallelism.",
        );
    } else {
        lines.push(
            "On all CPUs the split job got no faster either: this machine has one CPU, or\n\
             other programs kept the others busy. Parallelism needs CPUs to spare.",
        );
    }
    lines.join("\n")
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

/// Runs `rounds` rounds of prime counting (`shared::cpu`) split evenly over `threads`
/// threads, each pinned to `cpu` when one is given, and returns how long that took.
fn count_primes_on_threads(threads: usize, rounds: usize, cpu: Option<CoreId>) -> Duration {
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(move || {
                pin_to(cpu);
                for _ in 0..rounds / threads {
                    one_round();
                }
            });
        }
    });
    start.elapsed()
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
