//! The runtime every part runs on.

/// Runs a part to its end on a tokio runtime of one thread: this one, the main thread. Every
/// task the part spawns runs here, one at a time, each until its next `.await`. (The
/// in-process lab's devices run on the lab's own runtime, on threads of its own.) A new
/// runtime per part, so no part starts with threads left over from the one before.
pub fn on_one_thread(part: impl Future<Output = ()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(2)
        });
    runtime.block_on(part);
}
