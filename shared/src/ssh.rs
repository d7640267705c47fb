//! An SSH helper on the `ssh2` crate (libssh2) that speaks Netmiko's vocabulary:
//! [`Connection::connect`] is `ConnectHandler(**device)`, then [`Connection::find_prompt`],
//! [`Connection::send_command`] and [`Connection::disconnect`].
//!
//! Every stage has its own time limit (the device's `conn_timeout`, `banner_timeout`,
//! `auth_timeout` and `read_timeout`), so a silent device ends in [`SshError::TimedOut`] naming
//! the stage, never in a hang. Every error names its device. A device that turns the session
//! away in its own words (a session limit, an AAA server that did not answer) is recognised at
//! once, and [`Connection::connect`] and [`exec`] try again after such a failure when the
//! device's `retries` allow it ([`crate::retry`]).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use ssh2::{Channel, CheckResult, ErrorCode, HashType, KnownHostFileKind, Session};

use crate::client_log::Ticket;
use crate::inventory::{Device, DeviceType};

/// Where in a connection's life an error happened: the TCP connect, the wait for the
/// device's SSH identification string (its banner), the key exchange, the login, opening the
/// shell (up to the first prompt), or a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Connect,
    Banner,
    Handshake,
    Auth,
    Shell,
    Command,
}

/// What went wrong with one device. Plain data (serde), so a worker process can send it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum SshError {
    #[error("{device}: connection refused by {addr}")]
    Refused { device: String, addr: String },
    #[error("{device}: cannot reach {addr}: {reason}")]
    Unreachable {
        device: String,
        addr: String,
        reason: String,
    },
    /// `stage` is for programs; `during` says the same for people (`waiting for the SSH
    /// banner`, ``during `show version` ``).
    #[error("{device}: timed out after {seconds}s {during}")]
    TimedOut {
        device: String,
        seconds: f64,
        stage: Stage,
        during: String,
    },
    #[error("{device}: authentication failed for user {username}")]
    AuthFailed { device: String, username: String },
    #[error("{device}: host key mismatch: expected {expected}, the device offers {found}")]
    HostKeyMismatch {
        device: String,
        expected: String,
        found: String,
    },
    #[error("{device}: connection closed {during}")]
    Closed {
        device: String,
        stage: Stage,
        during: String,
    },
    /// The device has no session left for us, and said so (`message` is its line).
    #[error("{device}: session limit reached ({})", sessions(.limit))]
    SessionLimit {
        device: String,
        limit: Option<u32>,
        message: String,
    },
    /// The login got through SSH, but the AAA server behind the device did not authorise it
    /// in time (`message` is the device's line).
    #[error("{device}: login refused by the AAA server: {message}")]
    AaaRejected { device: String, message: String },
    #[error("{device}: `{command}` failed: {message}")]
    CommandFailed {
        device: String,
        command: String,
        message: String,
    },
    #[error("{device}: SSH error {during}: {message}")]
    Protocol {
        device: String,
        during: String,
        message: String,
    },
    /// `last` is how the last of `retries` + 1 attempts failed.
    #[error("{last} (gave up after {})", retries_text(*.retries))]
    GaveUp { retries: u32, last: Box<SshError> },
}

fn sessions(limit: &Option<u32>) -> String {
    match limit {
        Some(1) => "1 session".to_string(),
        Some(n) => format!("{n} sessions"),
        None => "limit unknown".to_string(),
    }
}

/// `1 retry`, `5 retries`.
pub(crate) fn retries_text(retries: u32) -> String {
    if retries == 1 {
        "1 retry".to_string()
    } else {
        format!("{retries} retries")
    }
}

impl SshError {
    /// The name of the device this error is about.
    pub fn device(&self) -> &str {
        match self {
            SshError::Refused { device, .. }
            | SshError::Unreachable { device, .. }
            | SshError::TimedOut { device, .. }
            | SshError::AuthFailed { device, .. }
            | SshError::HostKeyMismatch { device, .. }
            | SshError::Closed { device, .. }
            | SshError::SessionLimit { device, .. }
            | SshError::AaaRejected { device, .. }
            | SshError::CommandFailed { device, .. }
            | SshError::Protocol { device, .. } => device,
            SshError::GaveUp { last, .. } => last.device(),
        }
    }

    /// The failure itself: for [`SshError::GaveUp`], how the last attempt failed.
    pub fn cause(&self) -> &SshError {
        match self {
            SshError::GaveUp { last, .. } => last.cause(),
            other => other,
        }
    }

    /// Whether trying again later may well succeed: the device or a server behind it was
    /// busy (a session limit, an AAA server that did not answer, a connection dropped or a
    /// banner that did not come before the login). Never a wrong password (retrying one
    /// locks accounts on real AAA servers), a host-key mismatch, a refused port, or a
    /// failure once logged in.
    pub fn is_transient(&self) -> bool {
        match self {
            SshError::SessionLimit { .. } | SshError::AaaRejected { .. } => true,
            SshError::TimedOut { stage, .. } | SshError::Closed { stage, .. } => {
                matches!(stage, Stage::Banner | Stage::Handshake)
            }
            SshError::Refused { .. }
            | SshError::Unreachable { .. }
            | SshError::AuthFailed { .. }
            | SshError::HostKeyMismatch { .. }
            | SshError::CommandFailed { .. }
            | SshError::Protocol { .. }
            | SshError::GaveUp { .. } => false,
        }
    }
}

/// The lines devices write when they turn a session away for want of a free one, as the
/// text before and after the number of sessions allowed. Each platform has its own words
/// (the mock lab's, modelled on theirs); IOS, EOS and Junos write theirs before the SSH
/// banner, NX-OS after the login, before its first prompt.
const SESSION_LIMIT_LINES: [(&str, &str); 4] = [
    ("% Connection refused: all ", " VTY lines are in use"), // cisco_ios
    (
        "% Maximum number of SSH sessions (",
        ") reached, connection refused",
    ), // arista_eos
    (
        "error: maximum number of SSH sessions (",
        ") reached, connection refused",
    ), // juniper_junos
    ("CLI session limit ", " reached. Exiting."),            // cisco_nxos
];

/// How the lines of a device whose AAA server did not authorise the login begin.
const AAA_REFUSAL_STARTS: [&str; 2] = ["% Authorization", "error: authorization"];

/// The error a line from the device means, if it is a session-limit or an AAA refusal. Any
/// SSH client of the lab's devices recognises the same lines (the async helper too).
pub fn refusal(device: &str, line: &str) -> Option<SshError> {
    let line = line.trim();
    for (before, after) in SESSION_LIMIT_LINES {
        if let Some(limit) = line
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
        {
            return Some(SshError::SessionLimit {
                device: device.to_string(),
                limit: limit.trim().parse().ok(),
                message: line.to_string(),
            });
        }
    }
    AAA_REFUSAL_STARTS
        .iter()
        .any(|start| line.starts_with(start))
        .then(|| SshError::AaaRejected {
            device: device.to_string(),
            message: line.to_string(),
        })
}

/// The first refusal among the complete lines of `text` (a line still arriving is left for
/// the next look, so its message is whole): what to look for in the shell before the first
/// prompt.
pub fn refusal_in(device: &str, text: &str) -> Option<SshError> {
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete.lines().find_map(|line| refusal(device, line))
}

/// libssh2's error codes that mean "the peer went away".
const SOCKET_GONE: [i32; 4] = [
    -7,  // LIBSSH2_ERROR_SOCKET_SEND
    -13, // LIBSSH2_ERROR_SOCKET_DISCONNECT
    -43, // LIBSSH2_ERROR_SOCKET_RECV
    -1,  // LIBSSH2_ERROR_SOCKET_NONE
];
const TIMEOUT: i32 = -9; // LIBSSH2_ERROR_TIMEOUT
const CHANNEL_CLOSED: [i32; 2] = [-26, -27]; // LIBSSH2_ERROR_CHANNEL_CLOSED, _EOF_SENT

/// Turns errors of one step into [`SshError`]s that name the device, the stage and the step.
#[derive(Debug, Clone)]
struct Step {
    device: String,
    seconds: f64,
    stage: Stage,
    during: String,
}

impl Step {
    fn timed_out(&self) -> SshError {
        SshError::TimedOut {
            device: self.device.clone(),
            seconds: self.seconds,
            stage: self.stage,
            during: self.during.clone(),
        }
    }

    fn closed(&self) -> SshError {
        SshError::Closed {
            device: self.device.clone(),
            stage: self.stage,
            during: self.during.clone(),
        }
    }

    fn ssh(&self, err: ssh2::Error) -> SshError {
        match err.code() {
            ErrorCode::Session(TIMEOUT) => self.timed_out(),
            ErrorCode::Session(code) if SOCKET_GONE.contains(&code) => self.closed(),
            ErrorCode::Session(code) if CHANNEL_CLOSED.contains(&code) => self.closed(),
            _ => SshError::Protocol {
                device: self.device.clone(),
                during: self.during.clone(),
                message: err.message().to_string(),
            },
        }
    }

    fn io(&self, err: io::Error) -> SshError {
        match err.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => self.timed_out(),
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => self.closed(),
            _ => SshError::Protocol {
                device: self.device.clone(),
                during: self.during.clone(),
                message: err.to_string(),
            },
        }
    }
}

/// A step of `device` at `stage`, whose time limit is `seconds`.
fn step(device: &Device, seconds: f64, stage: Stage, during: impl Into<String>) -> Step {
    Step {
        device: device.name.clone(),
        seconds,
        stage,
        during: during.into(),
    }
}

/// `seconds` as libssh2's timeout, in milliseconds (at least one: zero means "no limit").
fn millis(seconds: f64) -> u32 {
    (Duration::from_secs_f64(seconds)
        .as_millis()
        .clamp(1, u32::MAX as u128)) as u32
}

/// The fingerprint of the host key the device presented, as `ssh-keygen -l` prints it.
fn fingerprint(session: &Session) -> Option<String> {
    let hash = session.host_key_hash(HashType::Sha256)?;
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash)
    ))
}

/// `~/.ssh/known_hosts`, if there is a home directory.
pub(crate) fn known_hosts_file() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".ssh/known_hosts"))
}

/// Host-key policy, both helpers' (this one and [`crate::async_ssh`]): a fingerprint pinned
/// in the inventory must match; without a pin, a key listed in `~/.ssh/known_hosts` for that
/// host and port must match; a host known nowhere is accepted (nothing is written to
/// known_hosts). This is the first half: the pin's verdict, or `None` when nothing is pinned.
pub(crate) fn check_pin(device: &Device, found: &str) -> Option<Result<(), SshError>> {
    let expected = device.host_key.as_ref()?;
    Some(if expected == found {
        Ok(())
    } else {
        Err(host_key_mismatch(device, expected.clone(), found))
    })
}

/// The device's key (`found`) is not the one `expected`.
pub(crate) fn host_key_mismatch(device: &Device, expected: String, found: &str) -> SshError {
    SshError::HostKeyMismatch {
        device: device.name.clone(),
        expected,
        found: found.to_string(),
    }
}

fn check_host_key(device: &Device, session: &Session) -> Result<(), SshError> {
    check_host_key_with(device, session, known_hosts_file().as_deref())
}

fn check_host_key_with(
    device: &Device,
    session: &Session,
    known_hosts: Option<&std::path::Path>,
) -> Result<(), SshError> {
    let found = fingerprint(session).unwrap_or_else(|| "no key".to_string());
    if let Some(verdict) = check_pin(device, &found) {
        return verdict;
    }
    let Some(file) = known_hosts.filter(|file| file.exists()) else {
        return Ok(());
    };
    let (Ok(mut known), Some((key, _))) = (session.known_hosts(), session.host_key()) else {
        return Ok(());
    };
    if known.read_file(file, KnownHostFileKind::OpenSSH).is_err() {
        return Ok(());
    }
    match known.check_port(&device.host, device.port, key) {
        CheckResult::Mismatch => Err(host_key_mismatch(
            device,
            format!("the key {} lists for {}", file.display(), device.host),
            &found,
        )),
        CheckResult::Match | CheckResult::NotFound | CheckResult::Failure => Ok(()),
    }
}

/// TCP connect, SSH handshake, host-key check and password login: an authenticated session.
/// `SSH-2.0-netauto_0.1.0 pid=4242 thread=ThreadId(7) run=1206-213512-4242 part=ssh_conn`:
/// this program's name and version, the process and thread the session runs on, and in a
/// lesson's run its id and the part under way ([`crate::run`]).
pub fn client_banner() -> String {
    format!(
        "SSH-2.0-netauto_{} pid={} thread={:?}{}",
        env!("CARGO_PKG_VERSION"),
        std::process::id(),
        std::thread::current().id(),
        crate::run::banner_words()
    )
}

fn open_session(device: &Device) -> Result<Session, SshError> {
    let target = format!("{}:{}", device.host, device.port);
    let unreachable = |reason: String| SshError::Unreachable {
        device: device.name.clone(),
        addr: target.clone(),
        reason,
    };
    let addr: SocketAddr = target
        .to_socket_addrs()
        .map_err(|e| unreachable(e.to_string()))?
        .next()
        .ok_or_else(|| unreachable("the name has no address".to_string()))?;

    let connecting = step(
        device,
        device.conn_timeout,
        Stage::Connect,
        format!("connecting to {target}"),
    );
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs_f64(device.conn_timeout))
        .map_err(|e| match e.kind() {
            io::ErrorKind::ConnectionRefused => SshError::Refused {
                device: device.name.clone(),
                addr: target.clone(),
            },
            io::ErrorKind::TimedOut => connecting.timed_out(),
            _ => unreachable(e.to_string()),
        })?;
    // Small request/response packets: without TCP_NODELAY, Nagle's algorithm and delayed
    // ACKs add tens of milliseconds to every round trip.
    tcp.set_nodelay(true).map_err(|e| connecting.io(e))?;
    wait_for_banner(device, &tcp)?;

    // The handshake and the login share one deadline, as Netmiko's `auth_timeout` does.
    let deadline = Instant::now() + Duration::from_secs_f64(device.auth_timeout);
    let mut session = Session::new().map_err(|e| connecting.ssh(e))?;
    session.set_tcp_stream(tcp);
    // libssh2 applies this to every blocking call: a device that stops talking yields
    // LIBSSH2_ERROR_TIMEOUT instead of blocking the thread forever.
    session.set_timeout(millis(device.auth_timeout));
    // The client names its worker in the identification string it sends first, so the mock
    // lab's record (and a real device's logs) can tell which process and thread ran this
    // session, with no plumbing in the lessons.
    session
        .set_banner(&client_banner())
        .map_err(|e| connecting.ssh(e))?;
    session.handshake().map_err(|e| {
        step(
            device,
            device.auth_timeout,
            Stage::Handshake,
            "during the SSH handshake",
        )
        .ssh(e)
    })?;
    check_host_key(device, &session)?;

    let login = step(device, device.auth_timeout, Stage::Auth, "logging in");
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(login.timed_out());
    }
    session.set_timeout(millis(left.as_secs_f64()));
    let auth_failed = || SshError::AuthFailed {
        device: device.name.clone(),
        username: device.username.clone(),
    };
    match session.userauth_password(&device.username, &device.password) {
        Ok(()) if session.authenticated() => {}
        Ok(()) => return Err(auth_failed()),
        Err(e) => {
            return Err(match e.code() {
                // LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED
                ErrorCode::Session(-18) | ErrorCode::Session(-19) => auth_failed(),
                _ => login.ssh(e),
            });
        }
    }
    // Logged in: from here on each read has `read_timeout`.
    session.set_timeout(millis(device.read_timeout));
    Ok(session)
}

/// Waits, under the device's `banner_timeout`, for the first bytes of its SSH identification
/// string (`SSH-2.0-...`), which stay in the socket for libssh2 to read. RFC 4253 (4.2)
/// allows other lines before it, and a device that turns the session away before SSH starts
/// says why there: those lines are read off the socket and checked for a refusal. libssh2
/// could read them itself, but only under its one timeout, and it would not say what they
/// were.
fn wait_for_banner(device: &Device, mut tcp: &TcpStream) -> Result<(), SshError> {
    const IDENTIFICATION: &[u8] = b"SSH-";
    // RFC 4253 allows 255 characters a line; a device sending more is not talking SSH.
    const LONGEST_LINE: usize = 1024;
    let waiting = step(
        device,
        device.banner_timeout,
        Stage::Banner,
        "waiting for the SSH banner",
    );
    let deadline = Instant::now() + Duration::from_secs_f64(device.banner_timeout);
    // The line before the banner being read, and the last whole one the device wrote.
    let mut line: Vec<u8> = Vec::new();
    let mut last_line: Option<String> = None;
    let mut buffer = [0u8; LONGEST_LINE];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(waiting.timed_out());
        }
        tcp.set_read_timeout(Some(left))
            .map_err(|e| waiting.io(e))?;
        let seen = match tcp.peek(&mut buffer) {
            Ok(0) => {
                let text = String::from_utf8_lossy(&line);
                if let Some(error) = refusal(&device.name, &text) {
                    return Err(error);
                }
                return Err(closed_before_banner(device, last_line));
            }
            Ok(n) => &buffer[..n],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(match waiting.io(e) {
                    SshError::Closed { .. } => closed_before_banner(device, last_line),
                    other => other,
                });
            }
        };
        if line.is_empty() && seen.starts_with(IDENTIFICATION) {
            tcp.set_read_timeout(None).map_err(|e| waiting.io(e))?;
            return Ok(());
        }
        if line.is_empty() && IDENTIFICATION.starts_with(seen) {
            // `SS`: the rest of `SSH-` is on its way (peek would not wait for it).
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        let take = seen
            .iter()
            .position(|&byte| byte == b'\n')
            .map_or(seen.len(), |end| end + 1);
        let whole_peek = take == seen.len();
        tcp.read_exact(&mut buffer[..take])
            .map_err(|e| waiting.io(e))?;
        line.extend_from_slice(&buffer[..take]);
        if line.len() > LONGEST_LINE {
            return Err(SshError::Protocol {
                device: device.name.clone(),
                during: "waiting for the SSH banner".to_string(),
                message: "the device sent a line too long for SSH".to_string(),
            });
        }
        if line.ends_with(b"\n") {
            let text = String::from_utf8_lossy(&line).trim().to_string();
            line.clear();
            if let Some(error) = refusal(&device.name, &text) {
                return Err(error);
            }
            if !text.is_empty() {
                last_line = Some(text);
            }
        } else if whole_peek {
            // Half a line so far: wait for the rest rather than peek at nothing new.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// `cisco3: connection closed before the SSH banner`, with the device's last words if it
/// wrote any.
fn closed_before_banner(device: &Device, last_line: Option<String>) -> SshError {
    SshError::Closed {
        device: device.name.clone(),
        stage: Stage::Banner,
        during: match last_line {
            None => "before the SSH banner".to_string(),
            Some(text) => format!("before the SSH banner, after writing `{text}`"),
        },
    }
}

/// An interactive CLI session on one device, like a Netmiko connection object.
///
/// Dropping it disconnects, so an early return or a `?` never leaks a session.
pub struct Connection {
    device: Device,
    session: Session,
    channel: Channel,
    /// The prompt's text without its trailing `#` or `>` (`cisco3`, `pyclass@srx2`):
    /// a line that starts with it and ends in `#`/`>` ends a command's output.
    base_prompt: String,
    /// Written into the client's log of sessions when the connection is dropped.
    ticket: Ticket,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("device", &self.device.name)
            .field("base_prompt", &self.base_prompt)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects, logs in, opens a shell and turns paging off: Netmiko's `ConnectHandler`.
    /// A transient failure is tried again as often as the device's `retries` allow, after a
    /// growing random wait ([`crate::retry`]).
    pub fn connect(device: &Device) -> Result<Connection, SshError> {
        crate::retry::blocking(device, || Connection::connect_once(device))
    }

    fn connect_once(device: &Device) -> Result<Connection, SshError> {
        // The client's side of `--timeline`: this session, from now until it is dropped.
        let mut ticket = Ticket::start(&device.name);
        let opening = step(device, device.read_timeout, Stage::Shell, "opening a shell");
        let opened = open_session(device).and_then(|session| {
            let mut channel = session.channel_session().map_err(|e| opening.ssh(e))?;
            channel
                .request_pty("vt100", None, Some((511, 1000, 0, 0)))
                .map_err(|e| opening.ssh(e))?;
            channel.shell().map_err(|e| opening.ssh(e))?;
            Ok((session, channel))
        });
        let (session, channel) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                ticket.fail();
                return Err(error);
            }
        };
        let mut connection = Connection {
            device: device.clone(),
            session,
            channel,
            base_prompt: String::new(),
            ticket,
        };
        connection.marking_failure(|connection| {
            // A device that lets the login through and then turns the session away (NX-OS
            // past its session limit, any of them when the AAA server did not answer) says so
            // before the first prompt, and closes: fail at once, with its reason.
            let banner = connection.read_until(&opening, |text| {
                match refusal_in(device.name.as_str(), text) {
                    Some(refused) => Err(refused),
                    None => Ok(last_prompt(text).is_some()),
                }
            })?;
            connection.base_prompt = last_prompt(&banner)
                .map(|prompt| base_of(&prompt))
                .unwrap_or_default();
            for command in paging_off(device.device_type) {
                connection.run_command(command)?;
            }
            Ok(())
        })?;
        Ok(connection)
    }

    /// Runs `step`; if it fails, the session is drawn as failed in the client's timeline.
    fn marking_failure<T>(
        &mut self,
        step: impl FnOnce(&mut Connection) -> Result<T, SshError>,
    ) -> Result<T, SshError> {
        let result = step(self);
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
    pub fn find_prompt(&mut self) -> Result<String, SshError> {
        self.marking_failure(|connection| {
            let device = &connection.device;
            let finding = step(
                device,
                device.read_timeout,
                Stage::Command,
                "waiting for the prompt",
            );
            connection.write_line("", &finding)?;
            let text = connection.read_until(&finding, |text| Ok(last_prompt(text).is_some()))?;
            last_prompt(&text).ok_or_else(|| finding.timed_out())
        })
    }

    /// Runs one command and returns its output, without the echoed command and the
    /// prompt that follows it.
    pub fn send_command(&mut self, command: &str) -> Result<String, SshError> {
        self.marking_failure(|connection| connection.run_command(command))
    }

    fn run_command(&mut self, command: &str) -> Result<String, SshError> {
        let running = step(
            &self.device,
            self.device.read_timeout,
            Stage::Command,
            format!("during `{command}`"),
        );
        self.write_line(command, &running)?;
        let base = self.base_prompt.clone();
        let text = self.read_until(&running, |text| {
            Ok(last_prompt(text).is_some_and(|prompt| prompt.starts_with(&base)))
        })?;
        let text = text.replace("\r\n", "\n").replace('\r', "");
        let mut lines: Vec<&str> = text.lines().collect();
        lines.pop(); // the prompt
        if lines.first().is_some_and(|echo| echo.trim_end() == command) {
            lines.remove(0);
        }
        let output = lines.join("\n");
        if is_cli_error(&output) {
            return Err(SshError::CommandFailed {
                device: self.device.name.clone(),
                command: command.to_string(),
                message: output.trim().lines().last().unwrap_or_default().to_string(),
            });
        }
        Ok(output)
    }

    /// Leaves the CLI and closes the session. Dropping a `Connection` does the same.
    pub fn disconnect(self) {
        drop(self);
    }

    fn write_line(&mut self, line: &str, step: &Step) -> Result<(), SshError> {
        // No `flush()` after the write: for an ssh2 channel it is libssh2_channel_flush,
        // which throws away data received and not yet read (the echo, the prompt).
        self.channel
            .write_all(format!("{line}\n").as_bytes())
            .map_err(|e| step.io(e))
    }

    /// Reads until `done(text so far)` says `Ok(true)` (or fails), the channel closes, or
    /// the step's time runs out.
    fn read_until(
        &mut self,
        step: &Step,
        done: impl Fn(&str) -> Result<bool, SshError>,
    ) -> Result<String, SshError> {
        let deadline = Instant::now() + Duration::from_secs_f64(step.seconds);
        let mut bytes = Vec::new();
        let mut buffer = [0u8; 16 * 1024];
        loop {
            if Instant::now() > deadline {
                return Err(step.timed_out());
            }
            match self.channel.read(&mut buffer) {
                Ok(0) => return Err(step.closed()),
                Ok(n) => {
                    bytes.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&bytes);
                    if done(&text)? {
                        return Ok(text.into_owned());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Read turns ssh2's error into a plain io::Error; the session still knows
                // libssh2's code, which tells a timeout from a device that went away.
                Err(e) => {
                    return Err(match ssh2::Error::last_session_error(&self.session) {
                        Some(last) => step.ssh(last),
                        None => step.io(e),
                    });
                }
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Best effort, and quick: a device that is already gone must not hold us up.
        self.session.set_timeout(1000);
        let _ = self.channel.write_all(b"exit\n");
        let _ = self.channel.send_eof();
        let _ = self.channel.close();
        let _ = self.session.disconnect(None, "bye", None);
    }
}

/// The commands that stop each platform from paging its output (Netmiko sends the same).
pub(crate) fn paging_off(platform: DeviceType) -> &'static [&'static str] {
    match platform {
        DeviceType::CiscoIos | DeviceType::AristaEos | DeviceType::CiscoNxos => {
            &["terminal length 0", "terminal width 511"]
        }
        DeviceType::JuniperJunos => &["set cli screen-length 0", "set cli screen-width 511"],
    }
}

/// The prompt that ends `text`, if the text ends in one: a last line, not yet followed by
/// a newline, that ends in `#` or `>` (`cisco3#`, `cisco3(config)#`, `pyclass@srx2>`).
pub(crate) fn last_prompt(text: &str) -> Option<String> {
    let text = text.trim_end_matches(' ');
    if text.ends_with('\n') || text.ends_with('\r') {
        return None;
    }
    let line = text.rsplit(['\n', '\r']).next()?.trim();
    (line.ends_with('#') || line.ends_with('>')).then(|| line.to_string())
}

/// `cisco3#` -> `cisco3`, `pyclass@srx2>` -> `pyclass@srx2`.
pub(crate) fn base_of(prompt: &str) -> String {
    prompt.trim_end_matches(['#', '>']).to_string()
}

/// Whether a CLI answered with its "I don't know that command" message.
pub(crate) fn is_cli_error(output: &str) -> bool {
    let output = output.trim_start();
    output.starts_with("% Invalid input")
        || output.starts_with("% Invalid command")
        || output.starts_with("syntax error")
        || output.lines().nth(1).is_some_and(|l| {
            l.trim_start().starts_with("% Invalid") || l.trim_start().starts_with("syntax error")
        })
}

/// Runs one command over an SSH exec channel (no shell, no prompt) and returns its output:
/// what `ssh host 'show version'` does. Tried again like [`Connection::connect`].
pub fn exec(device: &Device, command: &str) -> Result<String, SshError> {
    crate::retry::blocking(device, || exec_once(device, command))
}

fn exec_once(device: &Device, command: &str) -> Result<String, SshError> {
    let session = open_session(device)?;
    let running = step(
        device,
        device.read_timeout,
        Stage::Command,
        format!("during `{command}`"),
    );
    let mut channel = session.channel_session().map_err(|e| running.ssh(e))?;
    channel.exec(command).map_err(|e| running.ssh(e))?;
    let mut output = String::new();
    channel
        .read_to_string(&mut output)
        .map_err(|e| running.io(e))?;
    channel.wait_close().map_err(|e| running.ssh(e))?;
    let status = channel.exit_status().map_err(|e| running.ssh(e))?;
    let _ = session.disconnect(None, "bye", None);
    // A device that turns the session away after the login says so instead of an output.
    if let Some(refused) = refusal_in(&device.name, &output) {
        return Err(refused);
    }
    if status == 0 {
        Ok(output)
    } else {
        Err(SshError::CommandFailed {
            device: device.name.clone(),
            command: command.to_string(),
            message: format!(
                "exit status {status}: {}",
                output.trim().lines().last().unwrap_or_default()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_ends_the_text() {
        assert_eq!(last_prompt("banner\r\ncisco3#"), Some("cisco3#".into()));
        assert_eq!(
            last_prompt("x\npyclass@srx2> "),
            Some("pyclass@srx2>".into())
        );
        assert_eq!(
            last_prompt("cisco3(config)#"),
            Some("cisco3(config)#".into())
        );
        assert_eq!(last_prompt("cisco3#\r\n"), None);
        assert_eq!(last_prompt("Cisco IOS Software, Version 15"), None);
        assert_eq!(base_of("pyclass@srx2>"), "pyclass@srx2");
    }

    /// Every line of the contract with the mock lab, as each platform writes it.
    #[test]
    fn session_limit_and_aaa_lines_are_recognised() {
        let limits = [
            "% Connection refused: all 5 VTY lines are in use",
            "% Maximum number of SSH sessions (5) reached, connection refused",
            "error: maximum number of SSH sessions (5) reached, connection refused",
            "CLI session limit 5 reached. Exiting.\r",
        ];
        for line in limits {
            let error = refusal("r1", line).unwrap();
            assert_eq!(
                error,
                SshError::SessionLimit {
                    device: "r1".into(),
                    limit: Some(5),
                    message: line.trim().into()
                }
            );
            assert_eq!(error.to_string(), "r1: session limit reached (5 sessions)");
        }
        let unknown = refusal("r1", "CLI session limit many reached. Exiting.").unwrap();
        assert_eq!(
            unknown.to_string(),
            "r1: session limit reached (limit unknown)"
        );
        let aaa = [
            "% Authorization failed: no response from the TACACS+ server",
            "% Authorization denied for user pyclass: TACACS+ server timed out",
            "error: authorization failed: the TACACS+ server did not respond",
            "% Authorization failed: AAA server not responding. Exiting.",
        ];
        for line in aaa {
            let error = refusal("cisco3", line).unwrap();
            assert!(matches!(error, SshError::AaaRejected { .. }), "{error:?}");
            assert_eq!(
                error.to_string(),
                format!("cisco3: login refused by the AAA server: {line}")
            );
        }
        assert_eq!(
            refusal("r1", "Cisco Nexus Operating System (NX-OS) Software"),
            None
        );
        assert_eq!(refusal("r1", "nxos1#"), None);
    }

    /// NX-OS writes its banner, then its limit line; a line still arriving is not judged.
    #[test]
    fn a_refusal_in_the_shell_is_found_once_its_line_is_whole() {
        let banner = "Cisco Nexus Operating System (NX-OS) Software\r\nTAC support: x\r\n";
        assert_eq!(refusal_in("nxos1", banner), None);
        let partial = format!("{banner}% Authorization fail");
        assert_eq!(refusal_in("nxos1", &partial), None);
        let limit = format!("{banner}CLI session limit 32 reached. Exiting.\r\n");
        assert_eq!(
            refusal_in("nxos1", &limit)
                .map(|e| e.to_string())
                .as_deref(),
            Some("nxos1: session limit reached (32 sessions)")
        );
    }

    #[test]
    fn only_a_busy_device_or_server_is_worth_another_try() {
        let d = || "r1".to_string();
        let timed_out = |stage| SshError::TimedOut {
            device: d(),
            seconds: 1.0,
            stage,
            during: String::new(),
        };
        let closed = |stage| SshError::Closed {
            device: d(),
            stage,
            during: String::new(),
        };
        let transient = [
            SshError::SessionLimit {
                device: d(),
                limit: None,
                message: String::new(),
            },
            SshError::AaaRejected {
                device: d(),
                message: String::new(),
            },
            timed_out(Stage::Banner),
            timed_out(Stage::Handshake),
            closed(Stage::Banner),
            closed(Stage::Handshake),
        ];
        for error in &transient {
            assert!(error.is_transient(), "{error:?}");
        }
        let lasting = [
            SshError::AuthFailed {
                device: d(),
                username: "u".into(),
            },
            SshError::HostKeyMismatch {
                device: d(),
                expected: "a".into(),
                found: "b".into(),
            },
            SshError::Refused {
                device: d(),
                addr: "a".into(),
            },
            SshError::Unreachable {
                device: d(),
                addr: "a".into(),
                reason: "r".into(),
            },
            SshError::CommandFailed {
                device: d(),
                command: "c".into(),
                message: "m".into(),
            },
            timed_out(Stage::Connect),
            timed_out(Stage::Auth),
            timed_out(Stage::Shell),
            timed_out(Stage::Command),
            closed(Stage::Auth),
            closed(Stage::Command),
            SshError::GaveUp {
                retries: 2,
                last: Box::new(closed(Stage::Banner)),
            },
        ];
        for error in &lasting {
            assert!(!error.is_transient(), "{error:?}");
        }
    }

    #[test]
    fn cli_errors_are_recognised() {
        assert!(is_cli_error(
            "        ^\n% Invalid input detected at '^' marker."
        ));
        assert!(is_cli_error("syntax error, expecting <command>."));
        assert!(!is_cli_error("Cisco IOS Software\nuptime is 3 weeks"));
    }

    #[test]
    fn known_hosts_is_checked_when_nothing_is_pinned() {
        use mock_device::{DeviceConfig, Fleet, FleetConfig, Platform};
        let mut config = FleetConfig::course_lab();
        config.devices = vec![DeviceConfig::new("cisco3", Platform::CiscoIos)];
        let fleet = Fleet::start(config).unwrap();
        let mut device = crate::lab::devices_of(&fleet, 5.0).remove(0);
        device.host_key = None;
        let handshake = || {
            let tcp = TcpStream::connect((device.host.as_str(), device.port)).unwrap();
            let mut session = Session::new().unwrap();
            session.set_tcp_stream(tcp);
            session.handshake().unwrap();
            session
        };
        let session = handshake();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("known_hosts");
        let entry = |key: &str| format!("[127.0.0.1]:{} ssh-ed25519 {key}\n", device.port);

        // Not listed: accepted.
        std::fs::write(&file, "").unwrap();
        assert!(check_host_key_with(&device, &session, Some(&file)).is_ok());

        // Listed with its real key: accepted.
        let (key, _) = session.host_key().unwrap();
        let real = base64::engine::general_purpose::STANDARD.encode(key);
        std::fs::write(&file, entry(&real)).unwrap();
        assert!(check_host_key_with(&device, &session, Some(&file)).is_ok());

        // Listed with another key: refused.
        let mut other = key.to_vec();
        let last = other.len() - 1;
        other[last] ^= 0xff;
        let other = base64::engine::general_purpose::STANDARD.encode(other);
        std::fs::write(&file, entry(&other)).unwrap();
        let err = check_host_key_with(&device, &session, Some(&file)).unwrap_err();
        assert!(matches!(err, SshError::HostKeyMismatch { .. }), "{err:?}");
    }
}
