//! Integration tests against the real server: ssh2 (libssh2), the OpenSSH client, Netmiko
//! and the binary. Every blocking step has a timeout, so no test can hang.

// clippy.toml allows unwrap in #[test] functions; the helpers of this test crate panic on
// failure just the same.
#![allow(clippy::unwrap_used)]

mod binary;
mod common;
mod faults;
mod follow;
mod inventory;
mod latency;
mod netmiko;
mod openssh;
mod outputs;
mod pushback;
mod record;
mod runs;
mod sessions;
