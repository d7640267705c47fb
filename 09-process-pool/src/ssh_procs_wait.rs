//! `ssh_procs_wait`: lesson 6's `ssh_threads_wait` on a pool of processes. Every device is
//! submitted, `wait(future_list)` returns once all are done, then each `result()` is printed
//! in submission order. `--part ssh_procs_wait` (or `wait`).
//!
//! New against the thread version: only where `wait` comes from (see below).
//!
//! What to look for: nothing until the slowest worker's share is done, then all nine
//! results at once, in list order, and one elapsed time about lesson 6's.

use std::time::Instant;

use shared::{Device, Report};

use crate::future::{self, Future};
use crate::jobs::ssh_conn;

pub fn run(device_list: &[Device], max_procs: usize, report: &Report) {
    shared::print_header("submit() every device, wait() for all, then each result()");
    let start_time = Instant::now();
    let pool = future::process_pool(max_procs);
    let mut future_list: Vec<Future<String>> = device_list
        .iter()
        .map(|a_device| future::submit(&pool, ssh_conn, a_device.clone()))
        .collect();

    // Python's `wait(future_list)`. procspawn's own `pool.join()` looks like it, but it
    // waits for every worker to be idle, and a worker holding an untaken result never is:
    // here it would never return. `future::wait` takes each result as soon as it is ready,
    // so no worker sits on one, and the wait lasts as long as lesson 6's.
    future::wait(&mut future_list);

    for (a_device, future) in device_list.iter().zip(future_list) {
        report.print_result(&a_device.name, &future.result());
    }
    shared::print_elapsed(start_time);
}
