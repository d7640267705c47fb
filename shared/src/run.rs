//! Which run this is: an id, the lesson, and the part under way.
//!
//! The id names one run of a lesson (`1206-213512-4242`: the month and day, the time it
//! started, the lesson's pid), so that an instructor can tell runs apart in `--results`
//! files and in a fleet's `--events-out`: the client names the run and the part in the SSH
//! identification string it sends each device (see [`crate::ssh::client_banner`]).
//!
//! The process lessons' workers are processes of their own that never parse the flags: the
//! lesson writes its run id and part into a small file named after its pid, which a worker
//! reads once, the first time it opens a session (a pool of worker processes serves one
//! part).

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Instant, SystemTime};

/// This run, in the lesson's own process.
#[derive(Debug)]
struct Identity {
    id: String,
    lesson: String,
    /// When the run began, on both clocks.
    began: Instant,
    began_at: SystemTime,
    part: Mutex<String>,
}

static RUN: OnceLock<Identity> = OnceLock::new();

/// While alive, the lesson's worker processes can read its run id and part (the lab holds
/// it for the whole run).
#[derive(Debug)]
pub struct Running(());

impl Drop for Running {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(run_file(std::process::id()));
    }
}

/// Removes the files this run keeps for its worker processes, for a run that ends with
/// `std::process::exit` (no destructor runs): its id and part, and what its workers wrote
/// of their sessions for `--results`.
pub fn remove_files() {
    let pid = std::process::id();
    let _ = std::fs::remove_file(run_file(pid));
    crate::results::remove_workers_file(pid);
}

/// The run begins now (the lesson starts its lab): its id is drawn, its clock started.
/// Only the first call in a process counts.
pub fn begin() -> Running {
    let identity = RUN.get_or_init(|| {
        let began_at = SystemTime::now();
        let local = chrono::DateTime::<chrono::Local>::from(began_at);
        Identity {
            id: format!("{}-{}", local.format("%m%d-%H%M%S"), std::process::id()),
            lesson: lesson_name(),
            began: Instant::now(),
            began_at,
            part: Mutex::new(String::new()),
        }
    });
    write_run_file(identity);
    Running(())
}

/// The lesson's name, from its binary's (`07-as-completed`).
fn lesson_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.file_stem()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "lesson".to_string())
}

/// The part `name` starts now (`--part`): the sessions opened from here on carry its name.
pub fn set_part(name: &str) {
    if let Some(identity) = RUN.get() {
        *identity.part.lock().unwrap_or_else(|e| e.into_inner()) = name.to_string();
        write_run_file(identity);
        crate::results::part_begins();
    }
}

/// The file in which the lesson of process `pid` tells its workers its run id and part.
fn run_file(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("netauto-run-{pid}"))
}

fn write_run_file(identity: &Identity) {
    // Without the file a worker's sessions carry no run id: the run itself goes on.
    let part = identity.part.lock().unwrap_or_else(|e| e.into_inner());
    let _ = std::fs::write(
        run_file(std::process::id()),
        format!("{}\n{}\n", identity.id, part),
    );
}

/// The run's id and the part under way (empty before the first part), in the lesson's
/// process or in one of its worker processes; `None` outside a lesson's run.
pub fn id_and_part() -> Option<(String, String)> {
    if let Some(identity) = RUN.get() {
        let part = identity.part.lock().unwrap_or_else(|e| e.into_inner());
        return Some((identity.id.clone(), part.clone()));
    }
    static FROM_PARENT: OnceLock<Option<(String, String)>> = OnceLock::new();
    FROM_PARENT.get_or_init(read_parent_run_file).clone()
}

#[cfg(unix)]
fn read_parent_run_file() -> Option<(String, String)> {
    let text = std::fs::read_to_string(run_file(std::os::unix::process::parent_id())).ok()?;
    let mut lines = text.lines();
    let id = lines.next().filter(|id| !id.is_empty())?;
    Some((id.to_string(), lines.next().unwrap_or_default().to_string()))
}

#[cfg(not(unix))]
fn read_parent_run_file() -> Option<(String, String)> {
    None
}

/// The run's id, the lesson's name, and when the run began (on the monotonic clock and the
/// wall clock), in the lesson's own process.
pub(crate) fn identity() -> Option<(&'static str, &'static str, Instant, SystemTime)> {
    RUN.get().map(|identity| {
        (
            identity.id.as_str(),
            identity.lesson.as_str(),
            identity.began,
            identity.began_at,
        )
    })
}

/// The part under way in the lesson's process (empty before the first part).
pub(crate) fn part() -> String {
    RUN.get()
        .map(|identity| {
            identity
                .part
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        })
        .unwrap_or_default()
}

/// ` run=1206-213512-4242 part=ssh_threads_ascompleted`: what the client adds to its SSH
/// identification string (nothing outside a run; no `part=` before the first part).
pub fn banner_words() -> String {
    match id_and_part() {
        Some((id, part)) if part.is_empty() => format!(" run={id}"),
        Some((id, part)) => format!(" run={id} part={part}"),
        None => String::new(),
    }
}
