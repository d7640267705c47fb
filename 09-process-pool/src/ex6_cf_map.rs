//! Exercise 6, `ex6_cf_map`: a pool of 5 processes mapped over two lists, the devices and a
//! command for each (`show arp` on Junos, `show ip arp` elsewhere). `--part ex6_cf_map`
//! (or `ex6`).
//!
//! New against `ssh_procs_map`: the job takes two arguments, one from each list, and
//! returns a whole ARP table instead of a prompt.
//!
//! What to look for: each table framed by dashes under the device and command it came
//! from, in list order; `Finished in` once at the end, in quiet runs too.

use std::time::Instant;

use shared::{DASHES, Device, Report, SshError};

use crate::future;

/// Python's `pool.map(send_command, devices, commands)` calls the job with one element of
/// each list; a procspawn job takes one argument, so the pair comes as a tuple.
fn send_command((device, command): (Device, String)) -> Result<String, SshError> {
    shared::send_command(&device, &command)
}

pub fn run(device_list: &[Device], max_procs: usize, report: &Report) {
    shared::print_header("pool.map(send_command, device_list, commands)");
    let start_time = Instant::now();
    let pool = future::process_pool(max_procs);

    let commands: Vec<String> = device_list
        .iter()
        .map(|a_device| shared::arp_command(a_device.device_type).to_string())
        .collect();
    // Python's map pairs the two lists itself; here `zip` pairs them, one job per pair.
    let pairs = device_list.iter().cloned().zip(commands.iter().cloned());
    let results_generator = future::map(&pool, send_command, pairs);
    for ((a_device, command), result) in device_list.iter().zip(&commands).zip(results_generator) {
        match report.count(&a_device.name, &result) {
            Ok(output) => report.println(format_args!(
                "{DASHES}\n{}: {command}\n{output}\n{DASHES}",
                a_device.name
            )),
            Err(error) => report.println(format_args!("Error: {error}")),
        }
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
