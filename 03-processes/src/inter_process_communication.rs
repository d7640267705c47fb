//! Inter-process communication (the notes: sharing data between processes is harder than
//! between threads, since they share no memory).
//!
//! Here is how every worker of this lesson gets its device and sends back its result: the
//! parent writes the device as JSON into the worker's stdin, the worker writes its reply as
//! JSON on its stdout. Python's `multiprocessing` does the same with `args=(device,)`: it
//! pickles them into a pipe. Run only this part: `--part inter_process_communication` (or
//! `ipc`). Look for: the two messages, exactly as they crossed the pipes (the password
//! hidden here), for the first device. Both ends of the pipe are in `workers.rs`.

use std::path::Path;

use shared::{Device, Report};

use crate::workers::{message_for, read_reply, start_ssh_worker};

pub fn run(devices: &[Device], report: &Report, program: &Path) {
    shared::print_header("Inter-process communication: JSON through a worker's stdin and stdout");
    let Some(a_device) = devices.first() else {
        return;
    };
    let hidden = Device {
        password: "********".into(),
        ..a_device.clone()
    };
    if let Ok(message) = message_for(&hidden) {
        report.println(format!(
            "The parent wrote on the worker's stdin (the password hidden here):\n{message}\n"
        ));
    }
    let worker = start_ssh_worker(program, a_device);
    let result = match worker.and_then(|child| read_reply(child, a_device)) {
        Ok((text, reply)) => {
            report.println(format!(
                "The worker wrote on its stdout:\n{text}\n\
                 (serde's JSON of a Rust `Result`: `Ok` holds the prompt, `Err` the error;\n\
                 Python would pickle the prompt string or the exception object.)\n"
            ));
            reply.result
        }
        Err(error) => Err(error),
    };
    report.print_result(&a_device.name, &result);
    println!(
        "\nEach side turns its data into text and the other side reads it back (serde_json here,\n\
         pickle in Python): the two processes have no memory in common to pass it in."
    );
}
