//! `ex3b_cf_ascompleted`, the course's exercise: `show version` on every device, from a
//! pool of five threads inside a `with` block, each output printed as soon as it completes,
//! framed by lines of 40 dashes; then `Finished in N.NN seconds`.
//!
//! New against `ssh_threads_ascompleted_cm`: the job runs a command (`show version`), not
//! just `find_prompt()`, and the pool has the exercises' five threads
//! (`shared::EXERCISE_MAX_THREADS`). `--part ex3b_cf_ascompleted` (or `ex3b`). What to look
//! for: each output between its dashes, in completion order. With a fifth thread arista3
//! (fifth in the list) starts at once, so it now comes before arista4; a quiet run still
//! prints `Finished in`.

use std::time::Instant;

use crossbeam::channel;
use shared::{Device, Report, SHORT_DASHES, show_version};

pub fn run(device_list: &[Device], max_threads: usize, report: &Report) {
    shared::print_header(&format!(
        "exercise 3b: show version on a pool of {max_threads}, as each completes"
    ));
    let start_time = Instant::now();
    let pool = shared::thread_pool(max_threads);
    let (sender, completed) = channel::unbounded();

    pool.in_place_scope_fifo(|scope| {
        for a_device in device_list {
            let sender = sender.clone();
            scope.spawn_fifo(move |_| {
                let _ = sender.send((&a_device.name, show_version(a_device)));
            });
        }
        drop(sender);

        for (device_name, result) in completed {
            match report.count(device_name, &result) {
                Ok(output) => report.println(format!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}")),
                Err(error) => report.println(format!("Error: {error}")),
            }
        }
    });

    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}
