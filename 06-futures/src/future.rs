//! Python's `pool.submit()` and the future it hands back, on a rayon pool.
//!
//! A rayon job returns no handle (`std::thread::spawn` would hand back a `JoinHandle`, whose
//! `is_finished()` and `join()` are `done()` and `result()`, but that is a new thread per
//! job). So [`submit`] gives each job a one-slot channel to answer on, and the receiving
//! end is the future.

use crossbeam::channel::{self, Receiver};
use rayon::ThreadPool;
use shared::{Device, SshError, ssh_conn};

/// What `pool.submit()` returns: the prompt or the error, once `ssh_conn` has returned.
/// Named after Python's `Future`; it is not `std::future::Future`, Rust's trait for `async`
/// code, which this lesson never uses.
#[derive(Debug)]
pub struct Future {
    answer: Receiver<Result<String, SshError>>,
}

/// Python's `pool.submit(ssh_conn, a_device)`: queue the job and return at once.
pub fn submit(pool: &ThreadPool, a_device: Device) -> Future {
    let (sender, answer) = channel::bounded(1);
    // The job may run after this function has returned, so it owns its copy of the device.
    pool.spawn(move || {
        // Sending fails only if nobody holds the future any more: then nobody wants the answer.
        let _ = sender.send(ssh_conn(&a_device));
    });
    Future { answer }
}

impl Future {
    /// Python's `future.done()`: the answer is waiting in the channel.
    pub fn done(&self) -> bool {
        !self.answer.is_empty()
    }

    /// Python's `future.result()`: wait for the job, then take what `ssh_conn` returned.
    /// Python can ask a future twice; this one hands its answer over once, so it takes
    /// `self`.
    pub fn result(self) -> Result<String, SshError> {
        // recv() fails only if the job dropped its sender without sending, i.e. it panicked;
        // a panic in a rayon job aborts the whole program, so we never get here in that case.
        self.answer
            .recv()
            .expect("every job sends its answer before it ends")
    }
}
