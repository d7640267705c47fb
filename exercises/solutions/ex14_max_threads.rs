//! `ex14_max_threads`, solved: as many threads as the AAA server takes logins at once.

use std::time::Instant;

use shared::Device;

/// The narrowest shared resource sets the pool: 8 keeps the AAA server busy. A few more
/// would only wait in its queue (harmless up to its timeout); far more fail there.
pub fn max_threads() -> usize {
    8
}

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads());
    let (sender, completed) = crossbeam::channel::unbounded();
    pool.in_place_scope_fifo(|scope| {
        for device in devices {
            let sender = sender.clone();
            scope.spawn_fifo(move |_| {
                let _ = sender.send(shared::show_version(device));
            });
        }
    });
    drop(sender);
    let failed: Vec<_> = completed.iter().filter_map(Result::err).collect();
    for error in &failed {
        println!("Error: {error}");
    }
    println!(
        "{} ok, {} failed",
        devices.len() - failed.len(),
        failed.len()
    );
    let took = start_time.elapsed().as_secs_f64();
    println!("Finished in {took:.2} seconds");
}
