//! `ssh_threads_map`: `pool.map(ssh_conn, device_list)`. Run it alone with
//! `--part ssh_threads_map`.
//!
//! New against lesson 7: one call submits every device (no `future_list`), and the results
//! come back in the order of the list, not of completion: each as soon as it and every
//! device before it are done. What to look for, course lab and 4 workers: arista3 (1.45 s,
//! started only when cisco4's worker came free) is the slow device ahead. The time jumps
//! at arista3, and arista4, ready before it, is printed the same moment; nxos1, the fastest
//! login of all, waits behind it and srx2 and is printed right after srx2.

use std::time::Instant;

use shared::{Device, Report, ssh_conn, timedelta};

use crate::pool_map::pool_map;

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("pool.map(ssh_conn, device_list)");
    let start_time = Instant::now();
    // `with ThreadPoolExecutor(max_threads) as pool:` (the threads stop when `pool` drops).
    let pool = shared::thread_pool(max_threads);
    // The jobs get their own copy of each device: a pool's job borrows nothing, since it
    // could still run after this function returned.
    let results_generator = pool_map(&pool, |device| ssh_conn(&device), device_list.to_vec());
    // `for result in results_generator:`. The results come in list order, so `zip` tells
    // whose each one is. Python raises a failed device's exception when the loop reaches
    // it; here each result is a `Result`, printed as `Result: ...` or `Error: ...`.
    for (a_device, result) in device_list.iter().zip(results_generator) {
        report.print_result(&a_device.name, &result);
        report.println(timedelta(start_time.elapsed()));
    }
    report.elapsed_if_quiet(start_time);
}
