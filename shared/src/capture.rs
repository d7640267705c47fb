//! Capturing real devices' outputs into a fleet file the mock lab serves (the `capture`
//! program; the idea of scrapli_replay's collector).
//!
//! An instructor teaching on their own devices logs in to each of them once with the async
//! SSH helper (password or `key_file`, host keys checked as the lessons check them), runs the
//! commands asked for, and writes a fleet file in which each device has its platform, its
//! hostname (from its prompt) and what it answered. `mock-device --fleet FILE` then serves
//! those outputs, with abbreviations and `| include` working on them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::async_ssh::AsyncConnection;
use crate::inventory::{Device, DeviceType};
use crate::ssh::SshError;

/// What one device answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    pub name: String,
    pub platform: DeviceType,
    /// The name in its prompt (`cisco3` from `cisco3#`, `srx2` from `pyclass@srx2>`).
    pub hostname: String,
    /// Each command that answered, and what the device printed before its next prompt
    /// (the helper's output and the line end before the prompt): served back as is, a
    /// trailing blank line included.
    pub outputs: BTreeMap<String, String>,
    /// The commands the device refused (`% Invalid input`, `syntax error`), with its words.
    pub refused: Vec<SshError>,
}

/// Logs in to `device`, reads its prompt, and runs each of `commands`. A command the device
/// does not know is noted in [`Captured::refused`]; any other failure ends the device's
/// capture with that error.
pub async fn capture_device(device: &Device, commands: &[String]) -> Result<Captured, SshError> {
    let mut connection = AsyncConnection::connect(device).await?;
    let prompt = connection.find_prompt().await?;
    let base = prompt.trim_end_matches(['#', '>']);
    // Junos shows `user@host>`: the host is after the `@`.
    let hostname = base.rsplit('@').next().unwrap_or(base).to_string();
    let mut captured = Captured {
        name: device.name.clone(),
        platform: device.device_type,
        hostname,
        outputs: BTreeMap::new(),
        refused: Vec::new(),
    };
    for command in commands {
        match connection.send_command(command).await {
            Ok(output) => {
                captured
                    .outputs
                    .insert(command.clone(), format!("{output}\n"));
            }
            Err(refused @ SshError::CommandFailed { .. }) => captured.refused.push(refused),
            Err(error) => return Err(error),
        }
    }
    connection.disconnect().await;
    Ok(captured)
}

/// Captures every device, `at_once` of them at a time, and hands back each one's result as
/// it completes (`done` sees them in that order) and all of them in inventory order.
pub fn capture_all(
    devices: &[Device],
    commands: &[String],
    at_once: usize,
    mut done: impl FnMut(&Device, &Result<Captured, SshError>),
) -> std::io::Result<Vec<Result<Captured, SshError>>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let commands: Arc<[String]> = commands.into();
    let results = runtime.block_on(async {
        let slots = Arc::new(tokio::sync::Semaphore::new(at_once.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, device) in devices.iter().cloned().enumerate() {
            let (slots, commands) = (Arc::clone(&slots), Arc::clone(&commands));
            tasks.spawn(async move {
                // The semaphore is never closed, so a permit always comes.
                let _permit = slots.acquire_owned().await;
                (index, capture_device(&device, &commands).await)
            });
        }
        let mut results: Vec<Option<Result<Captured, SshError>>> = vec![None; devices.len()];
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, result)) => {
                    done(&devices[index], &result);
                    results[index] = Some(result);
                }
                // A task that panicked: its device has no result, and the panic goes on.
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            }
        }
        results
    });
    Ok(results.into_iter().flatten().collect())
}

/// The fleet file that serves `captured`: each device with its platform, hostname and
/// outputs, with a header saying where it came from.
pub fn fleet_yaml(captured: &[Captured], source: &str) -> Result<String, serde_yaml::Error> {
    #[derive(Serialize)]
    struct FleetFile<'a> {
        devices: Vec<DeviceEntry<'a>>,
    }
    #[derive(Serialize)]
    struct DeviceEntry<'a> {
        name: &'a str,
        platform: DeviceType,
        hostname: &'a str,
        outputs: &'a BTreeMap<String, String>,
    }
    let file = FleetFile {
        devices: captured
            .iter()
            .map(|c| DeviceEntry {
                name: &c.name,
                platform: c.platform,
                hostname: &c.hostname,
                outputs: &c.outputs,
            })
            .collect(),
    };
    let body = serde_yaml::to_string(&file)?;
    Ok(format!(
        "# Outputs captured from the devices of {source}; serve them with\n\
         #   cargo run -p mock-device -- --fleet THIS_FILE --inventory-out lab.yaml\n\
         # (the mock lab's own credentials and host keys, not the real devices').\n{body}"
    ))
}
