//! What a run prints per device, and how it ends.
//!
//! Nine devices: every line a lesson prints goes to stdout, as in the course. A thousand
//! devices: a thousand `show version` outputs would bury everything, so past
//! [`QUIET_ABOVE`] devices (unless `--verbose`) the lesson's per-device lines are held back,
//! a progress bar runs on stderr (without a terminal there, a progress line every few
//! seconds), failures are still printed (once per device), and the run ends with a summary
//! such as `950 ok, 50 failed` on stderr.
//!
//! The rule for where a line goes: what the course's scripts print (a device's result, its
//! `Error:` line, times) on stdout, through [`Report::println`] and [`Report::count`]; what is
//! about the run (the progress, the summary) on stderr.
//!
//! With `--retries`, a device that came back after retries gets a line of its own,
//! `cisco3: ok after 2 retries` (printed in a quiet run too, like a failure), and the
//! summary counts them: `950 ok (23 after retries), 50 failed`.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::io::{self, IsTerminal as _};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

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
    /// Whether the run may retry (`--retries`): the summary then counts the devices that
    /// needed retries.
    retries_asked: bool,
    counts: Arc<Mutex<Counts>>,
}

#[derive(Debug, Default)]
struct Counts {
    /// Devices with at least one result that came back ok.
    ok: BTreeSet<String>,
    /// Devices with at least one result that came back an error.
    failed: BTreeSet<String>,
    /// Devices with a result that came back ok after retries.
    after_retries: BTreeSet<String>,
    /// The bar of the pass over the devices under way, if any.
    progress: Option<ProgressBar>,
}

impl Report {
    /// A report over the lab's devices.
    pub fn new(lab: &Lab) -> Report {
        let mut report = Report::for_devices(lab.devices.len(), lab.verbose());
        report.retries_asked = lab.devices.iter().any(|device| device.retries > 0);
        report
    }

    fn for_devices(devices: usize, verbose: bool) -> Report {
        let quiet = devices > QUIET_ABOVE && !verbose;
        let counts = Arc::new(Mutex::new(Counts::default()));
        if quiet {
            redraw_every_second(Arc::downgrade(&counts));
        }
        Report {
            devices,
            quiet,
            retries_asked: false,
            counts,
        }
    }

    /// A bar for one pass over the devices, on stderr. Without a terminal there (a CI log,
    /// `2> file`) indicatif would draw nothing: the bar then becomes a plain line at most
    /// every [`PROGRESS_EVERY`], so that a long run still shows it is alive.
    fn new_bar(&self) -> ProgressBar {
        let bar = ProgressBar::new(self.devices as u64);
        let terminal = std::io::stderr().is_terminal();
        let template = if terminal {
            "{elapsed_precise} [{wide_bar}] {pos}/{len} {msg}"
        } else {
            "progress: {pos} of {len} devices done, {msg} ({elapsed_precise})"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        if !terminal {
            bar.set_draw_target(ProgressDrawTarget::term_like(Box::new(
                ProgressLines::default(),
            )));
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

    /// Prints a line about the run, not about one device (`deadlock: …`), on stdout in a
    /// quiet run too: on its own line, above the progress bar when there is one.
    pub fn note(&self, line: impl Display) {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        match &counts.progress {
            Some(bar) => bar.suspend(|| println!("{line}")),
            None => println!("{line}"),
        }
    }

    /// Counts one result of `device` and hands it back. A result that came back ok after
    /// retries prints `cisco3: ok after 2 retries`. In a quiet run it also moves the progress
    /// bar and prints a failure (once per device) so none goes unnoticed.
    pub fn count<'a, T>(
        &self,
        device: &str,
        result: &'a Result<T, SshError>,
    ) -> &'a Result<T, SshError> {
        // Taken for every result, so that retries are told with the result they led to.
        let retries = crate::retry::take(device);
        crate::results::note(device, result, retries);
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let first_failure = match result {
            Err(_) => counts.failed.insert(device.to_string()),
            Ok(_) => {
                if !counts.ok.contains(device) {
                    counts.ok.insert(device.to_string());
                }
                false
            }
        };
        let came_back = (result.is_ok() && retries > 0).then(|| {
            counts.after_retries.insert(device.to_string());
            format!("{device}: ok after {}", crate::ssh::retries_text(retries))
        });
        if !self.quiet {
            if let Some(line) = came_back {
                println!("{line}");
            }
            return result;
        }
        let failed = counts.failed.len();
        let bar = counts.progress.get_or_insert_with(|| self.new_bar());
        if let (true, Err(error)) = (first_failure, result) {
            bar.suspend(|| println!("Error: {error}"));
        }
        if let Some(line) = came_back {
            bar.suspend(|| println!("{line}"));
        }
        bar.set_message(format!("{failed} failed"));
        bar.inc(1);
        // A pass over every device is done: clear the bar, so that what the lesson prints
        // next (an elapsed time, the next part's title) starts on a clean line. A lesson
        // with several parts gets a new bar for each.
        if bar.position() >= self.devices as u64 {
            bar.finish_and_clear();
            counts.progress = None;
        }
        result
    }

    /// The course's result line: counts the result, then prints `Result: cisco3#` or
    /// `Error: srx2: authentication failed ...` (a per-device line: held back in a quiet run,
    /// where [`Report::count`] prints the failure instead).
    pub fn print_result<T: Display>(&self, device: &str, result: &Result<T, SshError>) {
        match self.count(device, result) {
            Ok(value) => self.println(format!("Result: {value}")),
            Err(error) => self.println(format!("Error: {error}")),
        }
    }

    /// [`Report::print_result`] for a part that contacts one device only: its line is the
    /// part's point, so a quiet run prints it too (a failure once, by [`Report::count`]).
    pub fn print_single_result<T: Display>(&self, device: &str, result: &Result<T, SshError>) {
        match self.count(device, result) {
            Ok(value) => println!("Result: {value}"),
            Err(error) => self.println(format!("Error: {error}")),
        }
    }

    /// Prints `Elapsed time: 0:00:02.012345` since `start_time` in a quiet run only: for the
    /// parts that print a growing elapsed time after every result, which a quiet run holds
    /// back with the results.
    pub fn elapsed_if_quiet(&self, start_time: std::time::Instant) {
        if self.quiet {
            crate::print_elapsed(start_time);
        }
    }

    /// The devices with a result that came back an error, by name.
    pub fn failed_devices(&self) -> Vec<String> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.failed.iter().cloned().collect()
    }

    /// Success when every device the run contacted answered. It prints `950 ok, 50 failed`
    /// on stderr when any failed, when the run was quiet or asked for `--retries`; a device counts as ok only when
    /// a result of its came back ok and none failed, and a run that contacted no device
    /// prints no summary. A failure gives a failing exit code, so scripts and CI notice.
    pub fn exit_code(&self) -> ExitCode {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = counts.progress.take() {
            bar.finish_and_clear();
        }
        if let Some(summary) = counts
            .summary(self.retries_asked)
            .filter(|_| self.quiet || self.retries_asked || !counts.failed.is_empty())
        {
            eprintln!("{summary}");
        }
        if counts.failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// The bar is redrawn every second even when no device answers: its clock keeps moving on a
/// terminal, and without one a progress line comes in time. One thread for the whole run
/// (started before any part, so that a part counting this process's threads sees the same
/// number throughout); it ends with the report.
fn redraw_every_second(counts: Weak<Mutex<Counts>>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let Some(counts) = counts.upgrade() else {
                return;
            };
            let counts = counts.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(bar) = &counts.progress {
                bar.tick();
            }
        }
    });
}

/// How often a run without a terminal on stderr says how far it got.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(4);

/// The bar's stand-in where stderr is no terminal: of what indicatif draws, a line on
/// stderr now and then (the first draw, then at most every [`PROGRESS_EVERY`]).
#[derive(Debug, Default)]
struct ProgressLines {
    /// The drawing under way, and when the last line was printed.
    state: Mutex<(String, Option<Instant>)>,
}

impl TermLike for ProgressLines {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.write_str(s)
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0.push_str(s);
        Ok(())
    }
    fn clear_line(&self) -> io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let line = std::mem::take(&mut state.0);
        let line = line.trim_matches(|c: char| c.is_whitespace());
        let due = state.1.is_none_or(|last| last.elapsed() >= PROGRESS_EVERY);
        if due && !line.is_empty() {
            eprintln!("{line}");
            state.1 = Some(Instant::now());
        }
        Ok(())
    }
}

impl Counts {
    /// `8 ok, 1 failed`, over the devices that gave a result; `None` when none did. With
    /// `retries_asked`, `8 ok (2 after retries), 1 failed`.
    fn summary(&self, retries_asked: bool) -> Option<String> {
        if self.ok.is_empty() && self.failed.is_empty() {
            return None;
        }
        let ok: Vec<&String> = self.ok.difference(&self.failed).collect();
        let after_retries = if retries_asked {
            let after = ok
                .iter()
                .filter(|device| self.after_retries.contains(**device))
                .count();
            format!(" ({after} after retries)")
        } else {
            String::new()
        };
        Some(format!(
            "{} ok{after_retries}, {} failed",
            ok.len(),
            self.failed.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(device: &str) -> Result<(), SshError> {
        Err(SshError::Closed {
            device: device.into(),
            stage: crate::ssh::Stage::Command,
            during: "during a test".into(),
        })
    }

    fn summary(report: &Report) -> Option<String> {
        report.counts.lock().unwrap().summary(report.retries_asked)
    }

    #[test]
    fn a_device_that_fails_twice_counts_once() {
        let report = Report::for_devices(9, false);
        assert!(!report.is_quiet());
        report.count("cisco3", &Ok::<(), SshError>(()));
        assert_eq!(report.exit_code(), ExitCode::SUCCESS);
        report.count("srx2", &failure("srx2"));
        report.count("srx2", &failure("srx2"));
        assert_eq!(summary(&report).as_deref(), Some("1 ok, 1 failed"));
        assert_eq!(report.exit_code(), ExitCode::FAILURE);
    }

    /// `06-futures --part ssh_threads_simple --fault cisco3=auth-fail` contacts one device
    /// of nine: the summary says one failed, and nothing of the eight it never tried.
    #[test]
    fn only_devices_that_gave_a_result_are_counted() {
        let report = Report::for_devices(9, false);
        report.count("cisco3", &failure("cisco3"));
        assert_eq!(summary(&report).as_deref(), Some("0 ok, 1 failed"));
        let report = Report::for_devices(9, false);
        report.count("cisco3", &Ok::<(), SshError>(()));
        report.count("cisco4", &Ok::<(), SshError>(()));
        report.count("cisco3", &Ok::<(), SshError>(()));
        assert_eq!(summary(&report).as_deref(), Some("2 ok, 0 failed"));
    }

    #[test]
    fn a_device_ok_in_one_part_and_failed_in_another_is_failed() {
        let report = Report::for_devices(9, false);
        report.count("srx2", &Ok::<(), SshError>(()));
        report.count("srx2", &failure("srx2"));
        assert_eq!(summary(&report).as_deref(), Some("0 ok, 1 failed"));
    }

    /// `02-threads --devices 200 --part race_condition` contacts no device: no summary.
    #[test]
    fn a_run_that_contacted_no_device_has_no_summary() {
        let report = Report::for_devices(200, false);
        assert!(report.is_quiet());
        assert_eq!(summary(&report), None);
        assert_eq!(report.exit_code(), ExitCode::SUCCESS);
    }

    /// Two devices came back after retries, one of them failed later: one counts as ok
    /// after retries. (The device names are this test's own: the retries noted are
    /// process-wide.)
    #[test]
    fn the_summary_counts_the_devices_ok_after_retries() {
        let mut report = Report::for_devices(9, false);
        report.retries_asked = true;
        let ok = || Ok::<(), SshError>(());
        for (device, retries) in [("report-r1", 2), ("report-r2", 1)] {
            crate::retry::finish(device, retries, ok()).unwrap();
            report.count(device, &ok());
        }
        report.count("report-r2", &failure("report-r2"));
        report.count("report-r3", &ok());
        assert_eq!(
            summary(&report).as_deref(),
            Some("2 ok (1 after retries), 1 failed")
        );
        report.retries_asked = false;
        assert_eq!(summary(&report).as_deref(), Some("2 ok, 1 failed"));
    }

    #[test]
    fn many_devices_make_a_quiet_run_unless_verbose() {
        assert!(Report::for_devices(QUIET_ABOVE + 1, false).is_quiet());
        assert!(!Report::for_devices(QUIET_ABOVE + 1, true).is_quiet());
        assert!(!Report::for_devices(QUIET_ABOVE, false).is_quiet());
        let report = Report::for_devices(1000, false);
        for i in 0..2500 {
            report.count(&format!("d{}", i % 1000), &Ok::<(), SshError>(()));
        }
        assert_eq!(summary(&report).as_deref(), Some("1000 ok, 0 failed"));
        assert_eq!(report.exit_code(), ExitCode::SUCCESS);
    }
}
