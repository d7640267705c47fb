//! `ex9_lock_order`, solved: `note_ok` takes the locks in `note_failure`'s order.

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
    // Summary first, as `note_failure` does: whoever holds it can always get the log.
    let mut summary = books.summary.lock().unwrap_or_else(|e| e.into_inner());
    summary.0 += 1;
    let mut log = books.log.lock().unwrap_or_else(|e| e.into_inner());
    log.push(format!("{device}: ok"));
}
