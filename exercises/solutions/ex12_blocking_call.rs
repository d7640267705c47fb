//! `ex12_blocking_call`, solved: `spawn_blocking` runs the call on tokio's blocking pool.

use std::time::Instant;

use shared::{Device, SHORT_DASHES};
use tokio::task::JoinSet;

#[tokio::main(flavor = "current_thread")]
pub async fn run(devices: &[Device]) {
    let start_time = Instant::now();
    let mut completed = JoinSet::new();
    for device in devices {
        let device = device.clone();
        completed.spawn_blocking(move || shared::show_version(&device));
    }
    while let Some(joined) = completed.join_next().await {
        match joined {
            Ok(Ok(output)) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
            Ok(Err(error)) => println!("Error: {error}"),
            Err(error) => println!("Error: a job failed: {error}"),
        }
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
