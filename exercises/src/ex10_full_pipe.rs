//! Exercise 10, `ex10_full_pipe`: a process per device, its output sent back through a pipe.
//!
//! Start a process per device, `procspawn::Builder::new().stdout(writer).spawn(device, job)`,
//! each one's stdout a writing end of `exercises::queue::queue()`; the job prints its device's
//! output framed as in ex1, into the queue. The parent prints every line that comes out of the
//! queue, then joins the children (an `Error:` line for each failure) and prints `Finished in
//! N.NN seconds`. Mind the order: the queue holds 4 KiB.
//! Check it: `cargo run --bin check ex10_full_pipe`.

use shared::Device;

pub fn run(devices: &[Device]) {
    // TODO: a job for the children, above this one: `fn(Device) -> Result<(), SshError>`.
    // TODO: the queue; a child per device with a clone of the writing end; drop yours.
    // TODO: print the queue's lines, join the children, print the time.
    todo!("{} devices, a process each", devices.len())
}
