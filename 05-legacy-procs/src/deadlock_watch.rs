//! How `proc_w_queue` sees its deadlock come, which Python's script cannot: it just hangs.
//!
//! A child tells the parent when it starts putting its output on the queue (it connects to
//! a local port) and when it is done (it closes the connection). Putting a message of a few
//! hundred bytes takes microseconds; a child still putting after [`STUCK_AFTER`] is blocked
//! on a full queue, and will stay blocked until somebody reads it.

use std::io::{ErrorKind, Read as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long a put may take before its child counts as stuck.
pub const STUCK_AFTER: Duration = Duration::from_secs(1);

/// The parent's side: a thread that counts the children stuck on a put.
#[derive(Debug)]
pub struct DeadlockWatch {
    port: Option<u16>,
    stuck: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl DeadlockWatch {
    /// Starts watching. Without a local port the watch sees nothing: the caller falls back
    /// on a time limit.
    pub fn start() -> DeadlockWatch {
        let stuck = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .ok();
        let port = listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port());
        if let Some(listener) = listener {
            let (stuck, stop) = (Arc::clone(&stuck), Arc::clone(&stop));
            thread::spawn(move || watch(&listener, &stuck, &stop));
        }
        DeadlockWatch { port, stuck, stop }
    }

    /// The port the children tell.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// How many children have been putting their output for longer than [`STUCK_AFTER`].
    pub fn stuck(&self) -> usize {
        self.stuck.load(Ordering::Relaxed)
    }
}

impl Drop for DeadlockWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn watch(listener: &TcpListener, stuck: &AtomicUsize, stop: &AtomicBool) {
    let mut putting: Vec<(TcpStream, Instant)> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        while let Ok((child, _)) = listener.accept() {
            if child.set_nonblocking(true).is_ok() {
                putting.push((child, Instant::now()));
            }
        }
        // A closed connection (or a broken one) is a put that is over.
        putting.retain_mut(|(child, _)| {
            matches!(child.read(&mut [0]), Err(e) if e.kind() == ErrorKind::WouldBlock)
        });
        let now = putting
            .iter()
            .filter(|(_, since)| since.elapsed() >= STUCK_AFTER);
        stuck.store(now.count(), Ordering::Relaxed);
        thread::sleep(Duration::from_millis(20));
    }
}

/// The child's side: hold what this returns while putting, drop it once done.
pub fn putting(port: u16) -> Option<TcpStream> {
    TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()
}
