//! The measuring behind `no_gil`: the split job on threads, and what its rows show.

use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use shared::cpu::one_round;

/// Runs `rounds` rounds of prime counting split evenly over `threads` threads, and returns
/// how long that took. With a `gil`, a thread holds it for each round it computes.
pub fn count_primes_on_threads(threads: usize, rounds: usize, gil: Option<&Mutex<()>>) -> Duration {
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(move || {
                for _ in 0..rounds / threads {
                    let _held = gil.map(|gil| gil.lock().unwrap_or_else(PoisonError::into_inner));
                    one_round();
                }
            });
        }
    });
    start.elapsed()
}

/// The sentence under the three rows, chosen from what they measured: a machine busy with
/// other programs can take the spare CPUs away, and then the rows show nothing.
pub fn what_the_cpu_rows_show(
    one_thread: Duration,
    split: Duration,
    with_gil: Duration,
    cpus: usize,
) -> &'static str {
    let as_fast = |time: Duration| one_thread.as_secs_f64() / time.as_secs_f64();
    if cpus < 2 {
        "This machine has one CPU: no threads can compute at the same instant on it, GIL or not."
    } else if as_fast(split) < 1.25 {
        "This run cannot show the difference: other programs kept the other CPUs busy.\n\
         Run `--part no_gil` again when the machine is quieter."
    } else if as_fast(with_gil) < 1.25 {
        "Split over threads the job got faster: they computed at the same instant. Behind\n\
         the fake GIL it did not, as in Python."
    } else {
        "Split over threads the job got faster: they computed at the same instant."
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_speed_up_and_none_behind_the_gil_is_the_point() {
        let text = what_the_cpu_rows_show(ms(100), ms(52), ms(101), 2);
        assert!(
            text.contains("got faster") && text.contains("fake GIL"),
            "{text}"
        );
    }

    /// No speed-up on two CPUs: the machine was busy, said instead of a conclusion.
    #[test]
    fn a_busy_machine_is_named_instead_of_a_conclusion() {
        let text = what_the_cpu_rows_show(ms(100), ms(98), ms(101), 2);
        assert!(text.contains("cannot show the difference"), "{text}");
        assert!(!text.contains("got faster"), "{text}");
    }

    #[test]
    fn one_cpu_says_so() {
        let text = what_the_cpu_rows_show(ms(100), ms(100), ms(100), 1);
        assert!(text.contains("one CPU"), "{text}");
    }
}
