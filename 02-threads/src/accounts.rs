//! What `deadlock` needs besides its point, the lock order: two accounts behind their own
//! locks, what happened to a transfer, and a lock that gives up instead of hanging.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

/// A bank account behind its own lock: the classic setting for a deadlock.
#[derive(Debug)]
pub struct Account {
    pub name: &'static str,
    pub balance: Mutex<i64>,
}

impl Account {
    pub fn new(name: &'static str, balance: i64) -> Account {
        Account {
            name,
            balance: Mutex::new(balance),
        }
    }

    /// The balance once no thread holds the lock any more. (A lock whose holder panicked
    /// is "poisoned"; the balance in it is still whole.)
    pub fn balance(self) -> i64 {
        self.balance
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// What happened to one transfer.
#[derive(Debug)]
pub enum Outcome {
    Done {
        first: &'static str,
        second: &'static str,
        /// How long the second lock kept it waiting.
        waited: Duration,
    },
    GaveUp {
        held: &'static str,
        wanted: &'static str,
        waited: Duration,
    },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Done {
                first,
                second,
                waited,
            } if *waited > Duration::from_millis(100) => write!(
                f,
                "locked {first}, then waited {:.2} s for {second} (until thread 2 gave up), \
                 moved the money",
                waited.as_secs_f64()
            ),
            Outcome::Done { first, second, .. } => {
                write!(f, "locked {first}, then {second}, moved the money")
            }
            Outcome::GaveUp {
                held,
                wanted,
                waited,
            } => write!(
                f,
                "locked {held}, then waited {:.2} s for {wanted}: deadlock! It gives up and \
                 unlocks {held}.",
                waited.as_secs_f64()
            ),
        }
    }
}

/// Locks `mutex`, or gives up after `patience`: `try_lock` in a loop with a deadline.
pub fn lock_within<T>(mutex: &Mutex<T>, patience: Duration) -> Option<MutexGuard<'_, T>> {
    let deadline = Instant::now() + patience;
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}
