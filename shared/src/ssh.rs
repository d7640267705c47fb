//! An SSH helper on the `ssh2` crate (libssh2) that speaks Netmiko's vocabulary:
//! [`Connection::connect`] is `ConnectHandler(**device)`, then [`Connection::find_prompt`],
//! [`Connection::send_command`] and [`Connection::disconnect`].
//!
//! Every step has a time limit (the device's `timeout`), so a silent device ends in
//! [`SshError::TimedOut`], never in a hang. Every error names its device.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use ssh2::{Channel, CheckResult, ErrorCode, HashType, KnownHostFileKind, Session};

use crate::client_log::Ticket;
use crate::inventory::{Device, DeviceType};

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
    #[error("{device}: timed out after {seconds}s {during}")]
    TimedOut {
        device: String,
        seconds: f64,
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
    Closed { device: String, during: String },
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
            | SshError::CommandFailed { device, .. }
            | SshError::Protocol { device, .. } => device,
        }
    }
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

/// Turns errors of one step into [`SshError`]s that name the device and the step.
#[derive(Debug, Clone)]
struct Step {
    device: String,
    seconds: f64,
    during: String,
}

impl Step {
    fn timed_out(&self) -> SshError {
        SshError::TimedOut {
            device: self.device.clone(),
            seconds: self.seconds,
            during: self.during.clone(),
        }
    }

    fn closed(&self) -> SshError {
        SshError::Closed {
            device: self.device.clone(),
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

fn step(device: &Device, during: impl Into<String>) -> Step {
    Step {
        device: device.name.clone(),
        seconds: device.timeout,
        during: during.into(),
    }
}

/// The fingerprint of the host key the device presented, as `ssh-keygen -l` prints it.
fn fingerprint(session: &Session) -> Option<String> {
    let hash = session.host_key_hash(HashType::Sha256)?;
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash)
    ))
}

/// Host-key policy: a fingerprint pinned in the inventory must match; without a pin,
/// a key listed in `~/.ssh/known_hosts` for that host and port must match; a host
/// known nowhere is accepted (nothing is written to known_hosts).
fn check_host_key(device: &Device, session: &Session) -> Result<(), SshError> {
    let known_hosts =
        std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".ssh/known_hosts"));
    check_host_key_with(device, session, known_hosts.as_deref())
}

fn check_host_key_with(
    device: &Device,
    session: &Session,
    known_hosts: Option<&std::path::Path>,
) -> Result<(), SshError> {
    let found = fingerprint(session).unwrap_or_else(|| "no key".to_string());
    let mismatch = |expected: String| SshError::HostKeyMismatch {
        device: device.name.clone(),
        expected,
        found: found.clone(),
    };
    if let Some(expected) = &device.host_key {
        return if *expected == found {
            Ok(())
        } else {
            Err(mismatch(expected.clone()))
        };
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
        CheckResult::Mismatch => Err(mismatch(format!(
            "the key {} lists for {}",
            file.display(),
            device.host
        ))),
        CheckResult::Match | CheckResult::NotFound | CheckResult::Failure => Ok(()),
    }
}

/// TCP connect, SSH handshake, host-key check and password login: an authenticated session.
/// `SSH-2.0-netauto_0.1.0 pid=4242 thread=ThreadId(7)`: this program's name and version, and
/// the process and thread the session runs on.
pub fn client_banner() -> String {
    format!(
        "SSH-2.0-netauto_{} pid={} thread={:?}",
        env!("CARGO_PKG_VERSION"),
        std::process::id(),
        std::thread::current().id()
    )
}

fn open_session(device: &Device) -> Result<Session, SshError> {
    let limit = Duration::from_secs_f64(device.timeout);
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

    let connecting = step(device, format!("connecting to {target}"));
    let tcp = TcpStream::connect_timeout(&addr, limit).map_err(|e| match e.kind() {
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

    let mut session = Session::new().map_err(|e| connecting.ssh(e))?;
    session.set_tcp_stream(tcp);
    // libssh2 applies this to every blocking call: a device that stops talking yields
    // LIBSSH2_ERROR_TIMEOUT instead of blocking the thread forever.
    session.set_timeout((limit.as_millis().clamp(1, u32::MAX as u128)) as u32);
    // The client names its worker in the identification string it sends first, so the mock
    // lab's record (and a real device's logs) can tell which process and thread ran this
    // session, with no plumbing in the lessons.
    session
        .set_banner(&client_banner())
        .map_err(|e| connecting.ssh(e))?;
    session
        .handshake()
        .map_err(|e| step(device, "during the SSH handshake").ssh(e))?;
    check_host_key(device, &session)?;

    let login = step(device, "logging in");
    match session.userauth_password(&device.username, &device.password) {
        Ok(()) if session.authenticated() => Ok(session),
        Ok(()) => Err(SshError::AuthFailed {
            device: device.name.clone(),
            username: device.username.clone(),
        }),
        Err(e) => match e.code() {
            // LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED
            ErrorCode::Session(-18) | ErrorCode::Session(-19) => Err(SshError::AuthFailed {
                device: device.name.clone(),
                username: device.username.clone(),
            }),
            _ => Err(login.ssh(e)),
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
    pub fn connect(device: &Device) -> Result<Connection, SshError> {
        // The client's side of `--timeline`: this session, from now until it is dropped.
        let mut ticket = Ticket::start(&device.name);
        let opened = open_session(device).and_then(|session| {
            let opening = step(device, "opening a shell");
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
            let opening = step(device, "opening a shell");
            let banner = connection.read_until(&opening, |text| last_prompt(text).is_some())?;
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
            let finding = step(&connection.device, "waiting for the prompt");
            connection.write_line("", &finding)?;
            let text = connection.read_until(&finding, |text| last_prompt(text).is_some())?;
            last_prompt(&text).ok_or_else(|| finding.timed_out())
        })
    }

    /// Runs one command and returns its output, without the echoed command and the
    /// prompt that follows it.
    pub fn send_command(&mut self, command: &str) -> Result<String, SshError> {
        self.marking_failure(|connection| connection.run_command(command))
    }

    fn run_command(&mut self, command: &str) -> Result<String, SshError> {
        let running = step(&self.device, format!("during `{command}`"));
        self.write_line(command, &running)?;
        let base = self.base_prompt.clone();
        let text = self.read_until(&running, |text| {
            last_prompt(text).is_some_and(|prompt| prompt.starts_with(&base))
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

    /// Reads until `done(text so far)` holds, the channel closes, or the time runs out.
    fn read_until(&mut self, step: &Step, done: impl Fn(&str) -> bool) -> Result<String, SshError> {
        let deadline = Instant::now() + Duration::from_secs_f64(self.device.timeout);
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
                    if done(&text) {
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
/// what `ssh host 'show version'` does.
pub fn exec(device: &Device, command: &str) -> Result<String, SshError> {
    let session = open_session(device)?;
    let running = step(device, format!("during `{command}`"));
    let mut channel = session.channel_session().map_err(|e| running.ssh(e))?;
    channel.exec(command).map_err(|e| running.ssh(e))?;
    let mut output = String::new();
    channel
        .read_to_string(&mut output)
        .map_err(|e| running.io(e))?;
    channel.wait_close().map_err(|e| running.ssh(e))?;
    let status = channel.exit_status().map_err(|e| running.ssh(e))?;
    let _ = session.disconnect(None, "bye", None);
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
