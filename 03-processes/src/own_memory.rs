//! Each process has its own memory (the notes; threads, in contrast, share their process's).
//!
//! `SESSIONS_OPENED` counts the SSH sessions a process opened. One worker process per device
//! runs `ssh_conn_counted` and reports its own count; then the parent runs the same function
//! on one thread per device. Run only this part: `--part own_memory`. Look for: 1 in every
//! worker that logged in (0 in one whose login failed), the parent's still 0 after them, and
//! the parent's at one per session once its own threads have run.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::thread;

use shared::{Device, Report};

use crate::workers::{SESSIONS_OPENED, read_reply, ssh_conn_counted, start_ssh_worker};

pub fn run(devices: &[Device], report: &Report, program: &Path) {
    shared::print_header("Each process has its own memory");
    let sessions_opened = || SESSIONS_OPENED.load(Ordering::SeqCst);
    println!(
        "SESSIONS_OPENED counts the SSH sessions a process opened. In the parent it is {}.\n",
        sessions_opened()
    );

    let workers: Vec<_> = devices
        .iter()
        .map(|a_device| start_ssh_worker(program, a_device))
        .collect();
    for (a_device, worker) in devices.iter().zip(workers) {
        let (result, whose) = match worker.and_then(|child| read_reply(child, a_device)) {
            Ok((_, reply)) => {
                let whose = format!(
                    "  (pid {}, its SESSIONS_OPENED: {})",
                    reply.pid, reply.sessions_opened
                );
                (reply.result, whose)
            }
            Err(error) => (Err(error), String::new()),
        };
        match report.count(&a_device.name, &result) {
            Ok(prompt) => report.println(format!("{}: {prompt}{whose}", a_device.name)),
            Err(error) => report.println(format!("Error: {error}{whose}")),
        }
    }
    println!(
        "\nEach worker that logged in added 1 to SESSIONS_OPENED in its own memory; the parent's\n\
         is still {}.",
        sessions_opened()
    );

    println!();
    // Threads live in the parent's memory: the one counter they add to is the parent's.
    thread::scope(|scope| {
        for a_device in devices {
            scope.spawn(move || {
                if let Err(error) = report.count(&a_device.name, &ssh_conn_counted(a_device)) {
                    report.println(format!("Error: {error}  (on a thread of the parent)"));
                }
            });
        }
    });
    println!(
        "The same ssh_conn_counted on {} threads of the parent: its SESSIONS_OPENED is now {},\n\
         one for each session they opened. Threads share their process's memory.",
        devices.len(),
        sessions_opened()
    );
}
