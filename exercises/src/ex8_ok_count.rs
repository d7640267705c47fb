//! Exercise 8, `ex8_ok_count`: a count the threads share, with no update lost.
//!
//! A thread per device runs `shared::show_version`; a device that fails prints its
//! `Error: <error>` line, and one that answers adds one to a count of ok devices that every
//! thread shares. Rust refuses a plain `usize` changed from many threads: use an
//! `AtomicUsize` (`fetch_add`) or a `Mutex<usize>`. Print no outputs, only the errors and,
//! last, `<ok> ok, <failed> failed`. Check it: `cargo run --bin check ex8_ok_count`.

use shared::Device;

pub fn run(devices: &[Device]) {
    // TODO: the shared count; a scoped thread per device that adds 1 when its result is ok.
    // TODO: after the threads: `<ok> ok, <failed> failed`.
    todo!("count the ok devices among {}", devices.len())
}
