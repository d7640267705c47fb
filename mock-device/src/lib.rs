//! `mock-device`: an SSH fleet that stands in for the course's lab of network devices.
//!
//! One process and one tokio runtime serve a whole fleet: each device listens on its own
//! port, speaks real SSH (russh), shows its platform's prompt and output (Cisco IOS, Arista
//! EOS, Juniper Junos, Cisco NX-OS), and can be slowed down or made to fail on purpose.
//!
//! ```no_run
//! use mock_device::{Fleet, FleetConfig};
//!
//! let fleet = Fleet::start(FleetConfig::course_lab().scale_latency(0.25))?;
//! for d in fleet.devices() {
//!     println!("{} {} {}", d.name, d.addr, d.fingerprint);
//! }
//! fleet.shutdown();
//! # Ok::<(), std::io::Error>(())
//! ```

mod config;
mod device_cli;
pub mod file_error;
pub mod follow;
pub mod judge;
mod outputs;
pub mod record;
pub mod runs;
mod server;
pub mod timeline;
pub mod walls;

pub use config::{
    AaaConfig, COURSE_USERNAME, ConfigError, DEFAULT_AAA_TIMEOUT, DeviceConfig, Fault, FleetConfig,
    LAB_ENABLE_SECRET, LAB_HOST_KEY_SEED, LAB_PASSWORD, MaxStartups, Platform, parse_duration,
};
pub use server::{DeviceInfo, Fleet};
