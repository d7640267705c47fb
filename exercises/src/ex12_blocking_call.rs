//! Exercise 12, `ex12_blocking_call`: a blocking call, moved off the async thread.
//!
//! Every device at once from a runtime of one thread, but the job is the blocking
//! `shared::show_version` (ssh2, made for threads): called in a task it holds the one
//! thread until its session is over. Hand it to `tokio::task::spawn_blocking` (a
//! `tokio::task::JoinSet` can do that and hand back each result as it completes); print each
//! as it comes, framed as in ex1, then `Finished in`.
//! Check it: `cargo run --bin check ex12_blocking_call`.

use shared::Device;

#[tokio::main(flavor = "current_thread")]
pub async fn run(devices: &[Device]) {
    // TODO: the clock; every device's blocking job in the blocking pool, all at once.
    // TODO: each result as it completes (`join_next().await`), then the time.
    todo!("{} blocking calls off the thread", devices.len())
}
