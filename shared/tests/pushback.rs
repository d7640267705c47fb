//! The ssh2 helper against a real mock fleet that pushes back: session limits,
//! an AAA server that does not answer in time, start-up drops and slow banners, each named
//! at once and at its stage, retried when it is transient, and the retries' backoff as the
//! mock's record saw it.
//!
//! The tests take turns ([`one_at_a_time`]): several of them measure time on a machine
//! whose two cores other builds share, and the scale run would crowd the others.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpStream;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mock_device::record::{AAA_TIMEOUT, SessionRecord, TOO_MANY_SESSIONS};
use mock_device::{AaaConfig, DeviceConfig, Fleet, FleetConfig, MaxStartups, Platform};
use rayon::prelude::*;
use shared::lab::devices_of;
use shared::testing::{CrowdedLab, Trouble};
use shared::{Connection, Device, SshError, Stage};

/// Every stage's time limit in these tests, unless a test says otherwise: a refusal named
/// "at once" must come well before it.
const TIMEOUT: f64 = 10.0;

/// A refusal counts as named at once when it comes within this, well under [`TIMEOUT`].
const AT_ONCE: Duration = Duration::from_secs(4);

/// This test's turn: held for the whole test.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// One device of each platform, named `<prefix>-ios` ... `<prefix>-nxos`. (Names of its
/// own for each test: the retries noted for the report are kept per device name, process
/// wide.)
fn one_of_each(prefix: &str) -> Vec<DeviceConfig> {
    Platform::ALL
        .iter()
        .map(|&platform| {
            let short = match platform {
                Platform::CiscoIos => "ios",
                Platform::AristaEos => "eos",
                Platform::JuniperJunos => "junos",
                Platform::CiscoNxos => "nxos",
            };
            DeviceConfig::new(format!("{prefix}-{short}"), platform)
        })
        .collect()
}

fn fleet_of(devices: Vec<DeviceConfig>, edit: impl FnOnce(&mut FleetConfig)) -> Fleet {
    let mut config = FleetConfig {
        devices,
        ..FleetConfig::default()
    };
    edit(&mut config);
    Fleet::start(config).expect("the mock fleet starts")
}

/// The sessions the mock saw for `device`, in accept order.
fn sessions_of(fleet: &Fleet, device: &str) -> Vec<SessionRecord> {
    fleet
        .record()
        .sessions
        .into_iter()
        .filter(|s| s.device == device)
        .collect()
}

/// Waits (up to 5 s) until the mock's record satisfies `done`.
fn wait_for_record(fleet: &Fleet, done: impl Fn(&[SessionRecord]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done(&fleet.record().sessions) {
        assert!(Instant::now() < deadline, "{:#?}", fleet.record().sessions);
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits (up to 5 s) until the mock has accepted `n` connections of `device`.
fn wait_for_sessions(fleet: &Fleet, device: &str, n: usize) {
    wait_for_record(fleet, |sessions| {
        sessions.iter().filter(|s| s.device == device).count() >= n
    });
}

/// Past `max_sessions`, every platform turns the session away in its own words: NX-OS after
/// the login, the others before SSH starts. The client names it a session limit with the
/// device's number, at once, not at the timeout.
#[test]
fn past_max_sessions_each_platform_names_its_limit_at_once() {
    let _turn = one_at_a_time();
    const LIMIT: usize = 2;
    let fleet = fleet_of(one_of_each("limit"), |config| {
        for device in &mut config.devices {
            device.max_sessions = Some(LIMIT);
        }
    });
    for device in devices_of(&fleet, TIMEOUT) {
        let held: Vec<Connection> = (0..LIMIT)
            .map(|_| Connection::connect(&device).unwrap())
            .collect();
        let started = Instant::now();
        let err = Connection::connect(&device).unwrap_err();
        let took = started.elapsed();
        let name = &device.name;
        assert!(took < AT_ONCE, "{name}: {took:?}");
        let line = platform_of(&device).session_limit_line(LIMIT);
        assert_eq!(
            err,
            SshError::SessionLimit {
                device: name.clone(),
                limit: Some(LIMIT as u32),
                message: line,
            }
        );
        assert_eq!(
            err.to_string(),
            format!("{name}: session limit reached ({LIMIT} sessions)")
        );
        assert!(err.is_transient());

        // The client can be told before the mock has noted the refusal in its record.
        wait_for_record(&fleet, |sessions| {
            sessions
                .iter()
                .any(|s| s.device == *name && s.refusal() == Some(TOO_MANY_SESSIONS))
        });
        let sessions = sessions_of(&fleet, name);
        let [.., refused] = &sessions[..] else {
            panic!("{name}: no session in the record");
        };
        assert_eq!(sessions.len(), LIMIT + 1, "{name}: {sessions:#?}");
        assert_eq!(refused.refusal(), Some(TOO_MANY_SESSIONS), "{refused:?}");
        // NX-OS lets the login in first; the others refuse before the key exchange.
        let nxos = device.device_type == shared::DeviceType::CiscoNxos;
        assert_eq!(refused.handshake_done.is_some(), nxos, "{refused:?}");
        drop(held);
    }
}

/// The platform of a client-side device, as the mock names it.
fn platform_of(device: &Device) -> Platform {
    Platform::ALL
        .into_iter()
        .find(|p| p.netmiko_name() == device.device_type.netmiko_name())
        .expect("the mock has every platform the client knows")
}

/// A login that waited the AAA server's timeout in its queue hears the platform's line and
/// a close: `AaaRejected` with that line, as soon as the timeout is up, and the record says
/// `aaa timeout`.
#[test]
fn an_aaa_timeout_is_named_on_each_platform_at_once() {
    let _turn = one_at_a_time();
    const QUEUE_TIMEOUT: Duration = Duration::from_millis(300);
    let mut devices = one_of_each("aaa");
    devices.push(DeviceConfig::new("aaa-blocker", Platform::CiscoIos));
    let fleet = fleet_of(devices, |config| {
        // One login at a time, three seconds each: while the blocker's login is on the
        // server, every other login waits out the queue's timeout.
        config.aaa = Some(AaaConfig {
            capacity: 1,
            delay: Duration::from_secs(3),
            timeout: QUEUE_TIMEOUT,
        });
    });
    let mut devices = devices_of(&fleet, TIMEOUT);
    let blocker = devices.pop().unwrap();
    std::thread::scope(|scope| {
        let blocking = scope.spawn(|| shared::ssh_conn(&blocker));
        wait_for_record(&fleet, |sessions| {
            sessions
                .iter()
                .any(|s| s.aaa.first().is_some_and(|visit| visit.taken.is_some()))
        });
        let tries: Vec<_> = devices
            .iter()
            .map(|device| {
                scope.spawn(move || {
                    let started = Instant::now();
                    (Connection::connect(device).map(drop), started.elapsed())
                })
            })
            .collect();
        for (device, attempt) in devices.iter().zip(tries) {
            let (result, took) = attempt.join().unwrap();
            let name = &device.name;
            let err = result.unwrap_err();
            let line = platform_of(device).aaa_timeout_line("pyclass");
            assert_eq!(
                err,
                SshError::AaaRejected {
                    device: name.clone(),
                    message: line.clone(),
                }
            );
            assert_eq!(
                err.to_string(),
                format!("{name}: login refused by the AAA server: {line}")
            );
            assert!(took >= QUEUE_TIMEOUT && took < AT_ONCE, "{name}: {took:?}");
            let sessions = sessions_of(&fleet, name);
            let [session] = &sessions[..] else {
                panic!("{name}: {sessions:#?}");
            };
            assert_eq!(session.refusal(), Some(AAA_TIMEOUT), "{session:?}");
            assert!(session.aaa[0].timed_out.is_some(), "{session:?}");
        }
        assert!(blocking.join().unwrap().is_ok());
    });
}

/// A wrong password behind an AAA server costs the server's delay, then fails as a wrong
/// password always does: `AuthFailed`, tried once even with retries.
#[test]
fn a_wrong_password_behind_the_aaa_server_is_tried_once() {
    let _turn = one_at_a_time();
    const DELAY: Duration = Duration::from_millis(300);
    let fleet = fleet_of(one_of_each("aaa-password"), |config| {
        config.aaa = Some(AaaConfig {
            capacity: 4,
            delay: DELAY,
            timeout: Duration::from_secs(5),
        });
    });
    for mut device in devices_of(&fleet, TIMEOUT) {
        device.password = "wrong".into();
        device.retries = 5;
        let started = Instant::now();
        let err = Connection::connect(&device).unwrap_err();
        let name = &device.name;
        assert_eq!(
            err.to_string(),
            format!("{name}: authentication failed for user pyclass")
        );
        assert!(
            started.elapsed() >= DELAY,
            "{name}: {:?}",
            started.elapsed()
        );
        let sessions = sessions_of(&fleet, name);
        let [session] = &sessions[..] else {
            panic!("{name}: one session, the mock saw {sessions:#?}");
        };
        assert_eq!(session.refusal(), Some("wrong password"), "{session:?}");
        let visit = &session.aaa[0];
        assert!(
            visit.done.unwrap() - visit.taken.unwrap() >= DELAY,
            "{visit:?}"
        );
    }
}

/// Plain TCP connections to `device` that never start SSH: each counts as a connection
/// accepted and not logged in (start-up throttling), with its key exchange pending (slow
/// banner), and holds one of the device's sessions.
fn hold(device: &Device, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            TcpStream::connect((device.host.as_str(), device.port)).expect("the device accepts")
        })
        .collect()
}

/// Start-up throttling drops a connection without a word: `Closed` at the banner stage.
/// With retries, the device is tried again once the connection that filled its start-up
/// slots is gone, and comes back.
#[test]
fn a_start_up_drop_is_closed_at_the_banner_and_retries_recover_it() {
    let _turn = one_at_a_time();
    let fleet = fleet_of(one_of_each("startups"), |config| {
        // One pending connection is all a device takes: the next is dropped.
        config.max_startups = Some("1".parse::<MaxStartups>().unwrap());
    });
    for mut device in devices_of(&fleet, TIMEOUT) {
        let name = device.name.clone();
        let held = hold(&device, 1);
        wait_for_sessions(&fleet, &name, 1);
        let err = Connection::connect(&device).unwrap_err();
        assert_eq!(
            err,
            SshError::Closed {
                device: name.clone(),
                stage: Stage::Banner,
                during: "before the SSH banner".into(),
            }
        );
        assert!(err.is_transient());
        assert_eq!(fleet.record().startup_drops().get(&name), Some(&1));

        // The held connection goes away 300 ms after the retries began.
        device.retries = 5;
        let connection = std::thread::scope(|scope| {
            scope.spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                drop(held);
            });
            Connection::connect(&device)
        });
        assert!(connection.is_ok(), "{name}: {:?}", connection.err());
        drop(connection);
        let retries = shared::retry::take(&name);
        let drops = fleet.record().startup_drops().get(&name).copied();
        assert!(retries >= 1, "{name}");
        assert_eq!(drops, Some(1 + retries as usize), "{name}");
        let logins = sessions_of(&fleet, &name)
            .iter()
            .filter(|s| s.auth.as_ref().is_some_and(|a| a.ok))
            .count();
        assert_eq!(logins, 1, "{name}");
    }
}

/// A device that waits 0.4 s per other pending key exchange, with three of those held,
/// sends its banner 1.2 s late: past a `banner_timeout` of 0.6 s, a `TimedOut` at the banner
/// stage. (A wide margin: on a busy machine the client may notice its deadline late, and
/// find the banner there.) Once they are gone, a retry gets the banner in time.
#[test]
fn a_slow_banner_times_out_at_the_banner_and_retries_recover_it() {
    let _turn = one_at_a_time();
    let fleet = fleet_of(one_of_each("banner"), |config| {
        config.banner_delay_per_pending = Duration::from_millis(400);
    });
    // Each device on a thread of its own: a device counts only its own pending exchanges.
    std::thread::scope(|scope| {
        for device in devices_of(&fleet, TIMEOUT) {
            let fleet = &fleet;
            scope.spawn(move || slow_banner_then_retries(fleet, device));
        }
    });
}

/// One device of the slow-banner test: a timeout without retries, a recovery with.
fn slow_banner_then_retries(fleet: &Fleet, mut device: Device) {
    const BANNER_TIMEOUT: f64 = 0.6;
    let name = device.name.clone();
    device.banner_timeout = BANNER_TIMEOUT;
    let held = hold(&device, 3);
    wait_for_sessions(fleet, &name, 3);
    let started = Instant::now();
    let err = Connection::connect(&device).expect_err("the banner comes too late");
    let took = started.elapsed();
    assert_eq!(
        err,
        SshError::TimedOut {
            device: name.clone(),
            seconds: BANNER_TIMEOUT,
            stage: Stage::Banner,
            during: "waiting for the SSH banner".into(),
        }
    );
    assert!(err.is_transient());
    assert!(
        took >= Duration::from_secs_f64(BANNER_TIMEOUT) && took < AT_ONCE,
        "{name}: {took:?}"
    );
    drop(held);
    // Until the mock has seen the held connections go, and its late banner is sent.
    std::thread::sleep(Duration::from_millis(1500));

    let held = hold(&device, 3);
    wait_for_sessions(fleet, &name, 7);
    device.retries = 5;
    let connection = std::thread::scope(|scope| {
        scope.spawn(move || {
            // Gone while the first try waits for its banner.
            std::thread::sleep(Duration::from_millis(100));
            drop(held);
        });
        Connection::connect(&device)
    });
    assert!(connection.is_ok(), "{name}: {:?}", connection.err());
    drop(connection);
    assert!(shared::retry::take(&name) >= 1, "{name}");
}

/// The waits between tries, as the mock saw them: over many devices turned away every
/// time (one session each, held by the test), the gap before retry k+1 is longer on
/// average than the gap before retry k, each lies within its step of the schedule (plus a
/// little for the try itself), and the gaps differ from device to device (jitter).
#[test]
fn the_backoff_grows_and_is_jittered_as_the_mock_sees_it() {
    let _turn = one_at_a_time();
    const DEVICES: usize = 48;
    const RETRIES: u32 = 4;
    // What one refused try may add to its wait: a TCP connect and one line, on a busy
    // machine.
    const SLACK: Duration = Duration::from_millis(300);
    let mut config = FleetConfig::generated(
        DEVICES,
        &[
            Platform::CiscoIos,
            Platform::AristaEos,
            Platform::JuniperJunos,
        ],
        Duration::ZERO,
    );
    for device in &mut config.devices {
        device.name = format!("backoff-{}", device.name);
        device.max_sessions = Some(1);
    }
    let fleet = Fleet::start(config).unwrap();
    let mut devices = devices_of(&fleet, TIMEOUT);
    let _held: Vec<Vec<TcpStream>> = devices.iter().map(|d| hold(d, 1)).collect();
    wait_for_record(&fleet, |s| s.len() == DEVICES);

    let started = Instant::now();
    std::thread::scope(|scope| {
        for device in &mut devices {
            device.retries = RETRIES;
            let device = &*device;
            scope.spawn(move || {
                let err = Connection::connect(device).unwrap_err();
                assert!(
                    matches!(&err, SshError::GaveUp { retries: RETRIES, last }
                        if matches!(**last, SshError::SessionLimit { limit: Some(1), .. })),
                    "{err:?}"
                );
            });
        }
    });
    let steps: Vec<Duration> = shared::retry::schedule(RETRIES).collect();
    let longest: Duration = steps.iter().sum::<Duration>() + SLACK * (RETRIES + 1);
    assert!(started.elapsed() < longest, "{:?}", started.elapsed());

    // The last refusals may reach the record just after the client has read them.
    let tries = DEVICES * (RETRIES as usize + 1);
    wait_for_record(&fleet, |sessions| {
        let refused = sessions
            .iter()
            .filter(|s| s.refusal() == Some(TOO_MANY_SESSIONS));
        refused.count() == tries
    });

    // Gap k: from try k to try k+1 of the same device, on the mock's clock.
    let mut gaps: BTreeMap<usize, Vec<Duration>> = BTreeMap::new();
    let record = fleet.record();
    for device in &devices {
        let tries: Vec<Duration> = record
            .sessions
            .iter()
            .filter(|s| s.device == device.name && s.refusal() == Some(TOO_MANY_SESSIONS))
            .map(|s| s.accepted)
            .collect();
        assert_eq!(tries.len(), RETRIES as usize + 1, "{}", device.name);
        for (k, pair) in tries.windows(2).enumerate() {
            gaps.entry(k).or_default().push(pair[1] - pair[0]);
        }
    }
    let mut means = Vec::new();
    for (k, gaps) in &gaps {
        let step = steps[*k];
        let mean = gaps.iter().sum::<Duration>() / gaps.len() as u32;
        let (min, max) = (gaps.iter().min().unwrap(), gaps.iter().max().unwrap());
        assert!(
            *max <= step + SLACK,
            "gap {k}: {max:?} past its step {step:?}"
        );
        // Full jitter spreads them over the whole step: uniform draws of 48 span most of it.
        assert!(
            *max - *min > step / 2,
            "gap {k}: all within {min:?}..{max:?}"
        );
        // ... and the mean sits near half the step (plus what a try costs).
        assert!(
            mean > step.mul_f64(0.3) && mean < step.mul_f64(0.7) + SLACK,
            "gap {k}: mean {mean:?} for a step of {step:?}"
        );
        means.push(mean);
    }
    assert!(means.windows(2).all(|w| w[0] < w[1]), "{means:?}");
}

/// Every device of `lab` through `ssh_conn` in a pool of [`CrowdedLab::WORKERS`] threads,
/// with the lab's time limits and `retries`: each device's result, in inventory order.
fn crowded_run(lab: &CrowdedLab, retries: u32) -> Vec<(Device, Result<String, SshError>)> {
    let mut devices = shared::load_inventory(lab.inventory()).expect("the inventory reads");
    for device in &mut devices {
        device.set_timeouts(CrowdedLab::TIMEOUT);
        device.banner_timeout = CrowdedLab::BANNER_TIMEOUT;
        device.retries = retries;
    }
    let pool = shared::thread_pool(CrowdedLab::WORKERS);
    // One device per job, as a lesson's `submit` does: a worker that comes free takes the
    // next device.
    let results: Vec<Result<String, SshError>> = pool.install(|| {
        devices
            .par_iter()
            .with_max_len(1)
            .map(shared::ssh_conn)
            .collect()
    });
    devices.into_iter().zip(results).collect()
}

/// The scale run, in this process: a thousand devices behind an AAA server of
/// capacity 20, a pool of 100. Without retries many logins fail for want of an AAA answer;
/// with five, every healthy device comes back (some after retries) and only the truly
/// faulty ones fail, each as it should: the refusing one and the one that rejects logins
/// at once, the hanging one after its retries.
#[test]
fn a_thousand_devices_behind_a_busy_aaa_server_all_come_back_with_retries() {
    let _turn = one_at_a_time();
    let started = Instant::now();
    let lab = CrowdedLab::start();
    let refused_by_aaa = crowded_run(&lab, 0)
        .iter()
        .filter(|(_, result)| matches!(result, Err(SshError::AaaRejected { .. })))
        .count();
    let without_retries = started.elapsed();
    assert!(
        refused_by_aaa >= CrowdedLab::DEVICES / 20,
        "only {refused_by_aaa} AAA failures without retries"
    );
    assert_eq!(
        refused_by_aaa,
        CrowdedLab::aaa_timeouts(&lab.fleet().record())
    );

    let lab = CrowdedLab::start();
    let results = crowded_run(&lab, CrowdedLab::RETRIES);
    let failed: BTreeSet<String> = results
        .iter()
        .filter(|(_, result)| result.is_err())
        .map(|(device, _)| device.name.clone())
        .collect();
    let unexpected: Vec<String> = results
        .iter()
        .filter_map(|(device, result)| result.as_ref().err().map(|e| (device, e)))
        .filter(|(device, _)| !lab.faulty().iter().any(|(name, _)| *name == device.name))
        .map(|(_, err)| err.to_string())
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    lab.check_run_with_retries(&failed);
    for (device, result) in &results {
        let Err(err) = result else { continue };
        let trouble = lab
            .faulty()
            .iter()
            .find(|(name, _)| *name == device.name)
            .map(|(_, trouble)| *trouble);
        match trouble {
            Some(Trouble::Refuse) => assert!(matches!(err, SshError::Refused { .. }), "{err}"),
            Some(Trouble::AuthFail) => assert!(matches!(err, SshError::AuthFailed { .. }), "{err}"),
            _ => assert!(
                matches!(err, SshError::GaveUp { retries: CrowdedLab::RETRIES, last }
                    if matches!(**last, SshError::TimedOut { stage: Stage::Banner, .. })),
                "{err}"
            ),
        }
    }
    let after_retries = results
        .iter()
        .filter(|(device, result)| result.is_ok() && shared::retry::take(&device.name) > 0)
        .count();
    assert!(after_retries > 0);
    println!(
        "{refused_by_aaa} AAA failures without retries ({without_retries:?}); with retries \
         {} ok ({after_retries} after retries), {} failed; {:?} in all",
        results.len() - failed.len(),
        failed.len(),
        started.elapsed()
    );
}
