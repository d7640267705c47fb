//! `ssh_procs_simple`: lesson 6's `ssh_threads_simple` with `ProcessPoolExecutor`. One job,
//! one future: `done()` is false right after `submit()`, true once the device answered,
//! and `result()` hands over the prompt. `--part ssh_procs_simple` (or `simple`).
//!
//! New against the thread version: the job, `ssh_conn` (in `jobs.rs`, which every part of
//! this lesson submits or maps), runs in another process, so it is a plain `fn` whose
//! argument and result cross the process boundary serialized.
//!
//! What to look for: `false`, then `true`, then cisco3's prompt, the same as lesson 6 but
//! for the pool's start-up in the elapsed time.

use std::thread;
use std::time::{Duration, Instant};

use shared::{Device, Report};

use crate::future;
use crate::jobs::ssh_conn;

pub fn run(device_list: &[Device], max_procs: usize, report: &Report) {
    shared::print_header("submit() one device, ask done(), then result()");
    let Some(first) = device_list.first() else {
        return;
    };
    let start_time = Instant::now();
    let pool = future::process_pool(max_procs);
    let mut future = future::submit(&pool, ssh_conn, first.clone());

    // Python prints `False` and `True`; Rust prints a bool as `false` and `true`. Both lines
    // are about the future, not the device: a quiet run prints them too.
    println!("{}", future.done());
    // The course sleeps 5 seconds. As lesson 6 does, we look every 10 ms and go on once it
    // is done, for at most twice the device's timeout: by then `ssh_conn` has answered or
    // given up on a silent device.
    let deadline = Instant::now() + Duration::from_secs_f64(first.timeout) * 2;
    while !future.done() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    println!("{}", future.done());
    println!("(Python prints these two as False and True.)");

    report.print_single_result(&first.name, &future.result());
    shared::print_elapsed(start_time);
}
