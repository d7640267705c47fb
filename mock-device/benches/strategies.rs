//! The strategies benchmark: every way the lessons talk to many devices, against a standalone
//! mock fleet, at 10, 100 and 1000 devices and 0, 100 ms and 1 s of latency per device.
//!
//! ```text
//! cargo bench -p mock-device --bench strategies
//! ```
//!
//! It builds the release binaries (`cargo build --release --workspace --bins`), then for each
//! number of devices N and latency L starts `mock-device --devices N --login-delay L
//! --command-delay 0s --inventory-out FILE` as a process of its own, runs each strategy's
//! lesson binary against that inventory several times, and writes the medians to
//! `BENCHMARKS.md` and a plot of wall time against N to `BENCHMARKS.svg`, both at the root
//! of the repository. The full run takes about 12 minutes on 2 cores.
//!
//! For trying it out (results go under `target/strategies-*/`, never over the committed
//! files):
//!
//! ```text
//! STRATEGIES_QUICK=1 cargo bench -p mock-device --bench strategies        # N = 10 only, one run each
//! STRATEGIES_N=1000 STRATEGIES_LATENCY=0 cargo bench -p mock-device --bench strategies  # a subset
//! ```
//!
//! What is measured for each run of a lesson (Linux only, as it reads /proc):
//! - wall time, from spawning the lesson to its exit;
//! - client CPU: user + system seconds of the lesson and of all its descendants
//!   (`getrusage(RUSAGE_CHILDREN)` before and after; this process is a child subreaper, so a
//!   worker process orphaned by the lesson is reaped here and still counted);
//! - client peak memory: the maximum, over the run, of the summed RSS of the lesson and of all
//!   its descendants, sampled from /proc every 10 ms or more (never more than a fifth of the
//!   time goes to sampling; never below the lesson's own VmHWM); summed PSS is sampled every
//!   200 ms or more as well;
//! - CPU of the mock fleet during the run, from /proc/PID/stat.
//!
//! Every run must exit 0 (every device answered); a run that does not is reported in the
//! table and left out of the medians.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, anyhow, bail};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::{Pid, SysconfVar, sysconf};

/// Pools get `min(N, POOL_WORKERS)` workers.
const POOL_WORKERS: usize = 100;
/// The sessions/s target is for a thread pool of this size.
const SMALL_POOL: usize = 16;
/// Devices of the mock start-up measurement.
const BIG_FLEET: usize = 10_000;
/// A run expected to last longer than this (its ideal time) is made once.
const SINGLE_RUN_ABOVE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One device after the other: ideal N × L.
    Serial,
    /// A thread or process per device: W = N, ideal L.
    PerDevice,
    /// A pool of W workers: ideal ceil(N/W) × L.
    Pool,
}

#[derive(Debug)]
struct Strategy {
    name: &'static str,
    bin: &'static str,
    args: &'static [&'static str],
    kind: Kind,
}

const STRATEGIES: [Strategy; 7] = [
    Strategy {
        name: "serial",
        bin: "01-overview",
        args: &["--part", "serial"],
        kind: Kind::Serial,
    },
    Strategy {
        name: "thread per device",
        bin: "04-legacy-threads",
        args: &["--phase", "queue"],
        kind: Kind::PerDevice,
    },
    Strategy {
        name: "process per device",
        bin: "05-legacy-procs",
        args: &["--variant", "processes"],
        kind: Kind::PerDevice,
    },
    Strategy {
        name: "thread pool",
        bin: "06-futures",
        args: &["--part", "wait"],
        kind: Kind::Pool,
    },
    Strategy {
        name: "as-completed",
        bin: "07-as-completed",
        args: &[],
        kind: Kind::Pool,
    },
    Strategy {
        name: "map",
        bin: "08-map",
        args: &["--variant", "map"],
        kind: Kind::Pool,
    },
    Strategy {
        name: "process pool",
        bin: "09-process-pool",
        args: &["--variant", "map"],
        kind: Kind::Pool,
    },
];

const THREAD_POOL: usize = 3;
const MAP: usize = 5;
const PROCESS_POOL: usize = 6;

// ---------------------------------------------------------------------------------------
// Configuration

#[derive(Debug)]
struct Config {
    ns: Vec<usize>,
    latencies: Vec<Duration>,
    /// Runs per row forced (quick mode: 1).
    runs: Option<usize>,
    /// Where BENCHMARKS.md and BENCHMARKS.svg go.
    out_dir: PathBuf,
    /// The full benchmark (all N and latencies): the files at the root of the repository.
    full: bool,
    quick: bool,
}

fn parse_list<T>(var: &str, parse: impl Fn(&str) -> Result<T>) -> Result<Option<Vec<T>>> {
    match std::env::var(var) {
        Ok(text) if !text.trim().is_empty() => text
            .split(',')
            .map(|item| parse(item.trim()).with_context(|| format!("{var}: `{item}`")))
            .collect::<Result<Vec<T>>>()
            .map(Some),
        _ => Ok(None),
    }
}

fn parse_latency(text: &str) -> Result<Duration> {
    if let Ok(seconds) = text.parse::<f64>() {
        return Ok(Duration::from_secs_f64(seconds));
    }
    Ok(humantime::parse_duration(text)?)
}

impl Config {
    fn from_env(root: &Path, target: &Path) -> Result<Config> {
        let quick = std::env::args().any(|a| a == "--quick")
            || std::env::var("STRATEGIES_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        let ns = parse_list("STRATEGIES_N", |s| Ok(s.parse::<usize>()?))?;
        let latencies = parse_list("STRATEGIES_LATENCY", parse_latency)?;
        let all_ns = vec![10, 100, 1000];
        let all_latencies = vec![
            Duration::ZERO,
            Duration::from_millis(100),
            Duration::from_secs(1),
        ];
        let subset = ns.is_some() || latencies.is_some();
        let config = if quick {
            Config {
                ns: ns.unwrap_or_else(|| vec![10]),
                latencies: latencies.unwrap_or(all_latencies),
                runs: Some(1),
                out_dir: target.join("strategies-quick"),
                full: false,
                quick: true,
            }
        } else if subset {
            Config {
                ns: ns.unwrap_or(all_ns),
                latencies: latencies.unwrap_or(all_latencies),
                runs: None,
                out_dir: target.join("strategies-subset"),
                full: false,
                quick: false,
            }
        } else {
            Config {
                ns: all_ns,
                latencies: all_latencies,
                runs: None,
                out_dir: root.to_path_buf(),
                full: true,
                quick: false,
            }
        };
        if config.ns.contains(&0) {
            bail!("STRATEGIES_N: every N must be at least 1");
        }
        Ok(config)
    }
}

/// One row of the results: a strategy with a pool size, in one (N, latency) cell.
#[derive(Debug, Clone)]
struct Job {
    strategy: usize,
    n: usize,
    latency: Duration,
    workers: usize,
}

impl Job {
    fn strategy(&self) -> &'static Strategy {
        &STRATEGIES[self.strategy]
    }

    /// `ceil(N/W) × latency`; W = 1 for serial and W = N for a thread or process per device.
    fn ideal(&self) -> Duration {
        let batches = self.n.div_ceil(self.workers.max(1));
        self.latency * u32::try_from(batches).unwrap_or(u32::MAX)
    }

    fn args(&self, inventory: &Path) -> Vec<String> {
        let s = self.strategy();
        let mut args: Vec<String> = s.args.iter().map(|a| a.to_string()).collect();
        args.push("--inventory".into());
        args.push(inventory.display().to_string());
        if s.kind == Kind::Pool {
            args.push("--workers".into());
            args.push(self.workers.to_string());
        }
        args
    }

    /// Serial over 1000 devices at 1 s would take a quarter of an hour for one figure
    /// everybody can compute: N × L.
    fn skipped(&self) -> Option<String> {
        let ideal = self.ideal();
        (self.strategy().kind == Kind::Serial && ideal > Duration::from_secs(300))
            .then(|| format!("not run (~{:.0} s)", ideal.as_secs_f64()))
    }
}

fn jobs(n: usize, latency: Duration) -> Vec<Job> {
    let mut jobs: Vec<Job> = STRATEGIES
        .iter()
        .enumerate()
        .map(|(i, s)| Job {
            strategy: i,
            n,
            latency,
            workers: match s.kind {
                Kind::Serial => 1,
                Kind::PerDevice => n,
                Kind::Pool => n.min(POOL_WORKERS),
            },
        })
        .collect();
    if n == 1000 && latency.is_zero() {
        for strategy in [THREAD_POOL, MAP] {
            jobs.push(Job {
                strategy,
                n,
                latency,
                workers: SMALL_POOL,
            });
        }
    }
    jobs
}

// ---------------------------------------------------------------------------------------
// /proc

fn page_size() -> u64 {
    sysconf(SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(4096)
}

fn clock_ticks() -> f64 {
    sysconf(SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .map(|v| v as f64)
        .unwrap_or(100.0)
}

/// The fields of /proc/PID/stat after the command name (state is field 0 here).
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 1..];
    Some(after.split_whitespace().map(String::from).collect())
}

fn parent_of(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// User + system CPU seconds of one process (not its children).
fn process_cpu(pid: i32, ticks: f64) -> Option<f64> {
    let fields = stat_fields(pid)?;
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / ticks)
}

fn rss_bytes(pid: i32, page: u64) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|t| t.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * page)
}

/// A `kB` line of /proc/PID/status or smaps_rollup, in bytes.
fn kb_field(path: &str, key: &str) -> u64 {
    fs::read_to_string(path)
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with(key))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn proc_pids() -> HashSet<i32> {
    fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Which processes on the machine are the client: descendants of this benchmark, except the
/// mock fleet. Each pid is classified once (this process is a child subreaper, so a
/// descendant stays one when its parent dies).
#[derive(Debug)]
struct ClientTree {
    me: i32,
    fleet: i32,
    class: HashMap<i32, bool>,
}

impl ClientTree {
    fn new(fleet: i32) -> ClientTree {
        ClientTree {
            me: i32::try_from(std::process::id()).unwrap_or(i32::MAX),
            fleet,
            class: HashMap::new(),
        }
    }

    fn classify(&mut self, pid: i32, depth: usize) -> bool {
        if pid == self.me || pid == self.fleet || pid <= 1 || depth > 64 {
            return false;
        }
        if let Some(&c) = self.class.get(&pid) {
            return c;
        }
        let Some(parent) = parent_of(pid) else {
            return false;
        };
        let client = parent == self.me || self.classify(parent, depth + 1);
        self.class.insert(pid, client);
        client
    }

    /// The client's live processes.
    fn scan(&mut self) -> Vec<i32> {
        let live = proc_pids();
        self.class.retain(|pid, _| live.contains(pid));
        live.into_iter().filter(|&p| self.classify(p, 0)).collect()
    }
}

// ---------------------------------------------------------------------------------------
// The mock fleet, as a process of its own

#[derive(Debug)]
struct MockFleet {
    child: Child,
    pid: i32,
    inventory: PathBuf,
    /// From spawning the process to a complete inventory file.
    ready_after: Duration,
    /// The start-up time the mock printed itself (`N devices started in X ms`).
    reported: Option<Duration>,
    output: Arc<Mutex<VecDeque<String>>>,
}

fn drain(stream: impl Read + Send + 'static, tail: Arc<Mutex<VecDeque<String>>>) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
            if tail.len() >= 40 {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    });
}

fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    let tail = tail.lock().unwrap_or_else(|e| e.into_inner());
    tail.iter()
        .rev()
        .take(6)
        .rev()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n    ")
}

impl MockFleet {
    fn start(bin: &Path, n: usize, login_delay: Duration, dir: &Path) -> Result<MockFleet> {
        let inventory = dir.join(format!("fleet-{n}.yaml"));
        let _ = fs::remove_file(&inventory);
        let started = Instant::now();
        let mut child = Command::new(bin)
            .arg("--devices")
            .arg(n.to_string())
            .arg("--login-delay")
            .arg(format!("{}ms", login_delay.as_millis()))
            .arg("--command-delay")
            .arg("0s")
            .arg("--inventory-out")
            .arg(&inventory)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let pid = i32::try_from(child.id()).context("pid out of range")?;
        let output = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(out) = child.stdout.take() {
            drain(out, Arc::clone(&output));
        }
        if let Some(err) = child.stderr.take() {
            drain(err, Arc::clone(&output));
        }
        let mut fleet = MockFleet {
            child,
            pid,
            inventory,
            ready_after: Duration::ZERO,
            reported: None,
            output,
        };
        // Complete: one host_key line per device (the last field of each entry).
        let deadline = started + Duration::from_secs(120);
        loop {
            if let Some(status) = fleet.child.try_wait()? {
                bail!(
                    "the mock fleet of {n} devices exited ({status}) before writing its \
                     inventory:\n    {}",
                    tail_text(&fleet.output)
                );
            }
            if let Ok(text) = fs::read_to_string(&fleet.inventory)
                && text
                    .lines()
                    .filter(|l| l.trim_start().starts_with("host_key:"))
                    .count()
                    == n
                && text.ends_with('\n')
            {
                fleet.ready_after = started.elapsed();
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "the mock fleet of {n} devices wrote no complete inventory in 120 s:\n    {}",
                    tail_text(&fleet.output)
                );
            }
            thread::sleep(Duration::from_millis(2));
        }
        // Its own figure, printed after the table.
        let deadline = Instant::now() + Duration::from_secs(10);
        while fleet.reported.is_none() && Instant::now() < deadline {
            {
                let tail = fleet.output.lock().unwrap_or_else(|e| e.into_inner());
                fleet.reported = tail.iter().find_map(|l| {
                    let rest = l.split_once(" devices started in ")?.1;
                    let ms = rest.split_once(" ms")?.0.parse::<u64>().ok()?;
                    Some(Duration::from_millis(ms))
                });
            }
            thread::sleep(Duration::from_millis(5));
        }
        Ok(fleet)
    }

    fn rss(&self) -> u64 {
        kb_field(&format!("/proc/{}/status", self.pid), "VmRSS:")
    }

    /// SIGTERM (the mock closes every listener and exits 0), SIGKILL after 10 s.
    fn stop(mut self) -> Result<()> {
        let _ = kill(Pid::from_raw(self.pid), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    eprintln!("warning: the mock fleet exited with {status}");
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                eprintln!("warning: the mock fleet ignored SIGTERM for 10 s; killing it");
                self.child.kill()?;
                self.child.wait()?;
                return Ok(());
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for MockFleet {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------
// One run of a lesson

#[derive(Debug, Clone)]
struct Measure {
    wall: f64,
    cpu: f64,
    peak_rss: u64,
    peak_pss: u64,
    mock_cpu: f64,
    samples: usize,
    pss_samples: usize,
    /// Share of the machine's CPU used by other programs during the run.
    others: f64,
    /// Processes of the lesson still running after it exited (reaped here).
    stragglers: usize,
}

#[derive(Debug, Default)]
struct Sampled {
    peak_rss: u64,
    peak_pss: u64,
    samples: usize,
    pss_samples: usize,
}

/// How often the client's RSS and PSS are read (at least).
const RSS_EVERY: Duration = Duration::from_millis(10);
const PSS_EVERY: Duration = Duration::from_millis(200);

fn children_cpu() -> Result<f64> {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).context("getrusage")?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(secs(usage.user_time()) + secs(usage.system_time()))
}

fn sample_memory(mut tree: ClientTree, lesson: i32, stop: Arc<AtomicBool>) -> Sampled {
    let page = page_size();
    let mut out = Sampled::default();
    let mut next_pss = Instant::now();
    loop {
        let began = Instant::now();
        let pids = tree.scan();
        let sum: u64 = pids.iter().map(|&p| rss_bytes(p, page)).sum();
        let hwm = kb_field(&format!("/proc/{lesson}/status"), "VmHWM:");
        out.peak_rss = out.peak_rss.max(sum).max(hwm);
        let rss_cost = began.elapsed();
        if Instant::now() >= next_pss {
            let pss_began = Instant::now();
            let pss: u64 = pids
                .iter()
                .map(|&p| kb_field(&format!("/proc/{p}/smaps_rollup"), "Pss:"))
                .sum();
            out.peak_pss = out.peak_pss.max(pss);
            out.pss_samples += 1;
            // smaps_rollup walks page tables: at most a fifth of the time on it.
            next_pss = Instant::now() + PSS_EVERY.max(pss_began.elapsed() * 4);
        }
        out.samples += 1;
        if stop.load(Ordering::Relaxed) {
            return out;
        }
        // Reading /proc for a thousand processes takes a while: at most a fifth of the time
        // on it.
        thread::sleep(RSS_EVERY.max(rss_cost * 4));
        if stop.load(Ordering::Relaxed) {
            return out;
        }
    }
}

/// Waits for (reaps) every process the lesson left behind; kills them after `grace`.
fn reap_client(fleet: i32, grace: Duration) -> usize {
    let me = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
    let deadline = Instant::now() + grace;
    let mut seen = HashSet::new();
    loop {
        let mut tree = ClientTree::new(fleet);
        let left = tree.scan();
        if left.is_empty() {
            return seen.len();
        }
        let killing = Instant::now() > deadline;
        for &pid in &left {
            seen.insert(pid);
            if killing {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            if parent_of(pid) == Some(me) {
                let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
            }
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[derive(Debug)]
struct Workspace {
    bin_dir: PathBuf,
    scratch: tempfile::TempDir,
    ticks: f64,
}

/// What to quote from a failed run: its error lines (clap's, or `Error: device: reason`)
/// and its last line (`950 ok, 50 failed`).
fn gist(path: &Path) -> String {
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

fn run_once(ws: &Workspace, fleet: &MockFleet, job: &Job) -> Result<Measure, String> {
    let bin = ws.bin_dir.join(job.strategy().bin);
    let out_path = ws.scratch.path().join("run.out");
    let err_path = ws.scratch.path().join("run.err");
    let open = |p: &Path| fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()));
    let (out, err) = (open(&out_path)?, open(&err_path)?);
    let timeout = Duration::from_secs(60) + job.ideal() * 5;

    let mut tree = ClientTree::new(fleet.pid);
    tree.scan(); // classify what already runs before the clock starts
    let cpu_before = children_cpu().map_err(|e| e.to_string())?;
    let mock_before = process_cpu(fleet.pid, ws.ticks).unwrap_or(0.0);
    let (busy_before, total_before) = machine_cpu(ws.ticks);
    let self_before = own_cpu();
    let started = Instant::now();
    let mut child = Command::new(&bin)
        .args(job.args(&fleet.inventory))
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
            let mut tree = ClientTree::new(fleet.pid);
            for pid in tree.scan() {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            stop.store(true, Ordering::Relaxed);
            let _ = sampler.join();
            let _ = rx.recv_timeout(Duration::from_secs(10));
            reap_client(fleet.pid, Duration::from_secs(5));
            return Err(format!("timed out after {} s, killed", timeout.as_secs()));
        }
    };
    let wall = ended.duration_since(started).as_secs_f64();
    let mock_cpu = process_cpu(fleet.pid, ws.ticks).unwrap_or(0.0) - mock_before;
    stop.store(true, Ordering::Relaxed);
    let sampled = sampler.join().unwrap_or_default();
    let stragglers = reap_client(fleet.pid, Duration::from_secs(10));
    let cpu = children_cpu().map_err(|e| e.to_string())? - cpu_before;
    // Whatever else kept the machine busy meanwhile: all CPU time spent, less the
    // client's, the mock's and this benchmark's own (the sampler).
    let (busy_after, total_after) = machine_cpu(ws.ticks);
    let others = (busy_after - busy_before) - cpu - mock_cpu - (own_cpu() - self_before);
    let others = (others / (total_after - total_before).max(1e-9)).clamp(0.0, 1.0);
    let status = status.map_err(|e| format!("cannot wait for the lesson: {e}"))?;
    if !status.success() {
        let stderr = gist(&err_path);
        let stdout = gist(&out_path);
        return Err(format!(
            "{status} after {wall:.2} s; stderr: {stderr}; stdout: {stdout}"
        ));
    }
    Ok(Measure {
        wall,
        cpu,
        peak_rss: sampled.peak_rss,
        peak_pss: sampled.peak_pss,
        mock_cpu,
        samples: sampled.samples,
        pss_samples: sampled.pss_samples,
        others,
        stragglers,
    })
}

#[derive(Debug)]
struct Row {
    job: Job,
    runs: Vec<Measure>,
    failures: Vec<String>,
    skipped: Option<String>,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
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
    fn med(&self, f: impl Fn(&Measure) -> f64) -> Option<f64> {
        median(self.runs.iter().map(f).collect())
    }
    fn wall(&self) -> Option<f64> {
        self.med(|m| m.wall)
    }
    fn rate(&self) -> Option<f64> {
        self.wall().map(|w| self.job.n as f64 / w)
    }
    fn efficiency(&self) -> Option<f64> {
        let ideal = self.job.ideal().as_secs_f64();
        (ideal > 0.0).then(|| self.wall().map(|w| ideal / w))?
    }
    fn rss_mib(&self) -> Option<f64> {
        self.med(|m| m.peak_rss as f64 / MIB)
    }
    /// Only for runs long enough to be sampled a few times.
    fn pss_mib(&self) -> Option<f64> {
        let enough = self.med(|m| m.pss_samples as f64)? >= 3.0;
        enough.then(|| self.med(|m| m.peak_pss as f64 / MIB))?
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// How many runs: 5 for a short row, 3 for a longer one, 1 past a minute.
fn runs_for(first_wall: f64, ideal: Duration) -> usize {
    if ideal > SINGLE_RUN_ABOVE || first_wall > 60.0 {
        1
    } else if first_wall > 5.0 {
        3
    } else {
        5
    }
}

fn run_job(ws: &Workspace, fleet: &MockFleet, job: Job, config: &Config, t0: Instant) -> Row {
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
        };
    }
    let mut row = Row {
        job,
        runs: Vec::new(),
        failures: Vec::new(),
        skipped: None,
    };
    let mut planned = config.runs.unwrap_or(1);
    let mut i = 0;
    while i < planned {
        let result = run_once(ws, fleet, &row.job);
        if i == 0 && config.runs.is_none() {
            let wall = result.as_ref().map_or(0.0, |m| m.wall);
            planned = runs_for(wall, row.job.ideal());
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
    row
}

// ---------------------------------------------------------------------------------------
// The machine

#[derive(Debug)]
struct Machine {
    cores: usize,
    memory: String,
    cpu: String,
    kernel: String,
    rustc: String,
}

fn machine() -> Machine {
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    let memory = {
        let bytes = kb_field("/proc/meminfo", "MemTotal:");
        format!("{:.1} GiB", bytes as f64 / MIB / 1024.0)
    };
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    Machine {
        cores,
        memory,
        cpu,
        kernel,
        rustc,
    }
}

fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Busy and total CPU seconds of the whole machine, from /proc/stat.
fn machine_cpu(ticks: f64) -> (f64, f64) {
    let text = fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
        return (0.0, 0.0);
    };
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest is inside user)
    let total: f64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    ((total - idle) / ticks, total / ticks)
}

fn own_cpu() -> f64 {
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    getrusage(UsageWho::RUSAGE_SELF)
        .map(|u| secs(u.user_time()) + secs(u.system_time()))
        .unwrap_or(0.0)
}

// ---------------------------------------------------------------------------------------
// The big fleet

#[derive(Debug)]
struct BigFleet {
    ready: Vec<f64>,
    reported: Vec<f64>,
    rss: Vec<f64>,
    failures: Vec<String>,
}

fn measure_big_fleet(ws: &Workspace, runs: usize) -> BigFleet {
    let mut big = BigFleet {
        ready: Vec::new(),
        reported: Vec::new(),
        rss: Vec::new(),
        failures: Vec::new(),
    };
    for i in 0..runs {
        let fleet = MockFleet::start(
            &ws.bin_dir.join("mock-device"),
            BIG_FLEET,
            Duration::ZERO,
            ws.scratch.path(),
        );
        match fleet {
            Ok(fleet) => {
                // Let it settle (the table it prints after the inventory).
                thread::sleep(Duration::from_millis(500));
                let rss = fleet.rss() as f64 / MIB;
                println!(
                    "mock with {BIG_FLEET} devices, start {}/{runs}: inventory after {:.3} s \
                     (it says {}), RSS {rss:.1} MiB",
                    i + 1,
                    fleet.ready_after.as_secs_f64(),
                    fleet
                        .reported
                        .map_or("nothing".into(), |d| format!("{} ms", d.as_millis())),
                );
                big.ready.push(fleet.ready_after.as_secs_f64());
                if let Some(r) = fleet.reported {
                    big.reported.push(r.as_secs_f64());
                }
                big.rss.push(rss);
                if let Err(e) = fleet.stop() {
                    big.failures.push(format!("stopping it: {e:#}"));
                }
            }
            Err(e) => {
                println!("mock with {BIG_FLEET} devices: FAILED: {e:#}");
                big.failures.push(format!("{e:#}"));
            }
        }
    }
    big
}

// ---------------------------------------------------------------------------------------
// Output

fn fmt_latency(d: Duration) -> String {
    if d.is_zero() {
        "0".into()
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

fn fmt_secs(s: f64) -> String {
    if s >= 100.0 {
        format!("{s:.1} s")
    } else if s >= 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.3} s")
    }
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or("–".into(), f)
}

fn find(rows: &[Row], n: usize, latency: Duration, strategy: usize, w: usize) -> Option<&Row> {
    rows.iter().find(|r| {
        r.job.n == n && r.job.latency == latency && r.job.strategy == strategy && r.job.workers == w
    })
}

struct Report<'a> {
    config: &'a Config,
    rows: &'a [Row],
    big: &'a BigFleet,
    machine: &'a Machine,
    load_before: String,
    load_after: String,
    others_share: f64,
    total: Duration,
    commit: String,
    date: String,
    samples: (usize, f64),
}

fn markdown(r: &Report) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# Benchmarks: seven strategies, 10 to 1000 devices\n");
    let _ = writeln!(
        w,
        "Written by `cargo bench -p mock-device --bench strategies` \
         ([mock-device/benches/strategies.rs](mock-device/benches/strategies.rs)) on {}, \
         at commit {}; the whole benchmark took {:.1} minutes.{}\n",
        r.date,
        r.commit,
        r.total.as_secs_f64() / 60.0,
        if r.config.full {
            ""
        } else if r.config.quick {
            " **Quick mode (STRATEGIES_QUICK): N = 10 only, one run per row.**"
        } else {
            " **A subset (STRATEGIES_N / STRATEGIES_LATENCY).**"
        }
    );
    let _ = writeln!(
        w,
        "![Wall time against the number of devices, one panel per latency](BENCHMARKS.svg)\n"
    );
    let _ = writeln!(w, "The plot: [BENCHMARKS.svg](BENCHMARKS.svg).\n");

    let _ = writeln!(w, "## Reproduce\n");
    let _ = writeln!(w, "```sh");
    let _ = writeln!(
        w,
        "cargo bench -p mock-device --bench strategies   # rewrites BENCHMARKS.md and BENCHMARKS.svg"
    );
    let _ = writeln!(
        w,
        "STRATEGIES_QUICK=1 cargo bench -p mock-device --bench strategies   # N = 10, one run each, into target/strategies-quick/"
    );
    let _ = writeln!(
        w,
        "STRATEGIES_N=1000 STRATEGIES_LATENCY=1s cargo bench -p mock-device --bench strategies   # a subset, into target/strategies-subset/"
    );
    let _ = writeln!(w, "```\n");
    let _ = writeln!(
        w,
        "Linux only (it reads /proc). Nothing else runs: the benchmark builds the release \
         binaries itself (`cargo build --release --workspace --bins`) and starts and stops \
         every fleet it uses.\n"
    );

    let m = r.machine;
    let _ = writeln!(w, "## Machine\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    let _ = writeln!(w, "| cores (`available_parallelism`) | {} |", m.cores);
    let _ = writeln!(w, "| CPU | {} |", m.cpu);
    let _ = writeln!(w, "| memory | {} |", m.memory);
    let _ = writeln!(w, "| Linux | {} |", m.kernel);
    let _ = writeln!(w, "| compiler | {} |", m.rustc);
    let _ = writeln!(
        w,
        "| load average (1, 5, 15 min) before / after | {} / {} |",
        r.load_before, r.load_after
    );
    let _ = writeln!(
        w,
        "| CPU used by other programs during the benchmark | {:.0} % of the machine |\n",
        r.others_share * 100.0
    );
    if r.others_share > 0.10 {
        let _ = writeln!(
            w,
            "**The machine was busy**: other programs (builds and tests of other engineers) \
             used {:.0} % of its CPU while this ran. The zero-latency rows, which are \
             CPU-bound, are the ones that suffer; the rows with latency mostly wait.\n",
            r.others_share * 100.0
        );
    }

    let _ = writeln!(w, "## Method\n");
    let _ = writeln!(
        w,
        "- **A standalone fleet.** For each number of devices N and latency L, \
         `target/release/mock-device --devices N --login-delay L --command-delay 0s \
         --inventory-out FILE` runs as a process of its own, on the same machine (127.0.0.1). \
         Each strategy then runs against the same fleet, and the fleet is stopped before the \
         next (N, L). The command delay is zero, so each device costs one latency whatever \
         the lesson does on it (login only, or login and `show version`)."
    );
    let _ = writeln!(
        w,
        "- **Release builds** of the lessons (copied aside right after the build, so that \
         another build during the benchmark cannot swap them), each started as \
         `LESSON ARGS --inventory FILE [--workers W]`; stdout and stderr go to a file. Every \
         run must exit 0 (every device answered); a failed run is listed and left out of the \
         medians."
    );
    let _ = writeln!(
        w,
        "- **Medians** of 5 runs where a run takes under 5 s, 3 under a minute, 1 above \
         (the `runs` column). Serial over 1000 devices at 1 s is not run: it would take \
         1000 s to show N × L."
    );
    let _ = writeln!(
        w,
        "- **Pools** get W = min(N, {POOL_WORKERS}) workers; a thread or process per device \
         has W = N; serial has W = 1. Two more rows, the thread pool and map with W = \
         {SMALL_POOL} over 1000 devices at zero latency, are the sessions/s target.\n"
    );
    let _ = writeln!(w, "| strategy | lesson binary and arguments |\n|---|---|");
    for s in &STRATEGIES {
        let workers = if s.kind == Kind::Pool {
            " --workers W"
        } else {
            ""
        };
        let _ = writeln!(
            w,
            "| {} | `{} {}{}` |",
            s.name,
            s.bin,
            s.args.join(" "),
            workers
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "The columns:\n");
    let _ = writeln!(
        w,
        "- **wall**: median wall time, from starting the lesson's process to its exit \
         (process start-up, reading the inventory and, for process pools, starting the \
         workers included); **min–max** over the runs.\n\
         - **ideal**: `ceil(N/W) × L`, the time the waiting alone takes (serial: N × L; a \
         thread or process per device: L).\n\
         - **efficiency**: ideal / wall (only where L > 0).\n\
         - **sessions/s**: N / wall.\n\
         - **client CPU**: user + system CPU seconds of the lesson and all its descendants \
         (`getrusage(RUSAGE_CHILDREN)` before and after the run; the benchmark is a child \
         subreaper, so worker processes are counted even when the lesson does not wait for \
         them).\n\
         - **client peak RSS**: the highest summed resident memory of the lesson and all its \
         descendant processes, sampled from /proc every 10 ms or more (every {:.0} ms on \
         average over the benchmark: a sample of a thousand processes takes a while, and \
         at most a fifth of the time goes to sampling), and never below the lesson \
         process's own VmHWM. A run of a few tens of milliseconds gets few samples, so its \
         figure is a lower bound. Summed RSS counts the pages processes share (the binary, \
         libraries) once per process, so for many processes it overstates; **peak PSS**, \
         sampled every 200 ms or more, shares them out (shown only for runs sampled at \
         least 3 times).\n\
         - **mock CPU**: CPU seconds the fleet process spent during the run (its work for \
         this client).\n\
         - **others**: the share of the machine's CPU that other programs used during the \
         runs (all CPU time in /proc/stat, less the client's, the mock's and the \
         benchmark's own): where it is high, the row was measured on a busy machine.\n",
        r.samples.1 * 1000.0
    );

    let _ = writeln!(w, "## Results\n");
    for &latency in &r.config.latencies {
        for &n in &r.config.ns {
            let rows: Vec<&Row> = r
                .rows
                .iter()
                .filter(|row| row.job.n == n && row.job.latency == latency)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(
                w,
                "### {n} devices, latency {}\n",
                if latency.is_zero() {
                    "0".to_string()
                } else {
                    humantime::format_duration(latency).to_string()
                }
            );
            let _ = writeln!(
                w,
                "| strategy | W | wall | min–max | ideal | efficiency | sessions/s | client CPU | client peak RSS | peak PSS | mock CPU | others | runs |"
            );
            let _ = writeln!(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
            for row in rows {
                let ideal = row.job.ideal().as_secs_f64();
                let ideal_text = fmt_secs(ideal);
                if let Some(why) = &row.skipped {
                    let _ = writeln!(
                        w,
                        "| {} | {} | {why} | | {ideal_text} | | | | | | | | 0 |",
                        row.job.strategy().name,
                        row.job.workers
                    );
                    continue;
                }
                let min = row
                    .runs
                    .iter()
                    .map(|m| m.wall)
                    .fold(f64::INFINITY, f64::min);
                let max = row.runs.iter().map(|m| m.wall).fold(0.0, f64::max);
                let runs = if row.failures.is_empty() {
                    row.runs.len().to_string()
                } else {
                    format!("{} ok, **{} FAILED**", row.runs.len(), row.failures.len())
                };
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    row.job.strategy().name,
                    row.job.workers,
                    opt(row.wall(), |v| format!("**{}**", fmt_secs(v))),
                    if row.runs.len() > 1 {
                        format!("{min:.3}–{max:.3}")
                    } else {
                        String::new()
                    },
                    ideal_text,
                    opt(row.efficiency(), |e| format!("{:.0} %", e * 100.0)),
                    opt(row.rate(), |v| format!("{v:.0}")),
                    opt(row.med(|m| m.cpu), |v| format!("{v:.2} s")),
                    opt(row.rss_mib(), |v| format!("{v:.1} MiB")),
                    opt(row.pss_mib(), |v| format!("{v:.1} MiB")),
                    opt(row.med(|m| m.mock_cpu), |v| format!("{v:.2} s")),
                    opt(row.med(|m| m.others), |v| format!("{:.0} %", v * 100.0)),
                    runs
                );
            }
            let _ = writeln!(w);
        }
    }
    let failures: Vec<(&Row, &String)> = r
        .rows
        .iter()
        .flat_map(|row| row.failures.iter().map(move |f| (row, f)))
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(w, "### Failed runs\n");
        for (row, f) in failures {
            let _ = writeln!(
                w,
                "- {} devices, latency {}, {} (W = {}): {}",
                row.job.n,
                fmt_latency(row.job.latency),
                row.job.strategy().name,
                row.job.workers,
                f.replace('|', "\\|")
            );
        }
        let _ = writeln!(w);
    }
    let busy: Vec<String> = r
        .rows
        .iter()
        .filter_map(|row| {
            let others = row.med(|m| m.others)?;
            (others > 0.25).then(|| {
                format!(
                    "{} at {} devices, latency {} ({:.0} %)",
                    row.job.strategy().name,
                    row.job.n,
                    fmt_latency(row.job.latency),
                    others * 100.0
                )
            })
        })
        .collect();
    if !busy.is_empty() {
        let _ = writeln!(
            w,
            "Measured while other programs used more than a quarter of the machine (the \
             `others` column), so slower than on a quiet machine: {}.\n",
            busy.join("; ")
        );
    }
    let stragglers: usize = r
        .rows
        .iter()
        .flat_map(|row| &row.runs)
        .map(|m| m.stragglers)
        .sum();
    if stragglers > 0 {
        let _ = writeln!(
            w,
            "{stragglers} processes in all were still running when their lesson exited (worker \
             processes not waited for); the benchmark waited for them, and counted their CPU.\n"
        );
    }

    targets(w, r);
    md
}

fn verdict(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**MISSED**" }
}

fn targets(w: &mut String, r: &Report) {
    let _ = writeln!(w, "## Targets\n");
    let second = Duration::from_secs(1);
    // (a)
    let _ = writeln!(
        w,
        "**(a) 1000 devices, 1 s latency, {POOL_WORKERS} workers**: the thread pool and map \
         within 1.05 × the ideal 10 s, the process pool within 1.10 ×.\n"
    );
    let mut any = false;
    for (strategy, limit) in [(THREAD_POOL, 1.05), (MAP, 1.05), (PROCESS_POOL, 1.10)] {
        let Some(row) = find(r.rows, 1000, second, strategy, POOL_WORKERS) else {
            continue;
        };
        any = true;
        let ideal = row.job.ideal().as_secs_f64();
        match row.wall() {
            Some(wall) => {
                let ratio = wall / ideal;
                let _ = writeln!(
                    w,
                    "- {}: {} = {ratio:.3} × ideal (limit {limit:.2} ×): {}{}",
                    STRATEGIES[strategy].name,
                    fmt_secs(wall),
                    verdict(ratio <= limit && row.failures.is_empty()),
                    if row.failures.is_empty() {
                        String::new()
                    } else {
                        format!(", with {} failed runs", row.failures.len())
                    }
                );
                if ratio > limit {
                    let why = explain_slow(r.rows, row, wall);
                    let _ = writeln!(w, "  {why}");
                }
            }
            None => {
                let _ = writeln!(
                    w,
                    "- {}: no successful run: **MISSED**",
                    STRATEGIES[strategy].name
                );
            }
        }
    }
    if !any {
        let _ = writeln!(w, "- not measured in this run");
    }
    let _ = writeln!(w);

    // (b)
    let _ = writeln!(
        w,
        "**(b) 1000 devices, zero latency**: at least 1500 sessions/s for the thread pool \
         with {SMALL_POOL} workers.\n"
    );
    match find(r.rows, 1000, Duration::ZERO, THREAD_POOL, SMALL_POOL) {
        Some(row) => match (row.rate(), row.wall()) {
            (Some(rate), Some(wall)) => {
                let _ = writeln!(
                    w,
                    "- thread pool, W = {SMALL_POOL}: {rate:.0} sessions/s ({} for 1000): {}",
                    fmt_secs(wall),
                    verdict(rate >= 1500.0 && row.failures.is_empty())
                );
                if let Some(map) = find(r.rows, 1000, Duration::ZERO, MAP, SMALL_POOL)
                    && let Some(rate) = map.rate()
                {
                    let _ = writeln!(w, "- (map, W = {SMALL_POOL}: {rate:.0} sessions/s)");
                }
                let client = row.med(|m| m.cpu).unwrap_or(0.0);
                let mock = row.med(|m| m.mock_cpu).unwrap_or(0.0);
                let per = (client + mock) / 1000.0 * 1000.0;
                let cores = r.machine.cores.max(1) as f64;
                let _ = writeln!(
                    w,
                    "- Each session cost {:.2} ms of client CPU and {:.2} ms of mock CPU, \
                     {per:.2} ms in all; client and mock share the {} cores, so the CPU \
                     alone caps this machine at about {:.0} sessions/s.",
                    client,
                    mock,
                    r.machine.cores,
                    cores * 1000.0 / per.max(1e-9)
                );
                if rate < 1500.0 {
                    let _ = writeln!(
                        w,
                        "- Why it is missed: {}",
                        if r.others_share > 0.10 {
                            format!(
                                "other programs used {:.0} % of the machine meanwhile, and \
                                 this row is CPU-bound; ",
                                r.others_share * 100.0
                            )
                        } else {
                            String::new()
                        } + "the figure includes the lesson's own start-up and exit, \
                             which a sustained rate would not pay. It would take a quieter \
                             machine, or fewer CPU milliseconds per session on either side."
                    );
                }
            }
            _ => {
                let _ = writeln!(w, "- no successful run: **MISSED**");
            }
        },
        None => {
            let _ = writeln!(w, "- not measured in this run");
        }
    }
    let _ = writeln!(w);

    // (c)
    let _ = writeln!(
        w,
        "**(c) Memory of {POOL_WORKERS} pool threads against the process pool's workers** \
         (client peak, 1000 devices, 1 s latency, W = {POOL_WORKERS}; the per-device \
         strategies at 1000 devices for scale):\n"
    );
    let pick = |lat: Duration, s: usize, workers: usize| find(r.rows, 1000, lat, s, workers);
    if pick(second, THREAD_POOL, POOL_WORKERS).is_none()
        && pick(second, PROCESS_POOL, POOL_WORKERS).is_none()
    {
        let _ = writeln!(w, "- not measured in this run\n");
    } else {
        let _ = writeln!(
            w,
            "| | thread pool (06-futures), W = {POOL_WORKERS} | process pool (09-process-pool), W = {POOL_WORKERS} | thread per device (1000 threads) | process per device (1000 processes) |"
        );
        let _ = writeln!(w, "|---|--:|--:|--:|--:|");
        let cols = [
            pick(second, THREAD_POOL, POOL_WORKERS),
            pick(second, PROCESS_POOL, POOL_WORKERS),
            pick(second, 1, 1000),
            pick(second, 2, 1000),
        ];
        let line = |name: &str, f: &dyn Fn(&Row) -> Option<f64>| {
            let cells: Vec<String> = cols
                .iter()
                .map(|c| c.and_then(f).map_or("–".into(), |v| format!("{v:.1} MiB")))
                .collect();
            format!("| {name} | {} |", cells.join(" | "))
        };
        let _ = writeln!(w, "{}", line("peak RSS, summed", &|row| row.rss_mib()));
        let _ = writeln!(w, "{}", line("peak PSS, summed", &|row| row.pss_mib()));
        let _ = writeln!(
            w,
            "{}",
            line("peak PSS per worker", &|row| row
                .pss_mib()
                .map(|v| v / row.job.workers as f64))
        );
        let _ = writeln!(w);
        if let (Some(t), Some(p)) = (
            cols[0].and_then(|r| r.pss_mib()),
            cols[1].and_then(|r| r.pss_mib()),
        ) {
            let _ = writeln!(
                w,
                "The process pool's workers take {:.1} × the memory of the thread pool \
                 (PSS; {:.1} MiB more for {POOL_WORKERS} workers). A thread costs its stack \
                 as far as it is touched; a worker process carries its own heap, its own \
                 copy of the program's writable data, its own SSH library state.\n",
                p / t.max(1e-9),
                p - t
            );
        }
    }

    // (d)
    let _ = writeln!(
        w,
        "**(d) The mock with {BIG_FLEET} devices**: start-up and memory.\n"
    );
    let big = r.big;
    match (median(big.ready.clone()), median(big.rss.clone())) {
        (Some(ready), Some(rss)) => {
            let _ = writeln!(
                w,
                "- `mock-device --devices {BIG_FLEET} --inventory-out F`, from starting the \
                 process to a complete inventory file: **{}** (median of {}; the mock's own \
                 figure for starting the fleet: {}).",
                fmt_secs(ready),
                big.ready.len(),
                opt(median(big.reported.clone()), fmt_secs)
            );
            let _ = writeln!(
                w,
                "- Its memory, idle with {BIG_FLEET} devices listening: **{rss:.1} MiB** RSS \
                 ({:.1} KiB per device).",
                rss * 1024.0 / BIG_FLEET as f64
            );
        }
        _ => {
            let _ = writeln!(w, "- no successful start: **MISSED**");
        }
    }
    for f in &big.failures {
        let _ = writeln!(w, "- failed: {f}");
    }
    let _ = writeln!(w);
}

/// Why a pool took longer than its target: compare with the same lesson at zero latency,
/// which is what waiting cannot hide.
fn explain_slow(rows: &[Row], row: &Row, wall: f64) -> String {
    let ideal = row.job.ideal().as_secs_f64();
    let excess = wall - ideal;
    let mut text = format!("Why: {excess:.2} s over the ideal.");
    let process = row.job.strategy == PROCESS_POOL;
    let zero = find(
        rows,
        row.job.n,
        Duration::ZERO,
        row.job.strategy,
        row.job.workers,
    )
    .and_then(Row::wall);
    if let Some(zero) = zero {
        let _ = write!(
            text,
            " The same lesson over the same {} devices with no latency at all takes {}: \
             starting the program{}, reading the inventory, and the CPU of {} SSH logins on \
             both sides, which share the machine's cores. That part is not waiting, so \
             latency cannot hide it; it is {:.0} % of the excess.",
            row.job.n,
            fmt_secs(zero),
            if process {
                format!(" and its {} worker processes", row.job.workers)
            } else {
                String::new()
            },
            row.job.n,
            (zero / excess.max(1e-9) * 100.0).min(999.0)
        );
    }
    if let Some(cpu) = row.med(|m| m.cpu) {
        let _ = write!(
            text,
            " Over this run the client used {cpu:.2} s of CPU and the mock {:.2} s.",
            row.med(|m| m.mock_cpu).unwrap_or(0.0)
        );
    }
    text.push_str(if process {
        " What it would take: workers that start faster or before the clock (procspawn \
         starts them one by one, each a new process of the whole program), or a target \
         with room for the pool's start-up."
    } else {
        " What it would take: less fixed cost per run, or a quieter machine."
    });
    text
}

// ---------------------------------------------------------------------------------------
// The plot

/// One colour per strategy, in the order of [`STRATEGIES`] (Tableau 10).
const COLORS: [(u8, u8, u8); 7] = [
    (127, 127, 127),
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
];

fn plot(path: &Path, config: &Config, rows: &[Row]) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    let panels = config.latencies.len().max(1);
    let root = SVGBackend::new(path, (560 * panels as u32, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let (title, body) = root.split_vertically(40);
    title
        .titled(
            "Wall time against devices (median, log scales)",
            ("sans-serif", 26),
        )
        .map_err(|e| anyhow!("{e}"))?;
    let n_min = config.ns.iter().copied().min().unwrap_or(10) as f64;
    let n_max = config.ns.iter().copied().max().unwrap_or(1000) as f64;
    let x_range = (n_min / 1.3)..(n_max * 1.3);
    for (area, &latency) in body.split_evenly((1, panels)).iter().zip(&config.latencies) {
        let walls: Vec<f64> = rows
            .iter()
            .filter(|r| r.job.latency == latency)
            .filter_map(|r| match r.skipped {
                Some(_) => Some(r.job.ideal().as_secs_f64()),
                None => r.wall(),
            })
            .collect();
        // Whole decades, so every power of ten on the axis has a label.
        let (lo, hi) = if walls.is_empty() {
            (0.01, 10.0)
        } else {
            let lo = walls.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = walls.iter().copied().fold(0.0, f64::max);
            (
                // A hair below the decade, or rounding hides its label.
                10f64.powf((lo / 1.2).log10().floor()) * 0.999,
                10f64.powf((hi * 1.2).log10().ceil()) * 1.001,
            )
        };
        let caption = if latency.is_zero() {
            "latency 0".to_string()
        } else {
            format!("latency {}", humantime::format_duration(latency))
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range.clone().log_scale(), (lo..hi).log_scale())
            .map_err(|e| anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .x_desc("devices N")
            .y_desc("wall time (s)")
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 14))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| {
                let decimals = (-y.log10()).ceil().max(0.0) as usize;
                format!("{y:.decimals$}")
            })
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        if !latency.is_zero() {
            let ideal: Vec<(f64, f64)> = config
                .ns
                .iter()
                .map(|&n| {
                    let w = n.min(POOL_WORKERS);
                    (n as f64, latency.as_secs_f64() * n.div_ceil(w) as f64)
                })
                .filter(|&(_, y)| y >= lo && y <= hi)
                .collect();
            chart
                .draw_series(DashedLineSeries::new(
                    ideal,
                    6,
                    4,
                    BLACK.mix(0.6).stroke_width(1),
                ))
                .map_err(|e| anyhow!("{e}"))?
                .label(format!("ideal, pool of {POOL_WORKERS}"))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.6)));
        }
        for (i, s) in STRATEGIES.iter().enumerate() {
            let (r, g, b) = COLORS[i % COLORS.len()];
            let color = RGBColor(r, g, b);
            let points: Vec<(f64, f64)> = config
                .ns
                .iter()
                .filter_map(|&n| {
                    let w = match s.kind {
                        Kind::Serial => 1,
                        Kind::PerDevice => n,
                        Kind::Pool => n.min(POOL_WORKERS),
                    };
                    let wall = find(rows, n, latency, i, w)?.wall()?;
                    Some((n as f64, wall))
                })
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(|e| anyhow!("{e}"))?
                .label(s.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| anyhow!("{e}"))?;
            // A row not run (serial, 1000 devices at 1 s): its ideal, hollow, dashed.
            for row in rows
                .iter()
                .filter(|r| r.job.latency == latency && r.job.strategy == i && r.skipped.is_some())
            {
                let at = (row.job.n as f64, row.job.ideal().as_secs_f64());
                if let Some(&last) = points.last() {
                    chart
                        .draw_series(DashedLineSeries::new(
                            vec![last, at],
                            6,
                            4,
                            color.stroke_width(1),
                        ))
                        .map_err(|e| anyhow!("{e}"))?;
                }
                chart
                    .draw_series(std::iter::once(Circle::new(at, 4, color.stroke_width(2))))
                    .map_err(|e| anyhow!("{e}"))?;
                let style = TextStyle::from(("sans-serif", 14).into_font())
                    .color(&color)
                    .pos(Pos::new(HPos::Right, VPos::Center));
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{}: not run, ideal {:.0} s", s.name, at.1),
                        (at.0 / 1.15, at.1),
                        style,
                    )))
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
    }
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------

fn build(root: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("building the release binaries: {cargo} build --release --workspace --bins");
    let status = Command::new(&cargo)
        .args(["build", "--release", "--workspace", "--bins"])
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run {cargo}"))?;
    if !status.success() {
        bail!("`cargo build --release --workspace --bins` failed ({status})");
    }
    Ok(())
}

fn git_commit(root: &Path) -> String {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
    };
    let Some(sha) = run(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown".into();
    };
    let dirty =
        run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty {
        format!("`{sha}` (with uncommitted changes)")
    } else {
        format!("`{sha}`")
    }
}

fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60
    )
}

fn main() -> Result<()> {
    let t0 = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("mock-device has no parent directory")?
        .to_path_buf();
    // This executable is target/release/deps/strategies-HASH: the binaries are two levels up.
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let bin_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("unexpected location of the benchmark executable")?
        .to_path_buf();
    let target = bin_dir.parent().unwrap_or(&bin_dir).to_path_buf();
    let config = Config::from_env(&root, &target)?;
    nix::sys::prctl::set_child_subreaper(true).context("cannot become a child subreaper")?;

    build(&root)?;
    // Copies: another build in the same target directory during the benchmark (other
    // people's work) must not change the binaries half-way.
    let scratch = tempfile::tempdir().context("cannot make a temporary directory")?;
    let copies = scratch.path().join("bin");
    fs::create_dir_all(&copies)?;
    for name in STRATEGIES.iter().map(|s| s.bin).chain(["mock-device"]) {
        let built = bin_dir.join(name);
        fs::copy(&built, copies.join(name))
            .with_context(|| format!("{} was not built", built.display()))?;
    }
    let ws = Workspace {
        bin_dir: copies,
        scratch,
        ticks: clock_ticks(),
    };
    let machine = machine();
    // After the build, which loads the machine itself.
    let load_before = loadavg();
    println!(
        "{} cores, {}, {}; load average {load_before}; N {:?}, latencies {:?}{}",
        machine.cores,
        machine.memory,
        machine.cpu,
        config.ns,
        config.latencies,
        if config.quick { " (quick)" } else { "" }
    );
    let measuring = Instant::now();
    let (busy0, _) = machine_cpu(ws.ticks);
    let ours0 = own_cpu() + children_cpu()?;

    let mut rows = Vec::new();
    for &latency in &config.latencies {
        for &n in &config.ns {
            let fleet = MockFleet::start(
                &ws.bin_dir.join("mock-device"),
                n,
                latency,
                ws.scratch.path(),
            )
            .with_context(|| format!("starting the fleet of {n} devices"))?;
            println!(
                "[{:>6.0} s] fleet of {n} devices, login delay {}: ready in {:.3} s (pid {})",
                t0.elapsed().as_secs_f64(),
                fmt_latency(latency),
                fleet.ready_after.as_secs_f64(),
                fleet.pid
            );
            for job in jobs(n, latency) {
                rows.push(run_job(&ws, &fleet, job, &config, t0));
            }
            fleet.stop()?;
        }
    }
    let big = measure_big_fleet(&ws, if config.quick { 1 } else { 3 });

    let (busy1, _) = machine_cpu(ws.ticks);
    let ours1 = own_cpu() + children_cpu()?;
    let span = measuring.elapsed().as_secs_f64();
    let others = (busy1 - busy0) - (ours1 - ours0);
    let others_share = (others / (span * machine.cores.max(1) as f64)).clamp(0.0, 1.0);
    let load_after = loadavg();

    let all: Vec<&Measure> = rows.iter().flat_map(|r| &r.runs).collect();
    let sample_count: usize = all.iter().map(|m| m.samples).sum();
    let sampled_time: f64 = all.iter().map(|m| m.wall).sum();
    let report = Report {
        config: &config,
        rows: &rows,
        big: &big,
        machine: &machine,
        load_before,
        load_after,
        others_share,
        total: t0.elapsed(),
        commit: git_commit(&root),
        date: utc_now(),
        samples: (sample_count, sampled_time / sample_count.max(1) as f64),
    };
    fs::create_dir_all(&config.out_dir)?;
    let md_path = config.out_dir.join("BENCHMARKS.md");
    let svg_path = config.out_dir.join("BENCHMARKS.svg");
    fs::write(&md_path, markdown(&report))
        .with_context(|| format!("cannot write {}", md_path.display()))?;
    plot(&svg_path, &config, &rows).context("cannot draw the plot")?;
    println!(
        "wrote {} and {} in {:.1} min",
        md_path.display(),
        svg_path.display(),
        t0.elapsed().as_secs_f64() / 60.0
    );
    let failed: usize = rows.iter().map(|r| r.failures.len()).sum();
    if failed > 0 {
        println!("{failed} runs failed: see the tables");
    }
    Ok(())
}
