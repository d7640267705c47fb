//! `capture`: real devices' outputs into a fleet file the mock serves. Checked against the
//! mock itself (capture, serve, the same answers) and against OpenSSH's sshd with a small
//! CLI as its login shell.

use std::process::Command;

use mock_device::FleetConfig;
use shared::capture::capture_device;
use shared::testing::sshd::Sshd;
use shared::testing::{fleet_and_devices, four_platforms};
use shared::{Connection, Device};

const COMMANDS: [&str; 2] = ["show version", "show ip arp"];

/// What `device` answers to each of `COMMANDS` (an error's text for a refused one).
fn answers(device: &Device) -> Vec<String> {
    let mut connection = Connection::connect(device).expect("logged in");
    COMMANDS
        .iter()
        .map(|command| match connection.send_command(command) {
            Ok(output) => output,
            Err(error) => error.to_string(),
        })
        .collect()
}

/// Capture from a fleet with its own outputs and a hostname, serve the fleet file written,
/// and every device answers as the first one did: its prompt, its outputs, a command it
/// refused still refused, abbreviations and `| include` on what was captured.
#[test]
fn captured_outputs_are_served_as_they_were_answered() {
    let mut config = four_platforms();
    config.devices[0].hostname = Some("core-cisco3".to_string());
    config.devices[0].outputs.insert(
        "show version".into(),
        "Lab IOS 1.2\nlab uptime is 3 days\n".into(),
    );
    let (source, devices) = fleet_and_devices(config, 10.0);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (inventory, fleet_file) = (dir.path().join("real.yaml"), dir.path().join("mylab.yaml"));
    std::fs::write(&inventory, source.inventory_yaml()).expect("inventory written");

    let output = Command::new(env!("CARGO_BIN_EXE_capture"))
        .arg("--inventory")
        .arg(&inventory)
        .args(COMMANDS.iter().flat_map(|c| ["--command", c]))
        .arg("--fleet-out")
        .arg(&fleet_file)
        .output()
        .expect("capture runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("cisco3: 2 of 2 outputs, hostname core-cisco3\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("srx2: 1 of 2 outputs, hostname srx2\n  not kept: srx2: `show ip arp`"),
        "{stdout}"
    );

    let config = FleetConfig::from_yaml_file(&fleet_file).expect("the fleet file loads");
    let names: Vec<&str> = config.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["cisco3", "arista1", "srx2", "nxos1"]);
    assert_eq!(config.devices[0].hostname.as_deref(), Some("core-cisco3"));
    assert!(config.devices.iter().all(|d| !d.outputs.is_empty()));
    let (replay, replayed) = fleet_and_devices(config, 10.0);
    for (device, replayed) in devices.iter().zip(&replayed) {
        assert_eq!(answers(replayed), answers(device), "{}", device.name);
        assert_eq!(
            shared::ssh_conn(replayed).expect("a prompt"),
            shared::ssh_conn(device).expect("a prompt")
        );
    }
    let uptime = shared::send_command(&replayed[0], "sh ver | inc uptime").expect("an output");
    assert_eq!(uptime, "lab uptime is 3 days");
    drop((source, replay));
}

/// A device CLI in `sh`: a prompt, answers to two commands, `% Invalid input` otherwise;
/// the terminal's echo comes from sshd's pty.
const CLI: &str = r#"while :; do
  printf 'lab-sw1#'
  IFS= read -r line || exit 0
  case "$line" in
    'show version') printf 'LabOS Software, Version 2.1\nlab-sw1 uptime is 5 days\n' ;;
    'show clock') printf '12:00:00.000 UTC Sun Dec 6 2026\n' ;;
    terminal*|'') ;;
    exit) exit 0 ;;
    *) printf '%% Invalid input detected at marker.\n' ;;
  esac
done
"#;

/// Against OpenSSH's sshd (a key login, the host key pinned): what the CLI answered, its
/// hostname from its prompt, and the command it refused left out.
#[test]
fn capture_logs_in_to_openssh_with_a_key_and_keeps_what_the_cli_answered() {
    let sshd = Sshd::start_with_cli(CLI);
    let device = sshd.device(10.0);
    let commands: Vec<String> = ["show version", "show clock", "show ip arp"]
        .map(String::from)
        .to_vec();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let captured = runtime
        .block_on(capture_device(&device, &commands))
        .unwrap_or_else(|e| panic!("{e}\n{}", sshd.log()));
    assert_eq!(captured.hostname, "lab-sw1");
    assert_eq!(
        captured.outputs.get("show version").map(String::as_str),
        Some("LabOS Software, Version 2.1\nlab-sw1 uptime is 5 days\n")
    );
    assert_eq!(
        captured.outputs.get("show clock").map(String::as_str),
        Some("12:00:00.000 UTC Sun Dec 6 2026\n")
    );
    assert_eq!(captured.outputs.len(), 2);
    assert_eq!(captured.refused.len(), 1);
    assert!(captured.refused[0].to_string().contains("show ip arp"));

    // The fleet file serves it with the CLI's prompt.
    let text = shared::capture::fleet_yaml(&[captured], "sshd").expect("YAML");
    let config = FleetConfig::from_yaml_str(&text, "mylab.yaml".as_ref()).expect("it loads");
    let (_fleet, devices) = fleet_and_devices(config, 10.0);
    assert_eq!(shared::ssh_conn(&devices[0]).expect("a prompt"), "lab-sw1#");
    assert_eq!(
        shared::send_command(&devices[0], "sh clo").expect("an output"),
        "12:00:00.000 UTC Sun Dec 6 2026"
    );
}
