//! `ssh_procs_ascompleted`: lesson 7's `ssh_threads_ascompleted` on a pool of processes.
//! Every device is submitted, and `as_completed(future_list)` hands each future back as
//! soon as its job is done. `--part ssh_procs_ascompleted` (or `ascompleted`).
//!
//! New against the thread version: nothing but the pool; the order and the times are
//! lesson 7's. (Exercise 4, `ex4_cf_ascompleted_procs`, is this with `--workers 5`.)
//!
//! What to look for: the elapsed time grows after every result, and the order is not the
//! list's: with four workers cisco4 answers before cisco3, nxos1 before arista4 and srx2.
//! A quiet run prints the elapsed time once, at the end.

use std::time::Instant;

use shared::{Device, Report, timedelta};

use crate::future::{self, Future};
use crate::jobs::ssh_conn;

pub fn run(device_list: &[Device], max_procs: usize, report: &Report) {
    shared::print_header("as_completed(): each result as soon as its device answers");
    let start_time = Instant::now();
    let pool = future::process_pool(max_procs);
    let future_list: Vec<Future<String>> = device_list
        .iter()
        .map(|a_device| future::submit(&pool, ssh_conn, a_device.clone()))
        .collect();

    for future in future::as_completed(future_list) {
        let device = future.device().to_owned();
        report.print_result(&device, &future.result());
        report.println(timedelta(start_time.elapsed()));
    }
    report.elapsed_if_quiet(start_time);
    // The script never shuts its pool down. Here `pool` goes out of scope at the end of the
    // function, and procspawn's `Drop` kills its (idle by now) worker processes.
}
