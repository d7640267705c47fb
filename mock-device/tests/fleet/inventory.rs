//! Fleet life cycle, host key fingerprints and the client inventory.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use mock_device::{ConfigError, DeviceConfig, Fault, Fleet, FleetConfig, Platform};
use serde::Deserialize;

use crate::common::{STEP_TIMEOUT, exec, fleet_of, instant_lab, login};

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct InventoryEntry {
    name: String,
    device_type: String,
    host: String,
    port: u16,
    username: String,
    password: String,
    host_key: String,
}

fn fingerprints(config: FleetConfig) -> Vec<String> {
    let fleet = Fleet::start(config).unwrap();
    fleet
        .devices()
        .iter()
        .map(|d| d.fingerprint.clone())
        .collect()
}

#[test]
fn fingerprints_are_deterministic_for_a_seed() {
    let lab = || FleetConfig::course_lab().with_latency(Duration::ZERO);
    let a = fingerprints(lab());
    assert_eq!(a, fingerprints(lab()));
    assert!(a.iter().all(|f| f.starts_with("SHA256:") && f.len() == 50));
    let mut unique = a.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), a.len(), "each device has its own key");

    let mut other_seed = lab();
    other_seed.host_key_seed = Some("another".into());
    let b = fingerprints(other_seed);
    assert!(a.iter().zip(&b).all(|(x, y)| x != y));

    let mut random = lab();
    random.host_key_seed = None;
    assert_ne!(fingerprints(random.clone()), fingerprints(random));
}

#[test]
fn inventory_yaml_round_trips() {
    let mut config = FleetConfig::course_lab()
        .with_latency(Duration::ZERO)
        .with_fault("arista4", Fault::Refuse)
        .unwrap();
    config.device_mut("nxos2").unwrap().password = Some("p: w#\"x".into());
    let fleet = Fleet::start(config).unwrap();
    let text = fleet.inventory_yaml();
    assert!(text.starts_with("- name: cisco3\n  device_type: cisco_ios\n  host: 127.0.0.1\n"));
    let entries: Vec<InventoryEntry> = serde_yaml::from_str(&text).unwrap();
    assert_eq!(entries.len(), 9);
    for (entry, dev) in entries.iter().zip(fleet.devices()) {
        let expected = InventoryEntry {
            name: dev.name.clone(),
            device_type: dev.platform.to_string(),
            host: dev.addr.ip().to_string(),
            port: dev.addr.port(),
            username: "pyclass".into(),
            password: dev.password.clone(),
            host_key: dev.fingerprint.clone(),
        };
        assert_eq!(*entry, expected);
    }
    assert_eq!(entries[8].password, "p: w#\"x");
    let mut ports: Vec<u16> = entries.iter().map(|e| e.port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 9, "every device has its own port");
}

#[test]
fn shutdown_and_drop_close_every_listener() {
    let fleet = instant_lab();
    let addrs: Vec<_> = fleet.devices().iter().map(|d| d.addr).collect();
    let session = login(&fleet.devices()[0]).unwrap();
    fleet.shutdown();
    for addr in &addrs {
        let err = TcpStream::connect_timeout(addr, STEP_TIMEOUT).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{addr}");
    }
    // Sessions that were open are cut.
    assert!(exec(&session, "show version").is_err());

    let fleet = Fleet::start(fleet_of(vec![DeviceConfig::new("r", Platform::CiscoIos)])).unwrap();
    let addr = fleet.devices()[0].addr;
    drop(fleet);
    let err = TcpStream::connect_timeout(&addr, STEP_TIMEOUT).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn fleets_run_side_by_side_and_a_fleet_can_start_inside_a_runtime() {
    let a = instant_lab();
    let b = instant_lab();
    assert_ne!(a.devices()[0].addr, b.devices()[0].addr);
    assert_eq!(a.devices()[0].fingerprint, b.devices()[0].fingerprint);
    // A caller that is itself async may start and drop a fleet without a panic.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let fleet = instant_lab();
        drop(fleet);
    });
}

#[test]
fn bad_configurations_are_refused_with_a_reason() {
    let err = Fleet::start(FleetConfig::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("no devices"), "{err}");

    let twice = fleet_of(vec![
        DeviceConfig::new("r1", Platform::CiscoIos),
        DeviceConfig::new("r1", Platform::AristaEos),
    ]);
    assert!(Fleet::start(twice).unwrap_err().to_string().contains("r1"));

    let mut bad_key = fleet_of(vec![DeviceConfig::new("r1", Platform::CiscoIos)]);
    bad_key
        .authorized_keys
        .push("ssh-ed25519 not-base64".into());
    let err = Fleet::start(bad_key).unwrap_err();
    assert!(err.to_string().contains("authorized key"), "{err}");

    // Two fleets cannot share a fixed port.
    let a = Fleet::start(fleet_of(vec![DeviceConfig::new("r1", Platform::CiscoIos)])).unwrap();
    let mut dev = DeviceConfig::new("r2", Platform::CiscoIos);
    dev.port = a.devices()[0].addr.port();
    let err = Fleet::start(fleet_of(vec![dev])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse);
    assert!(err.to_string().contains("r2"), "{err}");
}

#[test]
fn yaml_fleet_file_starts_a_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.yaml");
    std::fs::write(
        &path,
        "password: s3cret\n\
         devices:\n\
         \x20 - {name: edge1, platform: cisco_ios, fault: hang}\n\
         \x20 - {name: core1, platform: arista_eos, latency: 10ms, max_sessions: 1}\n",
    )
    .unwrap();
    let config = FleetConfig::from_yaml_file(&path).unwrap();
    assert_eq!(config.devices[0].fault, Some(Fault::Hang));
    let fleet = Fleet::start(config).unwrap();
    let core = fleet.device("core1").unwrap();
    assert_eq!(core.password, "s3cret");
    let session = login(core).unwrap();
    assert!(exec(&session, "show version").unwrap().0.contains("core1"));

    let err = FleetConfig::from_yaml_file(Path::new("/nonexistent/fleet.yaml")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/fleet.yaml"), "{err}");
}

/// A fleet file's mistake, as `mock-device --fleet` prints it.
fn fleet_file_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.yaml");
    std::fs::write(&path, text).unwrap();
    match FleetConfig::from_yaml_file(&path).unwrap_err() {
        ConfigError::Yaml(mistake) => mistake
            .render(false)
            .replace(path.to_str().unwrap(), "fleet.yaml"),
        other => panic!("not a mistake at a line: {other}"),
    }
}

#[test]
fn a_fleet_file_s_mistakes_are_shown_at_their_line() {
    insta::assert_snapshot!(
        "fleet_file_latency_soon",
        fleet_file_error(
            "defaults:\n  latency: 200ms\ndevices:\n  - name: r1\n    platform: cisco_ios\n    latency: soon\n"
        )
    );
    insta::assert_snapshot!(
        "fleet_file_misspelt_key",
        fleet_file_error("devices:\n  - name: x\n    platfrom: cisco_ios\n")
    );
    insta::assert_snapshot!(
        "fleet_file_unknown_platform",
        fleet_file_error("devices:\n  - name: x\n    platform: cisco_xr\n")
    );
    insta::assert_snapshot!(
        "fleet_file_mis_indented",
        fleet_file_error("devices:\n  - name: x\n    platform: cisco_ios\n   latency: 1s\n")
    );
    insta::assert_snapshot!(
        "fleet_file_without_devices",
        fleet_file_error("password: x\n")
    );
    insta::assert_snapshot!(
        "fleet_file_port_out_of_range",
        fleet_file_error("devices:\n  - {name: x, platform: cisco_ios, port: 70000}\n")
    );
}
