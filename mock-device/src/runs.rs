//! The runs and parts in a fleet's record, read from the clients' banners.
//!
//! This project's client names the run and the part of each session in its SSH
//! identification string (`SSH-2.0-netauto_0.1.0 pid=4242 thread=ThreadId(7)
//! run=1206-213512-4242 part=ssh_threads_map`), so one events file of a fleet that served a
//! whole class can be cut into each run, or each part of one, and each drawn on its own axis.

use std::time::Duration;

use crate::record::{Record, SessionRecord};

/// The `run=` and `part=` words of a client's banner (either may be missing).
pub fn run_and_part(client: &str) -> (Option<&str>, Option<&str>) {
    let (mut run, mut part) = (None, None);
    for word in client.split_whitespace() {
        if let Some(id) = word.strip_prefix("run=") {
            run = Some(id);
        } else if let Some(name) = word.strip_prefix("part=") {
            part = Some(name);
        }
    }
    (run, part)
}

/// One run in a record: its id, its parts in the order they began with their sessions,
/// and when its first session was accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub id: String,
    pub parts: Vec<(String, usize)>,
    pub first: Duration,
}

/// Every run in `record`, in the order their first sessions came.
pub fn runs(record: &Record) -> Vec<RunSummary> {
    let mut runs: Vec<RunSummary> = Vec::new();
    for session in &record.sessions {
        let (Some(id), part) = run_and_part(&session.client) else {
            continue;
        };
        let at = runs.iter().position(|run| run.id == id).unwrap_or_else(|| {
            runs.push(RunSummary {
                id: id.to_string(),
                parts: Vec::new(),
                first: session.accepted,
            });
            runs.len() - 1
        });
        let run = &mut runs[at];
        let part = part.unwrap_or("");
        match run.parts.iter_mut().find(|(name, _)| name == part) {
            Some((_, count)) => *count += 1,
            None => run.parts.push((part.to_string(), 1)),
        }
    }
    runs
}

/// `1206-213512-4242 (ssh_threads_map: 9 sessions, ex4_cf_map: 9 sessions)`, one per line.
pub fn describe(runs: &[RunSummary]) -> String {
    let mut text = String::new();
    for run in runs {
        let parts: Vec<String> = run
            .parts
            .iter()
            .map(|(part, n)| {
                let sessions = if *n == 1 { "session" } else { "sessions" };
                let name = if part.is_empty() { "no part" } else { part };
                format!("{name}: {n} {sessions}")
            })
            .collect();
        text.push_str(&format!("  {} ({})\n", run.id, parts.join(", ")));
    }
    text
}

/// The sessions of `record` of run `run` and part `part` (each `None`: any), their times
/// moved so that the first of them was accepted at zero. `None` when no session matches.
pub fn only(record: &Record, run: Option<&str>, part: Option<&str>) -> Option<Record> {
    let matches = |s: &&SessionRecord| {
        let (r, p) = run_and_part(&s.client);
        run.is_none_or(|run| r == Some(run)) && part.is_none_or(|part| p == Some(part))
    };
    let kept: Vec<&SessionRecord> = record.sessions.iter().filter(matches).collect();
    let origin = kept.iter().map(|s| s.accepted).min()?;
    // The axis ends with the last of them, unless one is still open.
    let closes: Option<Vec<Duration>> = kept
        .iter()
        .map(|s| s.closed.as_ref().map(|c| c.at))
        .collect();
    let end = closes
        .and_then(|closes| closes.into_iter().max())
        .unwrap_or(record.taken);
    Some(Record {
        sessions: kept.into_iter().map(|s| shifted(s, origin)).collect(),
        dropped_records: 0,
        taken: end.saturating_sub(origin),
    })
}

/// `session` with every time `by` earlier.
fn shifted(session: &SessionRecord, by: Duration) -> SessionRecord {
    let back = |t: Duration| t.saturating_sub(by);
    let mut s = session.clone();
    s.accepted = back(s.accepted);
    s.handshake_done = s.handshake_done.map(back);
    if let Some(auth) = &mut s.auth {
        auth.at = back(auth.at);
    }
    for visit in &mut s.aaa {
        visit.queued = back(visit.queued);
        visit.taken = visit.taken.map(back);
        visit.done = visit.done.map(back);
        visit.timed_out = visit.timed_out.map(back);
    }
    for command in &mut s.commands {
        command.start = back(command.start);
        command.end = command.end.map(back);
    }
    if let Some(closed) = &mut s.closed {
        closed.at = back(closed.at);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: u64, accepted: u64, client: &str) -> SessionRecord {
        let mut s = SessionRecord::new(id, "cisco3", Duration::from_secs(accepted));
        s.client = client.to_string();
        s
    }

    fn record() -> Record {
        let ours = |run: &str, part: &str| {
            format!("SSH-2.0-netauto_0.1.0 pid=1 thread=ThreadId(2) run={run} part={part}")
        };
        Record {
            sessions: vec![
                session(0, 1, &ours("a", "map")),
                session(1, 2, "SSH-2.0-OpenSSH_9.2"),
                session(2, 5, &ours("b", "map")),
                session(3, 7, &ours("b", "wait")),
                session(4, 8, &ours("b", "map")),
            ],
            dropped_records: 0,
            taken: Duration::from_secs(10),
        }
    }

    #[test]
    fn the_runs_and_their_parts_are_listed_in_order() {
        let runs = runs(&record());
        assert_eq!(
            describe(&runs),
            "  a (map: 1 session)\n  b (map: 2 sessions, wait: 1 session)\n"
        );
        assert_eq!(runs[1].first, Duration::from_secs(5));
    }

    #[test]
    fn one_run_or_part_starts_its_axis_at_its_first_session() {
        let b = only(&record(), Some("b"), None).unwrap();
        let starts: Vec<u64> = b.sessions.iter().map(|s| s.accepted.as_secs()).collect();
        assert_eq!(starts, [0, 2, 3]);
        assert_eq!(b.taken, Duration::from_secs(5));
        let wait = only(&record(), Some("b"), Some("wait")).unwrap();
        assert_eq!(wait.sessions.len(), 1);
        assert_eq!(wait.sessions[0].id, 3);
        assert_eq!(
            only(&record(), None, Some("map")).unwrap().sessions.len(),
            3
        );
        assert_eq!(only(&record(), Some("c"), None), None);
    }
}
