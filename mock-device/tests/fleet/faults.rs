//! Every fault mode, seen from an ssh2 client: the right failure, and never a hang.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use mock_device::{DeviceConfig, Fault, Fleet, FleetConfig, Platform};

use crate::common::{STEP_TIMEOUT, Shell, connect, device, exec, fleet_of, login};

fn lab_with(fault: Fault, on: &str) -> Fleet {
    let config = FleetConfig::course_lab()
        .with_latency(Duration::ZERO)
        .with_fault(on, fault)
        .unwrap();
    Fleet::start(config).unwrap()
}

#[test]
fn refuse_means_connection_refused() {
    let fleet = lab_with(Fault::Refuse, "cisco4");
    let dev = device(&fleet, "cisco4");
    assert_ne!(dev.addr.port(), 0, "a refusing device still has a port");
    let err = TcpStream::connect_timeout(&dev.addr, STEP_TIMEOUT).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    assert!(fleet.inventory_yaml().contains("name: cisco4"));
    // The other devices are unaffected.
    assert!(login(device(&fleet, "cisco3")).is_ok());
}

#[test]
fn auth_fail_rejects_valid_credentials() {
    let fleet = lab_with(Fault::AuthFail, "srx2");
    let dev = device(&fleet, "srx2");
    let session = connect(dev).unwrap();
    let err = session
        .userauth_password(&dev.username, &dev.password)
        .unwrap_err();
    assert!(!session.authenticated(), "{err}");
    // Password login stays offered, and a second try is refused the same way.
    assert!(
        session
            .auth_methods(&dev.username)
            .unwrap()
            .contains("password")
    );
    assert!(
        session
            .userauth_password(&dev.username, &dev.password)
            .is_err()
    );
    assert!(!session.authenticated());
    assert!(login(device(&fleet, "nxos1")).is_ok());
}

#[test]
fn hang_accepts_tcp_but_the_handshake_times_out() {
    let fleet = lab_with(Fault::Hang, "arista2");
    let dev = device(&fleet, "arista2");
    let tcp = TcpStream::connect_timeout(&dev.addr, STEP_TIMEOUT).unwrap();
    let mut session = ssh2::Session::new().unwrap();
    session.set_timeout(500);
    session.set_tcp_stream(tcp.try_clone().unwrap());
    let started = Instant::now();
    assert!(session.handshake().is_err());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    // Not a word of SSH, and the socket is still open.
    tcp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 64];
    let err = (&tcp).read(&mut buf).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    // Shutdown ends the held connection.
    fleet.shutdown();
    tcp.set_read_timeout(Some(STEP_TIMEOUT)).unwrap();
    assert!(matches!((&tcp).read(&mut buf), Ok(0) | Err(_)));
}

#[test]
fn drop_cuts_the_connection_during_an_exec_command() {
    let mut config = fleet_of(vec![DeviceConfig::new("flaky", Platform::CiscoIos)]);
    config = config.with_fault("flaky", Fault::Drop).unwrap();
    config.devices[0].command_delay = Duration::from_millis(200);
    let fleet = Fleet::start(config).unwrap();
    let session = login(device(&fleet, "flaky")).unwrap();
    // Terminal commands still answer: the drop hits `show` commands.
    assert_eq!(
        exec(&session, "terminal length 0").unwrap(),
        (String::new(), 0)
    );
    let started = Instant::now();
    let result = exec(&session, "show version");
    assert!(started.elapsed() < Duration::from_secs(5));
    match result {
        Err(_) => {}
        Ok((out, status)) => panic!("expected a dropped connection, got {status}: {out}"),
    }
    // The connection is gone.
    assert!(session.channel_session().is_err());
}

#[test]
fn drop_cuts_the_connection_during_a_shell_command() {
    let fleet = lab_with(Fault::Drop, "nxos2");
    let session = login(device(&fleet, "nxos2")).unwrap();
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("nxos2#").unwrap();
    shell.command("terminal length 0", "nxos2#").unwrap();
    shell.send("show version\n").unwrap();
    let err = shell.read_until("nxos2#").unwrap_err();
    assert!(!err.to_string().contains("Device name"), "{err}");
}

#[test]
fn max_sessions_turns_extra_sessions_away() {
    let mut config = fleet_of(vec![
        DeviceConfig::new("cisco3", Platform::CiscoIos),
        DeviceConfig::new("cisco4", Platform::CiscoIos),
    ]);
    config = config.with_max_sessions("cisco3", 2).unwrap();
    let fleet = Fleet::start(config).unwrap();
    let dev = device(&fleet, "cisco3");
    let first = login(dev).unwrap();
    let second = login(dev).unwrap();
    // The third is turned away: IOS writes `% Connection refused: all 2 VTY lines are in
    // use` instead of its SSH identification string and closes, so the handshake fails.
    let started = Instant::now();
    let third = login(dev);
    assert!(third.is_err(), "a third session was let in");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The sessions already in keep working, and other devices have their own lines.
    assert!(exec(&first, "show version").unwrap().0.contains("cisco3"));
    assert!(exec(&second, "show version").unwrap().0.contains("cisco3"));
    let _others: Vec<_> = (0..3)
        .map(|_| login(device(&fleet, "cisco4")).unwrap())
        .collect();
    // Once a session ends, its line is free again.
    first
        .disconnect(None, "bye", None)
        .unwrap_or_else(|e| panic!("{e}"));
    drop(first);
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        match login(dev) {
            Ok(session) => {
                assert!(exec(&session, "show ip arp").is_ok());
                break;
            }
            Err(e) if Instant::now() > deadline => panic!("line never freed: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
