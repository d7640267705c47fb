//! The job the parts submit or map: the course's `ssh_conn`, as a process pool needs it.

use shared::{Device, SshError};

/// The course's `ssh_conn(device)`: connect, return the prompt. A worker process shares no
/// memory with us, so the job captures nothing (a `fn`, not a closure) and the `Device`
/// arrives by value: serialized here, rebuilt in the worker.
pub fn ssh_conn(device: Device) -> Result<String, SshError> {
    shared::ssh_conn(&device)
}
