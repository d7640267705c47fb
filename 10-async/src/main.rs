//! # Lesson 10: async, the third way: every session on one thread
//!
//! The notes name three ways to be concurrent: threads, processes, and asynchronous code (one
//! thread that never waits), and then skip the third. This lesson ports lessons 6-8's
//! `concurrent.futures` scripts once more, as tokio *tasks* on a runtime of ONE thread: a
//! task that waits for a device gives the thread up at its `.await`, and the thread runs
//! another task meanwhile. The results are the same as with a pool of threads.
//!
//! The parts, one file each, named after the scripts they port (pick with `--part`):
//! | part (file)                | ports                                  | with                  |
//! |----------------------------|----------------------------------------|-----------------------|
//! | `ssh_tasks_simple`         | 06 `ssh_threads_simple`                | `tokio::spawn`        |
//! | `ssh_tasks_wait`           | 06 `ssh_threads_wait`                  | `join_all`            |
//! | `ssh_tasks_ascompleted`    | 07 `ssh_threads_ascompleted`           | `JoinSet::join_next`  |
//! | `ssh_tasks_ascompleted_cm` | 07 `ssh_threads_ascompleted_cm`        | `buffer_unordered`    |
//! | `ssh_tasks_map`            | 08 `ssh_threads_map`                   | `buffered`            |
//! | `blocking_call`            | ours: a blocking call, wrong then right | `spawn_blocking`     |
//! | `all_at_once`              | 04's thread per device, as tasks       | a task per device     |
//!
//! The pool parts keep the course's four sessions at a time (`--workers`), with a `Semaphore`
//! (`pool.rs`) or a stream's limit: a task costs no thread, but the devices then see what
//! they saw in lessons 6-8. The SSH client is `shared::async_ssh`, on russh;
//! `blocking_call` also calls lessons 1-9's blocking one.
//!
//! ```text
//! cargo run --bin 10-async
//! cargo run --bin 10-async -- --part ssh_tasks_ascompleted --workers 9
//! cargo run --bin 10-async -- --part all_at_once --devices 1000 --latency 1s
//! cargo run --bin 10-async -- --fault srx2=hang --timeout 2
//! ```
//!
//! What to look for: the same results, order and times as lessons 6-8, from one thread
//! (but `ssh_tasks_map`, which ends later and says why);
//! `blocking_call` taking the sum of its logins instead of the slowest; `all_at_once` adding
//! no thread for its sessions. Past 100 devices the per-device lines give way to a progress
//! bar, the failures, the times and a summary (`-v` shows everything).

mod all_at_once;
mod blocking_call;
mod pool;
mod runtime;
mod ssh_tasks_ascompleted;
mod ssh_tasks_ascompleted_cm;
mod ssh_tasks_map;
mod ssh_tasks_simple;
mod ssh_tasks_wait;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(
    about = "Lesson 10: lessons 6-8 as tasks on one thread; a blocking call; every device at once",
    mut_arg("workers", |a| a.help(
        "How many sessions each pool part runs at once (default: 4, the course's max_threads; \
         ssh_tasks_simple, blocking_call and all_at_once have no pool)"
    ))
)]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,
    #[command(flatten)]
    pool: shared::WorkerArgs,
    #[command(flatten)]
    parts: shared::PartArgs<Part>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum Part {
    /// tokio::spawn() one device, ask is_finished(), then .await it
    #[value(alias = "simple")]
    SshTasksSimple,
    /// spawn every device into a pool of 4, join_all(), then each result
    #[value(alias = "wait")]
    SshTasksWait,
    /// a JoinSet: each result as soon as its device answers
    #[value(alias = "ascompleted")]
    SshTasksAscompleted,
    /// the with block: a stream of futures, buffer_unordered(4)
    #[value(alias = "ascompleted_cm")]
    SshTasksAscompletedCm,
    /// pool.map: a stream, buffered(4), results in list order
    #[value(alias = "map")]
    SshTasksMap,
    /// a blocking call on the one thread stalls every task; spawn_blocking does not
    #[value(alias = "blocking")]
    BlockingCall,
    /// every device at once on one thread: its threads and memory
    AllAtOnce,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let max_threads = args.pool.or(shared::MAX_THREADS);
    // One report for the run: it counts devices, not connections.
    let report = Report::new(&lab);
    let (devices, in_process) = (&lab.devices, lab.is_in_process());
    args.parts.for_each(|part| {
        runtime::on_one_thread(async {
            match part {
                Part::SshTasksSimple => ssh_tasks_simple::run(devices, &report).await,
                Part::SshTasksWait => ssh_tasks_wait::run(devices, max_threads, &report).await,
                Part::SshTasksAscompleted => {
                    ssh_tasks_ascompleted::run(devices, max_threads, &report).await
                }
                Part::SshTasksAscompletedCm => {
                    ssh_tasks_ascompleted_cm::run(devices, max_threads, &report).await
                }
                Part::SshTasksMap => ssh_tasks_map::run(devices, max_threads, &report).await,
                Part::BlockingCall => blocking_call::run(devices, &report).await,
                Part::AllAtOnce => all_at_once::run(devices, in_process, &report).await,
            }
        })
    });
    lab.finish(&report)
}
