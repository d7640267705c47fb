//! `ex14_max_threads`, solved: as many threads as the AAA server takes logins at once.

use shared::Device;

/// The narrowest shared resource sets the pool: 8 keeps the AAA server busy. A few more
/// would only wait in its queue (harmless up to its timeout); far more fail there.
pub fn max_threads() -> usize {
    8
}

pub fn run(devices: &[Device]) {
    crate::ex14_max_threads::show_version_on_a_pool(devices, max_threads());
}
