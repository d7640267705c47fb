//! `ssh_threads_simple`: submit one job to the pool, ask its future `done()` twice, then
//! take its `result()`.
//!
//! `--part ssh_threads_simple` (or `simple`). What to look for: the first `done()` is
//! `false` (the login has only just begun), the second `true`, then the first device's
//! prompt. Only that one device is contacted, so a failing first device ends the run with
//! `0 ok, 1 failed`.

use std::thread;
use std::time::{Duration, Instant};

use shared::{Device, Report};

use crate::future::submit;

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("submit() one device, ask done(), then result()");
    let start_time = Instant::now();
    // `ThreadPoolExecutor(max_threads)`: the threads start now and wait for jobs.
    let pool = shared::thread_pool(max_threads);
    let a_device = &device_list[0];
    let future = submit(&pool, a_device.clone());

    // Python prints `False` and `True` here; Rust spells its booleans `false` and `true`.
    // The two lines are about the future, not about a device: a quiet run prints them too.
    println!("{}", future.done());

    // The course sleeps 5 seconds here. The lab's first device, cisco3, logs in in 0.7 s, so
    // we look at done() every 10 ms instead and go on as soon as it is true: a fixed sleep
    // would waste seconds here, and be too short on a slow lab (`--latency 5s`).
    // The wait is bounded by twice the device's timeout. A device that falls silent makes
    // `ssh_conn` give up one timeout after the step where it went quiet, on top of the time
    // the steps before took; twice the timeout leaves room for both, so the second done() is
    // true for a device that fails too. (If it still is not, result() below waits anyway.)
    let deadline = Instant::now() + Duration::from_secs_f64(a_device.timeout) * 2;
    while !future.done() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    println!("{}", future.done());
    println!("(Python prints these two as False and True.)");

    // Python raises the worker's exception here, inside `result()`. In Rust nothing is
    // raised: `ssh_conn` returned a `Result`, the channel carried it as a plain value, and
    // `print_result` prints `Result: <prompt>` or `Error: <what went wrong>`.
    report.print_single_result(&a_device.name, &future.result());
    shared::print_elapsed(start_time);
}
