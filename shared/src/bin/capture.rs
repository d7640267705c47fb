//! `capture`: log in to real devices, run some commands, and write a fleet file with which
//! the mock lab answers them as they did.
//!
//! ```text
//! cargo run -p shared --bin capture -- --inventory real.yaml \
//!     --command "show version" --command "show ip arp" --fleet-out mylab.yaml
//! cargo run -p mock-device -- --fleet mylab.yaml --inventory-out lab.yaml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use shared::capture::{self, Captured};

#[derive(Debug, Parser)]
#[command(
    about = "Log in to each device of an inventory, run the commands given, and write a fleet \
             file (for mock-device --fleet) that serves what they answered"
)]
struct Args {
    /// The devices (the lessons' inventory format)
    #[arg(long, value_name = "FILE")]
    inventory: PathBuf,
    /// A command to run on every device, written in full (repeatable)
    #[arg(long = "command", value_name = "COMMAND", required = true)]
    commands: Vec<String>,
    /// Where to write the fleet file
    #[arg(long, value_name = "FILE")]
    fleet_out: PathBuf,
    /// How many devices to log in to at once
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    workers: u32,
    /// Seconds to wait on a silent device, at every stage (default: the inventory's)
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    timeout: Option<f64>,
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Ok(seconds),
        _ => Err(format!("`{text}` is not a positive number of seconds")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut devices = shared::load_inventory(&args.inventory).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    if let Some(seconds) = args.timeout {
        for device in &mut devices {
            device.set_timeouts(seconds);
        }
    }
    let results = capture::capture_all(
        &devices,
        &args.commands,
        args.workers as usize,
        |device, result| match result {
            Ok(captured) => {
                println!(
                    "{}: {} of {} outputs, hostname {}",
                    device.name,
                    captured.outputs.len(),
                    args.commands.len(),
                    captured.hostname
                );
                for refused in &captured.refused {
                    println!("  not kept: {refused}");
                }
            }
            Err(error) => println!("Error: {error}"),
        },
    );
    let results = match results {
        Ok(results) => results,
        Err(e) => {
            eprintln!("error: cannot start the SSH client's runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let failed = results.iter().filter(|r| r.is_err()).count();
    let captured: Vec<Captured> = results.into_iter().flatten().collect();
    let text = match capture::fleet_yaml(&captured, &args.inventory.display().to_string()) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot write the fleet file: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&args.fleet_out, text) {
        eprintln!("error: cannot write {}: {e}", args.fleet_out.display());
        return ExitCode::FAILURE;
    }
    println!(
        "Wrote {}: {} devices ({failed} failed). Serve it with:\n    \
         cargo run -p mock-device -- --fleet {} --inventory-out lab.yaml",
        args.fleet_out.display(),
        captured.len(),
        args.fleet_out.display()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
