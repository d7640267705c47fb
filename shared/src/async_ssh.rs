//! The same SSH helper as [`crate::ssh`], on the `russh` client and tokio instead of libssh2
//! and a blocking thread: [`AsyncConnection::connect`] is `ConnectHandler(**device)`, then
//! [`AsyncConnection::find_prompt`], [`AsyncConnection::send_command`] and
//! [`AsyncConnection::disconnect`], each an `async fn`.
//!
//! A session waiting for its device gives the thread back at every `.await`, so one thread
//! (a `current_thread` runtime) holds as many sessions as there are sockets. The errors are
//! the ssh2 helper's [`SshError`], with the same kinds and messages for the same failures, and
//! every step has a time limit (the device's `timeout`): a silent device is an error, never
//! a hang.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use backon::Retryable as _;
use russh::client::{self, Handle};
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use russh::{ChannelMsg, Disconnect};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::client_log::Ticket;
use crate::inventory::Device;
use crate::ssh::{
    SshError, base_of, check_pin, host_key_mismatch, is_cli_error, known_hosts_file, last_prompt,
    paging_off,
};

/// `SSH-2.0-netauto_0.1.0 pid=4242 thread=ThreadId(1) task=17`: the ssh2 helper's
/// identification string plus the tokio task, since every session of a `current_thread`
/// runtime runs on the same thread and only the task tells them apart. The future that
/// `block_on` drives is no spawned task (a stream's sessions run there, several at once):
/// it says `task=main`, so its sessions are never taken for one worker's, one at a time.
pub fn client_banner() -> String {
    match tokio::task::try_id() {
        Some(task) => format!("{} task={task}", crate::ssh::client_banner()),
        None => format!("{} task=main", crate::ssh::client_banner()),
    }
}

// ---------------------------------------------------------------------------------------
// The steps of a session and the errors each one ends in: kept in one place, so the step a
// failure happened in always reads the same as in the ssh2 helper.
// ---------------------------------------------------------------------------------------

/// What the session was doing when something went wrong.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    /// TCP connect to `host:port`.
    Connect(String),
    /// Waiting for the device's SSH identification string.
    Banner,
    /// Key exchange and the host-key check.
    Handshake,
    /// Password or key login.
    Auth,
    /// Opening the shell, up to the first prompt and paging off.
    Shell,
    /// An empty line and the prompt it brings back.
    Prompt,
    /// One command and its output.
    Command(String),
}

impl Stage {
    /// The words that follow "timed out after 2s" (and most other messages).
    fn during(&self) -> String {
        match self {
            Stage::Connect(target) => format!("connecting to {target}"),
            Stage::Banner => "waiting for the SSH banner".to_string(),
            Stage::Handshake => "during the SSH handshake".to_string(),
            Stage::Auth => "logging in".to_string(),
            Stage::Shell => "opening a shell".to_string(),
            Stage::Prompt => "waiting for the prompt".to_string(),
            Stage::Command(command) => format!("during `{command}`"),
        }
    }

    /// The stage as the ssh2 helper's errors name it (what [`SshError::is_transient`] and
    /// a program look at); the prompt is read like a command's output.
    fn kind(&self) -> crate::ssh::Stage {
        use crate::ssh::Stage as S;
        match self {
            Stage::Connect(_) => S::Connect,
            Stage::Banner => S::Banner,
            Stage::Handshake => S::Handshake,
            Stage::Auth => S::Auth,
            Stage::Shell => S::Shell,
            Stage::Prompt | Stage::Command(_) => S::Command,
        }
    }

    /// The device's time limit for this stage (Netmiko's `conn_timeout`, `banner_timeout`,
    /// `auth_timeout`, `read_timeout`, each `timeout` unless the inventory or a flag says).
    fn seconds(&self, device: &Device) -> f64 {
        match self {
            Stage::Connect(_) => device.conn_timeout,
            Stage::Banner => device.banner_timeout,
            Stage::Handshake | Stage::Auth => device.auth_timeout,
            Stage::Shell | Stage::Prompt | Stage::Command(_) => device.read_timeout,
        }
    }

    /// The words that follow "connection closed".
    fn closed_during(&self) -> String {
        match self {
            Stage::Banner => "before the SSH banner".to_string(),
            other => other.during(),
        }
    }
}

/// One step of one device's session: its time limit, and the errors it can end in.
#[derive(Debug, Clone)]
struct Step {
    device: String,
    seconds: f64,
    stage: Stage,
}

impl Step {
    fn new(device: &Device, stage: Stage) -> Step {
        Step {
            device: device.name.clone(),
            seconds: stage.seconds(device),
            stage,
        }
    }

    fn limit(&self) -> Duration {
        Duration::from_secs_f64(self.seconds)
    }

    fn timed_out(&self) -> SshError {
        SshError::TimedOut {
            device: self.device.clone(),
            seconds: self.seconds,
            stage: self.stage.kind(),
            during: self.stage.during(),
        }
    }

    fn closed(&self) -> SshError {
        SshError::Closed {
            device: self.device.clone(),
            stage: self.stage.kind(),
            during: self.stage.closed_during(),
        }
    }

    fn protocol(&self, message: impl Into<String>) -> SshError {
        SshError::Protocol {
            device: self.device.clone(),
            during: self.stage.during(),
            message: message.into(),
        }
    }

    /// The device hung up after saying something (a line before its SSH banner): a session
    /// limit in its words, as the ssh2 helper recognises them, or else its words quoted.
    fn refused(&self, said: &str) -> SshError {
        crate::ssh::refusal_in(&self.device, &format!("{said}\n")).unwrap_or_else(|| {
            SshError::Closed {
                device: self.device.clone(),
                stage: self.stage.kind(),
                during: format!("{}: the device said `{said}`", self.stage.closed_during()),
            }
        })
    }

    /// How a read or a write ended that did not get what it waited for.
    fn ended(&self, ended: Ended) -> SshError {
        match ended {
            Ended::Closed => self.closed(),
            Ended::TimedOut => self.timed_out(),
            Ended::Refused(message) => self.protocol(message),
        }
    }

    fn russh(&self, err: russh::Error) -> SshError {
        use russh::Error as E;
        match err {
            E::Disconnect | E::HUP | E::SendError | E::RecvError | E::ChannelOpenFailure(_) => {
                self.closed()
            }
            E::ConnectionTimeout | E::KeepaliveTimeout | E::InactivityTimeout => self.timed_out(),
            E::IO(e) => self.io(e),
            other => self.protocol(other.to_string()),
        }
    }

    fn io(&self, err: std::io::Error) -> SshError {
        use std::io::ErrorKind as K;
        match err.kind() {
            K::TimedOut => self.timed_out(),
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                self.closed()
            }
            _ => self.protocol(err.to_string()),
        }
    }

    /// Runs `work` within this step's time limit.
    async fn within<T>(
        &self,
        work: impl Future<Output = Result<T, SshError>>,
    ) -> Result<T, SshError> {
        tokio::time::timeout(self.limit(), work)
            .await
            .unwrap_or_else(|_| Err(self.timed_out()))
    }
}

/// Why a read stopped before it found what it was reading for.
#[derive(Debug, Clone, PartialEq)]
enum Ended {
    Closed,
    TimedOut,
    /// The device turned a request down (an SSH "failure" reply on the channel).
    Refused(String),
}

// ---------------------------------------------------------------------------------------
// Connecting: TCP, the banner, the handshake with its host-key check, and the login.
// ---------------------------------------------------------------------------------------

/// The TCP stream, keeping a copy of what the device sent before and in its SSH
/// identification line: russh hides that text, and it tells a device that hung up on
/// purpose (with a reason) from one that went silent.
#[derive(Debug)]
struct Peeking {
    tcp: TcpStream,
    seen: Arc<Mutex<Seen>>,
    /// Told when the banner has arrived (`None` after that: past the banner a read takes
    /// no lock).
    banner_arrived: Option<tokio::sync::oneshot::Sender<()>>,
    /// Ready when the connection's [`HangUp`] is dropped: every read and write fails from
    /// then on, so russh's session task ends and closes the socket.
    hang_up: tokio::sync::oneshot::Receiver<()>,
    hung_up: bool,
}

/// Held as long as the connection is wanted. russh runs each session in a task of its
/// own, which outlives a handshake or a read we gave up on: against a silent device it
/// would hold its socket forever. Dropping this ends that task.
#[derive(Debug)]
struct HangUp {
    _keep: tokio::sync::oneshot::Sender<()>,
}

impl Peeking {
    /// Whether the client has hung up; if not, `cx` is woken when it does.
    fn hung_up(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.hung_up && Pin::new(&mut self.hang_up).poll(cx).is_ready() {
            self.hung_up = true;
        }
        self.hung_up
    }
}

fn hung_up_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "the client hung up")
}

#[derive(Debug, Default)]
struct Seen {
    bytes: Vec<u8>,
    /// The identification line (`SSH-2.0-...\n`) has arrived: nothing more is kept.
    banner: bool,
}

/// Enough for the lines RFC 4253 allows before the banner, and the banner itself.
const KEEP_BEFORE_BANNER: usize = 8 * 1024;

/// What a connection reads from its socket at once. russh asks for each packet in two
/// reads (its length, then the rest), so read straight from the socket that is two system
/// calls a packet; through this buffer, one call takes in what has arrived (up to 1 KiB).
const READ_BUFFER: usize = 1024;

impl Seen {
    fn add(&mut self, bytes: &[u8]) {
        let room = KEEP_BEFORE_BANNER.saturating_sub(self.bytes.len());
        self.bytes
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
        let text = String::from_utf8_lossy(&self.bytes);
        self.banner = text
            .split_inclusive('\n')
            .any(|line| line.starts_with("SSH-") && line.ends_with('\n'));
    }

    /// What the device wrote before its banner (all of it, if no banner came).
    fn before_banner(&self) -> String {
        let text = String::from_utf8_lossy(&self.bytes);
        let end = text
            .split_inclusive('\n')
            .take_while(|line| !line.starts_with("SSH-"))
            .map(str::len)
            .sum();
        text[..end].to_string()
    }
}

impl AsyncRead for Peeking {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.hung_up(cx) {
            return Poll::Ready(Err(hung_up_error()));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if polled.is_ready() && self.banner_arrived.is_some() {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.add(&buf.filled()[before..]);
            let arrived = seen.banner;
            drop(seen);
            if arrived && let Some(tell) = self.banner_arrived.take() {
                let _ = tell.send(());
            }
        }
        polled
    }
}

impl AsyncWrite for Peeking {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.hung_up(cx) {
            return Poll::Ready(Err(hung_up_error()));
        }
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// What russh's client calls back into during the handshake: the host-key check.
#[derive(Debug)]
struct HostKeyCheck {
    device: Device,
    known_hosts: Option<PathBuf>,
}

/// The handshake's error: russh's own, or the host-key check's verdict.
#[derive(Debug)]
enum HandshakeError {
    Ssh(russh::Error),
    HostKey(SshError),
}

impl From<russh::Error> for HandshakeError {
    fn from(err: russh::Error) -> Self {
        HandshakeError::Ssh(err)
    }
}

impl client::Handler for HostKeyCheck {
    type Error = HandshakeError;

    async fn check_server_key(
        &mut self,
        offered: &PublicKeyOrCertificate,
    ) -> Result<bool, HandshakeError> {
        let key = match offered {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(cert) => PublicKey::from(cert.public_key().clone()),
        };
        check_host_key(&self.device, &key, self.known_hosts.as_deref())
            .map(|()| true)
            .map_err(HandshakeError::HostKey)
    }
}

/// The ssh2 helper's policy ([`crate::ssh::check_pin`]): the pinned fingerprint, else
/// `known_hosts`, else accepted.
fn check_host_key(
    device: &Device,
    key: &PublicKey,
    known_hosts: Option<&Path>,
) -> Result<(), SshError> {
    let found = key.fingerprint(HashAlg::Sha256).to_string();
    if let Some(verdict) = check_pin(device, &found) {
        return verdict;
    }
    let Some(file) = known_hosts.filter(|file| file.exists()) else {
        return Ok(());
    };
    match russh::keys::check_known_hosts_path(&device.host, device.port, key, file) {
        Err(russh::keys::Error::KeyChanged { .. }) => Err(host_key_mismatch(
            device,
            format!("the key {} lists for {}", file.display(), device.host),
            &found,
        )),
        // Listed with this key, not listed, or a file russh cannot read: as the ssh2 helper.
        Ok(_) | Err(_) => Ok(()),
    }
}

/// The key exchanges offered, best first. russh's own list starts with the post-quantum
/// hybrid `mlkem768x25519-sha256`, which the mock (russh too) accepts: it made each session
/// cost both sides three times the CPU of the ssh2 helper's in a debug build (ML-KEM and
/// Keccak are not among the crates the dev profile optimises). Offering what libssh2 and
/// OpenSSH 9.2 negotiate keeps the two helpers' sessions the same work.
const KEX: &[russh::kex::Name] = &[
    russh::kex::CURVE25519,
    russh::kex::CURVE25519_PRE_RFC_8731,
    russh::kex::DH_GEX_SHA256,
    russh::kex::DH_G16_SHA512,
    russh::kex::DH_G14_SHA256,
    russh::kex::EXTENSION_SUPPORT_AS_CLIENT,
    russh::kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
];

/// The resolved address, and an error naming the device if there is none.
async fn resolve(device: &Device, target: &str) -> Result<std::net::SocketAddr, SshError> {
    let unreachable = |reason: String| SshError::Unreachable {
        device: device.name.clone(),
        addr: target.to_string(),
        reason,
    };
    let step = Step::new(device, Stage::Connect(target.to_string()));
    step.within(async {
        tokio::net::lookup_host(target)
            .await
            .map_err(|e| unreachable(e.to_string()))?
            .next()
            .ok_or_else(|| unreachable("the name has no address".to_string()))
    })
    .await
}

/// TCP connect, banner, handshake and host-key check: a session not yet logged in, and
/// what keeps it open.
async fn handshake(
    device: &Device,
    known_hosts: Option<PathBuf>,
) -> Result<(Handle<HostKeyCheck>, HangUp), SshError> {
    let target = format!("{}:{}", device.host, device.port);
    let addr = resolve(device, &target).await?;
    let connecting = Step::new(device, Stage::Connect(target.clone()));
    let tcp = connecting
        .within(async {
            TcpStream::connect(addr).await.map_err(|e| match e.kind() {
                std::io::ErrorKind::ConnectionRefused => SshError::Refused {
                    device: device.name.clone(),
                    addr: target.clone(),
                },
                std::io::ErrorKind::TimedOut => connecting.timed_out(),
                _ => SshError::Unreachable {
                    device: device.name.clone(),
                    addr: target.clone(),
                    reason: e.to_string(),
                },
            })
        })
        .await?;
    // Small request/response packets: without TCP_NODELAY, Nagle's algorithm and delayed
    // ACKs add tens of milliseconds to every round trip.
    tcp.set_nodelay(true).map_err(|e| connecting.io(e))?;

    let seen = Arc::new(Mutex::new(Seen::default()));
    let (banner_arrived, banner) = tokio::sync::oneshot::channel();
    let (keep, hang_up) = tokio::sync::oneshot::channel();
    let stream = Peeking {
        tcp,
        seen: Arc::clone(&seen),
        banner_arrived: Some(banner_arrived),
        hang_up,
        hung_up: false,
    };
    let config = Arc::new(client::Config {
        client_id: russh::SshId::Standard(client_banner().into()),
        preferred: russh::Preferred {
            kex: Cow::Borrowed(KEX),
            ..russh::Preferred::default()
        },
        ..client::Config::default()
    });
    let check = HostKeyCheck {
        device: device.clone(),
        known_hosts,
    };
    let stream = tokio::io::BufReader::with_capacity(READ_BUFFER, stream);
    let handshake = client::connect_stream(config, stream, check);
    tokio::pin!(handshake);
    // Two steps, each with its own time limit: the device's banner, then the key exchange.
    let banner_deadline = Instant::now() + Duration::from_secs_f64(device.banner_timeout);
    let started = tokio::select! {
        started = &mut handshake => Some(started),
        // Sent when the banner arrives; dropped (an error, as good) when the stream is.
        waited = tokio::time::timeout_at(banner_deadline, banner) => match waited {
            Ok(_) => None,
            Err(_) => return Err(Step::new(device, Stage::Banner).timed_out()),
        },
    };
    let started = match started {
        Some(started) => Ok(started),
        None => {
            let limit = Duration::from_secs_f64(device.auth_timeout);
            tokio::time::timeout(limit, handshake).await
        }
    };
    // Which step failed: before the device's banner arrived, or after it.
    let (stage, before_banner) = {
        let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        let stage = if seen.banner {
            Stage::Handshake
        } else {
            Stage::Banner
        };
        (stage, seen.before_banner())
    };
    let step = Step::new(device, stage.clone());
    match started {
        Ok(Ok(handle)) => Ok((handle, HangUp { _keep: keep })),
        Ok(Err(HandshakeError::HostKey(mismatch))) => Err(mismatch),
        Ok(Err(HandshakeError::Ssh(err))) => match (stage, before_banner.trim()) {
            (Stage::Banner, said) if !said.is_empty() => Err(step.refused(said)),
            _ => Err(step.russh(err)),
        },
        Err(_) => Err(step.timed_out()),
    }
}

/// A leading `~/` in a key file's path means the home directory, as in OpenSSH's config.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => Path::new(&home).join(rest),
        _ => path.to_path_buf(),
    }
}

/// Logs in: with the device's key file if it has one, then with its password if it has one.
async fn log_in(device: &Device, handle: &mut Handle<HostKeyCheck>) -> Result<(), SshError> {
    let step = Step::new(device, Stage::Auth);
    step.within(async {
        if let Some(file) = &device.key_file {
            let file = expand_home(file);
            let key = russh::keys::load_secret_key(&file, None).map_err(|e| {
                step.protocol(format!("cannot use the key file {}: {e}", file.display()))
            })?;
            // An RSA key signs with the best hash the server accepts; other keys have one.
            let hash = if key.algorithm().is_rsa() {
                handle
                    .best_supported_rsa_hash()
                    .await
                    .map_err(|e| step.russh(e))?
                    .flatten()
            } else {
                None
            };
            let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
            let result = handle
                .authenticate_publickey(&device.username, key)
                .await
                .map_err(|e| step.russh(e))?;
            if result.success() {
                return Ok(());
            }
        }
        if !device.password.is_empty() || device.key_file.is_none() {
            let result = handle
                .authenticate_password(&device.username, &device.password)
                .await
                .map_err(|e| step.russh(e))?;
            if result.success() {
                return Ok(());
            }
        }
        Err(SshError::AuthFailed {
            device: device.name.clone(),
            username: device.username.clone(),
        })
    })
    .await
}

// ---------------------------------------------------------------------------------------
// The connection
// ---------------------------------------------------------------------------------------

/// What a connection holds while its session is open.
struct Live {
    handle: Handle<HostKeyCheck>,
    channel: russh::Channel<client::Msg>,
    /// Dropped last, after a clean close, or at once if that did not work out.
    _hang_up: HangUp,
}

impl Live {
    /// Leaves the CLI and closes the session: best effort, and quick, so a device that is
    /// already gone does not hold anyone up.
    async fn close(mut self) {
        let bye = async {
            let _ = self.channel.data_bytes(&b"exit\n"[..]).await;
            let _ = self.channel.eof().await;
            let _ = self.channel.close().await;
            let _ = self
                .handle
                .disconnect(Disconnect::ByApplication, "bye", "en")
                .await;
            // The channel ends when russh's session task does: the goodbye has been sent.
            while self.channel.wait().await.is_some() {}
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), bye).await;
    }
}

/// An interactive CLI session on one device, like a Netmiko connection object, for tokio.
///
/// Dropping it closes the session in a task of its own (best effort: a runtime that is
/// shutting down may not run it); [`AsyncConnection::disconnect`] closes it and waits.
pub struct AsyncConnection {
    device: Device,
    /// `None` once disconnected.
    live: Option<Live>,
    /// The prompt's text without its trailing `#` or `>` (`cisco3`, `pyclass@srx2`).
    base_prompt: String,
    /// Written into the client's log of sessions when the connection is dropped.
    ticket: Ticket,
}

impl std::fmt::Debug for AsyncConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncConnection")
            .field("device", &self.device.name)
            .field("base_prompt", &self.base_prompt)
            .field("open", &self.live.is_some())
            .finish_non_exhaustive()
    }
}

impl AsyncConnection {
    /// Connects, logs in, opens a shell and turns paging off: Netmiko's `ConnectHandler`.
    /// With `retries`, a transient failure (a session limit, an AAA server that did not
    /// answer, a connection dropped before the login) is tried again after the ssh2 helper's
    /// waits ([`crate::retry::backoff`]); `.await`ing a wait gives the thread to the others.
    pub async fn connect(device: &Device) -> Result<AsyncConnection, SshError> {
        let mut retries = 0;
        let result = (|| Self::connect_checking(device, known_hosts_file()))
            .retry(crate::retry::backoff(device))
            .sleep(tokio::time::sleep)
            .when(SshError::is_transient)
            .notify(|_, _| retries += 1)
            .await;
        crate::retry::finish(&device.name, retries, result)
    }

    async fn connect_checking(
        device: &Device,
        known_hosts: Option<PathBuf>,
    ) -> Result<AsyncConnection, SshError> {
        // The client's side of `--timeline`: this session, from now until it is dropped.
        let mut ticket = Ticket::start_as(&device.name, client_banner());
        let live = match open(device, known_hosts).await {
            Ok(live) => live,
            Err(error) => {
                ticket.fail();
                return Err(error);
            }
        };
        let mut connection = AsyncConnection {
            device: device.clone(),
            live: Some(live),
            base_prompt: String::new(),
            ticket,
        };
        let prepared = connection.prepare().await;
        connection.marking_failure(prepared)?;
        Ok(connection)
    }

    /// Waits for the first prompt and turns paging off.
    async fn prepare(&mut self) -> Result<(), SshError> {
        let opening = Step::new(&self.device, Stage::Shell);
        // A device that will not serve us (NX-OS's session limit, an AAA server that did not
        // answer) says so instead of prompting: stop at its line, not at the time limit.
        let name = self.device.name.clone();
        let refusal = |text: &str| crate::ssh::refusal_in(&name, text);
        let banner = self
            .read_until(&opening, |text| {
                last_prompt(text).is_some() || refusal(text).is_some()
            })
            .await
            .map_err(|(ended, text)| refusal(&text).unwrap_or_else(|| opening.ended(ended)))?;
        if let Some(refused) = refusal(&banner) {
            return Err(refused);
        }
        self.base_prompt = last_prompt(&banner)
            .map(|prompt| base_of(&prompt))
            .unwrap_or_default();
        for command in paging_off(self.device.device_type) {
            self.run_command(command).await?;
        }
        Ok(())
    }

    /// A failed step draws the session as failed in the client's timeline.
    fn marking_failure<T>(&mut self, result: Result<T, SshError>) -> Result<T, SshError> {
        if result.is_err() {
            self.ticket.fail();
        }
        result
    }

    /// The name of the device this connection is to.
    pub fn device(&self) -> &str {
        &self.device.name
    }

    /// Sends an empty line and returns the prompt the device answers with (`cisco3#`).
    pub async fn find_prompt(&mut self) -> Result<String, SshError> {
        let found = self.prompt().await;
        self.marking_failure(found)
    }

    async fn prompt(&mut self) -> Result<String, SshError> {
        let finding = Step::new(&self.device, Stage::Prompt);
        self.write_line("", &finding).await?;
        let text = self
            .read_until(&finding, |text| last_prompt(text).is_some())
            .await
            .map_err(|(ended, _)| finding.ended(ended))?;
        last_prompt(&text).ok_or_else(|| finding.timed_out())
    }

    /// Runs one command and returns its output, without the echoed command and the prompt
    /// that follows it: the same text the ssh2 helper returns.
    pub async fn send_command(&mut self, command: &str) -> Result<String, SshError> {
        let output = self.run_command(command).await;
        self.marking_failure(output)
    }

    async fn run_command(&mut self, command: &str) -> Result<String, SshError> {
        let running = Step::new(&self.device, Stage::Command(command.to_string()));
        self.write_line(command, &running).await?;
        let base = self.base_prompt.clone();
        let text = self
            .read_until(&running, |text| {
                last_prompt(text).is_some_and(|prompt| prompt.starts_with(&base))
            })
            .await
            .map_err(|(ended, _)| running.ended(ended))?;
        let output = command_output(command, &text);
        if is_cli_error(&output) {
            return Err(SshError::CommandFailed {
                device: self.device.name.clone(),
                command: command.to_string(),
                message: output.trim().lines().last().unwrap_or_default().to_string(),
            });
        }
        Ok(output)
    }

    /// Leaves the CLI, closes the session and waits (at most a second) for that to be done.
    pub async fn disconnect(mut self) {
        if let Some(live) = self.live.take() {
            live.close().await;
        }
    }

    async fn write_line(&mut self, line: &str, step: &Step) -> Result<(), SshError> {
        let Some(live) = &self.live else {
            return Err(step.closed());
        };
        let bytes = format!("{line}\n").into_bytes();
        step.within(async {
            live.channel
                .data_bytes(bytes)
                .await
                .map_err(|e| step.russh(e))
        })
        .await
    }

    /// Reads until `done(text so far)` holds; else how the read ended, and the text so far.
    async fn read_until(
        &mut self,
        step: &Step,
        done: impl Fn(&str) -> bool,
    ) -> Result<String, (Ended, String)> {
        let deadline = Instant::now() + step.limit();
        let mut bytes = Vec::new();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let Some(live) = &mut self.live else {
            return Err((Ended::Closed, String::new()));
        };
        loop {
            let message = match tokio::time::timeout_at(deadline, live.channel.wait()).await {
                Ok(message) => message,
                Err(_) => return Err((Ended::TimedOut, text(&bytes))),
            };
            match message {
                Some(ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. }) => {
                    bytes.extend_from_slice(&data);
                    let so_far = String::from_utf8_lossy(&bytes);
                    if done(&so_far) {
                        return Ok(so_far.into_owned());
                    }
                }
                Some(ChannelMsg::Failure) => {
                    let refused = Ended::Refused("the device refused the request".to_string());
                    return Err((refused, text(&bytes)));
                }
                Some(ChannelMsg::Eof | ChannelMsg::Close) | None => {
                    return Err((Ended::Closed, text(&bytes)));
                }
                Some(_) => {}
            }
        }
    }
}

/// TCP, SSH, login and a shell with a pty: the session a connection holds.
async fn open(device: &Device, known_hosts: Option<PathBuf>) -> Result<Live, SshError> {
    let (mut handle, hang_up) = handshake(device, known_hosts).await?;
    log_in(device, &mut handle).await?;
    let opening = Step::new(device, Stage::Shell);
    let channel = opening
        .within(async {
            let channel = handle
                .channel_open_session()
                .await
                .map_err(|e| opening.russh(e))?;
            channel
                .request_pty(false, "vt100", 511, 1000, 0, 0, &[])
                .await
                .map_err(|e| opening.russh(e))?;
            channel
                .request_shell(false)
                .await
                .map_err(|e| opening.russh(e))?;
            Ok(channel)
        })
        .await?;
    Ok(Live {
        handle,
        channel,
        _hang_up: hang_up,
    })
}

/// A command's output as the ssh2 helper returns it: `\n` line ends, without the echoed
/// command and the prompt that follows the output.
fn command_output(command: &str, text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop(); // the prompt
    if lines.first().is_some_and(|echo| echo.trim_end() == command) {
        lines.remove(0);
    }
    lines.join("\n")
}

impl Drop for AsyncConnection {
    fn drop(&mut self) {
        // Dropped without `disconnect`: close in a task of its own, on the runtime we are in.
        if let Some(live) = self.live.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(live.close());
        }
    }
}

/// The course's `ssh_conn(device)`: connect, and return the prompt the device shows.
pub async fn ssh_conn(device: &Device) -> Result<String, SshError> {
    let mut connection = AsyncConnection::connect(device).await?;
    let prompt = connection.find_prompt().await?;
    connection.disconnect().await;
    Ok(prompt)
}

/// The course's `show_version(device)`: connect, and return the output of `show version`.
pub async fn show_version(device: &Device) -> Result<String, SshError> {
    send_command(device, "show version").await
}

/// Connect, run one command, return its output: the course's exercise job.
pub async fn send_command(device: &Device, command: &str) -> Result<String, SshError> {
    let mut connection = AsyncConnection::connect(device).await?;
    let output = connection.send_command(command).await?;
    connection.disconnect().await;
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_before_the_banner_is_kept_apart() {
        let mut seen = Seen::default();
        seen.add(b"% Connection refused: all 5 VTY lines are in use\r\n");
        assert!(!seen.banner);
        seen.add(b"SSH-2.0-russh_0.65\r\n\0\0\0");
        assert!(seen.banner);
        assert_eq!(
            seen.before_banner(),
            "% Connection refused: all 5 VTY lines are in use\r\n"
        );
    }

    #[test]
    fn known_hosts_is_checked_when_nothing_is_pinned() {
        use mock_device::{DeviceConfig, Fleet, FleetConfig, Platform};
        let mut config = FleetConfig::course_lab();
        config.devices = vec![DeviceConfig::new("cisco3", Platform::CiscoIos)];
        let fleet = Fleet::start(config).expect("the fleet starts");
        let mut device = crate::lab::devices_of(&fleet, 5.0).remove(0);
        device.host_key = None;
        // OpenSSH's own tool lists the device's key: `[127.0.0.1]:port ssh-ed25519 AAAA...`.
        let scan = std::process::Command::new("ssh-keyscan")
            .args(["-t", "ed25519", "-p", &device.port.to_string(), "127.0.0.1"])
            .output()
            .expect("ssh-keyscan runs");
        let real = String::from_utf8_lossy(&scan.stdout).into_owned();
        assert!(real.contains("ssh-ed25519"), "{real}");
        let other = {
            let key = russh::keys::PrivateKey::from(
                russh::keys::ssh_key::private::Ed25519Keypair::from_seed(&[7; 32]),
            );
            let public = key
                .public_key()
                .to_openssh()
                .expect("an OpenSSH public key");
            format!("[127.0.0.1]:{} {public}\n", device.port)
        };
        let dir = tempfile::tempdir().expect("a temp dir");
        let file = dir.path().join("known_hosts");
        let connect = |text: &str| {
            std::fs::write(&file, text).expect("known_hosts written");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let connection =
                    AsyncConnection::connect_checking(&device, Some(file.clone())).await?;
                connection.disconnect().await;
                Ok::<_, SshError>(())
            })
        };

        assert_eq!(connect(""), Ok(()), "not listed: accepted");
        assert_eq!(connect(&real), Ok(()), "listed with its real key: accepted");
        let err = connect(&other).unwrap_err();
        assert!(
            matches!(&err, SshError::HostKeyMismatch { device, expected, .. }
                if device == "cisco3" && expected.contains("known_hosts")),
            "{err:?}"
        );
    }
}
