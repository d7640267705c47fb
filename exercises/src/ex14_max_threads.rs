//! Exercise 14, `ex14_max_threads`: choosing `max_threads`.
//!
//! `run` is written: a pool of `max_threads()` threads runs `show version` on 40 devices. Every
//! login goes through one AAA server that works on 8 logins at once (0.1 s each) and turns
//! away a login that waited 0.15 s in its queue. Too few threads leave it idle; too many queue
//! past its patience, and those devices fail. Make `max_threads` return a number that keeps it
//! busy and fails none. Check it: `cargo run --bin check ex14_max_threads`.

use std::time::Instant;

use shared::Device;

pub fn max_threads() -> usize {
    // TODO: how many threads?
    todo!("a pool size for an AAA server of 8")
}

pub fn run(devices: &[Device]) {
    show_version_on_a_pool(devices, max_threads());
}

/// The program around your number: `show version` from a pool of `max_threads`, then how
/// many devices answered and the time.
pub fn show_version_on_a_pool(devices: &[Device], max_threads: usize) {
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);
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
