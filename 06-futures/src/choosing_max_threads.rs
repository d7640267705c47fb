//! `choosing_max_threads`: not a course script. The course sets `max_threads = 4` and never
//! says why; this part measures it. Its own lab: 200 devices whose logins all go through
//! one AAA server (TACACS+) that works on 8 at once, 20 ms each, and turns away a login
//! that waited 100 ms in its queue. The job is the lesson's: `submit()` `ssh_conn` for every
//! device, wait for all; once per pool size from 1 to 64, then the largest pool again with
//! retries (`--retries N`, 5 if not given).
//!
//! `--part choosing_max_threads` (it picks its own pool sizes: `--workers` does not apply,
//! nor do the lab flags). What to look for: the wall time falls as the pool grows to about
//! the AAA server's 8, then stops falling while failures rise; the retries row fails no
//! device, in more time. The numbers come from the lab's record where it saw them.

use std::time::{Duration, Instant};

use mock_device::{AaaConfig, FleetConfig, Platform};
use shared::{Lab, SshError};

use crate::future::{Future, submit};

mod findings;
mod table;

const DEVICES: usize = 200;
const POOL_SIZES: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];
/// The narrowest shared resource of this lab. The devices add no delay of their own, so
/// the rest of a job (the SSH handshake, the prompt) is short beside the AAA server's 20 ms.
const AAA: AaaConfig = AaaConfig {
    capacity: 8,
    delay: Duration::from_millis(20),
    timeout: Duration::from_millis(100),
};

pub fn run(retries: u32) {
    shared::print_header("choosing max_threads: 200 devices behind one AAA server for 8 logins");
    table::print_header();
    let sweep: Vec<table::Row> = POOL_SIZES.iter().map(|&n| run_pool(n, 0)).collect();
    let retried = run_pool(POOL_SIZES[POOL_SIZES.len() - 1], retries);
    findings::print(&sweep, &retried);
}

/// `ssh_conn` over the 200 devices of a fresh lab (so that its record holds this run
/// only) in a pool of `max_threads`, and the table's row for it. The results are counted
/// here, not in the lesson's report: failures are what this experiment is after, on its
/// own lab, and say nothing about the devices the lesson was pointed at, whose exit status
/// the lesson's stays.
fn run_pool(max_threads: usize, retries: u32) -> table::Row {
    let mut config = FleetConfig {
        aaa: Some(AAA),
        ..FleetConfig::generated(DEVICES, &Platform::ALL, Duration::ZERO)
    };
    // Named apart from the lesson's own generated devices (`--devices N`): a failure here is
    // not one of theirs.
    for device in &mut config.devices {
        device.name = format!("sweep-{}", device.name);
    }
    let mut lab =
        Lab::start_fleet(config, shared::inventory::DEFAULT_TIMEOUT).unwrap_or_else(|e| e.exit());
    for device in &mut lab.devices {
        device.retries = retries;
    }

    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);
    let future_list: Vec<Future> = lab
        .devices
        .iter()
        .map(|a_device| submit(&pool, a_device.clone()))
        .collect();
    // A small pool takes seconds over 200 devices: a line now and then says it goes on.
    let mut waiting = shared::waiting::Waiting::new(future_list.len());
    let results: Vec<Result<String, SshError>> = (future_list.into_iter().enumerate())
        .map(|(done, future)| {
            waiting.note(done);
            future.result()
        })
        .collect();
    let wall = start_time.elapsed();

    let row = table::Row::measure(&lab, max_threads, retries, wall, &results);
    row.print();
    row
}
