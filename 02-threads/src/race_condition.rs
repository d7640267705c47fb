//! A race condition that safe Rust still allows (the notes' first complexity of threads:
//! the scheduler decides what runs when, not us).
//!
//! Rust refuses to compile two threads writing the same plain variable (a *data* race). It
//! cannot refuse a read followed by a separate write: another thread can slip in between,
//! and updates get lost. Fixed with one indivisible `fetch_add`, or with a `Mutex` held for
//! the whole read-modify-write.
//! Run only this part: `--part race_condition`. Look for: the lost-update count changes
//! from run to run; the two fixed counters always reach the expected total.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;

const THREADS: u64 = 4;
const INCREMENTS: u64 = 20_000;

pub fn run() {
    shared::print_header("A race condition: lost updates");
    let expected = THREADS * INCREMENTS;

    // Broken: read the counter, then write back one more. Each of the two steps is atomic
    // (safe Rust would not compile a plain `u64` written by several threads), but between
    // them another thread can read the same old value: both write the same new one, and one
    // increment is lost.
    let counter = AtomicU64::new(0);
    on_threads(|| {
        for _ in 0..INCREMENTS {
            let value = counter.load(Ordering::SeqCst);
            other_work();
            counter.store(value + 1, Ordering::SeqCst);
        }
    });
    let got = counter.into_inner();
    println!(
        "load, then store:  expected {expected}, got {got}: {} updates lost\n\
         (run it again: the number changes from run to run, as the threads' timing does)",
        expected - got
    );

    // Fix 1: one indivisible read-modify-write. No other thread can come in between.
    let counter = AtomicU64::new(0);
    on_threads(|| {
        for _ in 0..INCREMENTS {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    println!(
        "fetch_add:         expected {expected}, got {}",
        counter.into_inner()
    );

    // Fix 2: a Mutex held around the whole read-modify-write, with the same pause inside.
    // While one thread holds the lock, the others wait for it instead of reading. (A thread
    // that panicked holding the lock "poisons" it; these counters are still fine to use.)
    let counter = Mutex::new(0_u64);
    on_threads(|| {
        for _ in 0..INCREMENTS {
            let mut value = counter.lock().unwrap_or_else(PoisonError::into_inner);
            let read = *value;
            other_work();
            *value = read + 1;
        }
    });
    let got = counter.into_inner().unwrap_or_else(PoisonError::into_inner);
    println!("Mutex:             expected {expected}, got {got}");
}

/// A moment of other work between a read and the write that depends on it (in real code: a
/// log line, a lookup). The wider that gap, the likelier another thread reads the same old
/// value meanwhile: it makes the race show on every run.
fn other_work() {
    for _ in 0..20 {
        std::hint::spin_loop();
    }
}

/// Runs `work` on `THREADS` threads at once and waits for all of them.
fn on_threads(work: impl Fn() + Sync) {
    thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(&work);
        }
    });
}
