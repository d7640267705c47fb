//! `ex3a_cf_wait`, solved: a slot per device, filled by the pool's jobs.

use std::time::Instant;

use shared::{Device, SHORT_DASHES, SshError};

pub const MAX_THREADS: usize = 5;

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    let pool = shared::thread_pool(MAX_THREADS);
    let mut results: Vec<Option<Result<String, SshError>>> = devices.iter().map(|_| None).collect();

    // Python's `wait(future_list)`: the scope returns once every job in it has finished.
    pool.in_place_scope_fifo(|scope| {
        for (device, slot) in devices.iter().zip(results.iter_mut()) {
            scope.spawn_fifo(move |_| *slot = Some(shared::show_version(device)));
        }
    });

    for result in results.into_iter().flatten() {
        match result {
            Ok(output) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
            Err(error) => println!("Error: {error}"),
        }
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
