//! `pool.map` over two iterables, the devices and a command for each: the course's exercise
//! 6 (`ex6_cf_map`) on a thread pool. The course's own version runs a process pool; lesson
//! 09's `ex6_cf_map.rs` ports that one. Run this part alone with `--part map_two_iterables`.
//!
//! New against `ssh_threads_map`: the job takes two arguments, one from each list (`show
//! arp` on Junos, `show ip arp` on the others), and the pool has the exercises' five threads. What to look for: each ARP table under a
//! line naming its device and command, in list order, then `Finished in N.NN seconds`.

use std::time::Instant;

use shared::{DASHES, Device, Report, arp_command, send_command};

use crate::pool_map::pool_map;

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("pool.map(send_command, device_list, commands)");
    let start_time = Instant::now();
    let commands: Vec<&'static str> = device_list
        .iter()
        .map(|d| arp_command(d.device_type))
        .collect();
    let pool = shared::thread_pool(max_threads);
    // Python's map takes both lists and calls `send_command(device, command)` with one
    // element of each. A Rust job takes one argument, so `zip` pairs the lists first.
    let results_generator = pool_map(
        &pool,
        |(device, command)| send_command(&device, command),
        device_list.iter().cloned().zip(commands.iter().copied()),
    );
    for ((a_device, command), output) in device_list.iter().zip(&commands).zip(results_generator) {
        let text = match report.count(&a_device.name, &output) {
            Ok(output) => output.clone(),
            Err(error) => format!("Error: {error}"),
        };
        report.println(format!(
            "{DASHES}\n{}: {command}\n{text}\n{DASHES}",
            a_device.name
        ));
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
