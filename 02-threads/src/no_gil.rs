//! No GIL (the notes' third complexity: Python's global interpreter lock lets one thread
//! of a process compute at a time, which hurts CPU-bound work and hardly matters for IO).
//!
//! Rust has no such lock. A CPU-bound job split over threads gets faster with the CPUs;
//! behind a fake "GIL" (a lock a thread must hold to compute) it does not. Then IO-bound
//! work: `ssh_conn` on every device, a thread each, overlaps the waiting.
//! Run only this part: `--part no_gil`. Look for: the split job "as fast" above 1x except
//! behind the fake GIL; the SSH sessions' times adding up to far more than the wall time.

use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use shared::cpu::{fastest_of, rounds_lasting};
use shared::{Device, Report, join};

use crate::measure::{count_primes_on_threads, what_the_cpu_rows_show};

pub fn run(devices: &[Device], report: &Report) {
    shared::print_header("No GIL: CPU-bound threads run in parallel");
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cpus.max(2);
    // The job (counting primes, from `shared::cpu`) is sized so that one thread needs about
    // 0.1 s here, optimised build or not.
    let rounds = rounds_lasting(Duration::from_millis(100)).next_multiple_of(threads);
    // A stand-in for Python's GIL: a thread must hold this lock to compute, so only one
    // computes at any instant, however many CPUs there are.
    let gil = Mutex::new(());
    let [one_thread, split, with_gil] = fastest_of(
        3,
        [
            &|| count_primes_on_threads(1, rounds, None),
            &|| count_primes_on_threads(threads, rounds, None),
            &|| count_primes_on_threads(threads, rounds, Some(&gil)),
        ],
    );

    println!("This machine has {cpus} CPUs.");
    let row = |label: String, time: Duration, note: String| {
        let line = format!("{label:<42} {:>6.2} s  {note}", time.as_secs_f64());
        println!("{}", line.trim_end());
    };
    let as_fast = |time: Duration| {
        let ratio = one_thread.as_secs_f64() / time.as_secs_f64();
        format!("{ratio:.1}x as fast")
    };
    row("count primes on 1 thread".into(), one_thread, String::new());
    row(
        format!("split over {threads} threads"),
        split,
        as_fast(split),
    );
    let label = format!("split over {threads} threads, behind a fake GIL");
    row(label, with_gil, as_fast(with_gil));
    println!(
        "{}",
        what_the_cpu_rows_show(one_thread, split, with_gil, cpus)
    );

    // IO-bound: each thread spends its time waiting for a device, not computing.
    let start_time = Instant::now();
    let sessions: Vec<(Duration, Result<String, shared::SshError>)> = thread::scope(|scope| {
        let threads: Vec<_> = devices
            .iter()
            .map(|a_device| {
                scope.spawn(move || {
                    let session_start = Instant::now();
                    let result = shared::ssh_conn(a_device);
                    (session_start.elapsed(), result)
                })
            })
            .collect();
        threads.into_iter().map(join).collect()
    });
    let wall = start_time.elapsed();
    println!();
    let mut answered = 0;
    for (a_device, (_, result)) in devices.iter().zip(&sessions) {
        match report.count(&a_device.name, result) {
            Ok(_) => answered += 1,
            Err(error) => report.println(format!("Error: {error}")),
        }
    }
    let times = sessions.iter().map(|(time, _)| *time);
    let slowest = times.clone().max().unwrap_or_default();
    let sum: Duration = times.sum();
    println!(
        "IO-bound: ssh_conn on {} devices, one thread each: {:.2} s in all ({answered} answered).",
        devices.len(),
        wall.as_secs_f64()
    );
    println!(
        "The slowest session took {:.2} s; the times of all sessions add up to {:.2} s:\n\
         they overlapped.",
        slowest.as_secs_f64(),
        sum.as_secs_f64()
    );
    println!(
        "A thread waiting on the network needs no CPU (Python releases its GIL while it \
         waits),\nso for SSH work the GIL matters little."
    );
}
