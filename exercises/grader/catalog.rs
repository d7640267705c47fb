//! Every exercise, in course order: its lab and what its run must show.

use std::time::Duration;

use mock_device::judge::{self, Failure, Judgment, Printed};
use mock_device::record::{AAA_TIMEOUT, Record};
use mock_device::{AaaConfig, Fault, FleetConfig, Platform};
use shared::{Device, SHORT_DASHES};

use super::{Exercise, Run};

/// The course lab at this fraction of its delays: a pool of 5 is done in about 1 s, the
/// serial baseline in 4.5 s, and the devices still end at least 60 ms apart.
const SPEED: f64 = 0.4;
/// How far apart two moments may be and still count as one, on two busy cores: a line
/// printed this much before its session's end as the mock saw it still came after it.
const SLACK: Duration = Duration::from_millis(150);
/// How late a free worker may take the next device and still count as busy.
const POOL_SLACK: Duration = Duration::from_millis(75);
/// How late the mock may read a session's close: its client has closed it and gone on to
/// the next device (another thread's, or another task's, which the record cannot tie to
/// it), and on two busy cores the close reaches the lab's record after that next accept.
const CLOSE_SLACK: Duration = Duration::from_millis(30);
/// How long a session may stay open after its last command before it counts as kept open.
const LEAK_SLACK: Duration = Duration::from_millis(300);

/// An exercise by its name: its file and solution of that name, graded by the function of
/// that name below, against `$lab`.
macro_rules! exercise {
    ($name:ident, $lab:expr) => {
        Exercise {
            name: stringify!($name),
            source: include_str!(concat!("../src/", stringify!($name), ".rs")),
            solution_source: include_str!(concat!("../solutions/", stringify!($name), ".rs")),
            student: crate::$name::run,
            solution: crate::solutions::$name::run,
            lab: $lab,
            judge: $name,
        }
    };
}

pub static EXERCISES: &[Exercise] = &[
    exercise!(ex1_serial, course_lab),
    exercise!(ex2_legacy_threads, course_lab_at_once),
    exercise!(ex3a_cf_wait, course_lab),
    exercise!(ex3b_cf_ascompleted, course_lab),
    exercise!(ex4_cf_ascompleted_procs, course_lab),
    exercise!(ex5_cf_procs_cm, course_lab),
    exercise!(ex6_cf_map, course_lab),
    exercise!(ex7_printer, course_lab_at_once),
    exercise!(ex8_ok_count, two_refusing),
    exercise!(ex9_lock_order, all_at_once_one_refusing),
    exercise!(ex10_full_pipe, course_lab),
    exercise!(ex11_async_pool, course_lab),
    exercise!(ex12_blocking_call, course_lab_at_once),
    exercise!(ex13_retries, crowded_aaa),
    exercise!(ex14_max_threads, aaa_for_eight),
];

fn course_lab() -> FleetConfig {
    FleetConfig::course_lab().scale_latency(SPEED)
}

/// The course lab for the exercises that start every device at once: slower than
/// [`course_lab`], so that its quickest session (nxos1's, 0.3 s) still overlaps the others
/// when nine threads connect on two busy cores.
fn course_lab_at_once() -> FleetConfig {
    FleetConfig::course_lab().scale_latency(0.6)
}

/// The course's nine devices, every one as quick as the others (so that they finish
/// together), and two that refuse the password.
fn two_refusing() -> FleetConfig {
    let mut config = FleetConfig::course_lab().with_latency(Duration::from_millis(200));
    for device in &mut config.devices {
        if matches!(device.name.as_str(), "arista2" | "srx2") {
            device.fault = Some(Fault::AuthFail);
        }
    }
    config
}

/// The course's nine devices, logins of 0.3 s and instant commands, so that every device
/// ends as the one that refuses the password (srx2) does.
fn all_at_once_one_refusing() -> FleetConfig {
    let mut config = FleetConfig::course_lab().with_latency(Duration::from_millis(300));
    for device in &mut config.devices {
        device.command_delay = Duration::ZERO;
        if device.name == "srx2" {
            device.fault = Some(Fault::AuthFail);
        }
    }
    config
}

/// The course lab, quicker, behind an AAA server for 3 logins at once that turns away a
/// login after 0.15 s in its queue; srx2 refuses the password.
fn crowded_aaa() -> FleetConfig {
    let mut config = FleetConfig::course_lab().scale_latency(0.2);
    config.aaa = Some(AaaConfig {
        capacity: 3,
        delay: Duration::from_millis(100),
        timeout: Duration::from_millis(150),
    });
    for device in &mut config.devices {
        if device.name == "srx2" {
            device.fault = Some(Fault::AuthFail);
        }
    }
    config
}

/// The AAA server of `ex14_max_threads`: 8 logins at once.
const AAA_FOR_EIGHT: AaaConfig = AaaConfig {
    capacity: 8,
    delay: Duration::from_millis(100),
    timeout: Duration::from_millis(150),
};

/// 40 devices behind [`AAA_FOR_EIGHT`], with no delay of their own: a job is nearly all
/// AAA server, so 8 threads keep it full, and many more make a queue that outgrows its
/// patience.
fn aaa_for_eight() -> FleetConfig {
    FleetConfig {
        aaa: Some(AAA_FOR_EIGHT),
        ..FleetConfig::generated(40, &Platform::ALL, Duration::ZERO)
    }
}

/// Each device's `show version` between two lines of 40 dashes (an `Error:` line for one
/// that cannot answer), in the order printed; and `Finished in` last.
fn show_version_framed(run: &Run) -> Result<Vec<Printed>, Failure> {
    let outputs = run.outputs(|_| "show version".to_string());
    let printed = run.results(|d| {
        outputs
            .get(&d.name)
            .map(|output| format!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"))
    })?;
    run.finished_line()?;
    run.sessions_per_device(1)?;
    Ok(printed)
}

/// The record with every close [`CLOSE_SLACK`] earlier: what sessions open at once and a
/// pool's idle workers are judged on.
fn closes(run: &Run) -> Record {
    judge::closes_moved_earlier(&run.record, CLOSE_SLACK)
}

/// A pool of `size` threads of the program's own process.
fn thread_pool(run: &Run, size: usize) -> Judgment {
    judge::pool_of(&closes(run), size, POOL_SLACK)?;
    judge::threads_of(&run.record, run.program_pid)
}

/// A pool of `size` worker processes, none of them the program's or the checker's.
fn process_pool(run: &Run, size: usize) -> Judgment {
    judge::worker_processes(&run.record, size, &[run.program_pid, run.checker_pid])?;
    judge::pool_of(&closes(run), size, POOL_SLACK)
}

fn ex1_serial(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    judge::open_at_once(&closes(run), 1, Duration::ZERO).map_err(|f| {
        f.with_hint("this one is the serial baseline: one device after the other, no threads")
    })?;
    judge::threads_of(&run.record, run.program_pid)?;
    judge::in_list_order(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex2_legacy_threads(run: &Run) -> Judgment {
    show_version_framed(run)?;
    let all = run.devices.len();
    judge::open_at_once(&closes(run), all, Duration::ZERO)?;
    judge::threads_of(&run.record, run.program_pid)?;
    let threads = judge::workers(&run.record).len();
    if threads != all {
        return Err(Failure::new(
            format!("the sessions came from {threads} threads (want {all}, one per device)"),
            "start one thread per device",
        ));
    }
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex3a_cf_wait(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    thread_pool(run, crate::ex3a_cf_wait::MAX_THREADS)?;
    judge::after_all_ended(&run.record, &printed, SLACK)?;
    judge::in_list_order(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex3b_cf_ascompleted(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    thread_pool(run, crate::ex3b_cf_ascompleted::MAX_THREADS)?;
    judge::as_completed(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex4_cf_ascompleted_procs(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    process_pool(run, crate::ex4_cf_ascompleted_procs::MAX_PROCS)?;
    judge::as_completed(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex5_cf_procs_cm(run: &Run) -> Judgment {
    ex4_cf_ascompleted_procs(run)?;
    run.nothing_left_running()
}

fn ex6_cf_map(run: &Run) -> Judgment {
    let command = |d: &Device| shared::arp_command(d.device_type).to_string();
    let outputs = run.outputs(command);
    let printed = run.results(|d| {
        outputs.get(&d.name).map(|output| {
            format!(
                "{SHORT_DASHES}\n{}: {}\n{output}\n{SHORT_DASHES}",
                d.name,
                command(d)
            )
        })
    })?;
    run.finished_line()?;
    run.sessions_per_device(1)?;
    process_pool(run, crate::ex6_cf_map::MAX_PROCS)?;
    judge::in_list_order(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)?;
    run.nothing_left_running()
}

fn ex7_printer(run: &Run) -> Judgment {
    let printed = show_version_framed(run).map_err(|f| {
        f.with_hint(
            "let the main thread alone print: the device threads send their results on a channel",
        )
    })?;
    judge::open_at_once(&closes(run), run.devices.len(), Duration::ZERO)?;
    judge::threads_of(&run.record, run.program_pid)?;
    judge::as_completed(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

/// How many devices the lab saw log in and answer a command.
fn answered(run: &Run) -> usize {
    run.record
        .sessions
        .iter()
        .filter(|s| {
            s.auth.as_ref().is_some_and(|a| a.ok) && s.commands.iter().any(|c| c.end.is_some())
        })
        .count()
}

/// The last line (before `Finished in`, if any) is `<ok> ok, <failed> failed` with the
/// counts the lab saw.
fn ok_failed_line(run: &Run) -> Judgment {
    let ok = answered(run);
    let failed = run.devices.len() - ok;
    let want = format!("{ok} ok, {failed} failed");
    let last = run
        .lines
        .iter()
        .rev()
        .map(|(_, line)| line.as_str())
        .find(|line| !line.trim().is_empty() && !line.starts_with("Finished in "))
        .unwrap_or("");
    if last == want {
        Ok(())
    } else {
        Err(Failure::new(
            format!(
                "the last line is `{last}`, but the lab saw {ok} devices answer and {failed} fail"
            ),
            "count a device as ok only when its result came back ok, each once, in a count no \
             thread can overwrite (AtomicUsize::fetch_add, or a Mutex)",
        ))
    }
}

/// An `Error: <device>: ...` line, once, for each device that cannot answer.
fn error_lines(run: &Run, refusing: &[&str]) -> Judgment {
    for device in refusing {
        let lines = run
            .lines
            .iter()
            .filter(|(_, l)| l.starts_with(&format!("Error: {device}")))
            .count();
        if lines != 1 {
            return Err(Failure::new(
                format!("{lines} `Error: {device}: ...` lines (want 1: its password is refused)"),
                "print `Error: <error>` once for each device that fails",
            ));
        }
    }
    Ok(())
}

fn ex8_ok_count(run: &Run) -> Judgment {
    run.sessions_per_device(1)?;
    error_lines(run, &["arista2", "srx2"])?;
    ok_failed_line(run)?;
    judge::open_at_once(&closes(run), run.devices.len(), Duration::ZERO)?;
    judge::threads_of(&run.record, run.program_pid)
}

fn ex9_lock_order(run: &Run) -> Judgment {
    run.sessions_per_device(1)?;
    error_lines(run, &["srx2"])?;
    for name in run.names().into_iter().filter(|&n| n != "srx2") {
        let line = format!("{name}: ok");
        if !run.lines.iter().any(|(_, l)| *l == line) {
            return Err(Failure::new(
                format!("no `{line}` line in the log"),
                "push `<device>: ok` on the log",
            ));
        }
    }
    ok_failed_line(run)?;
    judge::threads_of(&run.record, run.program_pid)
}

fn ex10_full_pipe(run: &Run) -> Judgment {
    show_version_framed(run)?;
    let all = run.devices.len();
    judge::worker_processes(&run.record, all, &[run.program_pid, run.checker_pid])?;
    let processes = judge::pids(&run.record).len();
    if processes != all {
        return Err(Failure::new(
            format!("the sessions came from {processes} processes (want {all}, one per device)"),
            "start one process per device",
        ));
    }
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex11_async_pool(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    judge::one_thread(&run.record)?;
    let Some((paused, _)) = run
        .lines
        .iter()
        .find(|(_, l)| l.ends_with("done after the pause"))
    else {
        return Err(Failure::new(
            "no `<n> of <total> done after the pause` line",
            "print it once the pause is over",
        ));
    };
    // A line is stamped when the checker reads it, which a busy machine can delay: a session
    // counts as started during the pause only if it began well before the line was read.
    let during_pause = crate::ex11_async_pool::PAUSE / 2;
    if !run
        .record
        .sessions
        .iter()
        .any(|s| s.accepted + during_pause < *paused)
    {
        return Err(Failure::new(
            format!(
                "no session had started when the pause ended ({:.2} s)",
                paused.as_secs_f64()
            ),
            "the one thread runs the tasks only while it awaits: pause with \
             tokio::time::sleep(..).await, not std::thread::sleep",
        ));
    }
    judge::pool_of(&closes(run), crate::ex11_async_pool::MAX_TASKS, POOL_SLACK)?;
    judge::in_list_order(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex12_blocking_call(run: &Run) -> Judgment {
    let printed = show_version_framed(run)?;
    judge::open_at_once(&closes(run), run.devices.len(), Duration::ZERO).map_err(|f| {
        f.with_hint(
            "something holds the async thread while a session runs: hand the blocking call to \
             spawn_blocking (and pause with tokio::time::sleep, never std::thread::sleep)",
        )
    })?;
    judge::threads_of(&run.record, run.program_pid)?;
    judge::as_completed(&run.record, &printed, &run.names(), SLACK)?;
    judge::none_left_open(&run.record, LEAK_SLACK)
}

fn ex13_retries(run: &Run) -> Judgment {
    let outputs = run.outputs(|_| "show version".to_string());
    run.results(|d| {
        outputs
            .get(&d.name)
            .map(|output| format!("{SHORT_DASHES}\n{output}\n{SHORT_DASHES}"))
    })
    .map_err(|f| {
        f.with_hint(
            "try a device again when it failed in a way that may pass (SshError::is_transient), \
             waiting longer each time",
        )
    })?;
    run.finished_line()?;
    let sessions = run.record.sessions_per_device();
    let tried = sessions.get("srx2").copied().unwrap_or(0);
    if tried != 1 {
        return Err(Failure::new(
            format!("srx2's password was refused, and it was tried {tried} times"),
            "never retry after a wrong password: it will not change (retry only when \
             SshError::is_transient says so)",
        ));
    }
    let most = 1 + crate::ex13_retries::RETRIES;
    for name in run.names().into_iter().filter(|&n| n != "srx2") {
        let n = sessions.get(name).copied().unwrap_or(0);
        if n > most {
            return Err(Failure::new(
                format!("{name} was tried {n} times (want at most {most})"),
                format!("stop after {} retries", crate::ex13_retries::RETRIES),
            ));
        }
    }
    judge::threads_of(&run.record, run.program_pid)
}

fn ex14_max_threads(run: &Run) -> Judgment {
    let turned_away: usize = run.record.refused_per_device(AAA_TIMEOUT).values().sum();
    if turned_away > 0 {
        return Err(Failure::new(
            format!(
                "the AAA server turned away {turned_away} logins that waited {:.2} s in its queue",
                AAA_FOR_EIGHT.timeout.as_secs_f64()
            ),
            "fewer threads: past what the AAA server takes at once, logins only queue, and too \
             long a queue fails them",
        ));
    }
    let busy = run.record.peak_aaa_busy();
    if busy < AAA_FOR_EIGHT.capacity {
        return Err(Failure::new(
            format!(
                "the AAA server worked on at most {busy} logins at once (it takes {})",
                AAA_FOR_EIGHT.capacity
            ),
            "more threads would keep it busy and finish sooner",
        ));
    }
    run.sessions_per_device(1)?;
    ok_failed_line(run)?;
    run.finished_line()
}
