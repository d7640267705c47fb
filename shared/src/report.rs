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
    progress: ProgressBar,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    results: usize,
    failed: BTreeSet<String>,
}

impl Report {
    /// A report over the lab's devices.
    pub fn new(lab: &Lab) -> Report {
        Report::for_devices(lab.devices.len(), lab.verbose())
    }

    fn for_devices(devices: usize, verbose: bool) -> Report {
        let quiet = devices > QUIET_ABOVE && !verbose;
        // Hidden unless quiet; indicatif draws nothing when stderr is not a terminal.
        let progress = if quiet {
            ProgressBar::new(devices as u64)
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} {msg}")
        {
            progress.set_style(style);
        }
        Report {
            devices,
            quiet,
            progress,
            counts: Mutex::new(Counts::default()),
        }
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
        counts.results += 1;
        if let Err(error) = result {
            let first_failure = counts.failed.insert(error.device().to_string());
            if self.quiet && first_failure {
                self.progress.suspend(|| println!("Error: {error}"));
            }
        }
        if self.quiet {
            // A lesson with several parts goes over the devices more than once: the bar
            // fills once per pass.
            if self.progress.position() >= self.devices as u64 {
                self.progress.set_position(0);
            }
            self.progress.inc(1);
            self.progress
                .set_message(format!("{} failed", counts.failed.len()));
        }
        result
    }

    /// How many devices have failed so far.
    pub fn failed(&self) -> usize {
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .failed
            .len()
    }

    /// Success when every device answered. When any failed, or the run was quiet, it prints
    /// `950 ok, 50 failed` on stderr (a device counts as failed if any of its results did);
    /// a failure gives a failing exit code, so scripts and CI notice.
    pub fn exit_code(&self) -> ExitCode {
        self.progress.finish_and_clear();
        let failed = self.failed();
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
        assert_eq!(report.failed(), 1);
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
