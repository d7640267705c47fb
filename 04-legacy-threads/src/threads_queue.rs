//! `threads_queue`: the fix the notes name for `threads_show_ver`'s stdout race.
//!
//! The same thread per device, but the workers print nothing: each sends its result
//! through a thread-safe queue to one printer, the main thread, which prints every block
//! whole, in the order the devices answered. New against `threads_show_ver`: the channel,
//! and a main thread that prints instead of joining first. `--part threads_queue` (or
//! `queue`). Look for nine clean blocks, nxos1 (the fastest) first, nxos2 last.

use std::thread;
use std::time::Instant;

use shared::{Device, HASHES, Report};

use crate::worker::{no_thread, panicked};

pub fn run(devices: &[Device], report: &Report) {
    shared::print_header(
        "threads_queue: threads send their results through a queue to one printer",
    );
    let start_time = Instant::now();

    // crossbeam's channel is the notes' thread-safe queue (Python's `queue.Queue`): any
    // number of threads may send into it, and the receiver gets each message whole, one
    // after the other.
    let (output_q, results) = crossbeam::channel::unbounded();

    thread::scope(|scope| {
        let mut threads = Vec::new();
        for a_device in devices {
            let my_output_q = output_q.clone();
            let my_thread = thread::Builder::new()
                .name(a_device.name.clone())
                .spawn_scoped(scope, move || {
                    let result = shared::show_version(a_device);
                    // A failed send means the printer is gone; there is nobody left to tell.
                    let _ = my_output_q.send((a_device.name.as_str(), result));
                });
            match my_thread {
                Ok(my_thread) => threads.push(my_thread),
                // Out of threads (e.g. a limit on their number): this device fails, the
                // others go on.
                Err(e) => {
                    let _ = output_q.send((a_device.name.as_str(), Err(no_thread(a_device, e))));
                }
            }
        }
        // Our own sender must go too: the loop below ends once every sender is dropped,
        // that is, once the last worker has finished.
        drop(output_q);

        // The main thread is the one printer (the notes' first option; the second, a
        // printer thread of its own, is this same loop moved into a thread). Nobody else
        // prints, so each block comes out whole, in the order the devices answered.
        for (device, result) in results {
            match report.count(device, &result) {
                Ok(output) => report.println(format_args!("{HASHES}\n{output}\n{HASHES}")),
                Err(e) => report.println(format_args!("Error: {e}")),
            }
        }

        // Every worker has sent its result by now, unless it panicked (a bug) on the way.
        for some_thread in threads {
            let name = some_thread.thread().name().unwrap_or("?").to_string();
            if some_thread.join().is_err() {
                report.print_result(&name, &Err::<String, _>(panicked(&name)));
            }
        }
    });

    println!();
    shared::print_elapsed(start_time);
}
