//! Login and command delays, within generous bounds; delays never block other work.

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use mock_device::{DeviceConfig, Fleet, FleetConfig, Platform};

use crate::common::{Shell, device, exec, fleet_of, login};

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

#[test]
fn login_delay_is_spent_once_per_login() {
    let mut dev = DeviceConfig::new("slow", Platform::CiscoIos);
    dev.login_delay = Duration::from_millis(300);
    let fleet = Fleet::start(fleet_of(vec![dev])).unwrap();
    let (session, took) = timed(|| login(device(&fleet, "slow")).unwrap());
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // Commands on a device without command delay are quick.
    let (_, took) = timed(|| exec(&session, "show version").unwrap());
    assert!(took < Duration::from_millis(250), "{took:?}");
}

#[test]
fn command_delay_applies_to_show_commands_only() {
    let mut dev = DeviceConfig::new("r1", Platform::JuniperJunos);
    dev.command_delay = Duration::from_millis(300);
    let fleet = Fleet::start(fleet_of(vec![dev])).unwrap();
    let session = login(device(&fleet, "r1")).unwrap();
    let (out, took) = timed(|| exec(&session, "show arp").unwrap());
    assert!(out.0.contains("Total entries"));
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    let mut shell = Shell::open(&session).unwrap();
    shell.read_until("pyclass@r1> ").unwrap();
    let (_, took) = timed(|| {
        shell
            .command("set cli screen-length 0", "pyclass@r1> ")
            .unwrap()
    });
    assert!(
        took < Duration::from_millis(250),
        "paging command waited {took:?}"
    );
    let (_, took) = timed(|| shell.command("show version", "pyclass@r1> ").unwrap());
    assert!(took >= Duration::from_millis(300), "{took:?}");
}

#[test]
fn a_slow_device_never_blocks_another_or_itself() {
    let mut slow = DeviceConfig::new("slow", Platform::CiscoNxos);
    slow.login_delay = Duration::from_millis(1500);
    let fast = DeviceConfig::new("fast", Platform::AristaEos);
    let fleet = Arc::new(Fleet::start(fleet_of(vec![slow, fast])).unwrap());
    let started = Instant::now();
    let waiting: Vec<_> = (0..2)
        .map(|_| {
            let fleet = fleet.clone();
            thread::spawn(move || login(device(&fleet, "slow")).map(|_| ()))
        })
        .collect();
    thread::sleep(Duration::from_millis(100));
    for _ in 0..5 {
        let (_, took) = timed(|| exec(&login(device(&fleet, "fast")).unwrap(), "show version"));
        assert!(took < Duration::from_millis(500), "{took:?}");
    }
    for t in waiting {
        t.join().unwrap().unwrap();
    }
    // Two logins to the slow device ran side by side: about one delay, not two.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    assert!(took < Duration::from_millis(2900), "{took:?}");
}

#[test]
fn a_hundred_and_twenty_devices_at_once() {
    let latency = Duration::from_millis(300);
    let fleet = Arc::new(Fleet::start(FleetConfig::generated(120, &[], latency)).unwrap());
    let started = Instant::now();
    let workers: Vec<_> = (0..fleet.devices().len())
        .map(|i| {
            let fleet = fleet.clone();
            thread::spawn(move || {
                let dev = &fleet.devices()[i];
                let session = login(dev).unwrap();
                let (out, status) = exec(&session, "show version").unwrap();
                assert_eq!(status, 0);
                assert!(out.contains(&dev.name));
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // Serially this is 120 x 0.6 s = 72 s; concurrently about one login + one command.
    let took = started.elapsed();
    assert!(took >= 2 * latency, "{took:?}");
    assert!(took < Duration::from_secs(8), "{took:?}");
}

#[test]
fn course_lab_pool_of_four_finishes_in_a_fixed_order() {
    let fleet = Arc::new(Fleet::start(FleetConfig::course_lab().scale_latency(0.5)).unwrap());
    let queue = Arc::new(Mutex::new((0..fleet.devices().len()).collect::<Vec<_>>()));
    queue.lock().unwrap().reverse();
    let done = Arc::new(Mutex::new(Vec::new()));
    // Four workers take devices in course order, like ThreadPoolExecutor(max_workers=4):
    // connect, log in, read the prompt.
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (fleet, queue, done) = (fleet.clone(), queue.clone(), done.clone());
            thread::spawn(move || {
                loop {
                    let Some(i) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let dev = &fleet.devices()[i];
                    let session = login(dev).unwrap();
                    let mut shell = Shell::open(&session).unwrap();
                    shell.read_until(&dev.name).unwrap();
                    done.lock().unwrap().push(dev.name.clone());
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let order = done.lock().unwrap().clone();
    // The order FleetConfig::course_lab documents (completions at least 0.15 s apart
    // unscaled, 75 ms here).
    assert_eq!(
        order,
        [
            "cisco4", "cisco3", "arista1", "arista2", "nxos1", "arista4", "arista3", "srx2",
            "nxos2"
        ]
    );
}

#[test]
fn jitter_changes_delays_within_its_bounds() {
    let mut config = fleet_of(
        (0..6)
            .map(|i| {
                let mut d = DeviceConfig::new(format!("j{i}"), Platform::CiscoIos);
                d.login_delay = Duration::from_millis(300);
                d
            })
            .collect(),
    );
    config.jitter = Duration::from_millis(200);
    config.jitter_seed = 42;
    let fleet = Fleet::start(config).unwrap();
    let times: Vec<Duration> = fleet
        .devices()
        .iter()
        .map(|d| timed(|| login(d).unwrap()).1)
        .collect();
    for t in &times {
        assert!(*t >= Duration::from_millis(100), "{times:?}");
        assert!(*t < Duration::from_millis(1500), "{times:?}");
    }
    let spread = times
        .iter()
        .max()
        .unwrap()
        .saturating_sub(*times.iter().min().unwrap());
    assert!(spread > Duration::from_millis(20), "no jitter: {times:?}");
}
