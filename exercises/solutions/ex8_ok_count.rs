//! `ex8_ok_count`, solved: `fetch_add` reads and adds in one step, so no update is lost.

use std::sync::atomic::{AtomicUsize, Ordering};

use shared::Device;

pub fn run(devices: &[Device]) {
    let ok = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for device in devices {
            let ok = &ok;
            scope.spawn(move || match shared::show_version(device) {
                Ok(_) => {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
                Err(error) => println!("Error: {error}"),
            });
        }
    });
    let ok = ok.into_inner();
    println!("{ok} ok, {} failed", devices.len() - ok);
}
