//! What a run prints per device, and how it ends.
//!
//! Nine devices: every line a lesson prints goes to stdout, as in the course. A thousand
//! devices: a thousand `show version` outputs would bury everything, so past
//! [`QUIET_ABOVE`] devices (unless `--verbose`) the lesson's per-device lines are held back,
//! a progress bar runs on stderr (when it is a terminal), failures are still printed (once per
//! device), and the run ends with a summary such as `950 ok, 50 failed`.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::process::ExitCode;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::lab::Lab;
use crate::ssh::SshError;

/// Above this many devices a run prints a progress bar and a summary instead of every line.
pub const QUIET_ABOVE: usize = 100;

/// Counts each device's result, decides what gets printed, and gives the exit code.
///
/// It takes `&self` everywhere, so worker threads can share one report.
#[derive(Debug)]
pub struct Report {
    devices: usize,
    quiet: bool,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    failed: BTreeSet<String>,
    /// The bar of the pass over the devices under way, if any.
    progress: Option<ProgressBar>,
}

impl Report {
    /// A report over the lab's devices.
    pub fn new(lab: &Lab) -> Report {
        Report::for_devices(lab.devices.len(), lab.verbose())
    }

    fn for_devices(devices: usize, verbose: bool) -> Report {
        Report {
            devices,
            quiet: devices > QUIET_ABOVE && !verbose,
            counts: Mutex::new(Counts::default()),
        }
    }

    /// A bar for one pass over the devices. indicatif draws it only when stderr is a
    /// terminal.
    fn new_bar(&self) -> ProgressBar {
        let bar = ProgressBar::new(self.devices as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} {msg}")
        {
            bar.set_style(style);
        }
        bar
    }

    /// Whether per-device lines are being held back (many devices, no `--verbose`).
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Prints one line of the lesson's output on stdout, unless the run is quiet.
    pub fn println(&self, line: impl Display) {
        if !self.quiet {
            println!("{line}");
        }
    }

    /// Counts one device's result and hands it back. In a quiet run it also moves the
    /// progress bar and prints a failure (once per device) so none goes unnoticed.
    pub fn count<'a, T>(&self, result: &'a Result<T, SshError>) -> &'a Result<T, SshError> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let first_failure = match result {
            Err(error) => counts.failed.insert(error.device().to_string()),
            Ok(_) => false,
        };
        if !self.quiet {
            return result;
        }
        let failed = counts.failed.len();
        let bar = counts.progress.get_or_insert_with(|| self.new_bar());
        if let (true, Err(error)) = (first_failure, result) {
            bar.suspend(|| println!("Error: {error}"));
        }
        bar.inc(1);
        bar.set_message(format!("{failed} failed"));
        // A pass over every device is done: clear the bar, so that what the lesson prints
        // next (an elapsed time, the next part's title) starts on a clean line. A lesson
        // with several parts gets a new bar for each.
        if bar.position() >= self.devices as u64 {
            bar.finish_and_clear();
            counts.progress = None;
        }
        result
    }

    /// Success when every device answered. When any failed, or the run was quiet, it prints
    /// `950 ok, 50 failed` on stderr (a device counts as failed if any of its results did);
    /// a failure gives a failing exit code, so scripts and CI notice.
    pub fn exit_code(&self) -> ExitCode {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = counts.progress.take() {
            bar.finish_and_clear();
        }
        let failed = counts.failed.len();
        if failed > 0 || self.quiet {
            eprintln!(
                "{} ok, {} failed",
                self.devices.saturating_sub(failed),
                failed
            );
        }
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(device: &str) -> Result<(), SshError> {
        Err(SshError::Closed {
            device: device.into(),
            during: "during a test".into(),
        })
    }

    #[test]
    fn a_device_that_fails_twice_counts_once() {
        let report = Report::for_devices(9, false);
        assert!(!report.is_quiet());
        report.count(&Ok::<(), SshError>(()));
        assert_eq!(report.exit_code(), ExitCode::SUCCESS);
        report.count(&failure("srx2"));
        report.count(&failure("srx2"));
        assert_eq!(report.counts.lock().unwrap().failed.len(), 1);
        assert_eq!(report.exit_code(), ExitCode::FAILURE);
    }

    #[test]
    fn many_devices_make_a_quiet_run_unless_verbose() {
        assert!(Report::for_devices(QUIET_ABOVE + 1, false).is_quiet());
        assert!(!Report::for_devices(QUIET_ABOVE + 1, true).is_quiet());
        assert!(!Report::for_devices(QUIET_ABOVE, false).is_quiet());
        let report = Report::for_devices(1000, false);
        for _ in 0..2500 {
            report.count(&Ok::<(), SshError>(()));
        }
        assert_eq!(report.exit_code(), ExitCode::SUCCESS);
    }
}
