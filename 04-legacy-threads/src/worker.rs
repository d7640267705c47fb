//! How a worker thread that never ran, or died, fails its device, in both parts.

use shared::{Device, SshError};

/// A thread the system would not start (e.g. a limit on their number): this device fails,
/// the others go on.
pub fn no_thread(device: &Device, e: std::io::Error) -> SshError {
    SshError::CommandFailed {
        device: device.name.clone(),
        command: "show version".to_string(),
        message: format!("no thread for it: {e}"),
    }
}

/// A worker thread that panicked (a bug of ours, not a device problem) fails its device.
pub fn panicked(device: &str) -> SshError {
    SshError::CommandFailed {
        device: device.to_string(),
        command: "show version".to_string(),
        message: "its worker thread panicked".to_string(),
    }
}
