//! Helpers for the lessons' integration tests (cargo feature `testing`).
//!
//! A test starts a [`TestLab`] (the course lab, faster, served from the test process),
//! runs a [`Lesson`] binary with `--inventory` pointing at it, and snapshots the output with
//! [`settings`] in scope so timings, ports and pids do not make the snapshot change.
//! Concurrency is graded from what the lab's devices saw (`lab.fleet().record()`), with
//! [`assert_judged`] over the checks of [`judge`] (the exercises' checker grades with the
//! same ones), [`assert_pool_of`], [`pids`], [`workers`] and [`FaultyLab::check_record`].
//!
//! ```ignore
//! const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_07-as-completed"));
//!
//! /// The course lab, default flags: results in completion order.
//! #[test]
//! fn course_lab() {
//!     let lab = TestLab::course();
//!     let _guard = settings().bind_to_scope();
//!     insta_cmd::assert_cmd_snapshot!(LESSON.command(&lab, &[]));
//! }
//! ```

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use mock_device::record::{CloseKind, Record, SessionRecord};
use mock_device::{Fault, Fleet, FleetConfig, Platform};

use crate::ssh::Connection;

pub mod timed;

/// How much faster than the student's default the test lab runs. The course lab's
/// completion gaps (>= 0.15 s in a pool of four or five, and with a thread per device) stay
/// >= 0.1 s, wide enough to keep the completion order fixed on a busy two-core machine.
pub const TEST_SPEED_UP: f64 = 1.5;

/// A lesson binary under test: `Lesson::new(env!("CARGO_BIN_EXE_07-as-completed"))`.
#[derive(Debug, Clone, Copy)]
pub struct Lesson {
    binary: &'static str,
}

impl Lesson {
    pub const fn new(binary: &'static str) -> Lesson {
        Lesson { binary }
    }

    /// The lesson over `lab` (`--inventory`), with `args`; for `assert_cmd_snapshot!`.
    pub fn command(&self, lab: &TestLab, args: &[&str]) -> Command {
        self.command_on(lab.inventory(), args)
    }

    /// The lesson over the devices of any `inventory` file, with `args`.
    pub fn command_on(&self, inventory: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(self.binary);
        command.arg("--inventory").arg(inventory).args(args);
        command
    }

    /// Runs the lesson over `lab` with `args`, whatever its exit status.
    pub fn output(&self, lab: &TestLab, args: &[&str]) -> Output {
        self.command(lab, args).output().expect("the lesson runs")
    }

    /// Runs the lesson over `lab` with `args`, checks that it succeeded, and returns stdout.
    pub fn stdout(&self, lab: &TestLab, args: &[&str]) -> String {
        let output = self.output(lab, args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Like [`Lesson::stdout`], and also the lesson process's pid (to tell its own sessions
    /// from its workers' in the fleet's record).
    pub fn stdout_and_pid(&self, lab: &TestLab, args: &[&str]) -> (String, u32) {
        let child = self
            .command(lab, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the lesson starts");
        let pid = child.id();
        let output = child.wait_with_output().expect("the lesson ends");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        (stdout, pid)
    }

    /// `--help`, checked as every lesson owes it: wrapped (no line over 100 columns, clap's
    /// width when there is no terminal), and, for a lesson with parts, each part listed by
    /// the name of its file. Returns the help text for the lesson's own checks (its
    /// `--workers` default).
    pub fn check_help(&self, parts: &[&str]) -> String {
        let output = Command::new(self.binary)
            .arg("--help")
            .output()
            .expect("the lesson runs");
        let help = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{help}");
        for line in help.lines() {
            assert!(line.chars().count() <= 100, "too long: `{line}`");
        }
        for part in parts {
            assert!(
                help.contains(&format!("- {part}:")),
                "{part} not in\n{help}"
            );
        }
        help
    }

    /// What a quiet run (past [`crate::report::QUIET_ABOVE`] devices) owes, the same in
    /// every lesson: each part's `== title ==` line, and every line that is not about one
    /// device (`Elapsed time:`, `Finished in`, a `done()` line's `true` or `false`) as the
    /// course lab's run prints them, in the same order; and no line naming a device (but the
    /// `Result:` of a part that contacts the first device alone). Runs
    /// `args` over the course lab, then over 120 healthy devices, and returns the quiet
    /// stdout for the lesson's own checks.
    pub fn check_quiet_run(&self, args: &[&str]) -> String {
        let normal = self.stdout(&TestLab::course(), args);
        // A little latency, so that a `done()` asked right after `submit()` is false
        // because the device has not answered yet, not because this machine was quick.
        let config = FleetConfig::generated(120, &Platform::ALL, Duration::from_millis(20));
        let names: Vec<String> = config.devices.iter().map(|d| d.name.clone()).collect();
        let quiet = self.stdout(&TestLab::start(config), args);

        let expected = skeleton(&normal);
        let mut found = skeleton(&quiet).into_iter();
        for line in &expected {
            assert!(
                found.any(|quiet_line| quiet_line == *line),
                "the quiet run lacks `{line}` (or has it out of order)\n\
                 course lab:\n{normal}\nquiet run:\n{quiet}"
            );
        }
        // A part that contacts the first device only prints its result in a quiet run too.
        let single_result = format!("Result: {}#", names[0]);
        for line in quiet.lines().filter(|line| *line != single_result) {
            for name in &names {
                assert!(
                    !line.contains(name.as_str()),
                    "{name} in `{line}` of\n{quiet}"
                );
            }
        }
        quiet
    }
}

impl Lesson {
    /// What `--retries` owes, the same in every lesson; `args` must contact each device
    /// once (one part). Over the course lab, each device dropping its first connection,
    /// `args` with `--retries 3` print `<device>: ok after 1 retry` for every device and no
    /// error, each device's proxy took two connections and the mock saw one good login per
    /// device. Over 120 devices (a quiet run), every third dropping its first connection and
    /// one dropping them all, the one failure says it gave up after 3 retries and the
    /// summary is `119 ok (40 after retries), 1 failed`.
    pub fn check_retries(&self, args: &[&str]) {
        let args: Vec<&str> = args.iter().copied().chain(["--retries", "3"]).collect();
        let lab = ProxiedLab::start(TestLab::course_config(), |_| 1);
        let output = self
            .command_on(lab.inventory(), &args)
            .output()
            .expect("the lesson runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{output:?}");
        assert!(!stdout.contains("Error:"), "{stdout}");
        for device in lab.fleet().devices() {
            let name = device.name.as_str();
            assert!(
                stdout.contains(&format!("{name}: ok after 1 retry\n")),
                "{name} not ok after 1 retry in\n{stdout}"
            );
            assert_eq!(lab.connections(name), 2, "{name}");
        }
        let record = lab.fleet().record();
        for device in lab.fleet().devices() {
            let logins = record
                .sessions
                .iter()
                .filter(|s| s.device == device.name && s.auth.as_ref().is_some_and(|a| a.ok))
                .count();
            assert_eq!(logins, 1, "{}", device.name);
        }

        let config = FleetConfig::generated(120, &Platform::ALL, Duration::ZERO);
        let names: Vec<String> = config.devices.iter().map(|d| d.name.clone()).collect();
        let drops = |name: &str| match names.iter().position(|n| n == name) {
            Some(1) => usize::MAX,
            Some(i) if i % 3 == 0 => 1,
            _ => 0,
        };
        let lab = ProxiedLab::start(config.clone(), drops);
        let output = self
            .command_on(lab.inventory(), &args)
            .output()
            .expect("the lesson runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stdout.contains(&format!(
                "Error: {}: connection closed before the SSH banner (gave up after 3 retries)",
                names[1]
            )),
            "{stdout}"
        );
        assert_eq!(lab.connections(&names[1]), 4);
        let came_back = stdout
            .lines()
            .filter(|l| l.ends_with(": ok after 1 retry"))
            .count();
        assert_eq!(came_back, 40, "{stdout}");
        assert!(
            stderr.contains("119 ok (40 after retries), 1 failed"),
            "{stderr}"
        );
    }
}

/// The lines of a run that are not about one device, with timings blanked.
fn skeleton(stdout: &str) -> Vec<String> {
    let timings = regex::Regex::new(TIMINGS).expect("a valid pattern");
    stdout
        .lines()
        .filter(|line| {
            line.starts_with("== ")
                || line.starts_with("Elapsed time:")
                || line.starts_with("Finished in")
                || matches!(*line, "true" | "false")
        })
        .map(|line| timings.replace_all(line, "[T]").into_owned())
        .collect()
}

/// Python-style elapsed times (`0:00:01.234567`) and seconds figures (`1.23 s`).
const TIMINGS: &str = r"\b\d+:\d{2}:\d{2}(\.\d{6})?\b|\b\d+\.\d+ ?(s|seconds|ms)\b";

/// One device of each platform, no latency: the SSH helpers' tests' fleet.
pub fn four_platforms() -> FleetConfig {
    let mut config = FleetConfig::course_lab();
    config.devices = vec![
        mock_device::DeviceConfig::new("cisco3", Platform::CiscoIos),
        mock_device::DeviceConfig::new("arista1", Platform::AristaEos),
        mock_device::DeviceConfig::new("srx2", Platform::JuniperJunos),
        mock_device::DeviceConfig::new("nxos1", Platform::CiscoNxos),
    ];
    config
}

/// A fleet started in this process and its devices, each step limited to `timeout`.
pub fn fleet_and_devices(config: FleetConfig, timeout: f64) -> (Fleet, Vec<crate::Device>) {
    let fleet = Fleet::start(config).expect("the fleet starts");
    let devices = crate::lab::devices_of(&fleet, timeout);
    (fleet, devices)
}

/// A running mock fleet plus the inventory file that points a lesson at it.
#[derive(Debug)]
pub struct TestLab {
    fleet: Fleet,
    inventory: tempfile::NamedTempFile,
}

impl TestLab {
    /// The course's nine devices, [`TEST_SPEED_UP`] times faster.
    pub fn course() -> TestLab {
        TestLab::start(TestLab::course_config())
    }

    /// The fast course lab with one device misbehaving.
    pub fn course_with_fault(device: &str, fault: Fault) -> TestLab {
        let config = TestLab::course_config()
            .with_fault(device, fault)
            .expect("the course lab has this device");
        TestLab::start(config)
    }

    /// Any fleet.
    pub fn start(config: FleetConfig) -> TestLab {
        let fleet = Fleet::start(config).expect("the mock fleet starts");
        let mut inventory = tempfile::Builder::new()
            .prefix("inventory-")
            .suffix(".yaml")
            .tempfile()
            .expect("a temporary inventory file");
        inventory
            .write_all(fleet.inventory_yaml().as_bytes())
            .expect("the inventory is written");
        TestLab { fleet, inventory }
    }

    /// The inventory file to pass as `--inventory`.
    pub fn inventory(&self) -> &Path {
        self.inventory.path()
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// What connecting to every device one after the other costs in login delays alone:
    /// the serial baseline that timing ratios are measured against.
    pub fn serial_login_time(config: &FleetConfig) -> Duration {
        config.devices.iter().map(|d| d.login_delay).sum()
    }

    /// The configuration [`TestLab::course`] runs: the course lab, [`TEST_SPEED_UP`] times
    /// faster.
    pub fn course_config() -> FleetConfig {
        FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP)
    }

    /// [`TestLab::serial_login_time`] of the test course lab.
    pub fn course_serial_login_time() -> Duration {
        TestLab::serial_login_time(&TestLab::course_config())
    }
}

/// A TCP proxy in front of one device that drops its first `drop_first` connections (accepts
/// and closes them at once, writing nothing, as sshd does past `MaxStartups`) and forwards
/// the others: the start-up drops that `--retries` recovers from. Stops when dropped.
#[derive(Debug)]
pub struct DroppingProxy {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    accepting: Option<std::thread::JoinHandle<()>>,
}

impl DroppingProxy {
    pub fn start(target: SocketAddr, drop_first: usize) -> DroppingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the proxy listens");
        let addr = listener.local_addr().expect("the proxy has an address");
        // Non-blocking, so the accept loop can look at `stop` between connections.
        listener
            .set_nonblocking(true)
            .expect("the proxy's listener turns non-blocking");
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let accepting = {
            let (connections, stop) = (Arc::clone(&connections), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let seen = connections.fetch_add(1, Ordering::SeqCst);
                            if seen >= drop_first {
                                forward(client, target);
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        DroppingProxy {
            addr,
            connections,
            stop,
            accepting: Some(accepting),
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far, the dropped ones included.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for DroppingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

/// Copies both ways between `client` and a new connection to `target`, each way on a thread
/// of its own, until either side closes.
fn forward(client: TcpStream, target: SocketAddr) {
    let Ok(server) = TcpStream::connect(target) else {
        return;
    };
    let _ = client.set_nonblocking(false);
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let pipe = |mut from: TcpStream, mut to: TcpStream| {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Write);
        });
    };
    if let (Ok(client_too), Ok(server_too)) = (client.try_clone(), server.try_clone()) {
        pipe(client, server_too);
        pipe(server, client_too);
    }
}

/// A fleet whose every device sits behind its own [`DroppingProxy`], and the inventory that
/// points at the proxies (host keys pinned, as the fleet's own inventory does).
#[derive(Debug)]
pub struct ProxiedLab {
    fleet: Fleet,
    proxies: Vec<(String, DroppingProxy)>,
    inventory: tempfile::NamedTempFile,
}

impl ProxiedLab {
    /// `config`'s fleet, each device dropping its first `drop_first(name)` connections.
    pub fn start(config: FleetConfig, drop_first: impl Fn(&str) -> usize) -> ProxiedLab {
        /// One inventory entry, in the keys the inventory reads.
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            name: &'a str,
            device_type: &'a str,
            host: &'a str,
            port: u16,
            username: &'a str,
            password: &'a str,
            host_key: Option<&'a str>,
        }
        let fleet = Fleet::start(config).expect("the mock fleet starts");
        let devices = crate::lab::devices_of(&fleet, crate::inventory::DEFAULT_TIMEOUT);
        let proxies: Vec<(String, DroppingProxy)> = fleet
            .devices()
            .iter()
            .map(|d| {
                let proxy = DroppingProxy::start(d.addr, drop_first(&d.name));
                (d.name.clone(), proxy)
            })
            .collect();
        let entries: Vec<Entry> = devices
            .iter()
            .zip(&proxies)
            .map(|(device, (_, proxy))| Entry {
                name: &device.name,
                device_type: device.device_type.netmiko_name(),
                host: "127.0.0.1",
                port: proxy.addr().port(),
                username: &device.username,
                password: &device.password,
                host_key: device.host_key.as_deref(),
            })
            .collect();
        let mut inventory = tempfile::Builder::new()
            .prefix("inventory-")
            .suffix(".yaml")
            .tempfile()
            .expect("a temporary inventory file");
        let yaml = serde_yaml::to_string(&entries).expect("the inventory serialises");
        inventory
            .write_all(yaml.as_bytes())
            .expect("the inventory is written");
        ProxiedLab {
            fleet,
            proxies,
            inventory,
        }
    }

    /// The inventory file to pass as `--inventory`: the devices at their proxies.
    pub fn inventory(&self) -> &Path {
        self.inventory.path()
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// Connections `device`'s proxy has accepted, the dropped ones included.
    pub fn connections(&self, device: &str) -> usize {
        self.proxies
            .iter()
            .find(|(name, _)| name == device)
            .map_or(0, |(_, proxy)| proxy.connections())
    }
}

/// How a device of a [`FaultyLab`] misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    Refuse,
    AuthFail,
    Hang,
    /// Closes the connection in the middle of a `show` command: lessons that only fetch
    /// the prompt (`ssh_conn`) never notice.
    Drop,
    /// Allows one session at a time, and the test holds it.
    Busy,
}

/// A generated lab at scale with one device in twenty misbehaving, each kind in turn.
#[derive(Debug)]
pub struct FaultyLab {
    lab: TestLab,
    troubled: Vec<(String, Trouble)>,
    _held: Vec<Connection>,
}

impl FaultyLab {
    /// `n` devices across the four platforms, no latency; devices 20, 40, 60, ... misbehave
    /// as refuse, auth-fail, hang, drop, busy, refuse, ... Run lessons with `--timeout 2`
    /// so the hanging ones cost two seconds.
    pub fn start(n: usize) -> FaultyLab {
        const KINDS: [Trouble; 5] = [
            Trouble::Refuse,
            Trouble::AuthFail,
            Trouble::Hang,
            Trouble::Drop,
            Trouble::Busy,
        ];
        let mut config = FleetConfig::generated(n, &Platform::ALL, Duration::ZERO);
        let mut troubled = Vec::new();
        for (k, device) in config.devices.iter_mut().skip(19).step_by(20).enumerate() {
            let trouble = KINDS[k % KINDS.len()];
            match trouble {
                Trouble::Refuse => device.fault = Some(Fault::Refuse),
                Trouble::AuthFail => device.fault = Some(Fault::AuthFail),
                Trouble::Hang => device.fault = Some(Fault::Hang),
                Trouble::Drop => device.fault = Some(Fault::Drop),
                Trouble::Busy => device.max_sessions = Some(1),
            }
            troubled.push((device.name.clone(), trouble));
        }
        let lab = TestLab::start(config);
        let devices = crate::lab::devices_of(lab.fleet(), 5.0);
        let held = troubled
            .iter()
            .filter(|(_, trouble)| *trouble == Trouble::Busy)
            .map(|(name, _)| {
                let device = devices
                    .iter()
                    .find(|d| d.name == *name)
                    .expect("a busy device is in the fleet");
                Connection::connect(device).expect("the test takes the busy device's one session")
            })
            .collect();
        FaultyLab {
            lab,
            troubled,
            _held: held,
        }
    }

    /// The inventory file to pass as `--inventory`.
    pub fn inventory(&self) -> &Path {
        self.lab.inventory()
    }

    /// The misbehaving devices and how.
    pub fn troubled(&self) -> &[(String, Trouble)] {
        &self.troubled
    }

    /// The fleet serving this lab, for its record.
    pub fn fleet(&self) -> &Fleet {
        self.lab.fleet()
    }

    /// After a lesson ran over this lab, its `stdout` against what the fleet saw:
    /// - one session per device the lesson tried, none for a refusing device (it never
    ///   accepts), and for a busy one also the session this test holds (from this process);
    /// - every device named in an `Error: <device>: ...` line failed as the mock saw it
    ///   ([`mock_saw_fail`]), or is a refusing device with no session at all;
    /// - every other device's session logged in and closed cleanly.
    pub fn check_record(&self, stdout: &str) {
        let record = self.record_once_closed();
        assert_eq!(record.dropped_records, 0, "the fleet kept every session");
        let ours = std::process::id();
        let (held, lessons): (Vec<&SessionRecord>, Vec<&SessionRecord>) = record
            .sessions
            .iter()
            .partition(|s| client_pid(s) == Some(ours));
        let trouble = |name: &str| {
            self.troubled
                .iter()
                .find(|(device, _)| device == name)
                .map(|(_, trouble)| *trouble)
        };
        let mut held_by_device: Vec<&str> = held.iter().map(|s| s.device.as_str()).collect();
        held_by_device.sort_unstable();
        let mut busy: Vec<&str> = self
            .troubled
            .iter()
            .filter(|(_, trouble)| *trouble == Trouble::Busy)
            .map(|(name, _)| name.as_str())
            .collect();
        busy.sort_unstable();
        assert_eq!(
            held_by_device, busy,
            "this test holds one session per busy device"
        );

        let named: BTreeSet<&str> = stdout
            .lines()
            .filter_map(|line| line.strip_prefix("Error: "))
            .filter_map(|error| error.split(':').next())
            .collect();
        for device in self.fleet().devices() {
            let name = device.name.as_str();
            let sessions: Vec<&SessionRecord> = lessons
                .iter()
                .copied()
                .filter(|s| s.device == name)
                .collect();
            if trouble(name) == Some(Trouble::Refuse) {
                assert!(sessions.is_empty(), "{name} refuses, yet: {sessions:?}");
                assert!(
                    named.contains(name),
                    "{name} refuses and is not named\n{stdout}"
                );
                continue;
            }
            let [session] = sessions[..] else {
                panic!("{name}: one session per attempt, the mock saw {sessions:?}");
            };
            if named.contains(name) {
                assert!(
                    mock_saw_fail(session),
                    "the lesson says {name} failed, the mock saw {session:?}\n{stdout}"
                );
            } else {
                assert!(
                    session.auth.as_ref().is_some_and(|a| a.ok)
                        && session.closed.as_ref().map(|c| c.how) == Some(CloseKind::Clean),
                    "{name} is not named, yet the mock saw {session:?}"
                );
            }
        }
    }

    /// The record once every session but the held ones has closed: the lesson has exited,
    /// but the mock may not have read the last connections' ends yet. Gives up after 5 s
    /// (the checks then say which session is still open).
    fn record_once_closed(&self) -> Record {
        let ours = std::process::id();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let record = self.fleet().record();
            let all_closed = record
                .sessions
                .iter()
                .all(|s| s.closed.is_some() || client_pid(s) == Some(ours));
            if all_closed || std::time::Instant::now() > deadline {
                return record;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs a lesson binary over this lab (quiet, since it has more than 100 devices) with
    /// `--inventory`, `--timeout 2` and `args`, checks what every lesson owes at scale, and
    /// returns its stdout for the lesson's own checks:
    /// - exit status 1, and stderr ending in `<ok> ok, <failed> failed`, counted in devices;
    /// - exactly one `Error: <device>: ...` line per failing device, and no healthy device
    ///   named anywhere in stdout (no per-device output in a quiet run);
    /// - done in bounded time: under three times the hanging devices' timeouts.
    ///
    /// `runs_show_commands` says whether the lesson runs a `show` command (see
    /// [`FaultyLab::expected_failures`]).
    pub fn check_lesson(&self, binary: &str, args: &[&str], runs_show_commands: bool) -> String {
        const TIMEOUT: f64 = 2.0;
        let devices = crate::load_inventory(self.inventory()).expect("the inventory reads");
        let started = std::time::Instant::now();
        let output = std::process::Command::new(binary)
            .arg("--inventory")
            .arg(self.inventory())
            .args(["--timeout", &TIMEOUT.to_string()])
            .args(args)
            .output()
            .expect("the lesson runs");
        let took = started.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");

        let mut expected = self.expected_failures(runs_show_commands);
        expected.sort_unstable();
        let mut named: Vec<&str> = stdout
            .lines()
            .filter_map(|line| line.strip_prefix("Error: "))
            .filter_map(|error| error.split(':').next())
            .collect();
        named.sort_unstable();
        assert_eq!(
            named, expected,
            "one Error line per failed device\n{stdout}"
        );
        for device in devices
            .iter()
            .filter(|d| !expected.contains(&d.name.as_str()))
        {
            assert!(
                !stdout.contains(&device.name),
                "{} in\n{stdout}",
                device.name
            );
        }
        let failed = expected.len();
        assert_eq!(
            stderr.lines().last(),
            Some(format!("{} ok, {failed} failed", devices.len() - failed).as_str()),
            "{stderr}"
        );
        let hanging = self
            .troubled
            .iter()
            .filter(|(_, trouble)| *trouble == Trouble::Hang)
            .count();
        let bound = Duration::from_secs_f64(TIMEOUT * hanging as f64 * 3.0);
        assert!(
            hanging > 0 && took < bound,
            "took {took:?}, bound {bound:?}"
        );
        stdout
    }

    /// The devices a lesson must report as failed: all troubled ones, but for `drop`
    /// devices only when the lesson runs a `show` command.
    pub fn expected_failures(&self, runs_show_commands: bool) -> Vec<&str> {
        self.troubled
            .iter()
            .filter(|(_, trouble)| runs_show_commands || *trouble != Trouble::Drop)
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// A quiet run of a part that prints nothing but per-device lines printed its header, the
/// failures and its elapsed (or finished) time, and nothing else.
pub fn assert_only_headers_errors_and_times(stdout: &str) {
    for line in stdout.lines() {
        assert!(
            line.is_empty()
                || line.starts_with("== ")
                || line.starts_with("Error: ")
                || line.starts_with("Elapsed time: ")
                || line.starts_with("Finished in "),
            "`{line}` in a quiet run:\n{stdout}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Grading from the fleet's record: what the devices saw, not what the lesson printed
// ---------------------------------------------------------------------------------------

pub use mock_device::judge::{self, client_pid, pids, workers};

/// Asserts one of [`judge`]'s judgments of a record: a failure panics with its line (what
/// the lab saw, and the hint the exercises' checker would give).
#[track_caller]
pub fn assert_judged(judgment: judge::Judgment) {
    if let Err(failure) = judgment {
        panic!("{failure}");
    }
}

/// The session failed as the mock saw it: its login was refused, it was cut or timed out,
/// or it closed before anyone logged in.
pub fn mock_saw_fail(session: &SessionRecord) -> bool {
    let refused = session.auth.as_ref().is_some_and(|a| !a.ok);
    let never_logged_in = session.auth.is_none();
    let bad_close = session
        .closed
        .as_ref()
        .is_some_and(|c| matches!(c.how, CloseKind::Dropped | CloseKind::TimedOut));
    refused || never_logged_in || bad_close
}

/// No idle worker, as the fleet saw a pool of `workers` run: [`judge::no_idle_worker`]
/// (the checks and their wording live there, shared with the exercises' checker).
pub fn assert_no_idle_worker(record: &Record, workers: usize, slack: Duration) {
    if let Err(failure) = judge::no_idle_worker(record, workers, slack) {
        panic!("{}", failure.saw);
    }
}

/// How late a free worker may take its next device and still count as busy: generous,
/// since the test machine's two cores are shared with other builds and tests.
pub const POOL_SLACK: Duration = Duration::from_millis(50);

/// A pool of `workers` as the fleet saw it: never more than `workers` sessions open at any
/// instant, that many reached, and no idle worker ([`judge::pool_of`] with [`POOL_SLACK`]).
pub fn assert_pool_of(record: &Record, workers: usize) {
    if let Err(failure) = judge::pool_of(record, workers, POOL_SLACK) {
        panic!("{}", failure.saw);
    }
}

/// The `--timeline` chart of a lesson's stdout with what changes from run to run taken
/// out, for a snapshot: times become `[T]`; each bar, the scale and the `at once` row keep
/// their shape, not their length (a run of `─` or `╌` is one character, a run of one digit
/// one digit, and the ticks between the first and the last are one); and the worker (or
/// lane) rows, whose order depends on which one connected first, are sorted, their numbers
/// `N`.
pub fn stable_timeline(stdout: &str) -> String {
    let re = |pattern: &str| regex::Regex::new(pattern).expect("a valid pattern");
    let times = re(r"\b\d+\.\d+ s\b");
    let fills = re(r"─+");
    let dashes = re(r"╌+");
    let ticks = re(r"┴(─┴)+");
    let tick_labels = re(r"0 s( +\[T\] s)+");
    let numbers = re(r"^(thread|pid|lane) \d+");
    let chart = stdout
        .find("== timeline")
        .map_or("", |start| &stdout[start..]);
    let mut out = Vec::new();
    let mut rows = Vec::new();
    for line in chart.lines() {
        let line = times.replace_all(line, "[T] s");
        let line = fills.replace_all(&line, "─");
        let line = dashes.replace_all(&line, "╌").into_owned();
        if numbers.is_match(&line) {
            rows.push(numbers.replace(&line, "$1 N").into_owned());
            continue;
        }
        rows.sort();
        out.append(&mut rows);
        if let Some((label, cells)) = line.split_once('│')
            && label.starts_with("at once")
        {
            let mut distinct: Vec<char> = cells.chars().collect();
            distinct.dedup();
            out.push(format!("{label}│{}", String::from_iter(distinct)));
        } else if line.trim_start().starts_with('└') {
            out.push(ticks.replace(&line, "┴─┴").into_owned());
        } else {
            out.push(tick_labels.replace(&line, "0 s [T] s").into_owned());
        }
    }
    out.join("\n")
}

/// A control experiment for the parallel speed-up: does this machine run two threads at the
/// same time right now, or do other programs keep its CPUs busy? Two threads with the same
/// fixed work as one must finish in well under twice its time.
pub fn machine_runs_two_threads_at_once() -> bool {
    fn spin(rounds: u64) -> u64 {
        (0..rounds).fold(0, |sum, i| std::hint::black_box(sum ^ i.wrapping_mul(31)))
    }
    let start = std::time::Instant::now();
    let mut rounds = 0;
    while start.elapsed() < Duration::from_millis(50) {
        spin(10_000);
        rounds += 10_000;
    }
    (0..3).any(|_| {
        let start = std::time::Instant::now();
        spin(rounds);
        let one = start.elapsed();
        let start = std::time::Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(|| spin(rounds));
            scope.spawn(|| spin(rounds));
        });
        start.elapsed() < one.mul_f64(1.5)
    })
}

/// Reads back what [`crate::timedelta`] prints: `0:00:01.234567` is 1.234567 s.
pub fn parse_timedelta(text: &str) -> Option<Duration> {
    let mut parts = text.trim().split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    let seconds =
        h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?;
    Some(Duration::from_secs_f64(seconds))
}

/// Every `Elapsed time: 0:00:01.234567` line of a lesson's output, as durations.
pub fn elapsed_times(stdout: &str) -> Vec<Duration> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Elapsed time: "))
        .filter_map(parse_timedelta)
        .collect()
}

/// `assert_lesson_snapshot!(LESSON.command(&lab, &[]))`: insta-cmd's snapshot of a lesson
/// run, with [`settings`] in force (the calling test crate needs `insta-cmd`).
#[macro_export]
macro_rules! assert_lesson_snapshot {
    ($command:expr) => {{
        let _guard = $crate::testing::settings().bind_to_scope();
        insta_cmd::assert_cmd_snapshot!($command);
    }};
}

/// insta settings that blank out what changes from run to run: elapsed times, seconds
/// figures, ports and pids. Use as `let _guard = settings().bind_to_scope();`.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b\d+:\d{2}:\d{2}(\.\d{6})?\b", "[ELAPSED]");
    settings.add_filter(r"\b\d+\.\d+ ?(s|seconds|ms)\b", "[SECONDS] $1");
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    settings.add_filter(r"\bpid \d+", "pid [PID]");
    // A wait part's `(wait: 5 of 9 done)` comes every 2 s of waiting: whether one comes
    // depends on this machine's speed.
    settings.add_filter(r"\(wait: \d+ of \d+ done\)\n", "");
    settings
}

// ---------------------------------------------------------------------------------------
// The network pushes back at scale
// ---------------------------------------------------------------------------------------

/// The scale run: [`CrowdedLab::DEVICES`] devices behind one AAA server of capacity
/// 20, and three truly faulty devices (one refuses, one rejects every login, one hangs).
/// Run with [`CrowdedLab::WORKERS`] workers, the AAA server's queue grows past its timeout
/// and logins fail that a retry recovers; the faulty devices fail however often they are
/// tried. A fresh lab per run: the record is what each run is graded on.
#[derive(Debug)]
pub struct CrowdedLab {
    lab: TestLab,
    faulty: Vec<(String, Trouble)>,
}

impl CrowdedLab {
    pub const DEVICES: usize = 1000;
    /// Five times the AAA server's capacity.
    pub const WORKERS: usize = 100;
    pub const RETRIES: u32 = 5;
    /// Every stage's time limit, but the banner's (`--timeout`): room for a login that
    /// waited its while in the AAA queue.
    pub const TIMEOUT: f64 = 2.0;
    /// The banner's (`--banner-timeout`): what each try of the hanging device costs.
    pub const BANNER_TIMEOUT: f64 = 1.0;

    /// The AAA server: 20 logins at once, 100 ms each (200 a second), and a login waits at
    /// most 375 ms in its queue, so 75 waiting logins fit beside the 20 being served. A pool
    /// of 100 keeps nearly all its workers at the AAA server (what else a session does is
    /// quick), a few too many: without retries about one login in five fails, in waves. A
    /// try that fails backs off, which thins the queue by the few it had too many, and with
    /// retries every login gets through, most after one retry (measured on two busy cores:
    /// 138 and 174 AAA failures without retries; with retries, 133 and 155 devices ok after
    /// retries, none failed). Nearer 300 ms, some devices fail all six tries: the first
    /// retries' waits (up to 0.2 and 0.4 s) are too short against a queue that stays full.
    pub const AAA: mock_device::AaaConfig = mock_device::AaaConfig {
        capacity: 20,
        delay: Duration::from_millis(100),
        timeout: Duration::from_millis(375),
    };

    pub fn start() -> CrowdedLab {
        let mut config = FleetConfig::generated(Self::DEVICES, &Platform::ALL, Duration::ZERO);
        config.aaa = Some(Self::AAA);
        let troubles = [
            (Trouble::Refuse, Fault::Refuse),
            (Trouble::AuthFail, Fault::AuthFail),
            (Trouble::Hang, Fault::Hang),
        ];
        let mut faulty = Vec::new();
        for (k, (trouble, fault)) in troubles.into_iter().enumerate() {
            let device = &mut config.devices[(k + 1) * Self::DEVICES / 4];
            device.fault = Some(fault);
            faulty.push((device.name.clone(), trouble));
        }
        CrowdedLab {
            lab: TestLab::start(config),
            faulty,
        }
    }

    /// The flags of a run over this lab: `--workers`, `--timeout`, `--banner-timeout`, and
    /// `--retries` when `retries`.
    pub fn args(retries: bool) -> Vec<String> {
        let mut args = vec![
            format!("--workers={}", Self::WORKERS),
            format!("--timeout={}", Self::TIMEOUT),
            format!("--banner-timeout={}", Self::BANNER_TIMEOUT),
        ];
        if retries {
            args.push(format!("--retries={}", Self::RETRIES));
        }
        args
    }

    /// The inventory file to pass as `--inventory`.
    pub fn inventory(&self) -> &Path {
        self.lab.inventory()
    }

    pub fn fleet(&self) -> &Fleet {
        self.lab.fleet()
    }

    /// The truly faulty devices and how.
    pub fn faulty(&self) -> &[(String, Trouble)] {
        &self.faulty
    }

    /// After a run with retries whose failed devices are `failed`, against the record:
    /// exactly the faulty devices failed; the refusing one has no session, the one that
    /// rejects logins one (it is never tried again); every healthy device logged in once
    /// and closed cleanly, whatever its tries before; the AAA server never worked on more
    /// than its capacity, and it did turn logins away (the retries had work to do).
    pub fn check_run_with_retries(&self, failed: &BTreeSet<String>) {
        let expected: BTreeSet<String> = self.faulty.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(*failed, expected, "the failed devices are the faulty ones");
        let record = self.record_once_closed();
        assert_eq!(record.dropped_records, 0);
        let per_device = record.sessions_per_device();
        for (name, trouble) in &self.faulty {
            let sessions = per_device.get(name).copied().unwrap_or(0);
            match trouble {
                Trouble::Refuse => assert_eq!(sessions, 0, "{name}"),
                Trouble::AuthFail => assert_eq!(sessions, 1, "{name} was tried again"),
                _ => assert_eq!(sessions, 1 + Self::RETRIES as usize, "{name}"),
            }
        }
        for device in self.fleet().devices() {
            if expected.contains(&device.name) {
                continue;
            }
            let good: Vec<&SessionRecord> = record
                .sessions
                .iter()
                .filter(|s| s.device == device.name && s.auth.as_ref().is_some_and(|a| a.ok))
                .collect();
            let [session] = good[..] else {
                panic!("{}: one good login, the mock saw {good:?}", device.name);
            };
            assert_eq!(
                session.closed.as_ref().map(|c| c.how),
                Some(CloseKind::Clean),
                "{session:?}"
            );
        }
        assert!(record.peak_aaa_busy() <= Self::AAA.capacity);
        let aaa_timeouts: usize = Self::aaa_timeouts(&record);
        assert!(aaa_timeouts > 0, "no login waited out the AAA queue");
    }

    /// How many logins of `record` waited out the AAA server's queue.
    pub fn aaa_timeouts(record: &Record) -> usize {
        record
            .refused_per_device(mock_device::record::AAA_TIMEOUT)
            .values()
            .sum()
    }

    /// The record once every session has closed (the hanging device's last one closes
    /// when its client gives up), or after 5 s.
    fn record_once_closed(&self) -> Record {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let record = self.fleet().record();
            if record.sessions.iter().all(|s| s.closed.is_some())
                || std::time::Instant::now() > deadline
            {
                return record;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Lesson {
    /// The scale run, through a lesson whose `args` contact each device once (one
    /// part) in a pool sized by `--workers`, over a [`CrowdedLab`] each time:
    /// - without retries, many logins fail for want of an AAA answer (`Error: ...: login
    ///   refused by the AAA server: ...`), as many as the mock turned away;
    /// - with `--retries 5`, the `Error:` lines name exactly the faulty devices, the summary
    ///   is `997 ok (M after retries), 3 failed` with M > 0, and the record agrees
    ///   ([`CrowdedLab::check_run_with_retries`]).
    pub fn check_crowded_run(&self, args: &[&str]) {
        let run = |lab: &CrowdedLab, retries: bool| {
            let flags = CrowdedLab::args(retries);
            let all: Vec<&str> = args
                .iter()
                .copied()
                .chain(flags.iter().map(String::as_str))
                .collect();
            let output = self
                .command_on(lab.inventory(), &all)
                .output()
                .expect("the lesson runs");
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
            (stdout, stderr)
        };
        let named = |stdout: &str| -> BTreeSet<String> {
            stdout
                .lines()
                .filter_map(|line| line.strip_prefix("Error: "))
                .filter_map(|error| error.split(':').next())
                .map(String::from)
                .collect()
        };

        let lab = CrowdedLab::start();
        let (stdout, _) = run(&lab, false);
        let refused_by_aaa = stdout
            .lines()
            .filter(|line| line.contains(": login refused by the AAA server: "))
            .count();
        let record = lab.record_once_closed();
        assert!(
            refused_by_aaa >= CrowdedLab::DEVICES / 20,
            "only {refused_by_aaa} AAA failures without retries\n{stdout}"
        );
        assert_eq!(refused_by_aaa, CrowdedLab::aaa_timeouts(&record));

        let lab = CrowdedLab::start();
        let (stdout, stderr) = run(&lab, true);
        lab.check_run_with_retries(&named(&stdout));
        let faulty = lab.faulty().len();
        let summary = stderr.lines().last().unwrap_or_default();
        let after = summary
            .strip_prefix(&format!("{} ok (", CrowdedLab::DEVICES - faulty))
            .and_then(|rest| rest.strip_suffix(&format!(" after retries), {faulty} failed")))
            .and_then(|after| after.parse::<usize>().ok());
        assert!(after.is_some_and(|m| m > 0), "{stderr}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_faulty_lab_fails_the_devices_it_says_and_no_others() {
        let lab = FaultyLab::start(100);
        assert_eq!(lab.troubled().len(), 5);
        let devices = crate::load_inventory(lab.inventory()).expect("the inventory reads");
        let failed = |job: fn(&crate::Device) -> Result<String, crate::SshError>| {
            let mut failed: Vec<String> = std::thread::scope(|scope| {
                let runs: Vec<_> = devices
                    .iter()
                    .map(|d| {
                        let mut d = d.clone();
                        d.timeout = 1.0;
                        scope.spawn(move || job(&d).err().map(|e| e.device().to_string()))
                    })
                    .collect();
                runs.into_iter()
                    .filter_map(|run| run.join().expect("the worker thread ends"))
                    .collect()
            });
            failed.sort();
            failed
        };
        let names = |show: bool| {
            let mut names: Vec<String> = lab
                .expected_failures(show)
                .into_iter()
                .map(String::from)
                .collect();
            names.sort();
            names
        };
        assert_eq!(failed(crate::ssh_conn), names(false));
        assert_eq!(failed(crate::show_version), names(true));
    }
}

/// OpenSSH's `sshd`, started by a test on 127.0.0.1 with an OS-assigned port and a
/// throw-away host key, so the SSH helpers are checked against a server this project did
/// not write. Logging in takes the throw-away client key [`Sshd::device`] names; the shell
/// is `/bin/sh -i` with the prompt `sshd-test# `.
pub mod sshd {
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::OwnedFd;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;

    use crate::inventory::{Device, DeviceType};

    /// Where Debian's openssh-server puts the daemon.
    pub const SSHD: &str = "/usr/sbin/sshd";

    /// The prompt the test shell shows, as the helpers return it (trailing space trimmed).
    pub const PROMPT: &str = "sshd-test#";

    /// A running sshd: one `sshd -i` per accepted connection, all stopped on drop.
    #[derive(Debug)]
    pub struct Sshd {
        dir: tempfile::TempDir,
        port: u16,
        fingerprint: String,
        stop: Arc<AtomicBool>,
        children: Arc<Mutex<Vec<Child>>>,
        acceptor: Option<JoinHandle<()>>,
    }

    impl Sshd {
        /// Starts it. Panics, saying what to install, when sshd is missing: a test against
        /// OpenSSH must fail there, not pass without having run.
        pub fn start() -> Sshd {
            Sshd::start_with_shell(None)
        }

        /// Starts it with `cli`, a `/bin/sh` script, as every login's shell instead of the
        /// interactive `sh`: a small device CLI (its prompt, its answers to commands).
        pub fn start_with_cli(cli: &str) -> Sshd {
            Sshd::start_with_shell(Some(cli))
        }

        fn start_with_shell(cli: Option<&str>) -> Sshd {
            assert!(
                Path::new(SSHD).exists(),
                "{SSHD} is missing: install Debian's openssh-server \
                 (`apt-get install openssh-server`; CI's .ci/run does)"
            );
            // sshd refuses to start without its privilege-separation directory.
            std::fs::create_dir_all("/run/sshd").expect("/run/sshd (sshd's privsep dir) exists");
            let dir = tempfile::tempdir().expect("a temp dir");
            let path = |name: &str| dir.path().join(name);
            keygen(&path("host_key"));
            keygen(&path("client_key"));
            std::fs::copy(path("client_key.pub"), path("authorized_keys"))
                .expect("authorized_keys written");
            let shell = match cli {
                Some(script) => {
                    std::fs::write(path("cli.sh"), script).expect("the CLI script written");
                    format!("/bin/sh {}", path("cli.sh").display())
                }
                None => "env PS1='sshd-test# ' /bin/sh -i".to_string(),
            };
            let config = format!(
                "HostKey {}\n\
                 AuthorizedKeysFile {}\n\
                 StrictModes no\n\
                 UsePAM no\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\n\
                 PrintMotd no\n\
                 PrintLastLog no\n\
                 PidFile none\n\
                 ForceCommand {shell}\n",
                path("host_key").display(),
                path("authorized_keys").display(),
            );
            std::fs::write(path("sshd_config"), config).expect("sshd_config written");
            let fingerprint = fingerprint_of(&path("host_key.pub"));

            let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
            let port = listener.local_addr().expect("the port").port();
            let stop = Arc::new(AtomicBool::new(false));
            let children = Arc::new(Mutex::new(Vec::new()));
            let acceptor = {
                let (stop, children) = (Arc::clone(&stop), Arc::clone(&children));
                let (config, log) = (path("sshd_config"), path("sshd.log"));
                std::thread::spawn(move || accept(listener, &config, &log, &stop, &children))
            };
            Sshd {
                dir,
                port,
                fingerprint,
                stop,
                children,
                acceptor: Some(acceptor),
            }
        }

        /// The port it listens on.
        pub fn port(&self) -> u16 {
            self.port
        }

        /// The host key's fingerprint, as `ssh-keygen -l -E sha256` prints it.
        pub fn fingerprint(&self) -> &str {
            &self.fingerprint
        }

        /// What sshd wrote on stderr (`-e`): a failing test prints it.
        pub fn log(&self) -> String {
            std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
        }

        /// A device for it: this user, the client key, no password, the host key pinned.
        pub fn device(&self, timeout: f64) -> Device {
            let user = Command::new("id")
                .arg("-un")
                .output()
                .expect("`id -un` runs");
            Device {
                name: "sshd".to_string(),
                device_type: DeviceType::CiscoIos,
                host: "127.0.0.1".to_string(),
                port: self.port,
                username: String::from_utf8_lossy(&user.stdout).trim().to_string(),
                password: String::new(),
                host_key: Some(self.fingerprint.clone()),
                key_file: Some(self.dir.path().join("client_key")),
                timeout,
                conn_timeout: timeout,
                banner_timeout: timeout,
                auth_timeout: timeout,
                read_timeout: timeout,
                retries: 0,
            }
        }
    }

    impl Drop for Sshd {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the acceptor, which then sees `stop` and returns.
            let _ = TcpStream::connect(("127.0.0.1", self.port));
            if let Some(acceptor) = self.acceptor.take() {
                let _ = acceptor.join();
            }
            let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
            for child in children.iter_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// inetd mode: every connection gets its own `sshd -i` with the socket as stdin and stdout.
    fn accept(
        listener: TcpListener,
        config: &Path,
        log: &Path,
        stop: &AtomicBool,
        children: &Mutex<Vec<Child>>,
    ) {
        for stream in listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let Ok(stream) = stream else { continue };
            let (Ok(input), Ok(log)) = (
                stream.try_clone(),
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log),
            ) else {
                continue;
            };
            let child = Command::new(SSHD)
                .args(["-i", "-e", "-f"])
                .arg(config)
                .stdin(Stdio::from(OwnedFd::from(input)))
                .stdout(Stdio::from(OwnedFd::from(stream)))
                .stderr(log)
                .spawn()
                .expect("sshd -i starts");
            children
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(child);
        }
    }

    /// A new ed25519 key pair without a passphrase at `path` and `path.pub`.
    fn keygen(path: &PathBuf) {
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "netauto-test", "-f"])
            .arg(path)
            .status()
            .expect("ssh-keygen runs (openssh-client)");
        assert!(status.success(), "ssh-keygen failed for {}", path.display());
    }

    /// `256 SHA256:abc... comment (ED25519)` -> `SHA256:abc...`.
    fn fingerprint_of(public_key: &Path) -> String {
        let out = Command::new("ssh-keygen")
            .args(["-l", "-E", "sha256", "-f"])
            .arg(public_key)
            .output()
            .expect("ssh-keygen -l runs");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .nth(1)
            .expect("ssh-keygen -l prints a fingerprint")
            .to_string()
    }
}

// ---------------------------------------------------------------------------------------
// `--results FILE`, read back and held against the fleet's record
// ---------------------------------------------------------------------------------------

/// Every line of a `--results` file, parsed.
pub fn read_results(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("the results file exists");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("each line is a JSON object"))
        .collect()
}

/// Checks a run's `--results` lines against what the fleet saw of it: one line per device
/// of `devices` in `part`, each ok but `failed`, run by the worker (pid and thread) whose
/// banner the mock saw on that device's sessions, which carry the run id and the part; its
/// times inside the run and in order; and a last line whose totals count them. Returns the
/// run id.
pub fn check_results(
    lines: &[serde_json::Value],
    record: &Record,
    devices: &[&str],
    part: &str,
    failed: &[&str],
) -> String {
    let (totals, attempts) = lines.split_last().expect("a results file has lines");
    let run = totals["run"].as_str().expect("a run id").to_string();
    assert_eq!(attempts.len(), devices.len(), "{lines:#?}");
    let mut seen = BTreeSet::new();
    for line in attempts {
        let device = line["device"].as_str().expect("a device");
        assert!(seen.insert(device), "{device} twice: {lines:#?}");
        assert!(devices.contains(&device), "{device}: {lines:#?}");
        assert_eq!(line["run"], totals["run"]);
        assert_eq!(line["lesson"], totals["lesson"]);
        assert_eq!(line["part"], part);
        assert_eq!(line["ok"], !failed.contains(&device), "{line}");
        if failed.contains(&device) {
            assert!(line["error"]["kind"].is_string(), "{line}");
            assert!(
                line["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(device))
            );
        }
        let (start, end) = (line["start"].as_f64(), line["end"].as_f64());
        assert!(
            start.zip(end).is_some_and(|(s, e)| 0.0 <= s && s <= e),
            "{line}"
        );
        assert!(
            line["started_at"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        let sessions: Vec<&SessionRecord> = record
            .sessions
            .iter()
            .filter(|s| s.device == device)
            .collect();
        assert!(!sessions.is_empty(), "the mock saw no session of {device}");
        for session in sessions {
            let (pid, thread) = judge::worker(session).expect("this project's client");
            assert_eq!(
                line["worker"]["pid"], pid,
                "{line} against {}",
                session.client
            );
            assert_eq!(line["worker"]["thread"], thread.as_str());
            assert!(
                session.client.ends_with(&format!(" run={run} part={part}")),
                "{}",
                session.client
            );
        }
    }
    let counts = &totals["totals"];
    assert_eq!(counts["attempts"], devices.len());
    assert_eq!(counts["failed"], failed.len());
    assert_eq!(counts["ok"], devices.len() - failed.len());
    run
}
