//! `ssh_tasks_map`, lesson 8's `ssh_threads_map`: `pool.map(ssh_conn, device_list)` as a
//! stream with `buffered(max_threads)`: the results in list order, each as soon as it and
//! every one before it are done.
//!
//! New against `ssh_tasks_ascompleted_cm`: `buffered` instead of `buffer_unordered`, so the
//! list's order. Where it differs from lesson 8's pool: a result that is ready but waits for
//! its turn still holds one of the four places. cisco4 (0.55 s) waits for cisco3 (0.7 s) and
//! so does its place: arista3 starts at 0.7 s, not 0.55 s, and the part ends later than
//! lesson 8's (a `Semaphore` and handles awaited in order, as in `ssh_tasks_wait`, keep the
//! pool's timing). `--part ssh_tasks_map` (or `map`). What to look for: list order, and
//! times that grow in jumps, at the slow devices ahead.

use std::time::Instant;

use futures::stream::{self, StreamExt};
use shared::{Device, Report, async_ssh, timedelta};

pub async fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("pool.map(ssh_conn, device_list) as a stream, buffered");
    let start_time = Instant::now();

    // `results_generator = pool.map(ssh_conn, device_list)`: lazy, like Python's, and
    // nothing runs before the loop below first asks for a result.
    let mut results_generator = stream::iter(device_list)
        .map(|a_device| async move { (a_device, async_ssh::ssh_conn(a_device).await) })
        .buffered(max_threads);

    // `for result in results_generator:`. Python raises a failed device's exception here;
    // each result is a `Result`, printed as `Result: ...` or `Error: ...`.
    while let Some((a_device, result)) = results_generator.next().await {
        report.print_result(&a_device.name, &result);
        report.println(timedelta(start_time.elapsed()));
    }
    report.elapsed_if_quiet(start_time);
    println!(
        "(Unlike lesson 8's pool.map, a result waiting for its turn in list order keeps its \
         place\namong the {max_threads}, so the next device starts only when the slower one \
         ahead of it is done:\non the course's lab this part ends later than lesson 8's.)"
    );
}
