//! Deadlock (the notes' second complexity of threads: the locks that fix a race can leave
//! two threads each waiting for the other, for ever).
//!
//! Accounts A and B, each behind its own lock. Two threads move money in opposite
//! directions, each locking first the account the money leaves: each ends up holding one
//! lock and waiting for the other's. Then the fix, one global lock order.
//! Run only this part: `--part deadlock`. Look for: thread 2 reports the deadlock and gives
//! up (the run finishes instead of hanging); with the fixed order both transfers go through.
//! The accounts, a transfer's outcome and the patient lock are in `accounts.rs`.

use std::sync::{Barrier, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use shared::join;

use crate::accounts::{Account, Outcome, lock_within};

/// Which lock a transfer takes first.
#[derive(Debug, Clone, Copy)]
enum LockOrder {
    /// The account the money leaves, then the one it goes to: opposite transfers lock in
    /// opposite order.
    FromThenTo,
    /// One global order, whichever way the money goes: the account whose name sorts first.
    ByName,
}

pub fn run() {
    shared::print_header("Deadlock: two locks taken in opposite order");
    println!(
        "Accounts A and B, each behind its own Mutex. Thread 1 moves 10 from A to B,\n\
         thread 2 moves 10 from B to A. Each first locks the account the money leaves."
    );
    transfers_both_ways(LockOrder::FromThenTo);
    println!(
        "\nThe fix: one global lock order. Both threads lock A before B, whichever way \
         the money goes."
    );
    transfers_both_ways(LockOrder::ByName);
}

/// Runs the two opposite transfers at the same time and prints what happened.
fn transfers_both_ways(order: LockOrder) {
    let (a, b) = (Account::new("A", 100), Account::new("B", 100));
    // Both threads start at the same instant, so the unlucky timing happens on every run.
    let start_together = Barrier::new(2);
    // `lock()` would wait forever, and this lesson would hang as a deadlocked program does.
    // Waiting with a time limit lets us notice. Thread 2 is less patient than thread 1, so
    // it is always thread 2 that gives up first.
    let outcomes = thread::scope(|scope| {
        let one =
            scope.spawn(|| transfer(&a, &b, 10, order, &start_together, Duration::from_secs(2)));
        let two = scope.spawn(|| {
            let patience = Duration::from_millis(300);
            transfer(&b, &a, 10, order, &start_together, patience)
        });
        [join(one), join(two)]
    });
    for (n, outcome) in outcomes.iter().enumerate() {
        println!("thread {}: {outcome}", n + 1);
    }
    println!("balances afterwards: A {}, B {}", a.balance(), b.balance());
}

/// Moves `amount` from one account to the other, holding both locks while it does.
fn transfer(
    from: &Account,
    to: &Account,
    amount: i64,
    order: LockOrder,
    start_together: &Barrier,
    patience: Duration,
) -> Outcome {
    let (first, second) = match order {
        LockOrder::FromThenTo => (from, to),
        LockOrder::ByName if from.name < to.name => (from, to),
        LockOrder::ByName => (to, from),
    };
    start_together.wait();
    // Waiting for the first lock cannot deadlock here: whoever holds it needs no lock
    // that this thread holds. (A lock whose holder panicked is "poisoned"; the balance in
    // it is still whole, so go on with it.)
    let first_guard = first.balance.lock().unwrap_or_else(PoisonError::into_inner);
    // Some work while holding the first lock: long enough for the other thread to take
    // its own first lock meanwhile.
    thread::sleep(Duration::from_millis(50));
    let waiting_since = Instant::now();
    let second_guard = lock_within(&second.balance, patience);
    let waited = waiting_since.elapsed();
    let Some(second_guard) = second_guard else {
        return Outcome::GaveUp {
            held: first.name,
            wanted: second.name,
            waited,
        };
    };
    let (mut from_balance, mut to_balance) = if std::ptr::eq(first, from) {
        (first_guard, second_guard)
    } else {
        (second_guard, first_guard)
    };
    *from_balance -= amount;
    *to_balance += amount;
    Outcome::Done {
        first: first.name,
        second: second.name,
        waited,
    }
}
