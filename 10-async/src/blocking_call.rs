//! `blocking_call`, not a course script: the mistake every async program makes once, and its
//! fix. The same jobs twice, a task per device for the first three: first wrong, with the
//! blocking `shared::ssh_conn` of lessons 1-9 called inside the task; then right, the same
//! call handed to `spawn_blocking`. `--part blocking_call` (or `blocking`).
//!
//! Why the wrong one stalls every session: a task gives the thread up only at an `.await`.
//! The blocking call has none: it holds the runtime's one thread until its session is over,
//! so the other tasks cannot even start theirs. What to look for: the wrong way's results in
//! list order after the sum of the three logins; the right way's in completion order after
//! the slowest one. `--workers` does not apply: every job starts at once.

use std::time::Instant;

use shared::{Device, Report};
use tokio::task::JoinSet;

use crate::pool;

/// How many devices the two runs use: enough to see the logins add up, few enough to keep
/// the wrong way short.
pub const BLOCKING_DEVICES: usize = 3;

pub async fn run(device_list: &[Device], report: &Report) {
    let device_list = &device_list[..BLOCKING_DEVICES.min(device_list.len())];
    shared::print_header(&format!(
        "a blocking call on the one thread, then in spawn_blocking: first {} devices",
        device_list.len()
    ));

    // Wrong. Python's asyncio has the same trap: `ConnectHandler(**device)` called inside an
    // `async def` blocks its event loop just so.
    println!("wrong: the blocking shared::ssh_conn inside each task");
    let start_time = Instant::now();
    let mut completed = JoinSet::new();
    for a_device in device_list.iter().cloned() {
        completed.spawn(async move { (a_device.name.clone(), shared::ssh_conn(&a_device)) });
    }
    print_as_completed(&mut completed, report).await;
    shared::print_elapsed(start_time);
    let wrong = start_time.elapsed();

    // Right: Python's `await asyncio.to_thread(ssh_conn, device)`. `spawn_blocking` runs the
    // call on tokio's blocking pool, threads kept apart for this (a thread per call here, up
    // to 512), and the task awaits it like any other. (Or use the async client, as every
    // other part does: then no thread at all.)
    println!("right: the same call in spawn_blocking");
    let start_time = Instant::now();
    let mut completed = JoinSet::new();
    for a_device in device_list.iter().cloned() {
        completed.spawn_blocking(move || (a_device.name.clone(), shared::ssh_conn(&a_device)));
    }
    print_as_completed(&mut completed, report).await;
    shared::print_elapsed(start_time);
    println!(
        "Wrong: {:.2} s, the logins one after the other on the one thread. Right: {:.2} s, \
         about the\nslowest login alone: the calls waited at the same time, each on a thread \
         of its own.",
        wrong.as_secs_f64(),
        start_time.elapsed().as_secs_f64()
    );
}

/// Each result as its job ends, as `ssh_tasks_ascompleted` prints them.
async fn print_as_completed(
    completed: &mut JoinSet<(String, Result<String, shared::SshError>)>,
    report: &Report,
) {
    while let Some(joined) = completed.join_next().await {
        let (device_name, result) = pool::joined(joined);
        report.print_result(&device_name, &result);
    }
}
