//! The mock fleet as a process of its own: started with `--inventory-out` (and
//! `--events-out`, when it records), ready once its inventory is complete, stopped with
//! SIGTERM; what its events file says about the sessions it saw; and the start-up of a
//! 10,000-device fleet.

use std::collections::VecDeque;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use mock_device::record::{Record, read_events_file};

use crate::measure::kb_field;
use crate::run::Workspace;
use crate::{BIG_FLEET, MIB};

#[derive(Debug)]
pub struct MockFleet {
    pub child: Child,
    pub pid: i32,
    /// Its number of devices.
    pub n: usize,
    pub inventory: PathBuf,
    /// When the process was spawned: about when its clock (the events' `t`) started.
    pub started: Instant,
    /// From spawning the process to a complete inventory file.
    pub ready_after: Duration,
    /// The start-up time the mock printed itself (`N devices started in X ms`).
    pub reported: Option<Duration>,
    pub output: Arc<Mutex<VecDeque<String>>>,
    /// The fleet's `--events-out` file, when it records.
    pub events: Option<PathBuf>,
    /// Sessions of the events file already handed out by [`MockFleet::peak_open_since`]
    /// and [`MockFleet::record_since`].
    pub sessions_seen: usize,
}

/// Whether a fleet writes what it sees to an events file (`--events-out`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    On,
    Off,
}

pub fn drain(stream: impl Read + Send + 'static, tail: Arc<Mutex<VecDeque<String>>>) {
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

pub fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
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
    pub fn start(
        bin: &Path,
        n: usize,
        login_delay: Duration,
        dir: &Path,
        recording: Recording,
    ) -> Result<MockFleet> {
        // Two fleets of the same size can run at once (recording and not, for the cost of
        // recording): each has files of its own.
        let name = match recording {
            Recording::On => format!("fleet-{n}"),
            Recording::Off => format!("fleet-{n}-plain"),
        };
        MockFleet::start_with(bin, &name, n, login_delay, dir, recording, &[])
    }

    /// A fleet whose files are called `name` in `dir`, with more flags (`--name-prefix a-`,
    /// the AAA server's).
    pub fn start_with(
        bin: &Path,
        name: &str,
        n: usize,
        login_delay: Duration,
        dir: &Path,
        recording: Recording,
        extra: &[String],
    ) -> Result<MockFleet> {
        let inventory = dir.join(format!("{name}.yaml"));
        let _ = fs::remove_file(&inventory);
        let events = (recording == Recording::On).then(|| dir.join(format!("{name}.jsonl")));
        let mut command = Command::new(bin);
        if let Some(events) = &events {
            command.arg("--events-out").arg(events);
        }
        let started = Instant::now();
        let mut child = command
            .arg("--devices")
            .arg(n.to_string())
            .arg("--login-delay")
            .arg(format!("{}ms", login_delay.as_millis()))
            .arg("--command-delay")
            .arg("0s")
            .arg("--inventory-out")
            .arg(&inventory)
            .args(extra)
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
            n,
            inventory,
            started,
            ready_after: Duration::ZERO,
            reported: None,
            output,
            events,
            sessions_seen: 0,
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

    /// The most sessions the fleet saw open at once among those it accepted since the last
    /// call (the runs of one row: they run one after the other against this fleet), from
    /// its events file. `None` when the fleet does not record.
    pub fn peak_open_since(&mut self) -> Option<Result<usize, String>> {
        Some(self.record_since()?.map(|record| record.peak_open().0))
    }

    /// The record of the sessions the fleet accepted since the last call (or the last
    /// [`MockFleet::peak_open_since`]), from its events file. `None` when it does not record.
    pub fn record_since(&mut self) -> Option<Result<Record, String>> {
        let path = self.events.clone()?;
        wait_until_still(&path);
        Some(match read_events_file(&path) {
            Ok(mut record) => {
                // Sessions are listed in the order they were accepted: the row's are the
                // ones after those already seen.
                let seen = self.sessions_seen.min(record.sessions.len());
                self.sessions_seen = record.sessions.len();
                record.sessions.drain(..seen);
                Ok(record)
            }
            Err(e) => Err(e.to_string()),
        })
    }

    pub fn rss(&self) -> u64 {
        kb_field(&format!("/proc/{}/status", self.pid), "VmRSS:")
    }

    /// SIGTERM (the mock closes every listener and exits 0), SIGKILL after 10 s.
    pub fn stop(mut self) -> Result<()> {
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

/// Waits (up to two seconds) until the events file has not grown for 150 ms: the lesson has
/// exited, but the fleet may still be noting the last closes it saw, and it writes its
/// events every 50 ms.
pub fn wait_until_still(path: &Path) {
    let size = || fs::metadata(path).map_or(0, |m| m.len());
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut last = size();
    while Instant::now() < deadline {
        thread::sleep(Duration::from_millis(150));
        let now = size();
        if now == last {
            return;
        }
        last = now;
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

#[derive(Debug)]
pub struct BigFleet {
    pub ready: Vec<f64>,
    pub reported: Vec<f64>,
    pub rss: Vec<f64>,
    pub failures: Vec<String>,
}

pub fn measure_big_fleet(ws: &Workspace, runs: usize) -> BigFleet {
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
            Recording::Off,
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
