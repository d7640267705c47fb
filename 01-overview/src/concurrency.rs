//! Concurrency (the notes: several jobs in progress within the same stretch of time, while
//! at any instant only one of them executes).
//!
//! The same `show version` as exercise 1, now one thread per device, and every one of those
//! threads pinned to ONE CPU. Run only this part: `--part concurrency`, or after the serial
//! baseline: `--part ex1_serial,concurrency`. Look for: the thread-per-device row close to
//! the slowest device alone, not to the sum: a thread waiting on the network needs no CPU.
//! The closing lines come from the measured times (`findings.rs`): a lab with little to wait
//! for tells a different story.

use std::thread;
use std::time::{Duration, Instant};

use shared::{Device, Report};

use crate::measure::Serial;
use crate::{cpus, findings, measure};

pub fn run(devices: &[Device], report: &Report, serial: Option<&Serial>) {
    shared::print_header("Concurrency: one thread per device, all on one CPU");
    let one_cpu = cpus::one_to_pin_to();
    cpus::print_machine(one_cpu);

    // The lab's devices run inside this process too, on threads of their own that stand in
    // for remote routers: those are not pinned, only the threads that talk to them.
    let cpu_before = measure::process_cpu_time();
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
    // The CPU time this process got meanwhile (an in-process lab's devices included),
    // against the wall time: how much of the run was computing rather than waiting.
    let computing = measure::process_cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| {
            (after.saturating_sub(before)).as_secs_f64() / fan_out.as_secs_f64()
        });

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
    println!(
        "\n{}",
        findings::concurrency(fan_out, serial, computing, one_cpu.is_some())
    );
}

fn row(job: &str, threads: usize, on: &str, time: Duration, note: &str) {
    let line = format!(
        "{job:<40} {threads:>7}  {on:<8} {:>9}  {note}",
        seconds(time)
    );
    println!("{}", line.trim_end());
}

pub fn seconds(time: Duration) -> String {
    format!("{:.3} s", time.as_secs_f64())
}
