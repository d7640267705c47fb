//! Exercise 11, `ex11_async_pool`: a pool of five tasks on one thread.
//!
//! `run` is async on a runtime of one thread. Spawn a task per device (`tokio::spawn`) that
//! takes one of `MAX_TASKS` permits (`tokio::sync::Semaphore`), then awaits
//! `shared::async_ssh::show_version`. Pause `PAUSE` while they run, print `<n> of <total>
//! done after the pause` (`JoinHandle::is_finished`), then each result in list order, framed
//! as in ex1, and `Finished in N.NN seconds`. Check: `cargo run --bin check ex11_async_pool`.

use std::time::Duration;

use shared::Device;

pub const MAX_TASKS: usize = 5;
pub const PAUSE: Duration = Duration::from_millis(500);

#[tokio::main(flavor = "current_thread")]
pub async fn run(devices: &[Device]) {
    // TODO: the clock, the semaphore, a task per device holding a permit while it works.
    // TODO: the pause (on the one thread, the tasks run only while it awaits), the done line.
    // TODO: await each handle in list order and print its result; the time.
    todo!("{} devices, {MAX_TASKS} tasks at a time", devices.len())
}
