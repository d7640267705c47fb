//! `ex6_cf_map`, solved: a one-slot channel per job as its future, read in list order.

use std::time::Instant;

use crossbeam::channel;
use shared::{Device, SHORT_DASHES, SshError};

pub const MAX_PROCS: usize = 5;

/// Python's `pool.map(send_command, devices, commands)` calls the job with one element of
/// each list; a procspawn job takes one argument, so the pair comes as a tuple.
fn send_command((device, command): (Device, String)) -> Result<String, SshError> {
    shared::send_command(&device, &command)
}

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    let commands: Vec<&str> = devices
        .iter()
        .map(|device| shared::arp_command(device.device_type))
        .collect();
    {
        let pool = match procspawn::Pool::new(MAX_PROCS) {
            Ok(pool) => pool,
            Err(error) => return println!("Error: cannot start {MAX_PROCS} processes: {error}"),
        };
        let futures: Vec<_> = devices
            .iter()
            .zip(&commands)
            .map(|(device, command)| {
                let (sender, future) = channel::bounded(1);
                let job = pool.spawn((device.clone(), command.to_string()), send_command);
                // Taken at once, so the worker is free for the next pair.
                std::thread::spawn(move || sender.send(job.join()));
                future
            })
            .collect();
        for ((device, command), future) in devices.iter().zip(&commands).zip(futures) {
            match future.recv() {
                Ok(Ok(Ok(output))) => println!(
                    "{SHORT_DASHES}\n{}: {command}\n{output}\n{SHORT_DASHES}",
                    device.name
                ),
                Ok(Ok(Err(error))) => println!("Error: {error}"),
                _ => println!("Error: {}: its worker process failed", device.name),
            }
        }
        pool.shutdown();
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
