//! A CPU-bound job for the lessons that compare computing with waiting (01 and 02): counting
//! primes needs the CPU all the time, where an SSH session mostly waits on the network.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// One round of the job counts the primes below this number.
pub const PRIMES_BELOW: u32 = 20_000;

/// Counts primes by trial division: pure computing, nothing to wait for.
pub fn count_primes(below: u32) -> usize {
    (2..below)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count()
}

/// One round of the job, kept from being optimised away.
pub fn one_round() {
    black_box(count_primes(black_box(PRIMES_BELOW)));
}

/// How many rounds one thread does in about `target` on this machine (and in this build:
/// a debug build computes several times slower than a release build).
pub fn rounds_lasting(target: Duration) -> usize {
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < Duration::from_millis(50) {
        one_round();
        rounds += 1;
    }
    let per_round = start.elapsed().as_secs_f64() / rounds as f64;
    (target.as_secs_f64() / per_round).ceil() as usize
}

/// Runs each measurement `times` times, taking turns, and keeps the fastest time of each: a
/// machine busy with other work can only make a run slower, never faster.
pub fn fastest_of<const N: usize>(times: usize, runs: [&dyn Fn() -> Duration; N]) -> [Duration; N] {
    let mut fastest = [Duration::MAX; N];
    for _ in 0..times {
        for (best, run) in fastest.iter_mut().zip(runs) {
            *best = (*best).min(run());
        }
    }
    fastest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_primes() {
        assert_eq!(count_primes(20), 8);
        assert_eq!(count_primes(PRIMES_BELOW), 2262);
    }

    #[test]
    fn keeps_the_fastest_run_of_each() {
        let calls = std::cell::Cell::new(0u64);
        let slower_each_time = || {
            calls.set(calls.get() + 1);
            Duration::from_millis(calls.get())
        };
        let constant = || Duration::from_millis(7);
        let [a, b] = fastest_of(3, [&slower_each_time, &constant]);
        assert_eq!((a, b), (Duration::from_millis(1), Duration::from_millis(7)));
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn sizes_rounds_to_a_target() {
        assert!(rounds_lasting(Duration::from_millis(100)) >= 1);
    }
}
