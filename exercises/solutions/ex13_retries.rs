//! `ex13_retries`, solved: backon's exponential backoff, only for transient failures.

use std::time::Duration;
use std::time::Instant;

use backon::{BlockingRetryable as _, ExponentialBuilder};

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
    // Waits of 0.1 s, 0.2 s, 0.4 s... each with a random part, so the logins that were turned
    // away together do not all come back together.
    let backoff = ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(100))
        .with_max_times(RETRIES)
        .with_jitter();
    (|| shared::show_version(device))
        .retry(backoff)
        // A wrong password stays wrong: only what may pass (the AAA queue, a busy device).
        .when(SshError::is_transient)
        .call()
}
