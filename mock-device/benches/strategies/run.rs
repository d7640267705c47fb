//! Running the lessons: one run of a lesson binary against a fleet, measured, and the runs
//! of one row (5, 3 or 1 depending on how long the first took).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::config::{Config, Job};
use crate::fleet::MockFleet;
use crate::markdown::fmt_latency;
use crate::measure::{
    ClientTree, Measure, children_cpu, machine_cpu, own_cpu, process_cpu, reap_client,
    sample_memory,
};
use crate::{MIB, SINGLE_RUN_ABOVE};

#[derive(Debug)]
pub struct Workspace {
    pub bin_dir: PathBuf,
    pub scratch: tempfile::TempDir,
    pub ticks: f64,
}

/// What to quote from a failed run: its error lines (clap's, or `Error: device: reason`)
/// and its last line (`950 ok, 50 failed`).
pub fn gist(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut picked: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.to_lowercase().contains("error"))
        .take(2)
        .collect();
    if let Some(last) = lines.last()
        && !picked.contains(last)
    {
        picked.push(last);
    }
    picked.join(" / ")
}

/// `950 ok, 50 failed`, the summary a lesson prints on stderr when a device failed (or in a
/// quiet run): (ok, failed), from its last such line. Anything between the two counts
/// (`950 ok (23 after retries), 50 failed`) is skipped.
pub fn summary(path: &Path) -> Option<(usize, usize)> {
    let text = fs::read_to_string(path).ok()?;
    text.lines().rev().find_map(|line| {
        let (ok, rest) = line.trim().split_once(" ok")?;
        let failed = rest.rsplit_once(", ")?.1.strip_suffix(" failed")?;
        Some((ok.parse().ok()?, failed.parse().ok()?))
    })
}

/// One run as it ended: what it cost, how it exited, what it said.
#[derive(Debug)]
pub struct Ran {
    pub measure: Measure,
    pub status: ExitStatus,
    /// Its `N ok, M failed` line, if it printed one.
    pub summary: Option<(usize, usize)>,
    /// Its error lines and last line (stderr, then stdout), for a run that failed.
    pub gist: String,
}

/// One run of `job` against the fleets `serving` (pids) through `inventory`, whatever its
/// exit status; `idle` are other fleets running meanwhile (their pids), which are not the
/// client either. `Err` when it could not be started or was killed for taking too long.
pub fn run_measured(
    ws: &Workspace,
    serving: &[i32],
    idle: &[i32],
    inventory: &Path,
    job: &Job,
) -> Result<Ran, String> {
    let bin = ws.bin_dir.join(job.strategy().bin);
    let out_path = ws.scratch.path().join("run.out");
    let err_path = ws.scratch.path().join("run.err");
    let open = |p: &Path| fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()));
    let (out, err) = (open(&out_path)?, open(&err_path)?);
    let timeout = Duration::from_secs(60) + job.ideal() * 5;

    let fleets: Vec<i32> = serving.iter().chain(idle).copied().collect();
    let mocks_cpu = || -> f64 {
        serving
            .iter()
            .map(|&pid| process_cpu(pid, ws.ticks).unwrap_or(0.0))
            .sum()
    };
    let mut tree = ClientTree::new(&fleets);
    tree.scan(); // classify what already runs before the clock starts
    let cpu_before = children_cpu().map_err(|e| e.to_string())?;
    let mock_before = mocks_cpu();
    let (busy_before, total_before) = machine_cpu(ws.ticks);
    let self_before = own_cpu();
    let started = Instant::now();
    let mut child = Command::new(&bin)
        .args(job.args(inventory))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = i32::try_from(child.id()).map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || sample_memory(tree, pid, stop))
    };
    let (tx, rx) = mpsc::channel::<(std::io::Result<ExitStatus>, Instant)>();
    thread::spawn(move || {
        let status = child.wait();
        let _ = tx.send((status, Instant::now()));
    });
    let (status, ended) = match rx.recv_timeout(timeout) {
        Ok(done) => done,
        Err(_) => {
            let mut tree = ClientTree::new(&fleets);
            for pid in tree.scan() {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            stop.store(true, Ordering::Relaxed);
            let _ = sampler.join();
            let _ = rx.recv_timeout(Duration::from_secs(10));
            reap_client(&fleets, Duration::from_secs(5));
            return Err(format!("timed out after {} s, killed", timeout.as_secs()));
        }
    };
    let wall = ended.duration_since(started).as_secs_f64();
    let mock_cpu = mocks_cpu() - mock_before;
    stop.store(true, Ordering::Relaxed);
    let sampled = sampler.join().unwrap_or_default();
    let stragglers = reap_client(&fleets, Duration::from_secs(10));
    let cpu = children_cpu().map_err(|e| e.to_string())? - cpu_before;
    // Whatever else kept the machine busy meanwhile: all CPU time spent, less the
    // client's, the mock's and this benchmark's own (the sampler).
    let (busy_after, total_after) = machine_cpu(ws.ticks);
    let others = (busy_after - busy_before) - cpu - mock_cpu - (own_cpu() - self_before);
    let others = (others / (total_after - total_before).max(1e-9)).clamp(0.0, 1.0);
    let status = status.map_err(|e| format!("cannot wait for the lesson: {e}"))?;
    let gist = if status.success() {
        String::new()
    } else {
        format!("stderr: {}; stdout: {}", gist(&err_path), gist(&out_path))
    };
    Ok(Ran {
        measure: Measure {
            wall,
            cpu,
            peak_rss: sampled.peak_rss,
            peak_pss: sampled.peak_pss,
            mock_cpu,
            samples: sampled.samples,
            pss_samples: sampled.pss_samples,
            others,
            stragglers,
        },
        status,
        summary: summary(&err_path),
        gist,
    })
}

/// One run that must succeed: every device answered (exit 0).
pub fn run_once(
    ws: &Workspace,
    serving: &[i32],
    idle: &[i32],
    inventory: &Path,
    job: &Job,
) -> Result<Measure, String> {
    let ran = run_measured(ws, serving, idle, inventory, job)?;
    if ran.status.success() {
        Ok(ran.measure)
    } else {
        Err(format!(
            "{} after {:.2} s; {}",
            ran.status, ran.measure.wall, ran.gist
        ))
    }
}

#[derive(Debug)]
pub struct Row {
    pub job: Job,
    pub runs: Vec<Measure>,
    pub failures: Vec<String>,
    pub skipped: Option<String>,
    /// The most sessions the mock saw open at once over the row's runs, from its events
    /// file (`None`: not run, or the fleet did not record; `Err`: the file was unreadable).
    pub peak_open: Option<Result<usize, String>>,
}

pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

impl Row {
    pub fn med(&self, f: impl Fn(&Measure) -> f64) -> Option<f64> {
        median(self.runs.iter().map(f).collect())
    }
    pub fn wall(&self) -> Option<f64> {
        self.med(|m| m.wall)
    }
    pub fn rate(&self) -> Option<f64> {
        self.wall().map(|w| self.job.n as f64 / w)
    }
    pub fn efficiency(&self) -> Option<f64> {
        let ideal = self.job.ideal().as_secs_f64();
        (ideal > 0.0).then(|| self.wall().map(|w| ideal / w))?
    }
    pub fn rss_mib(&self) -> Option<f64> {
        self.med(|m| m.peak_rss as f64 / MIB)
    }
    /// Only for runs long enough to be sampled a few times.
    pub fn pss_mib(&self) -> Option<f64> {
        let enough = self.med(|m| m.pss_samples as f64)? >= 3.0;
        enough.then(|| self.med(|m| m.peak_pss as f64 / MIB))?
    }
}

/// How many runs: 5 for a short row, 3 for a longer one, 1 past a minute.
pub fn runs_for(first_wall: f64, ideal: Duration) -> usize {
    if ideal > SINGLE_RUN_ABOVE || first_wall > 60.0 {
        1
    } else if first_wall > 5.0 {
        3
    } else {
        5
    }
}

/// The runs of one row against `fleets` (one, or the two of the 10,000-device cell) through
/// `inventory`.
pub fn run_job(
    ws: &Workspace,
    fleets: &mut [MockFleet],
    inventory: &Path,
    job: Job,
    config: &Config,
    t0: Instant,
) -> Row {
    let label = format!(
        "N={:<4} L={:<6} {:<18} W={:<4}",
        job.n,
        fmt_latency(job.latency),
        job.strategy().name,
        job.workers
    );
    if let Some(why) = job.skipped() {
        println!("[{:>6.0} s] {label} {why}", t0.elapsed().as_secs_f64());
        return Row {
            job,
            runs: Vec::new(),
            failures: Vec::new(),
            skipped: Some(why),
            peak_open: None,
        };
    }
    let mut row = Row {
        job,
        runs: Vec::new(),
        failures: Vec::new(),
        skipped: None,
        peak_open: None,
    };
    let pids: Vec<i32> = fleets.iter().map(|f| f.pid).collect();
    let mut planned = config.runs.unwrap_or(1);
    let mut i = 0;
    while i < planned {
        let began = Instant::now();
        let result = run_once(ws, &pids, &[], inventory, &row.job);
        if i == 0 && config.runs.is_none() {
            // How long the first run took, whether or not it succeeded: a row that fails
            // after a minute (a timeout) is not tried four more times.
            planned = runs_for(began.elapsed().as_secs_f64(), row.job.ideal());
        }
        match result {
            Ok(m) => {
                println!(
                    "[{:>6.0} s] {label} run {}/{planned}: {:>8.3} s  cpu {:>6.2} s  rss {:>7.1} MiB  mock cpu {:>5.2} s  samples {}/{}{}",
                    t0.elapsed().as_secs_f64(),
                    i + 1,
                    m.wall,
                    m.cpu,
                    m.peak_rss as f64 / MIB,
                    m.mock_cpu,
                    m.samples,
                    m.pss_samples,
                    if m.stragglers > 0 {
                        format!("  ({} processes outlived the lesson)", m.stragglers)
                    } else {
                        String::new()
                    }
                );
                row.runs.push(m);
            }
            Err(e) => {
                println!(
                    "[{:>6.0} s] {label} run {}/{planned}: FAILED: {e}",
                    t0.elapsed().as_secs_f64(),
                    i + 1
                );
                row.failures.push(e);
            }
        }
        i += 1;
    }
    row.peak_open = peak_open_since(fleets);
    match &row.peak_open {
        Some(Ok(peak)) => println!(
            "[{:>6.0} s] {label} peak sessions open (mock): {peak}",
            t0.elapsed().as_secs_f64()
        ),
        Some(Err(e)) => println!(
            "[{:>6.0} s] {label} cannot read the mock's events: {e}",
            t0.elapsed().as_secs_f64()
        ),
        None => {}
    }
    row
}

/// The most sessions open at once over the fleets' latest runs ([`MockFleet::record_since`]).
/// For two fleets, their sessions on one clock: each fleet's events count from its own
/// start, so the later fleet's are shifted by the time between their spawns (off by the
/// difference of their start-up times, a few milliseconds).
pub fn peak_open_since(fleets: &mut [MockFleet]) -> Option<Result<usize, String>> {
    let first = fleets.iter().map(|f| f.started).min()?;
    let mut steps: Vec<(Duration, i8)> = Vec::new();
    for fleet in fleets.iter_mut() {
        let offset = fleet.started.duration_since(first);
        let record = match fleet.record_since()? {
            Ok(record) => record,
            Err(e) => return Some(Err(e)),
        };
        for (session, end) in record.sessions.iter().zip(record.ends()) {
            steps.push((session.accepted + offset, 1));
            steps.push((end + offset, -1));
        }
    }
    // As `Record::peak_open`: at the same instant the closes go first.
    steps.sort_unstable();
    let (mut open, mut peak) = (0usize, 0usize);
    for (_, step) in steps {
        if step > 0 {
            open += 1;
            peak = peak.max(open);
        } else {
            open = open.saturating_sub(1);
        }
    }
    Some(Ok(peak))
}
