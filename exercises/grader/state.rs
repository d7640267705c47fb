//! What `check` remembers between runs, so that the list is cheap: for each exercise, the
//! hash of the file content that last passed, and whether it was ever tried. A file saved
//! since it passed is graded again; one that still holds its `todo!()` is not yet done.
//! Kept beside the checker's binary (`target/debug/exercises-state.txt`): a clean build
//! forgets it, and the next `check` grades again.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use super::Exercise;

#[derive(Debug, Default)]
pub struct State {
    /// name -> (hash of the file that passed, if any; tried at least once)
    entries: BTreeMap<String, (Option<u64>, bool)>,
}

fn path() -> Option<PathBuf> {
    Some(
        std::env::current_exe()
            .ok()?
            .parent()?
            .join("exercises-state.txt"),
    )
}

fn hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

impl State {
    /// The saved state (an empty one when there is none, or it cannot be read).
    pub fn load() -> State {
        let text = path()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default();
        let entries = text
            .lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let name = words.next()?.to_string();
                let passed = words.next()?.parse().ok().filter(|&h| h != 0);
                let tried = words.next()? == "tried";
                Some((name, (passed, tried)))
            })
            .collect();
        State { entries }
    }

    /// Best effort: a checker that cannot write its state grades again next time.
    fn save(&self) {
        let text: String = self
            .entries
            .iter()
            .map(|(name, (passed, tried))| {
                let tried = if *tried { "tried" } else { "untried" };
                format!("{name} {} {tried}\n", passed.unwrap_or(0))
            })
            .collect();
        if let Some(path) = path() {
            let _ = std::fs::write(path, text);
        }
    }

    /// The student's file as compiled in passed its last grade.
    pub fn done(&self, exercise: &Exercise) -> bool {
        !exercise.untouched()
            && self
                .entries
                .get(exercise.name)
                .is_some_and(|(passed, _)| *passed == Some(hash(exercise.source)))
    }

    /// The student has written something and had it graded.
    pub fn tried(&self, exercise: &Exercise) -> bool {
        self.entries.get(exercise.name).is_some_and(|(_, t)| *t)
    }

    /// Notes a grade of the student's file: `passed` or not, but written (not `todo!()`).
    pub fn note(&mut self, exercise: &Exercise, passed: bool) {
        let entry = self
            .entries
            .entry(exercise.name.to_string())
            .or_insert((None, false));
        entry.0 = passed.then(|| hash(exercise.source));
        entry.1 = true;
        self.save();
    }
}
