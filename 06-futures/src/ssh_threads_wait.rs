//! `ssh_threads_wait`: submit every device, `wait()` for all the futures, then print each
//! `result()` in the order the jobs were submitted.
//!
//! New against `ssh_threads_simple`: nine jobs for four threads, so the pool queues five of
//! them until a thread is free. `--part ssh_threads_wait` (or `wait`). What to look for:
//! nothing at all is printed until the slowest device has answered, then everything comes
//! at once, in list order; the elapsed time is about the busiest thread's share of the
//! logins, not the sum of all nine.

use std::time::Instant;

use shared::{Device, Report, SshError};

use crate::future::{Future, submit};

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("submit() every device, wait() for all, then each result()");
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);

    // All jobs are queued at once; the pool runs `max_threads` of them at a time.
    let future_list: Vec<Future> = device_list
        .iter()
        .map(|a_device| submit(&pool, a_device.clone()))
        .collect();

    // Python's `wait(future_list)`: block until every future is done. Taking each answer in
    // turn does the same, since the loop ends only when the slowest device has answered;
    // nothing is printed before that.
    let results: Vec<Result<String, SshError>> =
        future_list.into_iter().map(Future::result).collect();

    for (a_device, result) in device_list.iter().zip(&results) {
        report.print_result(&a_device.name, result);
    }
    shared::print_elapsed(start_time);
}
