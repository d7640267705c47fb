//! `ssh_tasks_ascompleted`, lesson 7's `ssh_threads_ascompleted` as tasks: spawn every
//! device into a `JoinSet`, then print each result as soon as its task is done, each
//! followed by the time elapsed so far.
//!
//! New against `ssh_tasks_wait`: `JoinSet::join_next` hands back whichever task finished
//! first: it is `as_completed`. `--part ssh_tasks_ascompleted` (or `ascompleted`). What to
//! look for: lesson 7's order (cisco4, cisco3, arista1, arista2, nxos1, arista4, arista3,
//! srx2, nxos2 at four workers) and times, from one thread. A quiet run prints the elapsed
//! time once, at the end.

use std::sync::Arc;
use std::time::Instant;

use shared::{Device, Report, timedelta};
use tokio::task::JoinSet;

use crate::pool;

pub async fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("a JoinSet: each result as soon as its device answers (as_completed)");
    let start_time = Instant::now();
    let pool = pool::pool(max_threads);

    // The set owns its tasks; each hands back its device's name with the result, since the
    // set gives them back in completion order, not in the order they went in.
    let mut completed = JoinSet::new();
    for a_device in device_list {
        // `pool.submit(ssh_conn, a_device)`, into the set.
        let (pool, a_device) = (Arc::clone(&pool), a_device.clone());
        completed.spawn(async move {
            let name = a_device.name.clone();
            (name, pool::ssh_conn(pool, a_device).await)
        });
    }

    // `for future in as_completed(future_list): future.result()`. Between two results this
    // function is parked at `join_next().await`; the thread runs the sessions meanwhile.
    while let Some(joined) = completed.join_next().await {
        let (device_name, result) = pool::joined(joined);
        report.print_result(&device_name, &result);
        report.println(timedelta(start_time.elapsed()));
    }
    report.elapsed_if_quiet(start_time);
    // Dropping a JoinSet aborts the tasks still in it; here none is left.
}
