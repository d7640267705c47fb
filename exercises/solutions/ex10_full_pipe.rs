//! `ex10_full_pipe`, solved: read the queue to its end first, join the children after.

use std::io::{BufRead as _, BufReader, Write as _};
use std::time::Instant;

use shared::{Device, SHORT_DASHES, SshError};

/// A child's job: its device's output, framed, written to the queue (its stdout) at once.
/// A pipe keeps one write of up to 4 KiB whole, whatever the other children write.
fn show_version(device: Device) -> Result<(), SshError> {
    let output = shared::show_version(&device)?;
    let block = format!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}\n");
    let _ = std::io::stdout().lock().write_all(block.as_bytes());
    Ok(())
}

pub fn run(devices: &[Device]) {
    let start_time = Instant::now();
    let (queue, writer) = match crate::queue::queue() {
        Ok(ends) => ends,
        Err(error) => return println!("Error: cannot make the queue: {error}"),
    };
    let mut children = Vec::new();
    for device in devices {
        match writer.try_clone() {
            Ok(end) => children.push(
                procspawn::Builder::new()
                    .stdout(end)
                    .spawn(device.clone(), show_version),
            ),
            Err(error) => println!("Error: {}: no end of the queue: {error}", device.name),
        }
    }
    // With our own writing end gone, the queue ends once the last child has exited.
    drop(writer);
    for line in BufReader::new(queue).lines().map_while(Result::ok) {
        println!("{line}");
    }
    for child in children {
        match child.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => println!("Error: {error}"),
            Err(error) => println!("Error: a child failed: {error}"),
        }
    }
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
