//! `mock-device timeline FILE --follow`: the fleet's view, redrawn as its events arrive.
//!
//! An instructor projects it while the class's scripts run against the fleet. The events
//! file is read as it grows (only whole lines; a fleet that starts again empties the file,
//! and the picture starts again with it), and every half second that something new came in,
//! the picture is drawn again. On a terminal the frames are drawn on the alternate screen
//! with the cursor hidden; when following stops (Ctrl-C, or `--follow-for`), the terminal gets
//! its own screen and cursor back and the last frame is printed on it, so it stays in view.
//! Anywhere else (a pipe, a file) each new frame is simply printed after the last.

use std::fs::File;
use std::io::{self, Read as _, Seek as _, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::record::EventsReader;
use crate::{runs, timeline};

/// How often the picture is drawn again when events came in.
pub const REDRAW_EVERY: Duration = Duration::from_millis(500);

/// How often the file is looked at, and the stop flag.
const POLL: Duration = Duration::from_millis(50);

/// Switch to the alternate screen and hide the cursor.
const ENTER: &str = "\x1b[?1049h\x1b[?25l";
/// Move home and clear the screen, before each frame.
const CLEAR: &str = "\x1b[H\x1b[2J";
/// Show the cursor and leave the alternate screen.
const LEAVE: &str = "\x1b[?25h\x1b[?1049l";

/// What to follow and how.
#[derive(Debug, Clone)]
pub struct Follow<'a> {
    pub file: &'a Path,
    /// Only this run's sessions, and this part's (`--run`, `--part`).
    pub run: Option<&'a str>,
    pub part: Option<&'a str>,
    /// Stop after this long (`--follow-for`); else only `stop` ends it.
    pub stop_after: Option<Duration>,
    /// Draw with the escape codes of a terminal.
    pub terminal: bool,
}

/// Follows the file until `stop` is set (or `stop_after` has passed), drawing on `out`.
/// Hands back an error for a line of the file that cannot be read (naming it), with the
/// terminal restored first.
pub fn follow(
    how: &Follow<'_>,
    stop: &AtomicBool,
    width: impl Fn() -> usize,
    out: &mut impl Write,
) -> Result<(), String> {
    let mut tail = Tail::default();
    let started = Instant::now();
    let mut last_frame = String::new();
    let mut drawn_at: Option<Instant> = None;
    // Something came in that is not drawn yet.
    let mut pending = true;
    if how.terminal {
        write!(out, "{ENTER}").map_err(write_error)?;
    }
    let mut result = Ok(());
    loop {
        let done = stop.load(Ordering::SeqCst)
            || how
                .stop_after
                .is_some_and(|after| started.elapsed() >= after);
        match tail.read_new(how.file) {
            Ok(changed) => {
                pending |= changed;
                let due = drawn_at.is_none_or(|at| at.elapsed() >= REDRAW_EVERY);
                if pending && (due || done) {
                    pending = false;
                    last_frame = frame(how, &tail.events, width());
                    drawn_at = Some(Instant::now());
                    let drawn = if how.terminal {
                        write!(out, "{CLEAR}{last_frame}")
                    } else {
                        writeln!(out, "{last_frame}")
                    };
                    drawn.and_then(|()| out.flush()).map_err(write_error)?;
                }
            }
            Err(error) => {
                result = Err(error);
                break;
            }
        }
        if done {
            break;
        }
        std::thread::sleep(POLL);
    }
    if how.terminal {
        // The last frame stays on the terminal's own screen.
        write!(out, "{LEAVE}{last_frame}").map_err(write_error)?;
        out.flush().map_err(write_error)?;
    }
    result
}

fn write_error(error: io::Error) -> String {
    format!("cannot draw: {error}")
}

/// The picture of what the lines so far describe.
fn frame(how: &Follow<'_>, events: &EventsReader, width: usize) -> String {
    let whole = &events.record;
    let mut which = String::new();
    for (name, value) in [("run", how.run), ("part", how.part)] {
        if let Some(value) = value {
            which.push_str(&format!("{name} {value}, "));
        }
    }
    let filtered;
    let (sessions, now) = if which.is_empty() {
        (whole.sessions.as_slice(), whole.taken)
    } else {
        match runs::only(whole, how.run, how.part) {
            Some(record) => {
                filtered = record;
                (filtered.sessions.as_slice(), filtered.taken)
            }
            None => (&[][..], Duration::ZERO),
        }
    };
    let mut text = format!(
        "== timeline of {}, followed (Ctrl-C to stop): {which}{} sessions, as the fleet saw \
         them ==\n",
        how.file.display(),
        sessions.len()
    );
    if sessions.is_empty() {
        text.push_str("(no session yet)\n");
    } else {
        let bars = timeline::bars_from_records(sessions, now);
        text.push_str(&timeline::render_terminal(&bars, width));
    }
    text
}

/// The file as far as read: its whole lines, and where the next read starts.
#[derive(Debug, Default)]
struct Tail {
    events: EventsReader,
    offset: u64,
    /// The start of a line not ended yet.
    partial: String,
    /// Lines read so far, to name a bad one.
    lines: usize,
}

impl Tail {
    /// Reads what was added since the last call; whether anything was. A file that is not
    /// there (yet) is no error: the fleet may not have started.
    fn read_new(&mut self, path: &Path) -> Result<bool, String> {
        let Ok(mut file) = File::open(path) else {
            return Ok(false);
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len < self.offset {
            // Emptied: a new fleet writes it from the start.
            *self = Tail::default();
        }
        if len == self.offset {
            return Ok(false);
        }
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(self.offset))
            .and_then(|_| file.take(len - self.offset).read_to_end(&mut bytes))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        self.offset += bytes.len() as u64;
        self.partial.push_str(&String::from_utf8_lossy(&bytes));
        let Some(end) = self.partial.rfind('\n') else {
            return Ok(false);
        };
        let whole: String = self.partial.drain(..=end).collect();
        for line in whole.lines() {
            self.lines += 1;
            self.events
                .add_line(line)
                .map_err(|e| format!("{}: line {}: {e}", path.display(), self.lines))?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCEPT: &str = r#"{"t":0.1,"session":0,"device":"r1","event":"accept"}"#;
    const CLOSE: &str = r#"{"t":0.3,"session":0,"device":"r1","event":"close","how":"clean"}"#;

    /// On a terminal: the alternate screen and a hidden cursor while following, both given
    /// back at the end, and the last frame printed after them.
    #[test]
    fn a_terminal_gets_its_screen_and_cursor_back_and_the_last_frame() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.jsonl");
        std::fs::write(&file, format!("{ACCEPT}\n{CLOSE}\n")).unwrap();
        let how = Follow {
            file: &file,
            run: None,
            part: None,
            stop_after: Some(Duration::ZERO),
            terminal: true,
        };
        let mut out = Vec::new();
        follow(&how, &AtomicBool::new(false), || 60, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with(&format!("{ENTER}{CLEAR}== timeline of ")),
            "{out:?}"
        );
        let (_, after) = out.split_once(LEAVE).expect("left the alternate screen");
        assert!(after.starts_with("== timeline of ") && after.contains(": 1 sessions, as"));
        assert!(!after.contains('\x1b'), "{after:?}");
    }

    /// A line still being written waits; a file emptied by a new fleet starts over.
    #[test]
    fn only_whole_lines_are_read_and_an_emptied_file_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.jsonl");
        let mut tail = Tail::default();
        assert_eq!(tail.read_new(&file), Ok(false), "no file yet");
        std::fs::write(&file, format!("{ACCEPT}\n{}", &CLOSE[..20])).unwrap();
        assert_eq!(tail.read_new(&file), Ok(true));
        assert_eq!(tail.events.record.sessions.len(), 1);
        assert!(tail.events.record.sessions[0].closed.is_none());
        std::fs::write(&file, format!("{ACCEPT}\n{CLOSE}\n")).unwrap();
        assert_eq!(tail.read_new(&file), Ok(true));
        assert!(tail.events.record.sessions[0].closed.is_some());
        std::fs::write(&file, format!("{ACCEPT}\n")).unwrap();
        assert_eq!(tail.read_new(&file), Ok(true));
        assert!(
            tail.events.record.sessions[0].closed.is_none(),
            "started over"
        );
        std::fs::write(&file, format!("{ACCEPT}\nnot json\n")).unwrap();
        let error = tail.read_new(&file).unwrap_err();
        assert!(error.contains("events.jsonl: line 2: "), "{error}");
    }
}
