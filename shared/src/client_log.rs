//! What this process saw of its own SSH sessions: the client's side of `--timeline`, for
//! devices this process does not serve (`--inventory`: a standalone fleet or real devices),
//! whose own record it cannot read.
//!
//! Each [`Connection`](crate::Connection) holds a [`Ticket`] from the moment it starts to
//! connect until it is dropped; the ticket writes one [`SessionRecord`] into the log, in the
//! same shape the mock lab records its side in, so one drawing serves both.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use mock_device::record::{AuthRecord, CloseKind, CloseRecord, SessionRecord};

/// Enough for any lesson run; past it sessions are counted, not kept.
const KEEP_AT_MOST: usize = 200_000;

#[derive(Debug, Default)]
struct Log {
    sessions: Vec<SessionRecord>,
    not_kept: u64,
}

fn log() -> &'static Mutex<Log> {
    static LOG: OnceLock<Mutex<Log>> = OnceLock::new();
    LOG.get_or_init(Mutex::default)
}

/// The log's clock starts the first time it is read or written.
fn since_start() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Starts the clock now, so that the log's times count from the start of the run.
pub fn start_clock() {
    since_start();
}

/// One session under way: written into the log when dropped.
#[derive(Debug)]
pub struct Ticket {
    device: String,
    client: String,
    started: Duration,
    /// The same moment on the wall clock, for `--results`.
    started_at: SystemTime,
    failed: bool,
}

impl Ticket {
    /// A session to `device` starts now, from the thread this runs on.
    pub fn start(device: &str) -> Ticket {
        Ticket::start_as(device, crate::ssh::client_banner())
    }

    /// A session to `device` starts now, from the client that names itself `client` (its
    /// SSH identification string: the async helper adds its task to it).
    pub fn start_as(device: &str, client: String) -> Ticket {
        Ticket {
            device: device.to_string(),
            client,
            started: since_start(),
            started_at: SystemTime::now(),
            failed: false,
        }
    }

    /// Something went wrong in this session: it is drawn as failed.
    pub fn fail(&mut self) {
        self.failed = true;
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let ended = since_start();
        crate::results::session(
            &self.device,
            &self.client,
            self.started_at,
            SystemTime::now(),
        );
        let mut log = log().lock().unwrap_or_else(|e| e.into_inner());
        if log.sessions.len() >= KEEP_AT_MOST {
            log.not_kept += 1;
            return;
        }
        let id = log.sessions.len() as u64;
        log.sessions.push(SessionRecord {
            id,
            device: std::mem::take(&mut self.device),
            client: std::mem::take(&mut self.client),
            accepted: self.started,
            handshake_done: None,
            auth: Some(AuthRecord {
                at: self.started,
                ok: !self.failed,
                reason: None,
            }),
            aaa: Vec::new(),
            commands: Vec::new(),
            closed: Some(CloseRecord {
                at: ended,
                how: if self.failed {
                    CloseKind::Dropped
                } else {
                    CloseKind::Clean
                },
            }),
        });
    }
}

/// Every session this process has finished so far, and how many were not kept; times count
/// from [`start_clock`].
pub fn sessions() -> (Vec<SessionRecord>, u64, Duration) {
    let log = log().lock().unwrap_or_else(|e| e.into_inner());
    (log.sessions.clone(), log.not_kept, since_start())
}
