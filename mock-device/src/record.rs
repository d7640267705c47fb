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

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
    /// The login's outcome, if the client got that far. A connection the device refused
    /// before any login (`max startups`, `too many sessions`) has one too, refused with
    /// that reason.
    pub auth: Option<AuthRecord>,
    /// Each visit of a login to the fleet's AAA server, in order (none without one).
    pub aaa: Vec<AaaRecord>,
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

/// One login's visit to the fleet's AAA server: it joined the queue, the server took it
/// (or the login gave up waiting), the server was done with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AaaRecord {
    /// The login joined the AAA server's queue.
    pub queued: Duration,
    /// The server began working on it; `None` while it waits, or if it never got there.
    pub taken: Option<Duration>,
    /// The server was done with it (its delay spent, or the connection died meanwhile).
    pub done: Option<Duration>,
    /// The login waited the AAA timeout in the queue and was refused (`aaa timeout`).
    pub timed_out: Option<Duration>,
}

impl AaaRecord {
    /// How long the login waited in the queue: until taken, until it gave up, or until `now`.
    pub fn wait(&self, now: Duration) -> Duration {
        self.taken
            .or(self.timed_out)
            .unwrap_or(now)
            .saturating_sub(self.queued)
    }
}

/// Why a connection of a device past `max_sessions` was refused (an `auth` reason).
pub const TOO_MANY_SESSIONS: &str = "too many sessions";
/// Why a connection was dropped by start-up throttling (an `auth` reason).
pub const MAX_STARTUPS: &str = "max startups";
/// Why a login that waited too long for the AAA server was refused (an `auth` reason).
pub const AAA_TIMEOUT: &str = "aaa timeout";

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

impl SessionRecord {
    /// A session just accepted: nothing else seen yet.
    pub fn new(id: u64, device: impl Into<String>, accepted: Duration) -> Self {
        SessionRecord {
            id,
            device: device.into(),
            client: String::new(),
            accepted,
            handshake_done: None,
            auth: None,
            aaa: Vec::new(),
            commands: Vec::new(),
            closed: None,
        }
    }

    /// The reason the session's login was refused, if it was.
    pub fn refusal(&self) -> Option<&str> {
        self.auth
            .as_ref()
            .filter(|a| !a.ok)
            .and_then(|a| a.reason.as_deref())
    }

    /// Adds one step (anything but the accept, which made the record) seen at `t`.
    ///
    /// A second login attempt replaces the first's outcome (the last one is what counts).
    /// A `command_end` finds the latest unfinished command of the same text: exec channels
    /// of one session may run side by side.
    fn apply(&mut self, t: Duration, kind: &EventKind) -> Result<(), String> {
        match kind {
            EventKind::Accept => return Err(format!("session {} accepted twice", self.id)),
            EventKind::Handshake { client } => {
                self.handshake_done = Some(t);
                self.client.clone_from(client);
            }
            EventKind::Auth { ok, reason } => {
                self.auth = Some(AuthRecord {
                    at: t,
                    ok: *ok,
                    reason: reason.clone(),
                });
            }
            EventKind::AaaQueued => self.aaa.push(AaaRecord {
                queued: t,
                taken: None,
                done: None,
                timed_out: None,
            }),
            EventKind::AaaTaken => self.last_aaa(kind)?.taken = Some(t),
            EventKind::AaaDone => self.last_aaa(kind)?.done = Some(t),
            EventKind::AaaTimeout => self.last_aaa(kind)?.timed_out = Some(t),
            EventKind::CommandStart { command } => self.commands.push(CommandRecord {
                command: command.clone(),
                start: t,
                end: None,
            }),
            EventKind::CommandEnd { command } => {
                let open = self
                    .commands
                    .iter_mut()
                    .rev()
                    .find(|c| c.end.is_none() && c.command == *command)
                    .ok_or_else(|| {
                        format!(
                            "session {}: command_end of {command:?} without its command_start",
                            self.id
                        )
                    })?;
                open.end = Some(t);
            }
            EventKind::Close { how } => {
                if self.closed.is_some() {
                    return Err(format!("session {} closed twice", self.id));
                }
                self.closed = Some(CloseRecord { at: t, how: *how });
            }
        }
        Ok(())
    }

    /// The AAA visit an `aaa_*` event after `aaa_queued` belongs to.
    fn last_aaa(&mut self, kind: &EventKind) -> Result<&mut AaaRecord, String> {
        let id = self.id;
        self.aaa
            .last_mut()
            .ok_or_else(|| format!("session {id}: {kind:?} without its aaa_queued"))
    }
}

/// Everything a fleet saw: its sessions in the order they were accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub sessions: Vec<SessionRecord>,
    /// Sessions the fleet saw but kept no record of, past its
    /// [`record_limit`](crate::FleetConfig::record_limit): counted, so none goes unnoticed.
    pub dropped_records: u64,
    /// When the record was taken (for a file: its last event). A session still open then
    /// counts as open until this moment.
    pub taken: Duration,
}

impl Record {
    /// When each session ended, in the order of `sessions` ([`session_ends`]).
    pub fn ends(&self) -> Vec<Duration> {
        session_ends(&self.sessions, self.taken)
    }

    /// The most sessions open at once, and when that many were first open. A session is
    /// open from its accept up to (not including) its end ([`session_ends`]), so one
    /// that ends as the next begins does not overlap it. `(0, 0s)` for no sessions.
    pub fn peak_open(&self) -> (usize, Duration) {
        // Every accept is +1 and every close -1; at the same instant the closes go first.
        let mut steps: Vec<(Duration, i8)> = Vec::with_capacity(2 * self.sessions.len());
        for (s, end) in self.sessions.iter().zip(self.ends()) {
            steps.push((s.accepted, 1));
            steps.push((end, -1));
        }
        steps.sort_unstable();
        let (mut open, mut peak, mut when) = (0usize, 0usize, Duration::ZERO);
        for (t, step) in steps {
            if step > 0 {
                open += 1;
                if open > peak {
                    (peak, when) = (open, t);
                }
            } else {
                open -= 1;
            }
        }
        (peak, when)
    }

    /// How many sessions were open at `t` (accepted at or before it, not closed yet).
    pub fn open_at(&self, t: Duration) -> usize {
        self.sessions
            .iter()
            .zip(self.ends())
            .filter(|(s, end)| s.accepted <= t && t < *end)
            .count()
    }

    /// How many sessions each device served.
    pub fn sessions_per_device(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for s in &self.sessions {
            *counts.entry(s.device.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// The most logins the AAA server worked on at once (from taken to done; one that
    /// ends as another is taken does not overlap it). Never above its capacity.
    pub fn peak_aaa_busy(&self) -> usize {
        let mut steps: Vec<(Duration, i8)> = Vec::new();
        for visit in self.sessions.iter().flat_map(|s| &s.aaa) {
            if let Some(taken) = visit.taken {
                steps.push((taken, 1));
                steps.push((visit.done.unwrap_or(self.taken).max(taken), -1));
            }
        }
        steps.sort_unstable();
        let (mut busy, mut peak) = (0usize, 0usize);
        for (_, step) in steps {
            if step > 0 {
                busy += 1;
                peak = peak.max(busy);
            } else {
                busy -= 1;
            }
        }
        peak
    }

    /// How long each login waited in the AAA queue, in session order.
    pub fn aaa_waits(&self) -> Vec<Duration> {
        self.sessions
            .iter()
            .flat_map(|s| &s.aaa)
            .map(|visit| visit.wait(self.taken))
            .collect()
    }

    /// How many sessions of each device were refused for `reason` ([`MAX_STARTUPS`],
    /// [`TOO_MANY_SESSIONS`], [`AAA_TIMEOUT`], `wrong password`...); devices with none are
    /// left out.
    pub fn refused_per_device(&self, reason: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for s in self.sessions.iter().filter(|s| s.refusal() == Some(reason)) {
            *counts.entry(s.device.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// How many connections of each device start-up throttling dropped.
    pub fn startup_drops(&self) -> BTreeMap<String, usize> {
        self.refused_per_device(MAX_STARTUPS)
    }

    /// Sessions per second from the first accept to the last close (or to the moment of
    /// the record, for a session still open). 0 when that span is empty.
    pub fn connections_per_second(&self) -> f64 {
        let first = self.sessions.iter().map(|s| s.accepted).min();
        let last = self.ends().into_iter().max();
        match (first, last) {
            (Some(first), Some(last)) if last > first => {
                self.sessions.len() as f64 / (last - first).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}

/// One line of an events file (`mock-device --events-out FILE`), JSON Lines:
/// `{"t":0.123456,"session":17,"device":"cisco3","event":"accept"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Seconds since the fleet started, to the microsecond.
    #[serde(with = "seconds")]
    pub t: Duration,
    /// The session's [`SessionRecord::id`].
    pub session: u64,
    pub device: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened, with the fields each kind of event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// TCP accept: the session's first event.
    Accept,
    /// Key exchange done (first authentication request), with the client's
    /// identification string.
    Handshake {
        client: String,
    },
    /// A login attempt's outcome; `reason` says why it was refused.
    Auth {
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The login joined the AAA server's queue.
    AaaQueued,
    /// The AAA server began working on the login.
    AaaTaken,
    /// The AAA server is done with the login.
    AaaDone,
    /// The login waited the AAA timeout in the queue and gave up.
    AaaTimeout,
    CommandStart {
        command: String,
    },
    /// The command's output has been sent.
    CommandEnd {
        command: String,
    },
    Close {
        how: CloseKind,
    },
}

/// `t` as seconds in a JSON number, rounded to the microsecond.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(t.as_micros() as f64 / 1e6)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        if !secs.is_finite() || secs < 0.0 {
            return Err(D::Error::custom(format!(
                "t must be seconds since the fleet started, got {secs}"
            )));
        }
        Ok(Duration::from_micros((secs * 1e6).round() as u64))
    }
}

/// A line of an events file that cannot be read.
#[derive(Debug)]
pub struct EventsError {
    /// The file, when read with [`read_events_file`].
    pub file: Option<PathBuf>,
    /// 1-based; 0 when the file could not be opened.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for EventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for EventsError {}

/// Rebuilds the [`Record`] an events file describes (the fleet's memory cap does not apply:
/// every session of the file is in it).
pub fn read_events(reader: impl BufRead) -> Result<Record, EventsError> {
    let mut events = EventsReader::default();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| EventsError {
            file: None,
            line: n + 1,
            message: e.to_string(),
        })?;
        events.add_line(&line).map_err(|message| EventsError {
            file: None,
            line: n + 1,
            message,
        })?;
    }
    Ok(events.record)
}

/// A [`Record`] built one line of an events file at a time, for a file still being
/// written (`mock-device timeline FILE --follow`).
#[derive(Debug, Default)]
pub struct EventsReader {
    /// What the lines so far describe.
    pub record: Record,
    /// Session id to its place in `record.sessions`.
    index: HashMap<u64, usize>,
}

impl EventsReader {
    /// Adds one line (a blank one is skipped); the error says what is wrong with it.
    pub fn add_line(&mut self, line: &str) -> Result<(), String> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let event: Event = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let record = &mut self.record;
        record.taken = record.taken.max(event.t);
        if event.kind == EventKind::Accept {
            if self.index.contains_key(&event.session) {
                return Err(format!(
                    "session {} accepted twice (two fleets' events in one file?)",
                    event.session
                ));
            }
            self.index.insert(event.session, record.sessions.len());
            record
                .sessions
                .push(SessionRecord::new(event.session, event.device, event.t));
            return Ok(());
        }
        let session = self
            .index
            .get(&event.session)
            .and_then(|&i| record.sessions.get_mut(i))
            .ok_or_else(|| format!("session {} before its accept", event.session))?;
        session.apply(event.t, &event.kind)
    }
}

/// [`read_events`] on a file; errors name it.
pub fn read_events_file(path: &Path) -> Result<Record, EventsError> {
    let named = |mut e: EventsError| {
        e.file = Some(path.to_path_buf());
        e
    };
    let file = File::open(path).map_err(|e| {
        named(EventsError {
            file: None,
            line: 0,
            message: e.to_string(),
        })
    })?;
    read_events(BufReader::new(file)).map_err(named)
}

/// The fleet's side: one clock, the sessions kept in memory, and the events file's writer.
///
/// Every step of every session comes through [`Recorder::note`]: a short lock to update the
/// session's record, and a send to the writer thread, which does the file's I/O away from
/// the tokio threads that serve the SSH sessions.
#[derive(Debug)]
pub(crate) struct Recorder {
    /// The fleet's clock: every time in the record is measured from here.
    start: Instant,
    /// Sessions kept in memory; past it they are counted in `dropped_records`.
    limit: usize,
    book: Mutex<Book>,
    events: Option<EventWriter>,
}

/// What the recorder keeps under its lock.
#[derive(Debug, Default)]
struct Book {
    /// The next session's id: ids are handed out under the lock, so that
    /// `sessions[id]` is session `id`.
    next_id: u64,
    sessions: Vec<SessionRecord>,
    dropped_records: u64,
}

/// A message to the writer thread.
#[derive(Debug)]
enum ToWriter {
    Event(Event),
    /// The fleet stopped: write what came before, then end.
    Stop,
}

#[derive(Debug)]
struct EventWriter {
    tx: mpsc::Sender<ToWriter>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Recorder {
    /// Starts the clock, and the writer thread when `events_out` names a file (created, or
    /// emptied if it exists).
    pub(crate) fn start(limit: usize, events_out: Option<&Path>) -> io::Result<Recorder> {
        let start = Instant::now();
        let events = match events_out {
            None => None,
            Some(path) => {
                let file = File::create(path).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("cannot write events to {}: {e}", path.display()),
                    )
                })?;
                let (tx, rx) = mpsc::channel();
                let path = path.to_path_buf();
                let thread = std::thread::Builder::new()
                    .name("mock-device-events".into())
                    .spawn(move || {
                        if let Err(e) = write_events(file, &rx) {
                            eprintln!(
                                "mock-device: cannot write events to {}: {e} (no more events)",
                                path.display()
                            );
                        }
                    })?;
                Some(EventWriter {
                    tx,
                    thread: Mutex::new(Some(thread)),
                })
            }
        };
        Ok(Recorder {
            start,
            limit,
            book: Mutex::new(Book::default()),
            events,
        })
    }

    /// A new session of `device`: its id.
    pub(crate) fn accept(&self, device: &str) -> u64 {
        let t = self.start.elapsed();
        let mut book = self.book.lock().unwrap_or_else(|e| e.into_inner());
        let id = book.next_id;
        book.next_id += 1;
        if book.sessions.len() < self.limit {
            book.sessions.push(SessionRecord::new(id, device, t));
        } else {
            book.dropped_records += 1;
        }
        // Sent under the lock, so the file lists the accepts in id order too.
        self.send(t, id, device, EventKind::Accept);
        id
    }

    /// Something session `id` did just now.
    pub(crate) fn note(&self, id: u64, device: &str, kind: EventKind) {
        let t = self.start.elapsed();
        if let Ok(i) = usize::try_from(id)
            && i < self.limit
        {
            let mut book = self.book.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(session) = book.sessions.get_mut(i) {
                // The server never sends a step out of order (the file reader is strict
                // because files can be edited); nothing to report here.
                let _ = session.apply(t, &kind);
            }
        }
        self.send(t, id, device, kind);
    }

    fn send(&self, t: Duration, session: u64, device: &str, kind: EventKind) {
        if let Some(events) = &self.events {
            // Fails only once the writer gave up (and said so).
            let _ = events.tx.send(ToWriter::Event(Event {
                t,
                session,
                device: device.to_string(),
                kind,
            }));
        }
    }

    /// A copy of what is kept in memory.
    pub(crate) fn snapshot(&self) -> Record {
        let taken = self.start.elapsed();
        let book = self.book.lock().unwrap_or_else(|e| e.into_inner());
        Record {
            sessions: book.sessions.clone(),
            dropped_records: book.dropped_records,
            taken,
        }
    }

    /// Waits until every event sent so far is in the file (when the fleet stops).
    pub(crate) fn finish(&self) {
        if let Some(events) = &self.events {
            let _ = events.tx.send(ToWriter::Stop);
            let thread = events
                .thread
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(thread) = thread {
                let _ = thread.join();
            }
        }
    }
}

/// How often the writer thread writes what came in meanwhile.
const WRITE_EVERY: Duration = Duration::from_millis(50);

/// The writer thread: every [`WRITE_EVERY`] it writes the events that came in meanwhile, one
/// JSON line each, and flushes them to the file. A fleet that stops (Ctrl-C included) loses
/// nothing, since [`Recorder::finish`] waits for the last write; a killed one loses at most
/// the last 50 ms. It looks at the channel on a timer instead of waiting on it, so that
/// sending an event never has to wake a sleeping thread: on a busy fleet, a wake-up and a
/// write per event cost the fleet 8 % more CPU (BENCHMARKS.md, "The cost of recording").
fn write_events(file: File, rx: &mpsc::Receiver<ToWriter>) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, file);
    loop {
        let mut wrote = false;
        loop {
            match rx.try_recv() {
                Ok(ToWriter::Event(event)) => {
                    serde_json::to_writer(&mut out, &event)?;
                    out.write_all(b"\n")?;
                    wrote = true;
                }
                Ok(ToWriter::Stop) | Err(mpsc::TryRecvError::Disconnected) => return out.flush(),
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        if wrote {
            out.flush()?;
        }
        std::thread::sleep(WRITE_EVERY);
    }
}

/// When each of `sessions` ended, as its client meant it: at its close, or `now` while it
/// is open, but no later than its worker's next accept. This project's client names its
/// worker (`SSH-2.0-netauto_… pid=… thread=…`), and a worker runs one session at a time: it
/// says goodbye, closes the connection and goes on to its next device, and the close can
/// reach the mock a moment after that next connect. Counting to the close would show a pool
/// of four holding five sessions for a fraction of a millisecond.
pub fn session_ends(sessions: &[SessionRecord], now: Duration) -> Vec<Duration> {
    let mut ends: Vec<Duration> = sessions
        .iter()
        .map(|s| s.closed.as_ref().map_or(now, |c| c.at).max(s.accepted))
        .collect();
    let mut by_worker: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in sessions.iter().enumerate() {
        // An async client's task is no worker: the futures of one task (a stream's) run
        // their sessions at once.
        if s.client.starts_with("SSH-2.0-netauto_") && !s.client.contains(" task=") {
            by_worker.entry(s.client.as_str()).or_default().push(i);
        }
    }
    for mut indices in by_worker.into_values() {
        indices.sort_by_key(|&i| (sessions[i].accepted, sessions[i].id));
        for pair in indices.windows(2) {
            let next_accept = sessions[pair[1]].accepted.max(sessions[pair[0]].accepted);
            ends[pair[0]] = ends[pair[0]].min(next_accept);
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A session of `device` open from `open` to `close` ms (None: still open).
    fn session(id: u64, device: &str, open: u64, close: Option<u64>) -> SessionRecord {
        let mut s = SessionRecord::new(id, device, ms(open));
        s.closed = close.map(|c| CloseRecord {
            at: ms(c),
            how: CloseKind::Clean,
        });
        s
    }

    fn record(sessions: Vec<SessionRecord>, taken: u64) -> Record {
        Record {
            sessions,
            dropped_records: 0,
            taken: ms(taken),
        }
    }

    /// A worker of this project's client closes a session and connects again at once: the
    /// mock may see the new connect before the old close. Its session ends at that connect;
    /// a client that does not name its worker keeps its close.
    #[test]
    fn a_workers_session_ends_no_later_than_its_next_connect() {
        let worker = |mut s: SessionRecord, client: &str| {
            s.client = client.to_string();
            s
        };
        let one = "SSH-2.0-netauto_0.1.0 pid=7 thread=ThreadId(2)";
        let r = record(
            vec![
                worker(session(0, "a", 0, Some(101)), one),
                worker(session(1, "b", 100, Some(200)), one),
                worker(session(2, "c", 0, Some(101)), "SSH-2.0-paramiko_3.4.0"),
                worker(session(3, "d", 100, Some(200)), "SSH-2.0-paramiko_3.4.0"),
            ],
            300,
        );
        assert_eq!(r.ends(), [ms(100), ms(200), ms(101), ms(200)]);
        assert_eq!(r.peak_open(), (3, ms(100)));
    }

    #[test]
    fn peak_counts_overlaps_and_when_first_reached() {
        // a: 0-100, b: 50-150, c: 100-200 (starts as a ends), d: 120-, still open at 300.
        let r = record(
            vec![
                session(0, "a", 0, Some(100)),
                session(1, "b", 50, Some(150)),
                session(2, "c", 100, Some(200)),
                session(3, "d", 120, None),
            ],
            300,
        );
        assert_eq!(r.peak_open(), (3, ms(120)));
        assert_eq!(r.open_at(ms(0)), 1);
        assert_eq!(r.open_at(ms(99)), 2);
        assert_eq!(r.open_at(ms(100)), 2, "a closed as c opened");
        assert_eq!(r.open_at(ms(130)), 3);
        assert_eq!(r.open_at(ms(250)), 1, "d is still open");
        assert_eq!(r.open_at(ms(300)), 0, "nothing is known past the record");
        assert_eq!(Record::default().peak_open(), (0, Duration::ZERO));
    }

    #[test]
    fn back_to_back_sessions_never_overlap() {
        let r = record(
            (0..5)
                .map(|i| session(i, "r1", i * 10, Some(i * 10 + 10)))
                .collect(),
            50,
        );
        assert_eq!(r.peak_open(), (1, Duration::ZERO));
    }

    #[test]
    fn per_device_and_rate() {
        let r = record(
            vec![
                session(0, "r2", 0, Some(500)),
                session(1, "r1", 100, Some(400)),
                session(2, "r2", 200, None),
            ],
            2000,
        );
        let per: Vec<(String, usize)> = r.sessions_per_device().into_iter().collect();
        assert_eq!(per, vec![("r1".to_string(), 1), ("r2".to_string(), 2)]);
        // Three sessions from 0 to 2 s (the open one lasts until the record was taken).
        assert!((r.connections_per_second() - 1.5).abs() < 1e-9);
        assert_eq!(Record::default().connections_per_second(), 0.0);
        assert_eq!(
            record(vec![session(0, "r1", 5, Some(5))], 5).connections_per_second(),
            0.0
        );
    }

    #[test]
    fn events_round_trip_to_a_record() {
        let events = [
            (0, EventKind::Accept),
            (
                1,
                EventKind::Handshake {
                    client: "SSH-2.0-x pid=1".into(),
                },
            ),
            (
                2,
                EventKind::Auth {
                    ok: true,
                    reason: None,
                },
            ),
            (
                3,
                EventKind::CommandStart {
                    command: "show version".into(),
                },
            ),
            (
                4,
                EventKind::CommandEnd {
                    command: "show version".into(),
                },
            ),
            (
                5,
                EventKind::Close {
                    how: CloseKind::Clean,
                },
            ),
        ];
        let mut text = String::new();
        for (t, kind) in events {
            let event = Event {
                t: Duration::from_micros(123_456 * (t + 1)),
                session: 7,
                device: "cisco3".into(),
                kind,
            };
            text.push_str(&serde_json::to_string(&event).unwrap());
            text.push('\n');
        }
        assert!(
            text.starts_with(r#"{"t":0.123456,"session":7,"device":"cisco3","event":"accept"}"#),
            "{text}"
        );
        assert!(text.contains(r#""event":"auth","ok":true}"#), "{text}");
        assert!(text.contains(r#""event":"close","how":"clean"}"#), "{text}");
        let r = read_events(text.as_bytes()).unwrap();
        assert_eq!(r.sessions.len(), 1);
        let s = &r.sessions[0];
        assert_eq!((s.id, s.device.as_str()), (7, "cisco3"));
        assert_eq!(s.client, "SSH-2.0-x pid=1");
        assert_eq!(s.accepted, Duration::from_micros(123_456));
        assert_eq!(s.commands[0].end, Some(Duration::from_micros(123_456 * 5)));
        assert_eq!(s.closed.as_ref().map(|c| c.how), Some(CloseKind::Clean));
        assert_eq!(r.taken, Duration::from_micros(123_456 * 6));
    }

    #[test]
    fn bad_event_files_name_the_line() {
        let accept = r#"{"t":0.1,"session":1,"device":"r1","event":"accept"}"#;
        let cases = [
            (format!("{accept}\n\n{{\"t\":0.2"), 3, "EOF"),
            (format!("{accept}\n{accept}"), 2, "accepted twice"),
            (
                r#"{"t":0.1,"session":2,"device":"r1","event":"close","how":"clean"}"#.into(),
                1,
                "before its accept",
            ),
            (
                format!(
                    "{accept}\n{}",
                    r#"{"t":0.2,"session":1,"device":"r1","event":"command_end","command":"x"}"#
                ),
                2,
                "without its command_start",
            ),
            (
                r#"{"t":-1,"session":1,"device":"r1","event":"accept"}"#.into(),
                1,
                "seconds since",
            ),
            (
                r#"{"t":1,"session":1,"device":"r1","event":"explode"}"#.into(),
                1,
                "explode",
            ),
        ];
        for (text, line, needle) in cases {
            let e = read_events(text.as_bytes()).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e}");
            let shown = e.to_string();
            assert!(shown.starts_with(&format!("line {line}: ")), "{shown}");
            assert!(shown.contains(needle), "{shown}");
        }
        let missing = read_events_file(Path::new("/nonexistent/events.jsonl")).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("/nonexistent/events.jsonl: "),
            "{missing}"
        );
    }
}
