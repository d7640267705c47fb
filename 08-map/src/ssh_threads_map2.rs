//! `ssh_threads_map2`: the same `pool.map`, with a job that returns a record instead of a
//! string. Run it alone with `--part ssh_threads_map2`.
//!
//! New against `ssh_threads_map`: the job's result can be any type; here Python's one-entry
//! dict `{host: prompt}` becomes a struct, printed as Python prints the dict:
//! `{'cisco3': 'cisco3#'}`. Order and timing are those of `ssh_threads_map`.

use std::time::Instant;

use shared::{Device, Report, SshError, ssh_conn, timedelta};

use crate::pool_map::pool_map;

/// What `ssh_conn2` returns. Our lab serves every device on 127.0.0.1, so the device's
/// name is the key rather than its host.
#[derive(Debug)]
struct DevicePrompt {
    device: String,
    prompt: String,
}

/// The course's `ssh_conn2(device)`: like `ssh_conn`, but the answer says whose prompt it is.
fn ssh_conn2(device: &Device) -> Result<DevicePrompt, SshError> {
    Ok(DevicePrompt {
        device: device.name.clone(),
        prompt: ssh_conn(device)?,
    })
}

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("pool.map(ssh_conn2, device_list): a record per device");
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);
    let results_generator = pool_map(&pool, |device| ssh_conn2(&device), device_list.to_vec());
    for (a_device, result) in device_list.iter().zip(results_generator) {
        match report.count(&a_device.name, &result) {
            Ok(DevicePrompt { device, prompt }) => {
                report.println(shared::python::dict([(device.as_str(), prompt.as_str())]));
            }
            Err(error) => report.println(format!("Error: {error}")),
        }
        report.println(timedelta(start_time.elapsed()));
    }
    report.elapsed_if_quiet(start_time);
}
