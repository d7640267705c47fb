//! Exec and interactive sessions on every platform, with the ssh2 crate (libssh2).

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use mock_device::{Fleet, FleetConfig};
use ssh2::HashType;

use crate::common::{PLATFORM_DEVICES, Shell, connect, device, exec, instant_lab, login};

#[test]
fn exec_show_version_on_every_platform() {
    let fleet = instant_lab();
    for (name, platform) in PLATFORM_DEVICES {
        let dev = device(&fleet, name);
        assert_eq!(dev.platform, platform);
        let session = login(dev).unwrap();
        assert!(session.authenticated());
        let (out, status) = exec(&session, "show version").unwrap();
        assert_eq!(status, 0, "{name}: {out}");
        assert!(out.lines().count() > 10, "{name}: {out}");
        assert!(out.contains(name), "{name}: {out}");
        assert!(!out.contains('\r'), "exec output uses plain line ends");
    }
}

#[test]
fn exec_other_show_commands() {
    let fleet = instant_lab();
    let cases = [
        ("cisco3", "show ip interface brief", "GigabitEthernet0/0/0"),
        ("cisco3", "show ip arp", "Internet  10.220.88.1 "),
        ("cisco4", "sh ip int br", "IP-Address"),
        ("arista1", "show ip interface brief", "Management1"),
        ("arista1", "show ip arp", "Hardware Addr"),
        (
            "nxos1",
            "show ip interface brief",
            "IP Interface Status for VRF",
        ),
        ("nxos1", "show ip arp", "IP ARP Table for context default"),
        ("srx2", "show arp", "Total entries"),
        ("srx2", "show interfaces terse", "ge-0/0/0.0"),
        ("srx2", "show version | match Model", "Model: srx300"),
    ];
    for (name, command, expected) in cases {
        let session = login(device(&fleet, name)).unwrap();
        let (out, status) = exec(&session, command).unwrap();
        assert_eq!(status, 0, "{name} `{command}`: {out}");
        assert!(out.contains(expected), "{name} `{command}`: {out}");
    }
}

#[test]
fn exec_unknown_command_fails_in_platform_style() {
    let fleet = instant_lab();
    for (name, _) in PLATFORM_DEVICES {
        let session = login(device(&fleet, name)).unwrap();
        let (out, status) = exec(&session, "show bogus").unwrap();
        assert_eq!(status, 1, "{name}: {out}");
        if name == "srx2" {
            assert_eq!(
                out,
                "show bogus\n     ^\nsyntax error, expecting <command>.\n\n"
            );
        } else {
            assert_eq!(
                out,
                "show bogus\n     ^\n% Invalid input detected at '^' marker.\n\n"
            );
        }
    }
    // Junos has no `show ip arp`: exercise 6 of the course sends it `show arp`.
    let session = login(device(&fleet, "srx2")).unwrap();
    assert_eq!(exec(&session, "show ip arp").unwrap().1, 1);
}

#[test]
fn exec_output_is_deterministic_per_device() {
    let fleet = instant_lab();
    let again = instant_lab();
    let one = exec(&login(device(&fleet, "nxos2")).unwrap(), "show version").unwrap();
    let two = exec(&login(device(&again, "nxos2")).unwrap(), "show version").unwrap();
    assert_eq!(one, two);
    let other = exec(&login(device(&fleet, "nxos1")).unwrap(), "show version").unwrap();
    assert_ne!(one.0, other.0);
}

#[test]
fn shell_prompts_and_paging_commands() {
    let fleet = instant_lab();
    // (device, prompt, [(command, exact reply between the echoed line and the prompt)])
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let cases: [Case<'_>; 4] = [
        (
            "cisco3",
            "cisco3#",
            &[("terminal width 511", ""), ("terminal length 0", "")],
        ),
        (
            "nxos1",
            "nxos1#",
            &[
                ("terminal width 511", ""),
                ("terminal length 0", ""),
                ("terminal dont-ask", ""),
            ],
        ),
        (
            "arista1",
            "arista1#",
            &[
                ("terminal width 511", "Width set to 511 columns.\r\n"),
                ("terminal length 0", "Pagination disabled.\r\n"),
            ],
        ),
        (
            "srx2",
            "pyclass@srx2> ",
            &[
                (
                    "set cli screen-width 511",
                    "Screen width set to 511\r\n\r\n",
                ),
                (
                    "set cli complete-on-space off",
                    "Disabling complete-on-space\r\n\r\n",
                ),
                ("set cli screen-length 0", "Screen length set to 0\r\n\r\n"),
            ],
        ),
    ];
    for (name, prompt, commands) in cases {
        let session = login(device(&fleet, name)).unwrap();
        let mut shell = Shell::open(&session).unwrap();
        assert_eq!(shell.read_until(prompt).unwrap(), prompt);
        for (command, reply) in commands {
            let got = shell.command(command, prompt).unwrap();
            assert_eq!(got, format!("{command}\r\n{reply}{prompt}"), "{name}");
        }
        // An empty line gets a new prompt.
        assert_eq!(shell.command("", prompt).unwrap(), format!("\r\n{prompt}"));
        let out = shell.command("show version", prompt).unwrap();
        assert!(out.starts_with("show version\r\n"), "{name}: {out}");
        assert!(out.contains(name), "{name}: {out}");
        assert!(
            !out.replace("\r\n", "").contains('\n'),
            "CRLF line ends only"
        );
        let out = shell.command("show bogus", prompt).unwrap();
        let error = if name == "srx2" {
            "syntax error, expecting <command>."
        } else {
            "% Invalid input detected at '^' marker."
        };
        let caret = " ".repeat(prompt.len() + "show ".len()) + "^\r\n";
        assert!(out.contains(&format!("{caret}{error}")), "{name}: {out:?}");
        shell.send("exit\n").unwrap();
        shell.read_until("exit\r\n").unwrap();
        shell.channel.wait_eof().unwrap();
        shell.channel.wait_close().unwrap();
        assert_eq!(shell.channel.exit_status().unwrap(), 0);
    }
}

#[test]
fn shell_line_ends_cr_lf_and_crlf_are_one_line_each() {
    let fleet = instant_lab();
    let session = login(device(&fleet, "cisco4")).unwrap();
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("cisco4#").unwrap();
    shell.send("\r\n\r\n").unwrap();
    shell.send("\r").unwrap();
    shell.send("\n").unwrap();
    shell.send("\n").unwrap();
    // Four line ends in all: \r\n, \r\n, \r + \n (split across writes), \n.
    shell.send("show clock-bogus\n").unwrap();
    let out = shell.read_until("% Invalid input").unwrap();
    assert_eq!(out.matches("cisco4#").count(), 4, "{out:?}");
}

#[test]
fn shell_enable_and_configure_modes() {
    let fleet = instant_lab();
    let session = login(device(&fleet, "cisco3")).unwrap();
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("cisco3#").unwrap();
    shell.command("disable", "cisco3>").unwrap();
    shell.command("enable", "Password: ").unwrap();
    // The secret is not echoed.
    let out = shell.command("pyclass-enable", "cisco3#").unwrap();
    assert_eq!(out, "\r\ncisco3#");
    let out = shell
        .command("configure terminal", "cisco3(config)#")
        .unwrap();
    assert!(out.contains("Enter configuration commands"), "{out}");
    shell
        .command("interface GigabitEthernet0/0/1", "cisco3(config-if)#")
        .unwrap();
    shell
        .command("description uplink", "cisco3(config-if)#")
        .unwrap();
    shell.command("end", "cisco3#").unwrap();
    // A wrong secret leaves the user at `>`.
    shell.command("disable", "cisco3>").unwrap();
    shell.command("enable", "Password: ").unwrap();
    let out = shell.command("nope", "cisco3>").unwrap();
    assert!(out.contains("% Access denied"), "{out}");
}

#[test]
fn shell_closes_on_quit_and_logout_and_client_eof() {
    let fleet = instant_lab();
    for (name, prompt, word) in [
        ("cisco3", "cisco3#", "logout"),
        ("srx2", "pyclass@srx2> ", "quit"),
    ] {
        let session = login(device(&fleet, name)).unwrap();
        let mut shell = Shell::open(&session).unwrap();
        shell.read_until(prompt).unwrap();
        shell.send(&format!("{word}\r")).unwrap();
        shell.channel.wait_eof().unwrap();
        shell.channel.wait_close().unwrap();
        assert_eq!(shell.channel.exit_status().unwrap(), 0);
    }
    let session = login(device(&fleet, "nxos1")).unwrap();
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("nxos1#").unwrap();
    shell.send("show version\n").unwrap();
    shell.channel.send_eof().unwrap();
    // Input already sent is answered before the session ends.
    shell.read_until("Device name: nxos1").unwrap();
    shell.channel.wait_eof().unwrap();
    shell.channel.wait_close().unwrap();
}

#[test]
fn several_channels_on_one_connection() {
    let fleet = instant_lab();
    let session = login(device(&fleet, "arista2")).unwrap();
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("arista2#").unwrap();
    for _ in 0..3 {
        let (out, status) = exec(&session, "show ip arp").unwrap();
        assert_eq!(status, 0);
        assert!(out.contains("Management1"));
    }
    let out = shell.command("show version", "arista2#").unwrap();
    assert!(out.contains("Hostname: arista2"));
}

#[test]
fn wrong_password_and_wrong_user_are_rejected() {
    let fleet = instant_lab();
    let dev = device(&fleet, "cisco3");
    let session = connect(dev).unwrap();
    assert!(session.userauth_password(&dev.username, "wrong").is_err());
    assert!(!session.authenticated());
    let session = connect(dev).unwrap();
    assert!(session.userauth_password("admin", &dev.password).is_err());
    assert!(!session.authenticated());
}

/// A wrong password, then the right one on the same connection: logged in, since a refusal
/// leaves password login open (sshd's way).
#[test]
fn right_password_after_a_wrong_one_logs_in() {
    let fleet = instant_lab();
    let dev = device(&fleet, "arista3");
    let session = connect(dev).unwrap();
    assert!(session.userauth_password(&dev.username, "wrong").is_err());
    session
        .userauth_password(&dev.username, &dev.password)
        .unwrap();
    assert!(session.authenticated());
    assert!(
        exec(&session, "show version")
            .unwrap()
            .0
            .contains("arista3")
    );
}

#[test]
fn per_device_password_overrides_the_fleet_password() {
    let mut config = FleetConfig::course_lab().with_latency(Duration::ZERO);
    config.device_mut("srx2").unwrap().password = Some("juniper123".into());
    let fleet = Fleet::start(config).unwrap();
    let srx2 = device(&fleet, "srx2");
    assert_eq!(srx2.password, "juniper123");
    assert!(login(srx2).is_ok());
    let session = connect(srx2).unwrap();
    assert!(session.userauth_password("pyclass", "pyclass-lab").is_err());
    assert!(login(device(&fleet, "cisco3")).is_ok());
}

#[test]
fn public_key_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let mut config = FleetConfig::course_lab().with_latency(Duration::ZERO);
    config.authorized_keys.push(public);
    let fleet = Fleet::start(config).unwrap();
    let dev = device(&fleet, "arista3");
    let session = connect(dev).unwrap();
    session
        .userauth_pubkey_file(&dev.username, None, &key, None)
        .unwrap();
    assert!(session.authenticated());
    assert!(
        exec(&session, "show version")
            .unwrap()
            .0
            .contains("arista3")
    );

    // A key that is not authorized is rejected.
    let other = dir.path().join("other");
    let mut keygen = Command::new("ssh-keygen");
    keygen
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other);
    assert!(keygen.status().unwrap().success());
    let session = connect(dev).unwrap();
    assert!(
        session
            .userauth_pubkey_file(&dev.username, None, &other, None)
            .is_err()
    );
    assert!(!session.authenticated());
}

#[test]
fn fingerprint_matches_the_host_key_the_client_sees() {
    let fleet = instant_lab();
    for dev in fleet.devices() {
        let session = connect(dev).unwrap();
        let hash = session.host_key_hash(HashType::Sha256).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash);
        assert_eq!(dev.fingerprint, format!("SHA256:{b64}"), "{}", dev.name);
    }
}

#[test]
fn typed_characters_are_echoed_with_line_editing() {
    let fleet = instant_lab();
    let session = login(device(&fleet, "nxos2")).unwrap();
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("nxos2#").unwrap();
    // "shox", backspace, "w ver", an arrow key (ignored), Enter.
    shell.channel.write_all(b"shox\x7fw ver\x1b[A\r").unwrap();
    let out = shell.read_until("nxos2#").unwrap();
    assert!(out.starts_with("shox\x08 \x08w ver\r\n"), "{out:?}");
    assert!(out.contains("Device name: nxos2"), "{out}");
}
