//! What an instructor's instruments cost (parts `results` and `follow`).
//!
//! - `--results FILE`: the thread pool with `SMALL_POOL` workers over 1000 devices at zero
//!   latency, writing its results file and not, in alternating runs against one fleet that
//!   does not record (target: at most 2 % of wall time and of the client's CPU).
//! - `mock-device timeline EVENTS --follow`: the same pool against a fleet with a 10 ms login
//!   delay (about a thousand sessions a second on two cores), with a follower redrawing
//!   the fleet's events file and without; a fresh fleet for every run, so each follower
//!   reads only its own run's events. What the follower costs is its own CPU (read from
//!   /proc before it is stopped), and what it takes from the run on the same cores.
//!
//! As for the cost of recording, runs alternate (with, without, without, with, ...), so a
//! slow spell of the machine falls on both sides.

use std::fs;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::config::Job;
use crate::fleet::{MockFleet, Recording};
use crate::measure::{Measure, process_cpu};
use crate::run::{Workspace, median, run_once};
use crate::{SMALL_POOL, THREAD_POOL};

/// Devices of both measurements.
pub const DEVICES: usize = 1000;
/// The login delay of the followed fleet: 16 workers then make at most 1600 sessions/s.
pub const FOLLOWED_DELAY: Duration = Duration::from_millis(10);

/// Runs of a job with an instrument and without, alternating.
#[derive(Debug)]
pub struct Paired {
    pub job: Job,
    pub with: Vec<Measure>,
    pub without: Vec<Measure>,
    pub failures: Vec<String>,
}

impl Paired {
    fn new(job: Job) -> Paired {
        Paired {
            job,
            with: Vec::new(),
            without: Vec::new(),
            failures: Vec::new(),
        }
    }

    pub fn wall(runs: &[Measure]) -> Option<f64> {
        median(runs.iter().map(|m| m.wall).collect())
    }

    /// The client's CPU, the mean over the runs.
    pub fn cpu(runs: &[Measure]) -> Option<f64> {
        (!runs.is_empty()).then(|| runs.iter().map(|m| m.cpu).sum::<f64>() / runs.len() as f64)
    }

    /// What the instrument adds, as a share of the figures without it: (wall, client CPU).
    pub fn overhead(&self) -> Option<(f64, f64)> {
        let wall = Paired::wall(&self.with)? / Paired::wall(&self.without)? - 1.0;
        let cpu = Paired::cpu(&self.with)? / Paired::cpu(&self.without)?.max(1e-9) - 1.0;
        Some((wall, cpu))
    }
}

/// The cost of following, and what the followed fleet served.
#[derive(Debug)]
pub struct FollowCost {
    pub runs: Paired,
    /// Each follower's CPU seconds over its run.
    pub follower_cpu: Vec<f64>,
    /// Sessions per second the fleet served in each run (from its events file).
    pub rates: Vec<f64>,
}

/// Both measurements, each when its part was asked for.
#[derive(Debug, Default)]
pub struct Instruments {
    pub results: Option<Paired>,
    pub follow: Option<FollowCost>,
}

fn pool_job(latency: Duration) -> Job {
    Job::new(THREAD_POOL, DEVICES, latency, SMALL_POOL)
}

/// Whether run `i` of an alternating series is "with": with, without, without, with, ...
fn with_instrument(i: usize) -> bool {
    matches!(i % 4, 0 | 3)
}

fn say(t0: Instant, label: &str, i: usize, total: usize, side: &str, m: &Measure, more: &str) {
    println!(
        "[{:>6.0} s] {label} run {}/{total}, {side:<8}: {:>8.3} s  cpu {:>6.2} s{more}",
        t0.elapsed().as_secs_f64(),
        i + 1,
        m.wall,
        m.cpu
    );
}

/// `--results`: `pairs` runs each way against one fleet, after one uncounted run.
pub fn measure_results(ws: &Workspace, pairs: usize, t0: Instant) -> Paired {
    let mut paired = Paired::new(pool_job(Duration::ZERO));
    let mock = ws.bin_dir.join("mock-device");
    let fleet = match MockFleet::start(
        &mock,
        DEVICES,
        Duration::ZERO,
        ws.scratch.path(),
        Recording::Off,
    ) {
        Ok(fleet) => fleet,
        Err(e) => {
            paired
                .failures
                .push(format!("the fleet did not start: {e:#}"));
            return paired;
        }
    };
    let file = ws.scratch.path().join("results.jsonl");
    let mut with = paired.job.clone();
    with.extra = vec!["--results".into(), file.display().to_string()];
    let label = format!("N={DEVICES} --results, thread pool W={SMALL_POOL}");
    if let Err(e) = run_once(ws, &[fleet.pid], &[], &fleet.inventory, &paired.job) {
        paired.failures.push(format!("warm-up run: {e}"));
    }
    for i in 0..2 * pairs {
        let side = with_instrument(i);
        let job = if side { &with } else { &paired.job };
        let _ = fs::remove_file(&file);
        match run_once(ws, &[fleet.pid], &[], &fleet.inventory, job) {
            Ok(m) => {
                let lines = fs::read_to_string(&file)
                    .map(|t| t.lines().count())
                    .unwrap_or(0);
                if side && lines != DEVICES + 1 {
                    paired.failures.push(format!(
                        "the results file had {lines} lines, not {}",
                        DEVICES + 1
                    ));
                }
                say(
                    t0,
                    &label,
                    i,
                    2 * pairs,
                    if side { "with" } else { "without" },
                    &m,
                    "",
                );
                if side {
                    &mut paired.with
                } else {
                    &mut paired.without
                }
                .push(m);
            }
            Err(e) => paired.failures.push(format!("run {}: {e}", i + 1)),
        }
    }
    if let Err(e) = fleet.stop() {
        paired.failures.push(format!("stopping the fleet: {e:#}"));
    }
    paired
}

/// A follower of `events`, its frames into a file (it redraws as on a terminal, minus the
/// escape codes).
fn start_follower(ws: &Workspace, events: &std::path::Path) -> Result<Child, String> {
    let frames =
        fs::File::create(ws.scratch.path().join("frames.txt")).map_err(|e| e.to_string())?;
    Command::new(ws.bin_dir.join("mock-device"))
        .arg("timeline")
        .arg(events)
        .arg("--follow")
        .env("COLUMNS", "120")
        .stdin(Stdio::null())
        .stdout(frames)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the follower: {e}"))
}

/// `--follow`: `pairs` runs each way, each against a fleet of its own.
pub fn measure_follow(ws: &Workspace, pairs: usize, t0: Instant) -> FollowCost {
    let mut cost = FollowCost {
        runs: Paired::new(pool_job(FOLLOWED_DELAY)),
        follower_cpu: Vec::new(),
        rates: Vec::new(),
    };
    let mock = ws.bin_dir.join("mock-device");
    let label = format!("N={DEVICES} --follow, thread pool W={SMALL_POOL}");
    for i in 0..2 * pairs {
        let side = with_instrument(i);
        let mut fleet = match MockFleet::start(
            &mock,
            DEVICES,
            FOLLOWED_DELAY,
            ws.scratch.path(),
            Recording::On,
        ) {
            Ok(fleet) => fleet,
            Err(e) => {
                cost.runs
                    .failures
                    .push(format!("run {}: the fleet did not start: {e:#}", i + 1));
                continue;
            }
        };
        let events = fleet.events.clone().unwrap_or_default();
        let follower = if side {
            match start_follower(ws, &events) {
                Ok(child) => Some(child),
                Err(e) => {
                    cost.runs.failures.push(e);
                    None
                }
            }
        } else {
            None
        };
        let follower_pid = follower.as_ref().map(|c| c.id() as i32);
        let idle: Vec<i32> = follower_pid.into_iter().collect();
        let ran = run_once(ws, &[fleet.pid], &idle, &fleet.inventory, &cost.runs.job);
        let mut more = String::new();
        if let (Some(mut child), Some(pid)) = (follower, follower_pid) {
            // Let it draw what came last, as it would for the instructor.
            std::thread::sleep(Duration::from_millis(600));
            let cpu = process_cpu(pid, ws.ticks).unwrap_or(0.0);
            let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
            match child.wait() {
                Ok(status) if status.success() => {
                    cost.follower_cpu.push(cpu);
                    more = format!("  follower cpu {cpu:>5.2} s");
                }
                Ok(status) => cost
                    .runs
                    .failures
                    .push(format!("the follower ended with {status}")),
                Err(e) => cost.runs.failures.push(format!("the follower: {e}")),
            }
        }
        if let Some(Ok(record)) = fleet.record_since() {
            cost.rates.push(record.connections_per_second());
            more.push_str(&format!(
                "  {:.0} sessions/s",
                record.connections_per_second()
            ));
        }
        match ran {
            Ok(m) => {
                say(
                    t0,
                    &label,
                    i,
                    2 * pairs,
                    if side { "with" } else { "without" },
                    &m,
                    &more,
                );
                if side {
                    &mut cost.runs.with
                } else {
                    &mut cost.runs.without
                }
                .push(m);
            }
            Err(e) => cost.runs.failures.push(format!("run {}: {e}", i + 1)),
        }
        if let Err(e) = fleet.stop() {
            cost.runs
                .failures
                .push(format!("stopping the fleet: {e:#}"));
        }
    }
    cost
}

/// The target of `--results`: at most this share of wall time and of client CPU.
pub const RESULTS_LIMIT: f64 = 0.02;

/// BENCHMARKS.md's section: a row per side of each measurement, and the verdict.
pub fn section(w: &mut String, instruments: &Instruments) {
    use std::fmt::Write as _;
    let _ = writeln!(w, "### What the instructor's instruments cost\n");
    let secs = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3} s"));
    let share = |v: f64| format!("{:+.1} %", v * 100.0);
    if let Some(results) = &instruments.results {
        let _ = writeln!(
            w,
            "`--results FILE` (a JSON line per device, flushed as each comes in): `{} {} \
             --inventory FILE --workers {SMALL_POOL}` over {DEVICES} devices at zero latency, \
             with and without the flag, in alternating runs against one fleet that does not \
             record. Target: at most {:.0} % more wall time and client CPU.\n",
            results.job.strategy().bin,
            results.job.strategy().args.join(" "),
            RESULTS_LIMIT * 100.0
        );
        let _ = writeln!(
            w,
            "| `--results` | wall (median) | client CPU (mean) | runs |"
        );
        let _ = writeln!(w, "|---|--:|--:|--:|");
        for (side, runs) in [("with", &results.with), ("without", &results.without)] {
            let _ = writeln!(
                w,
                "| {side} | {} | {} | {} |",
                secs(Paired::wall(runs)),
                secs(Paired::cpu(runs)),
                runs.len()
            );
        }
        let verdict = match results.overhead() {
            Some((wall, cpu)) => format!(
                "{} wall, {} client CPU: {}",
                share(wall),
                share(cpu),
                if wall <= RESULTS_LIMIT && cpu <= RESULTS_LIMIT && results.failures.is_empty() {
                    "**met**"
                } else {
                    "**not met**"
                }
            ),
            None => "not measured".to_string(),
        };
        let _ = writeln!(w, "\nCost of `--results`: {verdict}.\n");
        failures(w, &results.failures);
    }
    if let Some(follow) = &instruments.follow {
        let runs = &follow.runs;
        let rate = median(follow.rates.clone());
        let cpu = (!follow.follower_cpu.is_empty())
            .then(|| follow.follower_cpu.iter().sum::<f64>() / follow.follower_cpu.len() as f64);
        let _ = writeln!(
            w,
            "`mock-device timeline EVENTS --follow` (redrawn every 0.5 s, frames into a file): \
             the same pool against a fleet of {DEVICES} devices with a {} ms login delay, \
             serving {} sessions/s (median over the runs, from its events file), with a \
             follower of its events file and without; a fresh fleet for each run.\n",
            FOLLOWED_DELAY.as_millis(),
            rate.map_or("–".to_string(), |r| format!("{r:.0}"))
        );
        let _ = writeln!(
            w,
            "| follower | wall (median) | client CPU (mean) | follower CPU (mean) | runs |"
        );
        let _ = writeln!(w, "|---|--:|--:|--:|--:|");
        let _ = writeln!(
            w,
            "| with | {} | {} | {} | {} |",
            secs(Paired::wall(&runs.with)),
            secs(Paired::cpu(&runs.with)),
            secs(cpu),
            runs.with.len()
        );
        let _ = writeln!(
            w,
            "| without | {} | {} | – | {} |",
            secs(Paired::wall(&runs.without)),
            secs(Paired::cpu(&runs.without)),
            runs.without.len()
        );
        let per_second = match (cpu, Paired::wall(&runs.with)) {
            (Some(cpu), Some(wall)) if wall > 0.0 => {
                format!(
                    "{:.1} % of a core (CPU read in clock ticks of 10 ms)",
                    100.0 * cpu / (wall + 0.6)
                )
            }
            _ => "–".to_string(),
        };
        let effect = runs
            .overhead()
            .map_or("–".to_string(), |(wall, _)| share(wall));
        let _ = writeln!(
            w,
            "\nThe follower used {per_second} while it followed; the run's wall time with it: \
             {effect}.\n"
        );
        failures(w, &runs.failures);
    }
}

fn failures(w: &mut String, failures: &[String]) {
    use std::fmt::Write as _;
    if !failures.is_empty() {
        let lines: Vec<String> = failures
            .iter()
            .map(|f| format!("- failed: {}", f.replace('|', "\\|")))
            .collect();
        let _ = writeln!(w, "{}\n", lines.join("\n"));
    }
}
