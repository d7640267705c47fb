//! The queue of `ex10_full_pipe`: Python's `multiprocessing.Queue()` is a pipe underneath,
//! and so is this one.

use std::io::{PipeReader, PipeWriter};

use nix::fcntl::{FcntlArg, fcntl};

/// What a pipe holds at the least: one page.
pub const QUEUE_BYTES: i32 = 4096;

/// A pipe whose buffer holds [`QUEUE_BYTES`] (Linux gives a new pipe 64 KiB; a small one
/// fills with three outputs, as a real queue fills with more devices): the reading end, and
/// the writing end to hand each child (`procspawn::Builder::stdout`).
pub fn queue() -> std::io::Result<(PipeReader, PipeWriter)> {
    let (reader, writer) = std::io::pipe()?;
    fcntl(&writer, FcntlArg::F_SETPIPE_SZ(QUEUE_BYTES)).map_err(std::io::Error::from)?;
    Ok((reader, writer))
}
