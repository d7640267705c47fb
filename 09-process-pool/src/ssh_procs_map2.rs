//! `ssh_procs_map2`: `ssh_procs_map` with 12 processes and a job that returns a struct
//! instead of a string (the notes' point that a job may return any value; Python's returns
//! the dict `{host: prompt}`). `--part ssh_procs_map2` (or `map2`).
//!
//! New against `ssh_procs_map`: `DeviceFacts`, any serde type being able to come back from
//! a worker, and the pid in it: the process that built it. It prints as Python's dict
//! `{'cisco3': 'cisco3#'}`, with that pid beside it.
//!
//! What to look for: every pid differs from this process's (past 100 devices, one line
//! lists the workers' pids); with 12 workers for 9 devices
//! nothing queues, so the run takes about the slowest login (nxos2), not lesson 8's share
//! of four threads.

use std::collections::BTreeSet;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use shared::{Device, Report, SshError, timedelta};

use crate::future;

/// What the job returns, serialized in the worker and rebuilt here.
#[derive(Debug, Serialize, Deserialize)]
struct DeviceFacts {
    device: String,
    prompt: String,
    /// The process that did the work: not ours.
    pid: u32,
}

/// `ssh_conn`, plus who answered and in which process.
fn ssh_conn2(device: Device) -> Result<DeviceFacts, SshError> {
    let prompt = shared::ssh_conn(&device)?;
    Ok(DeviceFacts {
        device: device.name,
        prompt,
        pid: std::process::id(),
    })
}

pub fn run(device_list: &[Device], max_procs: usize, report: &Report) {
    shared::print_header(&format!(
        "pool.map(ssh_conn2, device_list), max_procs = {max_procs}: a struct per device"
    ));
    println!("(this process is pid {})", std::process::id());
    let start_time = Instant::now();
    let pool = future::process_pool(max_procs);

    let results_generator = future::map(&pool, ssh_conn2, device_list.to_vec());
    let mut worker_pids = BTreeSet::new();
    for (a_device, result) in device_list.iter().zip(results_generator) {
        match report.count(&a_device.name, &result) {
            Ok(facts) => {
                worker_pids.insert(facts.pid);
                let dict = shared::python::dict([(facts.device.as_str(), facts.prompt.as_str())]);
                report.println(format_args!("{dict}  (from pid {})", facts.pid));
            }
            Err(error) => report.println(format_args!("Error: {error}")),
        }
        report.println(timedelta(start_time.elapsed()));
    }
    if report.is_quiet() {
        let pids: Vec<String> = worker_pids.iter().map(u32::to_string).collect();
        println!(
            "The answers came from {} worker processes, pids {}; this process is pid {}.",
            pids.len(),
            pids.join(", "),
            std::process::id()
        );
    }
    report.elapsed_if_quiet(start_time);
}
