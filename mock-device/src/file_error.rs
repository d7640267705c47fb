//! A mistake in a YAML file, told as cargo tells one in its manifest: the message in plain
//! words, the file, line and column, then the line itself with a caret under what is wrong.
//!
//! ```text
//! error: port must be a number from 1 to 65535, not "abc"
//!  --> devices.yaml:4:9
//!   |
//! 4 |   port: abc
//!   |         ^^^
//! ```
//!
//! Both YAML files of the project report through it: the fleet file read here and the device
//! inventory of the lessons (`shared`). serde_norway says where a mistake is; its words are
//! those of a parser (`invalid type: string "abc", expected u16`), so [`FileError::from_yaml`]
//! says the same in the words of someone editing the file.

use std::fmt;
use std::io::IsTerminal;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

/// A mistake in a file: its message, and where it is when that is known.
#[derive(Debug, Clone)]
pub struct FileError {
    path: PathBuf,
    message: String,
    spot: Option<Spot>,
}

/// Where a mistake is: 1-based line and column, the text of that line, and the bytes of the
/// line the caret goes under.
#[derive(Debug, Clone)]
struct Spot {
    line: usize,
    column: usize,
    text: String,
    caret: Range<usize>,
}

/// What the caret goes under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Underline {
    /// The value or key that starts at the column.
    Token,
    /// The line's content, from its first non-blank character.
    Line,
}

impl FileError {
    /// A mistake about the whole file (it cannot be read, it lists nothing...).
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        FileError {
            path: path.to_path_buf(),
            message: message.into(),
            spot: None,
        }
    }

    /// A mistake at `line` and `column` (1-based) of `source`, the text of the file at `path`.
    fn at(
        path: &Path,
        source: &str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self::underlining(path, source, line, column, Underline::Token, message)
    }

    fn underlining(
        path: &Path,
        source: &str,
        line: usize,
        column: usize,
        underline: Underline,
        message: impl Into<String>,
    ) -> Self {
        let spot = source.lines().nth(line.wrapping_sub(1)).map(|text| {
            let text = text.trim_end_matches('\r');
            Spot {
                line,
                column,
                caret: caret(text, column, underline),
                text: text.to_string(),
            }
        });
        FileError {
            path: path.to_path_buf(),
            message: message.into(),
            spot,
        }
    }

    /// serde_norway's error about `source`, the text of the file at `path`, in plain words
    /// and at the line the mistake is on.
    pub fn from_yaml(path: &Path, source: &str, error: &serde_yaml::Error) -> Self {
        let Some(location) = error.location() else {
            return FileError::new(path, error.to_string());
        };
        let (line, column) = (location.line(), location.column());
        let text = error.to_string();
        let (place, said) = split_path(&text);
        if let Some(problem) = libyaml_problem(said) {
            return syntax_error(path, source, line, column, problem, said);
        }
        let said = strip_location(said);
        let (message, underline) = plain_words(place, said);
        Self::underlining(path, source, line, column, underline, message)
    }

    /// The message, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based line and column, when the mistake has a place.
    pub fn location(&self) -> Option<(usize, usize)> {
        self.spot.as_ref().map(|s| (s.line, s.column))
    }

    /// The full report, as cargo prints it: `error: ...`, the place, the line and its caret.
    /// In colour when `styled`.
    pub fn render(&self, styled: bool) -> String {
        let Some(spot) = &self.spot else {
            return format!("error: {self}");
        };
        let path = self.path.display().to_string();
        let report = [Level::ERROR.primary_title(self.message.as_str()).element(
            Snippet::source(spot.text.as_str())
                .line_start(spot.line)
                .path(path.as_str())
                .annotation(AnnotationKind::Primary.span(spot.caret.clone())),
        )];
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&report)
    }

    /// Prints the report on stderr, in colour where stderr is a terminal that wants it.
    pub fn eprint(&self) {
        let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        eprintln!("{}", self.render(styled));
    }
}

impl fmt::Display for FileError {
    /// One line: `devices.yaml:4:9: port must be ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(spot) = &self.spot {
            write!(f, ":{}:{}", spot.line, spot.column)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FileError {}

/// Reads `source`, the text of the file at `path`, as a `T`; a mistake comes back in plain
/// words at its line.
pub fn from_yaml_str<T: serde::de::DeserializeOwned>(
    path: &Path,
    source: &str,
) -> Result<T, FileError> {
    // Read as plain YAML first: a typed read stops at the first value that does not fit,
    // and a mis-indented line further down would then be reported as a missing key above it.
    serde_yaml::from_str::<serde_yaml::Value>(source)
        .and_then(|_| serde_yaml::from_str(source))
        .map_err(|e| FileError::from_yaml(path, source, &e))
}

/// Reads a scalar, text or number alike (`port: 22` and `port: "22"`), through `parse`.
/// `expected` says what it must be (`a number from 1 to 65535`); when `parse` refuses it
/// with no reason of its own the error says `port must be {expected}, not "abc"`. The check
/// runs inside serde_norway's visit of the value, so the error points at the value.
pub fn deserialize_scalar<'de, D, T>(
    deserializer: D,
    expected: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::{Error, Unexpected, Visitor};

    struct Scalar<T> {
        expected: &'static str,
        parse: fn(&str) -> Result<T, String>,
    }
    impl<T> Scalar<T> {
        fn check<E: Error>(&self, text: &str, shown: Unexpected<'_>) -> Result<T, E> {
            (self.parse)(text).map_err(|why| match why.is_empty() {
                true => E::invalid_value(shown, self),
                false => E::custom(why),
            })
        }
    }
    impl<T> Visitor<'_> for Scalar<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expected)
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<T, E> {
            self.check(v, Unexpected::Str(v))
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<T, E> {
            self.check(&v.to_string(), Unexpected::Unsigned(v))
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<T, E> {
            self.check(&v.to_string(), Unexpected::Signed(v))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<T, E> {
            self.check(&v.to_string(), Unexpected::Float(v))
        }
    }
    deserializer.deserialize_any(Scalar { expected, parse })
}

/// `unknown key "hostname" (did you mean "host"?)`, or with the keys it may be when none is
/// close.
pub fn unknown_key(key: &str, known: &[&str]) -> String {
    match closest(key, known) {
        Some(close) => format!("unknown key \"{key}\" (did you mean \"{close}\"?)"),
        None => format!(
            "unknown key \"{key}\" (the keys here are: {})",
            known.join(", ")
        ),
    }
}

/// `device_type "cisco_xr" is not one of cisco_ios, arista_eos, ...`: the list is short, so
/// it is shown whole (`cisco_xr` is another platform, not a typo of `cisco_ios`), with the
/// one a misspelling meant: `"cisco_iso" is not one of ... (did you mean "cisco_ios"?)`.
fn not_one_of(key: &str, value: &str, allowed: &[&str]) -> String {
    let list = allowed.join(", ");
    match closest(value, allowed) {
        Some(close) => {
            format!("{key} \"{value}\" is not one of {list} (did you mean \"{close}\"?)")
        }
        None => format!("{key} \"{value}\" is not one of {list}"),
    }
}

/// The candidate a misspelling most likely meant: one it starts with or that starts with it
/// (`hostname`, `host`), else one within cargo's edit distance (a third of its length,
/// letters swapped counting once).
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .filter_map(|&c| {
            let distance = strsim::damerau_levenshtein(&word, c);
            let prefix =
                c.len() > 1 && word.len() > 1 && (word.starts_with(c) || c.starts_with(&word));
            (distance <= limit || prefix).then_some(((!prefix, distance), c))
        })
        .min_by_key(|&(rank, _)| rank)
        .map(|(_, c)| c)
}

/// serde_norway writes where in the document a value was (`[0].port: ...`, nothing for the
/// document itself); the key is the last name in it.
fn split_path(text: &str) -> (Place<'_>, &str) {
    if let Some((path, rest)) = text.split_once(": ")
        && !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.[]".contains(c))
    {
        let key = path
            .rsplit('.')
            .next()
            .filter(|k| !k.is_empty() && !k.starts_with('['));
        let key = key.map(|k| k.split('[').next().unwrap_or(k));
        return (key.map_or(Place::Entry, Place::Key), rest);
    }
    (Place::File, text)
}

/// Where in the document serde_norway says a mistake is.
#[derive(Debug, Clone, Copy)]
enum Place<'a> {
    /// The document itself.
    File,
    /// An entry of a list.
    Entry,
    /// The value of this key.
    Key(&'a str),
}

impl<'a> Place<'a> {
    fn key(self) -> Option<&'a str> {
        match self {
            Place::Key(key) => Some(key),
            _ => None,
        }
    }
}

/// `... at line 4 column 9` at the end: the place is shown apart.
fn strip_location(text: &str) -> &str {
    match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// libyaml's own words for a file that is not YAML, e.g. `mapping values are not allowed in
/// this context`; None for a mistake in what the YAML says.
fn libyaml_problem(text: &str) -> Option<&str> {
    const SYNTAX: [&str; 12] = [
        "mapping values are not allowed",
        "did not find expected",
        "could not find expected",
        "found a tab character",
        "found character that cannot start any token",
        "found unexpected end of stream",
        "found unexpected ':'",
        "found undefined tag handle",
        "found unknown escape character",
        "block sequence entries are not allowed",
        "found incompatible YAML document",
        "while parsing",
    ];
    SYNTAX
        .iter()
        .any(|s| text.starts_with(s))
        .then(|| strip_location(text.split(", while ").next().unwrap_or(text)))
}

/// A file that is not valid YAML: most often a line indented differently from the lines
/// it belongs with.
fn syntax_error(
    path: &Path,
    source: &str,
    line: usize,
    column: usize,
    problem: &str,
    said: &str,
) -> FileError {
    let lines: Vec<&str> = source.lines().collect();
    let indent = |n: usize| {
        lines
            .get(n.wrapping_sub(1))
            .map(|l| l.len() - l.trim_start_matches([' ', '-']).len())
    };
    // The nearest line above with content, which this one should line up with.
    let above = (1..line).rev().find(|&n| {
        lines
            .get(n - 1)
            .is_some_and(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    let misaligned = above.is_some_and(|a| indent(a) != indent(line));
    let first_column = |n: usize| {
        lines
            .get(n.wrapping_sub(1))
            .map_or(1, |l| l.len() - l.trim_start().len() + 1)
    };
    let key = |n: usize| {
        lines
            .get(n.wrapping_sub(1))
            .and_then(|l| l.trim_start().trim_start_matches("- ").split(':').next())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let at_line = |n: usize, message: String| {
        FileError::underlining(path, source, n, first_column(n), Underline::Line, message)
    };
    if problem.starts_with("found a tab character")
        || lines
            .get(line.wrapping_sub(1))
            .is_some_and(|l| l.starts_with('\t'))
    {
        return at_line(
            line,
            "a tab indents this line: YAML indents with spaces only".into(),
        );
    }
    // Where libyaml started what it could not finish (`while scanning a simple key at line
    // 3 column 3`): the key without its colon, the `[` never closed...
    let started = said.split_once(", while ").and_then(|(_, context)| {
        let (_, place) = context.rsplit_once(" at line ")?;
        let (l, c) = place.split_once(" column ")?;
        Some((l.trim().parse().ok()?, c.trim().parse().ok()?))
    });
    if problem.starts_with("could not find expected ':'") {
        // libyaml notices at the next line; the key without its colon is the one before.
        let key_line = started.map_or(line, |(l, _)| l);
        return at_line(
            key_line,
            "expected `key: value` here (a colon and a space after the key)".into(),
        );
    }
    let unclosed = match problem {
        "did not find expected ',' or ']'" => Some("this `[` is not closed by a `]`"),
        "did not find expected ',' or '}'" => Some("this `{` is not closed by a `}`"),
        p if p.starts_with("found unexpected end of stream") && said.contains("quoted scalar") => {
            Some("this quote is not closed")
        }
        _ => None,
    };
    if let (Some(message), Some((l, c))) = (unclosed, started) {
        return FileError::at(path, source, l, c, message);
    }
    let mis_indented = problem.starts_with("mapping values are not allowed")
        || problem.starts_with("did not find expected '-' indicator")
        || problem.starts_with("did not find expected key")
        || problem.starts_with("block sequence entries are not allowed");
    if mis_indented && misaligned {
        let what = match key(line) {
            k if k.is_empty() => "this line".to_string(),
            k => format!("`{k}:`"),
        };
        let above = above.unwrap_or(1);
        return at_line(
            line,
            format!(
                "{what} is indented differently from line {above}: the keys of one entry \
                 start in the same column"
            ),
        );
    }
    if problem.starts_with("mapping values are not allowed") {
        return FileError::at(
            path,
            source,
            line,
            column,
            "a value with `: ` in it must be quoted (or is this line indented too deep?)",
        );
    }
    FileError::underlining(
        path,
        source,
        line,
        column,
        Underline::Token,
        format!("this is not valid YAML: {problem}"),
    )
}

/// serde's stock messages, said plainly; `key` is the key the value belongs to.
fn plain_words(place: Place<'_>, said: &str) -> (String, Underline) {
    let key = place.key();
    let quoted = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    if let Some(rest) = said.strip_prefix("unknown field ") {
        let names = quoted(rest);
        let known: Vec<&str> = names.iter().skip(1).map(String::as_str).collect();
        let field = names.first().map_or("", String::as_str);
        return (unknown_key(field, &known), Underline::Token);
    }
    if let Some(rest) = said.strip_prefix("unknown variant ") {
        let names = quoted(rest);
        let allowed: Vec<&str> = names.iter().skip(1).map(String::as_str).collect();
        let value = names.first().map_or("", String::as_str);
        return (
            not_one_of(key.unwrap_or("the value"), value, &allowed),
            Underline::Token,
        );
    }
    if let Some(rest) = said.strip_prefix("missing field ") {
        let field = quoted(rest).into_iter().next().unwrap_or_default();
        let whose = match place {
            Place::File => "the file",
            _ => "the entry that starts here",
        };
        return (format!("{whose} has no \"{field}\""), Underline::Line);
    }
    if let Some(rest) = said.strip_prefix("duplicate field ") {
        let field = quoted(rest).into_iter().next().unwrap_or_default();
        return (
            format!("\"{field}\" is given twice in the entry that starts here"),
            Underline::Line,
        );
    }
    for kind in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = said.strip_prefix(kind)
            && let Some((found, expected)) = rest.split_once(", expected ")
        {
            let message = match key {
                Some(key) => format!(
                    "{key} must be {}, not {}",
                    expected_words(expected),
                    found_words(found)
                ),
                None => format!(
                    "expected {} here, not {}",
                    expected_words(expected),
                    found_words(found)
                ),
            };
            return (message, Underline::Token);
        }
    }
    // A value's own check says what it must be (`must be a duration such as 400ms...`).
    match key {
        Some(key) if said.starts_with("must be ") => (format!("{key} {said}"), Underline::Token),
        // A check of a whole entry, placed at its first line.
        _ if said.contains(" has no \"") || said.contains(" is listed twice") => {
            (said.to_string(), Underline::Line)
        }
        _ => (said.to_string(), Underline::Token),
    }
}

/// What serde expected, in words: `u16` is a number from 0 to 65535...
fn expected_words(expected: &str) -> String {
    match expected {
        "u8" => "a number from 0 to 255".into(),
        "u16" => "a number from 0 to 65535".into(),
        "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a string" | "a borrowed string" => "text".into(),
        "a sequence" => "a list (lines starting with `- `)".into(),
        "a boolean" => "true or false".into(),
        other if other.starts_with("struct ") || other.starts_with("a map") => {
            "a mapping (`key: value` lines)".into()
        }
        other => other.to_string(),
    }
}

/// What serde found, in words: `string "abc"` is `"abc"`, `map` is a mapping...
fn found_words(found: &str) -> String {
    if let Some(s) = found.strip_prefix("string ") {
        return s.to_string();
    }
    for number in ["integer ", "floating point ", "boolean "] {
        if let Some(n) = found.strip_prefix(number) {
            return n.trim_matches('`').to_string();
        }
    }
    match found {
        "map" => "a mapping".into(),
        "sequence" => "a list".into(),
        "unit value" => "nothing".into(),
        other => other.to_string(),
    }
}

/// The bytes of `text` to underline from the 1-based character `column`.
fn caret(text: &str, column: usize, underline: Underline) -> Range<usize> {
    let start = text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let rest = &text[start..];
    let len = match underline {
        Underline::Line => {
            let content = rest.split(" #").next().unwrap_or(rest);
            content.trim_end().len()
        }
        Underline::Token => token_len(rest, text[..start].contains(['{', '['])),
    };
    if len == 0 {
        // Nothing to underline (a value left out at the end of the line): point at the
        // character before.
        let before = text[..start].trim_end().len();
        let from = text[..before].char_indices().last().map_or(0, |(i, _)| i);
        return from..before.max(from + 1).min(text.len().max(from));
    }
    start..start + len
}

/// The length of the key or value `rest` starts with: a quoted string to its closing quote,
/// a plain one to its end (`key:`, a comment, or in a `{...}` the next `,`).
fn token_len(rest: &str, in_flow: bool) -> usize {
    let mut chars = rest.char_indices();
    match chars.next() {
        None => 0,
        Some((_, quote @ ('"' | '\''))) => chars
            .find(|&(_, c)| c == quote)
            .map_or(rest.len(), |(i, c)| i + c.len_utf8()),
        Some(_) => {
            let mut end = rest.len();
            for (stop, len) in [(": ", 0), (" #", 0)] {
                if let Some(i) = rest.find(stop) {
                    end = end.min(i + len);
                }
            }
            if rest.ends_with(':') {
                end = end.min(rest.len() - 1);
            }
            if in_flow && let Some(i) = rest.find([',', '}', ']']) {
                end = end.min(i);
            }
            rest[..end].trim_end().len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_error(source: &str) -> FileError {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Entry {
            name: String,
            port: u16,
        }
        from_yaml_str::<Vec<Entry>>(Path::new("f.yaml"), source).unwrap_err()
    }

    #[test]
    fn a_wrong_type_is_said_in_words_at_its_value() {
        let e = yaml_error("- name: a\n  port: abc  # the ssh port\n");
        assert_eq!(
            e.to_string(),
            "f.yaml:2:9: port must be a number from 0 to 65535, not \"abc\""
        );
        assert_eq!(
            e.render(false),
            "error: port must be a number from 0 to 65535, not \"abc\"\n \
             --> f.yaml:2:9\n  |\n2 |   port: abc  # the ssh port\n  |         ^^^"
        );
    }

    #[test]
    fn a_misspelt_key_gets_a_suggestion() {
        let e = yaml_error("- name: a\n  prot: 22\n");
        assert_eq!(
            e.to_string(),
            "f.yaml:2:3: unknown key \"prot\" (did you mean \"port\"?)"
        );
        assert!(
            e.render(false).ends_with("2 |   prot: 22\n  |   ^^^^"),
            "{}",
            e.render(false)
        );
        let e = yaml_error("- {name: a, port: 22, colour: red}\n");
        assert_eq!(
            e.message(),
            "unknown key \"colour\" (the keys here are: name, port)"
        );
    }

    #[test]
    fn a_missing_key_points_at_the_entry() {
        let e = yaml_error("- name: a\n- name: b\n  port: 1\n");
        assert_eq!(
            e.to_string(),
            "f.yaml:1:3: the entry that starts here has no \"port\""
        );
    }

    #[test]
    fn a_mis_indented_line_is_pointed_at() {
        for (source, line) in [
            ("- name: a\n   port: 22\n", 2),
            ("- name: a\n port: 22\n", 2),
            ("- name: a\n  port: 22\n- name: b\nport: 1\n", 4),
        ] {
            let e = yaml_error(source);
            assert_eq!(e.location().map(|l| l.0), Some(line), "{source:?}: {e}");
            assert!(
                e.message().starts_with("`port:` is indented differently"),
                "{e}"
            );
            assert!(
                e.render(false).ends_with("| ^^^^^^^") || e.render(false).ends_with(" ^^^^^^^^"),
                "{}",
                e.render(false)
            );
        }
    }

    #[test]
    fn a_key_without_its_colon_is_pointed_at() {
        let e = yaml_error("- name: a\n  port 22\n  other: 1\n");
        assert_eq!(
            e.to_string(),
            "f.yaml:2:3: expected `key: value` here (a colon and a space after the key)"
        );
        let e = yaml_error("- name: a\n\tport: 22\n");
        assert_eq!(e.location().map(|l| l.0), Some(2), "{e}");
        assert!(e.message().contains("tab"), "{e}");
    }

    #[test]
    fn carets_go_under_the_value() {
        assert_eq!(caret("  port: \"a b\" # c", 9, Underline::Token), 8..13);
        assert_eq!(caret("- {name: a, port: x}", 19, Underline::Token), 18..19);
        assert_eq!(caret("  latency: 1s 500ms", 12, Underline::Token), 11..19);
        assert_eq!(caret("  port:", 8, Underline::Token), 6..7);
    }

    #[test]
    fn suggestions_are_only_for_near_misses() {
        assert_eq!(closest("hostname", &["host", "port"]), Some("host"));
        assert_eq!(closest("usernme", &["username", "name"]), Some("username"));
        assert_eq!(closest("colour", &["host", "port"]), None);
        assert_eq!(
            not_one_of("device_type", "cisco_xr", &["cisco_ios", "arista_eos"]),
            "device_type \"cisco_xr\" is not one of cisco_ios, arista_eos"
        );
        assert_eq!(
            not_one_of("device_type", "cisco_iso", &["cisco_ios", "arista_eos"]),
            "device_type \"cisco_iso\" is not one of cisco_ios, arista_eos (did you mean \"cisco_ios\"?)"
        );
    }
}
