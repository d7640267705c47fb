//! # Lesson 1: concurrency is not parallelism
//!
//! With no flags this lesson takes about 14 seconds, and most of that wait is the point:
//! the course's exercise 1 serves nine devices one after another, which takes 11 seconds.
//! The concurrency part then adds about 2 seconds (the slowest device), and the
//! parallelism part under a second of computing (up to 1.5 seconds on a machine busy with
//! other programs, where it measures longer).
//!
//! Its three parts, one file each:
//! - `ex1_serial.rs`, the course's exercise 1 and the baseline every later lesson beats: for
//!   each device in turn, connect, run `show version`, print the output between two lines of
//!   dashes; at the end, `Finished in 11.27 seconds`. Nearly all of that time the program
//!   does nothing at all: it waits for one device after another to answer.
//! - `concurrency.rs`: several jobs in progress during the same stretch of time. One thread
//!   per device, all of them pinned to ONE CPU (with the `core_affinity` crate): a thread
//!   that waits on the network does not need the CPU, so while it waits the others use it.
//! - `parallelism.rs`: several jobs executing at the same instant, which takes more than one
//!   CPU. A job that only computes (counting primes) split over threads is no faster when
//!   those threads share one CPU; spread over all CPUs, it is.
//!
//! Run it:
//! ```text
//! cargo run --bin 01-overview
//! cargo run --bin 01-overview -- --part ex1_serial            # one part (or concurrency, parallelism)
//! cargo run --bin 01-overview -- --fault srx2=auth-fail       # one device fails, the rest go on
//! cargo run --bin 01-overview -- --devices 100 --latency 20ms # a bigger, faster lab
//! cargo run --bin 01-overview -- --inventory my-devices.yaml  # your own devices
//! ```
//! What to look for: `Finished in` is about the sum of every device's time; the
//! thread-per-device row is close to the slowest device alone although it had a single CPU;
//! the prime-counting rows only get faster when their threads get more than one CPU.
//! Then try `--devices 1000 --latency 10ms`: with little to wait for, the computing in a
//! thousand SSH handshakes (key exchange, encryption) adds up, and on one CPU it takes
//! longer than the waiting: the thread-per-device row grows well past the slowest device.
//! The closing lines of each part compare the measured times and say which case you got.
//!
//! `--timeline` draws who ran which session when: one row for `ex1_serial`, the sessions one
//! after another; nine rows starting together for `concurrency`.

mod concurrency;
mod cpus;
mod ex1_serial;
mod findings;
mod measure;
mod parallelism;

use std::process::ExitCode;

use clap::Parser;
use shared::Report;

#[derive(Debug, Parser)]
#[command(about = "Lesson 1: the serial baseline, then concurrency against parallelism, measured")]
struct Args {
    #[command(flatten)]
    lab: shared::LabArgs,

    #[command(flatten)]
    parts: shared::PartArgs<Part>,
}

/// The lesson's parts, one file each, in course order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum Part {
    /// The course's exercise 1: `show version` on one device after another
    #[value(alias = "serial")]
    Ex1Serial,
    /// `show version` with one thread per device, all on one CPU
    Concurrency,
    /// A computing job split over threads, on one CPU and on all of them
    Parallelism,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lab = args.lab.start().unwrap_or_else(|e| e.exit());
    // One report for the whole run: a device that fails in both parts is one failed device.
    let report = Report::new(&lab);
    // What ex1_serial measured, for the concurrency part to compare with.
    let mut serial = None;

    args.parts.for_each(|part| match part {
        Part::Ex1Serial => serial = Some(ex1_serial::run(&lab.devices, &report)),
        Part::Concurrency => concurrency::run(&lab.devices, &report, serial.as_ref()),
        Part::Parallelism => parallelism::run(),
    });

    // The timeline (when asked for), the in-process lab stopped, then the summary.
    lab.finish(&report)
}
