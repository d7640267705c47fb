//! What recording costs: the thread pool with `SMALL_POOL` workers over the same devices at
//! zero latency, against the cell's fleet, which records (`--events-out`), and against a
//! fleet of the same size that does not, in alternating runs.
//!
//! Two percent is less than the spread of single runs on a shared machine, so the runs go
//! in pairs, in the order recording/plain, then plain/recording, and so on: whatever slowly
//! changes on the machine meanwhile falls on both sides alike. The medians of the wall times
//! are compared, and the means of the CPU times.

use std::time::{Duration, Instant};

use crate::config::Job;
use crate::fleet::MockFleet;
use crate::measure::Measure;
use crate::run::{Workspace, median, run_once};
use crate::{SMALL_POOL, THREAD_POOL};

/// The target: recording costs at most this share of wall time and of CPU.
pub const COST_LIMIT: f64 = 0.02;

#[derive(Debug)]
pub struct Cost {
    /// The thread pool's job (N devices, zero latency, `SMALL_POOL` workers at most).
    pub job: Job,
    /// Runs against the fleet that records.
    pub recording: Vec<Measure>,
    /// Runs against the fleet that does not.
    pub plain: Vec<Measure>,
    pub failures: Vec<String>,
    /// What the recording fleet's events file says of its runs (as for a row).
    pub peak_open: Option<Result<usize, String>>,
}

/// Client CPU and the mock's: recording is the mock's work, but it shares the machine.
pub fn total_cpu(m: &Measure) -> f64 {
    m.cpu + m.mock_cpu
}

impl Cost {
    pub fn wall(runs: &[Measure]) -> Option<f64> {
        median(runs.iter().map(|m| m.wall).collect())
    }

    /// The mean, not the median: the mock's CPU comes from /proc in clock ticks (10 ms,
    /// 2 % of a run here), which a mean over many runs averages out and a median keeps.
    pub fn cpu(runs: &[Measure]) -> Option<f64> {
        (!runs.is_empty()).then(|| runs.iter().map(total_cpu).sum::<f64>() / runs.len() as f64)
    }

    /// What recording adds, as a share of the plain fleet's figure: (wall, CPU).
    pub fn overhead(&self) -> Option<(f64, f64)> {
        let wall = Cost::wall(&self.recording)? / Cost::wall(&self.plain)? - 1.0;
        let cpu = Cost::cpu(&self.recording)? / Cost::cpu(&self.plain)?.max(1e-9) - 1.0;
        Some((wall, cpu))
    }
}

/// `pairs` runs against each fleet, after one run against the fresh plain fleet that is not
/// counted (the recording fleet has just served the cell's other rows: both start warm).
pub fn measure_cost(
    ws: &Workspace,
    recording: &mut MockFleet,
    plain: &MockFleet,
    pairs: usize,
    t0: Instant,
) -> Cost {
    let n = recording.n;
    let job = Job::new(THREAD_POOL, n, Duration::ZERO, n.min(SMALL_POOL));
    let mut cost = Cost {
        job,
        recording: Vec::new(),
        plain: Vec::new(),
        failures: Vec::new(),
        peak_open: None,
    };
    let label = format!(
        "N={n:<4} recording cost, thread pool W={:<4}",
        cost.job.workers
    );
    if let Err(e) = run_once(
        ws,
        &[plain.pid],
        &[recording.pid],
        &plain.inventory,
        &cost.job,
    ) {
        cost.failures
            .push(format!("warm-up run, fleet not recording: {e}"));
    }
    for i in 0..2 * pairs {
        // R P, P R, R P, ...
        let records = (i % 4 == 0) || (i % 4 == 3);
        let (fleet, idle, side) = if records {
            (&*recording, plain, "recording")
        } else {
            (plain, &*recording, "not recording")
        };
        match run_once(ws, &[fleet.pid], &[idle.pid], &fleet.inventory, &cost.job) {
            Ok(m) => {
                println!(
                    "[{:>6.0} s] {label} run {}/{}, fleet {side:<13}: {:>8.3} s  cpu {:>6.2} s  mock cpu {:>5.2} s",
                    t0.elapsed().as_secs_f64(),
                    i + 1,
                    2 * pairs,
                    m.wall,
                    m.cpu,
                    m.mock_cpu
                );
                if records {
                    cost.recording.push(m);
                } else {
                    cost.plain.push(m);
                }
            }
            Err(e) => {
                println!(
                    "[{:>6.0} s] {label} run {}/{}, fleet {side}: FAILED: {e}",
                    t0.elapsed().as_secs_f64(),
                    i + 1,
                    2 * pairs
                );
                cost.failures.push(format!("fleet {side}: {e}"));
            }
        }
    }
    cost.peak_open = recording.peak_open_since();
    cost
}
