//! `ex2_legacy_threads`, solved: a scoped thread per device, joined where the scope ends.

use std::time::Instant;

use shared::{Device, SHORT_DASHES};

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    std::thread::scope(|scope| {
        for device in devices {
            // Each thread prints its whole block with one `println!`, so blocks never mix.
            scope.spawn(move || match shared::show_version(device) {
                Ok(output) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
                Err(error) => println!("Error: {error}"),
            });
        }
    }); // Every thread is joined here.
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
