//! `ssh_threads_ascompleted_cm`: `ssh_threads_ascompleted` inside a
//! `with ThreadPoolExecutor(max_threads) as pool:` block, which waits for the pool's jobs
//! and shuts it down where the block ends.
//!
//! New: the `with` block, which is rayon's `in_place_scope_fifo` here. The scope returns
//! only when every job spawned in it has finished, and the compiler checks that no job
//! outlives it, so the jobs may borrow the devices instead of copying them.
//! `--part ssh_threads_ascompleted_cm` (or `ascompleted_cm`). What to look for: the same results,
//! order and times as `ssh_threads_ascompleted`.

use std::time::Instant;

use crossbeam::channel;
use shared::{Device, Report, ssh_conn, timedelta};

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header("with ThreadPoolExecutor(max_threads) as pool: as_completed(...)");
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);
    // As in `ssh_threads_ascompleted`, the channel stands for `as_completed`.
    let (sender, completed) = channel::unbounded();

    // `with ThreadPoolExecutor(max_threads) as pool:` is this scope. Its body runs right here
    // on the main thread; the jobs it spawns run on the pool's threads, first submitted first
    // started.
    pool.in_place_scope_fifo(|scope| {
        for a_device in device_list {
            // `pool.submit(ssh_conn, a_device)`: the scope waits for its jobs before it
            // returns, so a job may borrow its device.
            let sender = sender.clone();
            scope.spawn_fifo(move |_| {
                let _ = sender.send((&a_device.name, ssh_conn(a_device)));
            });
        }
        drop(sender);

        for (device_name, result) in completed {
            report.print_result(device_name, &result);
            report.println(timedelta(start_time.elapsed()));
        }
    }); // End of the `with` block: every job has finished; none can still be running.

    // Dropping the pool stops its threads, as `shutdown()` did at the end of the `with` block.
    drop(pool);
    report.elapsed_if_quiet(start_time);
}
