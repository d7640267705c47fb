//! The devices a lesson talks to, chosen by the same flags in every lesson.
//!
//! With no flags a lesson starts the course's nine-device lab inside its own process (a
//! [`mock_device::Fleet`] on 127.0.0.1), so `cargo run --bin 07-as-completed` needs nothing
//! else. `--inventory FILE` points it at a standalone mock fleet or at real devices.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use mock_device::record::Record;
use mock_device::{Fault, Fleet, FleetConfig, Platform, timeline};

use crate::inventory::{DEFAULT_TIMEOUT, Device, InventoryError, load_inventory};
use crate::report::Report;

/// Where the devices come from. Flattened into every lesson's flags with
/// `#[command(flatten)]`.
#[derive(Debug, Clone, clap::Args)]
pub struct LabArgs {
    /// Inventory YAML to use (a standalone mock fleet, or real devices) instead of the
    /// in-process course lab
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,

    /// Start an in-process lab of N generated devices (all four platforms) instead of the
    /// course's nine; each takes 500 ms to log in and 500 ms per show command unless
    /// --latency says otherwise
    #[arg(long, value_name = "N", conflicts_with = "inventory",
          value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub devices: Option<u32>,

    /// Give every in-process device this latency (login and each show command), e.g.
    /// 200ms, 1s or 0.25 (seconds)
    #[arg(long, value_name = "DURATION", conflicts_with = "inventory",
          value_parser = mock_device::parse_duration)]
    pub latency: Option<Duration>,

    /// Make an in-process device misbehave: NAME=refuse|auth-fail|hang|drop (repeatable;
    /// drop cuts the connection during each `show` command, so parts that only read the
    /// prompt do not see it)
    #[arg(long, value_name = "NAME=FAULT", conflicts_with = "inventory",
          value_parser = parse_fault)]
    pub fault: Vec<(String, Fault)>,

    /// Print every device's output even past 100 devices (where a progress bar and a
    /// summary stand in for it)
    #[arg(long, short)]
    pub verbose: bool,

    /// Seconds to wait on a silent device before giving up on it, at every stage (default:
    /// the inventory's timeouts, else 10; the course lab's slowest login takes 1.6 s)
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, help_heading = TIMEOUTS)]
    pub timeout: Option<f64>,

    /// Seconds the TCP connection may take (default: --timeout)
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, help_heading = TIMEOUTS)]
    pub conn_timeout: Option<f64>,

    /// Seconds to wait, once connected, for the device's SSH banner (default: --timeout)
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, help_heading = TIMEOUTS)]
    pub banner_timeout: Option<f64>,

    /// Seconds the SSH handshake and the login may take together (default: --timeout)
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, help_heading = TIMEOUTS)]
    pub auth_timeout: Option<f64>,

    /// Seconds to wait for the first prompt and for each command's output (default:
    /// --timeout)
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, help_heading = TIMEOUTS)]
    pub read_timeout: Option<f64>,

    /// Try a device up to N more times (default 0) when it pushes back before the login is
    /// done: session limit reached, AAA server timed out, connection dropped or no SSH banner
    /// in time; never after a wrong password or a host-key mismatch, nor once logged in (a
    /// command may have run). The waits double from 0.2 s up to 5 s, each drawn at random
    /// below that (full jitter)
    #[arg(long, value_name = "N", help_heading = TIMEOUTS,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: Option<u32>,

    /// After the run, draw when each device's session ran: one row per worker (thread or
    /// process), or per lane where the rows are not workers (async tasks on one thread),
    /// how many sessions were open at once, and every device that failed
    #[arg(long)]
    pub timeline: bool,

    /// After the run, write the same picture as an SVG file, for a browser
    #[arg(long, value_name = "FILE")]
    pub timeline_svg: Option<PathBuf>,

    /// Write every device's result to FILE as it comes in, one JSON object per line (run
    /// id, part, device, worker, start and end, ok or the error, retries), and a last line
    /// with the run's totals: fields in the README, "Every run as data"
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
}

/// The heading of the flags about time limits and retries in `--help`.
const TIMEOUTS: &str = "Timeouts and retries";

fn parse_fault(text: &str) -> Result<(String, Fault), String> {
    let (name, fault) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=FAULT (e.g. srx2=auth-fail)"))?;
    let fault = fault.parse::<Fault>().map_err(|e| e.to_string())?;
    Ok((name.to_string(), fault))
}

fn parse_timeout(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Ok(seconds),
        _ => Err(format!("`{text}` is not a positive number of seconds")),
    }
}

/// Why the lab could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error("cannot start the in-process lab: {0}")]
    Fleet(String),
    #[error("--timeline-svg {}: {reason}", path.display())]
    TimelineSvg { path: PathBuf, reason: String },
    #[error("cannot write the results to {}: {error}", .path.display())]
    Results {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl LabError {
    /// Prints the error and exits with status 2, as clap does for bad flags: one line, or
    /// for a mistake in the inventory its line with a caret under the mistake.
    pub fn exit(&self) -> ! {
        match self {
            LabError::Inventory(mistake) => mistake.eprint(),
            other => eprintln!("error: {other}"),
        }
        std::process::exit(2)
    }
}

/// The devices of this run, and the in-process fleet serving them (if any).
///
/// Keep it alive for as long as the devices are used: dropping it stops the fleet.
#[derive(Debug)]
pub struct Lab {
    pub devices: Vec<Device>,
    fleet: Option<Fleet>,
    verbose: bool,
    timeline: bool,
    timeline_svg: Option<PathBuf>,
    /// With `--retries`: what the worker processes write of their retries is collected.
    _retries_from_workers: Option<crate::retry::Collecting>,
    /// The run's id and part, for the worker processes (the lesson's own lab only).
    _run: Option<crate::run::Running>,
    /// With `--results`: the file being written.
    _results: Option<crate::results::Writing>,
}

impl Lab {
    /// A lab of a part's own, whatever the flags: `config`'s fleet started in this process,
    /// its devices with `timeout` at every stage and no retries. For an experiment that
    /// needs a fleet set up just so (`06-futures`' `choosing_max_threads`: an AAA server).
    pub fn start_fleet(config: FleetConfig, timeout: f64) -> Result<Lab, LabError> {
        let fleet = Fleet::start(config).map_err(|e| LabError::Fleet(e.to_string()))?;
        Ok(Lab {
            devices: devices_of(&fleet, timeout),
            fleet: Some(fleet),
            verbose: false,
            timeline: false,
            timeline_svg: None,
            _retries_from_workers: None,
            _run: None,
            _results: None,
        })
    }

    /// What the in-process fleet has seen so far (every session, its logins at the AAA
    /// server...); `None` when the devices are not served from this process.
    pub fn record(&self) -> Option<Record> {
        self.fleet.as_ref().map(Fleet::record)
    }

    /// Whether `--verbose` asked for every device's output.
    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// Whether the devices are served from inside this process.
    pub fn is_in_process(&self) -> bool {
        self.fleet.is_some()
    }

    /// The end of a run: draws the timeline if `--timeline` or `--timeline-svg` asked for
    /// it, stops the in-process lab, and hands back the report's exit code.
    pub fn finish(self, report: &Report) -> ExitCode {
        crate::results::finish();
        let drawn = self.draw_timeline(report);
        drop(self);
        match (report.exit_code(), drawn) {
            (code, Ok(())) => code,
            (_, Err(error)) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        }
    }

    fn draw_timeline(&self, report: &Report) -> Result<(), String> {
        if !self.timeline && self.timeline_svg.is_none() {
            return Ok(());
        }
        // In-process, the lab's own record says what the devices saw; with --inventory only
        // this process's side is known (the sessions its threads opened).
        let (sessions, now, seen_by) = match &self.fleet {
            Some(fleet) => {
                let record = fleet.record();
                (
                    record.sessions,
                    record.taken,
                    "as the lab's devices saw them",
                )
            }
            None => {
                let (sessions, _, now) = crate::client_log::sessions();
                (sessions, now, "as this program saw them")
            }
        };
        if sessions.is_empty() && self.fleet.is_none() {
            // A lesson whose workers are processes opened its sessions in them, not here.
            println!(
                "\n(no session ran in this process, so there is no timeline to draw: to see the \
                 fleet's view of any client, start the fleet with `--events-out FILE` and draw \
                 it with `mock-device timeline FILE`)"
            );
            return Ok(());
        }
        let bars = timeline::bars_from_records(&sessions, now);
        if self.timeline {
            println!();
            println!("== timeline: {} sessions, {seen_by} ==", bars.len());
            print!(
                "{}",
                timeline::render_terminal(&bars, timeline::terminal_width())
            );
            // A device that failed before its device saw a connection (nothing listening)
            // has no bar: it is named too, so the chart accounts for every failure.
            let unseen: Vec<String> = report
                .failed_devices()
                .into_iter()
                .filter(|device| !bars.iter().any(|bar| bar.device == *device))
                .collect();
            if !unseen.is_empty() {
                println!(
                    "✗ failed too, with no session to draw (no connection reached the device): {}",
                    unseen.join(", ")
                );
            }
        }
        if let Some(path) = &self.timeline_svg {
            let title = format!("{} sessions, {seen_by}", bars.len());
            std::fs::write(path, timeline::render_svg(&bars, &title))
                .map_err(|e| format!("cannot write the timeline to {}: {e}", path.display()))?;
        }
        Ok(())
    }
}

impl LabArgs {
    /// Reads the inventory, or starts the in-process lab.
    pub fn start(&self) -> Result<Lab, LabError> {
        if let Some(path) = &self.timeline_svg {
            can_be_written(path).map_err(|reason| LabError::TimelineSvg {
                path: path.clone(),
                reason,
            })?;
        }
        let open_files = raise_open_file_limit();
        end_quietly_on_a_closed_pipe();
        if let Some(path) = &self.inventory {
            let mut devices = load_inventory(path)?;
            self.apply_to(&mut devices);
            crate::client_log::start_clock();
            return self.lab(devices, None);
        }
        // In-process, each device holds a listener and both ends of its session.
        let needed = 3 * self.devices.map_or(9, u64::from) + 64;
        if let Some(allowed) = open_files.filter(|&allowed| allowed < needed) {
            return Err(LabError::Fleet(format!(
                "{} devices in this process need about {needed} open files, and this system \
                 allows {allowed} (ulimit -Hn): run a standalone fleet (cargo run -p \
                 mock-device -- --devices N --inventory-out lab.yaml) and pass --inventory \
                 lab.yaml, or use fewer devices",
                self.devices.unwrap_or(9)
            )));
        }
        let mut config = match self.devices {
            Some(n) => FleetConfig::generated(
                n as usize,
                &Platform::ALL,
                self.latency.unwrap_or(Duration::from_millis(500)),
            ),
            None => FleetConfig::course_lab(),
        };
        if let Some(latency) = self.latency {
            config = config.with_latency(latency);
        }
        for (name, fault) in &self.fault {
            config = config
                .with_fault(name, *fault)
                .map_err(|e| LabError::Fleet(e.to_string()))?;
        }
        let fleet = Fleet::start(config).map_err(|e| LabError::Fleet(e.to_string()))?;
        let mut devices = devices_of(&fleet, DEFAULT_TIMEOUT);
        self.apply_to(&mut devices);
        self.lab(devices, Some(fleet))
    }

    /// The run begins: its id drawn, its results file (if asked for) opened.
    fn lab(&self, devices: Vec<Device>, fleet: Option<Fleet>) -> Result<Lab, LabError> {
        let retries = devices.iter().any(|device| device.retries > 0);
        let run = crate::run::begin();
        let results = match &self.results {
            Some(path) => Some(
                crate::results::open(path).map_err(|error| LabError::Results {
                    path: path.clone(),
                    error,
                })?,
            ),
            None => None,
        };
        Ok(Lab {
            devices,
            fleet,
            verbose: self.verbose,
            timeline: self.timeline,
            timeline_svg: self.timeline_svg.clone(),
            _retries_from_workers: retries.then(crate::retry::collect_from_workers),
            _run: Some(run),
            _results: results,
        })
    }

    /// The flags beat the inventory, and a stage's own timeout beats `--timeout`.
    fn apply_to(&self, devices: &mut [Device]) {
        for device in devices {
            if let Some(seconds) = self.timeout {
                device.set_timeouts(seconds);
            }
            let stages = [
                (self.conn_timeout, &mut device.conn_timeout),
                (self.banner_timeout, &mut device.banner_timeout),
                (self.auth_timeout, &mut device.auth_timeout),
                (self.read_timeout, &mut device.read_timeout),
            ];
            for (flag, timeout) in stages {
                if let Some(seconds) = flag {
                    *timeout = seconds;
                }
            }
            if let Some(retries) = self.retries {
                device.retries = retries;
            }
        }
    }
}

/// `--timeline-svg FILE` is written after the run: check before the run that it can be,
/// rather than end a long run with "cannot write". A file that is not there yet is created
/// to find out, and removed again.
fn can_be_written(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err("that is a directory: give a file name, e.g. timeline.svg".into());
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(format!("the directory {} {what}", dir.display()));
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| format!("cannot write there: {e}"))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// The inventory of a running fleet, with its host keys pinned, `timeout` for every stage
/// and no retries.
pub fn devices_of(fleet: &Fleet, timeout: f64) -> Vec<Device> {
    fleet
        .devices()
        .iter()
        .map(|d| Device {
            name: d.name.clone(),
            device_type: d.platform,
            host: d.addr.ip().to_string(),
            port: d.addr.port(),
            username: d.username.clone(),
            password: d.password.clone(),
            host_key: Some(d.fingerprint.clone()),
            key_file: None,
            timeout,
            conn_timeout: timeout,
            banner_timeout: timeout,
            auth_timeout: timeout,
            read_timeout: timeout,
            retries: 0,
        })
        .collect()
}

/// Every SSH session holds a socket, and an in-process lab holds both ends plus a listener
/// per device: a thousand devices need more than the usual soft limit of 1024 open files.
/// Raise the soft limit to the hard one, and the hard one too where we are allowed to.
/// Returns the limit now in force.
fn raise_open_file_limit() -> Option<u64> {
    const WANTED: u64 = 65_536;
    let nofile = rlimit::Resource::NOFILE;
    let (soft, hard) = nofile.get().ok()?;
    if soft < WANTED {
        // Raising the hard limit needs privileges; without them, go as far as it allows.
        let _ = nofile
            .set(WANTED, hard.max(WANTED))
            .or_else(|_| nofile.set(hard.min(WANTED), hard));
    }
    nofile.get().ok().map(|(soft, _)| soft)
}

/// `cargo run --bin 07-as-completed | head -3`: once `head` has its lines it closes the pipe,
/// and the next `println!` panics with "failed printing to stdout: Broken pipe". A program
/// whose reader has gone away has nothing left to do: end quietly, as `grep` or `ls` would.
pub fn end_quietly_on_a_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            // `exit` runs no destructor: the run's files for its workers go now.
            crate::run::remove_files();
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
