//! `ssh_procs_ascompleted_cm`: `ssh_procs_ascompleted` with the pool in a `with` block
//! (Python's context manager), which shuts the pool down where the block ends.
//! `--part ssh_procs_ascompleted_cm` (or `ascompleted_cm`).
//!
//! New against `ssh_procs_ascompleted`: the block, and its last line `pool.shutdown()`.
//! (Exercise 5, `ex5_cf_procs_cm`, is this with `--workers 5`.)
//!
//! What to look for: the same order and times as the part before; the block changes when
//! the workers stop, not what is printed.

use std::time::Instant;

use shared::{Device, Report, timedelta};

use crate::future::{self, Future};
use crate::jobs::ssh_conn;

pub fn run(device_list: &[Device], max_procs: usize, report: &Report) {
    shared::print_header("with a pool: as_completed(), then the pool shuts down");
    let start_time = Instant::now();

    // `with ProcessPoolExecutor(max_procs) as pool:` is this block, and its last line is
    // what the end of Python's `with` does: `shutdown()` waits for the jobs (all done
    // here), then stops the workers. Just letting `pool` go out of scope is not the same:
    // procspawn's `Drop` for `Pool` kills the workers at once, jobs done or not.
    {
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
        pool.shutdown();
    }
    report.elapsed_if_quiet(start_time);
}
