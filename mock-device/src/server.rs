//! The SSH side: one tokio runtime serving every device of a fleet, one listener and accept
//! loop per device, one russh session per connection, one task per channel.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::ssh_key::sha2::{Digest, Sha256};
use russh::keys::{HashAlg, PrivateKey, PublicKey};
use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, PublicKeyOffer, Session};
use russh::server::{VerifiedPublicKey, run_stream};
use russh::{Channel, ChannelId, Disconnect, MethodKind, MethodSet};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};

use crate::config::{AaaConfig, Fault, FleetConfig, MaxStartups, Platform};
use crate::device_cli::{DeviceCli, ReplyKind};
use crate::record::{
    AAA_TIMEOUT, CloseKind, EventKind, MAX_STARTUPS, Record, Recorder, TOO_MANY_SESSIONS,
};

/// How long a wrong login waits before it is rejected (the "none" probe OpenSSH sends first
/// is answered at once).
const AUTH_REJECTION_TIME: Duration = Duration::from_millis(200);
/// Refused login attempts before the connection is closed (russh's default).
const MAX_AUTH_ATTEMPTS: usize = 10;
/// Pause after a failed `accept` (EMFILE...) before the listener tries again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Pending connections a device's listener queues (the kernel caps it at somaxconn).
const LISTEN_BACKLOG: u32 = 1024;
/// A device with the `drop` fault cuts the connection this far into a command at least.
const MIN_DROP_DELAY: Duration = Duration::from_millis(20);
/// The longest client identification string kept (RFC 4253 allows 255 bytes with CR LF).
const MAX_CLIENT_ID: usize = 253;
/// What a connection reads from its socket at once. russh asks for each packet in two
/// reads (its length, then the rest), so read straight from the socket that is two system
/// calls a packet; through this buffer, one call takes in what has arrived (up to 1 KiB).
const READ_BUFFER: usize = 1024;
/// A connection refused before SSH (session limit, start-up drop) waits at most this long
/// for the client to hang up: closing a socket with unread input sends a reset, and the
/// client could lose the refusal line or see "connection reset" instead of a clean close.
const HANGUP_GRACE: Duration = Duration::from_secs(1);
/// A connection the device hangs up on gets this long to send its disconnect message.
const HANGUP_FLUSH: Duration = Duration::from_millis(100);
/// The first lines NX-OS writes after a login (shown before its session-limit line).
const NXOS_LOGIN_BANNER: &str = "Cisco Nexus Operating System (NX-OS) Software\r\n\
                                 TAC support: http://www.cisco.com/tac\r\n\
                                 Copyright (C) 2002-2020, Cisco and/or its affiliates.\r\n\
                                 All rights reserved.\r\n";

/// What a client needs to reach one running device.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub name: String,
    pub platform: Platform,
    /// Where to connect (127.0.0.1 when the fleet binds an unspecified address).
    pub addr: SocketAddr,
    pub username: String,
    pub password: String,
    /// OpenSSH-style SHA-256 fingerprint of the host key, `SHA256:...` as `ssh-keygen -l`
    /// prints it.
    pub fingerprint: String,
}

/// A running fleet: one tokio runtime with its own threads serves every device. The API is
/// synchronous. The fleet stops on [`Fleet::shutdown`] and when dropped: listeners closed,
/// connections cut, tasks ended, threads joined.
#[derive(Debug)]
pub struct Fleet {
    runtime: Option<tokio::runtime::Runtime>,
    devices: Vec<DeviceInfo>,
    /// Bound but never listening: holds each `refuse` device's port so that nobody else
    /// takes it while connections to it are refused.
    refused_ports: Vec<TcpSocket>,
    shared: Arc<FleetShared>,
}

impl Fleet {
    /// Starts every device of `config`. Raises the open-file limit (soft to hard) first.
    /// The fleet's clock starts here: every time in its [`Record`] counts from this moment.
    pub fn start(config: FleetConfig) -> io::Result<Fleet> {
        config
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let recorder = if config.record_limit > 0 || config.events_out.is_some() {
            Some(Arc::new(Recorder::start(
                config.record_limit,
                config.events_out.as_deref(),
            )?))
        } else {
            None
        };
        // Best effort: a fleet of a few devices runs under any limit.
        let _ = rlimit::increase_nofile_limit(u64::MAX);
        let authorized = config
            .authorized_keys
            .iter()
            .map(|line| {
                PublicKey::from_openssh(line.trim()).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("bad authorized key {:?}: {e}", line.trim()),
                    )
                })
            })
            .collect::<io::Result<Vec<_>>>()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mock-device")
            .enable_all()
            .build()?;
        let shared = Arc::new(FleetShared {
            username: config.username.clone(),
            enable_secret: config.enable_secret.clone(),
            authorized,
            accept_errors: ErrorLog::default(),
            recorder,
            aaa: config.aaa.map(AaaServer::new),
        });
        let connect_ip = match config.bind {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let mut fleet = Fleet {
            runtime: None,
            devices: Vec::with_capacity(config.devices.len()),
            refused_ports: Vec::new(),
            shared: shared.clone(),
        };
        let _enter = runtime.enter();
        for (index, dev) in config.devices.iter().enumerate() {
            let key = host_key(config.host_key_seed.as_deref(), &dev.name);
            let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
            let password = dev
                .password
                .clone()
                .unwrap_or_else(|| config.password.clone());
            let bind_addr = SocketAddr::new(config.bind, dev.port);
            let in_use = |e: io::Error| {
                io::Error::new(
                    e.kind(),
                    format!("{}: cannot bind {bind_addr}: {e}", dev.name),
                )
            };
            let socket = bound_socket(bind_addr).map_err(in_use)?;
            let port = socket.local_addr()?.port();
            if dev.fault == Some(Fault::Refuse) {
                fleet.refused_ports.push(socket);
            } else {
                let listener = socket.listen(LISTEN_BACKLOG)?;
                let mut outputs = config
                    .outputs
                    .get(&dev.platform)
                    .cloned()
                    .unwrap_or_default();
                outputs.extend(dev.outputs.clone());
                let device = Arc::new(Device {
                    name: dev.name.clone(),
                    platform: dev.platform,
                    hostname: dev.hostname.clone().unwrap_or_else(|| dev.name.clone()),
                    outputs: Arc::new(outputs),
                    password: password.clone(),
                    fault: dev.fault,
                    max_sessions: dev.max_sessions,
                    login_delay: dev.login_delay,
                    command_delay: dev.command_delay,
                    active: AtomicUsize::new(0),
                    jitter: (!config.jitter.is_zero())
                        .then(|| Jitter::new(config.jitter, config.jitter_seed, index)),
                    startups: dev
                        .max_startups
                        .or(config.max_startups)
                        .map(|limits| Startups::new(limits, config.jitter_seed, index)),
                    unauthenticated: Arc::new(AtomicUsize::new(0)),
                    kex_pending: Arc::new(AtomicUsize::new(0)),
                    banner_delay_per_pending: config.banner_delay_per_pending,
                    ssh: Arc::new(ssh_config(key)),
                    fleet: shared.clone(),
                });
                tokio::spawn(accept_loop(listener, device));
            }
            fleet.devices.push(DeviceInfo {
                name: dev.name.clone(),
                platform: dev.platform,
                addr: SocketAddr::new(connect_ip, port),
                username: config.username.clone(),
                password,
                fingerprint,
            });
        }
        drop(_enter);
        fleet.runtime = Some(runtime);
        Ok(fleet)
    }

    /// Every device, in the order of the configuration.
    pub fn devices(&self) -> &[DeviceInfo] {
        &self.devices
    }

    /// The device called `name`.
    pub fn device(&self, name: &str) -> Option<&DeviceInfo> {
        self.devices.iter().find(|d| d.name == name)
    }

    /// The client inventory: a YAML list in device order with `name`, `device_type`,
    /// `host`, `port`, `username`, `password`, `host_key`.
    pub fn inventory_yaml(&self) -> String {
        #[derive(Serialize)]
        struct Entry<'a> {
            name: &'a str,
            device_type: &'a str,
            host: String,
            port: u16,
            username: &'a str,
            password: &'a str,
            host_key: &'a str,
        }
        let entries: Vec<Entry<'_>> = self
            .devices
            .iter()
            .map(|d| Entry {
                name: &d.name,
                device_type: d.platform.netmiko_name(),
                host: d.addr.ip().to_string(),
                port: d.addr.port(),
                username: &d.username,
                password: &d.password,
                host_key: &d.fingerprint,
            })
            .collect();
        serde_yaml::to_string(&entries).unwrap_or_default()
    }

    /// How many times a listener's `accept` failed (EMFILE under load...) and was retried.
    pub fn accept_errors(&self) -> u64 {
        self.shared.accept_errors.total.load(Ordering::Relaxed)
    }

    /// What the fleet saw so far: a copy of its record, every session in accept order,
    /// the open ones too. Empty when [`FleetConfig::record_limit`] is 0.
    pub fn record(&self) -> Record {
        self.shared
            .recorder
            .as_ref()
            .map(|r| r.snapshot())
            .unwrap_or_default()
    }

    /// Stops every device: listeners closed, connections cut, threads joined, and the
    /// events file (if any) complete.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.refused_ports.clear();
        if let Some(runtime) = self.runtime.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                // Dropped from inside another runtime, where blocking is not allowed (the
                // sessions still open may then miss their `close` in the events file).
                runtime.shutdown_background();
            } else {
                // Drops every task: the sessions still open record their close.
                drop(runtime);
            }
        }
        if let Some(recorder) = &self.shared.recorder {
            recorder.finish();
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A TCP socket bound to `addr`, not yet listening. SO_REUSEADDR only for a fixed port (a
/// restart must not wait for TIME_WAIT): with it, Linux looks for a free port 0 in half the
/// ephemeral range first, and binding 10,000 devices took 4 s instead of 0.4 s.
fn bound_socket(addr: SocketAddr) -> io::Result<TcpSocket> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }?;
    if addr.port() != 0 {
        socket.set_reuseaddr(true)?;
    }
    socket.bind(addr)?;
    Ok(socket)
}

/// The device's ed25519 host key: from SHA-256(seed, name) when seeded, random otherwise.
fn host_key(seed: Option<&str>, name: &str) -> PrivateKey {
    let secret: [u8; 32] = match seed {
        Some(seed) => {
            let mut h = Sha256::new();
            h.update(b"mock-device host key\0");
            h.update(seed.as_bytes());
            h.update(b"\0");
            h.update(name.as_bytes());
            h.finalize().into()
        }
        None => rand::rng().random(),
    };
    PrivateKey::from(Ed25519Keypair::from_seed(&secret))
}

/// The login methods every device offers, before and after a failed attempt.
fn auth_methods() -> MethodSet {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::Password);
    methods.push(MethodKind::PublicKey);
    methods
}

/// A refused login that leaves every method open for the next try, as sshd does until its
/// MaxAuthTries. russh's `Auth::reject()` drops the method that failed, so after one wrong
/// password OpenSSH would report `Permission denied (publickey)` and stop asking.
fn reject() -> Auth {
    Auth::Reject {
        proceed_with_methods: Some(auth_methods()),
        partial_success: false,
    }
}

fn ssh_config(key: PrivateKey) -> russh::server::Config {
    russh::server::Config {
        server_id: russh::SshId::Standard(
            concat!("SSH-2.0-mock_device_", env!("CARGO_PKG_VERSION")).into(),
        ),
        methods: auth_methods(),
        // Counts every refusal, the "none" probe and key offers included, so it sits above
        // sshd's MaxAuthTries (6): three password prompts after a key still fit.
        max_auth_attempts: MAX_AUTH_ATTEMPTS,
        auth_rejection_time: AUTH_REJECTION_TIME,
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![key],
        nodelay: true,
        ..Default::default()
    }
}

/// Settings every device of a fleet shares.
#[derive(Debug)]
struct FleetShared {
    username: String,
    enable_secret: String,
    authorized: Vec<PublicKey>,
    accept_errors: ErrorLog,
    /// None when the fleet records nothing.
    recorder: Option<Arc<Recorder>>,
    /// The AAA server every login goes through, if the fleet has one.
    aaa: Option<AaaServer>,
}

/// The fleet's AAA server: a fair semaphore is its queue (first come, first served), each
/// permit one login it works on.
#[derive(Debug)]
struct AaaServer {
    queue: Arc<Semaphore>,
    delay: Duration,
    timeout: Duration,
}

impl AaaServer {
    fn new(config: AaaConfig) -> Self {
        AaaServer {
            queue: Arc::new(Semaphore::new(config.capacity)),
            delay: config.delay,
            timeout: config.timeout,
        }
    }
}

/// A login the AAA server is working on: the record notes when it is done as the permit
/// goes back, even when the connection dies meanwhile, so the record never shows more
/// logins at the server than it has room for.
struct AaaVisit {
    log: SessionLog,
    _permit: OwnedSemaphorePermit,
}

impl Drop for AaaVisit {
    fn drop(&mut self) {
        // Runs before the permit (a field) is given back.
        self.log.note(EventKind::AaaDone);
    }
}

/// Rate-limited report of accept errors: one line a second at most, with a count of what
/// it left out.
#[derive(Debug, Default)]
struct ErrorLog {
    total: AtomicU64,
    last_ms: AtomicU64,
    suppressed: AtomicU64,
}

impl ErrorLog {
    fn report(&self, device: &str, error: &io::Error) {
        self.total.fetch_add(1, Ordering::Relaxed);
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        let now = START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1000;
        let last = self.last_ms.load(Ordering::Relaxed);
        if now >= last + 1000
            && self
                .last_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let more = self.suppressed.swap(0, Ordering::Relaxed);
            eprintln!(
                "mock-device: {device}: accept failed: {error} (retrying; {more} more such errors)"
            );
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One running device.
#[derive(Debug)]
struct Device {
    name: String,
    platform: Platform,
    /// The name in its prompt and outputs.
    hostname: String,
    /// The fleet file's outputs for it: its own over its platform's.
    outputs: Arc<crate::config::Outputs>,
    password: String,
    fault: Option<Fault>,
    max_sessions: Option<usize>,
    login_delay: Duration,
    command_delay: Duration,
    /// Connections holding a session slot now.
    active: AtomicUsize,
    /// Jitter source, when the fleet has jitter.
    jitter: Option<Jitter>,
    /// Start-up throttling, when the device has it.
    startups: Option<Startups>,
    /// Connections accepted and not logged in yet (what start-up throttling counts).
    unauthenticated: Arc<AtomicUsize>,
    /// Connections accepted whose key exchange is not done (what slows the banner).
    kex_pending: Arc<AtomicUsize>,
    banner_delay_per_pending: Duration,
    ssh: Arc<russh::server::Config>,
    fleet: Arc<FleetShared>,
}

impl Device {
    /// `base` with the fleet's jitter applied.
    fn jittered(&self, base: Duration) -> Duration {
        self.jitter.as_ref().map_or(base, |j| j.apply(base))
    }

    /// Takes a session slot, or None when every slot is in use.
    fn take_slot(self: &Arc<Self>) -> Option<SessionSlot> {
        let max = self.max_sessions.unwrap_or(usize::MAX);
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| SessionSlot(self.clone()))
    }
}

/// One connection counted in a device's gauge (`unauthenticated`, `kex_pending`) until
/// this is dropped.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Counted {
    /// Counts one more; also says how many were counted before it.
    fn join(gauge: &Arc<AtomicUsize>) -> (Counted, usize) {
        let before = gauge.fetch_add(1, Ordering::AcqRel);
        (Counted(gauge.clone()), before)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// OpenSSH's `MaxStartups` for one device, with its own seeded stream of draws: the
/// accept loop draws in accept order, so a seeded run drops the same connections.
#[derive(Debug)]
struct Startups {
    limits: MaxStartups,
    rng: Mutex<ChaCha8Rng>,
}

impl Startups {
    fn new(limits: MaxStartups, seed: u64, device_index: usize) -> Self {
        // A stream apart from the jitter's, so turning one on does not change the other.
        let stream = (device_index as u64 ^ 0x5354_4152_5455_5053).wrapping_mul(0x9e37_79b9);
        Startups {
            limits,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ stream)),
        }
    }

    /// Drop a new connection while `pending` others are not logged in? As sshd decides:
    /// a draw in 0..100 below the drop percentage.
    fn should_drop(&self, pending: usize) -> bool {
        let pending = u32::try_from(pending).unwrap_or(u32::MAX);
        match self.limits.drop_percent(pending) {
            0 => false,
            100.. => true,
            percent => match self.rng.lock() {
                Ok(mut rng) => rng.random_range(0..100) < percent,
                Err(_) => true,
            },
        }
    }
}

/// Uniform +/- jitter from a seeded generator: each device draws from its own stream, so
/// the delays a device shows depend only on the seed and the order of its own requests.
#[derive(Debug)]
struct Jitter {
    amount: Duration,
    rng: Mutex<ChaCha8Rng>,
}

impl Jitter {
    fn new(amount: Duration, seed: u64, device_index: usize) -> Self {
        let stream = (device_index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Jitter {
            amount,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ stream)),
        }
    }

    /// `base` plus a uniform offset in [-amount, +amount], never below zero.
    fn apply(&self, base: Duration) -> Duration {
        let j = self.amount.as_nanos() as i128;
        let offset = match self.rng.lock() {
            Ok(mut rng) => rng.random_range(-j..=j),
            Err(_) => 0,
        };
        let nanos = (base.as_nanos() as i128 + offset).max(0);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// A VTY line in use; given back when the connection ends.
struct SessionSlot(Arc<Device>);

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Accepts connections until the runtime stops; an accept error never ends it.
async fn accept_loop(listener: TcpListener, device: Arc<Device>) {
    loop {
        match listener.accept().await {
            Ok((socket, _peer)) => {
                // The record's accept time is now, before the session's task gets to run.
                let log = SessionLog::accept(&device);
                // Decided here, in accept order, so that a seeded run draws the same.
                let pending = device.unauthenticated.load(Ordering::Acquire);
                if device
                    .startups
                    .as_ref()
                    .is_some_and(|s| s.should_drop(pending))
                {
                    log.refused(MAX_STARTUPS);
                    tokio::spawn(close_politely(socket, log));
                    continue;
                }
                let counted = Pending {
                    unauthenticated: Counted::join(&device.unauthenticated).0,
                    kex: Counted::join(&device.kex_pending),
                };
                tokio::spawn(serve(socket, device.clone(), log, counted));
            }
            Err(e) => {
                device.fleet.accept_errors.report(&device.name, &e);
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// What a new connection counts in until it logs in (or its key exchange is done), and
/// how many other connections' key exchanges were pending when it came.
struct Pending {
    unauthenticated: Counted,
    kex: (Counted, usize),
}

/// Ends a connection refused before SSH: no more output (FIN), then waits briefly for the
/// client to hang up (see [`HANGUP_GRACE`]).
async fn close_politely(mut socket: TcpStream, log: SessionLog) {
    let _ = socket.shutdown().await;
    let _ = tokio::time::timeout(HANGUP_GRACE, wait_for_hangup(&socket)).await;
    log.close(false);
}

/// Serves one TCP connection.
async fn serve(socket: TcpStream, device: Arc<Device>, log: SessionLog, pending: Pending) {
    if device.fault == Some(Fault::Hang) {
        // Keep the socket open and say nothing, until the client gives up or the fleet
        // stops.
        wait_for_hangup(&socket).await;
        log.close(false);
        return;
    }
    let _ = socket.set_nodelay(true);
    let slot = device.take_slot();
    if slot.is_none() && device.platform != Platform::CiscoNxos {
        // IOS, EOS and Junos refuse before SSH starts: one line where the identification
        // string would be (RFC 4253 allows lines before it), then the connection closes.
        let limit = device.max_sessions.unwrap_or(0);
        let line = format!("{}\r\n", device.platform.session_limit_line(limit));
        let mut socket = socket;
        let _ = socket.write_all(line.as_bytes()).await;
        log.refused(TOO_MANY_SESSIONS);
        close_politely(socket, log).await;
        return;
    }
    let (kex, others) = pending.kex;
    if !device.banner_delay_per_pending.is_zero() {
        // A device busy with other key exchanges is slow to say hello.
        let others = u32::try_from(others).unwrap_or(u32::MAX);
        tokio::time::sleep(device.banner_delay_per_pending.saturating_mul(others)).await;
    }
    let (socket, cutter) = if device.fault == Some(Fault::Drop) {
        match split_cutter(socket) {
            Ok(pair) => pair,
            Err(_) => {
                log.close(false);
                return;
            }
        }
    } else {
        (socket, None)
    };
    let hang_up = Arc::new(Notify::new());
    let handler = Connection {
        device: device.clone(),
        turned_away: slot.is_none(),
        unauthenticated: Some(pending.unauthenticated),
        kex_pending: Some(kex),
        last_words: None,
        hang_up: hang_up.clone(),
        cutter,
        channels: HashMap::new(),
        log: log.clone(),
    };
    let socket = BufReader::with_capacity(READ_BUFFER, ClientIdReader::new(socket, log.clone()));
    let session = match run_stream(device.ssh.clone(), socket, handler).await {
        Ok(session) => session,
        Err(e) => {
            log.close(is_timeout(&e));
            return;
        }
    };
    let mut session = std::pin::pin!(session);
    let result = tokio::select! {
        result = &mut session => result,
        () = hang_up.notified() => {
            // russh waits for the client to close after a disconnect: a device does not,
            // it closes the connection (dropping the session closes the socket).
            tokio::time::timeout(HANGUP_FLUSH, &mut session).await.unwrap_or(Ok(()))
        }
    };
    log.close(result.as_ref().is_err_and(is_timeout));
    drop(slot);
}

/// russh gave up on a client that fell silent.
fn is_timeout(e: &russh::Error) -> bool {
    matches!(
        e,
        russh::Error::InactivityTimeout | russh::Error::Elapsed(_)
    )
}

/// Reads (and throws away) what the client sends until it closes the connection.
async fn wait_for_hangup(socket: &TcpStream) {
    let mut buf = [0u8; 1024];
    loop {
        if socket.readable().await.is_err() {
            return;
        }
        match socket.try_read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

/// One session's entry in the fleet's record, shared by the connection's handler, its
/// channel tasks and `serve`. Every method does nothing when the fleet records nothing.
#[derive(Debug, Clone, Default)]
struct SessionLog(Option<Arc<LogEntry>>);

#[derive(Debug)]
struct LogEntry {
    recorder: Arc<Recorder>,
    device: Arc<Device>,
    id: u64,
    /// The client's identification string, caught by [`ClientIdReader`].
    client: OnceLock<String>,
    handshake_done: AtomicBool,
    logged_in: AtomicBool,
    /// The `drop` fault cut the connection.
    cut: AtomicBool,
    closed: AtomicBool,
}

impl SessionLog {
    /// A connection was just accepted.
    fn accept(device: &Arc<Device>) -> SessionLog {
        SessionLog(device.fleet.recorder.as_ref().map(|recorder| {
            Arc::new(LogEntry {
                id: recorder.accept(&device.name),
                recorder: recorder.clone(),
                device: device.clone(),
                client: OnceLock::new(),
                handshake_done: AtomicBool::new(false),
                logged_in: AtomicBool::new(false),
                cut: AtomicBool::new(false),
                closed: AtomicBool::new(false),
            })
        }))
    }

    fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// The client's identification line, as it came (CR LF already cut off or not).
    fn client_id(&self, line: &[u8]) {
        if let Some(e) = &self.0 {
            let text = String::from_utf8_lossy(line);
            let _ = e
                .client
                .set(text.trim_end_matches(['\r', '\n']).to_string());
        }
    }

    /// The client's first authentication request: the key exchange is done.
    fn handshake(&self) {
        if let Some(e) = &self.0
            && !e.handshake_done.swap(true, Ordering::Relaxed)
        {
            let client = e.client.get().cloned().unwrap_or_default();
            e.note(EventKind::Handshake { client });
        }
    }

    /// A login attempt's outcome: `refusal` says why it was refused.
    fn auth(&self, refusal: Option<&str>) {
        self.handshake();
        if let Some(e) = &self.0 {
            if refusal.is_none() {
                e.logged_in.store(true, Ordering::Relaxed);
            }
            e.note(EventKind::Auth {
                ok: refusal.is_none(),
                reason: refusal.map(String::from),
            });
        }
    }

    /// The device refused the connection before any login (`max startups`, `too many
    /// sessions`): the record says why, as for a refused login.
    fn refused(&self, reason: &str) {
        if let Some(e) = &self.0 {
            e.note(EventKind::Auth {
                ok: false,
                reason: Some(reason.to_string()),
            });
        }
    }

    /// Any other step (the AAA server's).
    fn note(&self, kind: EventKind) {
        if let Some(e) = &self.0 {
            e.note(kind);
        }
    }

    fn command_start(&self, command: &str) {
        if let Some(e) = &self.0 {
            e.note(EventKind::CommandStart {
                command: command.to_string(),
            });
        }
    }

    /// The command's output has been sent.
    fn command_end(&self, command: &str) {
        if let Some(e) = &self.0 {
            e.note(EventKind::CommandEnd {
                command: command.to_string(),
            });
        }
    }

    /// The `drop` fault is cutting the connection.
    fn cut(&self) {
        if let Some(e) = &self.0 {
            e.cut.store(true, Ordering::Relaxed);
        }
    }

    /// The connection ended: clean after a login, unless a fault cut it or the client fell
    /// silent (`timed_out`).
    fn close(&self, timed_out: bool) {
        if let Some(e) = &self.0 {
            let how = if timed_out {
                CloseKind::TimedOut
            } else if e.cut.load(Ordering::Relaxed) || !e.logged_in.load(Ordering::Relaxed) {
                CloseKind::Dropped
            } else {
                CloseKind::Clean
            };
            e.close(how);
        }
    }
}

impl LogEntry {
    fn note(&self, kind: EventKind) {
        self.recorder.note(self.id, &self.device.name, kind);
    }

    fn close(&self, how: CloseKind) {
        if !self.closed.swap(true, Ordering::Relaxed) {
            self.note(EventKind::Close { how });
        }
    }
}

impl Drop for LogEntry {
    /// The session's task was dropped without closing it: the fleet stopped.
    fn drop(&mut self) {
        self.close(CloseKind::Dropped);
    }
}

/// The connection's socket, watched until the client's identification line has gone by.
/// russh reads that line before any callback runs, and the authentication callbacks get no
/// `Session` whose `remote_sshid()` would give it: so the record takes it on the way in.
struct ClientIdReader {
    socket: TcpStream,
    log: SessionLog,
    /// The line so far; None once it is complete (or when the fleet records nothing).
    line: Option<Vec<u8>>,
}

impl ClientIdReader {
    fn new(socket: TcpStream, log: SessionLog) -> Self {
        let line = log.is_on().then(Vec::new);
        ClientIdReader { socket, log, line }
    }
}

impl AsyncRead for ClientIdReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.socket).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(line)) = (&poll, &mut this.line) {
            let fresh = &buf.filled()[before..];
            let end = fresh.iter().position(|&b| b == b'\n');
            line.extend_from_slice(&fresh[..end.unwrap_or(fresh.len())]);
            // Done at the line's end, at end of file, or when it is too long to be one.
            if end.is_some() || fresh.is_empty() || line.len() > MAX_CLIENT_ID {
                line.truncate(MAX_CLIENT_ID);
                this.log.client_id(line);
                this.line = None;
            }
        }
        poll
    }
}

impl AsyncWrite for ClientIdReader {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_shutdown(cx)
    }
}

/// A second handle on the socket, used to cut the connection from a channel task.
fn split_cutter(socket: TcpStream) -> io::Result<(TcpStream, Option<Arc<std::net::TcpStream>>)> {
    let std_socket = socket.into_std()?;
    let cutter = std_socket.try_clone()?;
    Ok((TcpStream::from_std(std_socket)?, Some(Arc::new(cutter))))
}

/// Input for a shell task.
#[derive(Debug)]
enum Input {
    Bytes(Vec<u8>),
    Eof,
}

/// The russh handler of one connection.
struct Connection {
    device: Arc<Device>,
    /// An NX-OS connection past `max_sessions`: it logs in, then hears its last words.
    turned_away: bool,
    /// Counted as not logged in until it logs in.
    unauthenticated: Option<Counted>,
    /// Counted as a pending key exchange until the first authentication request.
    kex_pending: Option<Counted>,
    /// Set when the login went through but the device will not serve it (AAA timeout,
    /// NX-OS session limit): what every channel writes before the connection closes.
    last_words: Option<String>,
    /// Tells `serve` to close the connection (after the last words).
    hang_up: Arc<Notify>,
    /// For the `drop` fault: shuts the socket down mid-command.
    cutter: Option<Arc<std::net::TcpStream>>,
    /// Open shell channels and their task's input queue.
    channels: HashMap<ChannelId, mpsc::UnboundedSender<Input>>,
    log: SessionLog,
}

impl Connection {
    /// The client's first authentication request: its key exchange is done.
    fn kex_done(&mut self) {
        self.kex_pending = None;
        self.log.handshake();
    }

    /// Waits for the AAA server (if any), spends the login delay, then accepts unless the
    /// device refuses: `refusal` says why the credentials were wrong, if they were. Wrong
    /// credentials are refused whatever the AAA server did; right ones that the AAA
    /// server did not answer in time (or an NX-OS past its session limit) log in to hear
    /// one line and a close.
    async fn login(&mut self, refusal: Option<&'static str>) -> Auth {
        self.kex_done();
        let answered = self.ask_aaa().await;
        tokio::time::sleep(self.device.jittered(self.device.login_delay)).await;
        let refusal = if self.device.fault == Some(Fault::AuthFail) {
            Some("auth-fail fault")
        } else {
            refusal
        };
        let platform = self.device.platform;
        let (reason, last_words) = match refusal {
            Some(reason) => {
                self.log.auth(Some(reason));
                return reject();
            }
            None if !answered => (
                Some(AAA_TIMEOUT),
                Some(platform.aaa_timeout_line(&self.device.fleet.username) + "\r\n"),
            ),
            None if self.turned_away => {
                let limit = self.device.max_sessions.unwrap_or(0);
                let line = platform.session_limit_line(limit);
                (
                    Some(TOO_MANY_SESSIONS),
                    Some(format!("{NXOS_LOGIN_BANNER}{line}\r\n")),
                )
            }
            None => (None, None),
        };
        self.log.auth(reason);
        self.last_words = last_words;
        self.unauthenticated = None;
        Auth::Accept
    }

    /// The AAA server's part of a login: wait in its queue, then its delay. False when the
    /// login waited longer than the server's timeout.
    async fn ask_aaa(&self) -> bool {
        let Some(aaa) = &self.device.fleet.aaa else {
            return true;
        };
        self.log.note(EventKind::AaaQueued);
        match tokio::time::timeout(aaa.timeout, aaa.queue.clone().acquire_owned()).await {
            Ok(Ok(permit)) => {
                self.log.note(EventKind::AaaTaken);
                let visit = AaaVisit {
                    log: self.log.clone(),
                    _permit: permit,
                };
                tokio::time::sleep(aaa.delay).await;
                drop(visit);
                true
            }
            // The queue is never closed: only the timeout gets here.
            Ok(Err(_)) | Err(_) => {
                self.log.note(EventKind::AaaTimeout);
                false
            }
        }
    }

    fn channel_ctx(&self, channel: ChannelId, session: &Session) -> ChannelCtx {
        ChannelCtx {
            device: self.device.clone(),
            handle: session.handle(),
            channel,
            hang_up: self.hang_up.clone(),
            cutter: self.cutter.clone(),
            log: self.log.clone(),
        }
    }

    fn device_cli(&self, interactive: bool) -> DeviceCli {
        DeviceCli::new(
            self.device.platform,
            &self.device.hostname,
            &self.device.fleet.username,
            &self.device.fleet.enable_secret,
            interactive,
            Arc::clone(&self.device.outputs),
        )
    }
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        // OpenSSH's first probe ("which methods?"): the handshake is done, no login tried.
        self.kex_done();
        Ok(Auth::reject())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let refusal = if user != self.device.fleet.username {
            Some("unknown user")
        } else if password != self.device.password {
            Some("wrong password")
        } else {
            None
        };
        Ok(self.login(refusal).await)
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        self.kex_done();
        Ok(if self.authorized(user, offer.public_key) {
            Auth::Accept
        } else {
            self.log.auth(Some(KEY_REFUSED));
            reject()
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let refusal = (!self.authorized(user, key.public_key)).then_some(KEY_REFUSED);
        Ok(self.login(refusal).await)
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Everything is handled through the callbacks below: the Channel is not kept.
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        if let Some(words) = &self.last_words {
            tokio::spawn(say_last_words(
                self.channel_ctx(channel, session),
                words.clone(),
            ));
            return Ok(());
        }
        let (tx, rx) = mpsc::unbounded_channel();
        self.channels.insert(channel, tx);
        tokio::spawn(run_shell(
            self.channel_ctx(channel, session),
            self.device_cli(true),
            rx,
        ));
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        if let Some(words) = &self.last_words {
            tokio::spawn(say_last_words(
                self.channel_ctx(channel, session),
                words.clone(),
            ));
            return Ok(());
        }
        let line = String::from_utf8_lossy(data).trim().to_string();
        tokio::spawn(run_exec(
            self.channel_ctx(channel, session),
            self.device_cli(false),
            line,
        ));
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.channels.get(&channel) {
            let _ = tx.send(Input::Bytes(data.to_vec()));
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.channels.get(&channel) {
            let _ = tx.send(Input::Eof);
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Dropping the queue ends the shell task.
        self.channels.remove(&channel);
        if let Some(words) = &self.last_words {
            session.disconnect(Disconnect::ByApplication, last_line(words), "")?;
            self.hang_up.notify_one();
        }
        Ok(())
    }
}

/// Why a public key is refused.
const KEY_REFUSED: &str = "key not authorized";

impl Connection {
    fn authorized(&self, user: &str, key: &PublicKey) -> bool {
        user == self.device.fleet.username
            && self
                .device
                .fleet
                .authorized
                .iter()
                .any(|k| k.key_data() == key.key_data())
    }
}

/// What a channel task needs to answer its channel.
struct ChannelCtx {
    device: Arc<Device>,
    handle: Handle,
    channel: ChannelId,
    hang_up: Arc<Notify>,
    cutter: Option<Arc<std::net::TcpStream>>,
    log: SessionLog,
}

impl ChannelCtx {
    async fn send(&self, text: &[u8]) -> bool {
        text.is_empty() || self.handle.data(self.channel, text.to_vec()).await.is_ok()
    }

    async fn finish(&self, exit_status: u32) {
        let _ = self
            .handle
            .exit_status_request(self.channel, exit_status)
            .await;
        let _ = self.handle.eof(self.channel).await;
        let _ = self.handle.close(self.channel).await;
    }

    /// Whether a reply of `kind` waits: a `show` command's delay (or the `drop` fault's cut).
    fn holds_back(&self, kind: &ReplyKind) -> bool {
        *kind == ReplyKind::Show
            && (self.cutter.is_some()
                || self.device.jitter.is_some()
                || !self.device.command_delay.is_zero())
    }

    /// Spends a `show` command's delay. With the `drop` fault the connection is cut
    /// part-way instead, and this returns false.
    async fn command_delay(&self) -> bool {
        let delay = self.device.jittered(self.device.command_delay);
        if let Some(cutter) = &self.cutter {
            tokio::time::sleep((delay / 2).max(MIN_DROP_DELAY)).await;
            self.log.cut();
            let _ = cutter.shutdown(std::net::Shutdown::Both);
            return false;
        }
        tokio::time::sleep(delay).await;
        true
    }
}

/// A login the device will not serve: its line, then the channel closes (no prompt, no exit
/// status), and the connection once the client has closed its side of the channel (it has
/// read the line by then: a disconnect sent at once made OpenSSH and libssh2 drop it). A
/// client that never answers is cut off after [`HANGUP_GRACE`].
async fn say_last_words(ctx: ChannelCtx, words: String) {
    ctx.send(words.as_bytes()).await;
    let _ = ctx.handle.eof(ctx.channel).await;
    let _ = ctx.handle.close(ctx.channel).await;
    tokio::time::sleep(HANGUP_GRACE).await;
    let _ = ctx
        .handle
        .disconnect(
            Disconnect::ByApplication,
            last_line(&words).to_string(),
            String::new(),
        )
        .await;
    ctx.hang_up.notify_one();
}

fn last_line(words: &str) -> &str {
    words.lines().last().unwrap_or_default().trim()
}

async fn run_exec(ctx: ChannelCtx, mut cli: DeviceCli, line: String) {
    ctx.log.command_start(&line);
    let reply = cli.execute(&line);
    if reply.kind == ReplyKind::Show && !ctx.command_delay().await {
        return;
    }
    if ctx.send(reply.text.as_bytes()).await {
        ctx.log.command_end(&line);
    }
    ctx.finish(u32::from(reply.kind == ReplyKind::Error)).await;
}

/// `\n` to `\r\n`, as a terminal expects.
fn crlf(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

async fn run_shell(ctx: ChannelCtx, mut cli: DeviceCli, mut input: mpsc::UnboundedReceiver<Input>) {
    let mut editor = LineEditor::default();
    if !ctx.send(&crlf(&cli.prompt())).await {
        return;
    }
    while let Some(item) = input.recv().await {
        let bytes = match item {
            Input::Bytes(bytes) => bytes,
            Input::Eof => break,
        };
        let mut echo = Vec::new();
        for byte in bytes {
            match editor.feed(byte, cli.echo(), &mut echo) {
                None => {}
                Some(Edit::Interrupt) => {
                    echo.extend_from_slice(b"^C\r\n");
                    echo.extend(crlf(&cli.prompt()));
                }
                Some(Edit::Line(line)) => {
                    echo.extend_from_slice(b"\r\n");
                    let reply = cli.execute(&line);
                    // The echo goes out ahead of a reply that is waited for or ends the
                    // session; otherwise with it, one packet instead of two.
                    if (reply.kind == ReplyKind::Exit || ctx.holds_back(&reply.kind))
                        && !ctx.send(&std::mem::take(&mut echo)).await
                    {
                        return;
                    }
                    // An empty line only asks for a new prompt: not a command.
                    let command = !line.trim().is_empty();
                    if command {
                        ctx.log.command_start(&line);
                    }
                    match reply.kind {
                        ReplyKind::Exit => {
                            // Nothing to send back: `exit` is done.
                            ctx.log.command_end(&line);
                            ctx.finish(0).await;
                            return;
                        }
                        ReplyKind::Show if !ctx.command_delay().await => return,
                        _ => {}
                    }
                    let mut out = std::mem::take(&mut echo);
                    out.extend(crlf(&reply.text));
                    out.extend(crlf(&cli.prompt()));
                    if !ctx.send(&out).await {
                        return;
                    }
                    if command {
                        ctx.log.command_end(&line);
                    }
                }
            }
        }
        if !ctx.send(&echo).await {
            return;
        }
    }
    // The client sent EOF (or closed the channel): end the session as `exit` would.
    ctx.finish(0).await;
}

/// What a typed byte completed.
#[derive(Debug, PartialEq, Eq)]
enum Edit {
    Line(String),
    Interrupt,
}

/// Line editing of a device's terminal: echo, backspace, Ctrl-U, Ctrl-C, escape sequences
/// skipped; `\r`, `\n` and `\r\n` each end one line.
#[derive(Debug, Default)]
struct LineEditor {
    line: Vec<u8>,
    after_cr: bool,
    escape: Escape,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum Escape {
    #[default]
    None,
    Start,
    Csi,
}

impl LineEditor {
    fn feed(&mut self, byte: u8, echo_on: bool, echo: &mut Vec<u8>) -> Option<Edit> {
        let after_cr = std::mem::replace(&mut self.after_cr, false);
        match self.escape {
            Escape::Start => {
                self.escape = if byte == b'[' || byte == b'O' {
                    Escape::Csi
                } else {
                    Escape::None
                };
                return None;
            }
            Escape::Csi => {
                if (0x40..=0x7e).contains(&byte) {
                    self.escape = Escape::None;
                }
                return None;
            }
            Escape::None => {}
        }
        match byte {
            b'\r' => {
                self.after_cr = true;
                Some(self.take_line())
            }
            b'\n' if after_cr => None,
            b'\n' => Some(self.take_line()),
            0x7f | 0x08 => {
                if self.erase_char() && echo_on {
                    echo.extend_from_slice(b"\x08 \x08");
                }
                None
            }
            0x15 => {
                while self.erase_char() {
                    if echo_on {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                None
            }
            0x03 => {
                self.line.clear();
                Some(Edit::Interrupt)
            }
            0x1b => {
                self.escape = Escape::Start;
                None
            }
            0x00..=0x1f => None,
            _ => {
                self.line.push(byte);
                if echo_on {
                    echo.push(byte);
                }
                None
            }
        }
    }

    fn take_line(&mut self) -> Edit {
        Edit::Line(String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned())
    }

    /// Removes the last character (all bytes of a UTF-8 sequence); false if empty.
    fn erase_char(&mut self) -> bool {
        while let Some(b) = self.line.pop() {
            if b & 0xc0 != 0x80 {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(ed: &mut LineEditor, bytes: &[u8]) -> (Vec<Edit>, Vec<u8>) {
        let mut echo = Vec::new();
        let edits = bytes
            .iter()
            .filter_map(|&b| ed.feed(b, true, &mut echo))
            .collect();
        (edits, echo)
    }

    #[test]
    fn line_ends_are_counted_once() {
        let mut ed = LineEditor::default();
        let (edits, echo) = feed_all(&mut ed, b"a\r\nb\nc\r\rd");
        let lines: Vec<Edit> = ["a", "b", "c", ""]
            .iter()
            .map(|s| Edit::Line((*s).to_string()))
            .collect();
        assert_eq!(edits, lines);
        assert_eq!(echo, b"abcd");
        // "\r" then "\n" in a later packet is still one line end.
        let (edits, _) = feed_all(&mut ed, b"\r");
        assert_eq!(edits, vec![Edit::Line("d".into())]);
        let (edits, _) = feed_all(&mut ed, b"\n");
        assert!(edits.is_empty());
    }

    #[test]
    fn editing_keys() {
        let mut ed = LineEditor::default();
        let (edits, echo) = feed_all(&mut ed, "shx\x7fow é\x7f\x1b[Aver\r".as_bytes());
        assert_eq!(edits, vec![Edit::Line("show ver".into())]);
        assert_eq!(echo, "shx\x08 \x08ow é\x08 \x08ver".as_bytes());
        let (edits, _) = feed_all(&mut ed, b"junk\x15ok\x03");
        assert_eq!(edits, vec![Edit::Interrupt]);
        let mut silent = Vec::new();
        assert_eq!(ed.feed(b'x', false, &mut silent), None);
        assert!(silent.is_empty());
    }

    #[test]
    fn jitter_is_reproducible_and_bounded() {
        let base = Duration::from_millis(500);
        let amount = Duration::from_millis(100);
        let draws = |seed, device| {
            let j = Jitter::new(amount, seed, device);
            (0..50).map(|_| j.apply(base)).collect::<Vec<_>>()
        };
        let a = draws(7, 0);
        assert_eq!(a, draws(7, 0));
        assert_ne!(a, draws(8, 0));
        assert_ne!(a, draws(7, 1));
        assert!(a.iter().all(|d| *d >= base - amount && *d <= base + amount));
        assert!(a.iter().any(|d| *d < base) && a.iter().any(|d| *d > base));
        let zero = Jitter::new(amount, 1, 0);
        assert!((0..50).all(|_| zero.apply(Duration::ZERO) <= amount));
    }

    #[test]
    fn seeded_host_keys_are_stable() {
        let a = host_key(Some("seed"), "r1")
            .public_key()
            .fingerprint(HashAlg::Sha256);
        let b = host_key(Some("seed"), "r1")
            .public_key()
            .fingerprint(HashAlg::Sha256);
        let c = host_key(Some("seed"), "r2")
            .public_key()
            .fingerprint(HashAlg::Sha256);
        let d = host_key(None, "r1")
            .public_key()
            .fingerprint(HashAlg::Sha256);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert!(a.to_string().starts_with("SHA256:"));
    }
}
