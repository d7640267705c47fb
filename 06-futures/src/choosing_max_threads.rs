//! `choosing_max_threads`: not a course script. The course sets `max_threads = 4` and never
//! says why; this part measures it. Its own lab: 200 devices whose logins all go through
//! one AAA server (TACACS+) that works on 8 at once, 25 ms each, and turns away a login
//! that waited 100 ms in its queue. The job is the lesson's: `submit()` `ssh_conn` for every
//! device, wait for all; once per pool size from 1 to 64, then the largest pool again with
//! retries (`--retries N`, 5 if not given).
//!
//! `--part choosing_max_threads` (it picks its own pool sizes: `--workers` does not apply,
//! nor do the lab flags). What to look for: the wall time falls as the pool grows up to 8,
//! then stops falling while failures rise; the retries row fails no device, in more time.

use std::time::{Duration, Instant};

use mock_device::{AaaConfig, FleetConfig, Platform};
use shared::{Lab, SshError};

use crate::future::{Future, submit};

mod findings;

const DEVICES: usize = 200;
const POOL_SIZES: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];
/// The narrowest shared resource of this lab: the AAA server. The devices' own delay is
/// small beside it, so past 8 logins at once nothing else is left to overlap.
const AAA: AaaConfig = AaaConfig {
    capacity: 8,
    delay: Duration::from_millis(25),
    timeout: Duration::from_millis(100),
};
const LATENCY: Duration = Duration::from_millis(5);

/// One pool size's run, as the client and the lab saw it.
struct Row {
    max_threads: usize,
    retries: u32,
    wall: Duration,
    ok: usize,
    failed: usize,
    /// Devices that were ok only after retries.
    after_retries: usize,
    /// The most sessions the lab saw open at once, and the most logins its AAA server held.
    peak_open: usize,
    peak_aaa: usize,
    first_error: Option<String>,
}

pub fn run(retries: u32) {
    shared::print_header("choosing max_threads: 200 devices behind one AAA server for 8 logins");
    println!("max_threads  retries     wall   ok  failed  ok/s  open at most  AAA busy at most");
    let mut rows = Vec::new();
    let runs = POOL_SIZES.iter().map(|&n| (n, 0)).chain([(64, retries)]);
    for (max_threads, retries) in runs {
        let row = run_pool(max_threads, retries);
        println!(
            "{:>11}  {:>7}  {:>5.2} s  {:>3}  {:>6}  {:>4.0}  {:>12}  {:>16}",
            row.max_threads, row.retries, row.wall.as_secs_f64(), row.ok, row.failed,
            row.ok_per_second(), row.peak_open, row.peak_aaa
        );
        rows.push(row);
    }
    findings::print(&rows, AAA.capacity);
}

impl Row {
    /// The throughput: honest where failures make the wall time fall.
    fn ok_per_second(&self) -> f64 {
        self.ok as f64 / self.wall.as_secs_f64()
    }
}

/// `ssh_conn` over the 200 devices of a fresh lab (no session of an earlier run in its
/// record) in a pool of `max_threads`. The results are counted here, not in the lesson's
/// report: failures are what this experiment is after, on its own lab, and they say nothing
/// about the devices the lesson was pointed at (its exit status stays theirs).
fn run_pool(max_threads: usize, retries: u32) -> Row {
    let config = FleetConfig {
        aaa: Some(AAA),
        ..FleetConfig::generated(DEVICES, &Platform::ALL, LATENCY)
    };
    let mut lab = Lab::start_fleet(config, shared::inventory::DEFAULT_TIMEOUT)
        .unwrap_or_else(|e| e.exit());
    for device in &mut lab.devices {
        device.retries = retries;
    }
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);
    let future_list: Vec<Future> = lab.devices.iter().map(|d| submit(&pool, d.clone())).collect();
    let results: Vec<Result<String, SshError>> =
        future_list.into_iter().map(Future::result).collect();
    let wall = start_time.elapsed();

    let record = lab.record().unwrap_or_default();
    // Taken, so that these devices' retries are not told by a later part's report.
    let came_back = lab.devices.iter().filter(|d| shared::retry::take(&d.name) > 0).count();
    let failed: Vec<&SshError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    Row {
        max_threads,
        retries,
        wall,
        ok: results.len() - failed.len(),
        failed: failed.len(),
        after_retries: came_back,
        peak_open: record.peak_open().0,
        peak_aaa: record.peak_aaa_busy(),
        first_error: failed.first().map(|e| e.to_string()),
    }
}
