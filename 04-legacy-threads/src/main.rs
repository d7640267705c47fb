//! # Lesson 04: one thread per device, and who gets to print
//!
//! A port of the course's legacy `threads_show_ver` script: every device gets a thread of
//! its own running `show version`, and the main thread waits for all of them. The devices
//! are talked to at the same time, so the run takes about as long as the slowest device,
//! not the sum of all of them (compare with lesson 01's serial `Finished in`).
//!
//! The lesson runs in two phases:
//!
//! 1. **The stdout race.** As in the course, every worker prints its own result: a line of
//!    80 `#`, the output, 80 `#` again. Nine threads write to one terminal and nobody decides
//!    who goes first, so lines of different devices end up mixed together. Run it twice: the
//!    mix is different each time.
//! 2. **The fix the notes name.** The workers print nothing. Each sends its result through a
//!    thread-safe queue (a crossbeam channel) to one printer, the main thread, which prints
//!    every block whole, in the order the devices answered.
//!
//! Python's `threading.Thread(target=show_version, args=(a_device,))` + `start()` is
//! `thread::Builder::new().name(..).spawn_scoped(..)` here, and `join()` is `join()`.
//!
//! Run it:
//!
//! ```text
//! cargo run --bin 04-legacy-threads                      # both phases, the race first
//! cargo run --bin 04-legacy-threads -- --phase racy      # only the race
//! cargo run --bin 04-legacy-threads -- --phase queue     # only the fix
//! cargo run --bin 04-legacy-threads -- --fault srx2=auth-fail
//! cargo run --bin 04-legacy-threads -- --devices 50 --latency 1s
//! cargo run --bin 04-legacy-threads -- --devices 10000 --latency 1s --phase queue
//! cargo run --bin 04-legacy-threads -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: in phase 1, a `#` line or a `show version` line of one device right in
//! the middle of another device's block, and the main thread's own `joining thread ...` lines
//! anywhere in between; in phase 2, nine clean blocks. Both phases end with an
//! `Elapsed time` close to the slowest device's time. Past 100 devices the blocks give way to
//! a progress bar, the failed devices and a count (`-v` prints everything).

use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use shared::{Device, Report, SshError};

#[derive(Debug, Parser)]
#[command(about = "Lesson 4: a thread per device, the stdout race, then a queue to one printer")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    /// Run one phase only (default: both, the race first)
    #[arg(long, value_enum)]
    phase: Option<Phase>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Phase {
    /// Every worker prints its own result: the course's script and its stdout race
    Racy,
    /// Workers send their results through a channel to one printer: the fix
    Queue,
}

/// The line printed above and below each device's output.
const HASHES: &str =
    "################################################################################";

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    // One report for the whole run: a device that fails in both phases is one failed device.
    let report = Report::new(&lab);

    if args.phase != Some(Phase::Queue) {
        racy(&lab.devices, &report);
    }
    if args.phase.is_none() {
        println!();
    }
    if args.phase != Some(Phase::Racy) {
        queue(&lab.devices, &report);
    }
    drop(lab);
    report.exit_code()
}

/// Phase 1, the course's script as it was: every worker prints for itself.
fn racy(devices: &[Device], report: &Report) {
    println!("=== Phase 1: every thread prints its own result (the stdout race) ===\n");
    let start_time = Instant::now();

    // Each worker waits here, output in hand, until every worker has its own; then they
    // all start printing at the same instant. In a real lab that happens whenever devices
    // answer close together; here it happens on every run, so the race is there to see.
    let all_answered = Barrier::new(devices.len());

    // Python's threads may use any variable of the script. Rust lets a thread borrow
    // `report`, the devices and the barrier only inside `thread::scope`, which ends after
    // its last thread has: nothing a thread borrows can go away while it runs.
    thread::scope(|scope| {
        let mut threads = Vec::new();
        for a_device in devices {
            let my_thread = thread::Builder::new()
                .name(a_device.name.clone())
                .spawn_scoped(scope, || {
                    let result = shared::show_version(a_device);
                    all_answered.wait();
                    print_line_by_line(report, &result);
                    result.map(drop)
                });
            match my_thread {
                Ok(my_thread) => threads.push(my_thread),
                Err(e) => {
                    // The threads already started would wait at the barrier for this one
                    // forever.
                    eprintln!("error: cannot start a thread for {}: {e}", a_device.name);
                    std::process::exit(1);
                }
            }
        }

        // Python walks `threading.enumerate()`, skips itself and joins every other thread.
        // Rust keeps no list of running threads: we kept the handles ourselves, and the
        // name given with `thread::Builder::name` says which worker each one is.
        for some_thread in threads {
            let name = some_thread.thread().name().unwrap_or("?").to_string();
            report.println(format_args!("joining thread {name}"));
            match some_thread.join() {
                // The worker printed its own error line; `count` prints it in a quiet run.
                Ok(result) => {
                    report.count(&result);
                }
                Err(_) => report_panic(report, &name),
            }
        }
    });

    println!(
        "\nElapsed time: {}",
        shared::timedelta(start_time.elapsed())
    );
}

/// How a worker prints in phase 1. `println!` takes the lock on stdout for one call only:
/// a line is never cut in half, but nothing holds the lock from one line to the next, so
/// between two lines of this block any other thread may print its own.
fn print_line_by_line(report: &Report, result: &Result<String, SshError>) {
    match result {
        Ok(output) => {
            report.println(HASHES);
            for line in output.lines() {
                // Hand the CPU to another thread after every line. The scheduler may do this
                // at any moment anyway; doing it here makes the race show on every run
                // instead of once in a while.
                thread::yield_now();
                report.println(line);
            }
            thread::yield_now();
            report.println(HASHES);
        }
        Err(e) => report.println(format_args!("Error: {e}")),
    }
}

/// Phase 2, the fix: workers send, one printer prints.
fn queue(devices: &[Device], report: &Report) {
    println!("=== Phase 2: threads send their results through a queue to one printer ===\n");
    let start_time = Instant::now();

    // crossbeam's channel is the thread-safe queue of the notes: any number of threads
    // may send into it, and the receiver gets each message whole, one after the other.
    let (results_tx, results_rx) = crossbeam::channel::unbounded();

    thread::scope(|scope| {
        let mut threads = Vec::new();
        for a_device in devices {
            let my_results_tx = results_tx.clone();
            let my_thread = thread::Builder::new()
                .name(a_device.name.clone())
                .spawn_scoped(scope, move || {
                    // A failed send means the printer is gone; there is nobody left to tell.
                    let _ = my_results_tx.send(shared::show_version(a_device));
                });
            match my_thread {
                Ok(my_thread) => threads.push(my_thread),
                // Out of threads (e.g. a limit on their number): this device fails, the
                // others go on.
                Err(e) => {
                    let no_thread = failed(&a_device.name, format!("no thread for it: {e}"));
                    let _ = results_tx.send(Err(no_thread));
                }
            }
        }
        // Our own sender must go too: the loop below ends once every sender is dropped,
        // that is, once the last worker has finished.
        drop(results_tx);

        // The main thread is the one printer (the notes' first option; the second, a
        // printer thread of its own, is this same loop moved into a thread). Nobody else
        // prints, so each block comes out whole, in the order the devices answered.
        for result in results_rx {
            match report.count(&result) {
                Ok(output) => report.println(format_args!("{HASHES}\n{output}\n{HASHES}")),
                Err(e) => report.println(format_args!("Error: {e}")),
            }
        }

        // Every worker has sent its result by now, unless it panicked (a bug) on the way.
        for some_thread in threads {
            let name = some_thread.thread().name().unwrap_or("?").to_string();
            if some_thread.join().is_err() {
                report_panic(report, &name);
            }
        }
    });

    println!(
        "\nElapsed time: {}",
        shared::timedelta(start_time.elapsed())
    );
}

/// A device whose `show version` did not run to its end for a reason of ours.
fn failed(device: &str, why: impl Into<String>) -> SshError {
    SshError::CommandFailed {
        device: device.to_string(),
        command: "show version".to_string(),
        message: why.into(),
    }
}

/// A worker thread that panicked (a bug of ours, not a device problem) fails its device.
fn report_panic(report: &Report, device: &str) {
    let result = Err::<(), _>(failed(device, "its worker thread panicked"));
    if let Err(e) = report.count(&result) {
        report.println(format_args!("Error: {e}"));
    }
}
