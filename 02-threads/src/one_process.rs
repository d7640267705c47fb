//! Many threads, one process (the notes' first point about threads: one process id, one
//! memory space, several threads the scheduler picks from).
//!
//! Four threads each report the process they run in and their own thread id.
//! Run only this part: `--part one_process`. Look for: one pid everywhere, a different
//! thread id for each thread.

use std::collections::HashSet;
use std::thread;

use shared::join;

pub fn run() {
    shared::print_header("Many threads, one process");
    let pid = std::process::id();
    println!(
        "main thread: pid {pid}, thread id {}",
        number(thread::current().id())
    );

    // Each thread only reports who it is. `ThreadId` is Rust's own number for a thread, given
    // out in the order threads are created and never given to another thread, even after
    // this one ends. Python's `threading.get_ident()` is close, but Python may hand an
    // ended thread's ident to a new thread. `thread::scope` joins them all before it returns.
    let reports: Vec<(u32, thread::ThreadId)> = thread::scope(|scope| {
        let threads: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| (std::process::id(), thread::current().id())))
            .collect();
        threads.into_iter().map(join).collect()
    });
    for (n, (thread_pid, id)) in reports.iter().enumerate() {
        println!(
            "thread {}: pid {thread_pid}, thread id {}",
            n + 1,
            number(*id)
        );
    }
    println!(
        "(Thread ids count up as threads are created; numbers skipped here went to threads\n\
         started earlier, such as the in-process lab's.)"
    );

    let same_pid = reports.iter().all(|(thread_pid, _)| *thread_pid == pid);
    let ids: HashSet<_> = reports.iter().map(|(_, id)| *id).collect();
    println!(
        "{} threads, {} process id, {} different thread ids:\n\
         they all live in one process and share its memory.",
        reports.len(),
        if same_pid { "one" } else { "more than one" },
        ids.len(),
    );
}

/// A `ThreadId` as the number it holds (`ThreadId(4)` is 4): std gives the number itself
/// only to nightly builds, and prints it only inside `ThreadId(..)`.
fn number(id: thread::ThreadId) -> String {
    format!("{id:?}")
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}
