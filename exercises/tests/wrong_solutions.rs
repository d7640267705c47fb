//! Typical wrong solutions, each graded as a student's would be: each must fail its exercise
//! with the line meant for it. And every exercise file still as handed out must fail with
//! "not done yet".
//!
//! One binary without the test harness: it grades each case by running itself again with
//! `--run-wrong CASE` (or `--run-student NAME`), as `check` runs itself to execute a
//! student's function, so that the wrong solutions are compiled only here.

use std::process::{Command, ExitCode};
use std::time::Instant;

use crossbeam::channel;
use exercises::grader::{self, EXERCISES, Exercise, Grade};
use shared::{Device, SHORT_DASHES, SshError};

/// A wrong solution of `exercise`, and what its grade must say.
struct Case {
    name: &'static str,
    exercise: &'static str,
    job: fn(&[Device]),
    expect: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "serial_with_a_thread_per_device",
        exercise: "ex1_serial",
        job: wrong::thread_per_device,
        expect: "sessions were open at once (want at most 1): this one is the serial baseline",
    },
    Case {
        name: "serial_keeping_every_connection",
        exercise: "ex1_serial",
        job: wrong::serial_keeping_connections,
        expect: "stayed open",
    },
    Case {
        name: "threads_joined_inside_the_loop",
        exercise: "ex2_legacy_threads",
        job: wrong::join_inside_the_loop,
        expect: "at most 1 session was open at once (want 9): are you joining each thread right \
                 after starting it?",
    },
    Case {
        name: "wait_with_a_thread_per_device",
        exercise: "ex3a_cf_wait",
        job: wrong::thread_per_device,
        expect: "9 sessions were open at once (want at most 5)",
    },
    Case {
        name: "wait_printing_as_completed",
        exercise: "ex3a_cf_wait",
        job: exercises::solutions::ex3b_cf_ascompleted::run,
        expect: "before the last session ended",
    },
    Case {
        name: "ascompleted_serial",
        exercise: "ex3b_cf_ascompleted",
        job: exercises::solutions::ex1_serial::run,
        expect: "at most 1 session was open at once (want 5)",
    },
    Case {
        name: "ascompleted_in_list_order",
        exercise: "ex3b_cf_ascompleted",
        job: wrong::pool_in_list_order,
        expect: "results printed in list order, but",
    },
    Case {
        name: "procs_with_threads",
        exercise: "ex4_cf_ascompleted_procs",
        job: exercises::solutions::ex3b_cf_ascompleted::run,
        expect: "came from the program's own process",
    },
    Case {
        name: "procs_cm_pool_left_running",
        exercise: "ex5_cf_procs_cm",
        job: wrong::pool_left_running,
        expect: "still running after run() returned",
    },
    Case {
        name: "map_in_completion_order",
        exercise: "ex6_cf_map",
        job: wrong::map_as_completed,
        expect: "results printed in completion order",
    },
    Case {
        name: "map_with_a_process_per_device",
        exercise: "ex6_cf_map",
        job: wrong::map_process_per_device,
        expect: "9 processes opened sessions (want at most 5)",
    },
    Case {
        name: "printer_threads_joined_inside_the_loop",
        exercise: "ex7_printer",
        job: wrong::join_inside_the_loop,
        expect: "at most 1 session was open at once (want 9)",
    },
    Case {
        name: "ok_count_counting_every_device",
        exercise: "ex8_ok_count",
        job: wrong::count_every_device,
        expect: "the last line is `9 ok, 0 failed`, but the lab saw 7 devices answer and 2 fail",
    },
    Case {
        name: "lock_order_opposite",
        exercise: "ex9_lock_order",
        job: wrong::locks_in_opposite_order,
        expect: "still running after 10 s",
    },
    Case {
        name: "full_pipe_joined_before_read",
        exercise: "ex10_full_pipe",
        job: wrong::join_before_reading,
        expect: "still running after 10 s",
    },
    Case {
        name: "async_pool_thread_sleep",
        exercise: "ex11_async_pool",
        job: wrong::async_pool_with_thread_sleep,
        expect: "no session had started when the pause ended",
    },
    Case {
        name: "async_pool_on_threads",
        exercise: "ex11_async_pool",
        job: exercises::solutions::ex3a_cf_wait::run,
        expect: "sessions came from 5 threads (want 1)",
    },
    Case {
        name: "blocking_call_on_the_async_thread",
        exercise: "ex12_blocking_call",
        job: wrong::blocking_call_in_the_task,
        expect: "at most 1 session was open at once (want 9): something holds the async thread",
    },
    Case {
        name: "retries_after_a_wrong_password",
        exercise: "ex13_retries",
        job: wrong::retrying_every_failure,
        expect: "srx2's password was refused, and it was tried 6 times",
    },
    Case {
        name: "retries_none",
        exercise: "ex13_retries",
        job: exercises::solutions::ex2_legacy_threads::run,
        expect: "login refused by the AAA server",
    },
    Case {
        name: "max_threads_one_per_device",
        exercise: "ex14_max_threads",
        job: wrong::forty_threads,
        expect: "the AAA server turned away",
    },
    Case {
        name: "max_threads_too_few",
        exercise: "ex14_max_threads",
        job: wrong::two_threads,
        expect: "the AAA server worked on at most 2 logins at once (it takes 8)",
    },
];

fn main() -> ExitCode {
    procspawn::init();
    let args: Vec<String> = std::env::args().collect();
    let after = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let inventory = after("--inventory").map(std::path::PathBuf::from);
    if let (Some(name), Some(inventory)) = (after("--run-wrong"), &inventory) {
        let case = CASES.iter().find(|c| c.name == name).expect("a known case");
        return grader::serve(case.job, inventory);
    }
    if let (Some(name), Some(inventory)) = (after("--run-student"), &inventory) {
        return grader::serve(exercise(name).student, inventory);
    }

    // `cargo test -p exercises --test wrong_solutions -- NAME` runs the cases whose name
    // (or exercise) contains NAME.
    let filter = args.iter().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |text: &str| filter.is_none_or(|f| text.contains(f.as_str()));
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in CASES
        .iter()
        .filter(|c| wanted(c.name) || wanted(c.exercise))
    {
        ran += 1;
        let grade = grader::grade(
            exercise(case.exercise),
            this("--run-wrong", case.name),
            false,
        );
        let said = match &grade {
            Grade::Failed(failure, _) => failure.to_string(),
            Grade::Passed(_) => "passed".to_string(),
            Grade::NotDone => "not done yet".to_string(),
        };
        let ok = said.contains(case.expect);
        println!("{} {}: {said}", if ok { "ok  " } else { "FAIL" }, case.name);
        if !ok {
            failures.push(format!(
                "{}: want `{}`, got `{said}`",
                case.name, case.expect
            ));
        }
    }
    for exercise in EXERCISES.iter().filter(|e| e.untouched() && wanted(e.name)) {
        ran += 1;
        let grade = grader::grade(exercise, this("--run-student", exercise.name), false);
        let ok = matches!(grade, Grade::NotDone);
        println!(
            "{} {} as handed out: not done yet",
            if ok { "ok  " } else { "FAIL" },
            exercise.name
        );
        if !ok {
            failures.push(format!("{} as handed out: {grade:?}", exercise.name));
        }
    }
    println!("\n{ran} graded, {} failed", failures.len());
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        for failure in failures {
            eprintln!("{failure}");
        }
        ExitCode::FAILURE
    }
}

fn exercise(name: &str) -> &'static Exercise {
    EXERCISES
        .iter()
        .find(|e| e.name == name)
        .expect("a known exercise")
}

/// This test binary, run again to execute one function over the grader's lab.
fn this(flag: &str, name: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command.args([flag, name]);
    command
}

fn print_framed(result: Result<String, SshError>) {
    match result {
        Ok(output) => println!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"),
        Err(error) => println!("Error: {error}"),
    }
}

fn finished(start_time: Instant) {
    println!(
        "Finished in {:.2} seconds",
        start_time.elapsed().as_secs_f64()
    );
}

/// The wrong solutions, each the mistake its case is named after.
mod wrong {
    use super::*;

    pub fn thread_per_device(devices: &[Device]) {
        let start_time = Instant::now();
        std::thread::scope(|scope| {
            for device in devices {
                scope.spawn(move || print_framed(shared::show_version(device)));
            }
        });
        finished(start_time);
    }

    /// Serial, but each connection is kept until the end of the run.
    pub fn serial_keeping_connections(devices: &[Device]) {
        let start_time = Instant::now();
        let mut connections = Vec::new();
        for device in devices {
            match shared::Connection::connect(device) {
                Ok(mut connection) => {
                    print_framed(connection.send_command("show version"));
                    connections.push(connection);
                }
                Err(error) => println!("Error: {error}"),
            }
        }
        finished(start_time);
    }

    pub fn join_inside_the_loop(devices: &[Device]) {
        let start_time = Instant::now();
        for device in devices {
            let device = device.clone();
            let thread = std::thread::spawn(move || print_framed(shared::show_version(&device)));
            let _ = thread.join();
        }
        finished(start_time);
    }

    /// A pool of 5 whose results are taken in list order.
    pub fn pool_in_list_order(devices: &[Device]) {
        let start_time = Instant::now();
        let pool = shared::thread_pool(5);
        let futures: Vec<_> = devices
            .iter()
            .map(|device| {
                let (sender, future) = channel::bounded(1);
                let device = device.clone();
                pool.spawn_fifo(move || {
                    let _ = sender.send(shared::show_version(&device));
                });
                future
            })
            .collect();
        for future in futures {
            if let Ok(result) = future.recv() {
                print_framed(result);
            }
        }
        finished(start_time);
    }

    fn show_version(device: Device) -> Result<String, SshError> {
        shared::show_version(&device)
    }

    /// ex5 with the pool forgotten instead of shut down: its workers outlive the function.
    pub fn pool_left_running(devices: &[Device]) {
        let start_time = Instant::now();
        let pool = procspawn::Pool::new(5).expect("a pool of 5");
        let (sender, completed) = channel::unbounded();
        for device in devices {
            let job = pool.spawn(device.clone(), show_version);
            let sender = sender.clone();
            std::thread::spawn(move || sender.send(job.join()));
        }
        drop(sender);
        for result in completed {
            print_framed(result.unwrap_or_else(|e| Err(closed(e))));
        }
        std::mem::forget(pool);
        finished(start_time);
    }

    fn closed(error: procspawn::SpawnError) -> SshError {
        SshError::Closed {
            device: "a worker".to_string(),
            stage: shared::Stage::Command,
            during: error.to_string(),
        }
    }

    fn send_command((device, command): (Device, String)) -> Result<String, SshError> {
        shared::send_command(&device, &command)
    }

    fn print_arp(device: &Device, result: Result<String, SshError>) {
        let command = shared::arp_command(device.device_type);
        match result {
            Ok(output) => println!(
                "{SHORT_DASHES}\n{}: {command}\n{output}\n{SHORT_DASHES}",
                device.name
            ),
            Err(error) => println!("Error: {error}"),
        }
    }

    /// ex6 with one channel for all the jobs: results in completion order.
    pub fn map_as_completed(devices: &[Device]) {
        let start_time = Instant::now();
        let pool = procspawn::Pool::new(5).expect("a pool of 5");
        let (sender, completed) = channel::unbounded();
        for device in devices {
            let pair = (
                device.clone(),
                shared::arp_command(device.device_type).to_string(),
            );
            let job = pool.spawn(pair, send_command);
            let (sender, device) = (sender.clone(), device.clone());
            std::thread::spawn(move || {
                let _ = sender.send((device, job.join()));
            });
        }
        drop(sender);
        for (device, result) in completed {
            print_arp(&device, result.unwrap_or_else(|e| Err(closed(e))));
        }
        pool.shutdown();
        finished(start_time);
    }

    /// ex6 with `procspawn::spawn` for each device: a process per device, not a pool.
    pub fn map_process_per_device(devices: &[Device]) {
        let start_time = Instant::now();
        let handles: Vec<_> = devices
            .iter()
            .map(|device| {
                let pair = (
                    device.clone(),
                    shared::arp_command(device.device_type).to_string(),
                );
                procspawn::spawn(pair, send_command)
            })
            .collect();
        for (device, handle) in devices.iter().zip(handles) {
            print_arp(device, handle.join().unwrap_or_else(|e| Err(closed(e))));
        }
        finished(start_time);
    }

    pub fn count_every_device(devices: &[Device]) {
        std::thread::scope(|scope| {
            for device in devices {
                scope.spawn(move || {
                    if let Err(error) = shared::show_version(device) {
                        println!("Error: {error}");
                    }
                });
            }
        });
        println!("{} ok, 0 failed", devices.len());
    }

    /// ex9 with `note_ok` taking the log first: it waits for the summary that a failing
    /// device's thread holds while that one waits for the log.
    pub fn locks_in_opposite_order(devices: &[Device]) {
        use std::sync::Mutex;
        let summary = Mutex::new((0, 0));
        let log = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for device in devices {
                let (summary, log) = (&summary, &log);
                scope.spawn(move || match shared::show_version(device) {
                    Ok(_) => {
                        let mut log = log.lock().expect("the log");
                        log.push(format!("{}: ok", device.name));
                        summary.lock().expect("the summary").0 += 1;
                    }
                    Err(error) => {
                        let mut summary = summary.lock().expect("the summary");
                        summary.1 += 1;
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        log.lock().expect("the log").push(format!("Error: {error}"));
                    }
                });
            }
        });
        println!("{}", log.into_inner().expect("the log").join("\n"));
    }

    fn show_version_into_queue(device: Device) -> Result<(), SshError> {
        use std::io::Write as _;
        let output = shared::show_version(&device)?;
        let block = format!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}\n");
        let _ = std::io::stdout().lock().write_all(block.as_bytes());
        Ok(())
    }

    /// ex10 joining every child before reading the queue: a child whose output does not
    /// fit waits for a reader that waits for it.
    pub fn join_before_reading(devices: &[Device]) {
        use std::io::{BufRead as _, BufReader};
        let start_time = Instant::now();
        let (queue, writer) = exercises::queue::queue().expect("the queue");
        let children: Vec<_> = devices
            .iter()
            .map(|device| {
                let end = writer.try_clone().expect("an end of the queue");
                procspawn::Builder::new()
                    .stdout(end)
                    .spawn(device.clone(), show_version_into_queue)
            })
            .collect();
        drop(writer);
        for child in children {
            let _ = child.join();
        }
        for line in BufReader::new(queue).lines().map_while(Result::ok) {
            println!("{line}");
        }
        finished(start_time);
    }

    /// ex11 pausing with `std::thread::sleep`: the one thread sleeps, and no task runs.
    #[tokio::main(flavor = "current_thread")]
    pub async fn async_pool_with_thread_sleep(devices: &[Device]) {
        use std::sync::Arc;
        let start_time = Instant::now();
        let pool = Arc::new(tokio::sync::Semaphore::new(5));
        let handles: Vec<_> = devices
            .iter()
            .cloned()
            .map(|device| {
                let pool = Arc::clone(&pool);
                tokio::spawn(async move {
                    let _permit = pool.acquire_owned().await;
                    shared::async_ssh::show_version(&device).await
                })
            })
            .collect();
        std::thread::sleep(exercises::ex11_async_pool::PAUSE);
        let done = handles.iter().filter(|h| h.is_finished()).count();
        println!("{done} of {} done after the pause", handles.len());
        for handle in handles {
            print_framed(handle.await.expect("the task ends"));
        }
        finished(start_time);
    }

    /// ex12 calling the blocking `show_version` inside each task.
    #[tokio::main(flavor = "current_thread")]
    pub async fn blocking_call_in_the_task(devices: &[Device]) {
        let start_time = Instant::now();
        let mut completed = tokio::task::JoinSet::new();
        for device in devices {
            let device = device.clone();
            completed.spawn(async move { shared::show_version(&device) });
        }
        while let Some(joined) = completed.join_next().await {
            print_framed(joined.expect("the task ends"));
        }
        finished(start_time);
    }

    /// ex13 retrying every failure, a wrong password too.
    pub fn retrying_every_failure(devices: &[Device]) {
        use backon::{BlockingRetryable as _, ExponentialBuilder};
        let start_time = Instant::now();
        std::thread::scope(|scope| {
            for device in devices {
                scope.spawn(move || {
                    let backoff = ExponentialBuilder::new()
                        .with_min_delay(std::time::Duration::from_millis(20))
                        .with_max_times(5)
                        .with_jitter();
                    print_framed((|| shared::show_version(device)).retry(backoff).call());
                });
            }
        });
        finished(start_time);
    }

    pub fn forty_threads(devices: &[Device]) {
        exercises::ex14_max_threads::show_version_on_a_pool(devices, 40);
    }

    pub fn two_threads(devices: &[Device]) {
        exercises::ex14_max_threads::show_version_on_a_pool(devices, 2);
    }
}
