//! A listener survives running out of file descriptors (EMFILE): it logs, waits and goes on
//! accepting. A test binary of its own, because it lowers the process's open-file limit.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use mock_device::{DeviceConfig, Fleet, FleetConfig, Platform};
use rlimit::Resource;

#[test]
fn accept_loop_survives_emfile() {
    let config = FleetConfig {
        devices: vec![DeviceConfig::new("r1", Platform::CiscoIos)],
        ..FleetConfig::default()
    };
    let fleet = Fleet::start(config).unwrap();
    let dev = fleet.devices()[0].clone();
    let (soft, hard) = rlimit::getrlimit(Resource::NOFILE).unwrap();

    // Leave a handful of descriptors, then use them all up with client connections: the
    // connections the kernel completes meanwhile wait in the backlog, and the server's
    // accept fails with EMFILE.
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    rlimit::setrlimit(Resource::NOFILE, open + 8, hard).unwrap();
    let mut clients = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        match TcpStream::connect_timeout(&dev.addr, Duration::from_secs(1)) {
            Ok(s) => clients.push(s),
            Err(_) => break,
        }
    }
    // Connections beyond the limit pile up in the backlog while accept keeps failing.
    let extra: Vec<_> = (0..3)
        .filter_map(|_| {
            clients.pop();
            TcpStream::connect_timeout(&dev.addr, Duration::from_secs(1)).ok()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    drop(extra);
    drop(clients);
    rlimit::setrlimit(Resource::NOFILE, soft, hard).unwrap();
    assert!(fleet.accept_errors() > 0, "the server never hit EMFILE");

    // The listener is still there.
    let tcp = TcpStream::connect_timeout(&dev.addr, Duration::from_secs(10)).unwrap();
    let mut session = ssh2::Session::new().unwrap();
    session.set_timeout(10_000);
    session.set_tcp_stream(tcp);
    session.handshake().unwrap();
    session
        .userauth_password(&dev.username, &dev.password)
        .unwrap();
    assert!(session.authenticated());
}
