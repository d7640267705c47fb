//! The device inventory: what Netmiko calls a device's connection arguments, read from YAML.
//!
//! ```yaml
//! - name: cisco3
//!   device_type: cisco_ios
//!   host: cisco3.lasthop.io
//!   port: 22                # optional, 22 when absent
//!   username: pyclass
//!   password: secret        # optional: PYNET_PASSWORD, or asked on the terminal
//!   host_key: "SHA256:..."  # optional: pin the device's host-key fingerprint
//!   key_file: ~/.ssh/id_ed25519  # optional: log in with this private key (async helper)
//! ```

use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

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
    /// Left out of the serialised form when absent, so the messages lessons print stay the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    /// Seconds any single step (connect, handshake, login, one read) may take.
    pub timeout: f64,
}

/// A device as written in the file: port, password, host key and timeout may be left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// `device_name` is what the course's earlier YAML inventory called it.
    #[serde(alias = "device_name")]
    name: String,
    device_type: DeviceType,
    host: String,
    #[serde(default = "default_port")]
    port: u16,
    username: String,
    password: Option<String>,
    host_key: Option<String>,
    key_file: Option<PathBuf>,
    timeout: Option<f64>,
}

fn default_port() -> u16 {
    22
}

/// Why an inventory could not be used. The message names the file, and the line and
/// column or the device where that is known.
#[derive(Debug)]
pub struct InventoryError {
    path: PathBuf,
    location: Option<(usize, usize)>,
    message: String,
}

impl InventoryError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        InventoryError {
            path: path.to_path_buf(),
            location: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for InventoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inventory {}", self.path.display())?;
        if let Some((line, column)) = self.location {
            write!(f, " line {line} column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InventoryError {}

/// Reads the inventory at `path`. A device without a password gets the one from
/// `PYNET_PASSWORD`, or else the one typed at the terminal (asked once, without echo).
pub fn load_inventory(path: &Path) -> Result<Vec<Device>, InventoryError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InventoryError::new(path, format!("cannot read it: {e}")))?;
    parse_inventory(path, &text, ask_password)
}

/// Parses inventory text; `password_for` supplies the password of devices that have none.
fn parse_inventory(
    path: &Path,
    text: &str,
    password_for: impl Fn(&Path, &str) -> Result<String, String>,
) -> Result<Vec<Device>, InventoryError> {
    let entries: Vec<Entry> = serde_yaml::from_str(text).map_err(|e| InventoryError {
        path: path.to_path_buf(),
        location: e.location().map(|l| (l.line(), l.column())),
        // serde_yaml appends " at line X column Y"; the location is printed first instead.
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
    })?;
    if entries.is_empty() {
        return Err(InventoryError::new(path, "it lists no devices"));
    }
    let mut shared_password: Option<String> = None;
    let mut devices: Vec<Device> = Vec::with_capacity(entries.len());
    for entry in entries {
        if devices.iter().any(|d| d.name == entry.name) {
            return Err(InventoryError::new(
                path,
                format!("device {} is listed twice", entry.name),
            ));
        }
        let timeout = entry.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(InventoryError::new(
                path,
                format!(
                    "device {}: timeout must be a positive number of seconds",
                    entry.name
                ),
            ));
        }
        let password = match entry.password {
            Some(password) => password,
            None => match &shared_password {
                Some(password) => password.clone(),
                None => {
                    let password = password_for(path, &entry.name)
                        .map_err(|message| InventoryError::new(path, message))?;
                    shared_password = Some(password.clone());
                    password
                }
            },
        };
        devices.push(Device {
            name: entry.name,
            device_type: entry.device_type,
            host: entry.host,
            port: entry.port,
            username: entry.username,
            password,
            host_key: entry.host_key,
            key_file: entry.key_file,
            timeout,
        });
    }
    Ok(devices)
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
        .map_err(|e| e.to_string())
    }

    #[test]
    fn the_sample_inventory_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("devices.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let devices = parse_inventory(&path, &text, |_, _| Ok("secret".into())).unwrap();
        let names: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["cisco3", "arista1", "srx2", "nxos1"]);
        assert_eq!(devices[3].timeout, 20.0);
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
        assert!(
            err.starts_with("inventory devices.yaml line 2 column 16: "),
            "{err}"
        );
        for supported in ["cisco_ios", "arista_eos", "juniper_junos", "cisco_nxos"] {
            assert!(err.contains(supported), "{err}");
        }
    }

    #[test]
    fn a_missing_field_is_named() {
        let err =
            parse("- name: cisco3\n  device_type: cisco_ios\n  username: pyclass\n").unwrap_err();
        assert!(err.contains("line 1 column 3"), "{err}");
        assert!(err.contains("missing field `host`"), "{err}");
    }

    #[test]
    fn a_misspelt_field_is_named() {
        let err = parse(
            "- name: cisco3\n  device_type: cisco_ios\n  hostname: x\n  host: x\n  username: u\n",
        )
        .unwrap_err();
        assert!(err.contains("line 3 column 3"), "{err}");
        assert!(err.contains("unknown field `hostname`"), "{err}");
    }

    #[test]
    fn broken_yaml_gives_its_place() {
        let err = parse("- name: [cisco3\n").unwrap_err();
        assert!(err.starts_with("inventory devices.yaml line "), "{err}");
    }

    #[test]
    fn empty_and_duplicate_inventories_are_refused() {
        assert_eq!(
            parse("[]").unwrap_err(),
            "inventory devices.yaml: it lists no devices"
        );
        let twice = "- {name: a, device_type: cisco_ios, host: h, username: u, password: p}\n\
                     - {name: a, device_type: cisco_ios, host: h, username: u, password: p}\n";
        assert_eq!(
            parse(twice).unwrap_err(),
            "inventory devices.yaml: device a is listed twice"
        );
    }

    #[test]
    fn a_bad_timeout_is_refused() {
        let err = parse(
            "- {name: a, device_type: cisco_ios, host: h, username: u, password: p, timeout: 0}\n",
        )
        .unwrap_err();
        assert!(
            err.contains("device a: timeout must be a positive"),
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
        let devices = parse_inventory(
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
