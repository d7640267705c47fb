//! # Lesson 05: one process per device
//!
//! A port of the course's legacy multiprocessing scripts, in three parts:
//!
//! 1. **`processes_show_ver`**: one process per device runs `show version` and prints its
//!    own output between lines of `#`; the parent keeps the processes in a list, joins them
//!    in order and prints the elapsed time. Like threads, it takes about as long as the
//!    slowest device.
//! 2. **`proc_w_queue`**: the children print nothing. Each hands `{hostname: output}` back
//!    to the parent, which collects them in the order the children finish and prints them
//!    all once every child is done.
//! 3. **`proc_avoid_deadlock`**: the trap the course warns about. A child writes a large
//!    result into a pipe; the parent waits for the child to exit before it reads. The pipe
//!    fills, the child blocks on its write, the parent blocks on its wait: neither ever
//!    moves again. The lesson shows it with a time limit (no hang), then the fix: read
//!    while the child runs.
//!
//! Python's `Process(target=show_version, args=(a_device,))` + `start()` is
//! `procspawn::spawn(a_device, show_version)` here. procspawn starts this same program
//! again as the child (that is why `procspawn::init()` must be the first line of `main`),
//! sends it the argument serialized over a local socket, runs the function there and
//! sends its return value back the same way. So a worker is a plain `fn` (it cannot
//! capture variables, the child has none of the parent's memory) and its argument and
//! result are serde types.
//!
//! Run it:
//!
//! ```text
//! cargo run --bin 05-legacy-procs                          # all three parts
//! cargo run --bin 05-legacy-procs -- --variant queue       # or processes, deadlock
//! cargo run --bin 05-legacy-procs -- --fault srx2=refuse
//! cargo run --bin 05-legacy-procs -- --devices 50 --latency 1s
//! cargo run --bin 05-legacy-procs -- --inventory my-devices.yaml
//! ```
//!
//! What to look for: in part 1 the blocks arrive in the order the devices answer,
//! printed by the children themselves; in part 2 all of them at once at the end, in the
//! order the children finished; in part 3 the `deadlock:` line after two seconds, then the
//! same child finishing at once when its output is read while it runs. Past 100 devices the
//! blocks give way to a progress bar, the failed devices and a count (`-v` prints them all).
//!
//! To see the processes, make part 1 last (every login and command takes 20 s):
//! `cargo run --bin 05-legacy-procs -- --variant processes --latency 20s --timeout 30`, and
//! in another terminal `ps -f --ppid $(pgrep -x 05-legacy-procs)`: one child per device.
//! They show as `/proc/self/exe`, the path procspawn starts this program again by.

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use shared::{Device, Report, SshError};

#[derive(Debug, Parser)]
#[command(about = "Lesson 5: a process per device, results sent back, and the pipe deadlock")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    /// The parts to run, e.g. `queue` or `queue,deadlock` (default: all three)
    #[arg(long, value_enum, value_delimiter = ',')]
    variant: Vec<Variant>,

    /// Internal: be the child of part 3, which writes a large result to stdout
    #[arg(long, hide = true)]
    write_big_result: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Variant {
    /// processes_show_ver: every child prints its own output
    Processes,
    /// proc_w_queue: children return {hostname: output}, the parent prints
    Queue,
    /// proc_avoid_deadlock: a large result in a pipe nobody reads, then the fix
    Deadlock,
}

/// The line printed above and below each device's output.
const HASHES: &str =
    "################################################################################";

/// The size of part 3's result: far more than a pipe holds.
const BIG_RESULT: usize = 1024 * 1024;

/// How long part 3 lets the deadlock last before calling it one.
const DEADLOCK_LIMIT: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    // First line, always: a child started by procspawn runs `main` from the top, and
    // `init()` is where it picks up its job and, once done, exits. Anything above this
    // line would run again in every child.
    procspawn::init();

    let args = Args::parse();
    if args.write_big_result {
        return write_big_result();
    }
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    // One report for the whole run: a device that fails in both parts is one failed device.
    let report = Report::new(&lab);

    let run = |variant| args.variant.is_empty() || args.variant.contains(&variant);
    if run(Variant::Processes) {
        processes_show_ver(&lab.devices, &report);
        println!();
    }
    if run(Variant::Queue) {
        proc_w_queue(&lab.devices, &report);
        println!();
    }
    let deadlock = if run(Variant::Deadlock) {
        proc_avoid_deadlock()
    } else {
        Ok(())
    };
    drop(lab);

    let code = report.exit_code();
    match deadlock {
        Ok(()) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------
// Part 1: processes_show_ver
// ---------------------------------------------------------------------------------------

/// The child's job in part 1. `a_device` arrived serialized over a socket; what it prints
/// goes to the stdout the child inherited from the parent.
fn show_version(a_device: Device) -> Result<(), SshError> {
    let output = shared::show_version(&a_device)?;
    // Nine processes share one stdout, and what they share it by is the `write` call to
    // the kernel. `println!` would make several calls here (Rust's stdout passes text on
    // at each newline it is handed), so the block is built first and written in one call.
    // Into a pipe (`| cat`), one write of at most 4 KiB (PIPE_BUF) lands whole whatever
    // the other children do; a bigger one may be cut, with another child's block in the
    // middle, and other outputs (a terminal, a file) promise nothing. Hence part 2: there
    // the parent alone prints.
    let block = format!("{HASHES}\n{output}\n{HASHES}\n");
    let _ = std::io::stdout().lock().write_all(block.as_bytes());
    Ok(())
}

fn processes_show_ver(devices: &[Device], report: &Report) {
    println!("=== Part 1: one process per device, each prints its own output ===\n");
    let start_time = Instant::now();

    let mut procs = Vec::new();
    for a_device in devices {
        let my_proc = if report.is_quiet() {
            // Past 100 devices the blocks would bury the summary: the children get no
            // stdout (by default a child shares its parent's).
            procspawn::Builder::new()
                .stdout(Stdio::null())
                .spawn(a_device.clone(), show_version)
        } else {
            procspawn::spawn(a_device.clone(), show_version)
        };
        procs.push((a_device.name.clone(), my_proc));
    }

    // Unlike `threading.enumerate()` there is nothing to skip: `procs` holds the children
    // and nothing else. `join()` waits for a child to finish and hands back its return value.
    for (name, a_proc) in procs {
        if let Err(e) = report.count(&joined(&name, a_proc.join())) {
            report.println(format_args!("Error: {e}"));
        }
    }

    println!(
        "\nElapsed time: {}",
        shared::timedelta(start_time.elapsed())
    );
}

// ---------------------------------------------------------------------------------------
// Part 2: proc_w_queue
// ---------------------------------------------------------------------------------------

/// The child's job in part 2: print nothing, return `{hostname: output}`.
///
/// Python's child puts that dict on a `multiprocessing.Queue`; a procspawn child simply
/// returns it, and procspawn carries it back to the parent through its socket.
fn show_version_queue(a_device: Device) -> Result<HashMap<String, String>, SshError> {
    let output = shared::show_version(&a_device)?;
    Ok(HashMap::from([(a_device.name, output)]))
}

fn proc_w_queue(devices: &[Device], report: &Report) {
    println!("=== Part 2: the children return {{hostname: output}}, the parent prints ===\n");
    let start_time = Instant::now();

    let mut procs = Vec::new();
    for a_device in devices {
        let my_proc = procspawn::spawn(a_device.clone(), show_version_queue);
        procs.push((a_device.name.clone(), my_proc));
    }

    // Python's children put their results on one queue as they finish, and the parent
    // joins them all. procspawn has no shared queue: each child's result waits in its own
    // handle. So the parent asks every child still running "done yet?" (`join_timeout`
    // with no wait) and moves each result to `output_q` as it comes. When `procs` is empty,
    // every child is joined and `output_q` holds the results in the order they finished.
    let mut output_q = Vec::new();
    loop {
        procs.retain_mut(|(name, a_proc)| match a_proc.join_timeout(Duration::ZERO) {
            Err(e) if e.is_timeout() => true,
            result => {
                output_q.push(joined(name, result));
                false
            }
        });
        if procs.is_empty() {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }

    for result in &output_q {
        match report.count(result) {
            Ok(output_dict) => {
                for (hostname, output) in output_dict {
                    report.println(format_args!("{hostname}\n{HASHES}\n{output}\n{HASHES}\n"));
                }
            }
            Err(e) => report.println(format_args!("Error: {e}")),
        }
    }

    println!("Elapsed time: {}", shared::timedelta(start_time.elapsed()));
}

/// What `join()` gave, as one `Result`: the job's own error names its device; a child
/// that died on its own (killed, crashed) is that device's failure too.
fn joined<T>(
    device: &str,
    joined: Result<Result<T, SshError>, procspawn::SpawnError>,
) -> Result<T, SshError> {
    joined.unwrap_or_else(|e| {
        Err(SshError::CommandFailed {
            device: device.to_string(),
            command: "show version".to_string(),
            message: format!("its process failed: {e}"),
        })
    })
}

// ---------------------------------------------------------------------------------------
// Part 3: proc_avoid_deadlock
// ---------------------------------------------------------------------------------------
//
// Shown bare, with `std::process::Command`: this program starts itself again with a
// hidden flag, and that child writes a 1 MiB result (think `show tech-support`) to its
// stdout, a pipe to the parent. A pipe is a small buffer in the kernel (64 KiB on Linux):
// once it is full, the writer's `write` blocks until somebody reads.

/// The child of part 3: write the whole result, then exit.
fn write_big_result() -> ExitCode {
    let result = vec![b'#'; BIG_RESULT];
    match std::io::stdout().lock().write_all(&result) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn spawn_big_result_child() -> Result<std::process::Child, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    Command::new(me)
        .arg("--write-big-result")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the child process: {e}"))
}

fn proc_avoid_deadlock() -> Result<(), String> {
    println!("=== Part 3: a child with a large result, and a parent that waits to read it ===\n");
    let mib = BIG_RESULT / (1024 * 1024);

    // 3a. The trap: wait for the child first, read its result afterwards. `child.wait()`
    // would block for ever; we ask `try_wait()` (has it exited?) until a deadline instead.
    let mut child = spawn_big_result_child()?;
    let deadline = Instant::now() + DEADLOCK_LIMIT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                println!(
                    "no deadlock this time: the child exited ({status}) with its result unread"
                );
                break;
            }
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                println!(
                    "deadlock: child still blocked after {}s, its {mib} MiB result fills the 64 KiB pipe",
                    DEADLOCK_LIMIT.as_secs()
                );
                // A real script would hang here; we end the child to go on.
                let _ = child.kill();
                let _ = child.wait();
                println!("(killed the child to go on)");
                break;
            }
            Err(e) => return Err(format!("cannot wait for the child: {e}")),
        }
    }

    // 3b. The fix: read while the child runs. `wait_with_output()` reads the pipe to its
    // end (the child exits once everything is written) and only then waits for the exit.
    // The course's fix is the same idea, and so is part 2's loop: take what the children
    // send while any of them is still running.
    let start_time = Instant::now();
    let child = spawn_big_result_child()?;
    let output = child
        .wait_with_output()
        .map_err(|e| format!("cannot read the child's result: {e}"))?;
    println!(
        "fixed: read {} KiB while the child ran; it then exited ({}) after {}",
        output.stdout.len() / 1024,
        output.status,
        shared::timedelta(start_time.elapsed())
    );

    // 3c. procspawn never shows this trap, though its child is stuck the same way: the
    // result goes back through a socket that fills up like a pipe, and the child sits in
    // its send until the parent reads. But procspawn's `join()` reads the result first and
    // waits for the exit after: the fix of 3b is built in.
    let start_time = Instant::now();
    let result = procspawn::spawn(BIG_RESULT, big_result)
        .join()
        .map_err(|e| format!("the procspawn child failed: {e}"))?;
    println!(
        "procspawn: join() returned the {} KiB result after {}: it reads before it waits",
        result.len() / 1024,
        shared::timedelta(start_time.elapsed())
    );
    Ok(())
}

/// Part 3c's child: a large return value.
fn big_result(size: usize) -> String {
    "#".repeat(size)
}
