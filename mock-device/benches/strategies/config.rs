//! What to run: the benchmark's settings (from `STRATEGIES_*` and `--quick`) and its rows,
//! one job per strategy and pool size in each (N, latency) cell.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::{ASYNC_POOL, Kind, MAP, POOL_WORKERS, SMALL_POOL, STRATEGIES, Strategy, THREAD_POOL};

/// Runs against each fleet (recording and not) for the cost of recording; quick mode: 2.
pub const COST_PAIRS: usize = 10;

#[derive(Debug)]
pub struct Config {
    pub ns: Vec<usize>,
    pub latencies: Vec<Duration>,
    /// Runs per row forced (quick mode: 1).
    pub runs: Option<usize>,
    /// Where BENCHMARKS.md and BENCHMARKS.svg go.
    pub out_dir: PathBuf,
    /// The full benchmark (all N and latencies): the files at the root of the repository.
    pub full: bool,
    pub quick: bool,
    /// The cost of recording is measured in the zero-latency cell of this many devices (the
    /// largest N: 1000 in the full benchmark), when zero latency is among those run.
    pub cost_n: Option<usize>,
    /// Runs against each fleet, recording and not, for that.
    pub cost_pairs: usize,
    /// Which parts of the benchmark run (`STRATEGIES_ONLY`; all by default).
    pub only: Parts,
}

/// The benchmark's parts: the (N, latency) cells, the 10,000 devices (the mock's
/// start-up and the client cell), the AAA sweep, and the cost of `--results` and of
/// `timeline --follow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub cells: bool,
    pub big: bool,
    pub aaa: bool,
    pub results: bool,
    pub follow: bool,
}

impl Parts {
    pub const ALL: Parts = Parts {
        cells: true,
        big: true,
        aaa: true,
        results: true,
        follow: true,
    };

    /// `STRATEGIES_ONLY=big,aaa`: the parts named, out of `cells`, `big`, `aaa`, `results`
    /// and `follow`.
    pub fn from_names(names: &[String]) -> Result<Parts> {
        let mut parts = Parts {
            cells: false,
            big: false,
            aaa: false,
            results: false,
            follow: false,
        };
        for name in names {
            match name.as_str() {
                "cells" => parts.cells = true,
                "big" => parts.big = true,
                "aaa" => parts.aaa = true,
                "results" => parts.results = true,
                "follow" => parts.follow = true,
                other => bail!(
                    "STRATEGIES_ONLY: `{other}` is not one of cells, big, aaa, results, follow"
                ),
            }
        }
        Ok(parts)
    }
}

pub fn parse_list<T>(var: &str, parse: impl Fn(&str) -> Result<T>) -> Result<Option<Vec<T>>> {
    match std::env::var(var) {
        Ok(text) if !text.trim().is_empty() => text
            .split(',')
            .map(|item| parse(item.trim()).with_context(|| format!("{var}: `{item}`")))
            .collect::<Result<Vec<T>>>()
            .map(Some),
        _ => Ok(None),
    }
}

pub fn parse_latency(text: &str) -> Result<Duration> {
    if let Ok(seconds) = text.parse::<f64>() {
        return Ok(Duration::from_secs_f64(seconds));
    }
    Ok(humantime::parse_duration(text)?)
}

impl Config {
    pub fn from_env(root: &Path, target: &Path) -> Result<Config> {
        let quick = std::env::args().any(|a| a == "--quick")
            || std::env::var("STRATEGIES_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        let ns = parse_list("STRATEGIES_N", |s| Ok(s.parse::<usize>()?))?;
        let latencies = parse_list("STRATEGIES_LATENCY", parse_latency)?;
        let only = parse_list("STRATEGIES_ONLY", |s| Ok(s.to_string()))?
            .map(|names| Parts::from_names(&names))
            .transpose()?;
        let all_ns = vec![10, 100, 1000];
        let all_latencies = vec![
            Duration::ZERO,
            Duration::from_millis(100),
            Duration::from_secs(1),
        ];
        let subset = ns.is_some() || latencies.is_some() || only.is_some();
        let mut config = if quick {
            Config {
                ns: ns.unwrap_or_else(|| vec![10]),
                latencies: latencies.unwrap_or(all_latencies),
                runs: Some(1),
                out_dir: target.join("strategies-quick"),
                full: false,
                quick: true,
                cost_n: None,
                cost_pairs: 2,
                only: only.unwrap_or(Parts::ALL),
            }
        } else if subset {
            Config {
                ns: ns.unwrap_or(all_ns),
                latencies: latencies.unwrap_or(all_latencies),
                runs: None,
                out_dir: target.join("strategies-subset"),
                full: false,
                quick: false,
                cost_n: None,
                cost_pairs: COST_PAIRS,
                only: only.unwrap_or(Parts::ALL),
            }
        } else {
            Config {
                ns: all_ns,
                latencies: all_latencies,
                runs: None,
                out_dir: root.to_path_buf(),
                full: true,
                quick: false,
                cost_n: None,
                cost_pairs: COST_PAIRS,
                only: Parts::ALL,
            }
        };
        if config.ns.contains(&0) {
            bail!("STRATEGIES_N: every N must be at least 1");
        }
        if config.only.cells && config.latencies.contains(&Duration::ZERO) {
            config.cost_n = config.ns.iter().copied().max();
        }
        Ok(config)
    }
}

/// One row of the results: a strategy with a pool size, in one (N, latency) cell.
#[derive(Debug, Clone)]
pub struct Job {
    pub strategy: usize,
    pub n: usize,
    pub latency: Duration,
    pub workers: usize,
    /// Flags after the usual ones (`--timeout 30` at 10,000 devices, `--retries 5`).
    pub extra: Vec<String>,
}

impl Job {
    pub fn new(strategy: usize, n: usize, latency: Duration, workers: usize) -> Job {
        Job {
            strategy,
            n,
            latency,
            workers,
            extra: Vec::new(),
        }
    }

    /// W for a strategy's kind over `n` devices: 1, N, or a pool of `pool` at most.
    pub fn workers_for(kind: Kind, n: usize, pool: usize) -> usize {
        match kind {
            Kind::Serial => 1,
            Kind::PerDevice => n,
            Kind::Pool => n.min(pool),
        }
    }

    pub fn strategy(&self) -> &'static Strategy {
        &STRATEGIES[self.strategy]
    }

    /// `ceil(N/W) × latency`; W = 1 for serial and W = N for a thread or process per device.
    pub fn ideal(&self) -> Duration {
        let batches = self.n.div_ceil(self.workers.max(1));
        self.latency * u32::try_from(batches).unwrap_or(u32::MAX)
    }

    pub fn args(&self, inventory: &Path) -> Vec<String> {
        let s = self.strategy();
        let mut args: Vec<String> = s.args.iter().map(|a| a.to_string()).collect();
        args.push("--inventory".into());
        args.push(inventory.display().to_string());
        if s.kind == Kind::Pool {
            args.push("--workers".into());
            args.push(self.workers.to_string());
        }
        args.extend(self.extra.iter().cloned());
        args
    }

    /// Serial over 1000 devices at 1 s would take a quarter of an hour for one figure
    /// everybody can compute: N × L.
    pub fn skipped(&self) -> Option<String> {
        let ideal = self.ideal();
        (self.strategy().kind == Kind::Serial && ideal > Duration::from_secs(300))
            .then(|| format!("not run (~{:.0} s)", ideal.as_secs_f64()))
    }
}

pub fn jobs(n: usize, latency: Duration) -> Vec<Job> {
    let mut jobs: Vec<Job> = STRATEGIES
        .iter()
        .enumerate()
        .map(|(i, s)| Job::new(i, n, latency, Job::workers_for(s.kind, n, POOL_WORKERS)))
        .collect();
    if n == 1000 && latency.is_zero() {
        for strategy in [THREAD_POOL, MAP, ASYNC_POOL] {
            jobs.push(Job::new(strategy, n, latency, SMALL_POOL));
        }
    }
    jobs
}
