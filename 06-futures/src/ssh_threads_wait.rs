//! `ssh_threads_wait`: submit every device, `wait()` for all the futures, then print each
//! `result()` in the order the jobs were submitted.
//!
//! New against `ssh_threads_simple`: nine jobs for four threads, so the pool queues five of
//! them until a thread is free. `--part ssh_threads_wait` (or `wait`). What to look for:
//! no result is printed until the slowest device has answered (a `(wait: 5 of 9 done)`
//! line now and then says the wait goes on), then everything comes
//! at once, in list order; the elapsed time is about the busiest thread's share of the
//! logins, not the sum of all nine.

use std::thread;
use std::time::{Duration, Instant};

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

    // Python's `wait(future_list)`: block until every future is done. We look every 10 ms,
    // and every 2 s say how far the wait got (Python says nothing); no result is printed
    // before the slowest device has answered.
    let mut waiting = shared::waiting::Waiting::new(future_list.len());
    while !future_list.iter().all(Future::done) {
        waiting.note(future_list.iter().filter(|f| f.done()).count());
        thread::sleep(Duration::from_millis(10));
    }
    let results: Vec<Result<String, SshError>> =
        future_list.into_iter().map(Future::result).collect();

    for (a_device, result) in device_list.iter().zip(&results) {
        report.print_result(&a_device.name, result);
    }
    shared::print_elapsed(start_time);
}
