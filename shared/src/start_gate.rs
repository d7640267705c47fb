//! The start gate of the two stdout-race parts (lesson 04's `threads_show_ver`, lesson 05's
//! `processes_show_ver`): not in the course's scripts, it makes their race show on every run.
//!
//! The course lab's devices answer a tenth of a second apart, time enough for one worker to
//! print a whole block before the next has its output: printed as they come, the blocks
//! would rarely meet. So each worker waits at the gate, output in hand, and the gate opens
//! once every worker has come, or once nobody has come for [`GATE_WAIT`]. A slow or hung
//! device therefore holds the others back by half a second at most; once open, the gate
//! stays open, and a late worker prints as soon as it has its output.

use std::io::{ErrorKind, Read as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long the gate waits, after the last worker came, for one more.
pub const GATE_WAIT: Duration = Duration::from_millis(500);

/// The gate for threads of one process.
#[derive(Debug)]
pub struct StartGate {
    workers: usize,
    state: Mutex<GateState>,
    opened: Condvar,
}

#[derive(Debug)]
struct GateState {
    came: usize,
    last_came: Instant,
    open: bool,
}

impl StartGate {
    /// A gate for `workers` threads.
    pub fn new(workers: usize) -> StartGate {
        StartGate {
            workers,
            state: Mutex::new(GateState {
                came: 0,
                last_came: Instant::now(),
                open: false,
            }),
            opened: Condvar::new(),
        }
    }

    /// Waits until every worker has come, or nobody has come for [`GATE_WAIT`].
    pub fn wait(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.came += 1;
        state.last_came = Instant::now();
        while !state.open {
            let waited = state.last_came.elapsed();
            if state.came >= self.workers || waited >= GATE_WAIT {
                state.open = true;
                self.opened.notify_all();
                break;
            }
            state = match self.opened.wait_timeout(state, GATE_WAIT - waited) {
                Ok((state, _)) => state,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// The same gate between processes, which share no memory: the parent listens on a local
/// port ([`start_line`]), each child connects and waits ([`wait_at_start_line`]), and the
/// parent closes every connection when the gate opens, and the port after it.
///
/// `None` when no local port can be had: the children then print as they come.
pub fn start_line(children: usize) -> Option<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).ok()?;
    let port = listener.local_addr().ok()?.port();
    listener.set_nonblocking(true).ok()?;
    thread::spawn(move || {
        let mut waiting = Vec::new();
        let mut last_came = Instant::now();
        while waiting.len() < children {
            match listener.accept() {
                Ok((child, _)) => {
                    waiting.push(child);
                    last_came = Instant::now();
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if !waiting.is_empty() && last_came.elapsed() >= GATE_WAIT {
                        break;
                    }
                    thread::sleep(Duration::from_millis(5));
                }
                Err(_) => break,
            }
        }
        // Dropping the connections opens the gate; dropping the listener lets a late child
        // through at once (its connection is refused).
    });
    Some(port)
}

/// A child's wait at the parent's start line; `limit` bounds it should the parent be gone.
pub fn wait_at_start_line(port: u16, limit: Duration) {
    if let Ok(mut start_line) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) {
        let _ = start_line.set_read_timeout(Some(limit));
        let _ = start_line.read(&mut [0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two of three workers come; the third never does: the two go on after the gate's wait.
    #[test]
    fn a_worker_that_never_comes_holds_the_others_half_a_second_at_most() {
        let gate = StartGate::new(3);
        let start = Instant::now();
        thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| gate.wait());
            }
        });
        let waited = start.elapsed();
        assert!(waited >= GATE_WAIT, "{waited:?}");
        assert!(waited < GATE_WAIT * 6, "{waited:?}");
        // Open for good: a late worker does not wait.
        let late = Instant::now();
        gate.wait();
        assert!(late.elapsed() < GATE_WAIT, "{:?}", late.elapsed());
    }

    #[test]
    fn the_last_worker_opens_the_gate_at_once() {
        let gate = StartGate::new(2);
        let start = Instant::now();
        thread::scope(|scope| {
            scope.spawn(|| gate.wait());
            scope.spawn(|| gate.wait());
        });
        assert!(start.elapsed() < GATE_WAIT, "{:?}", start.elapsed());
    }

    #[test]
    fn the_start_line_opens_without_a_child_that_never_comes() {
        let port = start_line(3).expect("a local port");
        let start = Instant::now();
        thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| wait_at_start_line(port, Duration::from_secs(30)));
            }
        });
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
    }
}
