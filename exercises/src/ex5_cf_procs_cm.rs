//! Exercise 5, `ex5_cf_procs_cm`: ex4 with the pool in a block, Python's `with`.
//!
//! The same process pool and output as ex4, but the pool lives in a block `{ ... }` whose
//! last line is `pool.shutdown()`: it waits for the jobs, then stops the workers, as the end
//! of a `with` block does. (Dropping a `procspawn::Pool` kills its workers instead.) Then,
//! after the block, `Finished in N.NN seconds`; no worker may still run by then.
//! Check it: `cargo run --bin check ex5_cf_procs_cm`.

use shared::Device;

pub const MAX_PROCS: usize = 5;

pub fn run(devices: &[Device]) {
    // TODO: the clock, then a block: the pool, one job per device, each result as it
    // TODO: completes, and `pool.shutdown()` as the block's last line.
    // TODO: after the block, the time.
    todo!("{} devices, a process pool in a block", devices.len())
}
