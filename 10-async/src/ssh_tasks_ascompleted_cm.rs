//! `ssh_tasks_ascompleted_cm`, lesson 7's `ssh_threads_ascompleted_cm`: the same, inside
//! the pool's `with` block, which here is a stream of futures run by this function itself.
//!
//! New against `ssh_tasks_ascompleted`: no tasks. `buffer_unordered(max_threads)` keeps that
//! many `ssh_conn` futures going and yields each result as it completes. The futures live
//! inside the loop, as a `with` block's jobs do, so they may borrow the devices; and they
//! move only while the loop awaits `next()`: a loop body that waited on something slow
//! would stall every session (tasks, spawned, would go on without it).
//! `--part ssh_tasks_ascompleted_cm` (or `ascompleted_cm`). What to look for: the same results,
//! order and times as `ssh_tasks_ascompleted`.

use std::time::Instant;

use futures::stream::{self, StreamExt};
use shared::{Device, Report, async_ssh, timedelta};

pub async fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header(
        "as_completed in a with block, as a stream: buffer_unordered(max_threads)",
    );
    let start_time = Instant::now();

    // `with ThreadPoolExecutor(max_threads) as pool:` and `pool.submit(ssh_conn, a_device)`
    // for each device: a future per device, borrowing it, `max_threads` of them at a time.
    let mut completed = stream::iter(device_list)
        .map(|a_device| async move { (&a_device.name, async_ssh::ssh_conn(a_device).await) })
        .buffer_unordered(max_threads);

    // `for future in as_completed(future_list):`.
    while let Some((device_name, result)) = completed.next().await {
        report.print_result(device_name, &result);
        report.println(timedelta(start_time.elapsed()));
    }
    // The end of the `with` block: the stream is done, so every future has finished.
    report.elapsed_if_quiet(start_time);
}
