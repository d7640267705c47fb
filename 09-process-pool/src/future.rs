//! Python's `concurrent.futures` words on procspawn's pool: [`process_pool`] is
//! `ProcessPoolExecutor(max_procs)`, [`submit`] hands back a [`Future`], and [`wait`],
//! [`as_completed`] and [`map`] (in `waits.rs`) take the results the way the course's scripts
//! do. The part files use them as the scripts use Python's.
//!
//! One procspawn habit shapes this file: a worker process that has finished a job keeps
//! its result until someone takes it (the job's `join`), and takes no other job before
//! that. Taking results strictly in list order would leave a worker idle whenever its job
//! finishes before an earlier one. So whatever waits here also takes every other result
//! that is ready (a `join_timeout` of zero: "finished yet?", without waiting), which frees
//! its worker at once. Python's pool does the same with a thread of its own.

use std::time::Duration;

use procspawn::{JoinHandle, Pool, SpawnError};
use serde::{Serialize, de::DeserializeOwned};
use shared::{Device, SshError};

pub use crate::waits::{as_completed, map, wait};

/// A job's argument: a device, or a device and its command. It says which device, so that
/// an error can too.
pub trait ForDevice: Serialize + DeserializeOwned {
    fn device(&self) -> &str;
}

impl ForDevice for Device {
    fn device(&self) -> &str {
        &self.name
    }
}

impl ForDevice for (Device, String) {
    fn device(&self) -> &str {
        &self.0.name
    }
}

/// `ProcessPoolExecutor(max_procs)`: `Pool::new` returns once every worker process has
/// started and reported for work. A system that cannot start them ends the run with a
/// one-line error (status 2), as `shared::thread_pool` does for threads.
pub fn process_pool(max_procs: usize) -> Pool {
    Pool::new(max_procs).unwrap_or_else(|e| {
        eprintln!("error: cannot start a pool of {max_procs} processes: {e}");
        std::process::exit(2)
    })
}

/// What `pool.submit()` returns: procspawn's `JoinHandle` for the job, and its result once
/// taken. Python's name, not `std::future::Future` (Rust's async trait, unrelated here).
#[derive(Debug)]
pub struct Future<T> {
    device: String,
    handle: JoinHandle<Result<T, SshError>>,
    outcome: Option<Result<T, SshError>>,
}

/// Python's `pool.submit(job, device)`: queues the job and returns at once.
pub fn submit<A, T>(pool: &Pool, job: fn(A) -> Result<T, SshError>, arg: A) -> Future<T>
where
    A: ForDevice,
    T: Serialize + DeserializeOwned + Send + 'static,
{
    Future {
        device: arg.device().to_string(),
        handle: pool.spawn(arg, job),
        outcome: None,
    }
}

impl<T: Serialize + DeserializeOwned> Future<T> {
    /// The device the job is for, to count its result under.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// Python's `future.done()`. The handle only has `join()` (wait, then take the result)
    /// and `join_timeout()`; a zero timeout asks without waiting, and when the answer is
    /// yes it has taken the result, so the future keeps it for `result()`.
    pub fn done(&mut self) -> bool {
        self.done_within(Duration::ZERO)
    }

    /// `done()`, waiting up to `timeout` for the answer.
    pub fn done_within(&mut self, timeout: Duration) -> bool {
        if self.outcome.is_none() {
            match self.handle.join_timeout(timeout) {
                Err(e) if e.is_timeout() => return false,
                joined => self.outcome = Some(outcome(&self.device, joined)),
            }
        }
        true
    }

    /// Python's `future.result()`: waits for the job if it is not done yet.
    pub fn result(self) -> Result<T, SshError> {
        match self.outcome {
            Some(outcome) => outcome,
            None => outcome(&self.device, self.handle.join()),
        }
    }
}

/// Python raises a job's exception inside `result()`; here the job returned an `Err` like
/// any other value. A worker process that died (killed, crashed) is one more failure of
/// that device.
fn outcome<T>(
    device: &str,
    joined: Result<Result<T, SshError>, SpawnError>,
) -> Result<T, SshError> {
    joined.unwrap_or_else(|e| {
        Err(SshError::Closed {
            device: device.to_string(),
            stage: shared::Stage::Command,
            during: format!("when its worker process failed: {e}"),
        })
    })
}
