//! Exercise 4, `ex4_cf_ascompleted_procs`: ex3b with a pool of 5 processes.
//!
//! Run each device's `show version` in a worker process of a `procspawn::Pool` (the job is
//! a plain `fn(Device) -> Result<String, SshError>`: it crosses to the worker as serde data,
//! so it captures nothing). Print each result as it completes, framed as in ex1, then
//! `Finished in N.NN seconds`. A worker takes no new job until its result is `join`ed: give
//! each job a thread that joins it and sends the result on a channel.
//! Check it: `cargo run --bin check ex4_cf_ascompleted_procs`.

use shared::Device;

pub const MAX_PROCS: usize = 5;

pub fn run(devices: &[Device]) {
    // TODO: a job function for the workers, above this one.
    // TODO: start the pool, the clock and a channel; spawn one job per device.
    // TODO: print each result as it comes out of the channel, then the time.
    todo!("{} devices, a process pool", devices.len())
}
