//! The AAA sweep: one fleet behind a shared AAA server that works on
//! `AAA_CAPACITY` logins at once, `AAA_DELAY` each, and refuses a login that waited
//! `AAA_TIMEOUT` in its queue; the thread pool (`06-futures --part ssh_threads_wait`) over
//! it with 1, 2, 4 … 128 workers. For each pool size: wall time, the devices that failed
//! (the lesson's `N ok, M failed` line: a failing exit is what this measures, not a failed
//! run), and what the mock saw: the most sessions open at once, the most logins its AAA
//! server worked on at once, and how many logins it refused for waiting too long.
//!
//! Then the largest pool once more with `--retries 5`, when the lesson has that flag.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use mock_device::record::AAA_TIMEOUT as AAA_TIMEOUT_REASON;

use crate::config::{Config, Job};
use crate::fleet::{MockFleet, Recording};
use crate::measure::Measure;
use crate::run::{Workspace, median, run_measured};
use crate::{MIB, THREAD_POOL};

pub const AAA_DEVICES: usize = 200;
pub const AAA_CAPACITY: usize = 8;
pub const AAA_DELAY: Duration = Duration::from_millis(20);
/// Past the capacity, a login waits about (W − capacity) / capacity × delay in the queue:
/// 60 ms at 32 workers, 300 ms at 128. A timeout of 50 ms lets the pools up to twice the
/// capacity through and refuses more and more logins past that.
pub const AAA_TIMEOUT: Duration = Duration::from_millis(50);
pub const SWEEP: [usize; 8] = [1, 2, 4, 8, 16, 32, 64, 128];
pub const RETRIES: &str = "5";

/// The least time the AAA server needs for every login: N × delay / capacity.
pub fn aaa_floor() -> f64 {
    AAA_DEVICES as f64 * AAA_DELAY.as_secs_f64() / AAA_CAPACITY as f64
}

/// One pool size, over its runs.
#[derive(Debug)]
pub struct AaaRow {
    pub job: Job,
    pub retries: bool,
    pub runs: Vec<AaaRun>,
    /// Runs that did not end on their own, or ended without a summary.
    pub errors: Vec<String>,
    /// From the mock's record of the row's runs: the most sessions open at once, the most
    /// logins the AAA server worked on at once, logins it refused for waiting (per run,
    /// the median). `Err`: the events file was unreadable.
    pub mock: Option<Result<MockSaw, String>>,
}

#[derive(Debug)]
pub struct AaaRun {
    pub measure: Measure,
    /// Devices the lesson counted as failed.
    pub failed: usize,
}

#[derive(Debug, Clone, Copy)]
pub struct MockSaw {
    pub peak_open: usize,
    pub peak_aaa_busy: usize,
    pub aaa_timeouts: usize,
}

#[derive(Debug)]
pub struct AaaSweep {
    pub rows: Vec<AaaRow>,
    /// Why the sweep was not run, or why there is no row with `--retries`.
    pub notes: Vec<String>,
}

impl AaaRow {
    pub fn wall(&self) -> Option<f64> {
        median(self.runs.iter().map(|r| r.measure.wall).collect())
    }
    pub fn failed(&self) -> Option<f64> {
        median(self.runs.iter().map(|r| r.failed as f64).collect())
    }
    /// Devices that answered per second of wall time (median over the runs): the pool's
    /// useful throughput, which a shorter wall from quick failures does not raise.
    pub fn ok_rate(&self) -> Option<f64> {
        median(
            self.runs
                .iter()
                .map(|r| (AAA_DEVICES - r.failed.min(AAA_DEVICES)) as f64 / r.measure.wall)
                .collect(),
        )
    }
    pub fn cpu(&self) -> Option<f64> {
        median(self.runs.iter().map(|r| r.measure.cpu).collect())
    }
    pub fn rss_mib(&self) -> Option<f64> {
        median(
            self.runs
                .iter()
                .map(|r| r.measure.peak_rss as f64 / MIB)
                .collect(),
        )
    }
}

/// The mock's flags for the AAA server.
pub fn aaa_flags() -> Vec<String> {
    vec![
        "--aaa-capacity".into(),
        AAA_CAPACITY.to_string(),
        "--aaa-delay".into(),
        format!("{}ms", AAA_DELAY.as_millis()),
        "--aaa-timeout".into(),
        format!("{}ms", AAA_TIMEOUT.as_millis()),
    ]
}

/// Whether the thread pool's lesson takes `--retries` (the client's side of the pushback).
pub fn has_retries(ws: &Workspace) -> bool {
    let bin = ws.bin_dir.join(crate::STRATEGIES[THREAD_POOL].bin);
    Command::new(bin)
        .arg("--help")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--retries"))
}

pub fn measure_aaa_sweep(ws: &Workspace, config: &Config, t0: Instant) -> AaaSweep {
    let mut sweep = AaaSweep {
        rows: Vec::new(),
        notes: Vec::new(),
    };
    let mut fleet = match start_fleet(ws, t0) {
        Ok(fleet) => fleet,
        Err(e) => {
            println!(
                "[{:>6.0} s] AAA sweep: FAILED: {e:#}",
                t0.elapsed().as_secs_f64()
            );
            sweep.notes.push(format!("not run: {e:#}"));
            return sweep;
        }
    };
    let runs = config.runs.unwrap_or(3);
    for &workers in &SWEEP {
        let job = Job::new(THREAD_POOL, AAA_DEVICES, Duration::ZERO, workers);
        sweep
            .rows
            .push(run_row(ws, &mut fleet, job, false, runs, t0));
    }
    let largest = SWEEP[SWEEP.len() - 1];
    if has_retries(ws) {
        let mut job = Job::new(THREAD_POOL, AAA_DEVICES, Duration::ZERO, largest);
        job.extra = vec!["--retries".into(), RETRIES.into()];
        sweep
            .rows
            .push(run_row(ws, &mut fleet, job, true, runs, t0));
    } else {
        sweep.notes.push(format!(
            "No row with retries: `{} --help` has no `--retries` yet (the pushback's client \
             side). Once it has, this sweep adds W = {largest} with `--retries {RETRIES}` by \
             itself.",
            crate::STRATEGIES[THREAD_POOL].bin
        ));
    }
    if let Err(e) = fleet.stop() {
        sweep.notes.push(format!("stopping the fleet: {e:#}"));
    }
    sweep
}

fn start_fleet(ws: &Workspace, t0: Instant) -> Result<MockFleet> {
    let fleet = MockFleet::start_with(
        &ws.bin_dir.join("mock-device"),
        &format!("fleet-aaa-{AAA_DEVICES}"),
        AAA_DEVICES,
        Duration::ZERO,
        ws.scratch.path(),
        Recording::On,
        &aaa_flags(),
    )
    .with_context(|| format!("starting the AAA fleet of {AAA_DEVICES} devices"))?;
    println!(
        "[{:>6.0} s] fleet of {AAA_DEVICES} devices behind an AAA server ({AAA_CAPACITY} at \
         once, {} ms each, timeout {} ms): ready in {:.3} s (pid {})",
        t0.elapsed().as_secs_f64(),
        AAA_DELAY.as_millis(),
        AAA_TIMEOUT.as_millis(),
        fleet.ready_after.as_secs_f64(),
        fleet.pid
    );
    Ok(fleet)
}

fn run_row(
    ws: &Workspace,
    fleet: &mut MockFleet,
    job: Job,
    retries: bool,
    runs: usize,
    t0: Instant,
) -> AaaRow {
    let label = format!(
        "AAA sweep, thread pool W={:<4}{}",
        job.workers,
        if retries { " --retries 5" } else { "" }
    );
    let mut row = AaaRow {
        job,
        retries,
        runs: Vec::new(),
        errors: Vec::new(),
        mock: None,
    };
    let mut timeouts = Vec::new();
    let (mut peak_open, mut peak_aaa) = (0, 0);
    for i in 0..runs {
        let result = run_measured(ws, &[fleet.pid], &[], &fleet.inventory, &row.job);
        // The mock's view of this run alone, so that its refusals are counted per run.
        match fleet.record_since() {
            Some(Ok(record)) => {
                peak_open = peak_open.max(record.peak_open().0);
                peak_aaa = peak_aaa.max(record.peak_aaa_busy());
                let refused: usize = record.refused_per_device(AAA_TIMEOUT_REASON).values().sum();
                timeouts.push(refused as f64);
            }
            Some(Err(e)) => row.mock = Some(Err(e)),
            None => {}
        }
        match result {
            Ok(ran) => {
                // Exit 0 prints no summary: every device answered.
                let counts = if ran.status.success() {
                    Some(ran.summary.unwrap_or((AAA_DEVICES, 0)))
                } else {
                    ran.summary
                };
                match counts {
                    Some((ok, failed)) => {
                        println!(
                            "[{:>6.0} s] {label} run {}/{runs}: {:>7.3} s  {ok} ok, {failed} \
                             failed  cpu {:>5.2} s",
                            t0.elapsed().as_secs_f64(),
                            i + 1,
                            ran.measure.wall,
                            ran.measure.cpu
                        );
                        row.runs.push(AaaRun {
                            measure: ran.measure,
                            failed,
                        });
                    }
                    None => {
                        let e = format!("{} without a summary; {}", ran.status, ran.gist);
                        println!(
                            "[{:>6.0} s] {label} run {}/{runs}: FAILED: {e}",
                            t0.elapsed().as_secs_f64(),
                            i + 1
                        );
                        row.errors.push(e);
                    }
                }
            }
            Err(e) => {
                println!(
                    "[{:>6.0} s] {label} run {}/{runs}: FAILED: {e}",
                    t0.elapsed().as_secs_f64(),
                    i + 1
                );
                row.errors.push(e);
            }
        }
    }
    if row.mock.is_none() && !timeouts.is_empty() {
        row.mock = Some(Ok(MockSaw {
            peak_open,
            peak_aaa_busy: peak_aaa,
            aaa_timeouts: median(timeouts).unwrap_or(0.0).round() as usize,
        }));
        println!(
            "[{:>6.0} s] {label} mock: peak sessions open {peak_open}, peak AAA logins at \
             once {peak_aaa}",
            t0.elapsed().as_secs_f64()
        );
    }
    row
}
