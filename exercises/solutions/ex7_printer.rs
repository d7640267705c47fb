//! `ex7_printer`, solved: the threads send, the main thread alone prints.

use std::time::Instant;

use crossbeam::channel;
use shared::{Device, SHORT_DASHES};

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    let (sender, results) = channel::unbounded();
    std::thread::scope(|scope| {
        for device in devices {
            let sender = sender.clone();
            scope.spawn(move || sender.send(shared::show_version(device)));
        }
        // The loop below ends when every sender is gone: the threads' and this one.
        drop(sender);
        for result in results {
            match result {
                Ok(output) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
                Err(error) => println!("Error: {error}"),
            }
        }
    });
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
