//! Drawing a run's timeline: which worker ran which device's session, when, and how many
//! sessions were open at once.
//!
//! The input is a list of [`Bar`]s, one per session: from the fleet's own record
//! ([`bars_from_records`]) or from a lesson's client-side timings (a lesson that talks to a
//! standalone fleet or real devices cannot read the fleet's memory, so it builds the bars
//! itself). Two pictures come out of the same bars, both as plain `String`s:
//!
//! - [`render_terminal`]: one row per worker, each session a bar labelled with its device, a
//!   scale line, and a "sessions open at once" row over the same time axis with its peak.
//!   With more than [`MAX_BARS`] sessions (or bars too narrow to read) the rows become a
//!   density: how many of each worker's sessions touched each column.
//! - [`render_svg`]: the same picture as an SVG a browser opens, device names as tooltips.
//!
//! Everything here is a pure function of its input, so the same bars always give the same
//! text (a snapshot test runs over it).

use std::fmt::Write as _;
use std::time::Duration;

use crate::record::{CloseKind, SessionRecord};

/// One session drawn on the timeline: a worker's row, a device, and when it was open.
///
/// Times are [`Duration`]s since one origin shared by every bar (the fleet's start for the
/// mock's record, the run's start for a lesson's own timings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// The row the bar is drawn in: `thread 1`, `pid 4242`, `paramiko_3.4.0 #2`.
    pub worker: String,
    /// The device's name, written on the bar where it fits.
    pub device: String,
    /// When the session began (for the mock: TCP accept).
    pub start: Duration,
    /// When it ended (for the mock: close, or "now" for a session still open).
    pub end: Duration,
    /// The session failed (login refused, connection dropped, timed out): drawn marked.
    pub failed: bool,
    /// What the bar's row is: a worker, or a lane.
    pub row: RowKind,
}

/// What a row of the chart stands for. A row is called a worker only where it is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    /// A thread or a process, which ran the row's sessions one after another.
    Worker,
    /// A lane: sessions of one client that did not overlap, drawn in one row because the
    /// client does not say which thread or process ran them (Netmiko, OpenSSH).
    Lane,
    /// A lane of async tasks (lesson 10): tasks are not workers, and the row only gathers
    /// tasks whose sessions did not overlap. `thread` names the thread that ran the task
    /// (`4242 ThreadId(1)`): all of them are usually one.
    TaskLane { thread: String },
}

/// Past this many sessions the terminal chart draws a density instead of one bar each.
pub const MAX_BARS: usize = 100;

/// In density mode, past this many workers the rows are grouped so the chart fits a screen.
const MAX_DENSITY_ROWS: usize = 40;

/// Labels longer than this are cut (with `…`) so the chart keeps most of the width.
const MAX_LABEL: usize = 24;

/// The chart is never narrower than this many columns, whatever width is asked for.
const MIN_CHART: usize = 10;

/// What [`terminal_width`] answers when `COLUMNS` is unset or not a sane number.
const DEFAULT_WIDTH: usize = 100;

/// The label of the "sessions open at once" row.
const OPEN_LABEL: &str = "at once";

/// The density scale: no session, then 1 (`.`) up to the most in any cell (`@`).
const DENSITY: [char; 10] = [' ', '.', ':', '-', '=', '+', '*', '#', '%', '@'];

/// The concurrency row past 9 sessions open at once: a block per column, scaled to the peak.
const BLOCKS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

// ---------------------------------------------------------------------------------------
// From the mock's record to bars
// ---------------------------------------------------------------------------------------

/// This project's client names itself `SSH-2.0-netauto_<version> pid=<pid> thread=<id>`.
const NETAUTO_BANNER: &str = "SSH-2.0-netauto_";

/// How late a session's close may reach the mock after the next session in its lane began,
/// for clients that do not name their workers (see [`bars_from_records`]).
const LANE_SLACK: Duration = Duration::from_millis(5);

/// The rows of the async client's sessions (`... task=17`): `lane 1`, `lane 2`...
const ASYNC_LANE: &str = "lane";

/// Who ran a session, read from the client's SSH identification string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Client {
    /// This project's client: the process and the thread (kept as the client wrote it,
    /// `ThreadId(7)`; only "same or different" matters here).
    Netauto { pid: String, thread: String },
    /// This project's async client: a task, and the process and thread that ran it.
    Task { thread: String },
    /// Any other client (Netmiko's paramiko, OpenSSH, ...): only its banner, which is the
    /// same from every thread, so it cannot tell the workers apart.
    Other(String),
}

impl Client {
    /// The clients whose sessions are spread over lanes, and the name of their lanes.
    fn lanes(&self) -> Option<&str> {
        match self {
            Client::Netauto { .. } => None,
            Client::Task { .. } => Some(ASYNC_LANE),
            Client::Other(name) => Some(name),
        }
    }
}

fn parse_client(client: &str) -> Client {
    if client.starts_with(NETAUTO_BANNER) {
        let mut pid = None;
        let mut thread = None;
        let mut task = false;
        for word in client.split_whitespace() {
            if let Some(p) = word.strip_prefix("pid=") {
                pid = Some(p.to_string());
            } else if let Some(t) = word.strip_prefix("thread=") {
                thread = Some(t.to_string());
            } else if word.starts_with("task=") {
                task = true;
            }
        }
        if task {
            // The async client (lesson 10): every session is a task of its own on one
            // thread, so a row is not a worker but a lane of sessions at once, as for
            // clients that do not name their workers.
            return Client::Task {
                thread: format!("{} {}", pid.unwrap_or_default(), thread.unwrap_or_default()),
            };
        }
        if let (Some(pid), Some(thread)) = (pid, thread) {
            return Client::Netauto { pid, thread };
        }
    }
    // Every SSH banner starts `SSH-2.0-`; the rest is the part that names the client.
    let name = client.strip_prefix("SSH-2.0-").unwrap_or(client).trim();
    if name.is_empty() {
        Client::Other("no banner".to_string())
    } else {
        Client::Other(name.to_string())
    }
}

/// The session failed as the student would see it: the login was refused, the connection
/// was cut or timed out, or it ended before anyone logged in. A session still open (at
/// `now`) and not refused is not failed: it may still be working.
fn session_failed(s: &SessionRecord) -> bool {
    let refused = s.auth.as_ref().is_some_and(|a| !a.ok);
    let bad_close = s
        .closed
        .as_ref()
        .is_some_and(|c| matches!(c.how, CloseKind::Dropped | CloseKind::TimedOut));
    let closed_unauthenticated = s.closed.is_some() && s.auth.is_none();
    refused || bad_close || closed_unauthenticated
}

/// One bar per session, labelled by the worker that ran it, in the records' order.
///
/// A session still open ends at `now` (the time the caller drew the picture, on the
/// record's clock). The worker labels come from the client's SSH identification string:
///
/// - all of this project's sessions from one process: `thread 1`, `thread 2`, ...,
///   numbered in the order of each thread's first session;
/// - from several processes: `pid 4242`, or `pid 4242 thread 2` for a process that ran its
///   sessions from several threads;
/// - any other client: its banner (`paramiko_3.4.0`); as such a client sends the same
///   banner from every thread, sessions that overlap are spread over lanes
///   `paramiko_3.4.0 lane 1`, `lane 2`, ... so no two bars of a row overlap;
/// - this project's async client (`task=17`): lanes too, `lane 1`, `lane 2`..., as its
///   tasks are not workers (they usually all run on one thread).
pub fn bars_from_records(sessions: &[SessionRecord], now: Duration) -> Vec<Bar> {
    let clients: Vec<Client> = sessions.iter().map(|s| parse_client(&s.client)).collect();

    // Numbering follows time, so visit the sessions by start (the id breaks ties: it is
    // the accept order).
    let mut by_start: Vec<usize> = (0..sessions.len()).collect();
    by_start.sort_by_key(|&i| (sessions[i].accepted, sessions[i].id));

    let mut session_end = crate::record::session_ends(sessions, now);

    // Our own client's processes, and within each process its threads, in order of first
    // session. Small vectors searched in order: a run has a few dozen workers at most, and
    // the order they appear in is the order we want.
    let mut pids: Vec<(&str, Vec<&str>)> = Vec::new();
    for &i in &by_start {
        if let Client::Netauto { pid, thread } = &clients[i] {
            match pids.iter_mut().find(|(p, _)| p == pid) {
                Some((_, threads)) => {
                    if !threads.contains(&thread.as_str()) {
                        threads.push(thread);
                    }
                }
                None => pids.push((pid, vec![thread])),
            }
        }
    }
    let one_process = pids.len() <= 1;

    // Other clients: per banner, greedy lanes (the first lane free at a session's start).
    // `lanes[b]` holds, per lane of banner `b`, the time its last session ended.
    // A session's close can reach the mock just after the next session of the same pool
    // slot was accepted (the client closed first; see `record::session_ends`): a lane whose
    // last session ends within LANE_SLACK after this one starts is taken as free, and that
    // session is drawn ending where this one starts.
    let mut banners: Vec<&str> = Vec::new();
    let mut lanes: Vec<Vec<(Duration, usize)>> = Vec::new();
    let mut lane_of = vec![0usize; sessions.len()];
    for &i in &by_start {
        if let Some(name) = clients[i].lanes() {
            let b = match banners.iter().position(|n| *n == name) {
                Some(b) => b,
                None => {
                    banners.push(name);
                    lanes.push(Vec::new());
                    banners.len() - 1
                }
            };
            let s = &sessions[i];
            let ends = &mut lanes[b];
            let free = ends
                .iter()
                .position(|&(free_at, _)| free_at <= s.accepted)
                .or_else(|| {
                    ends.iter()
                        .position(|&(free_at, _)| free_at <= s.accepted + LANE_SLACK)
                });
            let lane = match free {
                Some(lane) => {
                    let (_, last) = ends[lane];
                    session_end[last] = session_end[last].min(s.accepted);
                    lane
                }
                None => {
                    ends.push((Duration::ZERO, i));
                    ends.len() - 1
                }
            };
            ends[lane] = (session_end[i], i);
            lane_of[i] = lane;
        }
    }

    sessions
        .iter()
        .zip(&clients)
        .enumerate()
        .map(|(i, (s, client))| {
            let (worker, row) = match client {
                Client::Netauto { pid, thread } => {
                    // Every process and thread was collected above, in order.
                    let threads = pids
                        .iter()
                        .find(|(p, _)| p == pid)
                        .map_or(&[][..], |(_, t)| t.as_slice());
                    let n = threads
                        .iter()
                        .position(|t| t == thread)
                        .map_or(0, |n| n + 1);
                    let label = if one_process {
                        format!("thread {n}")
                    } else if threads.len() > 1 {
                        format!("pid {pid} thread {n}")
                    } else {
                        format!("pid {pid}")
                    };
                    (label, RowKind::Worker)
                }
                Client::Task { thread } => (
                    format!("{ASYNC_LANE} {}", lane_of[i] + 1),
                    RowKind::TaskLane {
                        thread: thread.clone(),
                    },
                ),
                Client::Other(name) => {
                    let b = banners.iter().position(|n| n == name).unwrap_or(0);
                    let label = if lanes.get(b).map_or(0, Vec::len) > 1 {
                        format!("{name} lane {}", lane_of[i] + 1)
                    } else {
                        name.clone()
                    };
                    (label, RowKind::Lane)
                }
            };
            Bar {
                worker,
                device: s.device.clone(),
                start: s.accepted,
                end: session_end[i],
                failed: session_failed(s),
                row,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// What both pictures share: rows, the time axis, the count of sessions open at once
// ---------------------------------------------------------------------------------------

/// The bars of one row (a worker or a lane), in the order they were given.
struct Row<'a> {
    label: String,
    bars: Vec<&'a Bar>,
}

impl Row<'_> {
    fn is_worker(&self) -> bool {
        self.bars.iter().all(|b| b.row == RowKind::Worker)
    }
}

/// Who ran the sessions, as the chart's header says it: `by 4 workers`; for the async
/// client `as async tasks on 1 thread, in 9 lanes`; for a client that does not say
/// `in 3 lanes`.
fn who_ran(bars: &[Bar], rows: &[Row]) -> String {
    let count = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let workers = rows.iter().filter(|r| r.is_worker()).count();
    let is_task_lane = |r: &&Row| {
        r.bars
            .iter()
            .any(|b| matches!(b.row, RowKind::TaskLane { .. }))
    };
    let task_lanes = rows.iter().filter(is_task_lane).count();
    let lanes = rows.len() - workers - task_lanes;
    let mut threads: Vec<&str> = bars
        .iter()
        .filter_map(|b| match &b.row {
            RowKind::TaskLane { thread } => Some(thread.as_str()),
            _ => None,
        })
        .collect();
    threads.sort_unstable();
    threads.dedup();
    let mut parts = Vec::new();
    if workers > 0 {
        parts.push(format!("by {}", count(workers, "worker")));
    }
    if task_lanes > 0 {
        parts.push(format!(
            "as async tasks on {}, in {}",
            count(threads.len(), "thread"),
            count(task_lanes, "lane")
        ));
    }
    if lanes > 0 {
        parts.push(format!("in {}", count(lanes, "lane")));
    }
    parts.join(", ")
}

/// What a lane is, when the chart has any: a lane is not a worker.
fn lanes_note(bars: &[Bar]) -> Option<&'static str> {
    if bars
        .iter()
        .any(|b| matches!(b.row, RowKind::TaskLane { .. }))
    {
        Some("a lane is not a worker: it holds tasks whose sessions did not overlap")
    } else if bars.iter().any(|b| b.row == RowKind::Lane) {
        Some(
            "a lane is not a worker: it holds sessions that did not overlap (the client does \
             not say which thread ran them)",
        )
    } else {
        None
    }
}

/// Every device whose session failed, in the order of their first failure: `srx2`, or
/// `srx2 (3 sessions)` when several of its sessions failed.
fn failed_devices(bars: &[Bar]) -> Vec<String> {
    let mut failed: Vec<&Bar> = bars.iter().filter(|b| b.failed).collect();
    failed.sort_by_key(|b| b.start);
    let mut named: Vec<(&str, usize)> = Vec::new();
    for bar in failed {
        match named.iter_mut().find(|(d, _)| *d == bar.device) {
            Some((_, n)) => *n += 1,
            None => named.push((&bar.device, 1)),
        }
    }
    named
        .into_iter()
        .map(|(device, n)| match n {
            1 => device.to_string(),
            n => format!("{device} ({n} sessions)"),
        })
        .collect()
}

/// `head` and the `items` after it, separated by commas, in lines of at most `width`
/// characters; the lines after the first start under the first item.
fn wrapped(head: &str, items: &[String], width: usize) -> Vec<String> {
    let indent = " ".repeat(head.chars().count());
    let mut lines = vec![head.to_string()];
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        let line = lines.last_mut().expect("lines starts with one");
        let fresh = line.chars().count() == indent.chars().count();
        if !fresh && line.chars().count() + 1 + piece.chars().count() > width {
            lines.push(format!("{indent}{piece}"));
        } else {
            if !fresh {
                line.push(' ');
            }
            line.push_str(&piece);
        }
    }
    lines
}

/// The workers' rows, ordered by each worker's first start (ties: the order the workers
/// first appear in `bars`), so `thread 1` is on top and the picture reads downwards in time.
fn rows_of(bars: &[Bar]) -> Vec<Row<'_>> {
    let mut rows: Vec<Row> = Vec::new();
    for bar in bars {
        match rows.iter_mut().find(|r| r.label == bar.worker) {
            Some(row) => row.bars.push(bar),
            None => rows.push(Row {
                label: bar.worker.clone(),
                bars: vec![bar],
            }),
        }
    }
    let first_start = |r: &Row| r.bars.iter().map(|b| b.start).min().unwrap_or_default();
    rows.sort_by_key(first_start); // stable: ties keep their first-appearance order
    rows
}

/// The time axis: from 0 to the last bar's end, cut into `cols` equal columns.
struct Axis {
    /// The axis' length in nanoseconds, at least 1 (so nothing divides by zero).
    total: u128,
    cols: usize,
    /// Decimals of seconds worth printing at this scale (2 for a run of 1.25 s).
    decimals: usize,
}

impl Axis {
    fn new(bars: &[Bar], cols: usize) -> Self {
        let total = bars
            .iter()
            .map(|b| b.end.max(b.start))
            .max()
            .unwrap_or_default();
        let total_ns = total.as_nanos().max(1);
        // Three significant digits for the run's length: 1.25 s, 0.550 s, 12.5 s, 150 s.
        let secs = total_ns as f64 / 1e9;
        let decimals = (2 - secs.log10().floor() as i64).clamp(0, 6) as usize;
        Axis {
            total: total_ns,
            cols: cols.max(1),
            decimals,
        }
    }

    /// The column an instant falls in.
    fn col(&self, t: Duration) -> usize {
        let c = t.as_nanos().min(self.total) * self.cols as u128 / self.total;
        (c as usize).min(self.cols - 1)
    }

    /// The columns a bar covers: from its start's column to the last column it reaches
    /// into (a bar ending exactly where a column begins does not touch that column, so two
    /// sessions back to back do not share a column unless they are shorter than one).
    fn span(&self, bar: &Bar) -> (usize, usize) {
        let first = self.col(bar.start);
        let end = bar.end.as_nanos().min(self.total);
        let reach = (end * self.cols as u128).div_ceil(self.total) as usize;
        let last = reach.saturating_sub(1).clamp(first, self.cols - 1);
        (first, last)
    }

    /// The instants a column starts and ends at, in nanoseconds.
    fn col_bounds(&self, c: usize) -> (u128, u128) {
        let at = |c: usize| self.total * c as u128 / self.cols as u128;
        (at(c), at(c + 1))
    }

    /// Seconds at this axis' precision, without the unit: `0.55`.
    fn secs(&self, t: Duration) -> String {
        format!("{:.*}", self.decimals, t.as_secs_f64())
    }

    fn secs_ns(&self, ns: u128) -> String {
        format!("{:.*}", self.decimals, ns as f64 / 1e9)
    }
}

/// How many sessions are open, as a step function: `(instant in ns, count from then on)`,
/// in time order. A session is open from its start up to (not including) its end, so one
/// that ends as the next begins does not count twice; a session of no length is never open.
fn open_steps(bars: &[Bar]) -> Vec<(u128, usize)> {
    // (instant, +1 or -1); at one instant the ends sort before the starts.
    let mut events: Vec<(u128, i8)> = Vec::with_capacity(bars.len() * 2);
    for b in bars.iter().filter(|b| b.end > b.start) {
        events.push((b.start.as_nanos(), 1));
        events.push((b.end.as_nanos(), -1));
    }
    events.sort_unstable();
    let mut steps: Vec<(u128, usize)> = Vec::new();
    let mut open = 0usize;
    for (at, change) in events {
        open = if change > 0 {
            open + 1
        } else {
            open.saturating_sub(1)
        };
        match steps.last_mut() {
            Some(last) if last.0 == at => last.1 = open,
            _ => steps.push((at, open)),
        }
    }
    steps
}

/// The most sessions open at once and the first instant that many were open.
fn peak(steps: &[(u128, usize)]) -> (usize, u128) {
    let mut best = (0, 0);
    for &(at, open) in steps {
        if open > best.0 {
            best = (open, at);
        }
    }
    best
}

/// Per column, the most sessions open at any instant inside it.
fn open_per_column(steps: &[(u128, usize)], axis: &Axis) -> Vec<usize> {
    let mut out = Vec::with_capacity(axis.cols);
    let mut next = 0; // the first step not yet passed
    let mut open = 0; // the count in force at the current column's start
    for c in 0..axis.cols {
        let (from, to) = axis.col_bounds(c);
        while next < steps.len() && steps[next].0 <= from {
            open = steps[next].1;
            next += 1;
        }
        let mut most = open;
        let mut k = next;
        while k < steps.len() && steps[k].0 < to {
            most = most.max(steps[k].1);
            k += 1;
        }
        out.push(most);
    }
    out
}

/// "Nice" tick spacing (1, 2 or 5 times a power of ten, in ns) giving at most `max_ticks`
/// intervals over `total` ns.
fn tick_step(total: u128, max_ticks: usize) -> u128 {
    let max_ticks = max_ticks.max(1) as u128;
    let mut power: u128 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = m * power;
            if total / step < max_ticks {
                return step;
            }
        }
        power *= 10;
    }
}

/// Cut `s` to `n` characters, ending with `…` when something was cut.
fn fit(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else if n == 0 {
        String::new()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

// ---------------------------------------------------------------------------------------
// The terminal chart
// ---------------------------------------------------------------------------------------

/// The timeline as text for a terminal `width` columns wide (labels included).
///
/// One row per worker (or lane: see [`RowKind`]), ordered by its first session; each
/// session a bar `├R1───┤` (a failed one `├R1╌╌╌✗`) labelled with its device where it
/// fits; a scale line in seconds; then "at once", the most sessions open at once in each
/// column, with the peak stated; under the legend every failed device, by name.
/// With more than [`MAX_BARS`] sessions, or when most bars would be under three columns
/// wide, each row shows instead how many of its sessions touched each column, and past 40
/// workers the rows are grouped.
pub fn render_terminal(bars: &[Bar], width: usize) -> String {
    if bars.is_empty() {
        return "timeline: no sessions to draw\n".to_string();
    }
    let mut rows = rows_of(bars);
    // The label column fits the longest label (up to a bound); `label │chart` then leaves
    // `width - label_w - 2` columns for the chart.
    let fit_axis = |rows: &[Row]| {
        let label_w = rows
            .iter()
            .map(|r| r.label.chars().count())
            .chain([OPEN_LABEL.len()])
            .max()
            .unwrap_or(0)
            .min(MAX_LABEL);
        let cols = width.saturating_sub(label_w + 2).max(MIN_CHART);
        (label_w, Axis::new(bars, cols))
    };
    let (mut label_w, mut axis) = fit_axis(&rows);
    let narrow = bars
        .iter()
        .filter(|b| {
            let (first, last) = axis.span(b);
            last - first + 1 < 3
        })
        .count();
    let density = bars.len() > MAX_BARS || narrow * 2 > bars.len();
    let who = who_ran(bars, &rows);
    if density && rows.len() > MAX_DENSITY_ROWS {
        // Groups of workers have labels of their own: fit the label column to them.
        rows = group_rows(rows);
        (label_w, axis) = fit_axis(&rows);
    }
    let cols = axis.cols;

    let mut out = String::new();
    let one_column = Duration::from_nanos(u64::try_from(axis.total / cols as u128).unwrap_or(0));
    let _ = writeln!(
        out,
        "timeline: {} sessions {who} over {} s (one column: {} s)",
        bars.len(),
        axis.secs_ns(axis.total),
        axis.secs(one_column),
    );

    let pad = |label: &str| format!("{:<label_w$}", fit(label, label_w));
    if density {
        let (lines, most) = density_rows(&rows, &axis);
        let _ = writeln!(
            out,
            "each row: how many of its sessions touched each column, . 1 to {} {most}",
            DENSITY[DENSITY.len() - 1]
        );
        for (row, cells) in rows.iter().zip(lines) {
            push_line(&mut out, &format!("{} │{cells}", pad(&row.label)));
        }
    } else {
        for row in &rows {
            push_line(
                &mut out,
                &format!("{} │{}", pad(&row.label), bar_cells(row, &axis)),
            );
        }
    }

    // The scale: tick marks on a line under the rows, their times under the marks.
    let (marks, labels) = scale(&axis);
    push_line(&mut out, &format!("{:label_w$} └{marks}", ""));
    push_line(&mut out, &format!("{:label_w$}  {labels}", ""));

    // Sessions open at once, over the same columns.
    let steps = open_steps(bars);
    let (most, at) = peak(&steps);
    let per_col = open_per_column(&steps, &axis);
    let cells: String = per_col
        .iter()
        .map(|&n| match n {
            0 => ' ',
            _ if most <= 9 => char::from_digit(n as u32, 10).unwrap_or('?'),
            _ => {
                BLOCKS[(n * (BLOCKS.len() - 1))
                    .div_ceil(most)
                    .min(BLOCKS.len() - 1)]
            }
        })
        .collect();
    push_line(&mut out, &format!("{} │{cells}", pad(OPEN_LABEL)));
    let scale_note = if most > 9 {
        format!(", {} = {most}", BLOCKS[BLOCKS.len() - 1])
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{:label_w$}  sessions open at once (the most in each column{scale_note}): peak {most} at {} s",
        "",
        axis.secs_ns(at),
    );
    if !density {
        let _ = writeln!(
            out,
            "{:label_w$}  ├name┤ a session, from connect to exit   ├name╌✗ a failed session",
            ""
        );
    }
    if let Some(note) = lanes_note(bars) {
        let _ = writeln!(out, "{:label_w$}  {note}", "");
    }
    // A failed session too short for its name is a bare `✗`: name every failed device.
    let failed = failed_devices(bars);
    if !failed.is_empty() {
        let head = format!("{:label_w$}  ✗ failed sessions: ", "");
        for line in wrapped(&head, &failed, width) {
            push_line(&mut out, &line);
        }
    }
    out
}

/// Append a line without the spaces at its end (they only get in a snapshot's way).
fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

/// One worker's row of bars: `├name──┤`, failed `├name╌╌✗`; a bar of two columns is `├┤`
/// (`├✗`), of one `┃` (`✗`). Bars that still share a column (sessions shorter than a
/// column) overwrite each other: the density mode is for those.
fn bar_cells(row: &Row, axis: &Axis) -> String {
    let mut cells = vec![' '; axis.cols];
    for bar in &row.bars {
        let (mut first, last) = axis.span(bar);
        // Back to back sessions may share a column; the later one then starts a column
        // on, so the earlier one keeps its end mark (when the later one has room).
        if cells[first] != ' ' && first < last {
            first += 1;
        }
        let n = last - first + 1;
        let (fill, end) = if bar.failed {
            ('╌', '✗')
        } else {
            ('─', '┤')
        };
        if n == 1 {
            cells[first] = if bar.failed { '✗' } else { '┃' };
            continue;
        }
        cells[first] = '├';
        cells[last] = end;
        let mut name = fit(&bar.device, n - 2)
            .chars()
            .collect::<Vec<_>>()
            .into_iter();
        for cell in &mut cells[first + 1..last] {
            *cell = name.next().unwrap_or(fill);
        }
    }
    cells.into_iter().collect()
}

/// Past [`MAX_DENSITY_ROWS`] rows, the rows merged into as many groups of neighbours,
/// labelled by the rows they hold (`workers 1–25`, `lanes 1–25`).
fn group_rows(rows: Vec<Row>) -> Vec<Row> {
    let size = rows.len().div_ceil(MAX_DENSITY_ROWS);
    let what = match rows.iter().filter(|r| r.is_worker()).count() {
        n if n == rows.len() => "workers",
        0 => "lanes",
        _ => "rows",
    };
    rows.chunks(size)
        .enumerate()
        .map(|(g, chunk)| Row {
            label: format!("{what} {}–{}", g * size + 1, g * size + chunk.len()),
            bars: chunk.iter().flat_map(|r| r.bars.iter().copied()).collect(),
        })
        .collect()
}

/// Density rows: per row, per column, how many of the row's sessions touched it, drawn on
/// the [`DENSITY`] scale; with the most in any cell, which the scale's last character
/// stands for.
fn density_rows(rows: &[Row], axis: &Axis) -> (Vec<String>, usize) {
    let counted: Vec<Vec<usize>> = rows
        .iter()
        .map(|row| {
            let mut counts = vec![0usize; axis.cols];
            for bar in &row.bars {
                let (first, last) = axis.span(bar);
                for n in &mut counts[first..=last] {
                    *n += 1;
                }
            }
            counts
        })
        .collect();
    let most = counted.iter().flatten().copied().max().unwrap_or(0);
    let top = DENSITY.len() - 1;
    let lines = counted
        .iter()
        .map(|counts| {
            counts
                .iter()
                .map(|&n| match n {
                    0 => DENSITY[0],
                    _ if most <= 1 => DENSITY[1],
                    // 1 is always `.`, the most is always `@`, the rest evenly between.
                    _ => DENSITY[1 + (n - 1) * (top - 1) / (most - 1)],
                })
                .collect()
        })
        .collect();
    (lines, most)
}

/// The scale line's tick marks (`┴` on `─`) and, under them, the times: `0 s` at the
/// left, the run's length at the right end, nice round times between where they fit.
fn scale(axis: &Axis) -> (String, String) {
    let cols = axis.cols;
    let mut marks = vec!['─'; cols];
    let mut labels = vec![' '; cols];
    let put = |labels: &mut Vec<char>, at: usize, text: &str| {
        for (i, ch) in text.chars().enumerate() {
            if let Some(cell) = labels.get_mut(at + i) {
                *cell = ch;
            }
        }
    };

    // The run's length, right-aligned on the last column.
    let total_text = format!("{} s", axis.secs_ns(axis.total));
    let total_at = cols.saturating_sub(total_text.chars().count());
    marks[cols - 1] = '┴';

    // The ticks between, each label starting at its mark and kept a space clear of its
    // neighbours; one every 8 columns at most.
    let step = tick_step(axis.total, (cols / 8).max(1));
    let mut free_from = 0; // the first column a new label may start at
    let mut t = 0u128;
    while t < axis.total {
        let c = axis.col(Duration::from_nanos(u64::try_from(t).unwrap_or(u64::MAX)));
        let text = if t == 0 {
            "0 s".to_string()
        } else {
            format!("{} s", axis.secs_ns(t))
        };
        let len = text.chars().count();
        if c >= free_from && c + len < total_at {
            marks[c] = '┴';
            put(&mut labels, c, &text);
            free_from = c + len + 1;
        }
        t += step;
    }
    put(&mut labels, total_at, &total_text);
    (marks.into_iter().collect(), labels.into_iter().collect())
}

// ---------------------------------------------------------------------------------------
// The SVG picture
// ---------------------------------------------------------------------------------------

const SVG_CHART_W: f64 = 800.0;
const SVG_CHAR_W: f64 = 7.0; // the width of one character of the 12 px labels, about
const SVG_OK: &str = "#4c78a8";
const SVG_FAILED: &str = "#d62728";

/// Text made safe inside XML: element content and attribute values alike.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The timeline as a standalone SVG document (text written by hand, no plotting crate).
///
/// The same picture as [`render_terminal`]: one row per worker (or lane) with its label,
/// under the title a line saying which, each session a `<rect>` whose tooltip names the
/// device and its times (`R1 (0.55–1.25 s)`), failed sessions in red, a time axis with
/// ticks, and under it the sessions open at once as a filled step line on a numbered axis,
/// its peak marked; under the legend every failed device by name. Every session gets its own rectangle whatever
/// their number; with many workers the rows get thinner and lose their labels.
pub fn render_svg(bars: &[Bar], title: &str) -> String {
    let rows = rows_of(bars);
    let steps = open_steps(bars);
    let (most, at) = peak(&steps);
    let label_chars = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_LABEL);
    // The "at once" label and, right of it, the numbers of its axis.
    let digits = most.to_string().len();
    let left = 16.0 + SVG_CHAR_W * label_chars.max(OPEN_LABEL.len() + 2 + digits) as f64;
    // Under the legend: what a lane is, and every failed device by name.
    let mut notes: Vec<String> = lanes_note(bars).map(str::to_string).into_iter().collect();
    let failed = failed_devices(bars);
    if !failed.is_empty() {
        notes.extend(wrapped("✗ failed sessions: ", &failed, 110));
    }
    // Rows of 20 px, thinner past 30 rows so the picture stays about a screen high.
    let row_h = if rows.len() <= 30 {
        20.0
    } else {
        (600.0 / rows.len() as f64).max(2.0)
    };
    let top = 56.0; // under the title and the line saying who ran the sessions
    let rows_bottom = top + row_h * rows.len() as f64;
    let open_top = rows_bottom + 50.0; // under the axis and its labels
    let open_h = 80.0;
    let legend_y = open_top + open_h + 40.0;
    let width = left + SVG_CHART_W + 30.0;
    let height = legend_y + 20.0 + 18.0 * notes.len() as f64;

    let axis = Axis::new(bars, SVG_CHART_W as usize);
    let x_of = |ns: u128| left + SVG_CHART_W * ns as f64 / axis.total as f64;

    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r#"<rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="10" y="22" font-size="15" font-weight="bold">{}</text>"#,
        xml_escape(title)
    );
    if bars.is_empty() {
        let _ = writeln!(s, r#"<text x="10" y="{top}">no sessions to draw</text>"#);
        s.push_str("</svg>\n");
        return s;
    }
    let _ = writeln!(
        s,
        r#"<text x="10" y="40">sessions {}</text>"#,
        xml_escape(&who_ran(bars, &rows))
    );

    // The rows: a label, a faint line, and a rectangle per session.
    for (i, row) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        if row_h >= 10.0 {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
                left - 8.0,
                y + row_h / 2.0,
                xml_escape(&fit(&row.label, MAX_LABEL))
            );
        }
        let _ = writeln!(
            s,
            r##"<line x1="{left:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#eeeeee"/>"##,
            y + row_h / 2.0,
            left + SVG_CHART_W,
            y + row_h / 2.0
        );
        for bar in &row.bars {
            let x = x_of(bar.start.as_nanos());
            let w = (x_of(bar.end.as_nanos()) - x).max(1.0);
            let h = (row_h - 4.0).max(1.0);
            let tip = format!(
                "{} ({}–{} s{})",
                bar.device,
                axis.secs(bar.start),
                axis.secs(bar.end),
                if bar.failed { ", failed" } else { "" }
            );
            let _ = writeln!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{h:.1}" fill="{}" stroke="white" stroke-width="0.5"><title>{}</title></rect>"#,
                y + (row_h - h) / 2.0,
                if bar.failed { SVG_FAILED } else { SVG_OK },
                xml_escape(&tip)
            );
            // The device's name on the bar where at least three characters fit.
            let room = ((w - 6.0) / SVG_CHAR_W).floor().max(0.0) as usize;
            if row_h >= 14.0 && room >= 3 {
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" fill="white" dominant-baseline="middle" font-size="11" pointer-events="none">{}</text>"#,
                    x + 3.0,
                    y + row_h / 2.0,
                    xml_escape(&fit(&bar.device, room))
                );
            }
        }
    }

    // The time axis, with a tick and a label every nice round time (about every 80 px).
    let axis_y = rows_bottom + 4.0;
    let _ = writeln!(
        s,
        r#"<line x1="{left:.1}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}" stroke="black"/>"#,
        left + SVG_CHART_W
    );
    let step = tick_step(axis.total, (SVG_CHART_W / 80.0) as usize);
    let mut t = 0u128;
    while t <= axis.total {
        let x = x_of(t);
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{axis_y:.1}" x2="{x:.1}" y2="{:.1}" stroke="black"/>"#,
            axis_y + 5.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{} s</text>"#,
            axis_y + 18.0,
            if t == 0 {
                "0".to_string()
            } else {
                axis.secs_ns(t)
            }
        );
        t += step;
    }

    // Sessions open at once: a filled step line, 0 at the bottom, the peak at the top.
    let base = open_top + open_h;
    let y_of = |n: usize| base - open_h * n as f64 / most.max(1) as f64;
    let mut path = format!("M {left:.1} {base:.1}");
    for &(t, n) in &steps {
        let _ = write!(path, " H {:.1} V {:.1}", x_of(t), y_of(n));
    }
    let _ = write!(path, " H {:.1} V {base:.1} Z", left + SVG_CHART_W);
    let _ = writeln!(
        s,
        r##"<path d="{path}" fill="#a6c8e8" stroke="{SVG_OK}" stroke-width="1"/>"##
    );
    let _ = writeln!(
        s,
        r#"<line x1="{left:.1}" y1="{base:.1}" x2="{:.1}" y2="{base:.1}" stroke="black"/>"#,
        left + SVG_CHART_W
    );
    // Its axis: a number at each round count (1, 2 or 5 times a power of ten), and the peak.
    let number_x = left - 6.0;
    let _ = writeln!(
        s,
        r#"<line x1="{left:.1}" y1="{open_top:.1}" x2="{left:.1}" y2="{base:.1}" stroke="black"/>"#
    );
    let count_step = usize::try_from(tick_step(most as u128, 4)).unwrap_or(most.max(1));
    let mut counts: Vec<usize> = (0..=most).step_by(count_step.max(1)).collect();
    if counts.last() != Some(&most) {
        // The peak is numbered too, in place of a round count too close under it.
        if counts.len() > 1 && counts.last().is_some_and(|&n| y_of(n) - y_of(most) < 14.0) {
            counts.pop();
        }
        counts.push(most);
    }
    for n in counts {
        let y = y_of(n);
        let _ = writeln!(
            s,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{left:.1}" y2="{y:.1}" stroke="black"/>"#,
            left - 4.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{number_x:.1}" y="{y:.1}" text-anchor="end" dominant-baseline="middle">{n}</text>"#
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{OPEN_LABEL}</text>"#,
        number_x - SVG_CHAR_W * (digits + 1) as f64,
        open_top + open_h / 2.0
    );
    let _ = writeln!(
        s,
        r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="black"/>"#,
        x_of(at),
        y_of(most)
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}">sessions open at once: peak {most} at {} s</text>"#,
        left,
        open_top - 8.0,
        axis.secs_ns(at)
    );

    // The legend.
    let _ = writeln!(
        s,
        r#"<rect x="{left:.1}" y="{:.1}" width="14" height="10" fill="{SVG_OK}"/>"#,
        legend_y - 9.0
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{legend_y:.1}">a session, from connect to exit (hover for the device)</text>"#,
        left + 20.0
    );
    let _ = writeln!(
        s,
        r#"<rect x="{:.1}" y="{:.1}" width="14" height="10" fill="{SVG_FAILED}"/>"#,
        left + 380.0,
        legend_y - 9.0
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{legend_y:.1}">a failed session</text>"#,
        left + 400.0
    );
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{left:.1}" y="{:.1}" xml:space="preserve">{}</text>"#,
            legend_y + 18.0 * (i + 1) as f64,
            xml_escape(note)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The terminal's width for [`render_terminal`]: `COLUMNS` when it is set to a sane number
/// (40 to 1000), else 100. Most shells keep `COLUMNS` without exporting it, so 100 is the
/// usual answer when a program runs the lesson.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| (40..=1000).contains(w))
        .unwrap_or(DEFAULT_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{AuthRecord, CloseRecord};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A session from `client` to `device`, open from `from` to `to` ms, logged in.
    fn session(id: u64, client: &str, device: &str, from: u64, to: u64) -> SessionRecord {
        SessionRecord {
            id,
            device: device.to_string(),
            client: client.to_string(),
            accepted: ms(from),
            handshake_done: Some(ms(from + 1)),
            auth: Some(AuthRecord {
                at: ms(from + 2),
                ok: true,
                reason: None,
            }),
            aaa: Vec::new(),
            commands: Vec::new(),
            closed: Some(CloseRecord {
                at: ms(to),
                how: CloseKind::Clean,
            }),
        }
    }

    fn ours(pid: u32, thread: u32) -> String {
        format!("SSH-2.0-netauto_0.1.0 pid={pid} thread=ThreadId({thread})")
    }

    /// The distinct worker labels, in the order the chart draws them.
    fn row_labels(bars: &[Bar]) -> Vec<String> {
        rows_of(bars).into_iter().map(|r| r.label).collect()
    }

    /// The chart's rows of bars (the lines between the header and the scale).
    fn chart_rows(text: &str) -> Vec<&str> {
        text.lines()
            .skip(1)
            .take_while(|l| !l.contains('└'))
            .collect()
    }

    #[test]
    fn serial_sessions_are_one_row() {
        let sessions: Vec<_> = (0..9)
            .map(|i| {
                session(
                    i,
                    &ours(100, 1),
                    &format!("R{}", i + 1),
                    i * 100,
                    i * 100 + 90,
                )
            })
            .collect();
        let bars = bars_from_records(&sessions, ms(1000));
        assert_eq!(row_labels(&bars), ["thread 1"]);
        let text = render_terminal(&bars, 100);
        let rows = chart_rows(&text);
        assert_eq!(rows.len(), 1, "{text}");
        assert_eq!(rows[0].matches('├').count(), 9, "{text}");
        assert!(text.contains("peak 1 at 0.000 s"), "{text}");
    }

    #[test]
    fn a_thread_per_device_is_nine_rows_starting_together() {
        let sessions: Vec<_> = (0..9)
            .map(|i| {
                session(
                    i,
                    &ours(100, i as u32 + 2),
                    &format!("R{}", i + 1),
                    5,
                    900 + i * 10,
                )
            })
            .collect();
        let bars = bars_from_records(&sessions, ms(1000));
        let labels: Vec<String> = (1..=9).map(|n| format!("thread {n}")).collect();
        assert_eq!(row_labels(&bars), labels);
        let text = render_terminal(&bars, 100);
        let rows = chart_rows(&text);
        assert_eq!(rows.len(), 9, "{text}");
        for (row, label) in rows.iter().zip(&labels) {
            // `thread 1 │├R1──`: the bar starts in the chart's first column.
            let chart = row.split_once('│').map(|(_, c)| c).unwrap_or_default();
            assert!(row.starts_with(label.as_str()), "{text}");
            assert!(chart.starts_with('├'), "{text}");
        }
        assert!(text.contains("peak 9 at 0.005 s"), "{text}");
    }

    #[test]
    fn a_pool_of_four_over_nine_devices_is_four_rows() {
        // Four threads take the devices in turn, each as soon as its last one is done.
        let mut sessions = Vec::new();
        let mut free = [0u64; 4];
        for i in 0..9 {
            let w = (0..4).min_by_key(|&w| (free[w], w)).unwrap_or(0);
            let start = free[w];
            free[w] = start + 100 + 10 * i;
            sessions.push(session(
                i,
                &ours(7, w as u32 + 10),
                &format!("R{i}"),
                start,
                free[w],
            ));
        }
        let bars = bars_from_records(&sessions, ms(2000));
        assert_eq!(
            row_labels(&bars),
            ["thread 1", "thread 2", "thread 3", "thread 4"]
        );
        let text = render_terminal(&bars, 100);
        assert_eq!(chart_rows(&text).len(), 4, "{text}");
        assert!(text.contains("peak 4 at 0.000 s"), "{text}");
        assert!(!text.contains("peak 5"), "{text}");
    }

    #[test]
    fn workers_are_labelled_by_pid_when_pids_differ() {
        let sessions = vec![
            session(0, &ours(4242, 1), "R1", 0, 100),
            session(1, &ours(4243, 1), "R2", 10, 100),
            session(2, &ours(4243, 1), "R3", 100, 200),
            session(3, &ours(4244, 1), "R4", 20, 100),
            session(4, &ours(4244, 2), "R5", 30, 100),
        ];
        let bars = bars_from_records(&sessions, ms(300));
        assert_eq!(
            row_labels(&bars),
            [
                "pid 4242",
                "pid 4243",
                "pid 4244 thread 1",
                "pid 4244 thread 2"
            ]
        );
    }

    #[test]
    fn the_async_client_s_tasks_share_lanes_of_sessions_at_once() {
        let task = |n: u32| format!("{} task={n}", ours(4242, 1));
        let sessions = vec![
            session(0, &task(1), "R1", 0, 100),
            session(1, &task(2), "R2", 10, 250),
            session(2, &task(3), "R3", 100, 200), // lane 1 is free again at 100
            // R3's close reached the mock 1 ms after R4 began: still lane 1, no third lane.
            session(3, &task(4), "R4", 199, 300),
        ];
        let bars = bars_from_records(&sessions, ms(300));
        let workers: Vec<&str> = bars.iter().map(|b| b.worker.as_str()).collect();
        assert_eq!(workers, ["lane 1", "lane 2", "lane 1", "lane 1"]);
        assert_eq!(bars[2].end, ms(199));
        // The point of the async lesson: one thread. The chart says lanes, not workers.
        let text = render_terminal(&bars, 80);
        assert!(
            text.starts_with("timeline: 4 sessions as async tasks on 1 thread, in 2 lanes over"),
            "{text}"
        );
        assert!(!text.contains("worker "), "{text}");
        assert!(text.contains("a lane is not a worker"), "{text}");
        let svg = render_svg(&bars, "10");
        assert!(
            svg.contains(">sessions as async tasks on 1 thread, in 2 lanes</text>"),
            "{svg}"
        );
        assert!(!svg.contains(">thread 1<"), "{svg}");
    }

    #[test]
    fn tasks_from_two_threads_say_two_threads() {
        let task = |thread: u32, n: u32| format!("{} task={n}", ours(4242, thread));
        let sessions = vec![
            session(0, &task(1, 1), "R1", 0, 100),
            session(1, &task(2, 2), "R2", 10, 100),
        ];
        let text = render_terminal(&bars_from_records(&sessions, ms(100)), 80);
        assert!(
            text.starts_with("timeline: 2 sessions as async tasks on 2 threads, in 2 lanes"),
            "{text}"
        );
    }

    #[test]
    fn other_clients_share_their_banner_in_lanes_that_never_overlap() {
        let netmiko = "SSH-2.0-paramiko_3.4.0";
        let sessions = vec![
            session(0, netmiko, "R1", 0, 100),
            session(1, netmiko, "R2", 10, 100),
            session(2, netmiko, "R3", 100, 200), // lane 1 is free again at 100
            session(3, "SSH-2.0-OpenSSH_9.6", "R4", 0, 50),
            session(4, "", "R5", 0, 50),
        ];
        let bars = bars_from_records(&sessions, ms(300));
        let workers: Vec<&str> = bars.iter().map(|b| b.worker.as_str()).collect();
        assert_eq!(
            workers,
            [
                "paramiko_3.4.0 lane 1",
                "paramiko_3.4.0 lane 2",
                "paramiko_3.4.0 lane 1",
                "OpenSSH_9.6",
                "no banner"
            ]
        );
        let text = render_terminal(&bars, 100);
        assert!(
            text.starts_with("timeline: 5 sessions in 4 lanes over"),
            "{text}"
        );
        assert!(text.contains("the client does not say"), "{text}");
    }

    #[test]
    fn failed_sessions_are_marked() {
        let mut refused = session(1, &ours(1, 1), "R2", 100, 200);
        refused.auth = Some(AuthRecord {
            at: ms(150),
            ok: false,
            reason: Some("wrong password".to_string()),
        });
        refused.closed = Some(CloseRecord {
            at: ms(200),
            how: CloseKind::Dropped,
        });
        let mut cut = session(2, &ours(1, 1), "R3", 200, 300);
        cut.closed = Some(CloseRecord {
            at: ms(300),
            how: CloseKind::TimedOut,
        });
        let mut never_logged_in = session(3, &ours(1, 1), "R4", 300, 400);
        never_logged_in.auth = None;
        never_logged_in.closed = Some(CloseRecord {
            at: ms(400),
            how: CloseKind::Clean,
        });
        let mut still_open = session(4, &ours(1, 1), "R5", 400, 0);
        still_open.closed = None;
        let sessions = vec![
            session(0, &ours(1, 1), "R1", 0, 100),
            refused,
            cut,
            never_logged_in,
            still_open,
        ];
        let bars = bars_from_records(&sessions, ms(500));
        let failed: Vec<bool> = bars.iter().map(|b| b.failed).collect();
        assert_eq!(failed, [false, true, true, true, false]);
        assert_eq!(bars[4].end, ms(500), "a session still open ends at now");

        let text = render_terminal(&bars, 80);
        let row = chart_rows(&text)[0];
        assert_eq!(row.matches('✗').count(), 3, "{text}");
        assert_eq!(row.matches('┤').count(), 2, "{text}");
        assert!(text.contains("a failed session"), "{text}");
        assert!(text.ends_with("✗ failed sessions: R2, R3, R4\n"), "{text}");
    }

    #[test]
    fn every_failed_device_is_named_even_a_bare_cross() {
        // Two failures far too short for their names (a column is 10 ms here), one device
        // failing twice, and more of them than fit on one line of 60.
        let mut sessions: Vec<_> = (0..5)
            .map(|i| session(i, &ours(1, 1), &format!("R{i}"), i * 200, i * 200 + 200))
            .collect();
        let names = [
            "srx2",
            "nxos1",
            "srx2",
            "arista-long-name-1",
            "arista-long-name-2",
        ];
        for (i, name) in names.iter().enumerate() {
            let from = 100 + 150 * i as u64;
            let mut s = session(i as u64 + 5, &ours(1, 2), name, from, from + 5);
            s.auth = None;
            sessions.push(s);
        }
        let bars = bars_from_records(&sessions, ms(1000));
        let text = render_terminal(&bars, 60);
        let row = chart_rows(&text)[1];
        assert!(!row.contains("srx2") && row.contains('✗'), "{text}");
        let failed: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.contains("✗ failed sessions:"))
            .collect();
        assert_eq!(
            failed,
            [
                "          ✗ failed sessions: srx2 (2 sessions), nxos1,",
                "                             arista-long-name-1,",
                "                             arista-long-name-2"
            ],
            "{text}"
        );
        let svg = render_svg(&bars, "t");
        assert!(
            svg.contains(
                "✗ failed sessions: srx2 (2 sessions), nxos1, arista-long-name-1, arista-long-name-2</text>"
            ),
            "{svg}"
        );
        assert_balanced(&svg);
    }

    #[test]
    fn the_svg_s_sessions_open_axis_has_numbers() {
        // Seven open at once at the peak: numbers 0, 2, 4 and the peak, 7 (6 would touch it).
        let sessions: Vec<_> = (0..7)
            .map(|i| session(i, &ours(1, i as u32), &format!("R{i}"), 0, 100))
            .collect();
        let svg = render_svg(&bars_from_records(&sessions, ms(100)), "t");
        let numbers: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains(r#"text-anchor="end" dominant-baseline="middle">"#))
            .filter_map(|l| l.split('>').nth(1)?.strip_suffix("</text"))
            .filter(|t| t.parse::<usize>().is_ok())
            .collect();
        assert_eq!(numbers, ["0", "2", "4", "7"], "{svg}");
    }

    #[test]
    fn past_a_hundred_bars_rows_become_a_density() {
        // 4 threads, 50 sessions each back to back: 200 bars.
        let sessions: Vec<_> = (0..200)
            .map(|i| {
                let start = (i / 4) * 20;
                session(
                    i,
                    &ours(9, (i % 4) as u32),
                    &format!("R{i}"),
                    start,
                    start + 20,
                )
            })
            .collect();
        let bars = bars_from_records(&sessions, ms(1000));
        let text = render_terminal(&bars, 100);
        let rows = chart_rows(&text);
        // The header's second line names the scale; then the four workers' rows.
        assert!(rows[0].starts_with("each row: how many"), "{text}");
        assert_eq!(rows.len(), 5, "{text}");
        assert!(!text.contains('├'), "no bars in density mode: {text}");
        assert!(rows[1].contains('@'), "{text}");
        assert!(text.contains("peak 4 at"), "{text}");
    }

    #[test]
    fn past_forty_workers_the_density_rows_are_grouped() {
        let sessions: Vec<_> = (0..1000)
            .map(|i| session(i, &ours(9, i as u32), &format!("R{i}"), i, i + 50))
            .collect();
        let bars = bars_from_records(&sessions, ms(2000));
        let text = render_terminal(&bars, 100);
        let rows = chart_rows(&text);
        assert_eq!(rows.len(), 1 + 40, "{text}");
        assert!(rows[1].starts_with("workers 1–25 "), "{text}");
        assert!(rows[40].starts_with("workers 976–1000 "), "{text}");
        // 50 open at once: past 9 the row uses blocks, and says what a full block is.
        assert!(text.contains("█ = 50): peak 50 at 0.05 s"), "{text}");
    }

    #[test]
    fn the_concurrency_row_counts_the_most_open_in_each_column() {
        let bars = vec![
            Bar {
                worker: "a".into(),
                device: "R1".into(),
                start: ms(0),
                end: ms(500),
                failed: false,
                row: RowKind::Worker,
            },
            Bar {
                worker: "b".into(),
                device: "R2".into(),
                start: ms(250),
                end: ms(1000),
                failed: false,
                row: RowKind::Worker,
            },
            Bar {
                worker: "c".into(),
                device: "R3".into(),
                start: ms(400),
                end: ms(450),
                failed: false,
                row: RowKind::Worker,
            },
        ];
        let text = render_terminal(&bars, 29); // a chart of 20 columns, 50 ms each
        let open = text
            .lines()
            .find(|l| l.starts_with(OPEN_LABEL))
            .unwrap_or_default();
        assert_eq!(open, "at once │11111222321111111111");
        assert!(text.contains("peak 3 at 0.40 s"), "{text}");
    }

    #[test]
    fn a_small_run_draws_exactly_this() {
        let sessions = vec![
            session(0, &ours(1, 2), "R1", 0, 600),
            session(1, &ours(1, 3), "SW-CORE-1", 0, 300),
            session(2, &ours(1, 3), "R3", 300, 1200),
            session(3, &ours(1, 2), "R4", 600, 700),
        ];
        let mut bars = bars_from_records(&sessions, ms(1200));
        bars[3].failed = true;
        let expected = "\
timeline: 4 sessions by 2 workers over 1.20 s (one column: 0.02 s)
thread 1 │├R1──────────────────────────┤├R4╌✗
thread 2 │├SW-CORE-1────┤├R3─────────────────────────────────────────┤
         └┴─────────┴─────────┴─────────┴─────────┴──────────────────┴
          0 s       0.20 s    0.40 s    0.60 s    0.80 s        1.20 s
at once  │222222222222222222222222222222222221111111111111111111111111
          sessions open at once (the most in each column): peak 2 at 0.00 s
          ├name┤ a session, from connect to exit   ├name╌✗ a failed session
          ✗ failed sessions: R4
";
        assert_eq!(render_terminal(&bars, 70), expected);
    }

    /// Every tag of `svg` is closed in order (`<a><b/></a>`), and nothing is outside it.
    fn assert_balanced(svg: &str) {
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(at) = rest.find('<') {
            let end = rest[at..]
                .find('>')
                .map(|e| at + e)
                .expect("a tag is closed");
            let tag = &rest[at + 1..end];
            rest = &rest[end + 1..];
            if tag.starts_with('?') || tag.ends_with('/') {
                continue;
            }
            let name = tag.trim_start_matches('/').split_whitespace().next();
            let name = name.unwrap_or_default();
            if tag.starts_with('/') {
                assert_eq!(open.pop(), Some(name), "</{name}> closes the wrong tag");
            } else {
                open.push(name);
            }
        }
        assert!(open.is_empty(), "left open: {open:?}");
    }

    #[test]
    fn the_svg_has_a_tooltip_per_bar_and_balanced_tags() {
        let mut sessions: Vec<_> = (0..9)
            .map(|i| {
                session(
                    i,
                    &ours(5, i as u32 % 4),
                    &format!("R{i}"),
                    i * 50,
                    i * 50 + 150,
                )
            })
            .collect();
        sessions[3].device = "<R&D \"lab\">".to_string();
        sessions[4].auth = None;
        let bars = bars_from_records(&sessions, ms(2000));
        let svg = render_svg(&bars, "07 as_completed & map");
        assert!(svg.starts_with("<?xml"), "{svg}");
        assert_eq!(svg.matches("<title>").count(), 9, "{svg}");
        assert!(svg.contains("<title>R0 (0.000–0.150 s)</title>"), "{svg}");
        assert!(
            svg.contains("<title>R4 (0.200–0.350 s, failed)</title>"),
            "{svg}"
        );
        assert!(svg.contains("&lt;R&amp;D &quot;lab&quot;&gt;"), "{svg}");
        assert!(svg.contains("07 as_completed &amp; map"), "{svg}");
        assert_eq!(
            svg.matches(SVG_FAILED).count(),
            2,
            "the bar and the legend: {svg}"
        );
        assert!(svg.contains("peak 3 at 0.100 s"), "{svg}");
        assert_balanced(&svg);
        assert_balanced(&render_svg(&[], "empty"));
    }

    #[test]
    fn no_sessions_draw_a_line_saying_so() {
        assert_eq!(render_terminal(&[], 100), "timeline: no sessions to draw\n");
    }

    #[test]
    fn labels_and_names_are_cut_to_fit() {
        assert_eq!(fit("SW-CORE-1", 4), "SW-…");
        assert_eq!(fit("R1", 4), "R1");
        assert_eq!(fit("R1", 0), "");
    }

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(tick_step(1_200_000_000, 5), 500_000_000);
        assert_eq!(tick_step(1_000, 10), 200);
        assert_eq!(tick_step(7, 100), 1);
    }
}
