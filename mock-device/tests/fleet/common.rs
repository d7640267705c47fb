//! Helpers shared by the integration tests: every blocking step has a timeout.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mock_device::{DeviceConfig, DeviceInfo, Fleet, FleetConfig, Platform};
use ssh2::{Channel, Session};

/// The longest any single client step may take before a test fails instead of hanging.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// The course lab with no delays: cisco3 (IOS), arista1 (EOS), srx2 (Junos), nxos1 (NX-OS)...
pub fn instant_lab() -> Fleet {
    Fleet::start(FleetConfig::course_lab().with_latency(Duration::ZERO)).unwrap()
}

/// A fleet of the given devices with default (lab) settings.
pub fn fleet_of(devices: Vec<DeviceConfig>) -> FleetConfig {
    FleetConfig {
        devices,
        ..FleetConfig::default()
    }
}

/// One device per platform, named after the course lab.
pub const PLATFORM_DEVICES: [(&str, Platform); 4] = [
    ("cisco3", Platform::CiscoIos),
    ("arista1", Platform::AristaEos),
    ("srx2", Platform::JuniperJunos),
    ("nxos1", Platform::CiscoNxos),
];

pub fn device<'a>(fleet: &'a Fleet, name: &str) -> &'a DeviceInfo {
    fleet.device(name).unwrap()
}

/// TCP connect and SSH handshake, with timeouts on every step.
pub fn connect(dev: &DeviceInfo) -> io::Result<Session> {
    let tcp = TcpStream::connect_timeout(&dev.addr, STEP_TIMEOUT)?;
    tcp.set_nodelay(true)?;
    let mut session = Session::new()?;
    session.set_timeout(STEP_TIMEOUT.as_millis() as u32);
    session.set_tcp_stream(tcp);
    session.handshake()?;
    Ok(session)
}

/// Connect and log in with the device's password.
pub fn login(dev: &DeviceInfo) -> io::Result<Session> {
    let session = connect(dev)?;
    session.userauth_password(&dev.username, &dev.password)?;
    Ok(session)
}

/// Runs one command in an exec channel: (output, exit status).
pub fn exec(session: &Session, command: &str) -> io::Result<(String, i32)> {
    let mut channel = session.channel_session()?;
    channel.exec(command)?;
    let mut output = String::new();
    channel.read_to_string(&mut output)?;
    channel.wait_close()?;
    Ok((output, channel.exit_status()?))
}

/// An interactive shell on a pty, read up to expected text.
pub struct Shell {
    pub channel: Channel,
    pending: String,
}

impl Shell {
    pub fn open(session: &Session) -> io::Result<Shell> {
        let mut channel = session.channel_session()?;
        channel.request_pty("vt100", None, Some((511, 1000, 0, 0)))?;
        channel.shell()?;
        Ok(Shell {
            channel,
            pending: String::new(),
        })
    }

    /// Reads until `pattern` has arrived; returns everything up to and including it.
    pub fn read_until(&mut self, pattern: &str) -> io::Result<String> {
        let mut buf = [0u8; 8192];
        loop {
            if let Some(i) = self.pending.find(pattern) {
                let rest = self.pending.split_off(i + pattern.len());
                return Ok(std::mem::replace(&mut self.pending, rest));
            }
            let n = self.channel.read(&mut buf)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("EOF before {pattern:?}; got {:?}", self.pending),
                ));
            }
            self.pending.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }

    /// Writes to the channel. No `flush()`: for ssh2 it is libssh2_channel_flush, which
    /// throws away received data not read yet.
    pub fn send(&mut self, text: &str) -> io::Result<()> {
        self.channel.write_all(text.as_bytes())
    }

    /// Sends a line (ended by `\n`) and returns what came back up to the next `prompt`.
    pub fn command(&mut self, line: &str, prompt: &str) -> io::Result<String> {
        self.send(&format!("{line}\n"))?;
        self.read_until(prompt)
    }
}

/// Runs a command with a deadline; kills it and panics when the deadline passes.
pub fn run_with_timeout(command: &mut Command, timeout: Duration) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} did not finish within {timeout:?}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&stdout.join().unwrap()),
                String::from_utf8_lossy(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}
