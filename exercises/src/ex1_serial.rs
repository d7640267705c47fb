//! Exercise 1, `ex1_serial`: the serial baseline every later exercise is measured against.
//!
//! Run `show version` on each device, one after the other (`shared::show_version`). Print
//! each output between two lines of 40 dashes (`shared::SHORT_DASHES`), or `Error: <error>`
//! for a device that fails; end with `Finished in N.NN seconds` (`std::time::Instant`).
//! Check it: `cargo run --bin check ex1_serial`.

use shared::Device;

pub fn run(devices: &[Device]) {
    // TODO: note the start time.
    // TODO: for each device in turn: its `show version` output between two lines of dashes.
    // TODO: print the time it all took, with two decimals.
    todo!("{} devices, one after the other", devices.len())
}
