//! Not a point of the lesson: waiting for a scoped thread and taking its result.

use std::thread::ScopedJoinHandle;

/// Waits for a thread and hands back its result; a panic in the thread goes on here, as if
/// the thread's work had run on this one.
pub fn join<T>(handle: ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
