//! When each line of a lesson's output arrived: for the claims about waits (no silent
//! stretch, a hung device holding nobody back), judged on the lab's clock where a lab is
//! there to compare with.

use std::io::{BufRead as _, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use mock_device::Fleet;

/// One line of a run and when the test read it.
#[derive(Debug, Clone)]
pub struct TimedLine {
    pub at: Instant,
    /// Whether it came on stderr.
    pub stderr: bool,
    pub text: String,
}

/// A finished run, its lines in the order they arrived (both streams).
#[derive(Debug)]
pub struct TimedRun {
    pub started: Instant,
    pub ended: Instant,
    pub status: ExitStatus,
    pub lines: Vec<TimedLine>,
}

impl TimedRun {
    /// Runs `command` to its end, taking the time of every line of stdout and stderr.
    pub fn of(mut command: Command) -> TimedRun {
        let started = Instant::now();
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the lesson starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let readers = [
            read_lines(child.stdout.take().map(|s| Box::new(s) as _), false, &lines),
            read_lines(child.stderr.take().map(|s| Box::new(s) as _), true, &lines),
        ];
        let status = child.wait().expect("the lesson ends");
        for reader in readers {
            reader.join().expect("a reader thread");
        }
        let ended = Instant::now();
        let mut lines = std::mem::take(&mut *lines.lock().expect("the lines"));
        lines.sort_by_key(|l: &TimedLine| l.at);
        TimedRun {
            started,
            ended,
            status,
            lines,
        }
    }

    /// The stdout lines, as one text.
    pub fn stdout(&self) -> String {
        self.lines
            .iter()
            .filter(|l| !l.stderr)
            .map(|l| format!("{}\n", l.text))
            .collect()
    }

    /// The longest stretch without a line (from the start, between lines, to the end), and
    /// the line that ended it (`None` for the end of the run).
    pub fn longest_silence(&self) -> (Duration, Option<&TimedLine>) {
        let mut before = self.started;
        let mut longest = (Duration::ZERO, None);
        for line in &self.lines {
            if line.at - before > longest.0 {
                longest = (line.at - before, Some(line));
            }
            before = line.at;
        }
        if self.ended - before > longest.0 {
            longest = (self.ended - before, None);
        }
        longest
    }

    /// The whole run, each line with its time since the start: for a failure's message.
    pub fn transcript(&self) -> String {
        self.lines
            .iter()
            .map(|l| {
                let stream = if l.stderr { "err" } else { "out" };
                let at = (l.at - self.started).as_secs_f64();
                format!("{at:7.3} {stream} {}\n", l.text)
            })
            .collect()
    }
}

fn read_lines(
    stream: Option<Box<dyn Read + Send>>,
    stderr: bool,
    lines: &Arc<Mutex<Vec<TimedLine>>>,
) -> thread::JoinHandle<()> {
    let lines = Arc::clone(lines);
    thread::spawn(move || {
        let Some(stream) = stream else { return };
        for text in BufReader::new(stream).lines() {
            let Ok(text) = text else { break };
            let line = TimedLine {
                at: Instant::now(),
                stderr,
                text,
            };
            lines.lock().expect("the lines").push(line);
        }
    })
}

/// `at` on `fleet`'s clock (the one its record's times are on).
pub fn on_lab_clock(fleet: &Fleet, at: Instant) -> Duration {
    let now = Instant::now();
    fleet.record().taken.saturating_sub(now - at)
}

impl super::Lesson {
    /// What a part that prints from its workers owes: with nxos1 hung, the other eight
    /// devices' blocks (lines of 80 `#`) are all out within 2.5 s of the last of their
    /// sessions ending, as the mock saw it, long before nxos1's 8 s timeout, and nxos1's
    /// failure comes after that timeout.
    pub fn check_hung_device_holds_nobody_back(&self, part: &str) {
        let lab = super::TestLab::course_with_fault("nxos1", mock_device::Fault::Hang);
        let run = TimedRun::of(self.command(&lab, &["--timeout", "8", "--part", part]));
        let transcript = run.transcript();
        let record = lab.fleet().record();
        let others_done = record
            .sessions
            .iter()
            .filter(|s| s.device != "nxos1")
            .filter_map(|s| s.commands.iter().filter_map(|c| c.end).max())
            .max()
            .expect("the other devices ran `show version`");
        let blocks: Vec<Duration> = run
            .lines
            .iter()
            .filter(|l| l.text == crate::HASHES)
            .map(|l| on_lab_clock(lab.fleet(), l.at))
            .collect();
        assert_eq!(blocks.len(), 2 * 8, "{transcript}");
        let last_block = blocks.iter().max().copied().unwrap_or_default();
        assert!(
            last_block < others_done + Duration::from_millis(2500),
            "the last block came {last_block:?} on the lab's clock, the other devices were \
             done at {others_done:?}\n{transcript}"
        );
        let hung_failed = run
            .lines
            .iter()
            .find(|l| l.text.starts_with("Error: nxos1"))
            .map(|l| on_lab_clock(lab.fleet(), l.at))
            .expect("nxos1 fails");
        assert!(
            last_block + Duration::from_secs(4) < hung_failed,
            "{last_block:?} vs {hung_failed:?}\n{transcript}"
        );
    }
}

/// The longest a run may print nothing: the rule is 3 s, plus room for a machine busy with
/// the rest of the test suite.
pub const LONGEST_SILENCE: Duration = Duration::from_millis(4500);

impl super::Lesson {
    /// What every lesson's default run owes a student: no stretch of more than 3 s without
    /// a line (checked with [`LONGEST_SILENCE`]'s margin; a second run, should a busy
    /// moment stretch one wait, before calling it a failure). The run is the student's:
    /// no flags, the course lab in its own process, at the lab's own speed.
    pub fn check_no_silent_stretch(&self, args: &[&str]) {
        let mut worst = String::new();
        for _ in 0..2 {
            let mut command = Command::new(self.binary);
            command.args(args);
            let run = TimedRun::of(command);
            assert!(run.status.success(), "{}", run.transcript());
            let (silence, before) = run.longest_silence();
            if silence <= LONGEST_SILENCE {
                return;
            }
            let before = before.map_or("the end", |l| l.text.as_str());
            worst = format!(
                "{silence:?} without a line, before `{before}`\n{}",
                run.transcript()
            );
        }
        panic!("{worst}");
    }
}

/// How many rows the `--timeline` drawing in `stdout` has: the lines between its
/// `timeline: …` line and its time axis.
pub fn timeline_rows(stdout: &str) -> usize {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("timeline: "))
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('└'))
        .count()
}
