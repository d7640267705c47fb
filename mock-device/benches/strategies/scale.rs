//! The 10,000-device cell: two standalone fleets of 5000 devices each (`--name-prefix a-` and
//! `b-`, login delay 1 s), their inventories joined, as the README's "At scale" recipe does;
//! then, in the same run, lesson 4's thread per device, the thread pool with 1000 workers and
//! 10-async's task per device against them.
//!
//! Two fleets, because one mock needs two open files per device (a listener and its side of
//! the session) and the client one per session: 10,000 devices in one fleet would need
//! 20,000 in one process, the whole hard limit of the machine this is built on.

use std::fs;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::resource::{Resource, getrlimit, setrlimit};

use crate::config::{Config, Job};
use crate::fleet::{MockFleet, Recording};
use crate::markdown::fmt_latency;
use crate::run::{Row, Workspace, run_job};
use crate::{ASYNC_ALL, BIG_CELL, BIG_CELL_POOL, THREAD_PER_DEVICE, THREAD_POOL};

/// The latency of the cell (the mock's login delay; no command delay, as in the other cells).
pub const BIG_LATENCY: Duration = Duration::from_secs(1);
/// Fleets the cell's devices are split over.
pub const BIG_FLEETS: [&str; 2] = ["a-", "b-"];
/// Open files a process needs beyond its sessions (its binary, libraries, pipes, epoll).
pub const SPARE_FILES: u64 = 256;
/// The lessons' own per-step timeout at this scale: 10,000 handshakes on 2 cores take
/// longer than the default 10 s to get to the last of them.
pub const BIG_TIMEOUT: &str = "30";

#[derive(Debug)]
pub struct BigCell {
    pub rows: Vec<Row>,
    /// Why the cell was not run (the open-file limit), or why it stopped.
    pub not_run: Option<String>,
    /// The hard open-file limit the cell ran under.
    pub hard_limit: u64,
}

/// Raises this process's soft open-file limit to the hard one, so that the lessons and the
/// fleets it starts inherit it (a lesson raises its own as well, but a fleet does not need
/// to know). Returns the hard limit.
pub fn raise_open_files() -> Result<u64> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("getrlimit(RLIMIT_NOFILE)")?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).context("setrlimit(RLIMIT_NOFILE)")?;
    }
    Ok(hard)
}

/// The three rows of the cell, each with `--timeout 30`.
pub fn big_jobs() -> Vec<Job> {
    [
        (THREAD_PER_DEVICE, BIG_CELL),
        (THREAD_POOL, BIG_CELL_POOL),
        (ASYNC_ALL, BIG_CELL),
    ]
    .into_iter()
    .map(|(strategy, workers)| {
        let mut job = Job::new(strategy, BIG_CELL, BIG_LATENCY, workers);
        job.extra = vec!["--timeout".into(), BIG_TIMEOUT.into()];
        job
    })
    .collect()
}

pub fn measure_big_cell(ws: &Workspace, config: &Config, hard_limit: u64, t0: Instant) -> BigCell {
    let mut cell = BigCell {
        rows: Vec::new(),
        not_run: None,
        hard_limit,
    };
    // The client holds a session per device; each fleet a listener and a session per device.
    let per_fleet = BIG_CELL / BIG_FLEETS.len();
    let need = (BIG_CELL as u64).max(2 * per_fleet as u64) + SPARE_FILES;
    if hard_limit < need {
        let why = format!(
            "not run: the open-file hard limit is {hard_limit} (`ulimit -Hn`), and the client \
             needs {need} (one per session)"
        );
        println!(
            "[{:>6.0} s] N={BIG_CELL}: {why}",
            t0.elapsed().as_secs_f64()
        );
        cell.not_run = Some(why);
        return cell;
    }
    let fleets = match start_fleets(ws, per_fleet, t0) {
        Ok(fleets) => fleets,
        Err(e) => {
            println!(
                "[{:>6.0} s] N={BIG_CELL}: FAILED: {e:#}",
                t0.elapsed().as_secs_f64()
            );
            cell.not_run = Some(format!("not run: {e:#}"));
            return cell;
        }
    };
    let (mut fleets, inventory) = fleets;
    for job in big_jobs() {
        cell.rows
            .push(run_job(ws, &mut fleets, &inventory, job, config, t0));
    }
    for fleet in fleets {
        if let Err(e) = fleet.stop() {
            eprintln!("warning: stopping a fleet of the {BIG_CELL}-device cell: {e:#}");
        }
    }
    cell
}

/// Both fleets, ready, and the joined inventory.
fn start_fleets(
    ws: &Workspace,
    per_fleet: usize,
    t0: Instant,
) -> Result<(Vec<MockFleet>, std::path::PathBuf)> {
    let mock = ws.bin_dir.join("mock-device");
    let dir = ws.scratch.path();
    let mut fleets = Vec::new();
    let mut joined = String::new();
    for prefix in BIG_FLEETS {
        let name = format!("fleet-{prefix}{per_fleet}");
        let extra = ["--name-prefix".to_string(), prefix.to_string()];
        let fleet = MockFleet::start_with(
            &mock,
            &name,
            per_fleet,
            BIG_LATENCY,
            dir,
            Recording::On,
            &extra,
        )
        .with_context(|| format!("starting the fleet `{prefix}` of {per_fleet} devices"))?;
        println!(
            "[{:>6.0} s] fleet `{prefix}` of {per_fleet} devices, login delay {}: ready in \
             {:.3} s (pid {})",
            t0.elapsed().as_secs_f64(),
            fmt_latency(BIG_LATENCY),
            fleet.ready_after.as_secs_f64(),
            fleet.pid
        );
        let text = fs::read_to_string(&fleet.inventory)
            .with_context(|| format!("cannot read {}", fleet.inventory.display()))?;
        joined.push_str(&text);
        fleets.push(fleet);
    }
    if joined.matches("host_key:").count() != BIG_CELL {
        bail!("the joined inventory does not list {BIG_CELL} devices");
    }
    let inventory = dir.join(format!("fleet-{BIG_CELL}.yaml"));
    fs::write(&inventory, joined)
        .with_context(|| format!("cannot write {}", inventory.display()))?;
    Ok((fleets, inventory))
}
