//! What one run costs, read from /proc and getrusage: which processes are the client, their
//! summed memory over time, CPU of the client, the mock and the rest of the machine.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::{Pid, SysconfVar, sysconf};

use crate::MIB;

// ---------------------------------------------------------------------------------------
// /proc

pub fn page_size() -> u64 {
    sysconf(SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(4096)
}

pub fn clock_ticks() -> f64 {
    sysconf(SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .map(|v| v as f64)
        .unwrap_or(100.0)
}

/// The fields of /proc/PID/stat after the command name (state is field 0 here).
pub fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 1..];
    Some(after.split_whitespace().map(String::from).collect())
}

pub fn parent_of(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// User + system CPU seconds of one process (not its children).
pub fn process_cpu(pid: i32, ticks: f64) -> Option<f64> {
    let fields = stat_fields(pid)?;
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / ticks)
}

pub fn rss_bytes(pid: i32, page: u64) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|t| t.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * page)
}

/// A `kB` line of /proc/PID/status or smaps_rollup, in bytes.
pub fn kb_field(path: &str, key: &str) -> u64 {
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

pub fn proc_pids() -> HashSet<i32> {
    fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Which processes on the machine are the client: descendants of this benchmark, except the
/// mock fleets (two run at once for the cost of recording). Each pid is classified once (this process is a child subreaper, so a
/// descendant stays one when its parent dies).
#[derive(Debug)]
pub struct ClientTree {
    pub me: i32,
    pub fleets: Vec<i32>,
    pub class: HashMap<i32, bool>,
}

impl ClientTree {
    pub fn new(fleets: &[i32]) -> ClientTree {
        ClientTree {
            me: i32::try_from(std::process::id()).unwrap_or(i32::MAX),
            fleets: fleets.to_vec(),
            class: HashMap::new(),
        }
    }

    pub fn classify(&mut self, pid: i32, depth: usize) -> bool {
        if pid == self.me || self.fleets.contains(&pid) || pid <= 1 || depth > 64 {
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
    pub fn scan(&mut self) -> Vec<i32> {
        let live = proc_pids();
        self.class.retain(|pid, _| live.contains(pid));
        live.into_iter().filter(|&p| self.classify(p, 0)).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Memory and CPU of one run

#[derive(Debug, Clone)]
pub struct Measure {
    pub wall: f64,
    pub cpu: f64,
    pub peak_rss: u64,
    pub peak_pss: u64,
    pub mock_cpu: f64,
    pub samples: usize,
    pub pss_samples: usize,
    /// Share of the machine's CPU used by other programs during the run.
    pub others: f64,
    /// Processes of the lesson still running after it exited (reaped here).
    pub stragglers: usize,
}

#[derive(Debug, Default)]
pub struct Sampled {
    pub peak_rss: u64,
    pub peak_pss: u64,
    pub samples: usize,
    pub pss_samples: usize,
}

/// How often the client's RSS and PSS are read (at least).
pub const RSS_EVERY: Duration = Duration::from_millis(10);
pub const PSS_EVERY: Duration = Duration::from_millis(200);

pub fn children_cpu() -> Result<f64> {
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).context("getrusage")?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(secs(usage.user_time()) + secs(usage.system_time()))
}

pub fn sample_memory(mut tree: ClientTree, lesson: i32, stop: Arc<AtomicBool>) -> Sampled {
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
pub fn reap_client(fleets: &[i32], grace: Duration) -> usize {
    let me = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
    let deadline = Instant::now() + grace;
    let mut seen = HashSet::new();
    loop {
        let mut tree = ClientTree::new(fleets);
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

// ---------------------------------------------------------------------------------------
// The machine

#[derive(Debug)]
pub struct Machine {
    pub cores: usize,
    pub memory: String,
    pub cpu: String,
    pub kernel: String,
    pub rustc: String,
}

pub fn machine() -> Machine {
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

pub fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Busy and total CPU seconds of the whole machine, from /proc/stat.
pub fn machine_cpu(ticks: f64) -> (f64, f64) {
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

pub fn own_cpu() -> f64 {
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    getrusage(UsageWho::RUSAGE_SELF)
        .map(|u| secs(u.user_time()) + secs(u.system_time()))
        .unwrap_or(0.0)
}
