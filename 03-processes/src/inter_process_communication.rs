//! Inter-process communication (the notes: sharing data between processes is harder than
//! between threads, since they share no memory).
//!
//! Here is how every worker of this lesson gets its device and sends back its result: the
//! parent writes the device as JSON into the worker's stdin, the worker writes its reply as
//! JSON on its stdout. Python's `multiprocessing` does the same with `args=(device,)`: it
//! pickles them into a pipe. Run only this part: `--part inter_process_communication` (or
//! `ipc`). Look for: the two messages, exactly as they crossed the pipes (the password
//! hidden here), for the first device.
//!
//! About 130 lines: both ends of the pipe live here, the parent's and the worker's.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use shared::{Device, Report, SshError};

use crate::own_memory::{SESSIONS_OPENED, ssh_conn_counted};

/// What a worker sends back through the pipe.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    pub pid: u32,
    /// The worker's own `SESSIONS_OPENED` when it finished.
    pub sessions_opened: usize,
    pub result: Result<String, SshError>,
}

pub fn run(devices: &[Device], report: &Report, program: &Path) {
    shared::print_header("Inter-process communication: JSON through a worker's stdin and stdout");
    let Some(a_device) = devices.first() else {
        return;
    };
    let hidden = Device {
        password: "********".into(),
        ..a_device.clone()
    };
    if let Ok(message) = message_for(&hidden) {
        report.println(format!(
            "The parent wrote on the worker's stdin (the password hidden here):\n{message}\n"
        ));
    }
    let worker = start_ssh_worker(program, a_device);
    let result = match worker.and_then(|child| read_reply(child, a_device)) {
        Ok((text, reply)) => {
            report.println(format!("The worker wrote on its stdout:\n{text}\n"));
            reply.result
        }
        Err(error) => Err(error),
    };
    report.print_result(&a_device.name, &result);
    println!(
        "\nEach side turns its data into text and the other side reads it back (serde_json here,\n\
         pickle in Python): the two processes have no memory in common to pass it in."
    );
}

/// What the parent writes into a worker's stdin: the device, as JSON (pretty-printed, so
/// that this part can show it; the worker's parser does not mind the line breaks).
fn message_for(device: &Device) -> Result<String, SshError> {
    serde_json::to_string_pretty(device)
        .map_err(|e| worker_failed(device, format!("got no device: {e}")))
}

/// Starts a worker process for `device` and sends it the device through its stdin.
pub fn start_ssh_worker(program: &Path, device: &Device) -> Result<Child, SshError> {
    let message = message_for(device)?;
    let mut child = Command::new(program)
        .args(["--worker", "ssh"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| worker_failed(device, format!("could not start: {e}")))?;
    // Closing stdin afterwards (dropping it) tells the worker the message is complete.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(message.as_bytes())
            .map_err(|e| worker_failed(device, format!("did not take the device: {e}")))?;
    }
    Ok(child)
}

/// Waits for a worker to exit and reads its reply from its stdout: the text as it came
/// through the pipe, and what it says.
pub fn read_reply(child: Child, device: &Device) -> Result<(String, Reply), SshError> {
    let output = child
        .wait_with_output()
        .map_err(|e| worker_failed(device, format!("could not be heard: {e}")))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    match serde_json::from_str(&text) {
        Ok(reply) => Ok((text, reply)),
        Err(_) => Err(worker_failed(
            device,
            format!("ended without answering ({})", output.status),
        )),
    }
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

/// The worker's side (`--worker ssh`): read a device from stdin, open the session, write
/// the reply to stdout.
pub fn ssh_worker() -> ExitCode {
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
