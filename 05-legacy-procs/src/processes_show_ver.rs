//! `processes_show_ver`: a process per device, and every child prints its own result.
//!
//! The same program as lesson 04's `threads_show_ver` with processes: each child prints 80
//! `#`, its device's `show version` line by line, and 80 `#`; the parent keeps the children
//! in a list, joins them in order and prints the elapsed time. Nine processes write to one
//! terminal and nobody decides who goes first: their lines mix, as threads' did. The fix is
//! the course's next script, `proc_w_queue` (the next part, not a second half here: the
//! course itself answers the race with it). `--part processes_show_ver` (or `processes`).
//! The start line is not in the Python script: it makes the race show on every run.

use std::io::Write as _;
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use crate::children::joined_and_counted;
use shared::start_gate::{start_line, wait_at_start_line};
use shared::{Device, HASHES, Report, SshError};

pub fn run(devices: &[Device], report: &Report) {
    shared::print_header("processes_show_ver: every child process prints its own result");
    let start_time = Instant::now();

    // Each child waits, output in hand, until the others have theirs (half a second at most
    // after the last one came: a hung device holds nobody back); then they print together.
    // Processes share no memory, so 04's gate in memory cannot do it: the parent holds a
    // local port the children connect to. Past 100 devices the blocks would bury the
    // summary: the children get no stdout (by default a child shares its parent's) and
    // need not wait for each other.
    let start_line = if report.is_quiet() {
        None
    } else {
        start_line(devices.len())
    };
    let mut procs = Vec::new();
    for a_device in devices {
        let mut my_proc = procspawn::Builder::new();
        if report.is_quiet() {
            my_proc.stdout(Stdio::null());
        }
        let my_proc = my_proc.spawn((a_device.clone(), start_line), show_version);
        procs.push((a_device.name.clone(), my_proc));
    }

    // Unlike `threading.enumerate()` there is nothing to skip: `procs` holds the children
    // and nothing else. `join()` waits for a child to finish and hands back its return value.
    for (name, a_proc) in procs {
        joined_and_counted(report, &name, a_proc.join());
    }

    println!();
    shared::print_elapsed(start_time);
}

/// The child's job. `a_device` arrived serialized over a socket; what it prints goes to the
/// stdout it inherited from the parent, one line per call, as Python's `print` does: between
/// two lines of this child, any other child may write its own.
fn show_version((a_device, start_line): (Device, Option<u16>)) -> Result<(), SshError> {
    let result = shared::show_version(&a_device);
    if let Some(port) = start_line {
        wait_at_start_line(port, Duration::from_secs_f64(a_device.timeout));
    }
    // `writeln!`, not `println!`: a reader that went away (`| head`) ends the printing
    // quietly instead of panicking in nine children.
    let mut stdout = std::io::stdout();
    // A failure is the parent's to print: it hears of it from `join()`, crashes included.
    if let Ok(output) = &result {
        let _ = writeln!(stdout, "{HASHES}").and_then(|()| {
            for line in output.lines() {
                // Let another process run after every line, as the scheduler may at any time.
                thread::yield_now();
                writeln!(stdout, "{line}")?;
            }
            writeln!(stdout, "{HASHES}")
        });
    }
    result.map(drop)
}
