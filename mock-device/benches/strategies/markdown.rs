//! BENCHMARKS.md: the machine, the method, one table per (N, latency), the failed runs, and
//! the targets (in `targets.rs`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::Kind;
use crate::aaa::{AAA_CAPACITY, AAA_DELAY, AAA_DEVICES, AAA_TIMEOUT, AaaSweep, aaa_floor};
use crate::config::Config;
use crate::cost::{Cost, total_cpu};
use crate::fleet::BigFleet;
use crate::floor::Floor;
use crate::instruments::Instruments;
use crate::measure::{Machine, Measure};
use crate::run::{Row, median};
use crate::scale::{BIG_FLEETS, BIG_TIMEOUT, BigCell};
use crate::targets::targets;
use crate::{BIG_CELL, BIG_CELL_POOL, POOL_WORKERS, SMALL_POOL, STRATEGIES};

pub fn fmt_latency(d: Duration) -> String {
    if d.is_zero() {
        "0".into()
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

pub fn fmt_secs(s: f64) -> String {
    if s >= 100.0 {
        format!("{s:.1} s")
    } else if s >= 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.3} s")
    }
}

pub fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or("–".into(), f)
}

pub fn find(rows: &[Row], n: usize, latency: Duration, strategy: usize, w: usize) -> Option<&Row> {
    rows.iter().find(|r| {
        r.job.n == n && r.job.latency == latency && r.job.strategy == strategy && r.job.workers == w
    })
}

pub struct Report<'a> {
    pub config: &'a Config,
    pub rows: &'a [Row],
    /// The mock's start-up with 10,000 devices (`None`: the part `big` was not run).
    pub big: Option<&'a BigFleet>,
    /// The client cell of 10,000 devices (`None`: not run).
    pub big_cell: Option<&'a BigCell>,
    /// The AAA sweep (`None`: not run).
    pub aaa: Option<&'a AaaSweep>,
    /// The cost of recording (`None`: zero latency was not among the cells run).
    pub cost: Option<&'a Cost>,
    /// The cost of `--results` and of `timeline --follow` (each `None`: not run).
    pub instruments: &'a Instruments,
    /// The crypto floor (`None`: the cell of 1000 devices at zero latency was not run).
    pub floor: Option<Result<Floor, String>>,
    pub machine: &'a Machine,
    pub load_before: String,
    pub load_after: String,
    pub others_share: f64,
    pub total: Duration,
    pub commit: String,
    pub date: String,
    pub samples: (usize, f64),
}

pub fn markdown(r: &Report) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(
        w,
        "# Benchmarks: {} strategies, 10 to 10,000 devices; pools behind an AAA server\n",
        STRATEGIES.len()
    );
    let _ = writeln!(
        w,
        "Written by `cargo bench -p mock-device --bench strategies` \
         ([mock-device/benches/strategies/](mock-device/benches/strategies/main.rs)) on {}, \
         at commit {}; the whole benchmark took {:.1} minutes.{}\n",
        r.date,
        r.commit,
        r.total.as_secs_f64() / 60.0,
        if r.config.full {
            ""
        } else if r.config.quick {
            " **Quick mode (STRATEGIES_QUICK): N = 10 only, one run per row.**"
        } else {
            " **A subset (STRATEGIES_N / STRATEGIES_LATENCY / STRATEGIES_ONLY).**"
        }
    );
    let _ = writeln!(
        w,
        "![Wall time against the number of devices, one panel per latency](BENCHMARKS.svg)\n"
    );
    let _ = writeln!(
        w,
        "The plots: [BENCHMARKS.svg](BENCHMARKS.svg), and the AAA sweep's, \
         [BENCHMARKS-aaa.svg](BENCHMARKS-aaa.svg) ([below](#the-aaa-sweep-pool-size-against-a-shared-aaa-server)).\n"
    );
    let _ = writeln!(
        w,
        "Where a session's CPU goes on each side (instructions, system calls, memory, against \
         the crypto floor), and what was changed for it: \
         [BENCHMARKS-profile.md](BENCHMARKS-profile.md), written by hand.\n"
    );

    let _ = writeln!(w, "## Reproduce\n");
    let _ = writeln!(w, "```sh");
    let _ = writeln!(
        w,
        "cargo bench -p mock-device --bench strategies   # rewrites BENCHMARKS.md, BENCHMARKS.svg and BENCHMARKS-aaa.svg"
    );
    let _ = writeln!(
        w,
        "STRATEGIES_QUICK=1 cargo bench -p mock-device --bench strategies   # N = 10, one run each, into target/strategies-quick/"
    );
    let _ = writeln!(
        w,
        "STRATEGIES_N=1000 STRATEGIES_LATENCY=1s cargo bench -p mock-device --bench strategies   # a subset, into target/strategies-subset/"
    );
    let _ = writeln!(
        w,
        "STRATEGIES_ONLY=big,aaa cargo bench -p mock-device --bench strategies   # only some parts (cells, big, aaa), into target/strategies-subset/"
    );
    let _ = writeln!(w, "```\n");
    let _ = writeln!(
        w,
        "Linux only (it reads /proc). Nothing else runs: the benchmark builds the release \
         binaries itself (`cargo build --release --workspace --bins`) and starts and stops \
         every fleet it uses.\n"
    );

    let m = r.machine;
    let _ = writeln!(w, "## Machine\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    let _ = writeln!(w, "| cores (`available_parallelism`) | {} |", m.cores);
    let _ = writeln!(w, "| CPU | {} |", m.cpu);
    let _ = writeln!(w, "| memory | {} |", m.memory);
    let _ = writeln!(w, "| Linux | {} |", m.kernel);
    let _ = writeln!(w, "| compiler | {} |", m.rustc);
    let _ = writeln!(
        w,
        "| load average (1, 5, 15 min) before / after | {} / {} |",
        r.load_before, r.load_after
    );
    let _ = writeln!(
        w,
        "| CPU used by other programs during the benchmark | {:.0} % of the machine |\n",
        r.others_share * 100.0
    );
    if r.others_share > 0.10 {
        let _ = writeln!(
            w,
            "**The machine was busy**: other programs (builds and tests of other engineers) \
             used {:.0} % of its CPU while this ran. The zero-latency rows, which are \
             CPU-bound, are the ones that suffer; the rows with latency mostly wait.\n",
            r.others_share * 100.0
        );
    }

    let _ = writeln!(w, "## Method\n");
    let _ = writeln!(
        w,
        "- **A standalone fleet.** For each number of devices N and latency L, \
         `target/release/mock-device --devices N --login-delay L --command-delay 0s \
         --inventory-out FILE --events-out FILE` runs as a process of its own, on the same \
         machine (127.0.0.1), and writes what it sees to the events file. Each strategy then \
         runs against the same fleet, and the fleet is stopped before the next (N, L). The \
         command delay is zero, so each device costs one latency whatever the lesson does on \
         it (login only, or login and `show version`)."
    );
    let _ = writeln!(
        w,
        "- **Release builds** of the lessons (copied aside right after the build, so that \
         another build during the benchmark cannot swap them), each started as \
         `LESSON ARGS --inventory FILE [--workers W]`; stdout and stderr go to a file. Every \
         run must exit 0 (every device answered); a failed run is listed and left out of the \
         medians."
    );
    let _ = writeln!(
        w,
        "- **Medians** of 5 runs where a run takes under 5 s, 3 under a minute, 1 above \
         (the `runs` column). Serial over 1000 devices at 1 s is not run: it would take \
         1000 s to show N × L."
    );
    let _ = writeln!(
        w,
        "- **Pools** get W = min(N, {POOL_WORKERS}) workers; a thread or process per device \
         has W = N; serial has W = 1. Three more rows, the thread pool, map and the async pool \
         with W = {SMALL_POOL} over 1000 devices at zero latency, are the sessions/s targets. \
         The async strategies are lesson 10's: tasks on a tokio runtime of one thread, with \
         the russh client (`shared::async_ssh`); all the others use the ssh2 client.\n"
    );
    let _ = writeln!(w, "| strategy | lesson binary and arguments |\n|---|---|");
    for s in &STRATEGIES {
        let workers = if s.kind == Kind::Pool {
            " --workers W"
        } else {
            ""
        };
        let _ = writeln!(
            w,
            "| {} | `{} {}{}` |",
            s.name,
            s.bin,
            s.args.join(" "),
            workers
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "The columns:\n");
    let _ = writeln!(
        w,
        "- **wall**: median wall time, from starting the lesson's process to its exit \
         (process start-up, reading the inventory and, for process pools, starting the \
         workers included); **min–max** over the runs.\n\
         - **ideal**: `ceil(N/W) × L`, the time the waiting alone takes (serial: N × L; a \
         thread or process per device: L).\n\
         - **efficiency**: ideal / wall (only where L > 0).\n\
         - **sessions/s**: N / wall.\n\
         - **client CPU**: user + system CPU seconds of the lesson and all its descendants \
         (`getrusage(RUSAGE_CHILDREN)` before and after the run; the benchmark is a child \
         subreaper, so worker processes are counted even when the lesson does not wait for \
         them).\n\
         - **client peak RSS**: the highest summed resident memory of the lesson and all its \
         descendant processes, sampled from /proc every 10 ms or more (every {:.0} ms on \
         average over the benchmark: a sample of a thousand processes takes a while, and \
         at most a fifth of the time goes to sampling), and never below the lesson \
         process's own VmHWM. A run of a few tens of milliseconds gets few samples, so its \
         figure is a lower bound. Summed RSS counts the pages processes share (the binary, \
         libraries) once per process, so for many processes it overstates; **peak PSS**, \
         sampled every 200 ms or more, shares them out (shown only for runs sampled at \
         least 3 times).\n\
         - **mock CPU**: CPU seconds the fleet process spent during the run (its work for \
         this client).\n\
         - **others**: the share of the machine's CPU that other programs used during the \
         runs (all CPU time in /proc/stat, less the client's, the mock's and the \
         benchmark's own): where it is high, the row was measured on a busy machine.\n\
         - **peak sessions open (mock)**: the most sessions the fleet saw open at once over \
         the row's runs, from its events file (`mock_device::record::read_events_file`, \
         `Record::peak_open`; a session of this project's client ends no later than its \
         worker's next connect). The concurrency as the devices saw it: W for a pool that \
         kept every worker busy, 1 for serial, up to N for a thread or process per device.\n",
        r.samples.1 * 1000.0
    );

    let _ = writeln!(w, "## Results\n");
    for &latency in &r.config.latencies {
        for &n in &r.config.ns {
            let rows: Vec<&Row> = r
                .rows
                .iter()
                .filter(|row| row.job.n == n && row.job.latency == latency)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(
                w,
                "### {n} devices, latency {}\n",
                if latency.is_zero() {
                    "0".to_string()
                } else {
                    humantime::format_duration(latency).to_string()
                }
            );
            rows_table(w, &rows);
            let _ = writeln!(w);
        }
    }
    if let Some(cost) = r.cost {
        cost_table(w, cost);
    }
    if r.instruments.results.is_some() || r.instruments.follow.is_some() {
        crate::instruments::section(w, r.instruments);
    }
    if let Some(cell) = r.big_cell {
        big_cell_section(w, cell, r.machine.cores);
    }
    if let Some(sweep) = r.aaa {
        aaa_section(w, sweep);
    }
    let all_rows: Vec<&Row> = r
        .rows
        .iter()
        .chain(r.big_cell.iter().flat_map(|c| &c.rows))
        .collect();
    let unread: Vec<String> = all_rows
        .iter()
        .filter_map(|row| match &row.peak_open {
            Some(Err(e)) => Some(format!(
                "- {} devices, latency {}, {} (W = {}): {}",
                row.job.n,
                fmt_latency(row.job.latency),
                row.job.strategy().name,
                row.job.workers,
                e.replace('|', "\\|")
            )),
            _ => None,
        })
        .collect();
    if !unread.is_empty() {
        let _ = writeln!(w, "### Events files that could not be read\n");
        let _ = writeln!(w, "{}\n", unread.join("\n"));
    }
    let failures: Vec<(&Row, &String)> = all_rows
        .iter()
        .flat_map(|row| row.failures.iter().map(move |f| (*row, f)))
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(w, "### Failed runs\n");
        for (row, f) in failures {
            let _ = writeln!(
                w,
                "- {} devices, latency {}, {} (W = {}): {}",
                row.job.n,
                fmt_latency(row.job.latency),
                row.job.strategy().name,
                row.job.workers,
                f.replace('|', "\\|")
            );
        }
        let _ = writeln!(w);
    }
    let busy: Vec<String> = all_rows
        .iter()
        .filter_map(|row| {
            let others = row.med(|m| m.others)?;
            (others > 0.25).then(|| {
                format!(
                    "{} at {} devices, latency {} ({:.0} %)",
                    row.job.strategy().name,
                    row.job.n,
                    fmt_latency(row.job.latency),
                    others * 100.0
                )
            })
        })
        .collect();
    if !busy.is_empty() {
        let _ = writeln!(
            w,
            "Measured while other programs used more than a quarter of the machine (the \
             `others` column), so slower than on a quiet machine: {}.\n",
            busy.join("; ")
        );
    }
    let stragglers: usize = all_rows
        .iter()
        .flat_map(|row| &row.runs)
        .map(|m| m.stragglers)
        .sum();
    if stragglers > 0 {
        let _ = writeln!(
            w,
            "{stragglers} processes in all were still running when their lesson exited (worker \
             processes not waited for); the benchmark waited for them, and counted their CPU.\n"
        );
    }

    targets(w, r);
    md
}

/// One table of rows: a cell (N, latency) of the benchmark.
pub fn rows_table(w: &mut String, rows: &[&Row]) {
    let _ = writeln!(
        w,
        "| strategy | W | wall | min–max | ideal | efficiency | sessions/s | client CPU | client peak RSS | peak PSS | mock CPU | others | peak sessions open (mock) | runs |"
    );
    let _ = writeln!(
        w,
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
    );
    for row in rows {
        let ideal = row.job.ideal().as_secs_f64();
        let ideal_text = fmt_secs(ideal);
        if let Some(why) = &row.skipped {
            let _ = writeln!(
                w,
                "| {} | {} | {why} | | {ideal_text} | | | | | | | | | 0 |",
                row.job.strategy().name,
                row.job.workers
            );
            continue;
        }
        let min = row
            .runs
            .iter()
            .map(|m| m.wall)
            .fold(f64::INFINITY, f64::min);
        let max = row.runs.iter().map(|m| m.wall).fold(0.0, f64::max);
        let runs = if row.failures.is_empty() {
            row.runs.len().to_string()
        } else {
            format!("{} ok, **{} FAILED**", row.runs.len(), row.failures.len())
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.job.strategy().name,
            row.job.workers,
            opt(row.wall(), |v| format!("**{}**", fmt_secs(v))),
            if row.runs.len() > 1 {
                format!("{min:.3}–{max:.3}")
            } else {
                String::new()
            },
            ideal_text,
            opt(row.efficiency(), |e| format!("{:.0} %", e * 100.0)),
            opt(row.rate(), |v| format!("{v:.0}")),
            opt(row.med(|m| m.cpu), |v| format!("{v:.2} s")),
            opt(row.rss_mib(), |v| format!("{v:.1} MiB")),
            opt(row.pss_mib(), |v| format!("{v:.1} MiB")),
            opt(row.med(|m| m.mock_cpu), |v| format!("{v:.2} s")),
            opt(row.med(|m| m.others), |v| format!("{:.0} %", v * 100.0)),
            peak_cell(&row.peak_open),
            runs
        );
    }
    let _ = writeln!(w);
}

/// The "peak sessions open (mock)" cell: "–" when not recorded, flagged when unreadable.
pub fn peak_cell(peak: &Option<Result<usize, String>>) -> String {
    match peak {
        Some(Ok(peak)) => peak.to_string(),
        Some(Err(_)) => "**unreadable**".into(),
        None => "–".into(),
    }
}

/// The cost of recording: the same job against a fleet that records and one that does not.
pub fn cost_table(w: &mut String, cost: &Cost) {
    let _ = writeln!(
        w,
        "### The cost of recording: {} devices, latency 0, thread pool, W = {}\n",
        cost.job.n, cost.job.workers
    );
    let _ = writeln!(
        w,
        "`{} {} --inventory FILE --workers {}` against the fleet of the table \
         \"{} devices, latency 0\" above, which writes its events file, and against a second \
         fleet of as many devices started without \
         `--events-out`, in alternating runs (recording first, then not, then not, then \
         recording, …, so that a slow spell of the machine falls on both), after one run \
         against the second fleet that is not counted. **CPU in all** is the client's and \
         the mock's (recording is the mock's work, but the two share the machine's cores), \
         the mean over the runs: the mock's CPU is read from /proc in clock ticks of 10 ms, \
         which a mean over many runs averages out and a median would keep. The other \
         columns are medians.\n",
        cost.job.strategy().bin,
        cost.job.strategy().args.join(" "),
        cost.job.workers,
        cost.job.n
    );
    let _ = writeln!(
        w,
        "| fleet | wall | min–max | client CPU | mock CPU | CPU in all | min–max | peak sessions open (mock) | runs |"
    );
    let _ = writeln!(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    let spread = |runs: &[Measure], f: &dyn Fn(&Measure) -> f64| {
        if runs.len() < 2 {
            return String::new();
        }
        let min = runs.iter().map(f).fold(f64::INFINITY, f64::min);
        let max = runs.iter().map(f).fold(0.0, f64::max);
        format!("{min:.3}–{max:.3}")
    };
    let sides = [
        (
            "recording (`--events-out`)",
            &cost.recording,
            &cost.peak_open,
        ),
        ("not recording", &cost.plain, &None),
    ];
    for (name, runs, peak) in sides {
        let med = |f: &dyn Fn(&Measure) -> f64| median(runs.iter().map(f).collect());
        let _ = writeln!(
            w,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
            opt(Cost::wall(runs), |v| format!("**{}**", fmt_secs(v))),
            spread(runs, &|m| m.wall),
            opt(med(&|m| m.cpu), |v| format!("{v:.2} s")),
            opt(med(&|m| m.mock_cpu), |v| format!("{v:.2} s")),
            opt(Cost::cpu(runs), |v| format!("**{v:.3} s**")),
            spread(runs, &total_cpu),
            peak_cell(peak),
            runs.len()
        );
    }
    let _ = writeln!(w);
    let mut notes: Vec<String> = cost
        .failures
        .iter()
        .map(|f| format!("- failed: {}", f.replace('|', "\\|")))
        .collect();
    if let Some(Err(e)) = &cost.peak_open {
        notes.push(format!(
            "- events file unreadable: {}",
            e.replace('|', "\\|")
        ));
    }
    if !notes.is_empty() {
        let _ = writeln!(w, "{}\n", notes.join("\n"));
    }
}

pub fn git_commit(root: &Path) -> String {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
    };
    let Some(sha) = run(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown".into();
    };
    let dirty =
        run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty {
        format!("`{sha}` (with uncommitted changes)")
    } else {
        format!("`{sha}`")
    }
}

pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60
    )
}

/// The 10,000-device cell: how it was set up, and its table (or why it was not run).
pub fn big_cell_section(w: &mut String, cell: &BigCell, cores: usize) {
    let per_fleet = BIG_CELL / BIG_FLEETS.len();
    let _ = writeln!(
        w,
        "### {BIG_CELL} devices, latency 1s (two fleets of {per_fleet})\n"
    );
    let _ = writeln!(
        w,
        "Two standalone fleets, `mock-device --devices {per_fleet} --login-delay 1000ms \
         --command-delay 0s --name-prefix {} …` (and `{}`), their inventories joined into \
         one, as the README's \"At scale\" recipe does (one fleet of {BIG_CELL} would need two \
         open files per device in one process). The three rows run one after the other \
         against the same two fleets, each lesson with `--timeout {BIG_TIMEOUT}` ({BIG_CELL} \
         handshakes on {cores} cores can take longer than the default 10 s to reach the last \
         device): \
         lesson 4's thread per device, the thread pool with {BIG_CELL_POOL} workers, and \
         lesson 10's task per device. The open-file hard limit was {} (the benchmark raises \
         its soft limit to it; the lessons and fleets inherit it). **Peak sessions open** counts \
         both fleets' sessions on one clock (each fleet's events count from its own start: \
         the second fleet's are shifted by the time between the two spawns).\n",
        BIG_FLEETS[0], BIG_FLEETS[1], cell.hard_limit
    );
    if let Some(why) = &cell.not_run {
        let _ = writeln!(w, "{why}\n");
    }
    if !cell.rows.is_empty() {
        let rows: Vec<&Row> = cell.rows.iter().collect();
        rows_table(w, &rows);
    }
}

/// The AAA sweep: set-up, table, plot, what it shows.
pub fn aaa_section(w: &mut String, sweep: &AaaSweep) {
    let _ = writeln!(
        w,
        "## The AAA sweep: pool size against a shared AAA server\n"
    );
    let _ = writeln!(
        w,
        "One fleet of {AAA_DEVICES} devices, `mock-device --devices {AAA_DEVICES} \
         --login-delay 0ms --command-delay 0s --aaa-capacity {AAA_CAPACITY} --aaa-delay {}ms \
         --aaa-timeout {}ms`: every login goes through one AAA server that works on \
         {AAA_CAPACITY} at once, {} ms each, and refuses a login that waited {} ms in its \
         queue (mock-device/README.md, \"The network pushes back\"). Against it, the \
         thread pool, `{} {} --workers W`, with W from 1 to 128. A run where devices failed \
         exits 1, as it should; here that is the measurement, not a failed run. **devices \
         failed**: the lesson's own `N ok, M failed` line (median over the runs); **devices \
         ok/s**: the devices that answered per second of wall time (median); **AAA \
         timeouts**, **peak sessions open** and **peak AAA logins at once**: the mock's \
         record (`Record::refused_per_device(\"aaa timeout\")` per run, median; \
         `Record::peak_open`, `Record::peak_aaa_busy`, the most over the runs).\n",
        AAA_DELAY.as_millis(),
        AAA_TIMEOUT.as_millis(),
        AAA_DELAY.as_millis(),
        AAA_TIMEOUT.as_millis(),
        STRATEGIES[crate::THREAD_POOL].bin,
        STRATEGIES[crate::THREAD_POOL].args.join(" ")
    );
    if !sweep.rows.is_empty() {
        let _ = writeln!(
            w,
            "![Wall time and devices failed against the pool size, the AAA server's capacity \
             marked](BENCHMARKS-aaa.svg)\n"
        );
        let _ = writeln!(
            w,
            "| W | wall | min–max | devices failed | devices ok/s | AAA timeouts (mock) | peak sessions open (mock) | peak AAA logins at once (mock) | client CPU | client peak RSS | runs |"
        );
        let _ = writeln!(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        for row in &sweep.rows {
            let walls: Vec<f64> = row.runs.iter().map(|r| r.measure.wall).collect();
            let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
            let max = walls.iter().copied().fold(0.0, f64::max);
            let (timeouts, open, busy) = match &row.mock {
                Some(Ok(m)) => (
                    m.aaa_timeouts.to_string(),
                    m.peak_open.to_string(),
                    m.peak_aaa_busy.to_string(),
                ),
                Some(Err(_)) => ("**unreadable**".into(), String::new(), String::new()),
                None => ("–".into(), "–".into(), "–".into()),
            };
            let runs = if row.errors.is_empty() {
                row.runs.len().to_string()
            } else {
                format!("{} ok, **{} FAILED**", row.runs.len(), row.errors.len())
            };
            let _ = writeln!(
                w,
                "| {}{} | {} | {} | {} | {} | {timeouts} | {open} | {busy} | {} | {} | {runs} |",
                row.job.workers,
                if row.retries {
                    format!(", `{}`", row.job.extra.join(" "))
                } else {
                    String::new()
                },
                opt(row.wall(), |v| format!("**{}**", fmt_secs(v))),
                if walls.len() > 1 {
                    format!("{min:.3}–{max:.3}")
                } else {
                    String::new()
                },
                opt(row.failed(), |v| format!("**{v:.0}**")),
                opt(row.ok_rate(), |v| format!("{v:.0}")),
                opt(row.cpu(), |v| format!("{v:.2} s")),
                opt(row.rss_mib(), |v| format!("{v:.1} MiB")),
            );
        }
        let _ = writeln!(w);
        let _ = writeln!(w, "{}\n", aaa_reading(sweep));
    }
    let errors: Vec<String> = sweep
        .rows
        .iter()
        .flat_map(|row| {
            row.errors
                .iter()
                .map(move |e| format!("- W = {}: {}", row.job.workers, e.replace('|', "\\|")))
        })
        .chain(sweep.notes.iter().map(|n| format!("- {n}")))
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(w, "{}\n", errors.join("\n"));
    }
}

/// What the sweep shows, in three lines, from its own figures.
pub fn aaa_reading(sweep: &AaaSweep) -> String {
    let plain: Vec<_> = sweep.rows.iter().filter(|r| !r.retries).collect();
    let at = |workers: usize| plain.iter().find(|r| r.job.workers == workers);
    let wall_at = |workers: usize| at(workers).and_then(|r| r.wall());
    let largest = plain.iter().map(|r| r.job.workers).max().unwrap_or(0);
    let best = plain
        .iter()
        .filter_map(|r| Some((r.job.workers, r.ok_rate()?)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let first_failing = plain
        .iter()
        .find(|r| r.failed().is_some_and(|f| f > 0.0))
        .map(|r| r.job.workers);
    let mut text = format!(
        "**What it shows.** Wall time falls as the pool grows up to the AAA server's \
         capacity ({} with one worker, {} at W = {AAA_CAPACITY}: {} for {AAA_CAPACITY} × the \
         workers) and then has nowhere to go: the server needs {} for {AAA_DEVICES} logins \
         whatever the pool{}.",
        opt(wall_at(1), fmt_secs),
        opt(wall_at(AAA_CAPACITY), fmt_secs),
        match (wall_at(1), wall_at(AAA_CAPACITY)) {
            (Some(one), Some(cap)) => format!("÷ {:.1}", one / cap),
            _ => "–".into(),
        },
        fmt_secs(aaa_floor()),
        best.map_or(String::new(), |(wk, rate)| format!(
            "; the most devices answered per second, {rate:.0}, was at W = {wk}"
        )),
    );
    let _ = write!(
        text,
        "<br>\nPast it, the extra workers only queue at the server, and the logins that wait \
         {} ms are refused: {}; at W = {largest}, {} of {AAA_DEVICES} failed (a shorter wall \
         there only means failures are quick).",
        AAA_TIMEOUT.as_millis(),
        match first_failing {
            Some(wk) => format!("no device failed below W = {wk}"),
            None => "none failed at any W here".into(),
        },
        opt(at(largest).and_then(|r| r.failed()), |v| format!("{v:.0}")),
    );
    let retried = sweep.rows.iter().find(|r| r.retries);
    let _ = write!(
        text,
        "<br>\nThe pool size to pick is about the capacity of the narrowest shared resource \
         (here {AAA_CAPACITY} logins at once), not the number of devices{}.",
        match retried {
            Some(r) => format!(
                "; with `{}`, W = {largest} ends with {} failed in {}",
                r.job.extra.join(" "),
                opt(r.failed(), |v| format!("{v:.0}")),
                opt(r.wall(), fmt_secs)
            ),
            None => String::new(),
        }
    );
    text
}
