//! Ports the course's exercise 1 (`ex1_serial`): `show version` on each device in turn,
//! printed between two lines of dashes, then `Finished in N.NN seconds`.
//!
//! Run only this part: `--part ex1_serial` (or `--part serial`). Look for: `Finished in`
//! is about the sum of every device's time, because the program waits for one device to
//! answer before it even connects to the next.

use std::time::{Duration, Instant};

use shared::{DASHES, Device, Report};

use crate::measure::Serial;

pub fn run(devices: &[Device], report: &Report) -> Serial {
    shared::print_header("Exercise 1: show version on one device after another");
    let start_time = Instant::now();
    let mut slowest_device = Duration::ZERO;

    for a_device in devices {
        let device_start = Instant::now();
        match report.count(&a_device.name, &shared::show_version(a_device)) {
            Ok(output) => report.println(format!("{DASHES}\n{output}\n{DASHES}")),
            Err(error) => report.println(format!("Error: {error}")),
        }
        slowest_device = slowest_device.max(device_start.elapsed());
    }

    let total = start_time.elapsed();
    println!("\nFinished in {:.2} seconds", total.as_secs_f64());
    Serial {
        total,
        slowest_device,
    }
}
