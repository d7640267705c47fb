//! Exercise 3a, `ex3a_cf_wait`: a pool of 5 threads, `wait()` for all, then print.
//!
//! Give every device's `shared::show_version` to a pool of `MAX_THREADS` threads
//! (`shared::thread_pool`, a rayon pool); wait until every job is done (rayon's
//! `in_place_scope_fifo` returns when all its jobs have), then print the results in list
//! order, framed as in ex1, and `Finished in N.NN seconds`.
//! Check it: `cargo run --bin check ex3a_cf_wait`.

use shared::Device;

pub const MAX_THREADS: usize = 5;

pub fn run(devices: &[Device]) {
    // TODO: start the pool and the clock.
    // TODO: submit one job per device; each stores its result in that device's slot.
    // TODO: once all are done, print each result in list order, then the time.
    todo!("{} devices, a pool, wait()", devices.len())
}
