//! How `check` grades an exercise, from what the lab's devices saw.
//!
//! Each grade starts its own lab in this process (a `mock_device::Fleet` on 127.0.0.1, ports
//! chosen by the OS, so two checks never mix sessions), writes its inventory, and runs the
//! student's function in a child process: `check` started again with a hidden `--run NAME`
//! ([`serve`] on that side). Each line the child prints is stamped, as it arrives, on the
//! fleet's clock, the one its record uses; a child still running after [`TIME_LIMIT`] is
//! killed with its worker processes. The exercise's judge then reads the record and the
//! lines ([`Run`]) with `mock_device::judge`, the same checks the lessons' tests make.

pub mod catalog;
pub mod cli;
mod state;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use mock_device::judge::{Failure, Judgment, Printed};
use mock_device::record::Record;
use mock_device::{Fleet, FleetConfig};
use shared::Device;

pub use catalog::EXERCISES;

/// One exercise: the student's function and the reference one, the lab it runs against,
/// and what it must show.
#[derive(Debug)]
pub struct Exercise {
    pub name: &'static str,
    /// The student's file, as compiled into this checker (its `//!` header is the task).
    pub source: &'static str,
    pub solution_source: &'static str,
    pub student: fn(&[Device]),
    pub solution: fn(&[Device]),
    pub lab: fn() -> FleetConfig,
    pub judge: fn(&Run) -> Judgment,
}

impl Exercise {
    /// The student's file, from the workspace root.
    pub fn path(&self) -> String {
        format!("exercises/src/{}.rs", self.name)
    }

    pub fn solution_path(&self) -> String {
        format!("exercises/solutions/{}.rs", self.name)
    }

    /// The task: the `//!` header of the student's file.
    pub fn task(&self) -> String {
        self.source
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .map(|line| line.trim_start_matches("//!").trim_start())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Still the file as handed out: its `todo!()` is there.
    pub fn untouched(&self) -> bool {
        self.source.contains("todo!(")
    }
}

/// The longest a program may run before it is stopped and the grade fails.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);
/// Every SSH step's time limit inside the program.
const DEVICE_TIMEOUT: f64 = 5.0;
/// What the child prints on stderr when it reached a `todo!()`.
const NOT_DONE: &str = "[check] not done yet";
/// What the child prints on stderr when processes it started outlived the function.
const LEFT_RUNNING: &str = "[check] still running after run() returned:";

/// What a grade found.
#[derive(Debug)]
pub enum Grade {
    Passed(Box<Run>),
    NotDone,
    Failed(Failure, Option<Box<Run>>),
}

impl Grade {
    pub fn run(&self) -> Option<&Run> {
        match self {
            Grade::Passed(run) | Grade::Failed(_, Some(run)) => Some(run),
            Grade::NotDone | Grade::Failed(_, None) => None,
        }
    }
}

/// A finished run of a program against its lab: the record and the printed lines.
#[derive(Debug)]
pub struct Run {
    pub record: Record,
    /// Each line of stdout and when it appeared, on the fleet's clock.
    pub lines: Vec<(Duration, String)>,
    /// The process that ran the student's function (the child).
    pub program_pid: u32,
    /// This process, the checker.
    pub checker_pid: u32,
    /// How many processes the function started that were still running when it returned.
    pub left_running: usize,
    /// The lab's devices, in inventory order.
    pub devices: Vec<Device>,
    config: FleetConfig,
}

impl Run {
    /// The device names in inventory order.
    pub fn names(&self) -> Vec<&str> {
        self.devices.iter().map(|d| d.name.as_str()).collect()
    }

    /// The output `command` gives on each device that has no fault, from a copy of the lab
    /// without delays (the mock's outputs depend only on the device's name and platform).
    pub fn outputs(&self, command: impl Fn(&Device) -> String) -> BTreeMap<String, String> {
        let faulty: Vec<&str> = self
            .config
            .devices
            .iter()
            .filter(|d| d.fault.is_some())
            .map(|d| d.name.as_str())
            .collect();
        let mut config = self.config.clone().with_latency(Duration::ZERO);
        config.aaa = None;
        for device in &mut config.devices {
            device.fault = None;
            device.max_sessions = None;
        }
        let Ok(fleet) = Fleet::start(config) else {
            return BTreeMap::new();
        };
        let devices = shared::lab::devices_of(&fleet, DEVICE_TIMEOUT);
        std::thread::scope(|scope| {
            let jobs: Vec<_> = devices
                .iter()
                .map(|d| {
                    let command = command(d);
                    scope.spawn(move || (d.name.clone(), shared::send_command(d, &command)))
                })
                .collect();
            jobs.into_iter()
                .filter_map(|job| job.join().ok())
                .filter(|(name, _)| !faulty.contains(&name.as_str()))
                .filter_map(|(name, output)| Some((name, output.ok()?)))
                .collect()
        })
    }

    /// Where `block` (one or more whole lines) was printed: the time its last line appeared,
    /// for each time it was printed.
    pub fn found(&self, block: &str) -> Vec<(usize, Duration)> {
        let wanted: Vec<&str> = block.lines().collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        (0..self.lines.len())
            .filter(|&i| {
                self.lines.len() - i >= wanted.len()
                    && self.lines[i..i + wanted.len()]
                        .iter()
                        .map(|(_, line)| line.as_str())
                        .eq(wanted.iter().copied())
            })
            .map(|i| (i, self.lines[i + wanted.len() - 1].0))
            .collect()
    }

    /// Each device's result as printed, in the order printed: `block(device)` is the text
    /// its result must print (whole lines), or `None` for a device that must print an
    /// `Error: <device>: ...` line instead.
    pub fn results(
        &self,
        block: impl Fn(&Device) -> Option<String>,
    ) -> Result<Vec<Printed>, Failure> {
        let mut printed: Vec<(usize, Printed)> = Vec::new();
        for device in &self.devices {
            let name = &device.name;
            let found = match block(device) {
                Some(text) => {
                    let found = self.found(&text);
                    if found.is_empty() {
                        let error = self
                            .lines
                            .iter()
                            .find(|(_, l)| l.starts_with("Error: ") && l.contains(name.as_str()));
                        let bare = text.lines().filter(|l| !l.is_empty()).nth(1).unwrap_or("");
                        let saw = if let Some((_, line)) = error {
                            format!("{name} failed: `{line}`")
                        } else if self.lines.is_empty() {
                            "the program printed nothing".to_string()
                        } else if self.lines.iter().any(|(_, l)| l == bare) {
                            format!("{name}'s output is there, but not in the shape asked for")
                        } else {
                            format!("{name}'s result is not in the output")
                        };
                        return Err(Failure::new(
                            saw,
                            "print each device's output as the task says (see its first lines)",
                        ));
                    }
                    found
                }
                None => self
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, l))| l.starts_with("Error: ") && l.contains(name.as_str()))
                    .map(|(i, (at, _))| (i, *at))
                    .collect(),
            };
            match found[..] {
                [(line, at)] => printed.push((line, (name.clone(), at))),
                [] => {
                    return Err(Failure::new(
                        format!("no `Error: {name}: ...` line, and {name} cannot have answered"),
                        "print `Error: <error>` for a device that fails",
                    ));
                }
                _ => {
                    return Err(Failure::new(
                        format!("{name}'s result was printed {} times", found.len()),
                        "print each device's result once",
                    ));
                }
            }
        }
        printed.sort_by_key(|(line, _)| *line);
        Ok(printed.into_iter().map(|(_, p)| p).collect())
    }

    /// Each device had exactly `want` sessions.
    pub fn sessions_per_device(&self, want: usize) -> Judgment {
        let counts = self.record.sessions_per_device();
        for name in self.names() {
            let n = counts.get(name).copied().unwrap_or(0);
            if n != want {
                return Err(Failure::new(
                    format!("{name} was connected to {n} times (want {want})"),
                    "connect to each device once",
                ));
            }
        }
        Ok(())
    }

    /// The last line is `Finished in N.NN seconds`.
    pub fn finished_line(&self) -> Judgment {
        let last = self
            .lines
            .iter()
            .rev()
            .map(|(_, line)| line.as_str())
            .find(|line| !line.trim().is_empty())
            .unwrap_or("");
        let seconds = last
            .strip_prefix("Finished in ")
            .and_then(|rest| rest.strip_suffix(" seconds"));
        let two_decimals = seconds.is_some_and(|s| {
            s.split_once('.').is_some_and(|(whole, frac)| {
                !whole.is_empty()
                    && whole.chars().all(|c| c.is_ascii_digit())
                    && frac.len() == 2
                    && frac.chars().all(|c| c.is_ascii_digit())
            })
        });
        if two_decimals {
            Ok(())
        } else {
            Err(Failure::new(
                format!("the last line is `{last}`"),
                "end with `Finished in N.NN seconds` (`{:.2}` prints two decimals)",
            ))
        }
    }

    /// No process the function started was still running when it returned.
    pub fn nothing_left_running(&self) -> Judgment {
        match self.left_running {
            0 => Ok(()),
            n => Err(Failure::new(
                format!("{n} worker process(es) were still running after run() returned"),
                "shut the pool down at the end of its block (`pool.shutdown()` waits for the \
                 jobs, then stops the workers)",
            )),
        }
    }
}

/// Grades `exercise` by running `program` (which must run the function to grade over the
/// inventory given after it as `--inventory FILE`). `progress` says what is going on when
/// a run takes a while.
pub fn grade(exercise: &Exercise, mut program: Command, progress: bool) -> Grade {
    let config = (exercise.lab)();
    let fleet = match Fleet::start(config.clone()) {
        Ok(fleet) => fleet,
        Err(e) => {
            return Grade::Failed(
                Failure::new(format!("the checker could not start its lab: {e}"), ""),
                None,
            );
        }
    };
    let inventory = match write_inventory(&fleet) {
        Ok(file) => file,
        Err(e) => {
            return Grade::Failed(
                Failure::new(
                    format!("the checker could not write its inventory: {e}"),
                    "",
                ),
                None,
            );
        }
    };
    program
        .arg("--inventory")
        .arg(inventory.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that a run stopped at the time limit takes its worker
        // processes with it.
        .process_group(0);
    let mut child = match program.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Grade::Failed(
                Failure::new(format!("the checker could not start the program: {e}"), ""),
                None,
            );
        }
    };
    let program_pid = child.id();
    let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Grade::Failed(Failure::new("the program has no output pipes", ""), None);
    };

    let (status, lines, errors) = std::thread::scope(|scope| {
        let fleet = &fleet;
        let reading = scope.spawn(move || {
            let mut lines = Vec::new();
            let mut reader = BufReader::new(stdout);
            let mut buffer = Vec::new();
            while matches!(reader.read_until(b'\n', &mut buffer), Ok(n) if n > 0) {
                let at = fleet.record().taken;
                let line = String::from_utf8_lossy(&buffer);
                lines.push((at, line.trim_end_matches(['\n', '\r']).to_string()));
                buffer.clear();
            }
            lines
        });
        let errors = scope.spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let started = Instant::now();
        let mut next_note = Duration::from_secs(2);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() > TIME_LIMIT => break None,
                Ok(None) => {}
                Err(_) => break None,
            }
            if progress && started.elapsed() > next_note {
                let record = fleet.record();
                let open = record
                    .sessions
                    .iter()
                    .filter(|s| s.closed.is_none())
                    .count();
                println!(
                    "  {} after {} s: {} sessions so far, {open} open now",
                    exercise.name,
                    next_note.as_secs(),
                    record.sessions.len()
                );
                next_note += Duration::from_secs(2);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // The child is done (or stopped): whatever it started goes too, which also closes
        // the last ends of its pipes.
        kill_group(program_pid);
        let _ = child.wait();
        (
            status,
            reading.join().unwrap_or_default(),
            errors.join().unwrap_or_default(),
        )
    });

    if errors.contains(NOT_DONE) {
        return Grade::NotDone;
    }
    let record = record_once_closed(&fleet);
    let left_running = errors
        .lines()
        .find_map(|line| line.strip_prefix(LEFT_RUNNING))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let run = Box::new(Run {
        record,
        lines,
        program_pid,
        checker_pid: std::process::id(),
        left_running,
        devices: shared::lab::devices_of(&fleet, DEVICE_TIMEOUT),
        config,
    });
    let Some(status) = status else {
        return Grade::Failed(
            Failure::new(
                format!(
                    "the program was still running after {} s and was stopped",
                    TIME_LIMIT.as_secs()
                ),
                "is a thread waiting for something that never comes (a lock, a join, a full pipe)?",
            ),
            Some(run),
        );
    };
    if !status.success() {
        return Grade::Failed(
            Failure::new(
                format!("the program failed ({status}): {}", what_it_said(&errors)),
                "a device that fails must not stop the others: print `Error: <error>` for it and \
                 go on (no unwrap() on its result)",
            ),
            Some(run),
        );
    }
    match (exercise.judge)(&run) {
        Ok(()) => Grade::Passed(run),
        Err(failure) => Grade::Failed(failure, Some(run)),
    }
}

/// The gist of a failed program's stderr: a panic's place and message on one line, or its
/// first line.
fn what_it_said(errors: &str) -> String {
    let lines: Vec<&str> = errors.lines().collect();
    match lines.iter().position(|line| line.contains("panicked at")) {
        Some(i) => {
            let place = lines[i].split("panicked at").nth(1).unwrap_or("").trim();
            let message = lines.get(i + 1).copied().unwrap_or("");
            format!("it panicked at {place} {message}")
        }
        None => lines
            .first()
            .copied()
            .unwrap_or("nothing on stderr")
            .to_string(),
    }
}

/// The lab's inventory in a temporary file (removed when dropped).
fn write_inventory(fleet: &Fleet) -> std::io::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("check-inventory-")
        .suffix(".yaml")
        .tempfile()?;
    file.write_all(fleet.inventory_yaml().as_bytes())?;
    Ok(file)
}

/// Stops every process of the group `pgid` (the program and whatever it started).
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// The record once every session has closed (the program has exited, but the mock may not
/// have read the last connections' ends yet), or after 2 s.
fn record_once_closed(fleet: &Fleet) -> Record {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let record = fleet.record();
        if record.sessions.iter().all(|s| s.closed.is_some()) || Instant::now() > deadline {
            return record;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The child's side: reads the inventory, runs `job` over its devices, and tells the
/// checker (on stderr) if it reached a `todo!()` or left processes running.
pub fn serve(job: fn(&[Device]), inventory: &Path) -> ExitCode {
    let mut devices = match shared::load_inventory(inventory) {
        Ok(devices) => devices,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for device in &mut devices {
        device.set_timeouts(DEVICE_TIMEOUT);
    }
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // `todo!()` anywhere, in any thread: the exercise is not written yet.
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("not yet implemented") {
            eprintln!("{NOT_DONE}");
            std::process::exit(3);
        }
        default_hook(info);
    }));
    job(&devices);
    let left = live_children();
    if left > 0 {
        eprintln!("{LEFT_RUNNING} {left}");
    }
    ExitCode::SUCCESS
}

/// How many child processes of this one are alive (not zombies), from `/proc`.
fn live_children() -> usize {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter(|stat| {
            // `pid (comm) state ppid ...`: comm may hold spaces, so read after the last `)`.
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or("", |(_, rest)| rest)
                .split_whitespace()
                .collect();
            matches!(fields[..], [state, ppid, ..] if state != "Z" && ppid == me)
        })
        .count()
}
