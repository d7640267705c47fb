//! # Lesson 8: `pool.map()`: one function over a whole list of devices
//!
//! Lessons 6 and 7 submitted the devices one by one and kept a list of futures. `pool.map(fn,
//! devices)` does all of that in one call and gives back the results *in the order of the
//! input*, whichever device answers first. Rust's counterpart is a rayon parallel iterator:
//! `devices.par_iter().map(ssh_conn).collect()`, run inside a pool of four threads.
//!
//! It ports three of the course's scripts, one after the other:
//!
//! 1. `ssh_threads_map`: `pool.map(ssh_conn, device_list)`, print every prompt.
//! 2. `ssh_threads_map2`: the worker returns a small record `{device: prompt}` instead of a
//!    string. A worker may return any value, not only text.
//! 3. The exercise: `pool.map` over *two* lists, the devices and one command per device
//!    (`show arp` on Junos, `show ip arp` on the others), printing every output.
//!
//! ```text
//! cargo run --bin 08-map
//! cargo run --bin 08-map -- --workers 9               # one thread per device
//! cargo run --bin 08-map -- --fault arista2=hang --timeout 2
//! cargo run --bin 08-map -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: the results come in the order of the device list, never in completion
//! order (compare lesson 7). And all of them are printed at the same moment: the elapsed
//! times after them are nearly equal. Python's `map` hands you result 1 as soon as device 1
//! has answered; rayon's `collect()` returns once the *last* device has answered. To print
//! results as they come, use lesson 7's channel.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use rayon::ThreadPoolBuilder;
use rayon::prelude::*;
use shared::{Connection, Device, DeviceType, SshError, Tally, ssh_conn, timedelta};

/// The course's `max_threads = 4`; `--workers N` overrides it.
const MAX_THREADS: usize = 4;

#[derive(Debug, Parser)]
#[command(about = "Lesson 8: pool.map() one function over all the devices, results in input order")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
    #[command(flatten)]
    pool: shared::WorkerArgs,
}

/// What `ssh_conn2` returns: Python's one-entry dict `{host: prompt}`, as a struct. Our lab
/// serves every device on 127.0.0.1, so the device's name is the key rather than its host.
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

/// The exercise's worker: connect, run one command, return its output.
fn send_command(device: &Device, command: &str) -> Result<String, SshError> {
    let mut connection = Connection::connect(device)?;
    let output = connection.send_command(command)?;
    connection.disconnect();
    Ok(output)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let max_threads = args.pool.or(MAX_THREADS);
    // Counts every connection of the run: each of the three parts connects to every device.
    let mut tally = Tally::new();

    // `with ThreadPoolExecutor(max_threads) as pool:`
    let pool = match ThreadPoolBuilder::new().num_threads(max_threads).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot start a pool of {max_threads} threads: {e}");
            return ExitCode::FAILURE;
        }
    };

    // -- 1. ssh_threads_map ---------------------------------------------------------------------
    println!("== pool.map(ssh_conn, device_list) ==");
    let start_time = Instant::now();
    // `pool.map(ssh_conn, device_list)`. `install` runs the parallel iterator on our pool of
    // `max_threads` (without it, rayon would use its global pool of one thread per core).
    // Like Python's map, `collect()` into a Vec keeps the input order, however the devices
    // finish; unlike Python's, it returns only once every device has answered.
    let results: Vec<Result<String, SshError>> =
        pool.install(|| lab.devices.par_iter().map(ssh_conn).collect());
    for result in &results {
        // Python raises a failed device's exception when the loop reaches it; here each
        // element is a `Result`, and this `match` is where an error shows up.
        match tally.count(result) {
            Ok(prompt) => println!("Result: {prompt}"),
            Err(error) => println!("Error: {error}"),
        }
        println!("{}", timedelta(start_time.elapsed()));
    }

    // -- 2. ssh_threads_map2 --------------------------------------------------------------------
    println!();
    println!("== pool.map(ssh_conn2, device_list): a record per device ==");
    let start_time = Instant::now();
    let results: Vec<Result<DevicePrompt, SshError>> =
        pool.install(|| lab.devices.par_iter().map(ssh_conn2).collect());
    for result in &results {
        match tally.count(result) {
            Ok(DevicePrompt { device, prompt }) => println!("{{{device:?}: {prompt:?}}}"),
            Err(error) => println!("Error: {error}"),
        }
        println!("{}", timedelta(start_time.elapsed()));
    }

    // -- 3. the exercise: map over two sequences ------------------------------------------------
    println!();
    println!("== pool.map(send_command, device_list, commands) ==");
    let start_time = Instant::now();
    let commands: Vec<&str> = lab
        .devices
        .iter()
        .map(|device| match device.device_type {
            DeviceType::JuniperJunos => "show arp",
            _ => "show ip arp",
        })
        .collect();
    // Python's map takes the two lists and calls `send_command(device, command)` with one
    // element of each. A Rust closure takes one argument, so `zip` pairs the lists first.
    let outputs: Vec<Result<String, SshError>> = pool.install(|| {
        lab.devices
            .par_iter()
            .zip(&commands)
            .map(|(device, command)| send_command(device, command))
            .collect()
    });
    let dashes = "-".repeat(80);
    for ((device, command), output) in lab.devices.iter().zip(&commands).zip(&outputs) {
        println!("{dashes}");
        println!("{}: {command}", device.name);
        match tally.count(output) {
            Ok(output) => println!("{output}"),
            Err(error) => println!("Error: {error}"),
        }
        println!("{dashes}");
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );

    // The pool's threads stop here, as at the end of Python's `with` block.
    drop(pool);
    drop(lab);
    tally.exit_code()
}
