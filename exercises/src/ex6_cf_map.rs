//! Exercise 6, `ex6_cf_map`: a process pool of 5 mapped over two lists, in a block.
//!
//! The lists: the devices, and each one's ARP command (`shared::arp_command`: `show arp` on
//! Junos, `show ip arp` elsewhere). Run `shared::send_command(device, command)` for each pair
//! on a `procspawn::Pool` of 5 and print the results in list order, as `pool.map` gives them:
//! 40 dashes, `<device>: <command>`, the output, 40 dashes. Shut the pool down at the end of
//! its block, then `Finished in N.NN seconds`. Check it: `cargo run --bin check ex6_cf_map`.

use shared::Device;

pub const MAX_PROCS: usize = 5;

pub fn run(devices: &[Device]) {
    // TODO: the commands, one per device; a job that takes a `(Device, String)` pair.
    // TODO: in a block: the pool, a job per pair, each result printed in list order (a
    // TODO: one-slot channel per job is a future you can wait on), `pool.shutdown()`.
    // TODO: the time.
    todo!("{} ARP tables in list order", devices.len())
}
