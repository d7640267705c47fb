//! Exercise 9, `ex9_lock_order`: two locks, taken in the same order everywhere.
//!
//! `run` is written: a thread per device notes each result in two books, each behind its own
//! `Mutex`: the `summary` (counts) and the `log` (a line per device). `note_failure` locks
//! the summary, then the log. Write `note_ok`: count the device in the summary and log
//! `<device>: ok`. Take the locks in the other order and two threads finishing together
//! wait for each other for ever. Check it: `cargo run --bin check ex9_lock_order`.

use std::sync::Mutex;
use std::time::Duration;

use shared::{Device, SshError};

#[derive(Debug, Default)]
pub struct Books {
    pub summary: Mutex<(usize, usize)>,
    pub log: Mutex<Vec<String>>,
}

pub fn run(devices: &[Device]) {
    let books = Books::default();
    std::thread::scope(|scope| {
        for device in devices {
            let books = &books;
            scope.spawn(move || match shared::show_version(device) {
                Ok(_) => note_ok(books, &device.name),
                Err(error) => note_failure(books, &error),
            });
        }
    });
    let log = books.log.into_inner().unwrap_or_else(|e| e.into_inner());
    let (ok, failed) = books
        .summary
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    println!("{}\n{ok} ok, {failed} failed", log.join("\n"));
}

fn note_failure(books: &Books, error: &SshError) {
    let mut summary = books.summary.lock().unwrap_or_else(|e| e.into_inner());
    summary.1 += 1;
    // A slow log (a file on a busy disk, say): the summary stays locked meanwhile.
    std::thread::sleep(Duration::from_millis(100));
    let mut log = books.log.lock().unwrap_or_else(|e| e.into_inner());
    log.push(format!("Error: {error}"));
}

fn note_ok(books: &Books, device: &str) {
    // TODO: lock what you need (in which order?), add 1 to `summary.0`, push `<device>: ok`.
    todo!("note {device} in {books:?}")
}
