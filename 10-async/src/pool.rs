//! Python's `ThreadPoolExecutor(max_threads)` and its `submit()` on one thread: the pool is
//! a `Semaphore` of `max_threads` permits, each job a task that holds a permit while its
//! session runs, and the `JoinHandle` that `tokio::spawn` returns is the future.
//!
//! Tasks cost no thread, so the pool saves none here. It keeps the course's four sessions
//! at a time, which is what the devices (and a real network's login servers) see.

use std::sync::Arc;

use shared::{Device, SshError, async_ssh};
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinHandle};

/// `ThreadPoolExecutor(max_threads)`: `max_threads` sessions at a time.
pub fn pool(max_threads: usize) -> Arc<Semaphore> {
    Arc::new(Semaphore::new(max_threads))
}

/// One job of the pool: wait for a free permit, then `ssh_conn`. The waiting costs no
/// thread: the task is put aside until a permit comes free, and tokio's semaphore is fair,
/// so the jobs start in the order they were submitted, as a pool's queue would start them.
pub async fn ssh_conn(pool: Arc<Semaphore>, a_device: Device) -> Result<String, SshError> {
    // `acquire_owned` fails only on a closed semaphore, and nothing closes this one. The
    // permit (inside the `Ok`) is held until the end of this function: the worker is busy.
    let _permit = pool.acquire_owned().await;
    async_ssh::ssh_conn(&a_device).await
}

/// `pool.submit(ssh_conn, a_device)`: the task starts at the thread's next free moment
/// (the next `.await` of whoever spawned it), and the handle is returned at once.
pub fn submit(pool: &Arc<Semaphore>, a_device: Device) -> JoinHandle<Result<String, SshError>> {
    tokio::spawn(ssh_conn(Arc::clone(pool), a_device))
}

/// What `.await` on a `JoinHandle` gives: the task's value, or a `JoinError` if the task
/// panicked (nothing here aborts a task). The panic goes on here, as a Python worker's
/// exception would come out of `result()`.
pub fn joined<T>(joined: Result<T, JoinError>) -> T {
    joined.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
}
