//! `--results FILE`: every device attempt of a run as data, one JSON object per line.
//!
//! A lesson prints for people; an instructor comparing runs (pool sizes, threads against
//! processes, one laptop against another) wants numbers. Each result the
//! [`Report`](crate::Report) counts becomes one line, written (and flushed) as it comes in,
//! and [`finish`] adds a last line with the run's totals. The fields are in the README
//! ("Every run as data").
//!
//! When and where a device's attempt ran comes from its sessions: each
//! [`Ticket`](crate::client_log::Ticket) reports its session here when it ends, from the
//! first session of an attempt to the last (retries included). Worker processes (the process
//! lessons' children) write theirs into a file named after the lesson's pid, which the
//! lesson reads as it counts each result, as [`crate::retry`] does with retries.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::ssh::SshError;

/// The run's results file, while it is being written.
#[derive(Debug)]
struct Writer {
    file: io::LineWriter<File>,
    path: PathBuf,
    /// Sessions reported since their device's last result, by device.
    attempts: HashMap<String, Attempt>,
    /// How far the workers' file has been read.
    read_up_to: u64,
    totals: Totals,
    /// The first error writing the file: told once, at the end.
    failed: Option<io::Error>,
}

/// The sessions of one device's attempt, as far as seen.
#[derive(Debug, Clone)]
struct Attempt {
    start: SystemTime,
    end: SystemTime,
    /// The client's SSH identification string of its first session.
    client: String,
}

#[derive(Debug, Default)]
struct Totals {
    attempts: u64,
    retries: u64,
    ok: BTreeSet<String>,
    failed: BTreeSet<String>,
}

fn writer() -> MutexGuard<'static, Option<Writer>> {
    static WRITER: OnceLock<Mutex<Option<Writer>>> = OnceLock::new();
    WRITER
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The file in which the worker processes of process `pid` write their sessions.
fn workers_file(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("netauto-results-{pid}.log"))
}

/// Removes the file of process `pid`'s workers (see [`crate::run::remove_files`]).
pub(crate) fn remove_workers_file(pid: u32) {
    let _ = std::fs::remove_file(workers_file(pid));
}

/// While alive, the run's results go to the file (the lab holds it).
#[derive(Debug)]
pub struct Writing(());

impl Drop for Writing {
    fn drop(&mut self) {
        writer().take();
        let _ = std::fs::remove_file(workers_file(std::process::id()));
    }
}

/// Starts writing the run's results to `path` (emptied first).
pub fn open(path: &Path) -> io::Result<Writing> {
    let file = File::create(path)?;
    // Created empty, so that what a process that had this pid before wrote counts for
    // nothing. Without it, worker processes' attempts are written without their sessions.
    let _ = File::create(workers_file(std::process::id()));
    *writer() = Some(Writer {
        file: io::LineWriter::new(file),
        path: path.to_path_buf(),
        attempts: HashMap::new(),
        read_up_to: 0,
        totals: Totals::default(),
        failed: None,
    });
    Ok(Writing(()))
}

/// A session to `device` by `client` ran from `start` to `end`: part of the device's
/// attempt under way. Kept in this process when it writes results; in a worker process
/// whose lesson does, written into the lesson's file; else nothing.
pub(crate) fn session(device: &str, client: &str, start: SystemTime, end: SystemTime) {
    let mut writer = writer();
    if let Some(writer) = writer.as_mut() {
        writer.add(device, client, start, end);
        return;
    }
    drop(writer);
    if let Some(file) = parent_file() {
        let line = format!(
            "{}\t{}\t{device}\t{client}\n",
            unix_seconds(start),
            unix_seconds(end)
        );
        // One write of the whole line: appends this short do not mix with other workers'.
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        let _ = file.write_all(line.as_bytes());
    }
}

/// The lesson's file for its workers' sessions, opened once per worker process; `None` in
/// a process whose parent writes no results.
fn parent_file() -> Option<&'static Mutex<File>> {
    static PARENT: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    PARENT
        .get_or_init(|| {
            #[cfg(unix)]
            {
                let path = workers_file(std::os::unix::process::parent_id());
                // Only a lesson that writes results has this file: no `create`.
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .ok()
                    .map(Mutex::new)
            }
            #[cfg(not(unix))]
            None
        })
        .as_ref()
}

/// A part begins: sessions of the last one that no result claimed (a part that talks to a
/// device without reporting a result) are forgotten, so that they do not count towards
/// the next result of their device.
pub(crate) fn part_begins() {
    if let Some(writer) = writer().as_mut() {
        writer.read_workers_file();
        writer.attempts.clear();
    }
}

/// One result of `device`, after `retries` retries that led to it: written as a line.
pub(crate) fn note<T>(device: &str, result: &Result<T, SshError>, retries: u32) {
    let mut guard = writer();
    let Some(writer) = guard.as_mut() else {
        return;
    };
    writer.read_workers_file();
    let attempt = writer.attempts.remove(device);
    let now = SystemTime::now();
    let (start, end, client) = match &attempt {
        Some(attempt) => (attempt.start, attempt.end, attempt.client.as_str()),
        // No session was opened for it (a device the inventory could not describe...): the
        // moment it was counted, by this thread.
        None => (now, now, ""),
    };
    let retries = match result {
        Err(SshError::GaveUp { retries, .. }) => *retries,
        _ => retries,
    };
    let error = result.as_ref().err().map(|error| ErrorLine {
        kind: kind(error.cause()),
        message: error.to_string(),
    });
    writer.totals.attempts += 1;
    writer.totals.retries += u64::from(retries);
    if result.is_ok() {
        writer.totals.ok.insert(device.to_string());
    } else {
        writer.totals.failed.insert(device.to_string());
    }
    let part = crate::run::part();
    let line = Line {
        run: run_id(),
        lesson: lesson(),
        part: (!part.is_empty()).then_some(part.as_str()),
        device: Some(device),
        worker: Some(worker(client)),
        start: since_run(start),
        end: since_run(end),
        started_at: wall_clock(start),
        ended_at: wall_clock(end),
        ok: Some(result.is_ok()),
        error,
        retries: Some(retries),
        totals: None,
    };
    writer.write(&line);
}

/// The last line: the run's totals. Tells on stderr if the file could not be written.
pub(crate) fn finish() {
    let mut guard = writer();
    let Some(writer) = guard.as_mut() else {
        return;
    };
    let now = SystemTime::now();
    let began = crate::run::identity().map_or(now, |(_, _, _, began_at)| began_at);
    let totals = &writer.totals;
    let line = Line {
        run: run_id(),
        lesson: lesson(),
        part: None,
        device: None,
        worker: None,
        start: 0.0,
        end: since_run(now),
        started_at: wall_clock(began),
        ended_at: wall_clock(now),
        ok: None,
        error: None,
        retries: None,
        totals: Some(TotalsLine {
            attempts: totals.attempts,
            ok: totals.ok.difference(&totals.failed).count(),
            failed: totals.failed.len(),
            retries: totals.retries,
        }),
    };
    writer.write(&line);
    if let Some(error) = &writer.failed {
        eprintln!(
            "error: cannot write the results to {}: {error}",
            writer.path.display()
        );
    }
}

impl Writer {
    fn add(&mut self, device: &str, client: &str, start: SystemTime, end: SystemTime) {
        match self.attempts.get_mut(device) {
            Some(attempt) => {
                attempt.start = attempt.start.min(start);
                attempt.end = attempt.end.max(end);
            }
            None => {
                self.attempts.insert(
                    device.to_string(),
                    Attempt {
                        start,
                        end,
                        client: client.to_string(),
                    },
                );
            }
        }
    }

    fn write(&mut self, line: &Line<'_>) {
        if self.failed.is_some() {
            return;
        }
        // `LineWriter` hands each line to the system as it ends: a run cut short leaves
        // every result counted so far in the file.
        let written = serde_json::to_writer(&mut self.file, line)
            .map_err(io::Error::from)
            .and_then(|()| self.file.write_all(b"\n"));
        if let Err(error) = written {
            self.failed = Some(error);
        }
    }

    /// Adds the sessions the workers wrote since the last read.
    fn read_workers_file(&mut self) {
        let Ok(mut file) = File::open(workers_file(std::process::id())) else {
            return;
        };
        let mut text = String::new();
        if file
            .seek(io::SeekFrom::Start(self.read_up_to))
            .and_then(|_| file.read_to_string(&mut text))
            .is_err()
        {
            return;
        }
        // A line still being written is left for the next read.
        let Some(end) = text.rfind('\n') else {
            return;
        };
        self.read_up_to += end as u64 + 1;
        for line in text[..end].lines() {
            let mut fields = line.splitn(4, '\t');
            let (Some(start), Some(end), Some(device), Some(client)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if let (Some(start), Some(end)) = (from_unix_seconds(start), from_unix_seconds(end)) {
                self.add(device, client, start, end);
            }
        }
    }
}

/// One line of the file: a device attempt, or the run's totals (the fields that do not
/// apply are left out).
#[derive(Debug, Serialize)]
struct Line<'a> {
    run: &'a str,
    lesson: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    part: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    worker: Option<Worker>,
    start: f64,
    end: f64,
    started_at: String,
    ended_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    totals: Option<TotalsLine>,
}

#[derive(Debug, Serialize)]
struct ErrorLine {
    kind: &'static str,
    message: String,
}

#[derive(Debug, Serialize)]
struct TotalsLine {
    /// Lines written before this one.
    attempts: u64,
    /// Devices whose every result came back ok.
    ok: usize,
    /// Devices with a result that failed.
    failed: usize,
    retries: u64,
}

/// Who ran an attempt: the process, and its thread or (lesson 10) its task.
#[derive(Debug, Serialize)]
struct Worker {
    pid: u32,
    thread: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<String>,
}

/// The worker named in the client's identification string, or this thread when there is
/// none.
fn worker(client: &str) -> Worker {
    let mut worker = Worker {
        pid: std::process::id(),
        thread: format!("{:?}", std::thread::current().id()),
        task: None,
    };
    for word in client.split_whitespace() {
        if let Some(pid) = word.strip_prefix("pid=").and_then(|p| p.parse().ok()) {
            worker.pid = pid;
        } else if let Some(thread) = word.strip_prefix("thread=") {
            worker.thread = thread.to_string();
        } else if let Some(task) = word.strip_prefix("task=") {
            worker.task = Some(task.to_string());
        }
    }
    worker
}

/// The error's kind, for programs: the name of its [`SshError`] variant in snake case.
fn kind(error: &SshError) -> &'static str {
    match error {
        SshError::Refused { .. } => "refused",
        SshError::Unreachable { .. } => "unreachable",
        SshError::TimedOut { .. } => "timed_out",
        SshError::AuthFailed { .. } => "auth_failed",
        SshError::HostKeyMismatch { .. } => "host_key_mismatch",
        SshError::Closed { .. } => "closed",
        SshError::SessionLimit { .. } => "session_limit",
        SshError::AaaRejected { .. } => "aaa_rejected",
        SshError::CommandFailed { .. } => "command_failed",
        SshError::Protocol { .. } => "protocol",
        SshError::GaveUp { .. } => "gave_up",
    }
}

fn run_id() -> &'static str {
    crate::run::identity().map_or("", |(id, ..)| id)
}

fn lesson() -> &'static str {
    crate::run::identity().map_or("", |(_, lesson, ..)| lesson)
}

/// Seconds from the start of the run to `t`, to the microsecond.
fn since_run(t: SystemTime) -> f64 {
    let began = crate::run::identity().map_or(t, |(_, _, _, began_at)| began_at);
    let since = t.duration_since(began).unwrap_or(Duration::ZERO);
    since.as_micros() as f64 / 1e6
}

/// `2026-12-06T21:35:12.345678Z`.
fn wall_clock(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn unix_seconds(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    format!("{}.{:06}", since.as_secs(), since.subsec_micros())
}

fn from_unix_seconds(text: &str) -> Option<SystemTime> {
    let (secs, micros) = text.split_once('.')?;
    Some(
        UNIX_EPOCH
            + Duration::from_secs(secs.parse().ok()?)
            + Duration::from_micros(micros.parse().ok()?),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_is_read_from_the_client_banner() {
        let worker =
            worker("SSH-2.0-netauto_0.1.0 pid=4242 thread=ThreadId(7) run=1206-1-4242 task=17");
        assert_eq!(
            (worker.pid, worker.thread.as_str(), worker.task.as_deref()),
            (4242, "ThreadId(7)", Some("17"))
        );
    }

    #[test]
    fn unix_seconds_go_through_a_line_unchanged() {
        let t = UNIX_EPOCH + Duration::from_micros(1_765_000_000_123_456);
        assert_eq!(from_unix_seconds(&unix_seconds(t)), Some(t));
    }
}
