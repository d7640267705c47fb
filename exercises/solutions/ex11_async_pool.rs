//! `ex11_async_pool`, solved: a `Semaphore` of five permits is the pool.

use std::sync::Arc;
use std::time::{Duration, Instant};

use shared::{Device, SHORT_DASHES};
use tokio::sync::Semaphore;

pub const MAX_TASKS: usize = 5;
pub const PAUSE: Duration = Duration::from_millis(500);

#[tokio::main(flavor = "current_thread")]
pub async fn run(devices: &[Device]) {
    let start_time = Instant::now();
    let pool = Arc::new(Semaphore::new(MAX_TASKS));
    let handles: Vec<_> = devices
        .iter()
        .cloned()
        .map(|device| {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                // Held until the task ends: the permit is a busy worker.
                let _permit = pool.acquire_owned().await;
                shared::async_ssh::show_version(&device).await
            })
        })
        .collect();

    // An `.await`: the one thread runs the tasks meanwhile.
    tokio::time::sleep(PAUSE).await;
    let done = handles.iter().filter(|h| h.is_finished()).count();
    println!("{done} of {} done after the pause", handles.len());

    for handle in handles {
        match handle.await {
            Ok(Ok(output)) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
            Ok(Err(error)) => println!("Error: {error}"),
            Err(error) => println!("Error: a task failed: {error}"),
        }
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
