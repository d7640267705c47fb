//! # Lesson 2: threads
//!
//! The lesson notes' points about threads, each shown by running code, in five numbered
//! sections that build on each other:
//!
//! 1. **Many threads, one process.** Every thread reports the same process id and its own
//!    thread id: one process, one memory space, several threads of execution.
//! 2. **A race condition that safe Rust still allows.** Rust refuses to compile two threads
//!    writing the same plain variable (a *data* race). It cannot refuse a read followed by a
//!    separate write: another thread can slip in between, and updates get lost. Fixed with one
//!    indivisible `fetch_add`, or with a `Mutex` held for the whole read-modify-write.
//! 3. **Deadlock.** Two threads take the same two locks in opposite order, and each waits
//!    forever for the lock the other holds. Here they wait with a time limit instead, so the
//!    lesson notices the deadlock rather than hanging; then the fix: one global lock order.
//! 4. **No GIL.** Python's global interpreter lock lets one thread compute at a time. Rust
//!    has none: CPU-bound threads really run in parallel (measured, also with a fake "GIL"
//!    for comparison). For SSH work that waits on devices it hardly matters.
//! 5. **Pass data, don't share it.** Worker threads send `(device, prompt)` through a
//!    thread-safe queue (a crossbeam channel); the main thread receives and prints.
//!
//! Run it:
//! ```text
//! cargo run --bin 02-threads
//! cargo run --bin 02-threads -- --section 2                  # only section 2 (or 1,3 ...)
//! cargo run --bin 02-threads -- --fault srx2=auth-fail       # one device fails, the rest go on
//! cargo run --bin 02-threads -- --devices 200 --latency 200ms
//! cargo run --bin 02-threads -- --inventory my-devices.yaml  # your own devices
//! ```
//! What to look for: the lost-update count changes from run to run (a race depends on
//! timing), the fixed counters never do; section 3 reports the deadlock and finishes; in
//! section 4 the split job is faster than one thread except under the fake GIL.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, MutexGuard, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use shared::cpu::{fastest_of, one_round, rounds_lasting};
use shared::{Device, Report};

#[derive(Debug, Parser)]
#[command(about = "Lesson 2: threads: one process, race conditions, deadlock, no GIL, channels")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    /// The sections to run, e.g. `2` or `4,5` (default: all five)
    #[arg(long, value_name = "N", value_delimiter = ',',
          value_parser = clap::value_parser!(u8).range(1..=5))]
    section: Vec<u8>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let run = |section| args.section.is_empty() || args.section.contains(&section);
    // Sections 4 and 5 talk to the devices: one report counts each device once for both.
    let report = Report::new(&lab);

    if run(1) {
        many_threads_one_process();
    }
    if run(2) {
        lost_updates();
    }
    if run(3) {
        deadlock();
    }
    if run(4) {
        no_gil(&lab.devices, &report);
    }
    if run(5) {
        pass_data_through_a_channel(&lab.devices, &report);
    }

    drop(lab); // the in-process lab stops here, after the last device was used
    report.exit_code()
}

// ---- 1) Many threads, one process ---------------------------------------------------------

fn many_threads_one_process() {
    println!("1) Many threads, one process\n");
    let pid = std::process::id();
    println!("   main thread: pid {pid}, {:?}", thread::current().id());

    // Each thread only reports who it is. `ThreadId` is Rust's own number for a thread, given
    // out in the order threads are created and never given to another thread, even after
    // this one ends. Python's `threading.get_ident()` is close, but Python may hand an
    // ended thread's ident to a new thread. `thread::scope` joins them all before it returns.
    let reports: Vec<(u32, thread::ThreadId)> = thread::scope(|scope| {
        let threads: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| (std::process::id(), thread::current().id())))
            .collect();
        threads.into_iter().map(join).collect()
    });
    for (n, (thread_pid, id)) in reports.iter().enumerate() {
        println!("   thread {}: pid {thread_pid}, {id:?}", n + 1);
    }
    println!(
        "   (Thread ids count up as threads are created; numbers skipped here went to threads\n   \
         started earlier, such as the in-process lab's.)"
    );
    let same_pid = reports.iter().all(|(thread_pid, _)| *thread_pid == pid);
    let ids: HashSet<_> = reports.iter().map(|(_, id)| *id).collect();
    println!(
        "   {} threads, {} process id, {} different thread ids:\n   \
         they all live in one process and share its memory.\n",
        reports.len(),
        if same_pid { "one" } else { "more than one" },
        ids.len(),
    );
}

// ---- 2) A race condition that safe Rust still allows --------------------------------------

const THREADS: u64 = 4;
const INCREMENTS: u64 = 20_000;

fn lost_updates() {
    println!("2) A race condition: lost updates\n");
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
        "   load, then store:  expected {expected}, got {got}: {} updates lost\n   \
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
        "   fetch_add:         expected {expected}, got {}",
        counter.into_inner()
    );

    // Fix 2: a Mutex held around the whole read-modify-write, with the same pause inside.
    // While one thread holds the lock, the others wait for it instead of reading.
    let counter = Mutex::new(0_u64);
    on_threads(|| {
        for _ in 0..INCREMENTS {
            let mut value = lock(&counter);
            let read = *value;
            other_work();
            *value = read + 1;
        }
    });
    let got = *lock(&counter);
    println!("   Mutex:             expected {expected}, got {got}\n");
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

// ---- 3) Deadlock ---------------------------------------------------------------------------

/// A bank account behind its own lock: the classic setting for a deadlock.
#[derive(Debug)]
struct Account {
    name: &'static str,
    balance: Mutex<i64>,
}

/// Which lock a transfer takes first.
#[derive(Debug, Clone, Copy)]
enum LockOrder {
    /// The account the money leaves, then the one it goes to: opposite transfers lock in
    /// opposite order.
    FromThenTo,
    /// One global order, whichever way the money goes: the account whose name sorts first.
    ByName,
}

/// What happened to one transfer.
#[derive(Debug)]
enum Outcome {
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

fn deadlock() {
    println!("3) Deadlock: two locks taken in opposite order\n");
    println!(
        "   Accounts A and B, each behind its own Mutex. Thread 1 moves 10 from A to B,\n   \
         thread 2 moves 10 from B to A. Each first locks the account the money leaves."
    );
    transfers_both_ways(LockOrder::FromThenTo);
    println!(
        "\n   The fix: one global lock order. Both threads lock A before B, whichever way \
         the money goes."
    );
    transfers_both_ways(LockOrder::ByName);
    println!();
}

/// Runs the two opposite transfers at the same time and prints what happened.
fn transfers_both_ways(order: LockOrder) {
    let a = Account {
        name: "A",
        balance: Mutex::new(100),
    };
    let b = Account {
        name: "B",
        balance: Mutex::new(100),
    };
    // Both threads start at the same instant, so the unlucky timing happens on every run.
    let start_together = Barrier::new(2);
    // `lock()` would wait forever, and this lesson would hang as a deadlocked program does.
    // Waiting with a time limit lets us notice. Thread 2 is less patient than thread 1, so
    // it is always thread 2 that gives up first.
    let outcomes = thread::scope(|scope| {
        let one =
            scope.spawn(|| transfer(&a, &b, 10, order, &start_together, Duration::from_secs(2)));
        let two = scope.spawn(|| {
            transfer(
                &b,
                &a,
                10,
                order,
                &start_together,
                Duration::from_millis(300),
            )
        });
        [join(one), join(two)]
    });
    for (n, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Outcome::Done {
                first,
                second,
                waited,
            } if *waited > Duration::from_millis(100) => println!(
                "   thread {}: locked {first}, then waited {:.2} s for {second} (until thread 2 \
                 gave up), moved the money",
                n + 1,
                waited.as_secs_f64()
            ),
            Outcome::Done { first, second, .. } => {
                println!(
                    "   thread {}: locked {first}, then {second}, moved the money",
                    n + 1
                )
            }
            Outcome::GaveUp {
                held,
                wanted,
                waited,
            } => println!(
                "   thread {}: locked {held}, then waited {:.2} s for {wanted}: deadlock! \
                 It gives up and unlocks {held}.",
                n + 1,
                waited.as_secs_f64()
            ),
        }
    }
    println!(
        "   balances afterwards: A {}, B {}",
        lock(&a.balance),
        lock(&b.balance)
    );
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
    // that this thread holds.
    let first_guard = lock(&first.balance);
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

/// Locks `mutex`, or gives up after `patience`: `try_lock` in a loop with a deadline.
fn lock_within<T>(mutex: &Mutex<T>, patience: Duration) -> Option<MutexGuard<'_, T>> {
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

// ---- 4) No GIL -----------------------------------------------------------------------------

fn no_gil(devices: &[Device], report: &Report) {
    println!("4) No GIL: CPU-bound threads run in parallel\n");
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

    println!("   This machine has {cpus} CPUs.");
    let row = |label: String, time: Duration, note: String| {
        let line = format!("   {label:<42} {:>6.2} s  {note}", time.as_secs_f64());
        println!("{}", line.trim_end());
    };
    let as_fast = |time: Duration| {
        format!(
            "{:.1}x as fast",
            one_thread.as_secs_f64() / time.as_secs_f64()
        )
    };
    row("count primes on 1 thread".into(), one_thread, String::new());
    row(
        format!("split over {threads} threads"),
        split,
        as_fast(split),
    );
    row(
        format!("split over {threads} threads, behind a fake GIL"),
        with_gil,
        as_fast(with_gil),
    );

    // IO-bound: each thread spends its time waiting for a device, not computing.
    let start = Instant::now();
    let sessions: Vec<(Duration, _)> = thread::scope(|scope| {
        let threads: Vec<_> = devices
            .iter()
            .map(|device| {
                scope.spawn(move || {
                    let session_start = Instant::now();
                    let result = shared::ssh_conn(device);
                    (session_start.elapsed(), result)
                })
            })
            .collect();
        threads.into_iter().map(join).collect()
    });
    let wall = start.elapsed();
    println!();
    let mut answered = 0;
    for (_, result) in &sessions {
        match report.count(result) {
            Ok(_) => answered += 1,
            Err(error) => report.println(format!("   Error: {error}")),
        }
    }
    let slowest = sessions
        .iter()
        .map(|(time, _)| *time)
        .max()
        .unwrap_or_default();
    let sum: Duration = sessions.iter().map(|(time, _)| *time).sum();
    println!(
        "   IO-bound: ssh_conn on {} devices, one thread each: {:.2} s in all \
         ({answered} answered).",
        devices.len(),
        wall.as_secs_f64()
    );
    println!(
        "   The slowest session took {:.2} s; the times of all sessions add up to {:.2} s:\n   \
         they overlapped.",
        slowest.as_secs_f64(),
        sum.as_secs_f64()
    );
    println!(
        "   A thread waiting on the network needs no CPU (Python releases its GIL while it \
         waits),\n   so for SSH work the GIL matters little.\n"
    );
}

/// Runs `rounds` rounds of prime counting split evenly over `threads` threads, and returns
/// how long that took. With a `gil`, a thread holds it for each round it computes.
fn count_primes_on_threads(threads: usize, rounds: usize, gil: Option<&Mutex<()>>) -> Duration {
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(move || {
                for _ in 0..rounds / threads {
                    let _held = gil.map(lock);
                    one_round();
                }
            });
        }
    });
    start.elapsed()
}

// ---- 5) Pass data through a channel --------------------------------------------------------

fn pass_data_through_a_channel(devices: &[Device], report: &Report) {
    println!("5) Passing data between threads: a channel\n");
    let start_time = Instant::now();
    // Python's thread-safe `queue.Queue` is a channel here: any number of senders, one
    // receiver, and the data moves from one thread to the other (no shared variable).
    let (sender, receiver) = crossbeam::channel::unbounded();
    let mut answered = HashSet::new();
    thread::scope(|scope| {
        for device in devices {
            let sender = sender.clone();
            scope.spawn(move || {
                let result = shared::ssh_conn(device);
                // Sending fails only if the receiver is gone, and then nobody wants the result.
                let _ = sender.send((device.name.clone(), result));
            });
        }
        // The loop below ends once every sender is gone: the workers' clones when they
        // finish, and this original one now.
        drop(sender);
        for (name, result) in receiver {
            match report.count(&result) {
                Ok(prompt) => report.println(format!("   {name}: {prompt}")),
                Err(error) => report.println(format!("   Error: {error}")),
            }
            answered.insert(name);
        }
    });
    println!(
        "   {} results received for {} devices, in the order the devices answered.",
        answered.len(),
        devices.len()
    );
    // Only this section's SSH work is timed, as the course's scripts time theirs: the
    // sections before it have no counterpart in a Python script to compare with.
    println!(
        "   Elapsed time: {}",
        shared::timedelta(start_time.elapsed())
    );
}

// ---- helpers -------------------------------------------------------------------------------

/// Waits for a thread and hands back its result; a panic in the thread goes on here.
fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Locks a mutex. A thread that panicked while holding it leaves the data as it was; that is
/// fine for these counters, so go on with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
