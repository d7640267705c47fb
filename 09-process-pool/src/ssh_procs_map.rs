//! `ssh_procs_map`: lesson 8's `ssh_threads_map` on a pool of processes.
//! `pool.map(ssh_conn, device_list)` submits every device and hands the results back in
//! the order of the list. `--part ssh_procs_map` (or `map`); the benchmark runs this one.
//!
//! New against the thread version: nothing but the pool, and `future::map` taking every
//! result that is ready while it waits for the next one in list order (see `future.rs`:
//! a procspawn worker holding an untaken result takes no new job).
//!
//! What to look for: list order, each result with a growing elapsed time; a result that
//! was ready early waits for the slower devices ahead of it in the list, as in lesson 8.

use std::time::Instant;

use shared::{Device, Report, timedelta};

use crate::future;
use crate::jobs::ssh_conn;

pub fn run(device_list: &[Device], max_procs: usize, report: &Report) {
    shared::print_header("pool.map(ssh_conn, device_list)");
    let start_time = Instant::now();
    let pool = future::process_pool(max_procs);

    let results_generator = future::map(&pool, ssh_conn, device_list.to_vec());
    // The results come in list order, so pairing them with the list says whose each is.
    for (a_device, result) in device_list.iter().zip(results_generator) {
        report.print_result(&a_device.name, &result);
        report.println(timedelta(start_time.elapsed()));
    }
    report.elapsed_if_quiet(start_time);
}
