//! `cargo run --bin check`: the exercises, graded from what the lab's devices saw.
//! `cargo run --bin check NAME` grades one; `--help` lists the rest.

use std::process::ExitCode;

fn main() -> ExitCode {
    // First line, always: the process-pool exercises' workers are this program started
    // again, and `init()` is where such a worker turns to its job and never returns.
    procspawn::init();
    exercises::grader::cli::main()
}
