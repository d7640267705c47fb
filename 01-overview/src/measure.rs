//! How the two measuring parts take their figures: the prime-counting job on threads (each
//! pinned or not), the CPU time a thread got, and the lines that say what the rows show.

use std::thread;
use std::time::{Duration, Instant};

use core_affinity::CoreId;
use shared::cpu::one_round;

use crate::cpus;

/// What `ex1_serial` measured, for the concurrency part to compare with.
#[derive(Debug)]
pub struct Serial {
    pub total: Duration,
    pub slowest_device: Duration,
}

/// One measurement of the job: how long it took, and the CPU time its threads got.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub wall: Duration,
    pub cpu: Option<Duration>,
}

/// Measures each way (`(threads, pinned to)`) in turns and keeps the fastest of each: other
/// programs can only make a run slower. Three turns do on a quiet machine; on a busy one, go
/// on (for up to 1.5 seconds) to catch a moment when the other CPUs are free.
pub fn fastest_turns(ways: [(usize, Option<CoreId>); 3], rounds: usize) -> [Run; 3] {
    let started = Instant::now();
    let mut best = ways.map(|(threads, cpu)| count_primes_on_threads(threads, rounds, cpu));
    for turn in 1.. {
        let clear = cpus::count() < 2 || speed_up(best[0], best[2]) >= 1.5;
        if turn >= 3 && (clear || started.elapsed() > Duration::from_millis(1500)) {
            break;
        }
        for (best, (threads, cpu)) in best.iter_mut().zip(ways) {
            let run = count_primes_on_threads(threads, rounds, cpu);
            if run.wall < best.wall {
                *best = run;
            }
        }
    }
    best
}

pub fn speed_up(one_thread: Run, run: Run) -> f64 {
    one_thread.wall.as_secs_f64() / run.wall.as_secs_f64()
}

/// Runs `rounds` rounds of prime counting split evenly over `threads` threads, each pinned
/// to `cpu` when one is given: how long that took, and the CPU time the threads got.
fn count_primes_on_threads(threads: usize, rounds: usize, cpu: Option<CoreId>) -> Run {
    let start = Instant::now();
    let cpu_times: Vec<Option<Duration>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    cpus::pin_to(cpu);
                    for _ in 0..rounds / threads {
                        one_round();
                    }
                    this_thread_cpu_time()
                })
            })
            .collect();
        handles.into_iter().map(shared::join).collect()
    });
    let wall = start.elapsed();
    Run {
        wall,
        cpu: cpu_times.into_iter().sum(),
    }
}

/// How long the calling thread has run on a CPU. Rust's std has no CPU clock (Python has
/// `time.thread_time()`); Linux tells it in /proc, in nanoseconds. Elsewhere: `None`.
fn this_thread_cpu_time() -> Option<Duration> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// How long this whole process (every thread of it) has run on a CPU: the user and system
/// times Linux keeps in /proc, in ticks of 1/100 s. Elsewhere: `None`.
pub fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the program's name (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}
