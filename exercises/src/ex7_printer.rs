//! Exercise 7, `ex7_printer`: ex2's thread per device, with one printer instead of nine.
//!
//! Threads that print their own lines can mix them (the stdout race). Here the device
//! threads print nothing: each sends its device's result on a channel
//! (`crossbeam::channel::unbounded`), and one printer, the main thread, prints each result
//! as it arrives, framed as in ex1, then `Finished in N.NN seconds`.
//! Check it: `cargo run --bin check ex7_printer`.

use shared::Device;

pub fn run(devices: &[Device]) {
    // TODO: the clock and a channel; a scoped thread per device that sends its result.
    // TODO: drop the main thread's sender, then print what comes out, as it comes.
    // TODO: the time.
    todo!("{} threads and one printer", devices.len())
}
