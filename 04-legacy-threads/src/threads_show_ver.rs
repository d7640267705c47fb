//! `threads_show_ver`: a thread per device, and every thread prints its own result.
//!
//! Each worker prints a line of 80 `#`, its device's `show version`, and 80 `#` again; the
//! main thread joins the workers one by one, then prints the elapsed time. Nine threads
//! write to one terminal and nobody decides who goes first: lines of different devices end
//! up mixed. `--part threads_show_ver`; the fix is the next part, `threads_queue`. The start
//! gate and the line-by-line printer are not in the Python script: they make the race show
//! on every run instead of once in a while.

use std::thread;
use std::time::Instant;

use shared::start_gate::StartGate;
use shared::{Device, HASHES, Report, SshError};

use crate::worker::{no_thread, panicked};

pub fn run(devices: &[Device], report: &Report) {
    shared::print_header("threads_show_ver: every thread prints its own result (the stdout race)");
    let start_time = Instant::now();

    // Each worker waits here, output in hand, until the others have theirs (half a second
    // at most after the last one came: a hung device holds nobody back); then they start
    // printing together. In a real lab that happens whenever devices answer close
    // together; here it happens on every run, so the race is there to see.
    let all_answered = StartGate::new(devices.len());

    // Python's threads may use any variable of the script. Rust lets a thread borrow
    // `report`, the devices and the gate only inside `thread::scope`, which ends after
    // its last thread has: nothing a thread borrows can go away while it runs.
    thread::scope(|scope| {
        let mut threads = Vec::new();
        for a_device in devices {
            // `threading.Thread(target=show_version, args=(a_device,))` + `start()`.
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
                // Out of threads: this device fails, the others go on (the gate does not wait
                // for it beyond its half second).
                Err(e) => {
                    report.print_result(&a_device.name, &Err::<String, _>(no_thread(a_device, e)))
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
                    report.count(&name, &result);
                }
                Err(_) => report.print_result(&name, &Err::<String, _>(panicked(&name))),
            }
        }
    });

    println!();
    shared::print_elapsed(start_time);
}

/// How a worker prints. `println!` takes the lock on stdout for one call only: a line is
/// never cut in half, but nothing holds the lock from one line to the next, so between two
/// lines of this block any other thread may print its own.
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
