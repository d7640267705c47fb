//! `proc_avoid_deadlock`: `proc_w_queue` with the queue emptied while the children run.
//!
//! The same children, the same queue; only the order in the parent changes: read first
//! (each child can then finish, however much it puts on the queue), join after. Reading the
//! queue to its end is Python's `while any(p.is_alive() ...)` loop: it ends when the last
//! child has exited and closed its end. `--part proc_avoid_deadlock` (or `avoid_deadlock`).
//! Look for the same blocks as `proc_w_queue`, and no `deadlock:` line however many devices.

use std::time::Instant;

use shared::{Device, Report};

use crate::children::joined_and_counted;
use crate::queue::{print_queue, start_procs};

pub fn run(devices: &[Device], report: &Report) {
    shared::print_header(
        "proc_avoid_deadlock: the parent empties the queue while the children run",
    );
    let start_time = Instant::now();

    let Some((output_q, procs)) = start_procs(devices, report, None) else {
        return;
    };

    // New against proc_w_queue: the queue is emptied while the children live...
    print_queue(output_q, report);

    // ...and only then are they joined: by now each has put its output and exited.
    for (name, a_proc) in procs {
        joined_and_counted(report, &name, a_proc.join());
    }

    shared::print_elapsed(start_time);
}
