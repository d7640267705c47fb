//! The lesson's worker processes: this same program started again with the hidden
//! `--worker ssh` flag. The parent writes the device as JSON into a worker's stdin; the
//! worker opens the session and writes its reply as JSON on its stdout (Python's
//! `multiprocessing` pickles `args=(device,)` into a pipe the same way).

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use shared::{Connection, Device, SshError};

/// How many SSH sessions this process opened (logged in). Every process has its own copy.
pub static SESSIONS_OPENED: AtomicUsize = AtomicUsize::new(0);

/// The course's `ssh_conn` (as in `shared::ssh_conn`), counting the session once it is open:
/// a login that fails opens none.
pub fn ssh_conn_counted(device: &Device) -> Result<String, SshError> {
    let mut connection = Connection::connect(device)?;
    SESSIONS_OPENED.fetch_add(1, Ordering::SeqCst);
    let prompt = connection.find_prompt();
    connection.disconnect();
    prompt
}

/// What a worker sends back through the pipe.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    pub pid: u32,
    /// The worker's own `SESSIONS_OPENED` when it finished.
    pub sessions_opened: usize,
    pub result: Result<String, SshError>,
}

/// What the parent writes into a worker's stdin: the device, as JSON (pretty-printed, so
/// that this part can show it; the worker's parser does not mind the line breaks).
pub fn message_for(device: &Device) -> Result<String, SshError> {
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
