//! Pass data, don't share it (the notes' answer to sharing data between threads: no shared
//! variable, a thread-safe queue from the workers to one reader).
//!
//! A thread per device runs `ssh_conn` and puts `(name, result)` on the queue; the main
//! thread takes them off and prints them. No thread touches another's data.
//! Run only this part: `--part queue`. Look for: the prompts come in the order the devices
//! answered (in the course lab nxos1 first and nxos2 last), not the order of the list; the
//! closing line says how many prompts and how many errors came back.

use std::thread;
use std::time::Instant;

use shared::{Device, Report};

pub fn run(devices: &[Device], report: &Report) {
    shared::print_header("Passing data between threads: a queue");
    let start_time = Instant::now();
    // Python's thread-safe `queue.Queue` is a channel here: any number of senders, one
    // receiver, and the data moves from one thread to the other (no shared variable).
    let (sender, receiver) = crossbeam::channel::unbounded();
    let (mut prompts, mut errors) = (0, 0);
    thread::scope(|scope| {
        for a_device in devices {
            let sender = sender.clone();
            scope.spawn(move || {
                let result = shared::ssh_conn(a_device);
                // Sending fails only if the receiver is gone, and then nobody wants the result.
                let _ = sender.send((a_device.name.as_str(), result));
            });
        }
        // The loop below ends once every sender is gone: the workers' clones when they
        // finish, and this original one now.
        drop(sender);
        for (name, result) in receiver {
            match report.count(name, &result) {
                Ok(prompt) => {
                    prompts += 1;
                    report.println(format!("{name}: {prompt}"));
                }
                Err(error) => {
                    errors += 1;
                    report.println(format!("Error: {error}"));
                }
            }
        }
    });
    println!(
        "{} and {} received for {} devices, in the order the devices answered.",
        how_many(prompts, "prompt"),
        how_many(errors, "error"),
        devices.len()
    );
    // Only this part's SSH work is timed, as the course's scripts time theirs: the parts
    // before it have no counterpart in a Python script to compare with.
    shared::print_elapsed(start_time);
}

/// `1 prompt`, `8 prompts`, `0 errors`.
fn how_many(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}
