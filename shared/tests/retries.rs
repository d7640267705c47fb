//! The client against devices that push back: small fakes on 127.0.0.1 for what happens
//! before SSH starts, and proxies in front of the real mock lab for dropped connections.

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mock_device::{DeviceConfig, Fault, FleetConfig, Platform};
use shared::lab::devices_of;
use shared::testing::{DroppingProxy, ProxiedLab};
use shared::{Connection, Device, DeviceType, SshError, Stage};

/// What a fake device does with each connection it accepts.
#[derive(Clone, Copy)]
enum Fake {
    /// Writes these lines (CR LF after each), then closes.
    Writes(&'static [&'static str]),
    /// Says nothing, and holds the connection for this long.
    Silent(Duration),
}

/// A fake device on 127.0.0.1, and how many connections it accepted. It serves until the
/// test process ends.
fn fake(fake: Fake) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("the fake listens");
    let addr = listener.local_addr().expect("the fake has an address");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            match fake {
                Fake::Writes(lines) => {
                    for line in lines {
                        let _ = stream.write_all(format!("{line}\r\n").as_bytes());
                    }
                }
                Fake::Silent(hold) => {
                    std::thread::spawn(move || {
                        std::thread::sleep(hold);
                        drop(stream);
                    });
                }
            }
        }
    });
    (addr, accepted)
}

/// A device at `addr` with 10 s for every stage and no retries.
fn device_at(addr: SocketAddr, device_type: DeviceType) -> Device {
    let mut device = Device {
        name: "cisco3".into(),
        device_type,
        host: addr.ip().to_string(),
        port: addr.port(),
        username: "pyclass".into(),
        password: "pyclass-lab".into(),
        host_key: None,
        key_file: None,
        timeout: 0.0,
        conn_timeout: 0.0,
        banner_timeout: 0.0,
        auth_timeout: 0.0,
        read_timeout: 0.0,
        retries: 0,
    };
    device.set_timeouts(10.0);
    device
}

/// IOS, EOS and Junos refuse before SSH starts, each in its own words: a session-limit
/// error at once, with the limit, not a timeout or a closed connection.
#[test]
fn a_refusal_before_the_banner_is_a_session_limit_at_once() {
    let refusals: [(DeviceType, &[&str]); 4] = [
        (
            DeviceType::CiscoIos,
            &["% Connection refused: all 32 VTY lines are in use"],
        ),
        (
            DeviceType::AristaEos,
            &["% Maximum number of SSH sessions (32) reached, connection refused"],
        ),
        (
            DeviceType::JuniperJunos,
            &["error: maximum number of SSH sessions (32) reached, connection refused"],
        ),
        // Other lines may come first (RFC 4253 4.2).
        (
            DeviceType::CiscoIos,
            &[
                "Welcome to the lab",
                "% Connection refused: all 32 VTY lines are in use",
            ],
        ),
    ];
    for (device_type, lines) in refusals {
        let (addr, accepted) = fake(Fake::Writes(lines));
        let started = Instant::now();
        let err = Connection::connect(&device_at(addr, device_type)).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            err,
            SshError::SessionLimit {
                device: "cisco3".into(),
                limit: Some(32),
                message: lines[lines.len() - 1].into(),
            }
        );
        assert_eq!(
            err.to_string(),
            "cisco3: session limit reached (32 sessions)"
        );
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }
}

/// A session limit is transient: tried again `retries` times, then given up, saying so.
#[test]
fn a_session_limit_is_tried_again_and_the_error_says_how_often() {
    let (addr, accepted) = fake(Fake::Writes(&[
        "% Connection refused: all 32 VTY lines are in use",
    ]));
    let mut device = device_at(addr, DeviceType::CiscoIos);
    device.retries = 3;
    let started = Instant::now();
    let err = Connection::connect(&device).unwrap_err();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        4,
        "one try and three retries"
    );
    assert_eq!(
        err.to_string(),
        "cisco3: session limit reached (32 sessions) (gave up after 3 retries)"
    );
    assert!(matches!(err.cause(), SshError::SessionLimit { .. }));
    // Full jitter: the three waits are at most 0.2 + 0.4 + 0.8 s.
    assert!(
        started.elapsed() < Duration::from_millis(1400 + 1000),
        "{:?}",
        started.elapsed()
    );
}

/// sshd past MaxStartups: accepted, closed, nothing written.
#[test]
fn a_connection_closed_before_the_banner_is_named_so() {
    let (addr, _) = fake(Fake::Writes(&[]));
    let err = Connection::connect(&device_at(addr, DeviceType::CiscoIos)).unwrap_err();
    assert!(
        matches!(
            err,
            SshError::Closed {
                stage: Stage::Banner,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cisco3: connection closed before the SSH banner"
    );
    assert!(err.is_transient());

    let (addr, _) = fake(Fake::Writes(&["go away"]));
    let err = Connection::connect(&device_at(addr, DeviceType::CiscoIos)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cisco3: connection closed before the SSH banner, after writing `go away`"
    );
}

/// A device that accepts and never sends its banner times out under `banner_timeout`, not
/// under the other stages' 10 s, and the error names the stage.
#[test]
fn a_silent_device_times_out_at_the_banner_under_its_own_limit() {
    let (addr, _) = fake(Fake::Silent(Duration::from_secs(30)));
    let mut device = device_at(addr, DeviceType::CiscoIos);
    device.banner_timeout = 0.5;
    let started = Instant::now();
    let err = Connection::connect(&device).unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(
        err,
        SshError::TimedOut {
            device: "cisco3".into(),
            seconds: 0.5,
            stage: Stage::Banner,
            during: "waiting for the SSH banner".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "cisco3: timed out after 0.5s waiting for the SSH banner"
    );
}

/// One device of each platform behind proxies that drop each device's first `k`
/// connections.
fn proxied(k: usize) -> (ProxiedLab, Vec<Device>) {
    let mut config = FleetConfig::course_lab();
    config.devices = vec![
        DeviceConfig::new("cisco3", Platform::CiscoIos),
        DeviceConfig::new("arista1", Platform::AristaEos),
        DeviceConfig::new("srx2", Platform::JuniperJunos),
        DeviceConfig::new("nxos1", Platform::CiscoNxos),
    ];
    let lab = ProxiedLab::start(config, |_| k);
    let devices = shared::load_inventory(lab.inventory()).expect("the inventory reads");
    (lab, devices)
}

/// Logins the mock saw for `device`, and how many of them succeeded.
fn logins(lab: &ProxiedLab, device: &str) -> (usize, usize) {
    let record = lab.fleet().record();
    let sessions: Vec<_> = record
        .sessions
        .iter()
        .filter(|s| s.device == device)
        .collect();
    let ok = sessions
        .iter()
        .filter(|s| s.auth.as_ref().is_some_and(|a| a.ok))
        .count();
    (sessions.len(), ok)
}

/// Two dropped connections, then the device answers: three tries, one session at the
/// device, two retries noted for the report.
#[test]
fn retries_recover_connections_dropped_before_the_banner() {
    let (lab, mut devices) = proxied(2);
    for device in &mut devices {
        device.retries = 3;
        let mut connection = Connection::connect(device).unwrap();
        assert!(connection.find_prompt().is_ok());
        connection.disconnect();
        assert_eq!(lab.connections(&device.name), 3, "{}", device.name);
        assert_eq!(shared::retry::take(&device.name), 2, "{}", device.name);
        assert_eq!(logins(&lab, &device.name), (1, 1), "{}", device.name);
    }
}

/// Without `--retries` a dropped connection is one failure, at the banner stage.
#[test]
fn without_retries_a_drop_fails_once() {
    let (lab, devices) = proxied(1);
    let err = shared::ssh_conn(&devices[0]).unwrap_err();
    assert!(
        matches!(
            err,
            SshError::Closed {
                stage: Stage::Banner,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(lab.connections("cisco3"), 1);
}

/// `exec` retries as `connect` does. (A device of its own name: the retries noted for the
/// report are process-wide, and the tests run at the same time.)
#[test]
fn exec_retries_too() {
    let mut config = FleetConfig::course_lab();
    config.devices = vec![DeviceConfig::new("exec-nxos", Platform::CiscoNxos)];
    let lab = ProxiedLab::start(config, |_| 1);
    let mut devices = shared::load_inventory(lab.inventory()).unwrap();
    devices[0].retries = 2;
    let output = shared::exec(&devices[0], "show version").unwrap();
    assert!(output.contains("exec-nxos"), "{output}");
    assert_eq!(lab.connections("exec-nxos"), 2);
    assert_eq!(shared::retry::take("exec-nxos"), 1);
}

/// A wrong password, or a device that rejects every login, is tried exactly once even with
/// retries: retrying would lock the account on a real AAA server.
#[test]
fn a_rejected_login_is_tried_once_even_with_retries() {
    let (lab, mut devices) = proxied(0);
    devices[0].password = "wrong".into();
    devices[0].retries = 5;
    let err = Connection::connect(&devices[0]).unwrap_err();
    assert!(matches!(err, SshError::AuthFailed { .. }), "{err:?}");
    assert_eq!(lab.connections("cisco3"), 1);
    assert_eq!(logins(&lab, "cisco3"), (1, 0));

    let mut config = FleetConfig::course_lab();
    config.devices = vec![DeviceConfig::new("srx2", Platform::JuniperJunos)];
    config.devices[0].fault = Some(Fault::AuthFail);
    let lab = ProxiedLab::start(config, |_| 0);
    let mut devices = shared::load_inventory(lab.inventory()).unwrap();
    devices[0].retries = 5;
    let err = shared::ssh_conn(&devices[0]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "srx2: authentication failed for user pyclass"
    );
    assert_eq!(lab.connections("srx2"), 1);
}

/// The login and each command have their own limits, each named in its error.
#[test]
fn the_login_and_a_command_time_out_under_their_own_limits() {
    let mut config = FleetConfig::course_lab();
    config.devices = vec![DeviceConfig::new("cisco3", Platform::CiscoIos)];
    config.devices[0].login_delay = Duration::from_millis(1500);
    config.devices[0].command_delay = Duration::from_millis(1500);
    let fleet = mock_device::Fleet::start(config).unwrap();
    let mut device = devices_of(&fleet, 10.0).remove(0);

    device.auth_timeout = 0.3;
    let err = Connection::connect(&device).unwrap_err();
    assert!(
        matches!(
            err,
            SshError::TimedOut {
                stage: Stage::Auth,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "cisco3: timed out after 0.3s logging in");

    device.auth_timeout = 10.0;
    device.read_timeout = 0.3;
    let mut connection = Connection::connect(&device).unwrap();
    let err = connection.send_command("show version").unwrap_err();
    assert!(
        matches!(
            err,
            SshError::TimedOut {
                stage: Stage::Command,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cisco3: timed out after 0.3s during `show version`"
    );
}

/// The proxy itself: it drops what it is told to, and forwards the rest.
#[test]
fn the_dropping_proxy_drops_then_forwards() {
    let (target, accepted) = fake(Fake::Writes(&["SSH-2.0-fake"]));
    let proxy = DroppingProxy::start(target, 1);
    let read = || {
        let mut text = String::new();
        let mut stream = std::net::TcpStream::connect(proxy.addr()).unwrap();
        std::io::Read::read_to_string(&mut stream, &mut text).unwrap();
        text
    };
    assert_eq!(read(), "");
    assert_eq!(read(), "SSH-2.0-fake\r\n");
    assert_eq!(proxy.connections(), 2);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}
