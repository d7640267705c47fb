//! Python's `wait`, `as_completed` and `pool.map` over the futures of `future.rs`. Whatever
//! waits here also takes every other result that is ready, so that no worker process sits
//! idle on a result nobody took (see `future.rs`).

use std::collections::VecDeque;
use std::time::Duration;

use procspawn::Pool;
use serde::{Serialize, de::DeserializeOwned};
use shared::SshError;

use crate::future::{ForDevice, Future, submit};

/// How long to wait on one result before looking at all the others again.
const POLL: Duration = Duration::from_millis(2);

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
