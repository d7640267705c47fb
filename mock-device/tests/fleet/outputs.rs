//! A fleet file's own outputs (`outputs:` per platform and per device, text or `file:`) and
//! hostnames, served over SSH with abbreviations and `| include`.

use mock_device::{Fleet, FleetConfig};

use crate::common::{Shell, device, exec, login};

#[test]
fn a_fleet_file_serves_its_own_outputs_and_hostnames() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("arp.txt"),
        "Protocol  Address   Age  Hardware Addr   Type  Interface\n\
         Internet  10.0.0.1  5    0011.2233.4455  ARPA  Gi1\n\
         Internet  10.0.0.9  7    0011.2233.4499  ARPA  Gi2",
    )
    .unwrap();
    let fleet_file = dir.path().join("mylab.yaml");
    std::fs::write(
        &fleet_file,
        "outputs:\n\
         \x20 cisco_ios:\n\
         \x20   show version: |\n\
         \x20     Lab IOS 1.2\n\
         \x20     lab uptime is 3 days\n\
         \x20   show ip arp: {file: arp.txt}\n\
         devices:\n\
         \x20 - name: r1\n\
         \x20   platform: cisco_ios\n\
         \x20   hostname: core-r1\n\
         \x20   outputs:\n\
         \x20     show version: r1's own version\n\
         \x20 - {name: r2, platform: cisco_ios}\n\
         \x20 - {name: r3, platform: arista_eos}\n",
    )
    .unwrap();
    let fleet = Fleet::start(FleetConfig::from_yaml_file(&fleet_file).unwrap()).unwrap();

    // r1: its hostname in the prompt, its own `show version` over its platform's.
    let session = login(device(&fleet, "r1")).unwrap();
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("core-r1#").unwrap();
    let version = shell.command("sh ver", "core-r1#").unwrap();
    assert!(version.contains("r1's own version\r\n"), "{version:?}");
    let arp = shell
        .command("sh ip ar | inc 10.0.0.9", "core-r1#")
        .unwrap();
    assert!(
        arp.contains("Internet  10.0.0.9  7    0011.2233.4499  ARPA  Gi2\r\n"),
        "{arp:?}"
    );
    assert!(!arp.contains("10.0.0.1 "), "{arp:?}");

    // r2: the platform's outputs, over exec too; r3 (another platform): the built-in ones.
    let session = login(device(&fleet, "r2")).unwrap();
    let (text, status) = exec(&session, "show version | include uptime").unwrap();
    assert_eq!((text.as_str(), status), ("lab uptime is 3 days\n", 0));
    let session = login(device(&fleet, "r3")).unwrap();
    let (text, _) = exec(&session, "show version").unwrap();
    assert!(text.starts_with("Arista DCS-7050TX-64-R"), "{text}");

    // A missing file is named.
    std::fs::write(
        &fleet_file,
        "devices:\n- {name: r1, platform: cisco_ios, outputs: {show clock: {file: clock.txt}}}\n",
    )
    .unwrap();
    let error = FleetConfig::from_yaml_file(&fleet_file)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("cannot read ") && error.contains("clock.txt"),
        "{error}"
    );
}
