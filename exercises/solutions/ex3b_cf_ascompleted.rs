//! `ex3b_cf_ascompleted`, solved: one channel all jobs send on is `as_completed`.

use std::time::Instant;

use crossbeam::channel;
use shared::{Device, SHORT_DASHES};

pub const MAX_THREADS: usize = 5;

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    let pool = shared::thread_pool(MAX_THREADS);
    let (sender, completed) = channel::unbounded();

    pool.in_place_scope_fifo(|scope| {
        for device in devices {
            let sender = sender.clone();
            scope.spawn_fifo(move |_| {
                let _ = sender.send(shared::show_version(device));
            });
        }
        // Ours goes, so the loop ends once every job has sent its result and dropped its own.
        drop(sender);
        for result in completed {
            match result {
                Ok(output) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
                Err(error) => println!("Error: {error}"),
            }
        }
    });
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
