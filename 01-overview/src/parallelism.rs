//! Parallelism (the notes: at a given instant more than one thing really executes, which
//! takes more than one CPU).
//!
//! A job that only computes (counting primes, from `shared::cpu`), first on one thread, then
//! split over threads pinned to ONE CPU, then split over all CPUs. Beside each wall time the
//! table shows the CPU time the job's threads got: CPU time over wall time is how many of
//! them ran at once. Run only this part: `--part parallelism`. Look for: the split job no
//! faster on one CPU, and faster on all of them.
//!
//! A machine busy with other programs can take the spare CPUs away: each row is the fastest
//! of several rounds, and when even that shows no speed-up the closing lines say the machine
//! was too busy, instead of concluding. About 170 lines (then its unit tests) for that reason.

use std::thread;
use std::time::{Duration, Instant};

use core_affinity::CoreId;
use shared::cpu::{one_round, rounds_lasting};

use crate::cpus;

/// One measurement of the job: how long it took, and the CPU time its threads got.
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Option<Duration>,
}

pub fn run() {
    shared::print_header("Parallelism: a computing job split over threads");
    let one_cpu = cpus::one_to_pin_to();
    cpus::print_machine(one_cpu);

    // The job is sized so that one thread needs about 0.1 s here, optimised build or not.
    let threads = cpus::count().max(2);
    let rounds = rounds_lasting(Duration::from_millis(100)).next_multiple_of(threads);
    let ways = [(1, None), (threads, one_cpu), (threads, None)];
    // Measure the three ways in turns and keep the fastest of each: other programs can only
    // make a run slower. Three turns do on a quiet machine; on a busy one, go on (for up to
    // 1.5 seconds) to catch a moment when the other CPUs are free.
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
    let [one_thread, split_one_cpu, split_all_cpus] = best;

    println!(
        "{:<24} {:>7}  {:<8} {:>9}  {:>9}",
        "job", "threads", "on", "time", "CPU time"
    );
    row("count primes", 1, "any CPU", one_thread, "");
    let as_fast = |run| format!("{:.1}x as fast", speed_up(one_thread, run));
    let split = "count primes, split";
    row(
        split,
        threads,
        "1 CPU",
        split_one_cpu,
        &as_fast(split_one_cpu),
    );
    row(
        split,
        threads,
        "all CPUs",
        split_all_cpus,
        &as_fast(split_all_cpus),
    );
    let speed_ups = (
        speed_up(one_thread, split_one_cpu),
        speed_up(one_thread, split_all_cpus),
    );
    let at_once = split_all_cpus
        .cpu
        .map(|cpu| cpu.as_secs_f64() / split_all_cpus.wall.as_secs_f64());
    println!(
        "\n{}",
        what_it_shows(speed_ups, at_once, cpus::count(), one_cpu.is_some())
    );
}

fn speed_up(one_thread: Run, run: Run) -> f64 {
    one_thread.wall.as_secs_f64() / run.wall.as_secs_f64()
}

fn row(job: &str, threads: usize, on: &str, run: Run, note: &str) {
    let seconds = |time: Duration| format!("{:.3} s", time.as_secs_f64());
    let cpu = run.cpu.map_or("-".to_string(), seconds);
    let line = format!(
        "{job:<24} {threads:>7}  {on:<8} {:>9}  {cpu:>9}  {note}",
        seconds(run.wall)
    );
    println!("{}", line.trim_end());
}

/// What the rows show, said from the measured speed-ups (`(on one CPU, on all CPUs)`) and
/// from how many threads of the split job ran at once on all CPUs (CPU time / wall time).
fn what_it_shows(speed_ups: (f64, f64), at_once: Option<f64>, cpus: usize, pinned: bool) -> String {
    let (on_one_cpu, on_all_cpus) = speed_ups;
    let mut lines = Vec::new();
    // Times measured on a machine that also runs other programs wobble a little: a
    // speed-up only counts when it is clearly one.
    if pinned && on_one_cpu < 1.33 {
        lines.push(
            "Computing does not overlap on one CPU: there the split job's threads took turns,\n\
             and it got no faster."
                .to_string(),
        );
    }
    if cpus < 2 {
        lines.push(
            "This machine has one CPU, so nothing can run in parallel on it: parallelism\n\
             needs more than one CPU."
                .to_string(),
        );
    } else if on_all_cpus > 1.25 {
        let how_many = at_once.map_or(String::new(), |n| {
            format!(": on average {n:.1} of its threads computed at once")
        });
        lines.push(format!(
            "On all CPUs the split job's threads ran at the same instant, and it got faster.\n\
             That is parallelism{how_many}."
        ));
    } else if let Some(n) = at_once.filter(|&n| n > 1.25) {
        lines.push(format!(
            "On all CPUs the split job's threads ran at the same instant ({n:.1} at once on\n\
             average), yet it got no faster: each computed slower, as threads on CPUs that share\n\
             one core do. This machine cannot show the speed-up."
        ));
    } else {
        let how_many = at_once.map_or(String::new(), |n| {
            format!("\n(on average {n:.1} of the split job's threads ran at once)")
        });
        lines.push(format!(
            "This run cannot show parallelism: other programs kept the other CPUs busy{how_many}.\n\
             Run `--part parallelism` again when the machine is quieter."
        ));
    }
    lines.join("\n")
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

#[cfg(test)]
mod tests {
    use super::what_it_shows;

    /// Clear speed-ups: both conclusions are drawn.
    #[test]
    fn a_quiet_machine_shows_both_points() {
        let text = what_it_shows((1.0, 1.9), Some(1.9), 2, true);
        assert!(
            text.contains("took turns") && text.contains("That is parallelism"),
            "{text}"
        );
    }

    /// Point 4 of issue 9: no speed-up on all CPUs because the threads got one CPU between
    /// them, and the lesson says the machine was busy instead of concluding.
    #[test]
    fn a_busy_machine_is_named_instead_of_a_conclusion() {
        let text = what_it_shows((1.0, 1.02), Some(1.01), 2, true);
        assert!(text.contains("cannot show parallelism"), "{text}");
        assert!(!text.contains("That is parallelism") && !text.contains("no faster either"));
        let text = what_it_shows((1.0, 1.02), None, 2, false);
        assert!(text.contains("cannot show parallelism") && !text.contains("took turns"));
    }

    /// One CPU: nothing to run in parallel on, said as such.
    #[test]
    fn one_cpu_says_parallelism_needs_more() {
        let text = what_it_shows((1.0, 1.0), Some(1.0), 1, false);
        assert!(
            text.contains("one CPU") && !text.contains("cannot show"),
            "{text}"
        );
    }
}
