//! Benchmark of the mock fleet: start-up time and memory of a large fleet, memory per idle
//! device and per open session, and how many SSH sessions a second it serves.
//!
//!     cargo run --release -p mock-device --example bench
//!     cargo run --release -p mock-device --example bench -- --devices 10000 --threads 16
//!
//! The fleet runs in a child process (this program started again with `--serve`), so its
//! memory is measured alone (Linux: /proc/PID/status VmRSS), apart from the ssh2 clients.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use mock_device::{Fleet, FleetConfig};
use serde::Deserialize;

#[derive(Debug, Parser)]
struct Args {
    /// Devices in the large fleet.
    #[arg(long, default_value_t = 10_000)]
    devices: usize,
    /// The connection-rate test spreads its sessions over this many devices.
    #[arg(long, default_value_t = 1000)]
    rate_devices: usize,
    /// Client threads of the connection-rate test.
    #[arg(long, default_value_t = 16)]
    threads: usize,
    /// Length of the connection-rate test.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Sessions held open at once for the per-session memory figure.
    #[arg(long, default_value_t = 1000)]
    sessions: usize,
    /// Internal: serve a generated fleet of this many devices and write its inventory.
    #[arg(long, hide = true)]
    serve: Option<usize>,
    #[arg(long, hide = true)]
    inventory: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    host: String,
    port: u16,
    username: String,
    password: String,
}

impl Entry {
    fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host.parse().expect("inventory host"), self.port)
    }
}

/// Child mode: start the fleet, report, serve until stdin closes.
fn serve(n: usize, inventory: &Path) -> std::io::Result<()> {
    let started = Instant::now();
    let fleet = Fleet::start(FleetConfig::generated(n, &[], Duration::ZERO))?;
    let took = started.elapsed();
    std::fs::write(inventory, fleet.inventory_yaml())?;
    println!("ready {}", took.as_micros());
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    fleet.shutdown();
    Ok(())
}

/// A fleet in a child process.
struct Server {
    child: Child,
    entries: Vec<Entry>,
    start_in_process: Duration,
    start_wall: Duration,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(n: usize) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let inventory = dir.path().join("inventory.yaml");
        let wall = Instant::now();
        let mut child = Command::new(std::env::current_exe().expect("current exe"))
            .arg("--serve")
            .arg(n.to_string())
            .arg("--inventory")
            .arg(&inventory)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server reports");
        let start_wall = wall.elapsed();
        let micros: u64 = line
            .strip_prefix("ready ")
            .and_then(|m| m.trim().parse().ok())
            .unwrap_or_else(|| panic!("server failed: {line:?}"));
        let text = std::fs::read_to_string(&inventory).expect("inventory");
        let entries: Vec<Entry> = serde_yaml::from_str(&text).expect("inventory parses");
        Server {
            child,
            entries,
            start_in_process: Duration::from_micros(micros),
            start_wall,
            _dir: dir,
        }
    }

    fn proc_file(&self, name: &str) -> String {
        std::fs::read_to_string(format!("/proc/{}/{name}", self.child.id())).unwrap_or_default()
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        self.proc_file("status")
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// CPU time (user + system) used so far.
    fn cpu(&self) -> Duration {
        let stat = self.proc_file("stat");
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
        let ticks: u64 = [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
            .sum();
        // USER_HZ is 100 on Linux.
        Duration::from_millis(ticks * 10)
    }

    fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn login(entry: &Entry) -> std::io::Result<ssh2::Session> {
    let tcp = TcpStream::connect_timeout(&entry.addr(), Duration::from_secs(10))?;
    tcp.set_nodelay(true)?;
    let mut session = ssh2::Session::new()?;
    session.set_timeout(10_000);
    session.set_tcp_stream(tcp);
    session.handshake()?;
    session.userauth_password(&entry.username, &entry.password)?;
    Ok(session)
}

/// One full session: connect, log in, `show version`, close.
fn one_session(entry: &Entry) -> std::io::Result<()> {
    let session = login(entry)?;
    let mut channel = session.channel_session()?;
    channel.exec("show version")?;
    let mut out = String::new();
    channel.read_to_string(&mut out)?;
    channel.wait_close()?;
    session.disconnect(None, "done", None)?;
    Ok(())
}

fn settle() {
    std::thread::sleep(Duration::from_millis(1500));
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn main() {
    let args = Args::parse();
    if let (Some(n), Some(path)) = (args.serve, &args.inventory) {
        if let Err(e) = serve(n, path) {
            println!("error {e}");
        }
        return;
    }
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("mock-device benchmark: {cores} cores, release build\n");

    let small = Server::start(1);
    settle();
    let base_rss = small.rss_kib();
    small.stop();

    let server = Server::start(args.devices);
    settle();
    let idle_rss = server.rss_kib();
    let per_device = (idle_rss.saturating_sub(base_rss)) as f64 * 1024.0
        / (args.devices.saturating_sub(1)).max(1) as f64;
    println!("| measure | result |\n|---|---|");
    println!(
        "| start-up, {} devices (Fleet::start / process spawn to ready) | {} ms / {} ms |",
        args.devices,
        server.start_in_process.as_millis(),
        server.start_wall.as_millis()
    );
    println!(
        "| RSS idle, {} devices (1 device: {}) | {} |",
        args.devices,
        mib(base_rss),
        mib(idle_rss)
    );
    println!(
        "| memory per idle device | {:.1} KiB |",
        per_device / 1024.0
    );
    println!("| open fds idle | {} |", server.open_fds());

    // Sessions held open (logged in, shell on a pty), one per device.
    let held_n = args.sessions.min(server.entries.len());
    let mut held = Vec::with_capacity(held_n);
    for entry in &server.entries[..held_n] {
        let session = login(entry).expect("login");
        let mut channel = session.channel_session().expect("channel");
        channel
            .request_pty("vt100", None, Some((511, 1000, 0, 0)))
            .expect("pty");
        channel.shell().expect("shell");
        let mut buf = [0u8; 256];
        let _ = channel.read(&mut buf).expect("prompt");
        held.push((session, channel));
    }
    settle();
    let held_rss = server.rss_kib();
    println!(
        "| RSS with {held_n} open sessions | {} ({:.1} KiB per session) |",
        mib(held_rss),
        held_rss.saturating_sub(idle_rss) as f64 / held_n.max(1) as f64
    );
    drop(held);

    // Connection rate: full sessions from many threads over `rate_devices` devices.
    let rate_n = args.rate_devices.min(server.entries.len()).max(1);
    let rate_entries = &server.entries[..rate_n];
    let count = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = server.cpu();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..args.threads {
            let (count, errors, stop) = (count.clone(), errors.clone(), stop.clone());
            scope.spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    match one_session(&rate_entries[i % rate_entries.len()]) {
                        Ok(()) => count.fetch_add(1, Ordering::Relaxed),
                        Err(_) => errors.fetch_add(1, Ordering::Relaxed),
                    };
                    i += args.threads;
                }
            });
        }
        std::thread::sleep(args.duration);
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed();
    let cpu = server.cpu().saturating_sub(cpu_before);
    let sessions = count.load(Ordering::Relaxed);
    println!(
        "| sessions/s: connect + password login + `show version` + close, {} threads over {} devices | {:.0} ({} sessions, {} errors) |",
        args.threads,
        rate_n,
        sessions as f64 / elapsed.as_secs_f64(),
        sessions,
        errors.load(Ordering::Relaxed)
    );
    println!(
        "| server CPU per session | {:.2} ms |",
        cpu.as_secs_f64() * 1000.0 / sessions.max(1) as f64
    );
    settle();
    println!("| RSS after the rate test | {} |", mib(server.rss_kib()));
    server.stop();
}
