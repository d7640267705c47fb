//! `ex1_serial`, solved: one device after the other.

use std::time::Instant;

use shared::{Device, SHORT_DASHES};

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    for device in devices {
        match shared::show_version(device) {
            Ok(output) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
            Err(error) => println!("Error: {error}"),
        }
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
