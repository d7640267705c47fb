//! Python's `concurrent.futures` words on procspawn's pool: [`process_pool`] is
//! `ProcessPoolExecutor(max_procs)`, [`submit`] hands back a [`Future`], and [`wait`],
//! [`as_completed`] and [`map`] take the results the way the course's scripts do. The part
//! files use them as the scripts use Python's.
//!
//! One procspawn habit shapes this file: a worker process that has finished a job keeps
//! its result until someone takes it (the job's `join`), and takes no other job before
//! that. Taking results strictly in list order would leave a worker idle whenever its job
//! finishes before an earlier one. So whatever waits here also takes every other result
//! that is ready (a `join_timeout` of zero: "finished yet?", without waiting), which frees
//! its worker at once. Python's pool does the same with a thread of its own.
//!
//! Not a part of the lesson but the plumbing its parts share (about 170 lines, with that
//! habit handled once here), so that each part file stays the length of its script.

use std::collections::VecDeque;
use std::time::Duration;

use procspawn::{JoinHandle, Pool, SpawnError};
use serde::{Serialize, de::DeserializeOwned};
use shared::{Device, SshError};

/// How long to wait on one result before looking at all the others again.
const POLL: Duration = Duration::from_millis(2);

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

    fn done_within(&mut self, timeout: Duration) -> bool {
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

/// Waits until the first future is done, taking every other result that is ready meanwhile.
fn wait_for_first<T: Serialize + DeserializeOwned>(futures: &mut [Future<T>]) {
    let Some((first, others)) = futures.split_first_mut() else {
        return;
    };
    loop {
        for future in others.iter_mut() {
            future.done();
        }
        if first.done_within(POLL) {
            return;
        }
    }
}

/// Python's `wait(future_list)`: returns once every future is done.
pub fn wait<T: Serialize + DeserializeOwned>(futures: &mut [Future<T>]) {
    // Now and then a line on how far the wait got (Python says nothing).
    let mut waiting = shared::waiting::Waiting::new(futures.len());
    for i in 0..futures.len() {
        waiting.note(i);
        wait_for_first(&mut futures[i..]);
    }
}

/// Python's `as_completed(future_list)`: each future as soon as it is done.
pub fn as_completed<T: Serialize + DeserializeOwned>(
    mut futures: Vec<Future<T>>,
) -> impl Iterator<Item = Future<T>> {
    std::iter::from_fn(move || {
        while !futures.is_empty() {
            if let Some(i) = futures.iter_mut().position(Future::done) {
                return Some(futures.remove(i));
            }
            futures[0].done_within(POLL);
        }
        None
    })
}

/// Python's `pool.map(job, args)`: submits every job at once, then hands back the results
/// in the order of `args`, each as soon as it and the ones before it are in.
pub fn map<A, T>(
    pool: &Pool,
    job: fn(A) -> Result<T, SshError>,
    args: impl IntoIterator<Item = A>,
) -> impl Iterator<Item = Result<T, SshError>>
where
    A: ForDevice,
    T: Serialize + DeserializeOwned + Send + 'static,
{
    let mut futures: VecDeque<Future<T>> =
        args.into_iter().map(|arg| submit(pool, job, arg)).collect();
    std::iter::from_fn(move || {
        wait_for_first(futures.make_contiguous());
        futures.pop_front().map(Future::result)
    })
}
