//! Python's `wait(future_list)` prints nothing until the last job is done: seconds of
//! silence on a slow lab, minutes on a big one. The wait parts say now and then how far
//! the wait got, on a line of its own, so that no stretch of a run is silent.

use std::time::{Duration, Instant};

/// How long a wait goes before it says how far it got (and between two such lines).
pub const NOTE_EVERY: Duration = Duration::from_secs(2);

/// The lines of one wait: `(wait: 5 of 9 done)`.
#[derive(Debug)]
pub struct Waiting {
    of: usize,
    last: Instant,
}

impl Waiting {
    /// A wait for `of` jobs, starting now.
    pub fn new(of: usize) -> Waiting {
        Waiting {
            of,
            last: Instant::now(),
        }
    }

    /// `done` jobs are done: says so if the last line (or the start) is [`NOTE_EVERY`] ago.
    pub fn note(&mut self, done: usize) {
        if self.last.elapsed() >= NOTE_EVERY {
            println!("(wait: {done} of {} done)", self.of);
            self.last = Instant::now();
        }
    }
}
