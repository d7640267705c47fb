//! `ssh_tasks_simple`, lesson 6's `ssh_threads_simple` as a task: `tokio::spawn` one job, ask
//! its handle `is_finished()` twice, then `.await` its result.
//!
//! New against lesson 6: no pool (one task needs none, and costs no thread), and the first
//! `false` means more: on one thread the task has not even started yet. `--part
//! ssh_tasks_simple` (or `simple`). What to look for: `false`, `true`, the first device's
//! prompt, the elapsed time; the same lines as lesson 6.

use std::time::{Duration, Instant};

use shared::{Device, Report, async_ssh};

use crate::pool;

pub async fn run(device_list: &[Device], report: &Report) {
    shared::print_header("tokio::spawn() one device, ask is_finished(), then .await it");
    let start_time = Instant::now();
    let a_device = device_list[0].clone();

    // `future = pool.submit(ssh_conn, device_list[0])`. The task may outlive this function
    // (nothing ties it to it), so it owns its copy of the device.
    let job_device = a_device.clone();
    let future = tokio::spawn(async move { async_ssh::ssh_conn(&job_device).await });

    // `future.done()`. This thread is the runtime's only one and it is busy here, so the task
    // has not run a line yet: it starts at this function's first `.await` below.
    println!("{}", future.is_finished());

    // The course sleeps 5 s; we look every 10 ms, for at most twice the device's timeout (as
    // lesson 6 does). The sleep must be tokio's: `sleep(..).await` gives the thread to the
    // task meanwhile, where `std::thread::sleep` would hold it, and the task could not run at
    // all until it ended (see `blocking_call`).
    let deadline = Instant::now() + Duration::from_secs_f64(a_device.timeout) * 2;
    while !future.is_finished() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!("{}", future.is_finished());
    println!("(Python prints these two as False and True.)");

    // `future.result()` is `.await` on the handle: this function waits (the thread does not),
    // then takes what `ssh_conn` returned, `Result: <prompt>` or `Error: ...`.
    let result = pool::joined(future.await);
    report.print_single_result(&a_device.name, &result);
    shared::print_elapsed(start_time);
}
