//! Python's `pool.map(job, inputs)` for a rayon pool, which has no lazy, ordered map of its
//! own: what every `pool.map` part of this lesson calls.

use std::sync::mpsc::{Receiver, sync_channel};

use rayon::ThreadPool;

/// An iterator over the jobs' results, in input order.
///
/// Every input is submitted at once (the pool runs `max_threads` jobs at a time, first
/// submitted first started), each job with a one-slot channel of its own to answer on. The
/// iterator then takes the answers in input order: `next()` waits for the next job in the
/// list only, so each result is handed over as soon as it and the ones before it are done.
pub fn pool_map<A, T>(
    pool: &ThreadPool,
    job: fn(A) -> T,
    inputs: impl IntoIterator<Item = A>,
) -> impl Iterator<Item = T>
where
    A: Send + 'static,
    T: Send + 'static,
{
    // `collect()` right here submits every job now. Without it, being lazy, the iterator
    // would submit each job only when the loop asked for its result: one device at a time.
    let answers: Vec<Receiver<T>> = inputs
        .into_iter()
        .map(|input| {
            let (sender, answer) = sync_channel(1);
            pool.spawn_fifo(move || {
                // Fails only if nobody waits for the answer any more: then nobody wants it.
                let _ = sender.send(job(input));
            });
            answer
        })
        .collect();
    // recv() fails only if a job ended without sending, i.e. it panicked; a panic in a rayon
    // job aborts the whole program, so that never happens here.
    answers
        .into_iter()
        .map(|answer| answer.recv().expect("every job sends its answer"))
}
