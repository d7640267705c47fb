//! `ssh_tasks_wait`, lesson 6's `ssh_threads_wait` as tasks: spawn every device into a pool
//! of four, wait for all of them with `join_all`, then print each result in list order.
//!
//! New against `ssh_tasks_simple`: nine tasks and a pool of four permits (`pool.rs`), so five
//! tasks wait for a permit. `--part ssh_tasks_wait` (or `wait`). What to look for: nothing
//! until the slowest device has answered, then everything at once in list order, in about
//! the time lesson 6 took with four threads (`--workers 9`: the slowest login alone).

use std::time::{Duration, Instant};

use futures::future::join_all;
use shared::{Device, Report, SshError};

use crate::pool;

pub async fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("spawn every device into a pool of tasks, join_all(), then each result");
    let start_time = Instant::now();
    let pool = pool::pool(max_threads);

    // `future_list = [pool.submit(ssh_conn, a_device) for a_device in device_list]`.
    let future_list: Vec<_> = device_list
        .iter()
        .map(|a_device| pool::submit(&pool, a_device.clone()))
        .collect();

    // `wait(future_list)`: `join_all` is one future that is ready when every handle is. While
    // this function waits on it, the one thread runs the nine tasks, four sessions at a time.
    // Every 2 s, a line on how far the wait got (Python says nothing).
    let mut waiting = shared::waiting::Waiting::new(future_list.len());
    while !future_list.iter().all(|task| task.is_finished()) {
        waiting.note(future_list.iter().filter(|task| task.is_finished()).count());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let results: Vec<Result<String, SshError>> = join_all(future_list)
        .await
        .into_iter()
        .map(pool::joined)
        .collect();

    for (a_device, result) in device_list.iter().zip(&results) {
        report.print_result(&a_device.name, result);
    }
    shared::print_elapsed(start_time);
}
