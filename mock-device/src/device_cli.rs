//! The command line of one emulated device (what a user types at its prompt, not this
//! binary's own flags, which live in `main.rs`): modes, prompts, command parsing (with
//! abbreviations and output filters), and each command's reply. Pure and synchronous; the
//! server decides how long each reply takes.

use std::sync::Arc;

use crate::config::{Outputs, Platform};
use crate::outputs::{self, Facts};

/// What running one line produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    /// Text to print (with `\n` line ends), before the next prompt.
    pub text: String,
    pub kind: ReplyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyKind {
    /// Answered at once (terminal settings, mode changes, empty lines).
    Instant,
    /// A `show` command: costs the device's command delay.
    Show,
    /// The line was not understood (exit status 1 in an exec request).
    Error,
    /// The session ends.
    Exit,
}

impl Reply {
    fn instant(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            kind: ReplyKind::Instant,
        }
    }
    fn error(text: String) -> Self {
        Reply {
            text,
            kind: ReplyKind::Error,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Cisco-style user EXEC (`>`).
    User,
    /// Cisco-style privileged EXEC (`#`), where sessions start.
    Enable,
    /// Waiting for the enable secret (typed without echo).
    Secret,
    /// Cisco-style global configuration.
    Config,
    /// Cisco-style interface configuration.
    ConfigIf,
    /// Junos operational mode (`>`).
    JunosOperational,
    /// Junos configuration mode (`#`).
    JunosConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    ShowVersion,
    ShowIpInterfaceBrief,
    ShowIpArp,
    ShowArp,
    ShowInterfacesTerse,
    Terminal,
    SetCli,
    Enable,
    Disable,
    Configure,
    Exit,
}

/// A command pattern: keywords, where `*` takes one or more free words.
type Entry = (&'static [&'static str], Cmd);

const CISCO_EXEC: &[Entry] = &[
    (&["show", "version"], Cmd::ShowVersion),
    (
        &["show", "ip", "interface", "brief"],
        Cmd::ShowIpInterfaceBrief,
    ),
    (&["show", "ip", "arp"], Cmd::ShowIpArp),
    (&["show", "arp"], Cmd::ShowIpArp),
    (&["terminal", "*"], Cmd::Terminal),
    (&["enable"], Cmd::Enable),
    (&["disable"], Cmd::Disable),
    (&["configure"], Cmd::Configure),
    (&["configure", "terminal"], Cmd::Configure),
    (&["exit"], Cmd::Exit),
    (&["quit"], Cmd::Exit),
    (&["logout"], Cmd::Exit),
];

const NXOS_EXEC: &[Entry] = &[
    (&["show", "version"], Cmd::ShowVersion),
    (
        &["show", "ip", "interface", "brief"],
        Cmd::ShowIpInterfaceBrief,
    ),
    (&["show", "ip", "arp"], Cmd::ShowIpArp),
    (&["terminal", "*"], Cmd::Terminal),
    (&["enable"], Cmd::Enable),
    (&["disable"], Cmd::Disable),
    (&["configure"], Cmd::Configure),
    (&["configure", "terminal"], Cmd::Configure),
    (&["exit"], Cmd::Exit),
    (&["quit"], Cmd::Exit),
    (&["logout"], Cmd::Exit),
];

const JUNOS_OPERATIONAL: &[Entry] = &[
    (&["show", "version"], Cmd::ShowVersion),
    (&["show", "arp"], Cmd::ShowArp),
    (&["show", "interfaces", "terse"], Cmd::ShowInterfacesTerse),
    (&["set", "cli", "*"], Cmd::SetCli),
    (&["configure"], Cmd::Configure),
    (&["exit"], Cmd::Exit),
    (&["quit"], Cmd::Exit),
];

#[derive(Debug, PartialEq, Eq)]
enum ParseError {
    /// The word starting at this byte offset is not understood.
    Invalid(usize),
    Incomplete,
    Ambiguous,
}

/// Splits a line into words with their byte offsets.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// Matches words against a table, keywords abbreviated to any unique prefix (`sh ip int br`).
/// Returns the command and the free words a `*` took.
fn resolve<'a>(
    table: &[Entry],
    tokens: &[(usize, &'a str)],
) -> Result<(Cmd, Vec<&'a str>), ParseError> {
    let mut candidates: Vec<&Entry> = table.iter().collect();
    for (i, &(offset, token)) in tokens.iter().enumerate() {
        if let Some(entry) = candidates.iter().find(|e| e.0.get(i) == Some(&"*")) {
            return Ok((entry.1, tokens[i..].iter().map(|t| t.1).collect()));
        }
        let token = token.to_ascii_lowercase();
        let matching: Vec<&Entry> = candidates
            .iter()
            .copied()
            .filter(|e| e.0.get(i).is_some_and(|w| w.starts_with(&token)))
            .collect();
        if matching.is_empty() {
            return Err(ParseError::Invalid(offset));
        }
        let exact: Vec<&Entry> = matching
            .iter()
            .copied()
            .filter(|e| e.0[i] == token)
            .collect();
        candidates = if exact.is_empty() {
            let first = matching[0].0[i];
            if matching.iter().any(|e| e.0[i] != first) {
                return Err(ParseError::Ambiguous);
            }
            matching
        } else {
            exact
        };
    }
    candidates
        .iter()
        .find(|e| e.0.len() == tokens.len())
        .map(|e| (e.1, Vec::new()))
        .ok_or(ParseError::Incomplete)
}

/// The output of `outputs` the words typed name, each word its keyword or a prefix of it
/// (`sh ip ar`), as the built-in commands of `table` are found: they compete with the
/// outputs (an output of the same words replaces one), a keyword typed in full wins over
/// longer ones, and words that fit several commands name none.
fn own_output<'o>(
    outputs: &'o Outputs,
    table: &[Entry],
    tokens: &[(usize, &str)],
) -> Option<&'o String> {
    if outputs.is_empty() {
        return None;
    }
    let typed: Vec<String> = tokens.iter().map(|t| t.1.to_ascii_lowercase()).collect();
    let own = outputs.iter().map(|(command, text)| {
        let words: Vec<String> = command
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        (words, Some(text))
    });
    let mut candidates: Vec<(Vec<String>, Option<&String>)> = own.collect();
    for (words, _) in table {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        if !words.contains(&"*".to_string()) && candidates.iter().all(|(own, _)| *own != words) {
            candidates.push((words, None));
        }
    }
    for (i, token) in typed.iter().enumerate() {
        candidates.retain(|(words, _)| words.get(i).is_some_and(|w| w.starts_with(token.as_str())));
        if candidates.iter().any(|(words, _)| words[i] == *token) {
            candidates.retain(|(words, _)| words[i] == *token);
        } else if candidates
            .iter()
            .any(|(words, _)| words[i] != candidates[0].0[i])
        {
            // `show i`: `ip` or `inventory`.
            return None;
        }
    }
    candidates.retain(|(words, _)| words.len() == typed.len());
    match candidates.as_slice() {
        [(_, text)] => *text,
        _ => None,
    }
}

/// An output filter after `|`.
#[derive(Debug, PartialEq, Eq)]
enum Filter {
    Include(String),
    Exclude(String),
    Begin(String),
    NoMore,
}

impl Filter {
    fn apply(&self, text: &str) -> String {
        let keep = |line: &str| match self {
            Filter::Include(p) => line.contains(p.as_str()),
            Filter::Exclude(p) => !line.contains(p.as_str()),
            Filter::Begin(_) | Filter::NoMore => true,
        };
        let lines: Box<dyn Iterator<Item = &str>> = match self {
            Filter::Begin(p) => Box::new(text.lines().skip_while(move |l| !l.contains(p.as_str()))),
            _ => Box::new(text.lines()),
        };
        lines
            .filter(|l| keep(l))
            .map(|l| format!("{l}\n"))
            .collect()
    }
}

/// One device's command line.
#[derive(Debug)]
pub(crate) struct DeviceCli {
    platform: Platform,
    facts: Facts,
    /// Outputs of the fleet file, over the built-in ones.
    outputs: Arc<Outputs>,
    username: String,
    enable_secret: String,
    mode: Mode,
    /// An interactive shell (echo shown before each reply) or a single exec request.
    interactive: bool,
}

impl DeviceCli {
    /// A device's command line, serving `outputs` (command -> text) over the built-in ones.
    pub fn new(
        platform: Platform,
        hostname: &str,
        username: &str,
        enable_secret: &str,
        interactive: bool,
        outputs: Arc<Outputs>,
    ) -> Self {
        DeviceCli {
            platform,
            facts: Facts::new(hostname),
            outputs,
            username: username.to_string(),
            enable_secret: enable_secret.to_string(),
            mode: if platform == Platform::JuniperJunos {
                Mode::JunosOperational
            } else {
                Mode::Enable
            },
            interactive,
        }
    }

    /// The prompt to print now. In Junos configuration mode it spans two lines.
    pub fn prompt(&self) -> String {
        let host = &self.facts.hostname;
        match self.mode {
            Mode::User => format!("{host}>"),
            Mode::Enable => format!("{host}#"),
            Mode::Secret => "Password: ".to_string(),
            Mode::Config => format!("{host}(config)#"),
            Mode::ConfigIf => format!("{host}(config-if)#"),
            Mode::JunosOperational => self.platform.login_prompt(host, &self.username),
            Mode::JunosConfig => format!("[edit]\n{}@{host}# ", self.username),
        }
    }

    /// Whether typed characters are echoed (not while the enable secret is typed).
    pub fn echo(&self) -> bool {
        self.mode != Mode::Secret
    }

    /// Runs one line (without its line end).
    pub fn execute(&mut self, line: &str) -> Reply {
        if self.mode == Mode::Secret {
            return if line == self.enable_secret {
                self.mode = Mode::Enable;
                Reply::instant("")
            } else {
                self.mode = Mode::User;
                Reply::error("% Access denied\n\n".to_string())
            };
        }
        let (command, pipes) = match line.find('|') {
            Some(i) => (&line[..i], Some(&line[i + 1..])),
            None => (line, None),
        };
        let tokens = words(command);
        if tokens.is_empty() {
            return match pipes {
                Some(_) => self.parse_error(line, ParseError::Invalid(0)),
                None => Reply::instant(""),
            };
        }
        match self.mode {
            Mode::Config | Mode::ConfigIf => self.config_line(line, &tokens),
            Mode::JunosConfig => self.junos_config_line(line, &tokens),
            _ => self.exec_line(line, &tokens, pipes),
        }
    }

    fn exec_table(&self) -> &'static [Entry] {
        match self.platform {
            Platform::CiscoIos | Platform::AristaEos => CISCO_EXEC,
            Platform::CiscoNxos => NXOS_EXEC,
            Platform::JuniperJunos => JUNOS_OPERATIONAL,
        }
    }

    fn exec_line(&mut self, line: &str, tokens: &[(usize, &str)], pipes: Option<&str>) -> Reply {
        // The fleet file's outputs first: they may replace a built-in one.
        let outputs = Arc::clone(&self.outputs);
        let own = own_output(&outputs, self.exec_table(), tokens);
        let builtin = match own {
            Some(_) => None,
            None => match resolve(self.exec_table(), tokens) {
                Ok(found) => Some(found),
                Err(e) => return self.parse_error(line, e),
            },
        };
        let filters = match pipes {
            Some(p) => match self.parse_filters(line, p) {
                Ok(f) => f,
                Err(reply) => return reply,
            },
            None => Vec::new(),
        };
        let f = &self.facts;
        let show = |text: String| Reply {
            text: filters.iter().fold(text, |t, filter| filter.apply(&t)),
            kind: ReplyKind::Show,
        };
        let Some((cmd, args)) = builtin else {
            return show(own.cloned().unwrap_or_default());
        };
        match (cmd, self.platform) {
            (Cmd::ShowVersion, Platform::CiscoIos) => show(outputs::ios_show_version(f)),
            (Cmd::ShowVersion, Platform::AristaEos) => show(outputs::eos_show_version(f)),
            (Cmd::ShowVersion, Platform::CiscoNxos) => show(outputs::nxos_show_version(f)),
            (Cmd::ShowVersion, Platform::JuniperJunos) => show(outputs::junos_show_version(f)),
            (Cmd::ShowIpInterfaceBrief, Platform::AristaEos) => {
                show(outputs::eos_show_ip_interface_brief(f))
            }
            (Cmd::ShowIpInterfaceBrief, Platform::CiscoNxos) => {
                show(outputs::nxos_show_ip_interface_brief(f))
            }
            (Cmd::ShowIpInterfaceBrief, _) => show(outputs::ios_show_ip_interface_brief(f)),
            (Cmd::ShowIpArp, Platform::AristaEos) => show(outputs::eos_show_ip_arp(f)),
            (Cmd::ShowIpArp, Platform::CiscoNxos) => show(outputs::nxos_show_ip_arp(f)),
            (Cmd::ShowIpArp, _) => show(outputs::ios_show_ip_arp(f)),
            (Cmd::ShowArp, _) => show(outputs::junos_show_arp(f)),
            (Cmd::ShowInterfacesTerse, _) => show(outputs::junos_show_interfaces_terse(f)),
            (Cmd::Terminal, _) => Reply::instant(self.terminal_reply(&args)),
            (Cmd::SetCli, _) => Reply::instant(junos_set_cli_reply(&args)),
            (Cmd::Enable, _) => {
                if self.mode == Mode::User {
                    self.mode = Mode::Secret;
                }
                Reply::instant("")
            }
            (Cmd::Disable, _) => {
                self.mode = Mode::User;
                Reply::instant("")
            }
            (Cmd::Configure, Platform::JuniperJunos) => {
                self.mode = Mode::JunosConfig;
                Reply::instant("Entering configuration mode\n\n")
            }
            (Cmd::Configure, _) => {
                if self.mode == Mode::User {
                    return self.parse_error(line, ParseError::Invalid(tokens[0].0));
                }
                self.mode = Mode::Config;
                Reply::instant(match self.platform {
                    Platform::AristaEos => "",
                    _ => "Enter configuration commands, one per line.  End with CNTL/Z.\n",
                })
            }
            (Cmd::Exit, _) => Reply {
                text: String::new(),
                kind: ReplyKind::Exit,
            },
        }
    }

    /// Arista confirms terminal settings (Netmiko waits for these words); IOS and NX-OS
    /// say nothing.
    fn terminal_reply(&self, args: &[&str]) -> String {
        if self.platform != Platform::AristaEos {
            return String::new();
        }
        let key = args[0].to_ascii_lowercase();
        let value = args.get(1).copied().unwrap_or("0");
        if "length".starts_with(&key) {
            if value == "0" {
                "Pagination disabled.\n".to_string()
            } else {
                format!("Pagination set to {value} lines.\n")
            }
        } else if "width".starts_with(&key) {
            format!("Width set to {value} columns.\n")
        } else {
            String::new()
        }
    }

    fn parse_filters(&self, line: &str, pipes: &str) -> Result<Vec<Filter>, Reply> {
        let base = line.len() - pipes.len();
        let mut filters = Vec::new();
        let mut offset = base;
        for part in pipes.split('|') {
            let tokens = words(part);
            let bad = |at: usize| self.parse_error(line, ParseError::Invalid(offset + at));
            let Some(&(at, keyword)) = tokens.first() else {
                return Err(bad(0));
            };
            let keyword = keyword.to_ascii_lowercase();
            let pattern = part[at + keyword.len()..].trim().to_string();
            let junos = self.platform == Platform::JuniperJunos;
            let is = |full: &str| full.starts_with(&keyword);
            let filter = match () {
                () if junos && is("match") => Filter::Include(pattern),
                () if junos && is("except") => Filter::Exclude(pattern),
                () if junos && is("no-more") => Filter::NoMore,
                () if !junos && is("include") => Filter::Include(pattern),
                () if !junos && is("exclude") => Filter::Exclude(pattern),
                () if !junos && is("begin") => Filter::Begin(pattern),
                () => return Err(bad(at)),
            };
            if filter != Filter::NoMore && tokens.len() < 2 {
                return Err(self.parse_error(line, ParseError::Incomplete));
            }
            filters.push(filter);
            offset += part.len() + 1;
        }
        Ok(filters)
    }

    fn config_line(&mut self, line: &str, tokens: &[(usize, &str)]) -> Reply {
        let first = tokens[0].1.to_ascii_lowercase();
        match first.as_str() {
            "end" => {
                self.mode = Mode::Enable;
                Reply::instant("")
            }
            "exit" => {
                self.mode = if self.mode == Mode::ConfigIf {
                    Mode::Config
                } else {
                    Mode::Enable
                };
                Reply::instant("")
            }
            "do" => {
                let rest = &line[tokens.get(1).map_or(line.len(), |t| t.0)..];
                let saved = self.mode;
                self.mode = Mode::Enable;
                let mut reply = self.execute(rest);
                if reply.kind == ReplyKind::Exit {
                    reply = Reply::instant("");
                }
                self.mode = saved;
                reply
            }
            w if w.len() >= 3 && "interface".starts_with(w) => {
                if tokens.len() < 2 {
                    return self.parse_error(line, ParseError::Incomplete);
                }
                self.mode = Mode::ConfigIf;
                Reply::instant("")
            }
            // Any other configuration line is taken as given.
            _ => Reply::instant(""),
        }
    }

    fn junos_config_line(&mut self, line: &str, tokens: &[(usize, &str)]) -> Reply {
        let words: Vec<String> = tokens.iter().map(|t| t.1.to_ascii_lowercase()).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["exit" | "quit"] | ["exit" | "quit", "configuration-mode"] => {
                self.mode = Mode::JunosOperational;
                Reply::instant("Exiting configuration mode\n\n")
            }
            ["commit", ..] => Reply::instant("commit complete\n\n"),
            ["run", ..] => {
                let rest = &line[tokens.get(1).map_or(line.len(), |t| t.0)..];
                self.mode = Mode::JunosOperational;
                let mut reply = self.execute(rest);
                if reply.kind == ReplyKind::Exit {
                    reply = Reply::instant("");
                }
                if self.mode == Mode::JunosOperational {
                    self.mode = Mode::JunosConfig;
                }
                reply
            }
            // set/delete/edit... are taken as given; Junos prints a blank line.
            _ => Reply::instant("\n"),
        }
    }

    /// The platform's complaint about a line it did not understand.
    fn parse_error(&self, line: &str, error: ParseError) -> Reply {
        // Where the echoed line starts on screen: after the prompt in a shell; an exec
        // request prints the line itself first.
        let (lead, start) = if self.interactive {
            let prompt = self.prompt();
            let last = prompt.rsplit('\n').next().unwrap_or("").chars().count();
            (String::new(), last)
        } else {
            (format!("{line}\n"), 0)
        };
        let caret = |at: usize| {
            let col = start + line[..at.min(line.len())].chars().count();
            format!("{lead}{}^\n", " ".repeat(col))
        };
        let text = match (self.platform, error) {
            (Platform::JuniperJunos, ParseError::Invalid(at)) => {
                format!("{}syntax error, expecting <command>.\n\n", caret(at))
            }
            (Platform::JuniperJunos, _) => {
                format!(
                    "{}syntax error, expecting <command>.\n\n",
                    caret(line.len())
                )
            }
            (_, ParseError::Invalid(at)) => {
                format!("{}% Invalid input detected at '^' marker.\n\n", caret(at))
            }
            (_, ParseError::Incomplete) => "% Incomplete command.\n\n".to_string(),
            (_, ParseError::Ambiguous) => format!("% Ambiguous command:  \"{}\"\n", line.trim()),
        };
        Reply::error(text)
    }
}

/// Junos confirms `set cli` settings (Netmiko waits for these words).
fn junos_set_cli_reply(args: &[&str]) -> String {
    let value = args.get(1).copied().unwrap_or("");
    let text = match args[0].to_ascii_lowercase().as_str() {
        "screen-length" => format!("Screen length set to {value}\n"),
        "screen-width" => format!("Screen width set to {value}\n"),
        "complete-on-space" if value == "off" => "Disabling complete-on-space\n".to_string(),
        "complete-on-space" => "Enabling complete-on-space\n".to_string(),
        _ => String::new(),
    };
    format!("{text}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(platform: Platform, name: &str) -> DeviceCli {
        DeviceCli::new(platform, name, "pyclass", "s3cret", true, Arc::default())
    }

    #[test]
    fn prompts() {
        assert_eq!(cli(Platform::CiscoIos, "cisco3").prompt(), "cisco3#");
        assert_eq!(cli(Platform::AristaEos, "arista1").prompt(), "arista1#");
        assert_eq!(cli(Platform::CiscoNxos, "nxos1").prompt(), "nxos1#");
        assert_eq!(
            cli(Platform::JuniperJunos, "srx2").prompt(),
            "pyclass@srx2> "
        );
    }

    #[test]
    fn abbreviations_and_errors() {
        let mut c = cli(Platform::CiscoIos, "cisco3");
        let r = c.execute("sh ip int br");
        assert_eq!(r.kind, ReplyKind::Show);
        assert!(r.text.starts_with("Interface "));
        let r = c.execute("show foo");
        assert_eq!(r.kind, ReplyKind::Error);
        assert_eq!(
            r.text,
            "            ^\n% Invalid input detected at '^' marker.\n\n"
        );
        assert_eq!(c.execute("show").text, "% Incomplete command.\n\n");
        assert_eq!(c.execute("show ip").text, "% Incomplete command.\n\n");
        assert_eq!(c.execute("").kind, ReplyKind::Instant);
        assert_eq!(c.execute("terminal length 0").text, "");
        assert_eq!(c.execute("terminal").text, "% Incomplete command.\n\n");
        assert_eq!(c.execute("exit").kind, ReplyKind::Exit);
    }

    #[test]
    fn exec_errors_show_the_line() {
        let mut c = DeviceCli::new(
            Platform::CiscoNxos,
            "nxos1",
            "pyclass",
            "x",
            false,
            Arc::default(),
        );
        assert_eq!(
            c.execute("show bogus").text,
            "show bogus\n     ^\n% Invalid input detected at '^' marker.\n\n"
        );
        let mut j = DeviceCli::new(
            Platform::JuniperJunos,
            "srx2",
            "pyclass",
            "x",
            false,
            Arc::default(),
        );
        assert_eq!(
            j.execute("show ip arp").text,
            "show ip arp\n     ^\nsyntax error, expecting <command>.\n\n"
        );
    }

    #[test]
    fn junos_modes_and_cli_settings() {
        let mut j = cli(Platform::JuniperJunos, "srx2");
        assert_eq!(
            j.execute("set cli screen-width 511").text,
            "Screen width set to 511\n\n"
        );
        assert_eq!(
            j.execute("set cli screen-length 0").text,
            "Screen length set to 0\n\n"
        );
        let r = j.execute("foo");
        assert_eq!(
            r.text,
            "              ^\nsyntax error, expecting <command>.\n\n"
        );
        j.execute("configure");
        assert_eq!(j.prompt(), "[edit]\npyclass@srx2# ");
        assert_eq!(j.execute("set system host-name x").kind, ReplyKind::Instant);
        assert!(j.execute("run show arp").text.contains("Total entries"));
        assert_eq!(j.prompt(), "[edit]\npyclass@srx2# ");
        j.execute("exit configuration-mode");
        assert_eq!(j.prompt(), "pyclass@srx2> ");
        assert!(
            j.execute("show version | match Model")
                .text
                .starts_with("Model: srx300\n")
        );
    }

    #[test]
    fn enable_and_configure() {
        let mut c = cli(Platform::CiscoIos, "cisco3");
        c.execute("disable");
        assert_eq!(c.prompt(), "cisco3>");
        assert_eq!(c.execute("conf t").kind, ReplyKind::Error);
        c.execute("enable");
        assert_eq!(c.prompt(), "Password: ");
        assert!(!c.echo());
        assert_eq!(c.execute("wrong").text, "% Access denied\n\n");
        assert_eq!(c.prompt(), "cisco3>");
        c.execute("en");
        c.execute("s3cret");
        assert_eq!(c.prompt(), "cisco3#");
        c.execute("configure terminal");
        assert_eq!(c.prompt(), "cisco3(config)#");
        c.execute("interface Gi0/0/1");
        assert_eq!(c.prompt(), "cisco3(config-if)#");
        assert_eq!(c.execute("description uplink").text, "");
        assert!(c.execute("do show ver").text.contains("cisco3 uptime"));
        c.execute("exit");
        assert_eq!(c.prompt(), "cisco3(config)#");
        c.execute("end");
        assert_eq!(c.prompt(), "cisco3#");
    }

    #[test]
    fn arista_confirms_terminal_settings() {
        let mut a = cli(Platform::AristaEos, "arista1");
        assert_eq!(
            a.execute("terminal width 511").text,
            "Width set to 511 columns.\n"
        );
        assert_eq!(
            a.execute("terminal length 0").text,
            "Pagination disabled.\n"
        );
        assert_eq!(a.execute("terminal dont-ask").text, "");
    }

    #[test]
    fn filters() {
        let mut c = cli(Platform::CiscoIos, "cisco4");
        let r = c.execute("show version | include uptime");
        assert_eq!(r.text.lines().count(), 1, "{}", r.text);
        assert!(r.text.starts_with("cisco4 uptime is "));
        let r = c.execute("show version | begin Configuration register");
        assert_eq!(r.text, "Configuration register is 0x2102\n");
        let r = c.execute("show version | frobnicate");
        assert_eq!(r.kind, ReplyKind::Error);
        assert_eq!(
            r.text,
            "                      ^\n% Invalid input detected at '^' marker.\n\n"
        );
    }

    #[test]
    fn word_splitting() {
        assert_eq!(words("  sh  ver "), vec![(2, "sh"), (6, "ver")]);
    }

    #[test]
    fn own_outputs_take_abbreviations_and_filters_and_replace_built_in_ones() {
        let outputs: Outputs = [
            ("show version", "Lab OS 1.2\nuptime is 3 days\n"),
            ("show interfaces status", "Gi1 connected\nGi2 notconnect\n"),
            ("show inventory", "chassis\n"),
        ]
        .into_iter()
        .map(|(c, t)| (c.to_string(), t.to_string()))
        .collect();
        let mut c = DeviceCli::new(
            Platform::CiscoIos,
            "core-r1",
            "pyclass",
            "x",
            false,
            Arc::new(outputs),
        );
        assert_eq!(c.prompt(), "core-r1#");
        assert_eq!(c.execute("sh ver").text, "Lab OS 1.2\nuptime is 3 days\n");
        assert_eq!(
            c.execute("show version | include uptime").text,
            "uptime is 3 days\n"
        );
        assert_eq!(
            c.execute("sh int stat | inc notconnect").text,
            "Gi2 notconnect\n"
        );
        assert_eq!(c.execute("show inv").text, "chassis\n");
        // `show i` is `show inventory` or the built-in `show ip ...`: no own output, and
        // the built-in table finds the command incomplete.
        assert!(c.execute("show i").text.contains('%'));
        assert!(
            c.execute("show ip arp")
                .text
                .starts_with("Protocol  Address")
        );
    }
}
