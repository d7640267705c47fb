//! The targets section of BENCHMARKS.md: (a) pools at 1000 devices and 1 s, (b) sessions/s
//! at zero latency, (c) memory of thread and process pools, (d) the 10,000-device mock,
//! (e) the cost of recording, (f)–(h) lesson 10's tasks on one thread, (i) CPU
//! per session against the crypto floor (`floor.rs`); and why a row missed its target.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cost::{COST_LIMIT, Cost, total_cpu};
use crate::fleet::BigFleet;
use crate::floor::floor_targets;
use crate::markdown::{Report, find, fmt_secs, opt};
use crate::measure::Measure;
use crate::run::{Row, median};
use crate::{
    ASYNC_ALL, ASYNC_POOL, BIG_CELL, BIG_CELL_POOL, BIG_FLEET, MAP, POOL_WORKERS, PROCESS_POOL,
    SMALL_POOL, STRATEGIES, THREAD_PER_DEVICE, THREAD_POOL,
};

pub fn verdict(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**MISSED**" }
}

pub fn targets(w: &mut String, r: &Report) {
    let _ = writeln!(w, "## Targets\n");
    let second = Duration::from_secs(1);
    // (a)
    let _ = writeln!(
        w,
        "**(a) 1000 devices, 1 s latency, {POOL_WORKERS} workers**: the thread pool and map \
         within 1.05 × the ideal 10 s, the process pool within 1.10 ×.\n"
    );
    let mut any = false;
    for (strategy, limit) in [(THREAD_POOL, 1.05), (MAP, 1.05), (PROCESS_POOL, 1.10)] {
        let Some(row) = find(r.rows, 1000, second, strategy, POOL_WORKERS) else {
            continue;
        };
        any = true;
        let ideal = row.job.ideal().as_secs_f64();
        match row.wall() {
            Some(wall) => {
                let ratio = wall / ideal;
                let _ = writeln!(
                    w,
                    "- {}: {} = {ratio:.3} × ideal (limit {limit:.2} ×): {}{}",
                    STRATEGIES[strategy].name,
                    fmt_secs(wall),
                    verdict(ratio <= limit && row.failures.is_empty()),
                    if row.failures.is_empty() {
                        String::new()
                    } else {
                        format!(", with {} failed runs", row.failures.len())
                    }
                );
                if ratio > limit {
                    let why = explain_slow(r.rows, row, wall);
                    let _ = writeln!(w, "  {why}");
                }
            }
            None => {
                let _ = writeln!(
                    w,
                    "- {}: no successful run: **MISSED**",
                    STRATEGIES[strategy].name
                );
            }
        }
    }
    if !any {
        let _ = writeln!(w, "- not measured in this run");
    }
    let _ = writeln!(w);

    // (b)
    let _ = writeln!(
        w,
        "**(b) 1000 devices, zero latency**: at least 1500 sessions/s for the thread pool \
         with {SMALL_POOL} workers.\n"
    );
    match find(r.rows, 1000, Duration::ZERO, THREAD_POOL, SMALL_POOL) {
        Some(row) => match (row.rate(), row.wall()) {
            (Some(rate), Some(wall)) => {
                let _ = writeln!(
                    w,
                    "- thread pool, W = {SMALL_POOL}: {rate:.0} sessions/s ({} for 1000): {}",
                    fmt_secs(wall),
                    verdict(rate >= 1500.0 && row.failures.is_empty())
                );
                if let Some(map) = find(r.rows, 1000, Duration::ZERO, MAP, SMALL_POOL)
                    && let Some(rate) = map.rate()
                {
                    let _ = writeln!(w, "- (map, W = {SMALL_POOL}: {rate:.0} sessions/s)");
                }
                let client = row.med(|m| m.cpu).unwrap_or(0.0);
                let mock = row.med(|m| m.mock_cpu).unwrap_or(0.0);
                let per = (client + mock) / 1000.0 * 1000.0;
                let cores = r.machine.cores.max(1) as f64;
                let _ = writeln!(
                    w,
                    "- Each session cost {:.2} ms of client CPU and {:.2} ms of mock CPU, \
                     {per:.2} ms in all; client and mock share the {} cores, so the CPU \
                     alone caps this machine at about {:.0} sessions/s.",
                    client,
                    mock,
                    r.machine.cores,
                    cores * 1000.0 / per.max(1e-9)
                );
                if rate < 1500.0 {
                    let _ = writeln!(
                        w,
                        "- Why it is missed: {}",
                        if r.others_share > 0.10 {
                            format!(
                                "other programs used {:.0} % of the machine meanwhile, and \
                                 this row is CPU-bound; ",
                                r.others_share * 100.0
                            )
                        } else {
                            String::new()
                        } + "the figure includes the lesson's own start-up and exit, \
                             which a sustained rate would not pay. It would take a quieter \
                             machine, or fewer CPU milliseconds per session on either side."
                    );
                }
            }
            _ => {
                let _ = writeln!(w, "- no successful run: **MISSED**");
            }
        },
        None => {
            let _ = writeln!(w, "- not measured in this run");
        }
    }
    let _ = writeln!(w);

    // (c)
    let _ = writeln!(
        w,
        "**(c) Memory of {POOL_WORKERS} pool threads against the process pool's workers** \
         (client peak, 1000 devices, 1 s latency, W = {POOL_WORKERS}; the per-device \
         strategies at 1000 devices for scale):\n"
    );
    let pick = |lat: Duration, s: usize, workers: usize| find(r.rows, 1000, lat, s, workers);
    if pick(second, THREAD_POOL, POOL_WORKERS).is_none()
        && pick(second, PROCESS_POOL, POOL_WORKERS).is_none()
    {
        let _ = writeln!(w, "- not measured in this run\n");
    } else {
        let _ = writeln!(
            w,
            "| | thread pool (06-futures), W = {POOL_WORKERS} | process pool (09-process-pool), W = {POOL_WORKERS} | thread per device (1000 threads) | process per device (1000 processes) |"
        );
        let _ = writeln!(w, "|---|--:|--:|--:|--:|");
        let cols = [
            pick(second, THREAD_POOL, POOL_WORKERS),
            pick(second, PROCESS_POOL, POOL_WORKERS),
            pick(second, 1, 1000),
            pick(second, 2, 1000),
        ];
        let line = |name: &str, f: &dyn Fn(&Row) -> Option<f64>| {
            let cells: Vec<String> = cols
                .iter()
                .map(|c| c.and_then(f).map_or("–".into(), |v| format!("{v:.1} MiB")))
                .collect();
            format!("| {name} | {} |", cells.join(" | "))
        };
        let _ = writeln!(w, "{}", line("peak RSS, summed", &|row| row.rss_mib()));
        let _ = writeln!(w, "{}", line("peak PSS, summed", &|row| row.pss_mib()));
        let _ = writeln!(
            w,
            "{}",
            line("peak PSS per worker", &|row| row
                .pss_mib()
                .map(|v| v / row.job.workers as f64))
        );
        let _ = writeln!(w);
        if let (Some(t), Some(p)) = (
            cols[0].and_then(|r| r.pss_mib()),
            cols[1].and_then(|r| r.pss_mib()),
        ) {
            let _ = writeln!(
                w,
                "The process pool's workers take {:.1} × the memory of the thread pool \
                 (PSS; {:.1} MiB more for {POOL_WORKERS} workers). A thread costs its stack \
                 as far as it is touched; a worker process carries its own heap, its own \
                 copy of the program's writable data, its own SSH library state.\n",
                p / t.max(1e-9),
                p - t
            );
        }
    }

    // (d)
    let _ = writeln!(
        w,
        "**(d) The mock with {BIG_FLEET} devices**: start-up and memory.\n"
    );
    match r.big {
        Some(big) => mock_start_up(w, big),
        None => {
            let _ = writeln!(w, "- not measured in this run\n");
        }
    }

    // (e)
    let _ = writeln!(
        w,
        "**(e) The cost of recording**: at 1000 devices, zero latency, thread pool with \
         {SMALL_POOL} workers, a fleet writing its events file (`--events-out`) costs at most \
         {:.0} % more wall time and at most {:.0} % more CPU (client and mock) than one that \
         does not.\n",
        COST_LIMIT * 100.0,
        COST_LIMIT * 100.0
    );
    match r.cost {
        Some(cost) => recording_cost(w, cost),
        None => {
            let _ = writeln!(w, "- not measured in this run (no zero-latency cell)");
        }
    }
    let _ = writeln!(w);

    async_targets(w, r);
    floor_targets(w, r);
}

/// Target (d)'s figures: the 10,000-device mock's start-up and memory.
pub fn mock_start_up(w: &mut String, big: &BigFleet) {
    match (median(big.ready.clone()), median(big.rss.clone())) {
        (Some(ready), Some(rss)) => {
            let _ = writeln!(
                w,
                "- `mock-device --devices {BIG_FLEET} --inventory-out F`, from starting the \
                 process to a complete inventory file: **{}** (median of {}; the mock's own \
                 figure for starting the fleet: {}).",
                fmt_secs(ready),
                big.ready.len(),
                opt(median(big.reported.clone()), fmt_secs)
            );
            let _ = writeln!(
                w,
                "- Its memory, idle with {BIG_FLEET} devices listening: **{rss:.1} MiB** RSS \
                 ({:.1} KiB per device).",
                rss * 1024.0 / BIG_FLEET as f64
            );
        }
        _ => {
            let _ = writeln!(w, "- no successful start: **MISSED**");
        }
    }
    for f in &big.failures {
        let _ = writeln!(w, "- failed: {f}");
    }
    let _ = writeln!(w);
}

/// Target (e): the medians of the two sides of [`Cost`], and the verdict.
pub fn recording_cost(w: &mut String, cost: &Cost) {
    let (Some((wall, cpu)), Some(plain_wall), Some(plain_cpu)) = (
        cost.overhead(),
        Cost::wall(&cost.plain),
        Cost::cpu(&cost.plain),
    ) else {
        let _ = writeln!(w, "- no successful runs on one side or both: **MISSED**");
        return;
    };
    let pct = |v: f64| format!("{:+.1} %", v * 100.0);
    // Only the target's own setting gets a verdict (quick mode and subsets measure what
    // they run, at their largest N).
    let at_target = cost.job.n == 1000 && cost.job.workers == SMALL_POOL;
    let judge = |overhead: f64| {
        if at_target {
            verdict(overhead <= COST_LIMIT && cost.failures.is_empty())
        } else {
            "no verdict (not the target's setting)"
        }
    };
    let _ = writeln!(
        w,
        "- wall (median): {} recording against {} not ({}, limit +{:.0} %): {}",
        opt(Cost::wall(&cost.recording), fmt_secs),
        fmt_secs(plain_wall),
        pct(wall),
        COST_LIMIT * 100.0,
        judge(wall)
    );
    let _ = writeln!(
        w,
        "- CPU, client and mock (mean): {} recording against {plain_cpu:.3} s not ({}, limit \
         +{:.0} %): {}",
        opt(Cost::cpu(&cost.recording), |v| format!("{v:.3} s")),
        pct(cpu),
        COST_LIMIT * 100.0,
        judge(cpu)
    );
    // How far single runs of the same side stray from their median: the noise a reader
    // weighs the difference against.
    let scatter = |runs: &[Measure], f: fn(&Measure) -> f64| {
        let med = median(runs.iter().map(f).collect()).unwrap_or(0.0);
        median(runs.iter().map(|m| (f(m) - med).abs()).collect()).unwrap_or(0.0) / med.max(1e-9)
    };
    let _ = writeln!(
        w,
        "- Over {} runs recording and {} not. Single runs against the fleet that does not \
         record stray from their median by {:.1} % (wall) and {:.1} % (CPU) typically \
         (median absolute deviation); the figures above, over all the runs, are finer than \
         one run, but a difference of a few tenths of that is still the machine as much as \
         the recording.",
        cost.recording.len(),
        cost.plain.len(),
        scatter(&cost.plain, |m| m.wall) * 100.0,
        scatter(&cost.plain, total_cpu) * 100.0
    );
    if !at_target {
        let _ = writeln!(
            w,
            "- Measured at {} devices, W = {}, not the target's 1000 and {SMALL_POOL} \
             (quick mode or a subset).",
            cost.job.n, cost.job.workers
        );
    }
}

/// Why a pool took longer than its target: compare with the same lesson at zero latency,
/// which is what waiting cannot hide.
pub fn explain_slow(rows: &[Row], row: &Row, wall: f64) -> String {
    let ideal = row.job.ideal().as_secs_f64();
    let excess = wall - ideal;
    let mut text = format!("Why: {excess:.2} s over the ideal.");
    let process = row.job.strategy == PROCESS_POOL;
    let zero = find(
        rows,
        row.job.n,
        Duration::ZERO,
        row.job.strategy,
        row.job.workers,
    )
    .and_then(Row::wall);
    if let Some(zero) = zero {
        let _ = write!(
            text,
            " The same lesson over the same {} devices with no latency at all takes {}: \
             starting the program{}, reading the inventory, and the CPU of {} SSH logins on \
             both sides, which share the machine's cores. That part is not waiting, so \
             latency cannot hide it; it is {:.0} % of the excess.",
            row.job.n,
            fmt_secs(zero),
            if process {
                format!(" and its {} worker processes", row.job.workers)
            } else {
                String::new()
            },
            row.job.n,
            (zero / excess.max(1e-9) * 100.0).min(999.0)
        );
    }
    if let Some(cpu) = row.med(|m| m.cpu) {
        let _ = write!(
            text,
            " Over this run the client used {cpu:.2} s of CPU and the mock {:.2} s.",
            row.med(|m| m.mock_cpu).unwrap_or(0.0)
        );
    }
    text.push_str(if process {
        " What it would take: workers that start faster or before the clock (procspawn \
         starts them one by one, each a new process of the whole program), or a target \
         with room for the pool's start-up."
    } else {
        " What it would take: less fixed cost per run, or a quieter machine."
    });
    text
}

/// Why the russh client's sessions cost more CPU than the ssh2 client's: read from russh's
/// source (`negotiation.rs`, `SAFE_KEX_ORDER`), where both sides' first choice is the
/// post-quantum hybrid key exchange; libssh2 (libssh2-sys 0.3.4) does not offer it.
pub const KEX_NOTE: &str = "The russh client and the mock's russh server both put \
     `mlkem768x25519-sha256` first (russh's default key exchanges), so lesson 10's sessions \
     do an ML-KEM-768 key exchange on top of X25519, on both sides; the ssh2 lessons get \
     X25519 alone (`curve25519-sha256`: libssh2 has no `mlkem768x25519-sha256`).";

/// Targets (f)–(h): lesson 10 against lesson 4 and the ssh2 thread pool.
pub fn async_targets(w: &mut String, r: &Report) {
    let second = Duration::from_secs(1);
    let cores = r.machine.cores;
    // (f)
    let _ = writeln!(
        w,
        "**(f) 1000 devices, 1 s latency, 10-async with a task per device** (W unbounded): \
         within 1.10 × the ideal 1 s.\n"
    );
    match find(r.rows, 1000, second, ASYNC_ALL, 1000) {
        Some(row) => match row.wall() {
            Some(wall) => {
                let ratio = wall / row.job.ideal().as_secs_f64();
                let _ = writeln!(
                    w,
                    "- {}: {} = {ratio:.3} × ideal (limit 1.10 ×): {}",
                    STRATEGIES[ASYNC_ALL].name,
                    fmt_secs(wall),
                    verdict(ratio <= 1.10 && row.failures.is_empty())
                );
                let threads = find(r.rows, 1000, second, THREAD_PER_DEVICE, 1000);
                if let Some(l4) = threads.and_then(Row::wall) {
                    let _ = writeln!(w, "- (thread per device, same cell: {})", fmt_secs(l4));
                }
                if ratio > 1.10 {
                    let why = threads.map_or(String::new(), |t| one_thread_why(row, t, cores));
                    let _ = writeln!(w, "  {} {why}", explain_slow(r.rows, row, wall));
                }
            }
            None => {
                let _ = writeln!(w, "- no successful run: **MISSED**");
            }
        },
        None => {
            let _ = writeln!(w, "- not measured in this run");
        }
    }
    let _ = writeln!(w);

    // (g)
    let _ = writeln!(
        w,
        "**(g) {BIG_CELL} devices, 1 s latency** (two fleets, the same run): 10-async's task \
         per device no slower than lesson 4's thread per device, and its client peak memory \
         at most a fifth of lesson 4's.\n"
    );
    let cell = r.big_cell.filter(|c| !c.rows.is_empty());
    let pick = |s: usize, workers: usize| {
        cell?
            .rows
            .iter()
            .find(|row| row.job.strategy == s && row.job.workers == workers)
    };
    match (pick(ASYNC_ALL, BIG_CELL), pick(THREAD_PER_DEVICE, BIG_CELL)) {
        (Some(tasks), Some(threads)) => {
            match (
                tasks.wall(),
                threads.wall(),
                tasks.rss_mib(),
                threads.rss_mib(),
            ) {
                (Some(tw), Some(lw), Some(tm), Some(lm)) => {
                    let fair = tasks.failures.is_empty() && threads.failures.is_empty();
                    let _ = writeln!(
                        w,
                        "- wall: tasks {} against threads {} ({:.2} ×): {}",
                        fmt_secs(tw),
                        fmt_secs(lw),
                        tw / lw,
                        verdict(tw <= lw && fair)
                    );
                    let _ = writeln!(
                        w,
                        "- client peak RSS: tasks {tm:.1} MiB against threads {lm:.1} MiB \
                         ({:.2} ×, limit 0.20 ×): {}",
                        tm / lm,
                        verdict(tm <= lm / 5.0 && fair)
                    );
                    if let Some(pool) = pick(THREAD_POOL, BIG_CELL_POOL) {
                        let _ = writeln!(
                            w,
                            "- (thread pool, W = {BIG_CELL_POOL}: {}, {})",
                            opt(pool.wall(), fmt_secs),
                            opt(pool.rss_mib(), |v| format!("{v:.1} MiB"))
                        );
                    }
                    let cpu = |row: &Row| row.med(|m| m.cpu).unwrap_or(0.0);
                    let mock = |row: &Row| row.med(|m| m.mock_cpu).unwrap_or(0.0);
                    let _ = writeln!(
                        w,
                        "- CPU, client + mock: tasks {:.1} s + {:.1} s, threads {:.1} s + \
                         {:.1} s. The ideal is 1 s; at this scale both are bound by the \
                         handshakes' CPU on {cores} cores, not by the latency.",
                        cpu(tasks),
                        mock(tasks),
                        cpu(threads),
                        mock(threads)
                    );
                    if tw > lw {
                        let _ = writeln!(
                            w,
                            "- Why the wall is missed. {}",
                            one_thread_why(tasks, threads, cores)
                        );
                    }
                    if tm > lm / 5.0 {
                        let per = |mib: f64| mib * 1024.0 / BIG_CELL as f64;
                        let _ = writeln!(
                            w,
                            "- Why the memory is missed: at its peak the async client held \
                             about {:.0} KiB per session (its russh connections and their \
                             tasks, on the heap), lesson 4 about {:.0} KiB per session and \
                             thread; a thread's stack costs only the pages it touches, so \
                             lesson 4 needs much less than its 2 MiB stacks suggest. Where the \
                             async client's kilobytes go is not broken down here.",
                            per(tm),
                            per(lm)
                        );
                    }
                }
                _ => {
                    let _ = writeln!(w, "- no successful run on one side or both: **MISSED**");
                }
            }
        }
        _ => {
            let _ = writeln!(
                w,
                "- not measured in this run{}",
                r.big_cell
                    .and_then(|c| c.not_run.as_deref())
                    .map_or(String::new(), |why| format!(" ({why})"))
            );
        }
    }
    let _ = writeln!(w);

    // (h)
    let _ = writeln!(
        w,
        "**(h) 1000 devices, zero latency**: 10-async's sessions/s at least the ssh2 thread \
         pool's with {SMALL_POOL} workers.\n"
    );
    let zero = Duration::ZERO;
    match (
        find(r.rows, 1000, zero, ASYNC_POOL, SMALL_POOL),
        find(r.rows, 1000, zero, THREAD_POOL, SMALL_POOL),
    ) {
        (Some(tasks), Some(threads)) => match (tasks.rate(), threads.rate()) {
            (Some(tr), Some(pr)) => {
                let _ = writeln!(
                    w,
                    "- async pool, W = {SMALL_POOL}: {tr:.0} sessions/s against the thread \
                     pool's {pr:.0} ({:.2} ×): {}",
                    tr / pr,
                    verdict(tr >= pr && tasks.failures.is_empty())
                );
                if let Some(all) = find(r.rows, 1000, zero, ASYNC_ALL, 1000).and_then(Row::rate) {
                    let _ = writeln!(w, "- (async, all at once: {all:.0} sessions/s)");
                }
                let per = |row: &Row, f: fn(&Measure) -> f64| row.med(f).unwrap_or(0.0);
                let _ = writeln!(
                    w,
                    "- CPU per session, client / mock: tasks {:.2} / {:.2} ms, threads \
                     {:.2} / {:.2} ms.",
                    per(tasks, |m| m.cpu),
                    per(tasks, |m| m.mock_cpu),
                    per(threads, |m| m.cpu),
                    per(threads, |m| m.mock_cpu)
                );
                if tr < pr {
                    let _ = writeln!(
                        w,
                        "- Why it is missed: at zero latency this row is nothing but CPU. {}",
                        one_thread_why(tasks, threads, cores)
                    );
                }
            }
            _ => {
                let _ = writeln!(w, "- no successful run: **MISSED**");
            }
        },
        _ => {
            let _ = writeln!(w, "- not measured in this run");
        }
    }
    let _ = writeln!(w);
}

/// Why lesson 10's row took longer than the ssh2 one beside it, from their CPU figures: the
/// key exchange when its sessions cost more CPU, the one thread in any case.
pub fn one_thread_why(tasks: &Row, threads: &Row, cores: usize) -> String {
    let cpu = |row: &Row| row.med(|m| m.cpu).unwrap_or(0.0);
    let mock = |row: &Row| row.med(|m| m.mock_cpu).unwrap_or(0.0);
    let per_session = |row: &Row| (cpu(row) + mock(row)) / row.job.n as f64;
    let mut text = format!(
        "The client runs every task on one thread, so its {:.2} s of CPU can use one core of \
         the {cores}: the run cannot be shorter than that, whatever the latency; the ssh2 \
         lesson spreads its {:.2} s over all of them.",
        cpu(tasks),
        cpu(threads)
    );
    // Below a tenth more, the difference is within what single runs stray.
    if per_session(tasks) > 1.1 * per_session(threads) {
        let _ = write!(
            text,
            " And each of its sessions costs more CPU, client and mock together ({:.2} ms \
             against {:.2} ms): {KEX_NOTE}",
            per_session(tasks) * 1000.0,
            per_session(threads) * 1000.0
        );
    }
    text
}
