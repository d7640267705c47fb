//! Trying a device again when the network pushes back (`--retries N`).
//!
//! Only a transient failure ([`SshError::is_transient`]) is tried again: a session limit, an
//! AAA server that did not answer, a connection dropped before the login, a banner that did
//! not come. Never a wrong password: on a real AAA server every retry counts towards locking
//! the account.
//!
//! The waits grow exponentially, each drawn at random between zero and its step ("full
//! jitter"): a hundred workers turned away at the same moment would otherwise all come back
//! at the same moment and meet the same wall again. [`backoff`] is that policy as an iterator
//! of waits, which backon's blocking and async retries both take, so the async helper can
//! share it: `attempt.retry(retry::backoff(device)).sleep(tokio::time::sleep)`.
//!
//! How many retries each device needed reaches the [`Report`](crate::Report) through
//! [`take`]: from this process's memory, and from a file in which worker processes (the
//! process lessons' children) write theirs.

use std::collections::HashMap;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use backon::{Backoff, BackoffBuilder as _, BlockingRetryable as _, ExponentialBuilder};
use rand::{Rng, SeedableRng as _, rngs::StdRng};

use crate::inventory::Device;
use crate::ssh::SshError;

/// The first retry's step. A device's start-up queue or an AAA server's backlog takes some
/// hundreds of milliseconds to drain (the course lab's logins take 0.4 to 1.6 s), and three
/// retries then wait at most 0.2 + 0.4 + 0.8 = 1.4 s: a student's run stays quick.
pub const FIRST_DELAY: Duration = Duration::from_millis(200);

/// The largest step. Past a few seconds a retry no longer helps a busy server more than it
/// delays the run; it is also the random sleep of up to 5 s that Netmiko users put before
/// each login to spread them out.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// The waits before each of `retries` retries, without jitter: 0.2 s, 0.4 s, 0.8 s, ... up
/// to [`MAX_DELAY`].
pub fn schedule(retries: u32) -> impl Backoff {
    ExponentialBuilder::new()
        .with_min_delay(FIRST_DELAY)
        .with_factor(2.0)
        .with_max_delay(MAX_DELAY)
        .with_max_times(retries as usize)
        .build()
}

/// Full jitter: each wait drawn uniformly from zero to its step of `schedule`. (backon's own
/// `with_jitter` adds a random part on top of the step, which keeps every wait at least the
/// step: retries that started together stay together for longer.)
pub fn full_jitter(
    schedule: impl Backoff,
    mut rng: impl Rng + Send + Sync + Unpin,
) -> impl Backoff {
    schedule.map(move |step| step.mul_f64(rng.random::<f64>()))
}

/// The waits before each retry of `device`: its `retries` of them, growing, with full jitter.
pub fn backoff(device: &Device) -> impl Backoff {
    full_jitter(schedule(device.retries), StdRng::from_os_rng())
}

/// Runs `attempt` and, after a transient failure, runs it again after each wait of
/// [`backoff`]. A device that came back after retries has them noted for the report; one
/// that failed after retries fails with [`SshError::GaveUp`], which says how many.
pub fn blocking<T>(
    device: &Device,
    attempt: impl FnMut() -> Result<T, SshError>,
) -> Result<T, SshError> {
    let mut retries = 0;
    let result = attempt
        .retry(backoff(device))
        .when(SshError::is_transient)
        .notify(|_, _| retries += 1)
        .call();
    finish(&device.name, retries, result)
}

/// The end of a retry loop, blocking or async alike: notes the retries of a device that
/// came back, or wraps the last error of one that did not in [`SshError::GaveUp`].
pub fn finish<T>(device: &str, retries: u32, result: Result<T, SshError>) -> Result<T, SshError> {
    match result {
        Ok(value) => {
            if retries > 0 {
                note(device, retries);
            }
            Ok(value)
        }
        Err(last) if retries > 0 => Err(SshError::GaveUp {
            retries,
            last: Box::new(last),
        }),
        Err(error) => Err(error),
    }
}

/// Retries of devices that came back, not yet taken by the report.
#[derive(Debug, Default)]
struct Pending {
    retries: HashMap<String, u32>,
    /// How many [`Collecting`] guards are alive in this process.
    collectors: usize,
    /// How far the workers' file has been read.
    read_up_to: u64,
}

fn pending() -> MutexGuard<'static, Pending> {
    static PENDING: OnceLock<Mutex<Pending>> = OnceLock::new();
    PENDING
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The file in which the worker processes of process `pid` write their retries. Named after
/// the parent's pid, so a child finds it with nothing passed to it: the process lessons'
/// workers get only a device and a job, and no environment can be set for them without
/// `unsafe` (`std::env::set_var`).
fn workers_file(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("netauto-retries-{pid}.log"))
}

/// While alive, this process collects the retries its worker processes write: the lab holds
/// one for a run with `--retries`.
#[derive(Debug)]
pub struct Collecting(());

/// Starts collecting the retries of this process's workers (see [`Collecting`]).
pub fn collect_from_workers() -> Collecting {
    let mut pending = pending();
    if pending.collectors == 0 {
        // Created empty, so that the words of a process that had this pid before count for
        // nothing. If it cannot be created, workers keep their retries to themselves: their
        // devices count as plain ok.
        let _ = std::fs::File::create(workers_file(std::process::id()));
        pending.read_up_to = 0;
    }
    pending.collectors += 1;
    Collecting(())
}

impl Drop for Collecting {
    fn drop(&mut self) {
        let mut pending = pending();
        pending.collectors -= 1;
        if pending.collectors == 0 {
            let _ = std::fs::remove_file(workers_file(std::process::id()));
        }
    }
}

/// `device` came back after `retries` retries: noted in this process, or, in a worker
/// process whose parent collects, in the parent's file.
fn note(device: &str, retries: u32) {
    let mut pending = pending();
    if pending.collectors == 0 && tell_parent(device, retries).is_ok() {
        return;
    }
    *pending.retries.entry(device.to_string()).or_default() += retries;
}

#[cfg(unix)]
fn tell_parent(device: &str, retries: u32) -> std::io::Result<()> {
    let file = workers_file(std::os::unix::process::parent_id());
    // Only a parent that collects has this file: `create(false)`.
    let mut file = std::fs::OpenOptions::new().append(true).open(file)?;
    // One write of the whole line: appends of a few bytes do not mix with other workers'.
    file.write_all(format!("{retries} {device}\n").as_bytes())
}

#[cfg(not(unix))]
fn tell_parent(_device: &str, _retries: u32) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// How many retries `device` needed since the last time it was taken (0 if none), in this
/// process or in its workers. The report takes them as it counts each result.
pub fn take(device: &str) -> u32 {
    let mut pending = pending();
    if pending.collectors > 0 {
        read_workers_file(&mut pending);
    }
    pending.retries.remove(device).unwrap_or(0)
}

/// Adds the lines the workers wrote since the last read.
fn read_workers_file(pending: &mut Pending) {
    let Ok(mut file) = std::fs::File::open(workers_file(std::process::id())) else {
        return;
    };
    let mut text = String::new();
    if file
        .seek(std::io::SeekFrom::Start(pending.read_up_to))
        .and_then(|_| file.read_to_string(&mut text))
        .is_err()
    {
        return;
    }
    // A line still being written is left for the next read.
    let Some(end) = text.rfind('\n') else {
        return;
    };
    pending.read_up_to += end as u64 + 1;
    for line in text[..end].lines() {
        if let Some((retries, device)) = line.split_once(' ')
            && let Ok(retries) = retries.parse::<u32>()
        {
            *pending.retries.entry(device.to_string()).or_default() += retries;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::Stage;

    #[test]
    fn the_schedule_doubles_up_to_its_cap_and_stops() {
        // backon multiplies in f32: 400.000006 ms is 400 ms.
        let steps: Vec<u128> = schedule(7).map(|step| step.as_millis()).collect();
        assert_eq!(steps, [200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(schedule(0).count(), 0);
    }

    /// Each wait lies in [0, its step], the waits are spread over that range (not all at
    /// the step or at zero), and they grow on average with the step.
    #[test]
    fn full_jitter_draws_each_wait_between_zero_and_its_step() {
        const RUNS: usize = 2000;
        let retries = 6;
        let steps: Vec<Duration> = schedule(retries).collect();
        let mut sums = vec![Duration::ZERO; steps.len()];
        let mut below_half = vec![0; steps.len()];
        for run in 0..RUNS {
            let rng = StdRng::seed_from_u64(run as u64);
            let waits: Vec<Duration> = full_jitter(schedule(retries), rng).collect();
            assert_eq!(waits.len(), steps.len());
            for (i, (wait, step)) in waits.iter().zip(&steps).enumerate() {
                assert!(wait <= step, "retry {i}: {wait:?} > {step:?}");
                sums[i] += *wait;
                below_half[i] += usize::from(*wait < *step / 2);
            }
        }
        for (i, step) in steps.iter().enumerate() {
            let mean = sums[i] / RUNS as u32;
            // Uniform on [0, step]: a mean of half the step, half the draws below it.
            assert!(
                mean > step.mul_f64(0.45) && mean < step.mul_f64(0.55),
                "retry {i}: mean {mean:?} of step {step:?}"
            );
            assert!(
                (RUNS * 45 / 100..RUNS * 55 / 100).contains(&below_half[i]),
                "retry {i}: {} of {RUNS} below half the step",
                below_half[i]
            );
        }
        let means: Vec<Duration> = sums.iter().map(|s| *s / RUNS as u32).collect();
        assert!(means.windows(2).take(4).all(|w| w[0] < w[1]), "{means:?}");
    }

    fn device(retries: u32) -> Device {
        Device {
            name: "cisco3".into(),
            device_type: crate::DeviceType::CiscoIos,
            host: "127.0.0.1".into(),
            port: 22,
            username: "pyclass".into(),
            password: "x".into(),
            host_key: None,
            key_file: None,
            timeout: 1.0,
            conn_timeout: 1.0,
            banner_timeout: 1.0,
            auth_timeout: 1.0,
            read_timeout: 1.0,
            retries,
        }
    }

    fn dropped() -> SshError {
        SshError::Closed {
            device: "cisco3".into(),
            stage: Stage::Banner,
            during: "before the SSH banner".into(),
        }
    }

    #[test]
    fn only_transient_failures_are_tried_again() {
        let mut calls = 0;
        let err = blocking(&device(3), || {
            calls += 1;
            Err::<(), _>(SshError::AuthFailed {
                device: "cisco3".into(),
                username: "pyclass".into(),
            })
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(matches!(err, SshError::AuthFailed { .. }), "{err:?}");

        let mut calls = 0;
        let err = blocking(&device(3), || {
            calls += 1;
            Err::<(), _>(dropped())
        })
        .unwrap_err();
        assert_eq!(calls, 4);
        assert_eq!(
            err.to_string(),
            "cisco3: connection closed before the SSH banner (gave up after 3 retries)"
        );
        assert_eq!(err.cause(), &dropped());
        assert!(!err.is_transient());
    }

    #[test]
    fn a_device_that_comes_back_has_its_retries_taken_once() {
        let mut device = device(5);
        device.name = "retry-test-comes-back".into();
        let mut calls = 0;
        let result = blocking(&device, || {
            calls += 1;
            if calls < 3 { Err(dropped()) } else { Ok(calls) }
        });
        assert_eq!(result, Ok(3));
        assert_eq!(take(&device.name), 2);
        assert_eq!(take(&device.name), 0);
    }
}
