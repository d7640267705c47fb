//! The strategies benchmark: every way the lessons talk to many devices, against a standalone
//! mock fleet, at 10, 100 and 1000 devices and 0, 100 ms and 1 s of latency per device; the
//! per-device strategies and the large pool at 10,000 devices; and the thread pool against a
//! shared AAA server, pool size against failures.
//!
//! ```text
//! cargo bench -p mock-device --bench strategies
//! ```
//!
//! It builds the release binaries (`cargo build --release --workspace --bins`), then for each
//! number of devices N and latency L starts `mock-device --devices N --login-delay L
//! --command-delay 0s --inventory-out FILE --events-out FILE` as a process of its own, runs
//! each strategy's lesson binary against that inventory several times (reading back from
//! the events file how many sessions the mock saw open at once), and writes the medians to
//! `BENCHMARKS.md` and a plot of wall time against N to `BENCHMARKS.svg`, both at the root
//! of the repository. In the zero-latency cell of 1000 devices it also measures what the
//! recording costs: the thread pool against that fleet and against one started without
//! `--events-out`, in alternating runs. The strategies include lesson 10's tasks on one
//! thread, as a task per device (`all_at_once`) and as a pool (`ssh_tasks_ascompleted`).
//!
//! Then the part `big` (`scale.rs`): the mock's start-up with 10,000 devices, and the
//! 10,000-device cell, two fleets of 5000 (`--name-prefix a-`, `b-`, login delay 1 s) with
//! their inventories joined, against which lesson 4's thread per device, the thread pool
//! with 1000 workers and lesson 10's task per device run in turn (`--timeout 30`). It needs
//! an open-file hard limit of about 10,300 (a session per device in the client); the
//! benchmark raises its soft limit to the hard one, and skips the cell, saying why, below
//! that. And the part `aaa` (`aaa.rs`): 200 devices behind an AAA server of capacity 8, the
//! thread pool with 1 to 128 workers, wall time and devices failed against W, into
//! `BENCHMARKS-aaa.svg` as well. And the parts `results` and `follow` (`instruments.rs`):
//! what a lesson's `--results FILE` costs (1000 devices, zero latency, 16 workers, with and
//! without, alternating), and what `mock-device timeline EVENTS --follow` costs while a fleet
//! serves about 1000 sessions a second.
//!
//! The full run takes about 17 minutes on 2 cores (the cells 13, the 10,000 devices 3, the
//! AAA sweep 1).
//!
//! For trying it out (results go under `target/strategies-*/`, never over the committed
//! files):
//!
//! ```text
//! STRATEGIES_QUICK=1 cargo bench -p mock-device --bench strategies        # N = 10 only, one run each (the cost of recording: 2 pairs at N = 10)
//! STRATEGIES_N=1000 STRATEGIES_LATENCY=0 cargo bench -p mock-device --bench strategies  # a subset
//! STRATEGIES_ONLY=big,aaa cargo bench -p mock-device --bench strategies   # only those parts (cells, big, aaa, results, follow)
//! ```
//!
//! The variables combine: `STRATEGIES_ONLY=cells STRATEGIES_N=100` runs the cells of 100
//! devices alone, `STRATEGIES_QUICK=1 STRATEGIES_ONLY=aaa` the sweep once per W.
//!
//! What is measured for each run of a lesson (Linux only, as it reads /proc):
//! - wall time, from spawning the lesson to its exit;
//! - client CPU: user + system seconds of the lesson and of all its descendants
//!   (`getrusage(RUSAGE_CHILDREN)` before and after; this process is a child subreaper, so a
//!   worker process orphaned by the lesson is reaped here and still counted);
//! - client peak memory: the maximum, over the run, of the summed RSS of the lesson and of all
//!   its descendants, sampled from /proc every 10 ms or more (never more than a fifth of the
//!   time goes to sampling; never below the lesson's own VmHWM); summed PSS is sampled every
//!   200 ms or more as well;
//! - CPU of the mock fleet during the run, from /proc/PID/stat;
//! - for each row, the most sessions the mock saw open at once, from its `--events-out` file
//!   (`mock_device::record::read_events_file`, `Record::peak_open`).
//!
//! Every run must exit 0 (every device answered); a run that does not is reported in the
//! table and left out of the medians. Not in the AAA sweep, where devices failing is what is
//! measured: there a run counts when it ends on its own with the lesson's `N ok, M failed`.
//!
//! The files: `main.rs` (this: the strategies, i.e. which lesson part each one runs, and the
//! order of the work), `config.rs` (settings and rows), `fleet.rs` (the mock fleet as a
//! process, and its events file), `run.rs` (running a lesson and its rows), `cost.rs` (the
//! cost of recording), `floor.rs` (the crypto floor, from `openssl speed`), `scale.rs`
//! (10,000 devices), `aaa.rs` (the AAA sweep), `instruments.rs` (the cost of `--results`
//! and `--follow`), `measure.rs` (/proc and getrusage), `markdown.rs` and `targets.rs`
//! (BENCHMARKS.md), `plot.rs` (BENCHMARKS.svg, BENCHMARKS-aaa.svg).

mod aaa;
mod config;
mod cost;
mod fleet;
mod floor;
mod instruments;
mod markdown;
mod measure;
mod plot;
mod run;
mod scale;
mod targets;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::aaa::measure_aaa_sweep;
use crate::config::{Config, jobs};
use crate::cost::measure_cost;
use crate::fleet::{MockFleet, Recording, measure_big_fleet};
use crate::floor::measure_floor;
use crate::instruments::{Instruments, measure_follow, measure_results};
use crate::markdown::{Report, fmt_latency, git_commit, markdown, utc_now};
use crate::measure::{Measure, children_cpu, clock_ticks, loadavg, machine, machine_cpu, own_cpu};
use crate::plot::{plot, plot_aaa};
use crate::run::{Workspace, run_job};
use crate::scale::{measure_big_cell, raise_open_files};

/// Pools get `min(N, POOL_WORKERS)` workers.
pub const POOL_WORKERS: usize = 100;
/// The sessions/s target is for a thread pool of this size.
pub const SMALL_POOL: usize = 16;
/// Devices of the mock start-up measurement.
pub const BIG_FLEET: usize = 10_000;
/// Devices of the client cell at scale (two fleets), and its thread pool's workers.
pub const BIG_CELL: usize = 10_000;
pub const BIG_CELL_POOL: usize = 1000;
/// A run expected to last longer than this (its ideal time) is made once.
pub const SINGLE_RUN_ABOVE: Duration = Duration::from_secs(60);

/// How many workers a strategy has, hence its ideal time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One device after the other: ideal N × L.
    Serial,
    /// A thread or process per device: W = N, ideal L.
    PerDevice,
    /// A pool of W workers: ideal ceil(N/W) × L.
    Pool,
}

/// One way of talking to many devices: a lesson binary and the part of it that does it
/// (called by the part's `--part` name, the course script it ports).
#[derive(Debug)]
pub struct Strategy {
    pub name: &'static str,
    pub bin: &'static str,
    pub args: &'static [&'static str],
    pub kind: Kind,
}

/// The strategies, in the course's order (also the order of the tables and the plot's colours).
pub const STRATEGIES: [Strategy; 9] = [
    Strategy {
        name: "serial",
        bin: "01-overview",
        args: &["--part", "ex1_serial"],
        kind: Kind::Serial,
    },
    Strategy {
        name: "thread per device",
        bin: "04-legacy-threads",
        args: &["--part", "threads_queue"],
        kind: Kind::PerDevice,
    },
    Strategy {
        name: "process per device",
        bin: "05-legacy-procs",
        args: &["--part", "processes_show_ver"],
        kind: Kind::PerDevice,
    },
    Strategy {
        name: "thread pool",
        bin: "06-futures",
        args: &["--part", "ssh_threads_wait"],
        kind: Kind::Pool,
    },
    Strategy {
        name: "as-completed",
        bin: "07-as-completed",
        args: &["--part", "ssh_threads_ascompleted"],
        kind: Kind::Pool,
    },
    Strategy {
        name: "map",
        bin: "08-map",
        args: &["--part", "ssh_threads_map"],
        kind: Kind::Pool,
    },
    Strategy {
        name: "process pool",
        bin: "09-process-pool",
        args: &["--part", "ssh_procs_map"],
        kind: Kind::Pool,
    },
    Strategy {
        name: "async, all at once",
        bin: "10-async",
        args: &["--part", "all_at_once"],
        kind: Kind::PerDevice,
    },
    Strategy {
        name: "async pool",
        bin: "10-async",
        args: &["--part", "ssh_tasks_ascompleted"],
        kind: Kind::Pool,
    },
];

// Indexes into STRATEGIES of the rows the targets name.
pub const THREAD_PER_DEVICE: usize = 1;
pub const THREAD_POOL: usize = 3;
pub const MAP: usize = 5;
pub const PROCESS_POOL: usize = 6;
pub const ASYNC_ALL: usize = 7;
pub const ASYNC_POOL: usize = 8;

pub const MIB: f64 = 1024.0 * 1024.0;

fn build(root: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("building the release binaries: {cargo} build --release --workspace --bins");
    let status = Command::new(&cargo)
        .args(["build", "--release", "--workspace", "--bins"])
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run {cargo}"))?;
    if !status.success() {
        bail!("`cargo build --release --workspace --bins` failed ({status})");
    }
    Ok(())
}

fn main() -> Result<()> {
    let t0 = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("mock-device has no parent directory")?
        .to_path_buf();
    // This executable is target/release/deps/strategies-HASH: the binaries are two levels up.
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let bin_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("unexpected location of the benchmark executable")?
        .to_path_buf();
    let target = bin_dir.parent().unwrap_or(&bin_dir).to_path_buf();
    let config = Config::from_env(&root, &target)?;
    nix::sys::prctl::set_child_subreaper(true).context("cannot become a child subreaper")?;
    let hard_limit = raise_open_files()?;

    build(&root)?;
    // Copies: another build in the same target directory during the benchmark (other
    // people's work) must not change the binaries half-way.
    let scratch = tempfile::tempdir().context("cannot make a temporary directory")?;
    let copies = scratch.path().join("bin");
    fs::create_dir_all(&copies)?;
    let mut names: Vec<&str> = STRATEGIES.iter().map(|s| s.bin).collect();
    names.dedup();
    for name in names.into_iter().chain(["mock-device"]) {
        let built = bin_dir.join(name);
        fs::copy(&built, copies.join(name))
            .with_context(|| format!("{} was not built", built.display()))?;
    }
    let ws = Workspace {
        bin_dir: copies,
        scratch,
        ticks: clock_ticks(),
    };
    let machine = machine();
    // After the build, which loads the machine itself.
    let load_before = loadavg();
    println!(
        "{} cores, {}, {}; load average {load_before}; N {:?}, latencies {:?}; parts {:?}{}",
        machine.cores,
        machine.memory,
        machine.cpu,
        config.ns,
        config.latencies,
        config.only,
        if config.quick { " (quick)" } else { "" }
    );
    let measuring = Instant::now();
    let (busy0, _) = machine_cpu(ws.ticks);
    let ours0 = own_cpu() + children_cpu()?;

    let mock = ws.bin_dir.join("mock-device");
    let mut rows = Vec::new();
    let mut cost = None;
    let mut floor = None;
    let cells = if config.only.cells {
        config.latencies.clone()
    } else {
        Vec::new()
    };
    for &latency in &cells {
        for &n in &config.ns {
            let mut fleet = MockFleet::start(&mock, n, latency, ws.scratch.path(), Recording::On)
                .with_context(|| format!("starting the fleet of {n} devices"))?;
            println!(
                "[{:>6.0} s] fleet of {n} devices, login delay {}: ready in {:.3} s (pid {})",
                t0.elapsed().as_secs_f64(),
                fmt_latency(latency),
                fleet.ready_after.as_secs_f64(),
                fleet.pid
            );
            let inventory = fleet.inventory.clone();
            for job in jobs(n, latency) {
                let fleets = std::slice::from_mut(&mut fleet);
                rows.push(run_job(&ws, fleets, &inventory, job, &config, t0));
            }
            if latency.is_zero() && n == 1000 {
                // The crypto floor, measured beside the rows it is compared with.
                floor = Some(measure_floor());
                if let Some(Err(e)) = &floor {
                    println!("the crypto floor could not be measured: {e}");
                }
            }
            if latency.is_zero() && config.cost_n == Some(n) {
                // Started only now, so that it sits idle through none of the other rows.
                let plain = MockFleet::start(&mock, n, latency, ws.scratch.path(), Recording::Off)
                    .with_context(|| format!("starting the second fleet of {n} devices"))?;
                cost = Some(measure_cost(&ws, &mut fleet, &plain, config.cost_pairs, t0));
                plain.stop()?;
            }
            fleet.stop()?;
        }
    }
    let (big, big_cell) = if config.only.big {
        (
            Some(measure_big_fleet(&ws, if config.quick { 1 } else { 3 })),
            Some(measure_big_cell(&ws, &config, hard_limit, t0)),
        )
    } else {
        (None, None)
    };
    let aaa = config.only.aaa.then(|| measure_aaa_sweep(&ws, &config, t0));
    let instruments = Instruments {
        results: config
            .only
            .results
            .then(|| measure_results(&ws, config.cost_pairs, t0)),
        follow: config
            .only
            .follow
            .then(|| measure_follow(&ws, config.cost_pairs, t0)),
    };

    let (busy1, _) = machine_cpu(ws.ticks);
    let ours1 = own_cpu() + children_cpu()?;
    let span = measuring.elapsed().as_secs_f64();
    let others = (busy1 - busy0) - (ours1 - ours0);
    let others_share = (others / (span * machine.cores.max(1) as f64)).clamp(0.0, 1.0);
    let load_after = loadavg();

    let all: Vec<&Measure> = rows
        .iter()
        .chain(big_cell.iter().flat_map(|c| &c.rows))
        .flat_map(|r| &r.runs)
        .collect();
    let sample_count: usize = all.iter().map(|m| m.samples).sum();
    let sampled_time: f64 = all.iter().map(|m| m.wall).sum();
    let report = Report {
        config: &config,
        rows: &rows,
        big: big.as_ref(),
        big_cell: big_cell.as_ref(),
        aaa: aaa.as_ref(),
        cost: cost.as_ref(),
        instruments: &instruments,
        floor,
        machine: &machine,
        load_before,
        load_after,
        others_share,
        total: t0.elapsed(),
        commit: git_commit(&root),
        date: utc_now(),
        samples: (sample_count, sampled_time / sample_count.max(1) as f64),
    };
    fs::create_dir_all(&config.out_dir)?;
    let md_path = config.out_dir.join("BENCHMARKS.md");
    let svg_path = config.out_dir.join("BENCHMARKS.svg");
    let aaa_path = config.out_dir.join("BENCHMARKS-aaa.svg");
    fs::write(&md_path, markdown(&report))
        .with_context(|| format!("cannot write {}", md_path.display()))?;
    if config.only.cells {
        plot(&svg_path, &config, &rows).context("cannot draw the plot")?;
    }
    if let Some(aaa) = &aaa {
        plot_aaa(&aaa_path, aaa).context("cannot draw the AAA sweep's plot")?;
    }
    println!(
        "wrote {} (and its plots) in {:.1} min",
        md_path.display(),
        t0.elapsed().as_secs_f64() / 60.0
    );
    let failed: usize = rows
        .iter()
        .chain(big_cell.iter().flat_map(|c| &c.rows))
        .map(|r| r.failures.len())
        .sum();
    if failed > 0 {
        println!("{failed} runs failed: see the tables");
    }
    Ok(())
}
