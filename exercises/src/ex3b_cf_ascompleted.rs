//! Exercise 3b, `ex3b_cf_ascompleted`: the pool of 5 again, each result printed as it completes.
//!
//! As ex3a, but print each device's output (framed as in ex1) as soon as its job is done,
//! in the order they finish: Python's `as_completed`. In Rust the jobs send their results
//! on one channel (`crossbeam::channel::unbounded`) and the loop prints what comes out.
//! End with `Finished in N.NN seconds`. Check it: `cargo run --bin check ex3b_cf_ascompleted`.

use shared::Device;

pub const MAX_THREADS: usize = 5;

pub fn run(devices: &[Device]) {
    // TODO: start the pool, the clock and a channel.
    // TODO: submit one job per device; each sends its result on the channel.
    // TODO: print each result as it comes out of the channel, then the time.
    todo!("{} devices, a pool, as_completed", devices.len())
}
