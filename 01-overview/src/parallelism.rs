//! Parallelism (the notes: at a given instant more than one thing really executes, which
//! takes more than one CPU).
//!
//! A job that only computes (counting primes, from `shared::cpu`), first on one thread, then
//! split over threads pinned to ONE CPU, then split over all CPUs. Beside each wall time the
//! table shows the CPU time the job's threads got: CPU time over wall time is how many of
//! them ran at once. Run only this part: `--part parallelism`. Look for: the split job no
//! faster on one CPU, and faster on all of them. A machine busy with other programs can take
//! the spare CPUs away: the closing lines then say so instead of concluding (`measure.rs`
//! takes the times and chooses those lines).

use std::time::Duration;

use shared::cpu::rounds_lasting;

use crate::measure::{self, Run};
use crate::{cpus, findings};

pub fn run() {
    shared::print_header("Parallelism: a computing job split over threads");
    let one_cpu = cpus::one_to_pin_to();
    cpus::print_machine(one_cpu);

    // The job is sized so that one thread needs about 0.1 s here, optimised build or not.
    let threads = cpus::count().max(2);
    let rounds = rounds_lasting(Duration::from_millis(100)).next_multiple_of(threads);
    let ways = [(1, None), (threads, one_cpu), (threads, None)];
    let best = measure::fastest_turns(ways, rounds);
    let [one_thread, split_one_cpu, split_all_cpus] = best;

    println!(
        "{:<24} {:>7}  {:<8} {:>9}  {:>9}",
        "job", "threads", "on", "time", "CPU time"
    );
    row("count primes", 1, "any CPU", one_thread, "");
    let as_fast = |run| format!("{:.1}x as fast", measure::speed_up(one_thread, run));
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
        measure::speed_up(one_thread, split_one_cpu),
        measure::speed_up(one_thread, split_all_cpus),
    );
    let at_once = split_all_cpus
        .cpu
        .map(|cpu| cpu.as_secs_f64() / split_all_cpus.wall.as_secs_f64());
    println!(
        "\n{}",
        findings::parallelism(speed_ups, at_once, cpus::count(), one_cpu.is_some())
    );
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
