//! A row of the table: what one pool size did, as the client and the lab's record saw it.

use std::time::Duration;

use mock_device::record::Record;
use shared::{Lab, SshError};

use super::AAA;

pub struct Row {
    pub max_threads: usize,
    pub retries: u32,
    pub wall: Duration,
    pub ok: usize,
    pub failed: usize,
    /// Of the failed, those the AAA server turned away.
    pub aaa_rejected: usize,
    /// Devices that were ok only after retries.
    pub after_retries: usize,
    /// The most sessions the lab saw open at once.
    pub peak_open: usize,
    /// The share of the AAA server's capacity used, from the first accept to the last end.
    pub aaa_busy: f64,
    /// The longest a login waited in the AAA server's queue.
    pub aaa_wait: Duration,
    pub first_error: Option<String>,
}

pub fn print_header() {
    println!(
        "max_threads  retries    wall   ok  failed  ok/s  open at most  AAA busy  AAA wait at most"
    );
}

impl Row {
    pub fn measure(
        lab: &Lab,
        max_threads: usize,
        retries: u32,
        wall: Duration,
        results: &[Result<String, SshError>],
    ) -> Row {
        // Taken, so that these devices' retries are not told by a later part's report.
        let after_retries = lab
            .devices
            .iter()
            .filter(|d| shared::retry::take(&d.name) > 0)
            .count();
        let failed: Vec<&SshError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        let record = lab.record().unwrap_or_default();
        Row {
            max_threads,
            retries,
            wall,
            ok: results.len() - failed.len(),
            failed: failed.len(),
            aaa_rejected: failed
                .iter()
                .filter(|e| matches!(e.cause(), SshError::AaaRejected { .. }))
                .count(),
            after_retries,
            peak_open: record.peak_open().0,
            aaa_busy: aaa_busy(&record),
            aaa_wait: record.aaa_waits().into_iter().max().unwrap_or_default(),
            first_error: failed.first().map(|e| e.to_string()),
        }
    }

    /// The throughput: honest where failures make the wall time fall.
    pub fn ok_per_second(&self) -> f64 {
        self.ok as f64 / self.wall.as_secs_f64()
    }

    pub fn print(&self) {
        println!(
            "{:>11}  {:>7}  {:>4.2} s  {:>3}  {:>6}  {:>4.0}  {:>12}  {:>6.0} %  {:>13} ms",
            self.max_threads,
            self.retries,
            self.wall.as_secs_f64(),
            self.ok,
            self.failed,
            self.ok_per_second(),
            self.peak_open,
            self.aaa_busy * 100.0,
            self.aaa_wait.as_millis()
        );
    }
}

/// The AAA server's work (each login from taken to done) over what it could have done in
/// the run's span, first accept to last end.
fn aaa_busy(record: &Record) -> f64 {
    let first = record.sessions.iter().map(|s| s.accepted).min();
    let last = record.ends().into_iter().max();
    let work: Duration = record
        .sessions
        .iter()
        .flat_map(|s| &s.aaa)
        .filter_map(|visit| Some(visit.done?.saturating_sub(visit.taken?)))
        .sum();
    match first
        .zip(last)
        .map(|(first, last)| last.saturating_sub(first))
    {
        Some(span) if !span.is_zero() => {
            work.as_secs_f64() / (span.as_secs_f64() * AAA.capacity as f64)
        }
        _ => 0.0,
    }
}
