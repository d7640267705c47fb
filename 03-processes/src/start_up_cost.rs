//! Start-up cost (the notes: processes take more time and resources to start than threads;
//! for IO-bound work that hardly shows, and the course saw no real difference in run time).
//!
//! N threads, then N processes (this program again, with `--worker exit`), each doing
//! nothing but start and end, timed from the first start to the last exit. Run only this
//! part: `--part start_up_cost`. Look for: a process costing many times a thread, and both
//! small next to an SSH login to a real device.

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub fn run(n: usize, program: &Path) {
    shared::print_header("What starting costs: threads against processes");
    println!("{n} threads, then {n} processes, each doing nothing but start and end\n");

    let start = Instant::now();
    let threads: Vec<_> = (0..n).map(|_| thread::spawn(|| {})).collect();
    for thread in threads {
        let _ = thread.join();
    }
    let with_threads = start.elapsed();

    let start = Instant::now();
    let processes: Vec<_> = (0..n)
        .map(|_| {
            Command::new(program)
                .args(["--worker", "exit"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
        })
        .collect();
    let mut not_started = 0;
    for process in processes {
        match process {
            Ok(mut child) => {
                let _ = child.wait();
            }
            Err(_) => not_started += 1,
        }
    }
    let with_processes = start.elapsed();

    let row = |what: &str, total: Duration| {
        let ms = total.as_secs_f64() * 1000.0;
        println!(
            "  {n} {what:<10} {ms:>8.2} ms ({:.2} ms each)",
            ms / n as f64
        );
    };
    row("threads:", with_threads);
    row("processes:", with_processes);
    if not_started > 0 {
        println!("  ({not_started} processes could not be started)");
    }
    println!(
        "\nA process took about {:.0}x as long to start as a thread: it gets its own memory\n\
         and loads the program again. Next to an SSH login to a real device, which takes a\n\
         second or more, both are small.",
        with_processes.as_secs_f64() / with_threads.as_secs_f64().max(1e-9)
    );
}
