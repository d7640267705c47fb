//! `proc_w_queue`: the children put `{hostname: output}` on a queue, the parent prints.
//!
//! The fix for `processes_show_ver`'s race: the children print nothing; the parent joins
//! them all, then empties the queue and prints every block whole, in the order the children
//! finished. It has a trap: a child that has put more on the queue than the queue holds
//! cannot finish until somebody reads, and the parent reads only once every child has
//! finished. Nine outputs fit; 100 do not (`--part deadlock --devices 100 --latency 0s`):
//! Python's script hangs there for good; this one prints `deadlock:` within a second or two
//! and empties the queue to go on. The next part, `proc_avoid_deadlock`, reads while the
//! children run. `--part proc_w_queue` (or `queue`, or `deadlock`).

use std::time::{Duration, Instant};

use shared::{Device, Report};

use crate::children::joined_and_counted;
use crate::deadlock_watch::DeadlockWatch;
use crate::queue::{print_queue, start_procs};

pub fn run(devices: &[Device], report: &Report) {
    shared::print_header("proc_w_queue: the children put {hostname: output} on a queue");
    let start_time = Instant::now();

    let watch = DeadlockWatch::start();
    let Some((output_q, procs)) = start_procs(devices, report, watch.port()) else {
        return;
    };

    // Make sure all processes have finished. A real `join()` would wait for ever on a child
    // stuck putting on the full queue: we look out for one while we wait (and, should the
    // watch see nothing, give up after twice the longest device timeout).
    let timeout = devices.iter().map(|d| d.timeout).fold(0.0, f64::max);
    let deadline = start_time + Duration::from_secs_f64(2.0 * timeout);
    let mut output_q = Some(output_q);
    let children = procs.len();
    for (joined_so_far, (name, mut a_proc)) in procs.into_iter().enumerate() {
        let result = loop {
            let Some(q) = output_q.take() else {
                // After the way out, every child puts its output and exits.
                break a_proc.join();
            };
            match a_proc.join_timeout(Duration::from_millis(100)) {
                Err(e) if e.is_timeout() && (watch.stuck() > 0 || Instant::now() > deadline) => {
                    report.note(format_args!(
                        "deadlock: after {}, {} of {children} children not yet joined (we \
                         join them in list order), {} of them stuck putting their output on \
                         the full queue, which we read only once every child has finished. \
                         Reading the queue now to get out of it.",
                        shared::timedelta(start_time.elapsed()),
                        children - joined_so_far,
                        watch.stuck(),
                    ));
                    // Our way out is proc_avoid_deadlock's order: read the queue, then join.
                    print_queue(q, report);
                }
                Err(e) if e.is_timeout() => output_q = Some(q),
                result => {
                    output_q = Some(q);
                    break result;
                }
            }
        };
        joined_and_counted(report, &name, result);
    }

    // `while not output_q.empty(): ...`
    if let Some(q) = output_q {
        print_queue(q, report);
        report.note(
            "No deadlock: every output fit in the queue. To see one: \
             cargo run --bin 05-legacy-procs -- --part deadlock --devices 200",
        );
    }
    shared::print_elapsed(start_time);
}
