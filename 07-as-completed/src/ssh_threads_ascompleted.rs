//! `ssh_threads_ascompleted`: submit every device, then print each result as soon as its
//! job is done (`as_completed`), each followed by the time elapsed so far.
//!
//! New against lesson 6's `ssh_threads_wait`: no waiting for all; the fastest device is
//! printed first. `--part ssh_threads_ascompleted` (or `ascompleted`). What to look for: the
//! elapsed time grows after every result, and the order is not the list's: at four workers
//! cisco3, first in the list, is not the first result (cisco4 is), and nxos1, eighth in the
//! list, comes fifth. A quiet run prints the elapsed time once, at the end.

use std::time::Instant;

use crossbeam::channel;
use shared::{Device, Report, ssh_conn, timedelta};

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("as_completed(future_list): each result as soon as its device answers");
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);

    // Rust has no `as_completed`; its counterpart is a channel. Every job sends its device's
    // name and result on it when it is done, and the loop below receives them as they come.
    let (sender, completed) = channel::unbounded();
    for a_device in device_list {
        // `pool.submit(ssh_conn, a_device)`. Nothing waits for the jobs before this function
        // returns (there is no `with` block yet), so each job owns a copy of its device.
        // The course's `ssh_conn` here never disconnects; `shared::ssh_conn` does, which
        // changes nothing that is printed.
        let a_device = a_device.clone();
        let sender = sender.clone();
        pool.spawn_fifo(move || {
            // Fails only if nobody receives any more: then nobody wants the answer.
            let _ = sender.send((a_device.name.clone(), ssh_conn(&a_device)));
        });
    }
    // Only the jobs hold senders now, so the channel closes when the last job is done.
    drop(sender);

    // `for future in as_completed(future_list):`, then `future.result()`.
    for (device_name, result) in completed {
        report.print_result(&device_name, &result);
        report.println(timedelta(start_time.elapsed()));
    }
    report.elapsed_if_quiet(start_time);
    // The script never shuts its pool down; `pool` is dropped here, its threads idle by now.
}
