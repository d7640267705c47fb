//! `proc_w_queue`: the children put `{hostname: output}` on a queue, the parent prints.
//!
//! The fix for `processes_show_ver`'s race: the children print nothing; the parent joins
//! them all, then empties the queue and prints every block whole, in the order the children
//! finished. It has a trap: a child that has put more on the queue than the queue holds
//! cannot finish until somebody reads, and the parent reads only once every child has
//! finished. Nine outputs fit; 100 do not (`--devices 100 --latency 0s --timeout 2`): the
//! parent then prints `deadlock:` and empties the queue to go on. The next part,
//! `proc_avoid_deadlock`, reads while the children run. `--part proc_w_queue` (or `queue`).
//! About 140 lines: below `run` are the children, the queue and its printer, which
//! `proc_avoid_deadlock` uses as they are (the two Python scripts each repeat them).

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, PipeReader, Write as _};
use std::time::{Duration, Instant};

use shared::{Device, HASHES, Report, SshError};

use crate::processes_show_ver::joined;

pub fn run(devices: &[Device], report: &Report) {
    shared::print_header("proc_w_queue: the children put {hostname: output} on a queue");
    let start_time = Instant::now();

    let Some((output_q, procs)) = start_procs(devices, report) else {
        return;
    };

    // Make sure all processes have finished. A real `join()` would wait for ever on a child
    // stuck writing to the full queue; we give up after twice the longest device timeout.
    let timeout = devices.iter().map(|d| d.timeout).fold(0.0, f64::max);
    let deadline = start_time + Duration::from_secs_f64(2.0 * timeout);
    let mut output_q = Some(output_q);
    let children = procs.len();
    for (joined_so_far, (name, mut a_proc)) in procs.into_iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        let result = match output_q.as_ref().map(|_| a_proc.join_timeout(left)) {
            Some(Err(e)) if e.is_timeout() => {
                println!(
                    "deadlock: {} of {children} children still running after {}: the queue is \
                     full, and we read it only once every child has finished",
                    children - joined_so_far,
                    shared::timedelta(start_time.elapsed())
                );
                // Our way out is proc_avoid_deadlock's order: read the queue, then join.
                output_q
                    .take()
                    .into_iter()
                    .for_each(|q| print_queue(q, report));
                a_proc.join()
            }
            Some(result) => result,
            // After the way out, every child has put its output and exited.
            None => a_proc.join(),
        };
        joined_and_counted(report, &name, result);
    }

    // `while not output_q.empty(): ...`
    output_q.into_iter().for_each(|q| print_queue(q, report));
    shared::print_elapsed(start_time);
}

/// A child of the queue parts, as `procspawn::spawn` hands it back.
pub type Child = procspawn::JoinHandle<Result<(), SshError>>;

/// The children of both queue parts: `Queue()` and one `Process(target=show_version_queue,
/// args=(a_device, output_q))` per device. The queue is a pipe (a `multiprocessing.Queue`
/// is one underneath): each child's stdout is its writing end, the parent keeps the reading
/// end. `None` when the pipe cannot be made (the error is printed).
pub fn start_procs(
    devices: &[Device],
    report: &Report,
) -> Option<(PipeReader, Vec<(String, Child)>)> {
    let (output_q, output_q_writer) = std::io::pipe()
        .inspect_err(|e| println!("error: cannot make the queue: {e}"))
        .ok()?;
    let mut procs = Vec::new();
    for a_device in devices {
        match output_q_writer.try_clone() {
            Ok(my_output_q) => {
                let my_proc = procspawn::Builder::new()
                    .stdout(my_output_q)
                    .spawn(a_device.clone(), show_version_queue);
                procs.push((a_device.name.clone(), my_proc));
            }
            Err(e) => joined_and_counted(report, &a_device.name, Ok(Err(put_failed(a_device, e)))),
        }
    }
    // The parent writes nothing: with its own writing end closed, reading the queue ends
    // once the last child has exited.
    drop(output_q_writer);
    Some((output_q, procs))
}

/// The child's job: print nothing, put `{hostname: output}` on the queue.
fn show_version_queue(a_device: Device) -> Result<(), SshError> {
    let output = shared::show_version(&a_device)?;
    let output_dict = HashMap::from([(
        a_device.name.clone(),
        format!("{HASHES}\n{output}\n{HASHES}\n"),
    )]);
    // One message, one line of JSON (Python pickles it), written in one call. A pipe keeps
    // a write of up to 4 KiB whole whatever the other children write (Python's queue takes
    // a lock for bigger ones); a `show version` is well under that.
    let message = serde_json::to_string(&output_dict).unwrap_or_default() + "\n";
    std::io::stdout()
        .lock()
        .write_all(message.as_bytes())
        .map_err(|e| put_failed(&a_device, e))
}

fn put_failed(a_device: &Device, e: std::io::Error) -> SshError {
    SshError::CommandFailed {
        device: a_device.name.clone(),
        command: "show version".to_string(),
        message: format!("cannot put its output on the queue: {e}"),
    }
}

/// `while not output_q.empty()`: take each `{hostname: output}` and print it whole, until
/// the last child has closed its end of the queue.
pub fn print_queue(output_q: PipeReader, report: &Report) {
    for message in BufReader::new(output_q).lines() {
        let my_dict = message.map_err(|e| e.to_string()).and_then(|m| {
            serde_json::from_str::<HashMap<String, String>>(&m).map_err(|e| e.to_string())
        });
        match my_dict {
            Ok(my_dict) => my_dict
                .iter()
                .for_each(|(k, val)| report.println(format_args!("{k}\n{val}"))),
            Err(e) => println!("error: a message on the queue cannot be read: {e}"),
        }
    }
}

/// Counts a child's result; a failure gets its `Error:` line (the child printed nothing).
pub fn joined_and_counted(
    report: &Report,
    name: &str,
    result: Result<Result<(), SshError>, procspawn::SpawnError>,
) {
    if let Err(e) = report.count(name, &joined(name, result)) {
        report.println(format_args!("Error: {e}"));
    }
}
