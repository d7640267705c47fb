//! What the parent gets back from a child, the same in every part.

use shared::{Report, SshError};

/// What a `join()` gave, as one `Result`: the job's own error names its device; a child that
/// died on its own (killed, crashed) is that device's failure too.
pub fn joined<T>(
    device: &str,
    joined: Result<Result<T, SshError>, procspawn::SpawnError>,
) -> Result<T, SshError> {
    joined.unwrap_or_else(|e| {
        Err(SshError::CommandFailed {
            device: device.to_string(),
            command: "show version".to_string(),
            message: format!("its process failed: {e}"),
        })
    })
}

/// Counts a child's result; a failure gets its `Error:` line (the child printed nothing).
pub fn joined_and_counted(
    report: &Report,
    name: &str,
    result: Result<Result<(), SshError>, procspawn::SpawnError>,
) {
    if let Err(e) = report.count(name, &joined(name, result)) {
        report.println(format_args!("Error: {e}"));
    }
}
