//! `ex5_cf_procs_cm`, solved: ex4 in a block that ends with `pool.shutdown()`.

use std::time::Instant;

use crossbeam::channel;
use shared::{Device, SHORT_DASHES, SshError};

pub const MAX_PROCS: usize = 5;

fn show_version(device: Device) -> Result<String, SshError> {
    shared::show_version(&device)
}

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    // `with ProcessPoolExecutor(MAX_PROCS) as pool:`
    {
        let pool = match procspawn::Pool::new(MAX_PROCS) {
            Ok(pool) => pool,
            Err(error) => return println!("Error: cannot start {MAX_PROCS} processes: {error}"),
        };
        let (sender, completed) = channel::unbounded();
        for device in devices {
            let job = pool.spawn(device.clone(), show_version);
            let sender = sender.clone();
            std::thread::spawn(move || sender.send(job.join()));
        }
        drop(sender);
        for result in completed {
            match result {
                Ok(Ok(output)) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
                Ok(Err(error)) => println!("Error: {error}"),
                Err(error) => println!("Error: a worker process failed: {error}"),
            }
        }
        // What the end of the `with` block does: wait for the jobs, then stop the workers.
        pool.shutdown();
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
