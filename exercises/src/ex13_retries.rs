//! Exercise 13, `ex13_retries`: retries with backoff, behind a crowded AAA server.
//!
//! `run` is written: a thread per device, each result framed as in ex1. The lab's AAA server
//! takes 3 logins at once and turns away a login that waited too long in its queue, so write
//! `show_version_with_retries`: try again, up to `RETRIES` times, after a failure that may pass
//! (`SshError::is_transient`), waiting longer each time, with some randomness (the `backon`
//! crate does all that); never after a wrong password. Check: `cargo run --bin check ex13_retries`.

use std::time::Instant;

use shared::{Device, SHORT_DASHES, SshError};

pub const RETRIES: usize = 5;

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    std::thread::scope(|scope| {
        for device in devices {
            scope.spawn(move || match show_version_with_retries(device) {
                Ok(output) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
                Err(error) => println!("Error: {error}"),
            });
        }
    });
    let took = start_time.elapsed().as_secs_f64();
    println!("Finished in {took:.2} seconds");
}

fn show_version_with_retries(device: &Device) -> Result<String, SshError> {
    // TODO: `shared::show_version(device)`, tried again after a transient failure, at most
    // TODO: RETRIES more times, each wait longer than the last (and a little random).
    todo!("{}, with up to {RETRIES} retries", device.name)
}
