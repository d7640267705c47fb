//! Judgments on a fleet's [`Record`]: what the devices saw of a client's concurrency, each
//! check returning `Ok(())` or one [`Failure`] line (what the lab saw, and a hint).
//!
//! The lessons' tests assert them (`shared::testing`), and the exercises' checker grades a
//! student's program with them: one copy of each rule. Times are on the fleet's clock;
//! printed lines are given as `(device, when the line appeared)` on that same clock.
//!
//! The client this project ships names its process and thread in its SSH banner
//! (`SSH-2.0-netauto_0.1.0 pid=4242 thread=ThreadId(7)`), so the record alone says which
//! worker ran each session ([`worker`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use crate::record::{Record, SessionRecord, session_ends};

/// A check that did not pass: what the lab saw, and a hint at the usual cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub saw: String,
    pub hint: String,
}

impl Failure {
    pub fn new(saw: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure {
            saw: saw.into(),
            hint: hint.into(),
        }
    }

    /// The same observation with another hint (an exercise knows its usual mistake best).
    pub fn with_hint(self, hint: impl Into<String>) -> Failure {
        Failure {
            hint: hint.into(),
            ..self
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hint.is_empty() {
            write!(f, "{}", self.saw)
        } else {
            write!(f, "{}: {}", self.saw, self.hint)
        }
    }
}

/// `Ok(())`, or the one line that says what was wrong.
pub type Judgment = Result<(), Failure>;

/// A printed result: the device it is about, and when its line appeared.
pub type Printed = (String, Duration);

/// The process and thread that ran a session, from its banner: `(4242, "ThreadId(7)")`;
/// `None` for a client that does not name them.
pub fn worker(session: &SessionRecord) -> Option<(u32, String)> {
    let rest = session.client.strip_prefix("SSH-2.0-netauto_")?;
    let mut pid = None;
    let mut thread = None;
    for word in rest.split_whitespace() {
        if let Some(p) = word.strip_prefix("pid=") {
            pid = p.parse().ok();
        } else if let Some(t) = word.strip_prefix("thread=") {
            thread = Some(t.to_string());
        }
    }
    Some((pid?, thread?))
}

/// The process id in a session's banner.
pub fn client_pid(session: &SessionRecord) -> Option<u32> {
    worker(session).map(|(pid, _)| pid)
}

/// Every process that ran a session of `record`.
pub fn pids(record: &Record) -> BTreeSet<u32> {
    record.sessions.iter().filter_map(client_pid).collect()
}

/// Every worker (process and thread) that ran a session of `record`.
pub fn workers(record: &Record) -> BTreeSet<(u32, String)> {
    record.sessions.iter().filter_map(worker).collect()
}

/// "1 session was", "5 sessions were".
fn sessions_were(n: usize) -> String {
    if n == 1 {
        "1 session was".to_string()
    } else {
        format!("{n} sessions were")
    }
}

fn secs(t: Duration) -> String {
    format!("{:.2} s", t.as_secs_f64())
}

/// The record with every close `slack` earlier (never before its accept): a client whose
/// banner names no single worker (an async task per device) closes one session and opens
/// the next at once, and the mock may read the close a moment after the new accept. Judge
/// such a pool on this record.
pub fn closes_moved_earlier(record: &Record, slack: Duration) -> Record {
    let mut record = record.clone();
    for s in &mut record.sessions {
        if let Some(closed) = &mut s.closed {
            closed.at = closed.at.saturating_sub(slack).max(s.accepted);
        }
    }
    record
}

/// The most sessions open at once, each session ending as [`session_ends`] has it, but
/// `close_slack` earlier ([`closes_moved_earlier`]).
pub fn peak_open(record: &Record, close_slack: Duration) -> usize {
    closes_moved_earlier(record, close_slack).peak_open().0
}

/// Exactly `want` sessions open at the busiest moment: a pool of `want` that was full, or a
/// thread (or process, or task) per device with every device at once.
pub fn open_at_once(record: &Record, want: usize, close_slack: Duration) -> Judgment {
    let peak = peak_open(record, close_slack);
    if peak == want {
        return Ok(());
    }
    if peak < want {
        let hint = if peak <= 1 {
            "are you joining each thread right after starting it?"
        } else {
            "is the pool as large as asked, and is every job started before you wait for \
             any of them?"
        };
        Err(Failure::new(
            format!("at most {} open at once (want {want})", sessions_were(peak)),
            hint,
        ))
    } else {
        Err(Failure::new(
            format!("{} open at once (want at most {want})", sessions_were(peak)),
            format!(
                "keep at most {want} devices busy: a pool of {want} workers, not one per device"
            ),
        ))
    }
}

/// No idle worker while work was queued, as the fleet saw a pool of `workers` run:
/// 1. the pool starts full: the first `workers` sessions are accepted within `slack` of
///    the first one;
/// 2. every later session is accepted within `slack` after some other session ended (a
///    worker that came free took it);
/// 3. while work remains (before the last accept), every session's end is followed by an
///    accept within `slack` (the worker that came free took the next device).
pub fn no_idle_worker(record: &Record, workers: usize, slack: Duration) -> Judgment {
    let hint = "a worker sat idle while devices waited: hand each free worker the next \
                device (are you waiting for the results in list order?)";
    let ends = record.ends();
    let mut accepts: Vec<(Duration, usize)> = record
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.accepted, i))
        .collect();
    accepts.sort_unstable();
    let (Some(&(first, _)), Some(&(last, _))) = (accepts.first(), accepts.last()) else {
        return Err(Failure::new(
            "no session reached the lab",
            "did the program run?",
        ));
    };
    let name = |i: usize| &record.sessions[i].device;
    for &(at, i) in accepts.iter().take(workers) {
        if at - first > slack {
            return Err(Failure::new(
                format!(
                    "the pool of {workers} does not start full: {} connected {} after the first",
                    name(i),
                    secs(at - first)
                ),
                hint,
            ));
        }
    }
    for &(at, i) in accepts.iter().skip(workers) {
        let freed = ends
            .iter()
            .enumerate()
            .filter(|&(j, &end)| j != i && end <= at)
            .map(|(_, &end)| at - end)
            .min();
        if freed.is_none_or(|gap| gap > slack) {
            return Err(Failure::new(
                format!(
                    "{} connected at {}, {} after the last session before it ended",
                    name(i),
                    secs(at),
                    freed.map_or("not".to_string(), secs)
                ),
                hint,
            ));
        }
    }
    for (j, &end) in ends.iter().enumerate() {
        if end < last {
            let next = accepts
                .iter()
                .filter(|&&(at, _)| at >= end)
                .map(|&(at, _)| at - end)
                .min();
            if next.is_none_or(|gap| gap > slack) {
                return Err(Failure::new(
                    format!(
                        "{} ended at {} with devices left, and the next one connected {} later",
                        name(j),
                        secs(end),
                        next.map_or("never".to_string(), secs)
                    ),
                    hint,
                ));
            }
        }
    }
    Ok(())
}

/// A pool of `workers` as the fleet saw it: exactly that many sessions at the busiest
/// moment, and no idle worker ([`no_idle_worker`] with `slack`).
pub fn pool_of(record: &Record, workers: usize, slack: Duration) -> Judgment {
    open_at_once(record, workers, Duration::ZERO)?;
    no_idle_worker(record, workers, slack)
}

/// Every session was opened by threads of the process `pid` (not by worker processes).
pub fn threads_of(record: &Record, pid: u32) -> Judgment {
    let others: BTreeSet<u32> = pids(record).into_iter().filter(|&p| p != pid).collect();
    if others.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            format!(
                "sessions came from {} other process(es), not from threads of the program",
                others.len()
            ),
            "use threads here (std::thread or a thread pool), not processes",
        ))
    }
}

/// Every session was opened by worker processes, at most `at_most` of them, none of them
/// one of `not` (the program's own process, the checker's).
pub fn worker_processes(record: &Record, at_most: usize, not: &[u32]) -> Judgment {
    let seen = pids(record);
    let own = record
        .sessions
        .iter()
        .filter(|s| client_pid(s).is_some_and(|p| not.contains(&p)))
        .count();
    if own > 0 {
        return Err(Failure::new(
            format!("{own} of the sessions came from the program's own process"),
            "run each job in a worker process (a procspawn::Pool), not in a thread",
        ));
    }
    if seen.len() > at_most {
        return Err(Failure::new(
            format!(
                "{} processes opened sessions (want at most {at_most})",
                seen.len()
            ),
            format!(
                "start a pool of {at_most} processes once and give it every job, not a process per device"
            ),
        ));
    }
    Ok(())
}

/// Every session came from one thread of one process (async tasks on one thread).
pub fn one_thread(record: &Record) -> Judgment {
    let seen = workers(record);
    if seen.len() <= 1 {
        Ok(())
    } else {
        Err(Failure::new(
            format!("sessions came from {} threads (want 1)", seen.len()),
            "run every job as a task on the one thread of a current_thread runtime, with the \
             async client (shared::async_ssh)",
        ))
    }
}

/// When each device's last session ended ([`Record::ends`]).
pub fn device_ends(record: &Record) -> BTreeMap<String, Duration> {
    let mut ends = BTreeMap::new();
    for (s, end) in record.sessions.iter().zip(record.ends()) {
        let e = ends.entry(s.device.clone()).or_insert(end);
        *e = (*e).max(end);
    }
    ends
}

/// Each result printed after its own session ended (within `slack`).
fn printed_after_own_session(record: &Record, printed: &[Printed], slack: Duration) -> Judgment {
    let ends = device_ends(record);
    for (device, at) in printed {
        if let Some(&end) = ends.get(device)
            && *at + slack < end
        {
            return Err(Failure::new(
                format!(
                    "{device}'s result appeared at {}, before its session ended at {}",
                    secs(*at),
                    secs(end)
                ),
                "print a result only once its job has returned it",
            ));
        }
    }
    Ok(())
}

/// As-completed output: each result printed after its session ended, in the order the
/// sessions ended (two that ended within `slack` of each other may come either way), and
/// not all held back until the last session ended. `list` is the input order, to say so
/// when that is the order printed.
pub fn as_completed(
    record: &Record,
    printed: &[Printed],
    list: &[&str],
    slack: Duration,
) -> Judgment {
    printed_after_own_session(record, printed, slack)?;
    let ends = device_ends(record);
    let end_of = |device: &str| ends.get(device).copied().unwrap_or_default();
    // The worst pair: printed earlier, ended later.
    let mut worst: Option<(Duration, &str, &str)> = None;
    for (i, (a, _)) in printed.iter().enumerate() {
        for (b, _) in &printed[i + 1..] {
            let (ea, eb) = (end_of(a), end_of(b));
            if eb + slack < ea && worst.is_none_or(|(gap, _, _)| ea - eb > gap) {
                worst = Some((ea - eb, a, b));
            }
        }
    }
    if let Some((_, a, b)) = worst {
        let names: Vec<&str> = printed.iter().map(|(d, _)| d.as_str()).collect();
        let order = if names == list {
            "results printed in list order"
        } else {
            "results printed out of completion order"
        };
        return Err(Failure::new(
            format!("{order}, but {a} ended after {b}"),
            "print each result as its job completes",
        ));
    }
    let first_end = ends.values().min().copied().unwrap_or_default();
    let last_end = ends.values().max().copied().unwrap_or_default();
    if let Some((device, at)) = printed.first()
        && last_end - first_end > 4 * slack
        && *at + slack >= last_end
    {
        return Err(Failure::new(
            format!(
                "no result appeared before every session had ended ({device}'s first, at {}; \
                 the last session ended at {})",
                secs(*at),
                secs(last_end)
            ),
            "print each result as its job completes, not after waiting for them all",
        ));
    }
    Ok(())
}

/// Results printed in the order of the input list (`map`'s order), each after its session.
pub fn in_list_order(
    record: &Record,
    printed: &[Printed],
    list: &[&str],
    slack: Duration,
) -> Judgment {
    printed_after_own_session(record, printed, slack)?;
    let names: Vec<&str> = printed.iter().map(|(d, _)| d.as_str()).collect();
    let wanted: Vec<&str> = list.iter().copied().filter(|d| names.contains(d)).collect();
    if names == wanted {
        return Ok(());
    }
    let ends = device_ends(record);
    let mut by_end = names.clone();
    by_end.sort_by_key(|d| ends.get(*d).copied().unwrap_or_default());
    let pos = names
        .iter()
        .zip(&wanted)
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    let order = if names == by_end {
        "results printed in completion order"
    } else {
        "results printed out of list order"
    };
    Err(Failure::new(
        format!(
            "{order} ({} before {}), want list order",
            names[pos], wanted[pos]
        ),
        "hand the results back in the order of the input list, as map does",
    ))
}

/// Wait-for-all output: no result printed before the last session ended (within `slack`).
pub fn after_all_ended(record: &Record, printed: &[Printed], slack: Duration) -> Judgment {
    let last_end = device_ends(record)
        .values()
        .max()
        .copied()
        .unwrap_or_default();
    match printed.iter().find(|(_, at)| *at + slack < last_end) {
        None => Ok(()),
        Some((device, at)) => Err(Failure::new(
            format!(
                "{device}'s result appeared at {}, before the last session ended at {}",
                secs(*at),
                secs(last_end)
            ),
            "wait for every job to finish before you print any result",
        )),
    }
}

/// Nothing left open: every session closed within `slack` of its last activity (its last
/// command's output, or its login). Judged on the close the mock saw, not on
/// [`session_ends`]' rule that ends a worker's session at its next accept: a connection
/// its worker kept open (in a `Vec` until the end of the run) closes late, and shows here.
pub fn none_left_open(record: &Record, slack: Duration) -> Judgment {
    let mut worst: Option<(Duration, &SessionRecord)> = None;
    for s in &record.sessions {
        // The goodbye a client writes as it closes (`exit`) is no work: a connection kept
        // to the end of the run runs its `exit` only then, which must not hide it.
        let last_activity = s
            .commands
            .iter()
            .filter(|c| !matches!(c.command.trim(), "exit" | "quit" | "logout"))
            .filter_map(|c| c.end)
            .max()
            .or(s.auth.as_ref().map(|a| a.at))
            .or(s.handshake_done)
            .unwrap_or(s.accepted);
        let closed = s.closed.as_ref().map_or(record.taken, |c| c.at);
        let held = closed.saturating_sub(last_activity);
        if held > slack && worst.is_none_or(|(h, _)| held > h) {
            worst = Some((held, s));
        }
    }
    match worst {
        None => Ok(()),
        Some((held, s)) => {
            let how = if s.closed.is_some() {
                format!("stayed open {} after its last command", secs(held))
            } else {
                "was still open when the program ended".to_string()
            };
            Err(Failure::new(
                format!("{}'s session {how}", s.device),
                "disconnect each device when its job is done, not at the end of the run",
            ))
        }
    }
}

/// The time each session ended, for tests that want the list itself.
pub fn ends(record: &Record) -> Vec<Duration> {
    session_ends(&record.sessions, record.taken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{CloseKind, CloseRecord};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// `(device, thread, from, to)` in ms, from one process.
    fn record(sessions: &[(&str, u32, u64, u64)]) -> Record {
        let sessions = sessions
            .iter()
            .enumerate()
            .map(|(id, &(device, thread, from, to))| {
                let mut s = SessionRecord::new(id as u64, device, ms(from));
                s.client = format!("SSH-2.0-netauto_0.1.0 pid=7 thread=ThreadId({thread})");
                s.closed = Some(CloseRecord {
                    at: ms(to),
                    how: CloseKind::Clean,
                });
                s
            })
            .collect();
        Record {
            sessions,
            dropped_records: 0,
            taken: ms(1000),
        }
    }

    /// Two workers over four devices, each taking the next device as it comes free.
    const BUSY: [(&str, u32, u64, u64); 4] = [
        ("r1", 1, 0, 100),
        ("r2", 2, 2, 300),
        ("r3", 1, 101, 250),
        ("r4", 1, 251, 400),
    ];

    /// What a failed judgment saw, for the assertions below.
    fn saw(judgment: Judgment) -> String {
        judgment.err().map(|f| f.to_string()).unwrap_or_default()
    }

    #[test]
    fn a_busy_pool_has_no_idle_worker_and_its_banners_name_the_workers() {
        let r = record(&BUSY);
        assert_eq!(pool_of(&r, 2, ms(50)), Ok(()));
        assert_eq!(pids(&r), BTreeSet::from([7]));
        assert_eq!(workers(&r).len(), 2);
    }

    #[test]
    fn a_worker_that_waits_before_its_next_device_is_idle() {
        let mut sessions = BUSY;
        sessions[3] = ("r4", 1, 380, 450);
        assert!(saw(no_idle_worker(&record(&sessions), 2, ms(50))).contains("r4 connected at"));
    }

    #[test]
    fn a_worker_that_stops_while_work_remains_is_idle() {
        // r1's worker never takes another device; r2's takes r3 and r4 in turn.
        let sessions = [
            ("r1", 1, 0, 100),
            ("r2", 2, 2, 200),
            ("r3", 2, 200, 300),
            ("r4", 2, 300, 400),
        ];
        assert!(saw(no_idle_worker(&record(&sessions), 2, ms(50))).contains("r1 ended at"));
    }

    #[test]
    fn a_pool_that_starts_one_worker_late_is_not_full() {
        let mut sessions = BUSY;
        sessions[1] = ("r2", 2, 80, 300);
        assert!(saw(no_idle_worker(&record(&sessions), 2, ms(50))).contains("does not start full"));
    }

    const POOL: [(&str, u32, u64, u64); 4] = [
        ("r1", 1, 0, 300),
        ("r2", 2, 2, 100),
        ("r3", 2, 101, 250),
        ("r4", 2, 251, 400),
    ];

    #[test]
    fn completion_order_passes_and_list_order_names_the_pair() {
        let r = record(&POOL);
        let list = ["r1", "r2", "r3", "r4"];
        let at = |d: &str, t: u64| (d.to_string(), ms(t));
        let done = [at("r2", 105), at("r3", 255), at("r1", 305), at("r4", 405)];
        assert_eq!(as_completed(&r, &done, &list, ms(20)), Ok(()));
        let listed = [at("r1", 305), at("r2", 306), at("r3", 307), at("r4", 405)];
        let failure = as_completed(&r, &listed, &list, ms(20)).unwrap_err();
        assert_eq!(
            failure.saw,
            "results printed in list order, but r1 ended after r2"
        );
        assert!(in_list_order(&r, &listed, &list, ms(20)).is_ok());
        let failure = in_list_order(&r, &done, &list, ms(20)).unwrap_err();
        assert!(
            failure
                .saw
                .starts_with("results printed in completion order (r2 before r1)")
        );
        let waited = [at("r2", 401), at("r3", 402), at("r1", 403), at("r4", 405)];
        let failure = as_completed(&r, &waited, &list, ms(20)).unwrap_err();
        assert!(
            failure.saw.starts_with("no result appeared before"),
            "{failure}"
        );
        assert!(after_all_ended(&r, &waited, ms(20)).is_ok());
        assert!(after_all_ended(&r, &done, ms(20)).is_err());
    }

    #[test]
    fn at_once_and_workers() {
        let r = record(&POOL);
        assert_eq!(open_at_once(&r, 2, Duration::ZERO), Ok(()));
        let low = open_at_once(&r, 5, Duration::ZERO).unwrap_err();
        assert_eq!(low.saw, "at most 2 sessions were open at once (want 5)");
        let high = open_at_once(&r, 1, Duration::ZERO).unwrap_err();
        assert_eq!(high.saw, "2 sessions were open at once (want at most 1)");
        assert!(pool_of(&r, 2, ms(20)).is_ok());
        assert!(threads_of(&r, 7).is_ok());
        assert!(threads_of(&r, 8).is_err());
        assert!(worker_processes(&r, 5, &[7]).is_err());
        assert!(worker_processes(&r, 5, &[8]).is_ok());
        assert!(one_thread(&r).is_err());
    }

    /// A connection kept open until the end closes late: the next-accept rule that ends a
    /// worker's session early does not hide it.
    #[test]
    fn a_connection_kept_open_is_left_open() {
        // No login or command in these records: each session's activity ends at its accept.
        let mut r = record(&POOL);
        assert!(none_left_open(&r, ms(350)).is_ok());
        r.sessions[1].closed.as_mut().unwrap().at = ms(900);
        let failure = none_left_open(&r, ms(350)).unwrap_err();
        assert!(
            failure.saw.starts_with("r2's session stayed open"),
            "{failure}"
        );
        // The `exit` its client writes as it finally closes does not count as work.
        r.sessions[1].commands.push(crate::record::CommandRecord {
            command: "exit".to_string(),
            start: ms(890),
            end: Some(ms(895)),
        });
        let failure = none_left_open(&r, ms(350)).unwrap_err();
        assert!(
            failure.saw.starts_with("r2's session stayed open"),
            "{failure}"
        );
        r.sessions[1].closed = None;
        let failure = none_left_open(&r, ms(350)).unwrap_err();
        assert!(failure.saw.contains("still open"), "{failure}");
    }
}
