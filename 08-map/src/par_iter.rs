//! An aside, not a course script: rayon's `par_iter().map(ssh_conn).collect()`, the
//! idiomatic Rust parallel map when all you need is the finished `Vec`. Run it alone with
//! `--part par_iter`.
//!
//! What to look for: against `ssh_threads_map`, every result is printed at the same moment,
//! once the slowest of the first three devices (arista1, 0.85 s) has answered: `collect()`
//! keeps the list order too, but hands over nothing before the whole `Vec` is there.

use std::time::Instant;

use rayon::prelude::*;
use shared::{Device, Report, SshError, ssh_conn, timedelta};

/// How many devices the aside uses: enough to see them arrive together.
pub const ASIDE_DEVICES: usize = 3;

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    let device_list = &device_list[..ASIDE_DEVICES.min(device_list.len())];
    shared::print_header(&format!(
        "aside, not pool.map: rayon's par_iter().map(ssh_conn).collect(), first {} devices",
        device_list.len()
    ));
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);
    // `install` runs the parallel iterator on our pool (without it, rayon would use its
    // global pool, one thread per core).
    let results: Vec<Result<String, SshError>> =
        pool.install(|| device_list.par_iter().map(ssh_conn).collect());
    for (a_device, result) in device_list.iter().zip(&results) {
        report.print_result(&a_device.name, result);
        report.println(timedelta(start_time.elapsed()));
    }
    report.elapsed_if_quiet(start_time);
}
