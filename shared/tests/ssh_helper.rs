//! The SSH helper and the inventory against the real mock SSH server.

use std::time::{Duration, Instant};

use mock_device::{Fault, Fleet, Platform};
use shared::testing::{fleet_and_devices, four_platforms};
use shared::{Connection, SshError};

#[test]
fn find_prompt_and_send_command_on_every_platform() {
    let (_fleet, devices) = fleet_and_devices(four_platforms(), 5.0);
    let prompts = ["cisco3#", "arista1#", "pyclass@srx2>", "nxos1#"];
    for (device, expected) in devices.iter().zip(prompts) {
        let mut connection = Connection::connect(device).unwrap();
        assert_eq!(connection.find_prompt().unwrap(), expected);

        let version = connection.send_command("show version").unwrap();
        assert!(version.contains(&device.name), "{version}");
        assert!(version.lines().count() > 3, "{version}");
        assert!(!version.contains(expected), "prompt left in: {version}");
        assert!(
            !version.starts_with("show version"),
            "echo left in: {version}"
        );

        let arp = if device.device_type == Platform::JuniperJunos {
            "show arp"
        } else {
            "show ip arp"
        };
        assert!(!connection.send_command(arp).unwrap().trim().is_empty());
        connection.disconnect();
    }
}

#[test]
fn an_unknown_command_is_a_command_error_and_the_session_goes_on() {
    let (_fleet, devices) = fleet_and_devices(four_platforms(), 5.0);
    for device in &devices {
        let mut connection = Connection::connect(device).unwrap();
        let err = connection.send_command("show bogus").unwrap_err();
        assert!(
            matches!(&err, SshError::CommandFailed { device: d, command, .. }
                if *d == device.name && command == "show bogus"),
            "{err:?}"
        );
        assert!(connection.send_command("show version").is_ok());
    }
}

#[test]
fn the_course_helpers_return_prompt_and_version() {
    let (_fleet, devices) = fleet_and_devices(four_platforms(), 5.0);
    assert_eq!(shared::ssh_conn(&devices[2]).unwrap(), "pyclass@srx2>");
    assert!(
        shared::show_version(&devices[0])
            .unwrap()
            .contains("cisco3")
    );
}

#[test]
fn exec_runs_one_command_without_a_shell() {
    let (_fleet, devices) = fleet_and_devices(four_platforms(), 5.0);
    let output = shared::exec(&devices[3], "show version").unwrap();
    assert!(output.contains("nxos1"), "{output}");
    let err = shared::exec(&devices[3], "show bogus").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("nxos1: `show bogus` failed: exit status"),
        "{err}"
    );
}

#[test]
fn a_wrong_password_is_an_auth_failure_naming_the_device() {
    let (_fleet, mut devices) = fleet_and_devices(four_platforms(), 5.0);
    devices[0].password = "wrong".into();
    let err = Connection::connect(&devices[0]).unwrap_err();
    assert_eq!(
        err,
        SshError::AuthFailed {
            device: "cisco3".into(),
            username: "pyclass".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "cisco3: authentication failed for user pyclass"
    );
}

#[test]
fn a_host_key_that_does_not_match_the_pin_is_refused() {
    let (_fleet, mut devices) = fleet_and_devices(four_platforms(), 5.0);
    let real = devices[1].host_key.clone().unwrap();
    devices[1].host_key = Some("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    let err = Connection::connect(&devices[1]).unwrap_err();
    assert!(
        matches!(&err, SshError::HostKeyMismatch { device, found, .. }
            if device == "arista1" && *found == real),
        "{err:?}"
    );
}

#[test]
fn each_fault_gives_its_own_error_within_the_timeout() {
    let mut config = four_platforms();
    config.devices[0].fault = Some(Fault::Refuse);
    config.devices[1].fault = Some(Fault::AuthFail);
    config.devices[2].fault = Some(Fault::Hang);
    config.devices[3].fault = Some(Fault::Drop);
    let (_fleet, devices) = fleet_and_devices(config, 1.0);

    assert!(matches!(
        Connection::connect(&devices[0]),
        Err(SshError::Refused { .. })
    ));
    assert!(matches!(
        Connection::connect(&devices[1]),
        Err(SshError::AuthFailed { .. })
    ));

    let started = Instant::now();
    let err = Connection::connect(&devices[2]).unwrap_err();
    assert!(matches!(err, SshError::TimedOut { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "a 1 s timeout took {:?}",
        started.elapsed()
    );
    assert!(
        err.to_string().starts_with("srx2: timed out after 1s"),
        "{err}"
    );

    let mut dropping = Connection::connect(&devices[3]).unwrap();
    let err = dropping.send_command("show version").unwrap_err();
    assert!(
        matches!(&err, SshError::Closed { device, .. } if device == "nxos1"),
        "{err:?}"
    );
}

#[test]
fn a_session_limit_turns_the_extra_session_away() {
    let mut config = four_platforms();
    config.devices[0].max_sessions = Some(1);
    let (_fleet, devices) = fleet_and_devices(config, 2.0);
    let first = Connection::connect(&devices[0]).unwrap();
    let second = Connection::connect(&devices[0]);
    assert!(second.is_err(), "a second session got in");
    assert_eq!(second.unwrap_err().device(), "cisco3");
    drop(first);
}

#[test]
fn the_inventory_a_fleet_writes_reads_back() {
    let fleet = Fleet::start(four_platforms()).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), fleet.inventory_yaml()).unwrap();
    let devices = shared::load_inventory(file.path()).unwrap();
    assert_eq!(
        devices,
        shared::lab::devices_of(&fleet, shared::inventory::DEFAULT_TIMEOUT)
    );
    assert_eq!(shared::ssh_conn(&devices[3]).unwrap(), "nxos1#");
}

#[test]
fn a_slow_device_does_not_slow_the_others() {
    let mut config = four_platforms();
    config.devices[0].login_delay = Duration::from_millis(1500);
    let (_fleet, devices) = fleet_and_devices(config, 5.0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        let slow = scope.spawn(|| shared::ssh_conn(&devices[0]));
        std::thread::sleep(Duration::from_millis(100));
        let quick = Instant::now();
        shared::ssh_conn(&devices[1]).unwrap();
        assert!(
            quick.elapsed() < Duration::from_millis(1000),
            "{:?}",
            quick.elapsed()
        );
        slow.join().unwrap().unwrap();
    });
    assert!(started.elapsed() >= Duration::from_millis(1500));
}
