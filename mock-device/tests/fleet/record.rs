//! The fleet's record: every session's steps as the mock saw them, in memory and in the
//! binary's events file.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use mock_device::record::{CloseKind, Record, SessionRecord, read_events_file};
use mock_device::{DeviceConfig, DeviceInfo, Fault, Fleet, FleetConfig, Platform};
use ssh2::Session;

use crate::common::{STEP_TIMEOUT, Shell, exec, fleet_of, login, run_with_timeout};

const BANNER: &str = "SSH-2.0-test_1.0 pid=1 thread=2";

fn one_device(fault: Option<Fault>) -> Fleet {
    Fleet::start(fleet_of(vec![DeviceConfig {
        fault,
        ..DeviceConfig::new("r1", Platform::CiscoIos)
    }]))
    .unwrap()
}

/// TCP connect and handshake, naming the client in its identification string.
pub(crate) fn connect_as(dev: &DeviceInfo, banner: &str) -> Session {
    let tcp = TcpStream::connect_timeout(&dev.addr, STEP_TIMEOUT).unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut session = Session::new().unwrap();
    session.set_timeout(STEP_TIMEOUT.as_millis() as u32);
    session.set_banner(banner).unwrap();
    session.set_tcp_stream(tcp);
    session.handshake().unwrap();
    session
}

/// Polls the fleet's record until `done` holds (or fails after STEP_TIMEOUT).
fn wait_for(fleet: &Fleet, done: impl Fn(&Record) -> bool) -> Record {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let record = fleet.record();
        if done(&record) {
            return record;
        }
        assert!(Instant::now() < deadline, "never came: {record:#?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn all_closed(n: usize) -> impl Fn(&Record) -> bool {
    move |r| r.sessions.len() == n && r.sessions.iter().all(|s| s.closed.is_some())
}

fn commands(s: &SessionRecord) -> Vec<&str> {
    s.commands.iter().map(|c| c.command.as_str()).collect()
}

#[test]
fn a_session_is_recorded_step_by_step() {
    let fleet = one_device(None);
    let dev = &fleet.devices()[0];
    let session = connect_as(dev, BANNER);
    session
        .userauth_password(&dev.username, &dev.password)
        .unwrap();
    exec(&session, "show version").unwrap();
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("r1#").unwrap();
    shell.command("show ip int brief", "r1#").unwrap();
    shell.command("", "r1#").unwrap();
    shell.send("exit\n").unwrap();
    let mut rest = String::new();
    let _ = shell.channel.read_to_string(&mut rest);
    drop(shell);
    // The session ends when the connection does.
    session.disconnect(None, "bye", None).unwrap();
    drop(session);

    let record = wait_for(&fleet, all_closed(1));
    let s = &record.sessions[0];
    assert_eq!((s.id, s.device.as_str()), (0, "r1"));
    assert_eq!(s.client, BANNER);
    let auth = s.auth.clone().unwrap();
    assert!(auth.ok && auth.reason.is_none(), "{auth:?}");
    assert_eq!(
        commands(s),
        ["show version", "show ip int brief", "exit"],
        "the empty line is no command"
    );
    // Every step after the one before it, on the fleet's one clock.
    let closed = s.closed.clone().unwrap();
    let mut times = vec![s.accepted, s.handshake_done.unwrap(), auth.at];
    for c in &s.commands {
        times.extend([c.start, c.end.unwrap()]);
    }
    times.push(closed.at);
    assert!(times.is_sorted(), "{s:#?}");
    assert_eq!(closed.how, CloseKind::Clean);
    assert!(record.taken >= closed.at);
}

#[test]
fn refused_logins_say_why() {
    let fleet = one_device(Some(Fault::AuthFail));
    let dev = &fleet.devices()[0];
    let session = connect_as(dev, BANNER);
    assert!(
        session
            .userauth_password(&dev.username, &dev.password)
            .is_err()
    );
    drop(session);
    let healthy = one_device(None);
    let dev = &healthy.devices()[0];
    let session = connect_as(dev, BANNER);
    assert!(session.userauth_password(&dev.username, "guess").is_err());
    drop(session);

    for (fleet, reason) in [(&fleet, "auth-fail fault"), (&healthy, "wrong password")] {
        let record = wait_for(fleet, all_closed(1));
        let s = &record.sessions[0];
        let auth = s.auth.clone().unwrap();
        assert!(!auth.ok);
        assert_eq!(auth.reason.as_deref(), Some(reason));
        assert_eq!(s.client, BANNER);
        assert_eq!(s.closed.as_ref().map(|c| c.how), Some(CloseKind::Dropped));
    }
}

#[test]
fn a_session_turned_away_says_so() {
    let config = fleet_of(vec![DeviceConfig::new("r1", Platform::CiscoIos)])
        .with_max_sessions("r1", 1)
        .unwrap();
    let fleet = Fleet::start(config).unwrap();
    let dev = &fleet.devices()[0];
    let first = login(dev).unwrap();
    // Refused before SSH starts (one line, then the close): the handshake fails.
    assert!(login(dev).is_err());
    let record = wait_for(&fleet, |r| {
        r.sessions.len() == 2 && r.sessions[1].closed.is_some()
    });
    let s = &record.sessions[1];
    let auth = s.auth.clone().unwrap();
    assert_eq!(
        (auth.ok, auth.reason.as_deref()),
        (false, Some("too many sessions"))
    );
    assert_eq!(s.closed.as_ref().map(|c| c.how), Some(CloseKind::Dropped));
    assert_eq!(record.sessions[0].closed, None, "the first is still in");
    drop(first);
}

#[test]
fn a_dropped_session_closes_during_its_command() {
    let fleet = one_device(Some(Fault::Drop));
    let dev = &fleet.devices()[0];
    let session = connect_as(dev, BANNER);
    session
        .userauth_password(&dev.username, &dev.password)
        .unwrap();
    assert!(exec(&session, "show version").is_err());
    let record = wait_for(&fleet, all_closed(1));
    let s = &record.sessions[0];
    assert!(s.auth.as_ref().is_some_and(|a| a.ok));
    assert_eq!(commands(s), ["show version"]);
    let (command, closed) = (&s.commands[0], s.closed.clone().unwrap());
    assert_eq!(command.end, None, "its output was never sent");
    assert_eq!(closed.how, CloseKind::Dropped);
    assert!(closed.at >= command.start);
}

#[test]
fn hang_and_refuse() {
    let fleet = Fleet::start(fleet_of(vec![
        DeviceConfig {
            fault: Some(Fault::Hang),
            ..DeviceConfig::new("hang", Platform::CiscoIos)
        },
        DeviceConfig {
            fault: Some(Fault::Refuse),
            ..DeviceConfig::new("refuse", Platform::CiscoIos)
        },
    ]))
    .unwrap();
    assert!(TcpStream::connect_timeout(&fleet.devices()[1].addr, STEP_TIMEOUT).is_err());
    let tcp = TcpStream::connect_timeout(&fleet.devices()[0].addr, STEP_TIMEOUT).unwrap();
    let open = wait_for(&fleet, |r| r.sessions.len() == 1);
    assert_eq!(open.sessions[0].closed, None);
    assert_eq!(open.open_at(open.sessions[0].accepted), 1, "open until now");
    // The client gives up: the mock sees it go.
    drop(tcp);
    let record = wait_for(&fleet, all_closed(1));
    let s = &record.sessions[0];
    assert_eq!(s.device, "hang", "a refusing device never accepts");
    assert_eq!((s.handshake_done, &s.auth), (None, &None));
    assert_eq!(s.closed.as_ref().map(|c| c.how), Some(CloseKind::Dropped));
}

#[test]
fn eight_sessions_at_once_peak_at_eight() {
    let fleet = Fleet::start(fleet_of(
        (1..=4)
            .map(|i| DeviceConfig::new(format!("r{i}"), Platform::CiscoIos))
            .collect(),
    ))
    .unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let dev = fleet.devices()[i % 4].clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let session = connect_as(&dev, &format!("SSH-2.0-test_1.0 thread={i}"));
                session
                    .userauth_password(&dev.username, &dev.password)
                    .unwrap();
                // All eight logged in before any leaves.
                barrier.wait();
                session.disconnect(None, "bye", None).unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let record = wait_for(&fleet, all_closed(8));
    let (peak, when) = record.peak_open();
    assert_eq!(peak, 8);
    assert_eq!(record.open_at(when), 8);
    let last_accept = record.sessions.iter().map(|s| s.accepted).max().unwrap();
    assert_eq!(when, last_accept, "first reached at the eighth accept");
    assert!(record.sessions_per_device().values().all(|&n| n == 2));
    let mut clients: Vec<&str> = record.sessions.iter().map(|s| s.client.as_str()).collect();
    clients.sort_unstable();
    clients.dedup();
    assert_eq!(clients.len(), 8, "{clients:?}");
    assert!(record.connections_per_second() > 0.0);
}

#[test]
fn the_memory_cap_counts_what_it_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let config = FleetConfig {
        record_limit: 3,
        events_out: Some(events.clone()),
        ..fleet_of(vec![DeviceConfig::new("r1", Platform::CiscoIos)])
    };
    let fleet = Fleet::start(config).unwrap();
    let dev = fleet.devices()[0].clone();
    for _ in 0..5 {
        let session = connect_as(&dev, BANNER);
        session
            .userauth_password(&dev.username, &dev.password)
            .unwrap();
        session.disconnect(None, "bye", None).unwrap();
    }
    let record = wait_for(&fleet, |r| r.dropped_records == 2);
    let ids: Vec<u64> = record.sessions.iter().map(|s| s.id).collect();
    assert_eq!(ids, [0, 1, 2], "the first ones are kept");
    fleet.shutdown();
    // The events file is not capped.
    let from_file = read_events_file(&events).unwrap();
    assert_eq!(from_file.sessions.len(), 5);
    assert_eq!(from_file.dropped_records, 0);

    let off = Fleet::start(FleetConfig {
        record_limit: 0,
        ..fleet_of(vec![DeviceConfig::new("r1", Platform::CiscoIos)])
    })
    .unwrap();
    let dev = off.devices()[0].clone();
    let session = connect_as(&dev, BANNER);
    session
        .userauth_password(&dev.username, &dev.password)
        .unwrap();
    assert_eq!(off.record(), Record::default(), "recording off");
}

/// The binary's `--events-out` file, read back with `read_events_file`.
#[test]
fn the_binary_writes_events_that_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let (inventory, events) = (dir.path().join("inv.yaml"), dir.path().join("ev.jsonl"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-device"))
        .args([
            "--devices",
            "2",
            "--platform",
            "cisco_ios",
            "--inventory-out",
        ])
        .arg(&inventory)
        .arg("--events-out")
        .arg(&events)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if line.unwrap().starts_with("Serving until Ctrl-C") {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(20)).is_err() {
        let _ = child.kill();
        panic!("the binary never said it was serving");
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        name: String,
        host: String,
        port: u16,
        password: String,
    }
    let entries: Vec<Entry> =
        serde_yaml::from_str(&std::fs::read_to_string(&inventory).unwrap()).unwrap();
    let info = |e: &Entry| DeviceInfo {
        name: e.name.clone(),
        platform: Platform::CiscoIos,
        addr: format!("{}:{}", e.host, e.port).parse().unwrap(),
        username: "pyclass".into(),
        password: e.password.clone(),
        fingerprint: String::new(),
    };
    let (good, bad) = (info(&entries[0]), info(&entries[1]));
    let session = connect_as(&good, BANNER);
    session
        .userauth_password(&good.username, &good.password)
        .unwrap();
    exec(&session, "show version").unwrap();
    session.disconnect(None, "bye", None).unwrap();
    drop(session);
    let session = connect_as(&bad, BANNER);
    assert!(session.userauth_password(&bad.username, "guess").is_err());
    // Left open: the fleet's stop closes it.

    // Flushed as it goes: the first session is in the file while the fleet still runs.
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !std::fs::read_to_string(&events)
        .unwrap()
        .contains(r#""event":"close","how":"clean""#)
    {
        assert!(Instant::now() < deadline, "no close in the events file");
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill = run_with_timeout(
        Command::new("kill").args(["-INT", &child.id().to_string()]),
        Duration::from_secs(5),
    );
    assert!(kill.status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the binary did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    reader.join().unwrap();
    drop(session);

    let text = std::fs::read_to_string(&events).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(r#"{"t":"#)
            && first.ends_with(&format!(
                r#","session":0,"device":"{}","event":"accept"}}"#,
                good.name
            )),
        "{first}"
    );
    let record = read_events_file(&events).unwrap();
    assert_eq!(record.sessions.len(), 2, "{text}");
    let (s, t) = (&record.sessions[0], &record.sessions[1]);
    assert_eq!(
        (s.device.as_str(), s.client.as_str()),
        (good.name.as_str(), BANNER)
    );
    assert_eq!(commands(s), ["show version"]);
    assert!(s.commands[0].end.is_some());
    assert_eq!(s.closed.as_ref().map(|c| c.how), Some(CloseKind::Clean));
    let auth = t.auth.clone().unwrap();
    assert_eq!(
        (auth.ok, auth.reason.as_deref()),
        (false, Some("wrong password"))
    );
    assert_eq!(
        t.closed.as_ref().map(|c| c.how),
        Some(CloseKind::Dropped),
        "closed when the fleet stopped: {text}"
    );
}
