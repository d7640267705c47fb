//! The queue of the two queue parts: `Queue()`, the children that put `{hostname: output}`
//! on it, and the loop that takes every message off it.
//!
//! A `multiprocessing.Queue` is a pipe underneath, and so is this one: each child's stdout
//! is its writing end, the parent keeps the reading end.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, PipeReader, Write as _};

use shared::{Device, HASHES, Report, SshError};

use crate::children::joined_and_counted;
use crate::deadlock_watch;

/// A child of the queue parts, as `procspawn::spawn` hands it back.
pub type Child = procspawn::JoinHandle<Result<(), SshError>>;

/// `output_q = Queue()` and one `Process(target=show_version_queue, args=(a_device,
/// output_q))` per device, each telling `watch` (a [`deadlock_watch`] port) when it has
/// its output and when it has put it. `None` when the pipe cannot be made (the error is
/// printed).
pub fn start_procs(
    devices: &[Device],
    report: &Report,
    watch: Option<u16>,
) -> Option<(PipeReader, Vec<(String, Child)>)> {
    let (output_q, output_q_writer) = std::io::pipe()
        .inspect_err(|e| eprintln!("error: cannot make the queue: {e}"))
        .ok()?;
    let mut procs = Vec::new();
    for a_device in devices {
        match output_q_writer.try_clone() {
            Ok(my_output_q) => {
                let my_proc = procspawn::Builder::new()
                    .stdout(my_output_q)
                    .spawn((a_device.clone(), watch), show_version_queue);
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
fn show_version_queue((a_device, watch): (Device, Option<u16>)) -> Result<(), SshError> {
    let output = shared::show_version(&a_device)?;
    let output_dict = HashMap::from([(
        a_device.name.clone(),
        format!("{HASHES}\n{output}\n{HASHES}\n"),
    )]);
    // One message, one line of JSON (Python pickles it), written in one call. A pipe keeps
    // a write of up to 4 KiB whole whatever the other children write (Python's queue takes
    // a lock for bigger ones); a `show version` is well under that.
    let message = serde_json::to_string(&output_dict).unwrap_or_default() + "\n";
    let _putting = watch.and_then(deadlock_watch::putting);
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
            Err(e) => report.note(format_args!(
                "error: a message on the queue cannot be read: {e}"
            )),
        }
    }
}
