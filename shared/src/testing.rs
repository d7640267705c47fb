//! Helpers for the lessons' integration tests (cargo feature `testing`).
//!
//! A test starts a [`TestLab`] (the course lab, faster, served from the test process),
//! runs a lesson binary with `--inventory` pointing at it, and snapshots the output with
//! [`settings`] in scope so timings, ports and pids do not make the snapshot change.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use mock_device::{Fault, Fleet, FleetConfig};

/// How much faster than the student's default the test lab runs. The course lab's
/// completion gaps (>= 0.2 s in a pool of four) stay >= 0.1 s, wide enough to keep the
/// completion order fixed on a busy two-core machine.
pub const TEST_SPEED_UP: f64 = 2.0;

/// A running mock fleet plus the inventory file that points a lesson at it.
#[derive(Debug)]
pub struct TestLab {
    fleet: Fleet,
    inventory: tempfile::NamedTempFile,
}

impl TestLab {
    /// The course's nine devices, [`TEST_SPEED_UP`] times faster.
    pub fn course() -> TestLab {
        TestLab::start(FleetConfig::course_lab().scale_latency(1.0 / TEST_SPEED_UP))
    }

    /// The fast course lab with one device misbehaving.
    pub fn course_with_fault(device: &str, fault: Fault) -> TestLab {
        let config = FleetConfig::course_lab()
            .scale_latency(1.0 / TEST_SPEED_UP)
            .with_fault(device, fault)
            .expect("the course lab has this device");
        TestLab::start(config)
    }

    /// Any fleet.
    pub fn start(config: FleetConfig) -> TestLab {
        let fleet = Fleet::start(config).expect("the mock fleet starts");
        let mut inventory = tempfile::Builder::new()
            .prefix("inventory-")
            .suffix(".yaml")
            .tempfile()
            .expect("a temporary inventory file");
        inventory
            .write_all(fleet.inventory_yaml().as_bytes())
            .expect("the inventory is written");
        TestLab { fleet, inventory }
    }

    /// The inventory file to pass as `--inventory`.
    pub fn inventory(&self) -> &Path {
        self.inventory.path()
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// What connecting to every device one after the other costs in login delays alone:
    /// the serial baseline that timing ratios are measured against.
    pub fn serial_login_time(config: &FleetConfig) -> Duration {
        config.devices.iter().map(|d| d.login_delay).sum()
    }
}

/// insta settings that blank out what changes from run to run: elapsed times, seconds
/// figures, ports and pids. Use as `let _guard = settings().bind_to_scope();`.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b\d+:\d{2}:\d{2}(\.\d{6})?\b", "[ELAPSED]");
    settings.add_filter(r"\b\d+\.\d+ ?(s|seconds|ms)\b", "[SECONDS] $1");
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    settings.add_filter(r"\bpid \d+", "pid [PID]");
    settings
}
