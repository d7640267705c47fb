//! One process per SSH session (the notes: process 1 runs thread 1, process 2 runs thread 2,
//! and each process runs one SSH session to a device; `ps` shows each process).
//!
//! The parent starts one worker process per device, all of them before it waits for any,
//! then collects their replies in the order it started them. Run only this part:
//! `--part one_process_per_session`. Look for: a different pid on every line, none of them
//! the parent's, and the elapsed time close to the slowest device, not to the sum.

use std::path::Path;
use std::time::Instant;

use shared::{Device, Report};

use crate::workers::{read_reply, start_ssh_worker};

pub fn run(devices: &[Device], report: &Report, program: &Path) {
    shared::print_header("One process per SSH session");
    let parent_pid = std::process::id();
    println!("The parent is pid {parent_pid}.\n");
    let start_time = Instant::now();

    // Start every worker first, so that they all run at the same time...
    let workers: Vec<_> = devices
        .iter()
        .map(|a_device| start_ssh_worker(program, a_device))
        .collect();

    // ...then collect their replies, in the order they were started.
    let mut pids = Vec::new();
    for (a_device, worker) in devices.iter().zip(workers) {
        let (result, whose) = match worker.and_then(|child| read_reply(child, a_device)) {
            Ok((_, reply)) => {
                pids.push(reply.pid);
                (reply.result, format!("  (pid {})", reply.pid))
            }
            Err(error) => (Err(error), String::new()),
        };
        match report.count(&a_device.name, &result) {
            Ok(prompt) => report.println(format!("{}: {prompt}{whose}", a_device.name)),
            Err(error) => report.println(format!("Error: {error}{whose}")),
        }
    }

    let replies = pids.len();
    pids.sort_unstable();
    pids.dedup();
    println!(
        "\n{replies} workers answered, with {} different pids, {}.",
        pids.len(),
        if pids.contains(&parent_pid) {
            "one of them the parent's"
        } else {
            "none of them the parent's"
        }
    );
    shared::print_elapsed(start_time);
}
