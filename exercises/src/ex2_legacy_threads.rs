//! Exercise 2, `ex2_legacy_threads`: one thread per device, as `threading.Thread` did.
//!
//! Start a thread for every device (`std::thread::scope` lets the threads borrow the
//! devices); each runs `shared::show_version` and prints its own result, as ex1 does. Wait
//! for every thread, then print `Finished in N.NN seconds`. All nine devices are busy at once.
//! Check it: `cargo run --bin check ex2_legacy_threads`.

use shared::Device;

pub fn run(devices: &[Device]) {
    // TODO: note the start time.
    // TODO: start one thread per device; each prints its output between lines of 40 dashes.
    // TODO: join them all (the end of a `std::thread::scope` does), then print the time.
    todo!("a thread for each of {} devices", devices.len())
}
