//! What a fleet is made of: platforms, faults, devices, fleet-wide settings, and the YAML
//! fleet file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::file_error::{self, FileError};

/// The course's user name on every device.
pub const COURSE_USERNAME: &str = "pyclass";
/// The fixed password of the built-in fleets (the mock lab serves known credentials).
pub const LAB_PASSWORD: &str = "pyclass-lab";
/// The fixed enable secret of the built-in fleets.
pub const LAB_ENABLE_SECRET: &str = "pyclass-enable";
/// The host key seed of the built-in fleets: their fingerprints never change.
pub const LAB_HOST_KEY_SEED: &str = "netauto-course-lab";

/// A device platform, named as Netmiko names its `device_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    CiscoIos,
    AristaEos,
    JuniperJunos,
    CiscoNxos,
}

impl Platform {
    /// Every platform, in the order `FleetConfig::generated` cycles through them.
    pub const ALL: [Platform; 4] = [
        Platform::CiscoIos,
        Platform::AristaEos,
        Platform::JuniperJunos,
        Platform::CiscoNxos,
    ];

    /// The Netmiko `device_type` name, e.g. `cisco_ios`.
    pub fn netmiko_name(self) -> &'static str {
        match self {
            Platform::CiscoIos => "cisco_ios",
            Platform::AristaEos => "arista_eos",
            Platform::JuniperJunos => "juniper_junos",
            Platform::CiscoNxos => "cisco_nxos",
        }
    }

    /// The prompt a device of this platform shows right after login, e.g. `cisco3#` or
    /// `pyclass@srx2> ` (Junos prompts end with a space, as on a real device).
    pub fn login_prompt(self, hostname: &str, username: &str) -> String {
        match self {
            Platform::JuniperJunos => format!("{username}@{hostname}> "),
            _ => format!("{hostname}#"),
        }
    }
}

impl Platform {
    /// The line a device past its `limit` sessions sends. NX-OS writes it in the shell,
    /// after its login banner; the others before their SSH identification string.
    pub fn session_limit_line(self, limit: usize) -> String {
        match self {
            Platform::CiscoIos => format!("% Connection refused: all {limit} VTY lines are in use"),
            Platform::AristaEos => {
                format!("% Maximum number of SSH sessions ({limit}) reached, connection refused")
            }
            Platform::JuniperJunos => format!(
                "error: maximum number of SSH sessions ({limit}) reached, connection refused"
            ),
            Platform::CiscoNxos => format!("CLI session limit {limit} reached. Exiting."),
        }
    }

    /// The one line a device writes in the shell when its AAA server did not answer the
    /// login in time (written for this lab, in each platform's style).
    pub fn aaa_timeout_line(self, username: &str) -> String {
        match self {
            Platform::CiscoIos => {
                "% Authorization failed: no response from the TACACS+ server".to_string()
            }
            Platform::AristaEos => {
                format!("% Authorization denied for user {username}: TACACS+ server timed out")
            }
            Platform::JuniperJunos => {
                "error: authorization failed: the TACACS+ server did not respond".to_string()
            }
            Platform::CiscoNxos => {
                "% Authorization failed: AAA server not responding. Exiting.".to_string()
            }
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.netmiko_name())
    }
}

impl FromStr for Platform {
    type Err = ConfigError;

    /// Accepts the Netmiko names (`cisco_ios`...), with `-` for `_`, any case, and the
    /// short names `ios`, `eos`, `junos`, `nxos`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace('-', "_");
        match key.as_str() {
            "cisco_ios" | "ios" => Ok(Platform::CiscoIos),
            "arista_eos" | "eos" => Ok(Platform::AristaEos),
            "juniper_junos" | "juniper" | "junos" => Ok(Platform::JuniperJunos),
            "cisco_nxos" | "nxos" => Ok(Platform::CiscoNxos),
            _ => Err(ConfigError::UnknownPlatform(s.to_string())),
        }
    }
}

/// A failure a device can be told to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Nothing listens on the device's port: connections are refused.
    Refuse,
    /// The device rejects every login, valid credentials included.
    AuthFail,
    /// The device accepts TCP connections and never says a word of SSH.
    Hang,
    /// The device drops the connection in the middle of every `show` command.
    Drop,
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: [Fault; 4] = [Fault::Refuse, Fault::AuthFail, Fault::Hang, Fault::Drop];

    /// The name used on the command line and in fleet files, e.g. `auth-fail`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Refuse => "refuse",
            Fault::AuthFail => "auth-fail",
            Fault::Hang => "hang",
            Fault::Drop => "drop",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace('_', "-");
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == key)
            .ok_or_else(|| ConfigError::UnknownFault(s.to_string()))
    }
}

/// Everything that can go wrong while building a fleet configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("unknown platform `{0}` (supported: cisco_ios, arista_eos, juniper_junos, cisco_nxos)")]
    UnknownPlatform(String),
    #[error("unknown fault `{0}` (supported: refuse, auth-fail, hang, drop)")]
    UnknownFault(String),
    #[error("unknown device `{name}` (this fleet has: {known})")]
    UnknownDevice { name: String, known: String },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A mistake in a fleet file, at its line; `FileError::render` shows the line itself.
    #[error("{0}")]
    Yaml(FileError),
    #[error("{0}")]
    Invalid(String),
}

/// One device of the fleet.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    pub name: String,
    pub platform: Platform,
    /// Time from connect to a ready session, spent while authenticating.
    pub login_delay: Duration,
    /// Time each `show ...` command takes; terminal and paging commands answer at once.
    pub command_delay: Duration,
    pub fault: Option<Fault>,
    /// Concurrent sessions (VTY lines); a connection past this many is turned away in the
    /// platform's words (NX-OS after the login, the others before SSH starts).
    pub max_sessions: Option<usize>,
    /// Start-up throttling of this device; overrides [`FleetConfig::max_startups`].
    pub max_startups: Option<MaxStartups>,
    /// Overrides the fleet password for this device.
    pub password: Option<String>,
    /// TCP port; 0 = OS-assigned.
    pub port: u16,
    /// The name in its prompt and its outputs, when not its name (`core-r1#`).
    pub hostname: Option<String>,
    /// Its own outputs (command -> text), over its platform's in
    /// [`FleetConfig::outputs`] and the built-in ones.
    pub outputs: Outputs,
}

/// Outputs a device serves instead of (or besides) the built-in ones: the command as typed
/// in full (`show ip arp`; abbreviations and `| include` work on it as on the others) ->
/// its text.
pub type Outputs = BTreeMap<String, String>;

impl DeviceConfig {
    /// A healthy device with no delays on an OS-assigned port.
    pub fn new(name: impl Into<String>, platform: Platform) -> Self {
        DeviceConfig {
            name: name.into(),
            platform,
            login_delay: Duration::ZERO,
            command_delay: Duration::ZERO,
            fault: None,
            max_sessions: None,
            max_startups: None,
            password: None,
            port: 0,
            hostname: None,
            outputs: Outputs::new(),
        }
    }
}

/// The fleet's one AAA (TACACS+/RADIUS) server: every login of every device is authorised
/// by it, `capacity` at a time, each taking `delay`; the others wait in its queue, first
/// come first served, and a login that waited `timeout` is refused as a device refuses one
/// whose AAA server did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AaaConfig {
    pub capacity: usize,
    pub delay: Duration,
    pub timeout: Duration,
}

/// A login waits this long in the AAA queue by default: IOS's default TACACS+ timeout.
pub const DEFAULT_AAA_TIMEOUT: Duration = Duration::from_secs(5);

/// Start-up throttling with OpenSSH's `MaxStartups start:rate:full`: once `start`
/// connections of a device are accepted and not yet logged in, a new one is dropped with
/// probability `rate` %, rising linearly to 100 % at `full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxStartups {
    pub start: u32,
    pub rate: u32,
    pub full: u32,
}

impl MaxStartups {
    /// The chance, in percent, that a new connection is dropped while `pending` others are
    /// not logged in yet: sshd's `should_drop_connection`, integer division included.
    pub fn drop_percent(&self, pending: u32) -> u32 {
        if pending < self.start {
            0
        } else if pending >= self.full {
            100
        } else {
            self.rate + (100 - self.rate) * (pending - self.start) / (self.full - self.start)
        }
    }
}

impl fmt::Display for MaxStartups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.start, self.rate, self.full)
    }
}

impl FromStr for MaxStartups {
    type Err = String;

    /// `start:rate:full` (`10:30:100`), or one number `N`, which drops every connection
    /// past N (as sshd reads `MaxStartups N`). The rules are sshd's: 1 <= rate <= 100 and
    /// start <= full.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected START:RATE:FULL (e.g. 10:30:100) or N, got `{s}`");
        let numbers = s
            .trim()
            .split(':')
            .map(|n| n.trim().parse::<u32>())
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|_| bad())?;
        let limits = match numbers[..] {
            [n] => MaxStartups {
                start: n,
                rate: 100,
                full: n,
            },
            [start, rate, full] => MaxStartups { start, rate, full },
            _ => return Err(bad()),
        };
        if !(1..=100).contains(&limits.rate) {
            return Err(format!("`{s}`: RATE must be 1 to 100 (percent)"));
        }
        if limits.start > limits.full {
            return Err(format!("`{s}`: START must not be above FULL"));
        }
        Ok(limits)
    }
}

/// A whole fleet: fleet-wide settings and its devices.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// Address every device listens on (default 127.0.0.1).
    pub bind: IpAddr,
    pub username: String,
    /// Fleet-wide password (a device's own `password` overrides it).
    pub password: String,
    /// Secret asked by `enable` from a `>` prompt.
    pub enable_secret: String,
    /// OpenSSH public-key lines (`ssh-ed25519 AAAA... comment`) accepted on every device.
    pub authorized_keys: Vec<String>,
    /// Some: each device's ed25519 host key is derived from (seed, device name); None: random.
    pub host_key_seed: Option<String>,
    /// Uniform +/- jitter added to every login and command delay.
    pub jitter: Duration,
    /// Seed of the jitter generator (each device draws from its own stream).
    pub jitter_seed: u64,
    pub devices: Vec<DeviceConfig>,
    /// How many sessions [`Fleet::record`](crate::Fleet::record) keeps (the first ones);
    /// later ones are only counted. 0 keeps none (the binary: it has no one to hand a record
    /// to). Default 100,000.
    pub record_limit: usize,
    /// Write every session's steps to this file as they happen, one JSON object a line (the
    /// binary's `--events-out`; fields in the README). The file is created or emptied.
    pub events_out: Option<PathBuf>,
    /// The shared AAA server every login goes through; None: no AAA server.
    pub aaa: Option<AaaConfig>,
    /// Start-up throttling of every device without its own
    /// [`DeviceConfig::max_startups`]; seeded by `jitter_seed`.
    pub max_startups: Option<MaxStartups>,
    /// A device waits this long for every other connection of its own whose key exchange
    /// is not done before it sends its identification string. ZERO: no wait.
    pub banner_delay_per_pending: Duration,
    /// Outputs every device of a platform serves (see [`DeviceConfig::outputs`]).
    pub outputs: HashMap<Platform, Outputs>,
}

/// Sessions a fleet keeps a record of by default: at a few hundred bytes each, at most a
/// few tens of MB, and ten rounds of a 10,000-device fleet.
const DEFAULT_RECORD_LIMIT: usize = 100_000;

impl Default for FleetConfig {
    /// No devices; the lab's credentials and host key seed; 127.0.0.1; no jitter.
    fn default() -> Self {
        FleetConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            username: COURSE_USERNAME.to_string(),
            password: LAB_PASSWORD.to_string(),
            enable_secret: LAB_ENABLE_SECRET.to_string(),
            authorized_keys: Vec::new(),
            host_key_seed: Some(LAB_HOST_KEY_SEED.to_string()),
            jitter: Duration::ZERO,
            jitter_seed: 0,
            devices: Vec::new(),
            record_limit: DEFAULT_RECORD_LIMIT,
            events_out: None,
            aaa: None,
            max_startups: None,
            banner_delay_per_pending: Duration::ZERO,
            outputs: HashMap::new(),
        }
    }
}

/// The course lab: name, platform and login delay in milliseconds.
///
/// The course says only that its real devices took 1 to 3 s each and that the Arista ones
/// needed a larger delay factor; these delays are this lab's choice. They are nine values
/// 0.15 s apart (a thread per device finishes them in a fixed order), and placed so that
/// a pool of four shows what `as_completed` is for: cisco3, first in the list, is not the
/// first to answer, and nxos1, eighth, answers fifth; `map` meanwhile waits on arista3.
const COURSE_LAB: [(&str, Platform, u64); 9] = [
    ("cisco3", Platform::CiscoIos, 700),
    ("cisco4", Platform::CiscoIos, 550),
    ("arista1", Platform::AristaEos, 850),
    ("arista2", Platform::AristaEos, 1000),
    ("arista3", Platform::AristaEos, 1450),
    ("arista4", Platform::AristaEos, 1150),
    ("srx2", Platform::JuniperJunos, 1300),
    ("nxos1", Platform::CiscoNxos, 400),
    ("nxos2", Platform::CiscoNxos, 1600),
];

fn scale(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(if factor > 1.0 {
        Duration::MAX
    } else {
        Duration::ZERO
    })
}

impl FleetConfig {
    /// The course's nine devices in the course's order (cisco3 cisco4 arista1 arista2
    /// arista3 arista4 srx2 nxos1 nxos2). Login delays 0.70 0.55 0.85 1.00 1.45 1.15 1.30
    /// 0.40 1.60 s: distinct, so a pool of 4 (or 5) finishes them in a fixed order with
    /// gaps of at least 0.15 s: cisco4 cisco3 arista1 arista2 nxos1 arista4 arista3 srx2
    /// nxos2. Each command delay is a quarter of the login delay.
    pub fn course_lab() -> Self {
        let devices = COURSE_LAB
            .iter()
            .map(|&(name, platform, ms)| {
                let login = Duration::from_millis(ms);
                DeviceConfig {
                    login_delay: login,
                    command_delay: login / 4,
                    ..DeviceConfig::new(name, platform)
                }
            })
            .collect();
        FleetConfig {
            devices,
            ..FleetConfig::default()
        }
    }

    /// `n` devices cycling through `platforms` (all four when empty), named after their
    /// platform and a 1-based number (`cisco-ios-0001`, `arista-eos-0002`...), each with
    /// login and command delay `latency`.
    pub fn generated(n: usize, platforms: &[Platform], latency: Duration) -> Self {
        let platforms = if platforms.is_empty() {
            &Platform::ALL[..]
        } else {
            platforms
        };
        let width = n.to_string().len().max(4);
        let devices = (0..n)
            .map(|i| {
                let platform = platforms[i % platforms.len()];
                let name = format!(
                    "{}-{:0width$}",
                    platform.netmiko_name().replace('_', "-"),
                    i + 1
                );
                DeviceConfig {
                    login_delay: latency,
                    command_delay: latency,
                    ..DeviceConfig::new(name, platform)
                }
            })
            .collect();
        FleetConfig {
            devices,
            ..FleetConfig::default()
        }
    }

    /// Multiplies every device's delays, and the jitter, by `factor` (0.25 runs the course
    /// lab four times faster and keeps its order).
    pub fn scale_latency(mut self, factor: f64) -> Self {
        for d in &mut self.devices {
            d.login_delay = scale(d.login_delay, factor);
            d.command_delay = scale(d.command_delay, factor);
        }
        self.jitter = scale(self.jitter, factor);
        self
    }

    /// Sets login and command delay of every device to `latency`.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        for d in &mut self.devices {
            d.login_delay = latency;
            d.command_delay = latency;
        }
        self
    }

    /// Sets a fault on the named device.
    pub fn with_fault(mut self, device: &str, fault: Fault) -> Result<Self, ConfigError> {
        self.device_mut(device)?.fault = Some(fault);
        Ok(self)
    }

    /// Limits the named device to `max` concurrent sessions.
    pub fn with_max_sessions(mut self, device: &str, max: usize) -> Result<Self, ConfigError> {
        self.device_mut(device)?.max_sessions = Some(max);
        Ok(self)
    }

    /// The named device, or an error that lists the fleet's devices.
    pub fn device_mut(&mut self, name: &str) -> Result<&mut DeviceConfig, ConfigError> {
        let known = self.known_names();
        self.devices
            .iter_mut()
            .find(|d| d.name == name)
            .ok_or_else(|| ConfigError::UnknownDevice {
                name: name.to_string(),
                known,
            })
    }

    fn known_names(&self) -> String {
        const SHOWN: usize = 12;
        let mut names: Vec<&str> = self
            .devices
            .iter()
            .take(SHOWN)
            .map(|d| d.name.as_str())
            .collect();
        if self.devices.len() > SHOWN {
            names.push("...");
        }
        if names.is_empty() {
            "no devices".to_string()
        } else {
            names.join(", ")
        }
    }

    /// Checks what `Fleet::start` needs: at least one device, unique non-empty names
    /// without whitespace, a user name, sane session limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.devices.is_empty() {
            return Err(ConfigError::Invalid("the fleet has no devices".into()));
        }
        if self.username.is_empty() {
            return Err(ConfigError::Invalid("the user name is empty".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for d in &self.devices {
            if d.name.is_empty() || d.name.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(ConfigError::Invalid(format!(
                    "bad device name {:?}: it must be non-empty, without spaces",
                    d.name
                )));
            }
            if !seen.insert(d.name.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "device name `{}` is used twice",
                    d.name
                )));
            }
            if d.max_sessions == Some(0) {
                return Err(ConfigError::Invalid(format!(
                    "device `{}`: max_sessions must be at least 1",
                    d.name
                )));
            }
        }
        if let Some(aaa) = &self.aaa
            && aaa.capacity == 0
        {
            return Err(ConfigError::Invalid(
                "the AAA server's capacity must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Loads a YAML fleet file: either a list of devices, or a mapping with fleet-wide
    /// settings and a `devices` list (format in the crate's README). Errors name the file,
    /// line and column.
    pub fn from_yaml_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_yaml_str(&text, path)
    }

    /// Parses the text of a YAML fleet file; `path` only names it in errors.
    pub fn from_yaml_str(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let value: serde_yaml::Value = file_error::from_yaml_str(path, text)?;
        let file: FleetFile = if value.is_sequence() {
            FleetFile {
                devices: file_error::from_yaml_str(path, text)?,
                ..FleetFile::default()
            }
        } else {
            file_error::from_yaml_str(path, text)?
        };
        let config = file.into_config(path)?;
        config
            .validate()
            .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))?;
        Ok(config)
    }
}

/// A duration in a fleet file: `400ms`, `1s 500ms` (humantime) or a number of seconds.
#[derive(Debug, Clone, Copy)]
struct YamlDuration(Duration);

impl From<FileError> for ConfigError {
    fn from(mistake: FileError) -> Self {
        ConfigError::Yaml(mistake)
    }
}

impl<'de> Deserialize<'de> for YamlDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        file_error::deserialize_scalar(
            d,
            "a duration such as 400ms, 1s 500ms or 0.25 (seconds)",
            |text| {
                parse_duration(text)
                    .map(YamlDuration)
                    .map_err(|_| String::new())
            },
        )
    }
}

/// Parses `800ms`, `1s`, `1m 30s` (humantime) and also plain or fractional seconds
/// (`0.25`, `1.5s`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let number = t.strip_suffix('s').unwrap_or(t);
    let mistake =
        || format!("must be a duration such as 400ms, 1s 500ms or 0.25 (seconds), not \"{text}\"");
    if let Ok(secs) = number.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|_| mistake());
    }
    humantime::parse_duration(t).map_err(|_| mistake())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetFile {
    bind: Option<IpAddr>,
    username: Option<String>,
    password: Option<String>,
    enable_secret: Option<String>,
    #[serde(default)]
    authorized_keys: Vec<String>,
    host_key_seed: Option<String>,
    #[serde(default)]
    random_host_keys: bool,
    jitter: Option<YamlDuration>,
    jitter_seed: Option<u64>,
    aaa: Option<AaaEntry>,
    max_startups: Option<YamlMaxStartups>,
    banner_delay_per_pending: Option<YamlDuration>,
    #[serde(default)]
    outputs: HashMap<Platform, BTreeMap<String, OutputEntry>>,
    #[serde(default)]
    defaults: DeviceDefaults,
    devices: Vec<DeviceEntry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceDefaults {
    latency: Option<YamlDuration>,
    login_delay: Option<YamlDuration>,
    command_delay: Option<YamlDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceEntry {
    name: String,
    #[serde(alias = "device_type")]
    platform: Platform,
    latency: Option<YamlDuration>,
    login_delay: Option<YamlDuration>,
    command_delay: Option<YamlDuration>,
    fault: Option<Fault>,
    max_sessions: Option<usize>,
    max_startups: Option<YamlMaxStartups>,
    password: Option<String>,
    #[serde(default)]
    port: u16,
    hostname: Option<String>,
    #[serde(default)]
    outputs: BTreeMap<String, OutputEntry>,
}

/// One output in a fleet file: its text, or `{file: PATH}` (relative to the fleet file).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OutputEntry {
    Text(String),
    File { file: PathBuf },
}

/// The texts of `entries`, files read relative to the fleet file at `fleet`; each ends with
/// a line end, as a device's output does.
fn read_outputs(
    entries: BTreeMap<String, OutputEntry>,
    fleet: &Path,
) -> Result<Outputs, ConfigError> {
    let mut outputs = Outputs::new();
    for (command, entry) in entries {
        let mut text = match entry {
            OutputEntry::Text(text) => text,
            OutputEntry::File { file } => {
                let path = fleet.parent().unwrap_or(Path::new(".")).join(file);
                std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
                    path: path.clone(),
                    source,
                })?
            }
        };
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        let command = command.split_whitespace().collect::<Vec<_>>().join(" ");
        if command.is_empty() {
            return Err(ConfigError::Invalid(format!(
                "{}: an output needs a command, not an empty one",
                fleet.display()
            )));
        }
        outputs.insert(command, text);
    }
    Ok(outputs)
}

/// `aaa:` in a fleet file: `{capacity: 8, delay: 200ms, timeout: 5s}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AaaEntry {
    capacity: usize,
    delay: Option<YamlDuration>,
    timeout: Option<YamlDuration>,
}

/// `max_startups:` in a fleet file: `"10:30:100"` (or one number).
#[derive(Debug, Clone, Copy)]
struct YamlMaxStartups(MaxStartups);

impl<'de> Deserialize<'de> for YamlMaxStartups {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        file_error::deserialize_scalar(d, "START:RATE:FULL (e.g. 10:30:100) or N", |text| {
            text.parse()
                .map(YamlMaxStartups)
                .map_err(|e| format!("max_startups: {e}"))
        })
    }
}

impl FleetFile {
    /// The fleet this file (at `path`) describes; output files are read relative to it.
    fn into_config(self, path: &Path) -> Result<FleetConfig, ConfigError> {
        let base = FleetConfig::default();
        let d = &self.defaults;
        let mut outputs = HashMap::new();
        for (platform, entries) in self.outputs {
            outputs.insert(platform, read_outputs(entries, path)?);
        }
        let devices = self
            .devices
            .into_iter()
            .map(|e| -> Result<DeviceConfig, ConfigError> {
                let pick = |own: Option<YamlDuration>, default: Option<YamlDuration>| {
                    own.or(e.latency)
                        .or(default)
                        .or(d.latency)
                        .map_or(Duration::ZERO, |y| y.0)
                };
                Ok(DeviceConfig {
                    login_delay: pick(e.login_delay, d.login_delay),
                    command_delay: pick(e.command_delay, d.command_delay),
                    fault: e.fault,
                    max_sessions: e.max_sessions,
                    max_startups: e.max_startups.map(|m| m.0),
                    password: e.password,
                    port: e.port,
                    hostname: e.hostname,
                    outputs: read_outputs(e.outputs, path)?,
                    ..DeviceConfig::new(e.name, e.platform)
                })
            })
            .collect::<Result<Vec<DeviceConfig>, ConfigError>>()?;
        Ok(FleetConfig {
            bind: self.bind.unwrap_or(base.bind),
            username: self.username.unwrap_or(base.username),
            password: self.password.unwrap_or(base.password),
            enable_secret: self.enable_secret.unwrap_or(base.enable_secret),
            authorized_keys: self.authorized_keys,
            host_key_seed: if self.random_host_keys {
                None
            } else {
                self.host_key_seed.or(base.host_key_seed)
            },
            jitter: self.jitter.map_or(Duration::ZERO, |j| j.0),
            jitter_seed: self.jitter_seed.unwrap_or(0),
            devices,
            aaa: self.aaa.map(|a| AaaConfig {
                capacity: a.capacity,
                delay: a.delay.map_or(Duration::ZERO, |d| d.0),
                timeout: a.timeout.map_or(DEFAULT_AAA_TIMEOUT, |t| t.0),
            }),
            max_startups: self.max_startups.map(|m| m.0),
            banner_delay_per_pending: self
                .banner_delay_per_pending
                .map_or(Duration::ZERO, |d| d.0),
            outputs,
            ..base
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_names_round_trip() {
        for p in Platform::ALL {
            assert_eq!(p.to_string().parse::<Platform>().unwrap(), p);
        }
        assert_eq!("EOS".parse::<Platform>().unwrap(), Platform::AristaEos);
        let err = "cisco_xr".parse::<Platform>().unwrap_err().to_string();
        assert!(
            err.contains("cisco_xr") && err.contains("juniper_junos"),
            "{err}"
        );
    }

    #[test]
    fn fault_names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(f.to_string().parse::<Fault>().unwrap(), f);
        }
        assert_eq!("auth_fail".parse::<Fault>().unwrap(), Fault::AuthFail);
        assert!("explode".parse::<Fault>().is_err());
    }

    #[test]
    fn course_lab_order_and_delays() {
        let lab = FleetConfig::course_lab();
        let names: Vec<&str> = lab.devices.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cisco3", "cisco4", "arista1", "arista2", "arista3", "arista4", "srx2", "nxos1",
                "nxos2"
            ]
        );
        let srx2 = &lab.devices[6];
        assert_eq!(srx2.platform, Platform::JuniperJunos);
        assert_eq!(srx2.login_delay, Duration::from_millis(1300));
        assert_eq!(srx2.command_delay, Duration::from_millis(325));
        let serial: Duration = lab.devices.iter().map(|d| d.login_delay).sum();
        assert_eq!(serial, Duration::from_secs(9));
        let fast = lab.scale_latency(0.25);
        assert_eq!(fast.devices[7].login_delay, Duration::from_millis(100));
    }

    #[test]
    fn generated_names_are_unique_and_cycle() {
        let fleet = FleetConfig::generated(10, &[], Duration::from_millis(5));
        assert_eq!(fleet.devices[0].name, "cisco-ios-0001");
        assert_eq!(fleet.devices[6].platform, Platform::JuniperJunos);
        assert_eq!(fleet.devices[9].name, "arista-eos-0010");
        fleet.validate().unwrap();
        let big = FleetConfig::generated(12345, &[Platform::CiscoNxos], Duration::ZERO);
        assert_eq!(big.devices[0].name, "cisco-nxos-00001");
    }

    #[test]
    fn unknown_device_fault_is_named() {
        let err = FleetConfig::course_lab()
            .with_fault("cisco9", Fault::Hang)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cisco9") && err.contains("cisco3"), "{err}");
    }

    #[test]
    fn yaml_full_form() {
        let text = "\
username: admin
password: pw
jitter: 50ms
jitter_seed: 7
defaults:
  latency: 200ms
devices:
  - name: r1
    platform: cisco_ios
    command_delay: 0.05
    fault: auth-fail
  - name: r2
    device_type: juniper_junos
    login_delay: 1s 500ms
    max_sessions: 2
    password: other
    port: 2222
";
        let c = FleetConfig::from_yaml_str(text, Path::new("f.yaml")).unwrap();
        assert_eq!(c.username, "admin");
        assert_eq!(c.jitter, Duration::from_millis(50));
        assert_eq!(c.devices[0].login_delay, Duration::from_millis(200));
        assert_eq!(c.devices[0].command_delay, Duration::from_millis(50));
        assert_eq!(c.devices[0].fault, Some(Fault::AuthFail));
        assert_eq!(c.devices[1].login_delay, Duration::from_millis(1500));
        assert_eq!(c.devices[1].command_delay, Duration::from_millis(200));
        assert_eq!(c.devices[1].max_sessions, Some(2));
        assert_eq!(c.devices[1].password.as_deref(), Some("other"));
        assert_eq!(c.devices[1].port, 2222);
    }

    #[test]
    fn yaml_list_form_and_errors() {
        let c = FleetConfig::from_yaml_str(
            "- {name: a, platform: arista_eos}\n- {name: b, platform: cisco_nxos, latency: 2}\n",
            Path::new("l.yaml"),
        )
        .unwrap();
        assert_eq!(c.devices.len(), 2);
        assert_eq!(c.devices[1].command_delay, Duration::from_secs(2));
        assert_eq!(c.password, LAB_PASSWORD);

        let err = FleetConfig::from_yaml_str(
            "devices:\n  - name: a\n    platform: cisco_xr\n",
            Path::new("bad.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("bad.yaml:3:15: "), "{err}");
        assert!(err.contains("cisco_xr"), "{err}");

        let err = FleetConfig::from_yaml_str(
            "devices:\n  - {name: a, platform: cisco_ios}\n  - {name: a, platform: cisco_ios}\n",
            Path::new("dup.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("dup.yaml") && err.contains("used twice"),
            "{err}"
        );
    }

    #[test]
    fn max_startups_parse_and_drop_percent() {
        let m: MaxStartups = "10:30:100".parse().unwrap();
        assert_eq!((m.start, m.rate, m.full), (10, 30, 100));
        assert_eq!(m.to_string(), "10:30:100");
        // sshd: 30 + 70 * (pending - 10) / 90, integer division.
        let p: Vec<u32> = [0, 9, 10, 11, 55, 99, 100, 500]
            .iter()
            .map(|&n| m.drop_percent(n))
            .collect();
        assert_eq!(p, [0, 0, 30, 30, 65, 99, 100, 100]);
        let single: MaxStartups = "5".parse().unwrap();
        assert_eq!((single.drop_percent(4), single.drop_percent(5)), (0, 100));
        for (bad, needle) in [
            ("10:30", "START:RATE:FULL"),
            ("a:b:c", "START:RATE:FULL"),
            ("10:0:100", "RATE"),
            ("10:101:100", "RATE"),
            ("20:30:10", "START"),
        ] {
            let err = bad.parse::<MaxStartups>().unwrap_err();
            assert!(err.contains(needle) && err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn yaml_pushback_fields() {
        let text = "\
aaa: {capacity: 8, delay: 200ms}
max_startups: 10:30:100
banner_delay_per_pending: 50ms
devices:
  - {name: r1, platform: cisco_ios, max_startups: 3, max_sessions: 2}
  - {name: r2, platform: cisco_nxos}
";
        let c = FleetConfig::from_yaml_str(text, Path::new("p.yaml")).unwrap();
        let aaa = c.aaa.unwrap();
        assert_eq!(aaa.capacity, 8);
        assert_eq!(aaa.delay, Duration::from_millis(200));
        assert_eq!(aaa.timeout, DEFAULT_AAA_TIMEOUT);
        assert_eq!(c.max_startups.map(|m| m.to_string()).unwrap(), "10:30:100");
        assert_eq!(c.banner_delay_per_pending, Duration::from_millis(50));
        assert_eq!(c.devices[0].max_startups.unwrap().to_string(), "3:100:3");
        assert_eq!(c.devices[1].max_startups, None);
        let err = FleetConfig::from_yaml_str(
            "aaa: {capacity: 0}\ndevices: [{name: a, platform: arista_eos}]\n",
            Path::new("z.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("z.yaml") && err.contains("capacity"), "{err}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("800ms").unwrap(), Duration::from_millis(800));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
