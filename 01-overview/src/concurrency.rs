//! Concurrency (the notes: several jobs in progress within the same stretch of time, while
//! at any instant only one of them executes).
//!
//! The same `show version` as exercise 1, now one thread per device, and every one of those
//! threads pinned to ONE CPU. Run only this part: `--part concurrency`, or after the serial
//! baseline: `--part ex1_serial,concurrency`. Look for: the thread-per-device row close to
//! the slowest device alone, not to the sum: a thread waiting on the network needs no CPU.
//!
//! About 120 lines: what the times show is said from the measured times, in one of three
//! sentences, because a lab with little to wait for tells a different story.

use std::thread;
use std::time::{Duration, Instant};

use shared::{Device, Report};

use crate::cpus;
use crate::ex1_serial::Serial;

pub fn run(devices: &[Device], report: &Report, serial: Option<&Serial>) {
    shared::print_header("Concurrency: one thread per device, all on one CPU");
    let one_cpu = cpus::one_to_pin_to();
    cpus::print_machine(one_cpu);

    // The lab's devices run inside this process too, on threads of their own that stand in
    // for remote routers: those are not pinned, only the threads that talk to them.
    let start_time = Instant::now();
    let results = thread::scope(|scope| {
        let threads: Vec<_> = devices
            .iter()
            .map(|a_device| {
                scope.spawn(move || {
                    cpus::pin_to(one_cpu);
                    shared::show_version(a_device)
                })
            })
            .collect();
        threads.into_iter().map(shared::join).collect::<Vec<_>>()
    });
    let fan_out = start_time.elapsed();

    let mut any_error = false;
    for (a_device, result) in devices.iter().zip(&results) {
        if let Err(error) = report.count(&a_device.name, result) {
            report.println(format!("Error: {error}"));
            any_error = true;
        }
    }
    if any_error && !report.is_quiet() {
        println!();
    }

    println!("{:<40} {:>7}  {:<8} {:>9}", "job", "threads", "on", "time");
    if let Some(serial) = serial {
        row(
            "show version, one device after another",
            1,
            "any CPU",
            serial.total,
            "",
        );
    }
    let note = serial.map_or(String::new(), |serial| {
        format!("slowest device alone: {}", seconds(serial.slowest_device))
    });
    let job = "show version, one thread per device";
    row(job, devices.len(), "1 CPU", fan_out, &note);
    println!("\n{}", what_it_shows(fan_out, serial, one_cpu.is_some()));
}

fn row(job: &str, threads: usize, on: &str, time: Duration, note: &str) {
    let line = format!(
        "{job:<40} {threads:>7}  {on:<8} {:>9}  {note}",
        seconds(time)
    );
    println!("{}", line.trim_end());
}

fn seconds(time: Duration) -> String {
    format!("{:.3} s", time.as_secs_f64())
}

/// What the pinned fan-out shows, said from the measured times: a fixed sentence would be
/// wrong for some labs (a thousand devices with little latency are a different story).
fn what_it_shows(fan_out: Duration, serial: Option<&Serial>, pinned: bool) -> String {
    let threads = if pinned {
        "The threads, sharing one CPU,"
    } else {
        "The threads"
    };
    let Some(serial) = serial else {
        return format!(
            "{threads} waited on their devices together. Run exercise 1\n\
             first (--part ex1_serial,concurrency) to compare that with one device after another."
        );
    };
    let (fan_out_s, slowest_s, serial_s) = (
        seconds(fan_out),
        seconds(serial.slowest_device),
        seconds(serial.total),
    );
    let times_slowest = fan_out.as_secs_f64() / serial.slowest_device.as_secs_f64();
    let times_sooner = serial.total.as_secs_f64() / fan_out.as_secs_f64();
    if times_slowest < 1.5 {
        format!(
            "Waiting overlaps. {threads} finished in about the time of the\n\
             slowest device ({fan_out_s} against {slowest_s}), not the sum ({serial_s}): a thread\n\
             that waits on the network needs no CPU. That is concurrency."
        )
    } else if times_sooner > 2.0 {
        format!(
            "Waiting overlaps, but this was not all waiting. {threads} finished\n\
             {times_sooner:.0}x sooner than one device after another ({fan_out_s} against {serial_s}), \
             yet took\n{times_slowest:.0}x the slowest device's time ({slowest_s}): with this little \
             to wait for, the\ncomputing in the SSH sessions (key exchange, encryption) is no longer \
             small next to\nthe waiting, and computing does not overlap on one CPU."
        )
    } else {
        format!(
            "Little overlapped. {threads} were only {times_sooner:.1}x as fast as one device\n\
             after another ({fan_out_s} against {serial_s}): these sessions are mostly computing \
             (key\nexchange, encryption), not waiting, and computing does not overlap on one CPU."
        )
    }
}
