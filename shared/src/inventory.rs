//! The device inventory: what Netmiko calls a device's connection arguments, read from YAML.
//! A device dictionary written for Netmiko's `ConnectHandler(**device)` is read as it is
//! (Netmiko's keys this program has no use for are accepted, and named once on stderr); a
//! mistake is shown at its line, through [`mock_device::file_error`].
//!
//! ```yaml
//! - name: cisco3          # optional: the host when absent (`device_name` works too)
//!   device_type: cisco_ios
//!   host: cisco3.lasthop.io # or `ip:`
//!   port: 22                # optional, 22 when absent; "22" works too
//!   username: pyclass
//!   password: secret        # optional: PYNET_PASSWORD, or asked on the terminal
//!   host_key: "SHA256:..."  # optional: pin the device's host-key fingerprint
//!   key_file: ~/.ssh/id_ed25519  # optional: log in with this private key (async helper)
//!   timeout: 10             # optional: seconds any step may take (10 when absent)
//!   conn_timeout: 5         # optional, each of these four `timeout` when absent: the TCP
//!   banner_timeout: 15      #   connect, the wait for the SSH banner, the handshake and
//!   auth_timeout: 10        #   login together, each command's output (Netmiko's names)
//!   read_timeout: 10
//! ```

use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use mock_device::file_error::{self, FileError};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// Netmiko's `device_type`: the four platforms of the course's lab.
pub use mock_device::Platform as DeviceType;

/// The environment variable the course reads the lab password from.
pub const PASSWORD_ENV: &str = "PYNET_PASSWORD";

/// Seconds to wait on a silent device before giving up (Netmiko's `conn_timeout` is 10 too).
pub const DEFAULT_TIMEOUT: f64 = 10.0;

/// One device, as Netmiko's `ConnectHandler(**device)` would take it.
///
/// It is plain data (`Clone`, serde) so it can be moved into a thread or sent to another process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub name: String,
    pub device_type: DeviceType,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    /// The fingerprint (`SHA256:...`, as `ssh-keygen -l` prints it) the device's host key must have.
    pub host_key: Option<String>,
    /// A private key to log in with (Netmiko's `key_file`), tried before the password.
    /// Always serialised, even when absent: worker processes get their device in bincode,
    /// which has no field names and cannot skip one.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// Seconds any single step may take, unless one of the four below says otherwise.
    pub timeout: f64,
    /// Seconds the TCP connection may take.
    pub conn_timeout: f64,
    /// Seconds to wait, once connected, for the device's SSH identification string.
    pub banner_timeout: f64,
    /// Seconds the SSH handshake and the login may take together.
    pub auth_timeout: f64,
    /// Seconds to wait for the first prompt, and for each command's output.
    pub read_timeout: f64,
    /// How many times to try again after a transient failure (0: never).
    pub retries: u32,
}

impl Device {
    /// Gives every step the same time limit: `timeout` and the four stages' own.
    pub fn set_timeouts(&mut self, seconds: f64) {
        self.timeout = seconds;
        self.conn_timeout = seconds;
        self.banner_timeout = seconds;
        self.auth_timeout = seconds;
        self.read_timeout = seconds;
    }
}

/// The keys this program reads: Netmiko's names for them, and the other names a course
/// student may have used (`device_name` in the course's earlier YAML inventory, `ip` in older
/// Netmiko dictionaries, Netmiko 4's `read_timeout_override`).
const KEYS: [&str; 16] = [
    "name",
    "device_name",
    "device_type",
    "host",
    "ip",
    "port",
    "username",
    "password",
    "host_key",
    "key_file",
    "timeout",
    "conn_timeout",
    "banner_timeout",
    "auth_timeout",
    "read_timeout",
    "read_timeout_override",
];

/// The rest of Netmiko's `ConnectHandler` keys that can be written in YAML. A device
/// dictionary that works with Netmiko works here: these are accepted and not used, and the
/// run says so once. They tune Netmiko's screen scraping (`global_delay_factor`, `fast_cli`:
/// the SSH helper here waits for the prompt instead of sleeping), its enable mode (`secret`:
/// the lessons only run `show` commands), its logs and its paramiko options.
const NETMIKO_UNUSED: [&str; 28] = [
    "secret",
    "global_delay_factor",
    "fast_cli",
    "verbose",
    "use_keys",
    "passphrase",
    "allow_agent",
    "ssh_strict",
    "system_host_keys",
    "alt_host_keys",
    "alt_key_file",
    "ssh_config_file",
    "blocking_timeout",
    "session_timeout",
    "keepalive",
    "global_cmd_verify",
    "default_enter",
    "response_return",
    "session_log",
    "session_log_record_writes",
    "session_log_file_mode",
    "allow_auto_change",
    "encoding",
    "auto_connect",
    "delay_factor_compat",
    "disabled_algorithms",
    "disable_sha2_fix",
    "disable_lf_normalization",
];

/// A device as written in the file: anything but `device_type`, `host` and `username` may be
/// left out (`name` is then the host).
#[derive(Default)]
struct Entry {
    name: Option<String>,
    device_type: Option<DeviceType>,
    host: Option<String>,
    port: Option<u16>,
    username: Option<String>,
    password: Option<String>,
    host_key: Option<String>,
    key_file: Option<PathBuf>,
    timeout: Option<f64>,
    conn_timeout: Option<f64>,
    banner_timeout: Option<f64>,
    auth_timeout: Option<f64>,
    read_timeout: Option<f64>,
    /// The Netmiko keys it has that this program does not use.
    unused: Vec<&'static str>,
}

/// A device of the file with what Netmiko needs, and its name.
struct Listed {
    name: String,
    device_type: DeviceType,
    host: String,
    username: String,
    rest: Entry,
}

/// The whole file: a list of devices, each name once.
struct Entries(Vec<Listed>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of devices, each starting with `- `")
            }
            // An empty file (or one with comments only).
            fn visit_none<E: de::Error>(self) -> Result<Entries, E> {
                Ok(Entries(Vec::new()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Entries, E> {
                Ok(Entries(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = seq.next_element_seed(EntrySeed(&entries))? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_any(List)
    }
}

/// One device, read knowing the devices before it (a name may be listed once).
struct EntrySeed<'a>(&'a [Listed]);

impl<'de> DeserializeSeed<'de> for EntrySeed<'_> {
    type Value = Listed;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_> {
    type Value = Listed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a device: `key: value` lines such as `host: cisco3.example.net`")
    }

    // Errors raised in here are placed by serde_norway at the value being read, or at the
    // device's first line for those raised after its last key.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut e = Entry::default();
        let mut seen: Vec<&'static str> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(&seen))? {
            seen.push(key);
            match key {
                "name" | "device_name" => e.name = Some(map.next_value::<Text>()?.0),
                "device_type" => e.device_type = Some(map.next_value()?),
                "host" | "ip" => e.host = Some(map.next_value::<Text>()?.0),
                "port" => e.port = map.next_value::<Option<Port>>()?.map(|p| p.0),
                "username" => e.username = Some(map.next_value::<Text>()?.0),
                // What may be left out may also be left empty (`password:`), as Netmiko
                // takes `None` for "not given".
                "password" => e.password = map.next_value::<Option<Text>>()?.map(|t| t.0),
                "host_key" => e.host_key = map.next_value::<Option<Text>>()?.map(|t| t.0),
                "key_file" => e.key_file = map.next_value::<Option<Text>>()?.map(|t| t.0.into()),
                "timeout" => e.timeout = map.next_value::<Option<Seconds>>()?.map(|s| s.0),
                "conn_timeout" => {
                    e.conn_timeout = map.next_value::<Option<Seconds>>()?.map(|s| s.0)
                }
                "banner_timeout" => {
                    e.banner_timeout = map.next_value::<Option<Seconds>>()?.map(|s| s.0)
                }
                "auth_timeout" => {
                    e.auth_timeout = map.next_value::<Option<Seconds>>()?.map(|s| s.0)
                }
                "read_timeout" | "read_timeout_override" => {
                    e.read_timeout = map.next_value::<Option<Seconds>>()?.map(|s| s.0)
                }
                unused => {
                    map.next_value::<de::IgnoredAny>()?;
                    e.unused.push(unused);
                }
            }
        }
        let needs = |what: &str, name: &str| {
            de::Error::custom(format!(
                "{name} has no \"{what}\" (Netmiko needs device_type, host and username)"
            ))
        };
        let Some(host) = e.host.take() else {
            return Err(needs("host", "this device"));
        };
        let named = e.name.is_some();
        let name = e.name.take().unwrap_or_else(|| host.clone());
        let Some(device_type) = e.device_type.take() else {
            return Err(needs("device_type", &format!("device {name}")));
        };
        let Some(username) = e.username.take() else {
            return Err(needs("username", &format!("device {name}")));
        };
        if self.0.iter().any(|d| d.name == name) {
            let hint = if named {
                ""
            } else {
                ": give each device a `name:`"
            };
            return Err(de::Error::custom(format!(
                "device {name} is listed twice{hint}"
            )));
        }
        Ok(Listed {
            name,
            device_type,
            host,
            username,
            rest: e,
        })
    }
}

/// A key of a device, checked as it is read so that a wrong one is shown where it is.
struct KeySeed<'a>(&'a [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = &'static str;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = &'static str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key such as `host`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<&'static str, E> {
        let Some(key) = KEYS.iter().chain(&NETMIKO_UNUSED).find(|&&k| k == v) else {
            let known: Vec<&str> = KEYS.iter().chain(&NETMIKO_UNUSED).copied().collect();
            return Err(E::custom(file_error::unknown_key(v, &known)));
        };
        let same = |k: &str| canonical(k) == canonical(key);
        if let Some(earlier) = self.0.iter().find(|k| same(k)) {
            return Err(E::custom(format!(
                "\"{key}\" is given twice for this device (\"{earlier}\" came first)"
            )));
        }
        Ok(key)
    }
}

/// The key a name stands for: `ip` is `host`...
fn canonical(key: &str) -> &str {
    match key {
        "device_name" => "name",
        "ip" => "host",
        "read_timeout_override" => "read_timeout",
        other => other,
    }
}

/// Text, even where YAML reads a number (`password: 1234`, `name: 7`).
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        file_error::deserialize_scalar(d, "text", |text| Ok(Text(text.to_string())))
    }
}

/// A TCP port, as Netmiko users write it: `22` or `"2222"`.
struct Port(u16);

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        file_error::deserialize_scalar(d, "a number from 1 to 65535", |text| {
            match text.trim().parse::<u16>() {
                Ok(port) if port > 0 => Ok(Port(port)),
                _ => Err(String::new()),
            }
        })
    }
}

/// A time limit in seconds: `10`, `2.5` or `"10"`.
struct Seconds(f64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        file_error::deserialize_scalar(d, "a positive number of seconds", |text| {
            match text.trim().parse::<f64>() {
                Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Ok(Seconds(seconds)),
                _ => Err(String::new()),
            }
        })
    }
}

/// Why an inventory could not be used: the file, and the line when the mistake is on one.
/// `Display` gives one line; [`InventoryError::report`] the line itself with a caret under
/// the mistake, as cargo shows one in a manifest.
#[derive(Debug)]
pub struct InventoryError(FileError);

impl InventoryError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        InventoryError(FileError::new(path, message))
    }

    /// The full report for the terminal (colour when `styled`).
    pub fn report(&self, styled: bool) -> String {
        self.0.render(styled)
    }

    /// Prints the full report on stderr.
    pub fn eprint(&self) {
        match self.0.location() {
            Some(_) => self.0.eprint(),
            None => eprintln!("error: {self}"),
        }
    }
}

impl fmt::Display for InventoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inventory {}", self.0)
    }
}

impl std::error::Error for InventoryError {}

/// Reads the inventory at `path`. A device without a password gets the one from
/// `PYNET_PASSWORD`, or else the one typed at the terminal (asked once, without echo).
/// Netmiko keys this program does not use are named once on stderr.
pub fn load_inventory(path: &Path) -> Result<Vec<Device>, InventoryError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InventoryError::new(path, format!("cannot read it: {e}")))?;
    let (devices, unused) = parse_inventory(path, &text, ask_password)?;
    if !unused.is_empty() {
        eprintln!(
            "note: {}: Netmiko's {} not used here, and ignored (the SSH helper waits for each \
             prompt instead of Netmiko's delays, and the lessons need no enable mode)",
            path.display(),
            match unused.as_slice() {
                [one] => format!("`{one}` is"),
                many => format!(
                    "{} are",
                    many.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        );
    }
    Ok(devices)
}

/// Parses inventory text; `password_for` supplies the password of devices that have none.
/// Also hands back the Netmiko keys the file has that are not used, in the order of
/// [`NETMIKO_UNUSED`].
fn parse_inventory(
    path: &Path,
    text: &str,
    password_for: impl Fn(&Path, &str) -> Result<String, String>,
) -> Result<(Vec<Device>, Vec<&'static str>), InventoryError> {
    let Entries(entries) = file_error::from_yaml_str(path, text).map_err(InventoryError)?;
    if entries.is_empty() {
        return Err(InventoryError::new(path, "it lists no devices"));
    }
    let unused: Vec<&'static str> = NETMIKO_UNUSED
        .into_iter()
        .filter(|key| entries.iter().any(|d| d.rest.unused.contains(key)))
        .collect();
    let mut shared_password: Option<String> = None;
    let mut devices: Vec<Device> = Vec::with_capacity(entries.len());
    for Listed {
        name,
        device_type,
        host,
        username,
        rest: entry,
    } in entries
    {
        let timeout = entry.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let password = match entry.password {
            Some(password) => password,
            None => match &shared_password {
                Some(password) => password.clone(),
                None => {
                    let password = password_for(path, &name)
                        .map_err(|message| InventoryError::new(path, message))?;
                    shared_password = Some(password.clone());
                    password
                }
            },
        };
        devices.push(Device {
            name,
            device_type,
            host,
            port: entry.port.unwrap_or(22),
            username,
            password,
            host_key: entry.host_key,
            key_file: entry.key_file,
            timeout,
            conn_timeout: entry.conn_timeout.unwrap_or(timeout),
            banner_timeout: entry.banner_timeout.unwrap_or(timeout),
            auth_timeout: entry.auth_timeout.unwrap_or(timeout),
            read_timeout: entry.read_timeout.unwrap_or(timeout),
            retries: 0,
        });
    }
    Ok((devices, unused))
}

/// The course's way: `PYNET_PASSWORD` if set, else `getpass()` on the terminal.
fn ask_password(path: &Path, device: &str) -> Result<String, String> {
    if let Ok(password) = std::env::var(PASSWORD_ENV) {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "device {device} has no password and there is no terminal to ask for one: \
             set {PASSWORD_ENV} or add `password:` to the file"
        ));
    }
    rpassword::prompt_password(format!("Password for the devices of {}: ", path.display()))
        .map_err(|e| format!("could not read the password for device {device}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Device>, String> {
        parse_inventory(Path::new("devices.yaml"), text, |_, _| {
            Ok("from-env".to_string())
        })
        .map(|(devices, _)| devices)
        .map_err(|e| e.to_string())
    }

    #[test]
    fn the_sample_inventory_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("devices.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let (devices, unused) = parse_inventory(&path, &text, |_, _| Ok("secret".into())).unwrap();
        let names: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["cisco3", "arista1", "srx2", "nxos1"]);
        assert_eq!(devices[3].timeout, 20.0);
        assert!(unused.is_empty());
    }

    #[test]
    fn a_good_file_fills_in_defaults() {
        let devices = parse(
            "- name: cisco3\n  device_type: cisco_ios\n  host: 10.0.0.3\n  username: pyclass\n\
             - name: srx2\n  device_type: juniper_junos\n  host: 10.0.0.2\n  port: 2222\n  \
             username: pyclass\n  password: own\n  host_key: \"SHA256:abc\"\n  timeout: 2.5\n",
        )
        .unwrap();
        assert_eq!(devices.len(), 2);
        assert_eq!(devices[0].port, 22);
        assert_eq!(devices[0].password, "from-env");
        assert_eq!(devices[0].timeout, DEFAULT_TIMEOUT);
        assert_eq!(devices[1].device_type, DeviceType::JuniperJunos);
        assert_eq!(devices[1].port, 2222);
        assert_eq!(devices[1].password, "own");
        assert_eq!(devices[1].host_key.as_deref(), Some("SHA256:abc"));
        assert_eq!(devices[1].timeout, 2.5);
        assert_eq!(devices[1].banner_timeout, 2.5);
        assert_eq!(devices[1].retries, 0);
    }

    #[test]
    fn netmiko_s_own_dictionaries_are_accepted() {
        // As a Netmiko user writes them: no `name`, the port as a string, Netmiko's knobs.
        let (devices, unused) = parse_inventory(
            Path::new("devices.yaml"),
            "- device_type: arista_eos\n  host: arista1.lasthop.io\n  username: pyclass\n  \
             password: \"88newclass\"\n  global_delay_factor: 4\n\
             - device_type: cisco_ios\n  ip: 10.0.0.3\n  port: \"2222\"\n  username: pyclass\n  \
             password: 1234\n  secret: enable\n  fast_cli: true\n  read_timeout_override: 30\n  \
             session_log: out.log\n",
            |_, _| Err("not asked".into()),
        )
        .unwrap();
        assert_eq!(devices[0].name, "arista1.lasthop.io");
        assert_eq!(devices[1].name, "10.0.0.3");
        assert_eq!(devices[1].host, "10.0.0.3");
        assert_eq!(devices[1].port, 2222);
        assert_eq!(devices[1].password, "1234");
        assert_eq!(devices[1].read_timeout, 30.0);
        assert_eq!(devices[1].conn_timeout, DEFAULT_TIMEOUT);
        assert_eq!(
            unused,
            ["secret", "global_delay_factor", "fast_cli", "session_log"]
        );
    }

    #[test]
    fn each_stage_s_timeout_defaults_to_timeout() {
        let devices = parse(
            "- {name: a, device_type: cisco_ios, host: h, username: u, timeout: 4, \
             conn_timeout: 1, banner_timeout: \"2\", auth_timeout: 3}\n",
        )
        .unwrap();
        let a = &devices[0];
        assert_eq!(
            (
                a.conn_timeout,
                a.banner_timeout,
                a.auth_timeout,
                a.read_timeout
            ),
            (1.0, 2.0, 3.0, 4.0)
        );
        let err =
            parse("- {name: a, device_type: cisco_ios, host: h, username: u, read_timeout: -1}\n")
                .unwrap_err();
        assert_eq!(
            err,
            "inventory devices.yaml:1:73: read_timeout must be a positive number of seconds, not -1"
        );
    }

    #[test]
    fn the_course_s_device_name_key_is_accepted() {
        let devices =
            parse("- {device_name: cisco3, device_type: cisco_ios, host: h, username: u}\n")
                .unwrap();
        assert_eq!(devices[0].name, "cisco3");
    }

    #[test]
    fn an_unknown_device_type_lists_the_supported_ones() {
        let err =
            parse("- name: xr1\n  device_type: cisco_xr\n  host: 10.0.0.9\n  username: pyclass\n")
                .unwrap_err();
        assert_eq!(
            err,
            "inventory devices.yaml:2:16: device_type \"cisco_xr\" is not one of cisco_ios, \
             arista_eos, juniper_junos, cisco_nxos"
        );
    }

    #[test]
    fn a_missing_key_is_named_at_the_device() {
        let err = parse("- name: cisco3\n  device_type: cisco_ios\n  host: h\n").unwrap_err();
        assert_eq!(
            err,
            "inventory devices.yaml:1:3: device cisco3 has no \"username\" (Netmiko needs \
             device_type, host and username)"
        );
    }

    #[test]
    fn a_misspelt_key_gets_a_suggestion() {
        let err = parse(
            "- name: cisco3\n  device_type: cisco_ios\n  hostname: x\n  host: x\n  username: u\n",
        )
        .unwrap_err();
        assert_eq!(
            err,
            "inventory devices.yaml:3:3: unknown key \"hostname\" (did you mean \"host\"?)"
        );
        let err = parse("- {name: a, device_type: cisco_ios, host: h, usrename: u}\n").unwrap_err();
        assert!(
            err.ends_with("unknown key \"usrename\" (did you mean \"username\"?)"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_optional_key_is_left_out_and_an_empty_needed_one_is_named() {
        let devices = parse(
            "- {name: a, device_type: cisco_ios, host: h, username: u, password: , port: , \
             timeout: }\n",
        )
        .unwrap();
        assert_eq!(
            (devices[0].password.as_str(), devices[0].port),
            ("from-env", 22)
        );
        let err =
            parse("- name: a\n  device_type: cisco_ios\n  host:\n  username: u\n").unwrap_err();
        assert_eq!(
            err,
            "inventory devices.yaml:3:8: host must be text, not nothing"
        );
        let err = parse("- {name: a, device_type: 5, host: h, username: u}\n").unwrap_err();
        assert_eq!(
            err,
            "inventory devices.yaml:1:26: device_type \"5\" is not one of cisco_ios, \
             arista_eos, juniper_junos, cisco_nxos"
        );
    }

    #[test]
    fn a_key_given_twice_is_refused() {
        let err = parse("- {name: a, device_type: cisco_ios, host: h, ip: i, username: u}\n")
            .unwrap_err();
        assert_eq!(
            err,
            "inventory devices.yaml:1:46: \"ip\" is given twice for this device (\"host\" came first)"
        );
    }

    #[test]
    fn a_bad_port_says_what_a_port_is() {
        for (port, shown) in [
            ("abc", "\"abc\""),
            ("0", "0"),
            ("70000", "70000"),
            ("22.5", "22.5"),
        ] {
            let err = parse(&format!(
                "- name: a\n  device_type: cisco_ios\n  host: h\n  port: {port}\n  username: u\n"
            ))
            .unwrap_err();
            assert_eq!(
                err,
                format!(
                    "inventory devices.yaml:4:9: port must be a number from 1 to 65535, not {shown}"
                )
            );
        }
    }

    #[test]
    fn broken_yaml_gives_its_place() {
        let err = parse("- name: [cisco3\n").unwrap_err();
        assert_eq!(
            err,
            "inventory devices.yaml:1:9: this `[` is not closed by a `]`"
        );
    }

    #[test]
    fn empty_and_duplicate_inventories_are_refused() {
        for empty in ["[]", "", "# nothing yet\n"] {
            assert_eq!(
                parse(empty).unwrap_err(),
                "inventory devices.yaml: it lists no devices"
            );
        }
        let twice = "- {name: a, device_type: cisco_ios, host: h, username: u, password: p}\n\
                     - {name: a, device_type: cisco_ios, host: h, username: u, password: p}\n";
        assert_eq!(
            parse(twice).unwrap_err(),
            "inventory devices.yaml:2:3: device a is listed twice"
        );
        let same_host = "- {device_type: cisco_ios, host: h, username: u}\n\
                         - {device_type: cisco_ios, host: h, port: 2222, username: u}\n";
        assert!(
            parse(same_host)
                .unwrap_err()
                .ends_with("device h is listed twice: give each device a `name:`")
        );
        assert_eq!(
            parse("name: a\nhost: h\n").unwrap_err(),
            "inventory devices.yaml:1:1: expected a list of devices, each starting with `- ` \
             here, not a mapping"
        );
    }

    #[test]
    fn a_bad_timeout_is_refused() {
        let err = parse(
            "- {name: a, device_type: cisco_ios, host: h, username: u, password: p, timeout: 0}\n",
        )
        .unwrap_err();
        assert!(
            err.ends_with("timeout must be a positive number of seconds, not 0"),
            "{err}"
        );
    }

    #[test]
    fn no_password_and_no_way_to_ask_says_how_to_set_it() {
        let err = parse_inventory(
            Path::new("lab.yaml"),
            "- {name: a, device_type: cisco_ios, host: h, username: u}\n",
            |_, device| Err(format!("device {device} has no password")),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "inventory lab.yaml: device a has no password"
        );
    }

    #[test]
    fn the_password_is_asked_once_for_all_devices() {
        let asked = std::cell::Cell::new(0);
        let (devices, _) = parse_inventory(
            Path::new("lab.yaml"),
            "- {name: a, device_type: cisco_ios, host: h, username: u}\n\
             - {name: b, device_type: cisco_nxos, host: h, username: u}\n",
            |_, _| {
                asked.set(asked.get() + 1);
                Ok("typed".into())
            },
        )
        .unwrap();
        assert_eq!(asked.get(), 1);
        assert!(devices.iter().all(|d| d.password == "typed"));
    }
}
