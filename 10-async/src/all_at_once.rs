//! `all_at_once`: lesson 4's thread per device (`threads_show_ver`), as a task per device:
//! every device at once, no pool, on the one thread; then what it cost in threads and memory.
//!
//! New: scale. Lesson 4 starts a thread per device, each with its own stack (2 MiB of address
//! space in Rust, the pages it touches in RAM) and a kernel task to schedule; a task here is
//! a state machine of a few kilobytes that the one thread polls. `--part all_at_once`; try
//! `--devices 1000 --latency 1s`. `--workers` does not apply. What to look for: the thread
//! count does not move, and the memory grows by kilobytes per session.
//!
//! The figures come from `/proc/self/status` (Linux): `Threads`, this process's threads;
//! `VmRSS`, its memory in RAM now; `VmHWM`, the most `VmRSS` has been since it started.
//! They are read before the tasks start and again as each result comes in (the sessions
//! still running are open then), and the most is kept. In-process, both count the lab's own
//! threads and its side of every session as well: the difference is the tasks' share; with
//! `--inventory` the figures are this program's alone (past 100 devices, one thread more
//! from the start: the one that redraws the progress bar).

use std::time::Instant;

use shared::{Device, Report, async_ssh};
use tokio::task::JoinSet;

use crate::pool;

pub async fn run(device_list: &[Device], in_process_lab: bool, report: &Report) {
    let n = device_list.len();
    shared::print_header("every device at once on one thread: a task per device, no pool");
    let start_time = Instant::now();
    let before = Status::now();
    let mut most = before;

    // `for a_device in device_list: threading.Thread(target=ssh_conn, ...).start()`, with a
    // task for a thread.
    let mut completed = JoinSet::new();
    for a_device in device_list.iter().cloned() {
        completed
            .spawn(async move { (a_device.name.clone(), async_ssh::ssh_conn(&a_device).await) });
    }
    while let Some(joined) = completed.join_next().await {
        most = Status::most(most, Status::now());
        let (device_name, result) = pool::joined(joined);
        report.print_result(&device_name, &result);
    }

    match (before, most) {
        (Some(before), Some(most)) => {
            let whose = if in_process_lab {
                "all of this process's, the in-process lab's included"
            } else {
                "all of this process's"
            };
            println!(
                "threads: {} before the tasks, at most {} while they ran ({whose}); lesson 4 \
                 would run {n} more, one per device",
                before.threads, most.threads
            );
            let per_session = most.rss_kb.saturating_sub(before.rss_kb) / n as u64;
            println!(
                "memory: VmRSS {} before, at most {} while they ran (about {per_session} kB per \
                 session); VmHWM {}",
                megabytes(before.rss_kb),
                megabytes(most.rss_kb),
                megabytes(most.hwm_kb)
            );
        }
        _ => println!("(no /proc/self/status on this system: no thread or memory figures)"),
    }
    shared::print_elapsed(start_time);
}

/// What `/proc/self/status` says of this process.
#[derive(Debug, Clone, Copy)]
struct Status {
    threads: u64,
    rss_kb: u64,
    hwm_kb: u64,
}

impl Status {
    fn now() -> Option<Status> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        // Lines such as `Threads:\t1` and `VmRSS:\t   10240 kB`.
        let field = |name: &str| {
            let line = status.lines().find(|line| line.starts_with(name))?;
            line[name.len()..].split_whitespace().next()?.parse().ok()
        };
        Some(Status {
            threads: field("Threads:")?,
            rss_kb: field("VmRSS:")?,
            hwm_kb: field("VmHWM:")?,
        })
    }

    /// The most of each figure over two readings.
    fn most(a: Option<Status>, b: Option<Status>) -> Option<Status> {
        match (a, b) {
            (Some(a), Some(b)) => Some(Status {
                threads: a.threads.max(b.threads),
                rss_kb: a.rss_kb.max(b.rss_kb),
                hwm_kb: a.hwm_kb.max(b.hwm_kb),
            }),
            (a, b) => a.or(b),
        }
    }
}

fn megabytes(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}
