//! The network pushes back: the shared AAA server, session limits in each platform's words,
//! start-up throttling (MaxStartups) and the slow banner, with ssh2 and with OpenSSH, graded
//! from the fleet's record.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use mock_device::record::{AAA_TIMEOUT, MAX_STARTUPS, Record, TOO_MANY_SESSIONS};
use mock_device::{AaaConfig, DeviceConfig, DeviceInfo, Fleet, FleetConfig, MaxStartups};

use crate::common::{
    PLATFORM_DEVICES, STEP_TIMEOUT, Shell, connect, device, exec, fleet_of, login, run_with_timeout,
};
use crate::openssh::{SSH_TIMEOUT, lab, ssh, ssh_command, text};

/// `ssh -v` with `key` only, never prompting; `options` come first (and so win).
fn ssh_verbose(dev: &DeviceInfo, key: &std::path::Path, options: &[&str]) -> Command {
    let key = key.to_str().unwrap();
    let mut all = options.to_vec();
    all.extend([
        "-v",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-i",
        key,
    ]);
    ssh_command(dev, &all, &[])
}

/// The four platforms, one device each, no delays.
fn platforms() -> FleetConfig {
    fleet_of(
        PLATFORM_DEVICES
            .iter()
            .map(|&(name, platform)| DeviceConfig::new(name, platform))
            .collect(),
    )
}

fn with_aaa(mut config: FleetConfig, capacity: usize, delay: u64, timeout: u64) -> FleetConfig {
    config.aaa = Some(AaaConfig {
        capacity,
        delay: Duration::from_millis(delay),
        timeout: Duration::from_millis(timeout),
    });
    config
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
        thread::sleep(Duration::from_millis(5));
    }
}

fn all_closed(n: usize) -> impl Fn(&Record) -> bool {
    move |r| r.sessions.len() == n && r.sessions.iter().all(|s| s.closed.is_some())
}

/// Everything a shell sends until the device closes it.
fn shell_to_eof(session: &ssh2::Session) -> String {
    let mut shell = Shell::open(session).unwrap();
    let mut out = String::new();
    shell.channel.read_to_string(&mut out).unwrap();
    out
}

/// A raw TCP connection that says nothing: counted as pending (not logged in, key exchange
/// not done) until it is dropped.
fn silent(dev: &DeviceInfo) -> TcpStream {
    let tcp = TcpStream::connect_timeout(&dev.addr, STEP_TIMEOUT).unwrap();
    tcp.set_read_timeout(Some(STEP_TIMEOUT)).unwrap();
    tcp
}

/// What the device sends first, up to its first line end (or until it closes).
fn first_line(tcp: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        match tcp.read(&mut byte) {
            Ok(0) | Err(_) => break,
            Ok(_) => line.push(byte[0]),
        }
    }
    String::from_utf8_lossy(&line).into_owned()
}

// --------------------------------------------------------------------- the AAA server

/// Eight logins at once through an AAA server of capacity 2 (100 ms each): the server never
/// works on more than two, it does work on two, and the others wait in its queue.
#[test]
fn aaa_capacity_is_respected_with_ssh2() {
    let fleet = Fleet::start(with_aaa(platforms(), 2, 100, 10_000)).unwrap();
    let started = Instant::now();
    thread::scope(|scope| {
        for i in 0..8 {
            let dev = &fleet.devices()[i % 4];
            scope.spawn(move || {
                let session = login(dev).unwrap();
                assert!(
                    exec(&session, "show version")
                        .unwrap()
                        .0
                        .contains(&dev.name)
                );
            });
        }
    });
    let elapsed = started.elapsed();
    let record = wait_for(&fleet, all_closed(8));
    assert_eq!(record.peak_aaa_busy(), 2, "{record:#?}");
    assert!(record.sessions.iter().all(|s| s.aaa.len() == 1));
    assert!(record.sessions.iter().all(|s| s.refusal().is_none()));
    let waits = record.aaa_waits();
    // Eight logins two at a time: four rounds of 100 ms, the last pair waited three.
    let long = waits
        .iter()
        .filter(|w| **w >= Duration::from_millis(150))
        .count();
    assert!(long >= 2, "{waits:?}");
    assert!(elapsed >= Duration::from_millis(350), "{elapsed:?}");
    // A visit: queued, then taken, then done 100 ms later.
    for visit in record.sessions.iter().flat_map(|s| &s.aaa) {
        let (taken, done) = (visit.taken.unwrap(), visit.done.unwrap());
        assert!(visit.queued <= taken && taken < done, "{visit:?}");
        assert!(done - taken >= Duration::from_millis(100), "{visit:?}");
        assert_eq!(visit.timed_out, None);
    }
}

/// While one login holds the only AAA slot, a login to each platform waits the timeout
/// (200 ms), gets in, and hears its platform's line; a wrong password is still refused.
#[test]
fn aaa_timeout_gives_each_platforms_line_with_ssh2() {
    let fleet = Fleet::start(with_aaa(platforms(), 1, 3000, 200)).unwrap();
    let holder = device(&fleet, "cisco3").clone();
    let hold = thread::spawn(move || login(&holder).map(|_| ()));
    wait_for(&fleet, |r| {
        r.sessions
            .first()
            .is_some_and(|s| s.aaa.first().is_some_and(|v| v.taken.is_some()))
    });
    let expected = [
        (
            "cisco3",
            "% Authorization failed: no response from the TACACS+ server",
        ),
        (
            "arista1",
            "% Authorization denied for user pyclass: TACACS+ server timed out",
        ),
        (
            "srx2",
            "error: authorization failed: the TACACS+ server did not respond",
        ),
        (
            "nxos1",
            "% Authorization failed: AAA server not responding. Exiting.",
        ),
    ];
    for (name, line) in expected {
        let started = Instant::now();
        let session = login(device(&fleet, name)).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert_eq!(shell_to_eof(&session), format!("{line}\r\n"), "{name}");
    }
    // A wrong password, timed out at the AAA server or not, is a wrong password.
    let dev = device(&fleet, "srx2");
    let session = connect(dev).unwrap();
    assert!(session.userauth_password(&dev.username, "guess").is_err());
    drop(session);
    hold.join().unwrap().unwrap();

    let record = wait_for(&fleet, all_closed(6));
    let reasons: Vec<Option<&str>> = record.sessions.iter().map(|s| s.refusal()).collect();
    assert_eq!(
        reasons,
        [
            None,
            Some(AAA_TIMEOUT),
            Some(AAA_TIMEOUT),
            Some(AAA_TIMEOUT),
            Some(AAA_TIMEOUT),
            Some("wrong password")
        ]
    );
    for s in &record.sessions[1..] {
        let visit = &s.aaa[0];
        assert_eq!(visit.taken, None, "{s:?}");
        let waited = visit.timed_out.unwrap() - visit.queued;
        assert!(waited >= Duration::from_millis(200), "{s:?}");
    }
    assert_eq!(record.peak_aaa_busy(), 1);
}

/// OpenSSH's key logins go through the AAA server too: four at once with capacity 1 queue
/// up, and one that waits past the timeout prints the device's line.
#[test]
fn aaa_queue_and_timeout_with_openssh() {
    let first = lab(with_aaa(platforms(), 1, 150, 10_000));
    thread::scope(|scope| {
        for (name, _) in PLATFORM_DEVICES {
            let dev = device(&first.fleet, name);
            let key = &first.key;
            scope.spawn(move || {
                let out = run_with_timeout(ssh(dev, key, &[]).arg("show version"), SSH_TIMEOUT);
                let (stdout, stderr) = text(&out);
                assert!(out.status.success(), "{name}: {stderr}");
                assert!(stdout.contains(name), "{name}: {stdout}");
            });
        }
    });
    let record = wait_for(&first.fleet, all_closed(4));
    assert_eq!(record.peak_aaa_busy(), 1);
    // One at a time, 150 ms each: each login was taken only once the one before it was
    // done. (How long each waited depends on when its client started, which is not ours.)
    let mut served: Vec<(Duration, Duration)> = (record.sessions.iter())
        .flat_map(|s| &s.aaa)
        .filter_map(|aaa| Some((aaa.taken?, aaa.done?)))
        .collect();
    served.sort();
    assert_eq!(served.len(), 4, "{served:?}");
    for pair in served.windows(2) {
        assert!(
            pair[1].0 >= pair[0].1,
            "taken before the one before was done: {served:?}"
        );
    }
    for (taken, done) in &served {
        assert!(*done - *taken >= Duration::from_millis(150), "{served:?}");
    }

    let lab = lab(with_aaa(platforms(), 1, 3000, 200));
    let holder = device(&lab.fleet, "nxos1").clone();
    let hold = thread::spawn(move || login(&holder).map(|_| ()));
    wait_for(&lab.fleet, |r| {
        r.sessions
            .first()
            .is_some_and(|s| s.aaa.first().is_some_and(|v| v.taken.is_some()))
    });
    let dev = device(&lab.fleet, "arista1");
    let out = run_with_timeout(ssh(dev, &lab.key, &[]).arg("show version"), SSH_TIMEOUT);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert_eq!(
        stdout, "% Authorization denied for user pyclass: TACACS+ server timed out\r\n",
        "{stderr}"
    );
    hold.join().unwrap().unwrap();
    let record = wait_for(&lab.fleet, all_closed(2));
    assert_eq!(record.sessions[1].refusal(), Some(AAA_TIMEOUT));
}

// --------------------------------------------------------------------- session limits

/// One VTY line each: the second connection to IOS, EOS or Junos gets one line where the
/// SSH identification string would be, then the close; NX-OS lets it log in and prints its
/// banner and its limit line.
#[test]
fn session_limit_in_each_platforms_words_with_ssh2() {
    let mut config = platforms();
    for d in &mut config.devices {
        d.max_sessions = Some(1);
    }
    let fleet = Fleet::start(config).unwrap();
    let held: Vec<_> = fleet.devices().iter().map(|d| login(d).unwrap()).collect();
    for (name, line) in [
        (
            "cisco3",
            "% Connection refused: all 1 VTY lines are in use\r\n",
        ),
        (
            "arista1",
            "% Maximum number of SSH sessions (1) reached, connection refused\r\n",
        ),
        (
            "srx2",
            "error: maximum number of SSH sessions (1) reached, connection refused\r\n",
        ),
    ] {
        let dev = device(&fleet, name);
        let started = Instant::now();
        let mut tcp = silent(dev);
        let mut all = String::new();
        tcp.read_to_string(&mut all).unwrap();
        assert_eq!(all, line, "{name}: the line alone, no SSH identification");
        // ssh2 fails at once, not at its timeout.
        assert!(connect(dev).is_err(), "{name}");
        assert!(started.elapsed() < STEP_TIMEOUT / 2);
    }
    let session = login(device(&fleet, "nxos1")).unwrap();
    let out = shell_to_eof(&session);
    assert!(
        out.starts_with("Cisco Nexus Operating System (NX-OS) Software\r\n"),
        "{out:?}"
    );
    assert!(
        out.ends_with("\r\nCLI session limit 1 reached. Exiting.\r\n"),
        "{out:?}"
    );
    assert!(!out.contains("nxos1#"), "no prompt: {out:?}");
    // The sessions already in keep working.
    for (session, dev) in held.iter().zip(fleet.devices()) {
        assert!(exec(session, "show version").unwrap().0.contains(&dev.name));
    }
    let record = wait_for(&fleet, |r| {
        r.sessions.len() == 11 && r.sessions[4..].iter().all(|s| s.closed.is_some())
    });
    let refused = record.refused_per_device(TOO_MANY_SESSIONS);
    let expected = [("arista1", 2), ("cisco3", 2), ("nxos1", 1), ("srx2", 2)];
    assert_eq!(
        refused.into_iter().collect::<Vec<_>>(),
        expected.map(|(d, n)| (d.to_string(), n))
    );
    // Refused before SSH: no key exchange was ever seen.
    let cisco = &record.sessions[4];
    assert_eq!(cisco.handshake_done, None);
}

/// OpenSSH shows the pre-identification line with -v and gives up at once; NX-OS's line
/// arrives on stdout.
#[test]
fn session_limit_lines_with_openssh() {
    let mut config = platforms();
    for d in &mut config.devices {
        d.max_sessions = Some(2);
    }
    let lab = lab(config);
    let _held: Vec<_> = lab
        .fleet
        .devices()
        .iter()
        .flat_map(|d| [login(d).unwrap(), login(d).unwrap()])
        .collect();
    let dev = device(&lab.fleet, "cisco3");
    let started = Instant::now();
    let out = run_with_timeout(
        ssh_verbose(dev, &lab.key, &[]).arg("show version"),
        SSH_TIMEOUT,
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(255));
    assert!(
        stderr.contains("% Connection refused: all 2 VTY lines are in use"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not at a timeout"
    );

    let dev = device(&lab.fleet, "nxos1");
    let out = run_with_timeout(ssh(dev, &lab.key, &[]).arg("show version"), SSH_TIMEOUT);
    let (stdout, _) = text(&out);
    assert!(!out.status.success());
    assert!(
        stdout.ends_with("CLI session limit 2 reached. Exiting.\r\n"),
        "{stdout:?}"
    );
    let record = wait_for(&lab.fleet, |r| {
        r.sessions.len() == 10 && r.sessions[8..].iter().all(|s| s.closed.is_some())
    });
    assert_eq!(record.sessions[8].refusal(), Some(TOO_MANY_SESSIONS));
    assert_eq!(record.sessions[9].refusal(), Some(TOO_MANY_SESSIONS));
}

// --------------------------------------------------------------------- the slow banner

/// How long the device takes to send its identification string to a new connection.
fn banner_time(dev: &DeviceInfo) -> Duration {
    let started = Instant::now();
    let mut tcp = silent(dev);
    let line = first_line(&mut tcp);
    assert!(line.starts_with("SSH-2.0-"), "{line:?}");
    started.elapsed()
}

/// The banner comes D later for each other connection whose key exchange is pending; once
/// they log in (or leave), it comes at once again. ssh2 with a short timeout gives up.
#[test]
fn banner_delay_grows_with_pending_handshakes() {
    let mut config = platforms();
    config.banner_delay_per_pending = Duration::from_millis(100);
    let fleet = Fleet::start(config).unwrap();
    let dev = device(&fleet, "cisco3");
    let alone = banner_time(dev);
    let pending: Vec<TcpStream> = (0..4).map(|_| silent(dev)).collect();
    let behind_four = banner_time(dev);
    assert!(alone < Duration::from_millis(100), "{alone:?}");
    assert!(behind_four >= Duration::from_millis(400), "{behind_four:?}");
    assert!(
        behind_four < Duration::from_millis(400) * 3,
        "{behind_four:?}"
    );
    // Counted per device: another device is not slowed.
    assert!(banner_time(device(&fleet, "srx2")) < Duration::from_millis(100));

    // ssh2 with a 200 ms timeout does not get the banner in time.
    let tcp = TcpStream::connect_timeout(&dev.addr, STEP_TIMEOUT).unwrap();
    let mut session = ssh2::Session::new().unwrap();
    session.set_timeout(200);
    session.set_tcp_stream(tcp);
    assert!(session.handshake().is_err());
    drop(session);
    drop(pending);
    // The silent ones are gone: the banner is quick again.
    let deadline = Instant::now() + STEP_TIMEOUT;
    while banner_time(dev) >= Duration::from_millis(100) {
        assert!(Instant::now() < deadline, "the banner stayed slow");
    }
    assert!(login(dev).is_ok());
}

/// OpenSSH's ConnectTimeout covers the banner exchange: 1 s against a banner 2 s late.
#[test]
fn banner_delay_times_out_openssh() {
    let mut config = platforms();
    config.banner_delay_per_pending = Duration::from_millis(200);
    let lab = lab(config);
    let dev = device(&lab.fleet, "arista1");
    let _pending: Vec<TcpStream> = (0..10).map(|_| silent(dev)).collect();
    let out = run_with_timeout(
        ssh_verbose(dev, &lab.key, &["-o", "ConnectTimeout=1"]).arg("show version"),
        SSH_TIMEOUT,
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(255));
    assert!(
        stderr.contains("timed out during banner exchange"),
        "{stderr}"
    );
}

// --------------------------------------------------------------------- start-up throttling

/// A new connection: dropped (closed before a word of SSH) or not.
fn probe(dev: &DeviceInfo) -> (bool, TcpStream) {
    let mut tcp = silent(dev);
    let line = first_line(&mut tcp);
    (!line.starts_with("SSH-2.0-"), tcp)
}

/// Opens connections until `n` more are held pending (dropped ones do not count).
fn hold(dev: &DeviceInfo, n: usize, held: &mut Vec<TcpStream>) {
    let target = held.len() + n;
    while held.len() < target {
        if let (false, tcp) = probe(dev) {
            held.push(tcp);
        }
    }
}

/// `n` probes while `held` connections are pending, each closed (and its close seen by the
/// fleet, so the pending count is back) before the next: which ones were dropped.
fn probes(fleet: &Fleet, dev: &DeviceInfo, n: usize) -> Vec<bool> {
    (0..n)
        .map(|_| {
            let (dropped, tcp) = probe(dev);
            drop(tcp);
            wait_for(fleet, |r| {
                r.sessions.last().is_some_and(|s| s.closed.is_some())
            });
            dropped
        })
        .collect()
}

/// The drops of a seeded run of MaxStartups 4:30:12: 20 probes below START, 200 at START
/// (30 %), 200 at 8 pending (30 + 70 * 4/8 = 65 %), 20 at FULL (all).
fn seeded_run(seed: u64) -> (Vec<Vec<bool>>, Record) {
    let mut config = platforms();
    config.jitter_seed = seed;
    config.max_startups = Some("4:30:12".parse().unwrap());
    let fleet = Fleet::start(config).unwrap();
    let dev = device(&fleet, "cisco3").clone();
    let mut held = Vec::new();
    let mut runs = vec![probes(&fleet, &dev, 20)];
    for (more, n) in [(4, 200), (4, 200), (4, 20)] {
        hold(&dev, more, &mut held);
        runs.push(probes(&fleet, &dev, n));
    }
    (runs, fleet.record())
}

/// The drop fraction at each level is OpenSSH's, within five standard deviations of the
/// binomial; the fleet's record counts the same drops; the same seed drops the same ones.
#[test]
fn max_startups_drops_with_openssh_probabilities() {
    let limits = MaxStartups {
        start: 4,
        rate: 30,
        full: 12,
    };
    let (runs, record) = seeded_run(7);
    for (run, pending) in runs.iter().zip([0u32, 4, 8, 12]) {
        let p = f64::from(limits.drop_percent(pending)) / 100.0;
        let n = run.len() as f64;
        let dropped = run.iter().filter(|d| **d).count() as f64;
        let bound = 5.0 * (n * p * (1.0 - p)).sqrt();
        assert!(
            (dropped - n * p).abs() <= bound,
            "{pending} pending: {dropped} of {n} dropped, expected {p} (+/- {bound})"
        );
    }
    assert_eq!((limits.drop_percent(0), limits.drop_percent(4)), (0, 30));
    assert_eq!((limits.drop_percent(8), limits.drop_percent(12)), (65, 100));
    // Every drop the clients saw is in the record, held ones and probes alike.
    let seen = record.startup_drops().get("cisco3").copied().unwrap_or(0);
    let probed: usize = runs.iter().flatten().filter(|d| **d).count();
    assert!(seen >= probed, "{seen} < {probed}");
    let drops = record
        .sessions
        .iter()
        .filter(|s| s.refusal() == Some(MAX_STARTUPS));
    for s in drops {
        assert_eq!(s.handshake_done, None, "{s:?}");
    }
    // Same seed, same drops; another seed, others.
    assert_eq!(seeded_run(7).0, runs);
    assert_ne!(seeded_run(8).0, runs);
}

/// Past FULL every new connection is dropped: ssh2's handshake fails, OpenSSH says the
/// connection closed during the identification exchange, and the record says why.
#[test]
fn max_startups_drops_ssh2_and_openssh_past_full() {
    let mut config = platforms();
    config.device_mut("srx2").unwrap().max_startups = Some("2".parse().unwrap());
    let lab = lab(config);
    let dev = device(&lab.fleet, "srx2");
    // Below START: nothing is dropped.
    assert!(login(dev).is_ok());
    let _held = [silent(dev), silent(dev)];
    assert!(connect(dev).is_err());
    let out = run_with_timeout(ssh(dev, &lab.key, &[]).arg("show version"), SSH_TIMEOUT);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(255));
    assert!(
        stderr.contains("kex_exchange_identification: Connection closed by remote host"),
        "{stderr}"
    );
    // Other devices have no throttling.
    assert!(login(device(&lab.fleet, "cisco3")).is_ok());
    let record = wait_for(&lab.fleet, |r| {
        r.startup_drops().get("srx2") == Some(&2) && r.sessions.len() == 6
    });
    assert_eq!(record.startup_drops().len(), 1);
}

// --------------------------------------------------------------------- the binary

const BIN: &str = env!("CARGO_BIN_EXE_mock-device");

fn one_line_error(args: &[&str], needles: &[&str]) {
    let out = run_with_timeout(Command::new(BIN).args(args), Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn binary_pushback_flags_and_their_errors() {
    one_line_error(
        &["--max-startups", "10:30"],
        &["--max-startups", "START:RATE:FULL"],
    );
    one_line_error(&["--max-startups", "10:0:100"], &["--max-startups", "RATE"]);
    one_line_error(&["--max-startups", "20:30:10"], &["START", "FULL"]);
    one_line_error(
        &["--max-startups-device", "cisco9=1:30:5"],
        &["--max-startups-device", "cisco9"],
    );
    one_line_error(&["--max-startups-device", "1:30:5"], &["DEVICE="]);
    one_line_error(&["--aaa-capacity", "0"], &["--aaa-capacity", "at least 1"]);
    one_line_error(&["--aaa-delay", "1s"], &["--aaa-capacity"]);
    one_line_error(
        &["--aaa-capacity", "2", "--aaa-timeout", "soon"],
        &["--aaa-timeout", "soon"],
    );
    one_line_error(&["--banner-delay-per-pending", "x"], &["--banner-delay"]);
    one_line_error(&["--max-sessions-all", "0"], &["at least 1"]);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "max_startups: 10:30\ndevices:\n  - {name: r1, platform: cisco_ios}\n",
    )
    .unwrap();
    // A mistake in the file is shown at its line, as cargo shows one in a manifest.
    let out = run_with_timeout(
        Command::new(BIN).args(["--fleet", bad.to_str().unwrap()]),
        Duration::from_secs(10),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).replace(bad.to_str().unwrap(), "bad.yaml");
    insta::assert_snapshot!(stderr, @r"
    error: max_startups: expected START:RATE:FULL (e.g. 10:30:100) or N, got `10:30`
     --> bad.yaml:1:15
      |
    1 | max_startups: 10:30
      |               ^^^^^
    ");

    // Good values: the fleet starts and says what it has.
    let fleet = dir.path().join("fleet.yaml");
    std::fs::write(
        &fleet,
        "aaa: {capacity: 3, delay: 20ms, timeout: 2s}\n\
         max_startups: 10:30:100\n\
         banner_delay_per_pending: 50ms\n\
         devices:\n\
         \x20 - {name: r1, platform: cisco_ios, max_startups: '5:50:20', max_sessions: 4}\n\
         \x20 - {name: r2, platform: cisco_nxos}\n",
    )
    .unwrap();
    let lines = serve_and_stop(&["--fleet", fleet.to_str().unwrap()]);
    let all = lines.join("\n");
    assert!(
        all.contains(
            "AAA: 3 logins at once, 20 ms each, 150 logins a second; a login queued behind \
             about 300 others waits past its 2 s timeout and is refused: more than 303 \
             workers logging in at once meet this wall."
        ),
        "{all}"
    );
    assert!(
        all.contains(
            "Banner delay: 50 ms per other key exchange pending on the device; 10 \
             connections to one device at once wait up to 450 ms for its banner."
        ),
        "{all}"
    );
    let r1 = lines.iter().find(|l| l.starts_with("r1 ")).unwrap();
    assert!(
        r1.contains("max-sessions 4") && r1.contains("max-startups 5:50:20"),
        "{r1}"
    );
    let r2 = lines.iter().find(|l| l.starts_with("r2 ")).unwrap();
    assert!(r2.contains("max-startups 10:30:100"), "{r2}");

    // The flags override the file, and --max-sessions beats --max-sessions-all.
    let lines = serve_and_stop(&[
        "--fleet",
        fleet.to_str().unwrap(),
        "--aaa-capacity",
        "8",
        "--aaa-delay",
        "1s",
        "--max-startups",
        "2:40:6",
        "--max-startups-device",
        "r1=3",
        "--max-sessions-all",
        "7",
        "--max-sessions",
        "r2=1",
        "--banner-delay-per-pending",
        "10ms",
    ]);
    let all = lines.join("\n");
    assert!(
        all.contains("AAA: 8 logins at once, 1 s each, 8 logins a second; a login queued behind about 16 others waits past its 2 s timeout"),
        "{all}"
    );
    assert!(all.contains("Banner delay: 10 ms per other"), "{all}");
    assert!(
        all.contains("Session limit: every device serves 1 to 7 sessions at once"),
        "{all}"
    );
    let r1 = lines.iter().find(|l| l.starts_with("r1 ")).unwrap();
    assert!(
        r1.contains("max-sessions 7") && r1.contains("max-startups 3:100:3"),
        "{r1}"
    );
    let r2 = lines.iter().find(|l| l.starts_with("r2 ")).unwrap();
    assert!(
        r2.contains("max-sessions 1") && r2.contains("max-startups 2:40:6"),
        "{r2}"
    );
}

/// Runs the binary until it serves, stops it with SIGINT, returns what it printed.
fn serve_and_stop(args: &[&str]) -> Vec<String> {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if line.starts_with("Serving until Ctrl-C") {
                let _ = tx.send(());
            }
            lines.push(line);
        }
        lines
    });
    if rx.recv_timeout(Duration::from_secs(20)).is_err() {
        let _ = child.kill();
        let mut stderr = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
        panic!("{args:?}: never served: {stderr}");
    }
    let kill = run_with_timeout(
        Command::new("kill").args(["-INT", &child.id().to_string()]),
        Duration::from_secs(5),
    );
    assert!(kill.status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the binary did not stop on SIGINT");
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    reader.join().unwrap()
}
