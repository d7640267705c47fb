//! What the fleet saw: one record per SSH session, on one monotonic clock.
//!
//! Every time is a [`Duration`] since the fleet started ([`Fleet::start`]), so the sessions
//! of every device of a fleet, whatever process or thread the client ran them from, sit on one
//! time axis. The client names itself in the SSH identification string it sends first
//! (`SSH-2.0-netauto_0.1.0 pid=4242 thread=ThreadId(7)` from this project's helper, Netmiko's
//! own banner from Netmiko), and each record keeps that string, so the record alone says which
//! process and thread ran each session.
//!
//! [`Fleet::start`]: crate::Fleet::start

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One SSH session (one TCP connection) as the mock saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Numbered per fleet, in the order the connections were accepted.
    pub id: u64,
    /// The device the client connected to.
    pub device: String,
    /// The client's SSH identification string, empty until the client sent one.
    pub client: String,
    /// TCP accept.
    pub accepted: Duration,
    /// The key exchange is done (the client's first authentication request came in).
    pub handshake_done: Option<Duration>,
    /// The login's outcome, if the client got that far.
    pub auth: Option<AuthRecord>,
    /// Each command the session ran (exec, or a line typed in the shell), in order.
    pub commands: Vec<CommandRecord>,
    /// How and when the session ended; `None` while it is open.
    pub closed: Option<CloseRecord>,
}

/// The outcome of a session's login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthRecord {
    pub at: Duration,
    pub ok: bool,
    /// Why it was rejected (`wrong password`, `auth-fail fault`, `too many sessions`, ...).
    pub reason: Option<String>,
}

/// One command run in a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRecord {
    pub command: String,
    pub start: Duration,
    /// `None` when the session ended before the command's output was sent.
    pub end: Option<Duration>,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloseRecord {
    pub at: Duration,
    pub how: CloseKind,
}

/// How a session ended, as the mock saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseKind {
    /// The client disconnected or closed the connection after a login that succeeded.
    Clean,
    /// The connection ended any other way: cut by a fault, refused login, protocol error.
    Dropped,
    /// The mock gave up on a client that fell silent.
    TimedOut,
}
