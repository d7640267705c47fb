//! `mock-device`: serve a fleet of emulated network devices over SSH until Ctrl-C.

use std::io::IsTerminal as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use mock_device::file_error::FileError;
use mock_device::{
    AaaConfig, ConfigError, DEFAULT_AAA_TIMEOUT, Fault, Fleet, FleetConfig, MaxStartups, Platform,
    follow, parse_duration, runs, timeline, walls,
};

#[derive(Debug, Parser)]
#[command(
    name = "mock-device",
    version,
    about = "Serve a fleet of emulated network devices (Cisco IOS, Arista EOS, Juniper Junos, \
             Cisco NX-OS) over SSH, one port per device, until Ctrl-C.",
    args_conflicts_with_subcommands = true
)]
struct Args {
    #[command(subcommand)]
    draw: Option<Draw>,

    /// Serve a built-in lab (the default when neither --devices nor --fleet is given).
    #[arg(long, value_enum, value_name = "LAB", conflicts_with_all = ["devices", "fleet"])]
    lab: Option<Lab>,

    /// Generate N devices instead of the course lab.
    #[arg(long, value_name = "N", conflicts_with = "fleet")]
    devices: Option<usize>,

    /// Platforms the generated devices cycle through (default: all four).
    #[arg(
        long,
        value_name = "PLATFORM[,PLATFORM...]",
        value_delimiter = ',',
        requires = "devices"
    )]
    platform: Vec<Platform>,

    /// Put PREFIX before every generated device's name, so the inventories of several
    /// fleets can be joined into one (`cat a.yaml b.yaml > both.yaml`).
    #[arg(long, value_name = "PREFIX", requires = "devices")]
    name_prefix: Option<String>,

    /// Load the fleet from a YAML file (format in the README).
    #[arg(long, value_name = "FILE")]
    fleet: Option<PathBuf>,

    /// Login delay and per-command delay of every device, e.g. 800ms.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    latency: Option<Duration>,

    /// Login delay of every device (connect to ready session).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    login_delay: Option<Duration>,

    /// Delay of every `show` command on every device.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    command_delay: Option<Duration>,

    /// Uniform +/- jitter on every delay, e.g. 200ms.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    jitter: Option<Duration>,

    /// Seed of the jitter generator (same seed, same delays).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// Make a device fail: refuse, auth-fail, hang or drop (repeatable).
    #[arg(long, value_name = "DEVICE=FAULT", value_parser = parse_fault)]
    fault: Vec<(String, Fault)>,

    /// Limit a device to N concurrent sessions; more are turned away in the platform's
    /// words (repeatable).
    #[arg(long, value_name = "DEVICE=N", value_parser = parse_max_sessions)]
    max_sessions: Vec<(String, usize)>,

    /// Limit every device to N concurrent sessions (--max-sessions overrides it).
    #[arg(long, value_name = "N", value_parser = parse_session_count)]
    max_sessions_all: Option<usize>,

    /// One AAA server for the whole fleet, working on N logins at once; the others wait
    /// in its queue.
    #[arg(long, value_name = "N", value_parser = parse_aaa_capacity)]
    aaa_capacity: Option<usize>,

    /// Time the AAA server spends on each login [default: 0].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    aaa_delay: Option<Duration>,

    /// A login waiting longer than this in the AAA queue is refused [default: 5s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    aaa_timeout: Option<Duration>,

    /// Start-up throttling of every device, as OpenSSH's MaxStartups: past START
    /// connections not logged in yet, drop new ones with probability RATE %, rising to
    /// 100 % at FULL (seeded by --seed).
    #[arg(long, value_name = "START:RATE:FULL", value_parser = parse_max_startups)]
    max_startups: Option<MaxStartups>,

    /// Start-up throttling of one device, overriding --max-startups (repeatable).
    #[arg(long, value_name = "DEVICE=START:RATE:FULL", value_parser = parse_device_max_startups)]
    max_startups_device: Vec<(String, MaxStartups)>,

    /// Before its SSH identification string, a device waits this long for each other
    /// connection of its own whose key exchange is not done.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    banner_delay_per_pending: Option<Duration>,

    /// User name on every device [default: pyclass].
    #[arg(long, value_name = "NAME")]
    username: Option<String>,

    /// Password of every device [default: pyclass-lab].
    #[arg(long, value_name = "PASSWORD")]
    password: Option<String>,

    /// Secret asked by `enable` [default: pyclass-enable].
    #[arg(long, value_name = "SECRET")]
    enable_secret: Option<String>,

    /// Accept the public keys in this file (OpenSSH format, e.g. ~/.ssh/id_ed25519.pub)
    /// on every device (repeatable).
    #[arg(long, value_name = "FILE")]
    authorized_key: Vec<PathBuf>,

    /// Derive the host keys from this seed (default: a fixed seed, so fingerprints never
    /// change).
    #[arg(long, value_name = "TEXT", conflicts_with = "random_host_keys")]
    host_key_seed: Option<String>,

    /// Use new random host keys on every start.
    #[arg(long)]
    random_host_keys: bool,

    /// Write the client inventory (YAML) to FILE.
    #[arg(long, value_name = "FILE")]
    inventory_out: Option<PathBuf>,

    /// Write what the fleet sees (accepts, handshakes, logins, commands, closes) to FILE as
    /// it happens, one JSON object per line (fields in the README). FILE is emptied first.
    #[arg(long, value_name = "FILE")]
    events_out: Option<PathBuf>,

    /// Address to listen on. Anything but loopback exposes fixed, known credentials.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    bind: IpAddr,

    /// Give the devices sequential ports from P (default: ports chosen by the OS).
    #[arg(long, value_name = "P")]
    base_port: Option<u16>,
}

/// What the binary does instead of serving a fleet.
#[derive(Debug, clap::Subcommand)]
enum Draw {
    /// Draw the timeline of a fleet's `--events-out` file: one row per client worker, and how
    /// many sessions were open at once, as the fleet saw them (any client: a lesson, Netmiko,
    /// ssh)
    Timeline {
        /// The JSON Lines file a fleet wrote with --events-out
        file: PathBuf,
        /// Also write the picture as an SVG file, for a browser
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Draw only the sessions of this run (a lesson's run id, as in its `--results` and
        /// listed under the picture), its axis starting at the run's first session
        #[arg(long, value_name = "ID")]
        run: Option<String>,
        /// Draw only the sessions of this part (a lesson's `--part` name)
        #[arg(long, value_name = "NAME")]
        part: Option<String>,
        /// Keep drawing as the fleet writes the file (every half second that something
        /// happened), until Ctrl-C
        #[arg(long, conflicts_with = "svg")]
        follow: bool,
        /// With --follow: stop after this long, e.g. 30s
        #[arg(long, value_name = "DURATION", requires = "follow", value_parser = parse_duration)]
        follow_for: Option<Duration>,
    },
}

/// `mock-device timeline FILE --follow`: until Ctrl-C (or `--follow-for`).
fn follow_timeline(how: &follow::Follow<'_>) -> ExitCode {
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    // The signal handlers are in place before the terminal is switched to the alternate
    // screen, so Ctrl-C always comes back here to restore it.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot wait for Ctrl-C: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stopping = {
        let _inside = runtime.enter();
        stop_signals()
    };
    let flag = stop.clone();
    std::thread::spawn(move || {
        runtime.block_on(stopping);
        flag.store(true, Ordering::SeqCst);
    });
    let mut out = std::io::stdout().lock();
    match follow::follow(how, &stop, timeline::terminal_width, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C or SIGTERM, listened for from now on.
fn stop_signals() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `mock-device timeline FILE [--svg OUT] [--run ID] [--part NAME]`.
fn draw_timeline(
    file: &Path,
    svg: Option<&Path>,
    run: Option<&str>,
    part: Option<&str>,
) -> ExitCode {
    let whole = match mock_device::record::read_events_file(file) {
        Ok(record) => record,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runs = runs::runs(&whole);
    let mut which = String::new();
    let record = if run.is_none() && part.is_none() {
        whole
    } else {
        let Some(record) = runs::only(&whole, run, part) else {
            let asked = [
                run.map(|r| format!("run {r}")),
                part.map(|p| format!("part {p}")),
            ];
            let asked: Vec<String> = asked.into_iter().flatten().collect();
            eprintln!(
                "error: {}: no session of {}; the runs in it:\n{}",
                file.display(),
                asked.join(", "),
                if runs.is_empty() {
                    "  (none)\n".to_string()
                } else {
                    runs::describe(&runs)
                }
            );
            return ExitCode::FAILURE;
        };
        for (name, value) in [("run", run), ("part", part)] {
            if let Some(value) = value {
                which.push_str(&format!("{name} {value}, "));
            }
        }
        record
    };
    let bars = timeline::bars_from_records(&record.sessions, record.taken);
    let title = format!("{which}{} sessions, as the fleet saw them", bars.len());
    println!("== timeline: {title} ==");
    print!(
        "{}",
        timeline::render_terminal(&bars, timeline::terminal_width())
    );
    if which.is_empty() && !runs.is_empty() {
        // Say how to draw one of them alone.
        println!("\nRuns in this file (draw one with --run ID, and --part NAME):");
        print!("{}", runs::describe(&runs));
        let without = record
            .sessions
            .iter()
            .filter(|s| runs::run_and_part(&s.client).0.is_none())
            .count();
        if without > 0 {
            println!(
                "  and {without} sessions of no run: other clients, or turned away before the \
                 client named itself (a session limit on IOS, EOS or Junos, start-up throttling)"
            );
        }
    }
    if let Some(path) = svg
        && let Err(e) = std::fs::write(path, timeline::render_svg(&bars, &title))
    {
        eprintln!(
            "error: cannot write the timeline to {}: {e}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Lab {
    /// The course's nine devices (cisco3 ... nxos2), with their own delays.
    Course,
}

fn parse_fault(s: &str) -> Result<(String, Fault), String> {
    let (device, fault) = s
        .split_once('=')
        .ok_or_else(|| format!("expected DEVICE=FAULT, got `{s}`"))?;
    Ok((
        device.to_string(),
        fault.parse().map_err(|e| format!("{e}"))?,
    ))
}

fn parse_max_sessions(s: &str) -> Result<(String, usize), String> {
    let (device, n) = s
        .split_once('=')
        .ok_or_else(|| format!("expected DEVICE=N, got `{s}`"))?;
    Ok((device.to_string(), parse_session_count(n)?))
}

fn parse_session_count(n: &str) -> Result<usize, String> {
    match n.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("expected a session count of at least 1, got `{n}`")),
    }
}

fn parse_aaa_capacity(n: &str) -> Result<usize, String> {
    match n.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "expected a number of logins of at least 1, got `{n}`"
        )),
    }
}

fn parse_max_startups(s: &str) -> Result<MaxStartups, String> {
    s.parse()
}

fn parse_device_max_startups(s: &str) -> Result<(String, MaxStartups), String> {
    let (device, limits) = s
        .split_once('=')
        .ok_or_else(|| format!("expected DEVICE=START:RATE:FULL, got `{s}`"))?;
    Ok((device.to_string(), limits.parse()?))
}

/// A user error, exit status 2: one line, or a mistake in the fleet file shown at its line.
enum Usage {
    Line(String),
    File(FileError),
}

fn build_config(args: &Args) -> Result<FleetConfig, Usage> {
    let mut config = if let Some(path) = &args.fleet {
        FleetConfig::from_yaml_file(path).map_err(|e| match e {
            ConfigError::Yaml(mistake) => Usage::File(mistake),
            other => Usage::Line(other.to_string()),
        })?
    } else if let Some(n) = args.devices {
        if n == 0 {
            return Err(Usage::Line("--devices must be at least 1".into()));
        }
        let mut config = FleetConfig::generated(n, &args.platform, Duration::ZERO);
        if let Some(prefix) = &args.name_prefix {
            for device in &mut config.devices {
                device.name.insert_str(0, prefix);
            }
        }
        config
    } else {
        match args.lab.unwrap_or(Lab::Course) {
            Lab::Course => FleetConfig::course_lab(),
        }
    };
    if let Some(latency) = args.latency {
        config = config.with_latency(latency);
    }
    for d in &mut config.devices {
        d.login_delay = args.login_delay.unwrap_or(d.login_delay);
        d.command_delay = args.command_delay.unwrap_or(d.command_delay);
    }
    config.jitter = args.jitter.unwrap_or(config.jitter);
    config.jitter_seed = args.seed.unwrap_or(config.jitter_seed);
    for (device, fault) in &args.fault {
        config = config
            .with_fault(device, *fault)
            .map_err(|e| Usage::Line(format!("--fault: {e}")))?;
    }
    if let Some(n) = args.max_sessions_all {
        for d in &mut config.devices {
            d.max_sessions = Some(n);
        }
    }
    for (device, n) in &args.max_sessions {
        config = config
            .with_max_sessions(device, *n)
            .map_err(|e| Usage::Line(format!("--max-sessions: {e}")))?;
    }
    let capacity = args.aaa_capacity.or(config.aaa.map(|a| a.capacity));
    match (capacity, config.aaa) {
        (Some(capacity), file) => {
            config.aaa = Some(AaaConfig {
                capacity,
                delay: args
                    .aaa_delay
                    .or(file.map(|a| a.delay))
                    .unwrap_or(Duration::ZERO),
                timeout: args
                    .aaa_timeout
                    .or(file.map(|a| a.timeout))
                    .unwrap_or(DEFAULT_AAA_TIMEOUT),
            });
        }
        (None, _) if args.aaa_delay.is_some() || args.aaa_timeout.is_some() => {
            return Err(Usage::Line(
                "--aaa-delay and --aaa-timeout need --aaa-capacity (or `aaa:` in the fleet file)"
                    .into(),
            ));
        }
        (None, _) => {}
    }
    config.max_startups = args.max_startups.or(config.max_startups);
    for (device, limits) in &args.max_startups_device {
        config
            .device_mut(device)
            .map_err(|e| Usage::Line(format!("--max-startups-device: {e}")))?
            .max_startups = Some(*limits);
    }
    config.banner_delay_per_pending = args
        .banner_delay_per_pending
        .unwrap_or(config.banner_delay_per_pending);
    if let Some(u) = &args.username {
        config.username.clone_from(u);
    }
    if let Some(p) = &args.password {
        config.password.clone_from(p);
    }
    if let Some(s) = &args.enable_secret {
        config.enable_secret.clone_from(s);
    }
    if args.random_host_keys {
        config.host_key_seed = None;
    } else if let Some(seed) = &args.host_key_seed {
        config.host_key_seed = Some(seed.clone());
    }
    for path in &args.authorized_key {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Usage::Line(format!("--authorized-key {}: {e}", path.display())))?;
        config.authorized_keys.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from),
        );
    }
    config.bind = args.bind;
    // The binary hands no record to anyone: it keeps none in memory, and writes the events
    // only when asked to.
    config.record_limit = 0;
    config.events_out.clone_from(&args.events_out);
    if let Some(base) = args.base_port {
        for (i, d) in config.devices.iter_mut().enumerate() {
            d.port = u16::try_from(usize::from(base) + i).map_err(|_| {
                Usage::Line(format!("--base-port {base}: not enough ports above it"))
            })?;
        }
    }
    config.validate().map_err(|e| Usage::Line(e.to_string()))?;
    Ok(config)
}

fn delays(login: Duration, command: Duration) -> String {
    let fmt = |d: Duration| format!("{}ms", d.as_millis());
    format!("{}/{}", fmt(login), fmt(command))
}

fn print_fleet(config: &FleetConfig, fleet: &Fleet, started: Duration) {
    let infos = fleet.devices();
    let name_w = infos.iter().map(|d| d.name.len()).max().unwrap_or(6).max(6);
    let addr_w = infos
        .iter()
        .map(|d| d.addr.to_string().len())
        .max()
        .unwrap_or(7)
        .max(7);
    println!(
        "{:<name_w$}  {:<13}  {:<addr_w$}  {:<51}  {:<15}  NOTE",
        "DEVICE", "PLATFORM", "ADDRESS", "HOST KEY FINGERPRINT", "LOGIN/COMMAND"
    );
    for (info, dev) in infos.iter().zip(&config.devices) {
        let mut notes = Vec::new();
        if let Some(f) = dev.fault {
            notes.push(format!("fault: {f}"));
        }
        if let Some(n) = dev.max_sessions {
            notes.push(format!("max-sessions {n}"));
        }
        if let Some(limits) = dev.max_startups.or(config.max_startups) {
            notes.push(format!("max-startups {limits}"));
        }
        if dev.password.is_some() {
            notes.push("own password".to_string());
        }
        println!(
            "{:<name_w$}  {:<13}  {:<addr_w$}  {:<51}  {:<15}  {}",
            info.name,
            info.platform.to_string(),
            info.addr.to_string(),
            info.fingerprint,
            delays(dev.login_delay, dev.command_delay),
            notes.join(", ")
        );
    }
    let first = &infos[0];
    println!();
    println!(
        "{} devices started in {} ms. Credentials: user `{}`, password `{}`, enable secret `{}`.",
        infos.len(),
        started.as_millis(),
        config.username,
        config.password,
        config.enable_secret
    );
    // What each wall means in numbers: how many workers it takes to meet it.
    for line in walls::describe(config) {
        println!("{line}");
    }
    if !config.authorized_keys.is_empty() {
        println!(
            "Public-key login accepted for {} authorized key(s).",
            config.authorized_keys.len()
        );
    }
    let (host, port) = (first.addr.ip(), first.addr.port());
    // LogLevel=ERROR hides the "Permanently added ... to the list of known hosts" warning.
    let opts = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";
    println!(
        "Log in to {} (type `show version`, then `exit`):",
        first.name
    );
    println!("    ssh {opts} -p {port} {}@{host}", config.username);
    println!("or run one command:");
    println!(
        "    ssh {opts} -p {port} {}@{host} 'show version'",
        config.username
    );
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let rendered = e.render().to_string();
            let line = rendered.lines().next().unwrap_or("error: bad arguments");
            eprintln!("{line} (see --help)");
            return ExitCode::from(2);
        }
    };
    if let Some(Draw::Timeline {
        file,
        svg,
        run,
        part,
        follow,
        follow_for,
    }) = &args.draw
    {
        if *follow {
            return follow_timeline(&follow::Follow {
                file,
                run: run.as_deref(),
                part: part.as_deref(),
                stop_after: *follow_for,
                terminal: std::io::stdout().is_terminal(),
            });
        }
        return draw_timeline(file, svg.as_deref(), run.as_deref(), part.as_deref());
    }
    let config = match build_config(&args) {
        Ok(c) => c,
        Err(Usage::Line(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
        Err(Usage::File(mistake)) => {
            mistake.eprint();
            return ExitCode::from(2);
        }
    };
    if !config.bind.is_loopback() {
        eprintln!(
            "WARNING: listening on {}: every device accepts fixed, publicly known credentials. \
             Anyone who can reach this address can log in.",
            config.bind
        );
    }
    let started = Instant::now();
    let fleet = match Fleet::start(config.clone()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot start the fleet: {e}");
            return ExitCode::FAILURE;
        }
    };
    let elapsed = started.elapsed();
    if let Some(path) = &args.inventory_out
        && let Err(e) = std::fs::write(path, fleet.inventory_yaml())
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    print_fleet(&config, &fleet, elapsed);
    if let Some(path) = &args.inventory_out {
        println!(
            "Inventory (for the lessons' --inventory) written to {}.",
            path.display()
        );
    }
    if let Some(path) = &args.events_out {
        println!("Events written to {} as they happen.", path.display());
    }
    println!("Serving until Ctrl-C.");
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match signals {
        Ok(rt) => {
            let stopping = {
                let _inside = rt.enter();
                stop_signals()
            };
            rt.block_on(stopping);
        }
        Err(e) => {
            eprintln!("error: cannot wait for Ctrl-C: {e}");
            return ExitCode::FAILURE;
        }
    }
    fleet.shutdown();
    println!("Stopped.");
    ExitCode::SUCCESS
}
