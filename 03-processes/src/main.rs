//! # Lesson 3: processes
//!
//! One process per SSH session, as the lesson notes describe it, built by hand with
//! `std::process::Command` so you see what a process library (Python's `multiprocessing`,
//! Rust's `procspawn` in lesson 5) does underneath:
//!
//! - The program starts a copy of itself per device, with a hidden `--worker ssh` flag.
//! - Processes share no memory, so the parent *sends* the device to the worker: serialized
//!   as one line of JSON into the worker's stdin. The worker connects, and sends its
//!   `Result<String, SshError>` back the same way, through its stdout. That pipe carrying
//!   serialized data is inter-process communication.
//! - Each worker reports its own pid, and a counter it changed in its own memory (the
//!   sessions it opened): the parent's copy of that counter never moves.
//! - Last, the start-up cost: N processes against N threads, each only adding 1 to a counter.
//!
//! Run it:
//! ```text
//! cargo run --bin 03-processes
//! cargo run --bin 03-processes -- --fault srx2=auth-fail       # one device fails, the rest go on
//! cargo run --bin 03-processes -- --devices 200 --latency 200ms
//! cargo run --bin 03-processes -- --inventory my-devices.yaml  # your own devices
//! ```
//! What to look for: a different pid on every line, none of them the parent's; the counter
//! at 1 in every worker that logged in (0 in one whose login failed) and still at 0 in the
//! parent; the elapsed time close to the slowest device; a process costing far more to start
//! than a thread, and still little next to an SSH login.
//!
//! To see the workers as processes of their own, slow the devices down and look from a
//! second terminal while the lesson waits:
//! ```text
//! cargo run --bin 03-processes -- --latency 20s --timeout 30
//! pgrep -a 03-processes                  # in the second terminal: the parent and nine workers
//! ps -f --ppid <the parent's pid>        # only the workers, with the parent's pid beside each
//! ```

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};
use shared::{Connection, Device, Report, SshError};

#[derive(Debug, Parser)]
#[command(about = "Lesson 3: one process per SSH session, by hand: own pid, own memory, a pipe")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    /// Run as a worker process (the lesson starts these itself)
    #[arg(long, value_enum, hide = true)]
    worker: Option<Job>,
}

/// What a worker process is asked to do.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Job {
    /// Read a device on stdin, connect, write the result on stdout.
    Ssh,
    /// Add 1 to a counter and exit: to measure what starting a process costs.
    Count,
}

/// What a worker sends back through the pipe.
#[derive(Debug, Serialize, Deserialize)]
struct Reply {
    pid: u32,
    /// The worker's own `SESSIONS_OPENED` when it finished.
    sessions_opened: usize,
    result: Result<String, SshError>,
}

/// How many SSH sessions this process opened (logged in). Every process has its own copy.
static SESSIONS_OPENED: AtomicUsize = AtomicUsize::new(0);

/// A counter the start-up measurement adds 1 to, from threads or from processes.
static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn main() -> ExitCode {
    let args = Args::parse();
    // A worker does its one job and exits: it never starts a lab of its own.
    match args.worker {
        Some(Job::Ssh) => return ssh_worker(),
        Some(Job::Count) => {
            COUNTER.fetch_add(1, Ordering::SeqCst);
            return ExitCode::SUCCESS;
        }
        None => {}
    }
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    let devices = &lab.devices;
    let this_program = std::env::current_exe();

    // ---- One process per SSH session ------------------------------------------------------
    let parent_pid = std::process::id();
    println!("One process per SSH session\n");
    println!("The parent is pid {parent_pid}.\n");
    let start_time = Instant::now();

    // Start every worker first, so that they all run at the same time... Each worker is this
    // same program started again with `--worker ssh`: Rust's std has no `fork()` (copying a
    // process that runs threads is unsafe), so it works like Python's "spawn" start method.
    let workers: Vec<Result<Child, SshError>> = devices
        .iter()
        .map(|device| match &this_program {
            Ok(program) => start_ssh_worker(program, device),
            Err(e) => Err(worker_failed(
                device,
                format!("was not started: this program cannot find itself ({e})"),
            )),
        })
        .collect();

    // ...then collect their answers, in the order they were started.
    let report = Report::new(&lab);
    let mut pids = Vec::new();
    for (device, worker) in devices.iter().zip(workers) {
        let (result, whose) = match worker.and_then(|child| read_reply(child, device)) {
            Ok(reply) => {
                pids.push(reply.pid);
                let whose = format!(
                    "  (pid {}, its SESSIONS_OPENED: {})",
                    reply.pid, reply.sessions_opened
                );
                (reply.result, whose)
            }
            Err(error) => (Err(error), String::new()),
        };
        match report.count(&result) {
            Ok(prompt) => report.println(format!("{}: {prompt}{whose}", device.name)),
            Err(error) => report.println(format!("Error: {error}{whose}")),
        }
    }

    let replies = pids.len();
    pids.sort_unstable();
    pids.dedup();
    println!(
        "\n{replies} workers answered, with {} different pids, {}.",
        pids.len(),
        if pids.contains(&parent_pid) {
            "one of them the parent's"
        } else {
            "none of them the parent's"
        }
    );
    println!(
        "Each worker that logged in added 1 to SESSIONS_OPENED in its own memory; the parent's\n\
         is still {}.",
        SESSIONS_OPENED.load(Ordering::SeqCst)
    );
    println!("Elapsed time: {}", shared::timedelta(start_time.elapsed()));

    // ---- What starting a process costs ----------------------------------------------------
    if let Ok(program) = &this_program {
        compare_start_up(devices.len(), program);
    }

    drop(lab); // the in-process lab stops here, after the last device was used
    report.exit_code()
}

/// Starts a worker process for `device` and sends it the device through its stdin.
/// (Python's `multiprocessing`, started the "spawn" way, does the same with
/// `args=(device,)`: it pickles them and sends them to the child through a pipe.)
fn start_ssh_worker(program: &Path, device: &Device) -> Result<Child, SshError> {
    let mut child = Command::new(program)
        .args(["--worker", "ssh"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| worker_failed(device, format!("could not start: {e}")))?;
    let message = serde_json::to_string(device)
        .map_err(|e| worker_failed(device, format!("got no device: {e}")))?;
    // Closing stdin afterwards (dropping it) tells the worker the message is complete.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(message.as_bytes())
            .map_err(|e| worker_failed(device, format!("did not take the device: {e}")))?;
    }
    Ok(child)
}

/// Reads a worker's reply from its stdout, then waits for it to exit.
fn read_reply(child: Child, device: &Device) -> Result<Reply, SshError> {
    let output = child
        .wait_with_output()
        .map_err(|e| worker_failed(device, format!("could not be heard: {e}")))?;
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text).map_err(|_| {
        worker_failed(
            device,
            format!("ended without answering ({})", output.status),
        )
    })
}

/// A worker that did not start, or ended without answering, never told us what the device
/// said: the report counts that device as one we could not reach, and says why.
fn worker_failed(device: &Device, why: String) -> SshError {
    SshError::Unreachable {
        device: device.name.clone(),
        addr: format!("{}:{}", device.host, device.port),
        reason: format!("its worker process {why}"),
    }
}

/// The worker's side: read a device from stdin, open the session, write the reply to stdout.
fn ssh_worker() -> ExitCode {
    let mut message = String::new();
    let device: Device = match std::io::stdin()
        .read_to_string(&mut message)
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_str(&message).map_err(|e| e.to_string()))
    {
        Ok(device) => device,
        Err(e) => {
            eprintln!("worker: expected a device as JSON on stdin: {e}");
            return ExitCode::from(2);
        }
    };
    let reply = Reply {
        pid: std::process::id(),
        result: ssh_conn_counted(&device),
        sessions_opened: SESSIONS_OPENED.load(Ordering::SeqCst),
    };
    match serde_json::to_string(&reply) {
        Ok(text) if std::io::stdout().write_all(text.as_bytes()).is_ok() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

/// The course's `ssh_conn` (as in `shared::ssh_conn`), counting the session once it is open:
/// a login that fails opens none.
fn ssh_conn_counted(device: &Device) -> Result<String, SshError> {
    let mut connection = Connection::connect(device)?;
    SESSIONS_OPENED.fetch_add(1, Ordering::SeqCst);
    let prompt = connection.find_prompt();
    connection.disconnect();
    prompt
}

/// Starts `n` threads, then `n` processes, each only adding 1 to `COUNTER`, and prints how
/// long each took from the first start to the last exit.
fn compare_start_up(n: usize, program: &Path) {
    println!(
        "\nWhat starting costs: {n} threads against {n} processes, each adding 1 to COUNTER\n"
    );

    COUNTER.store(0, Ordering::SeqCst);
    let start = Instant::now();
    let threads: Vec<_> = (0..n)
        .map(|_| {
            thread::spawn(|| {
                COUNTER.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
    let with_threads = start.elapsed();
    let counted_by_threads = COUNTER.load(Ordering::SeqCst);

    COUNTER.store(0, Ordering::SeqCst);
    let start = Instant::now();
    let processes: Vec<_> = (0..n)
        .map(|_| {
            Command::new(program)
                .args(["--worker", "count"])
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
    let counted_by_processes = COUNTER.load(Ordering::SeqCst);

    let each = |total: Duration| total.as_secs_f64() * 1000.0 / n as f64;
    println!(
        "  {n} threads:   {:>8.2} ms ({:.2} ms each); COUNTER in the parent afterwards: \
         {counted_by_threads}",
        with_threads.as_secs_f64() * 1000.0,
        each(with_threads)
    );
    println!(
        "  {n} processes: {:>8.2} ms ({:.2} ms each); COUNTER in the parent afterwards: \
         {counted_by_processes}",
        with_processes.as_secs_f64() * 1000.0,
        each(with_processes)
    );
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
