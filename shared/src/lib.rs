//! What every lesson needs and none of them is about: the device inventory, an SSH helper
//! with Netmiko's vocabulary, the lab of devices, the course's two worker functions, and
//! the way the course prints elapsed time.

pub mod async_ssh;
pub mod capture;
pub mod client_log;
pub mod cpu;
pub mod inventory;
pub mod lab;
pub mod parts;
pub mod python;
pub mod report;
pub mod results;
pub mod retry;
pub mod run;
pub mod ssh;
pub mod start_gate;
#[cfg(feature = "testing")]
pub mod testing;
pub mod waiting;

use std::time::{Duration, Instant};

pub use inventory::{Device, DeviceType, load_inventory};
pub use lab::{Lab, LabArgs, LabError};
pub use parts::PartArgs;
pub use report::Report;
pub use ssh::{Connection, SshError, Stage, exec};

/// The lecture examples' pool size: `max_threads = 4` (and `max_procs = 4`).
pub const MAX_THREADS: usize = 4;
/// The exercises' pool size: their `max_threads` is 5.
pub const EXERCISE_MAX_THREADS: usize = 5;
/// `ssh_procs_map2` runs a pool of 12 processes.
pub const MAP2_MAX_PROCS: usize = 12;

/// The line of 80 dashes the course prints around each device's output.
pub const DASHES: &str =
    "--------------------------------------------------------------------------------";
/// The exercises' shorter line of 40 dashes.
pub const SHORT_DASHES: &str = "----------------------------------------";
/// The line of 80 hashes the legacy scripts print around each device's output.
pub const HASHES: &str =
    "################################################################################";

/// The pool size of the lessons that have one. Flattened into their flags.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerArgs {
    /// How many workers the pool runs at once (default: the course's value for this lesson)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub workers: Option<u32>,
}

impl WorkerArgs {
    /// The number of workers asked for, or `default` (the course's number).
    pub fn or(&self, default: usize) -> usize {
        self.workers.map_or(default, |n| n as usize)
    }
}

/// A part's title, `== pool.map(ssh_conn, device_list) ==`: printed in quiet runs too.
pub fn print_header(title: &str) {
    println!("== {title} ==");
}

/// The course's last line: `Elapsed time: 0:00:02.012345` since `start_time`.
pub fn print_elapsed(start_time: Instant) {
    println!("Elapsed time: {}", timedelta(start_time.elapsed()));
}

/// `ThreadPoolExecutor(max_threads)`: a rayon pool of `max_threads` threads, started now.
/// A system that cannot start them ends the run with a one-line error (status 2).
pub fn thread_pool(max_threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(max_threads)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start a pool of {max_threads} threads: {e}");
            std::process::exit(2)
        })
}

/// Waits for a scoped thread and hands back its result; a panic in the thread goes on here,
/// as an exception raised in a Python thread would end up in the one that joins it.
pub fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The course's `ssh_conn(device)`: connect, and return the prompt the device shows.
pub fn ssh_conn(device: &Device) -> Result<String, SshError> {
    let mut connection = Connection::connect(device)?;
    let prompt = connection.find_prompt()?;
    connection.disconnect();
    Ok(prompt)
}

/// The course's `show_version(device)`: connect, and return the output of `show version`.
pub fn show_version(device: &Device) -> Result<String, SshError> {
    send_command(device, "show version")
}

/// Connect, run one command, return its output: the course's exercise job.
pub fn send_command(device: &Device, command: &str) -> Result<String, SshError> {
    let mut connection = Connection::connect(device)?;
    let output = connection.send_command(command)?;
    connection.disconnect();
    Ok(output)
}

/// The command that shows a device's ARP table: Junos says `show arp`, the others
/// `show ip arp` (the course's exercise 6 picks the same way).
pub fn arp_command(device_type: DeviceType) -> &'static str {
    match device_type {
        DeviceType::JuniperJunos => "show arp",
        DeviceType::CiscoIos | DeviceType::AristaEos | DeviceType::CiscoNxos => "show ip arp",
    }
}

/// Formats a duration the way Python prints a `timedelta`: `0:00:02.012345`.
pub fn timedelta(elapsed: Duration) -> String {
    let delta = chrono::TimeDelta::from_std(elapsed).unwrap_or(chrono::TimeDelta::MAX);
    let seconds = delta.num_seconds();
    let micros = delta.subsec_nanos() / 1_000;
    let clock = format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    if micros == 0 {
        clock
    } else {
        format!("{clock}.{micros:06}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timedelta_prints_like_python() {
        assert_eq!(
            timedelta(Duration::from_micros(2_012_345)),
            "0:00:02.012345"
        );
        assert_eq!(timedelta(Duration::from_secs(3723)), "1:02:03");
        assert_eq!(
            timedelta(Duration::from_micros(65_000_001)),
            "0:01:05.000001"
        );
        assert_eq!(timedelta(Duration::from_nanos(999)), "0:00:00");
    }
}
