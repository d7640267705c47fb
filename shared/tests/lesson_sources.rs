//! The team's rules for the lessons' source files, checked on the files themselves: no file
//! over 120 lines, no comment naming an issue, and each part file readable alone (it uses
//! no other part file: what parts share lives in a module named for what it does).

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under each lesson's `src/`, with its lesson's directory.
fn lesson_sources() -> Vec<(PathBuf, PathBuf)> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut lessons: Vec<PathBuf> = fs::read_dir(&workspace)
        .expect("the workspace")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.len() > 3 && n[..2].chars().all(|c| c.is_ascii_digit()))
        })
        .collect();
    lessons.sort();
    for lesson in lessons {
        let mut dirs = vec![lesson.join("src")];
        while let Some(dir) = dirs.pop() {
            for path in fs::read_dir(&dir)
                .expect("a source dir")
                .flatten()
                .map(|e| e.path())
            {
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push((lesson.clone(), path));
                }
            }
        }
    }
    files
}

#[test]
fn no_lesson_file_is_over_120_lines_or_names_an_issue() {
    let files = lesson_sources();
    assert!(files.len() > 50, "{files:?}");
    for (_, file) in files {
        let text = fs::read_to_string(&file).expect("a source file");
        let lines = text.lines().count();
        assert!(lines <= 120, "{}: {lines} lines", file.display());
        for line in text.lines().filter(|l| l.trim_start().starts_with("//")) {
            assert!(!line.contains("issue"), "{}: `{line}`", file.display());
        }
    }
}

/// The parts of a lesson: its `enum Part`'s variants, as the snake_case names of their files.
fn parts(main: &str) -> Vec<String> {
    let Some(start) = main.find("enum Part {") else {
        return Vec::new();
    };
    let body = &main[start
        ..main[start..]
            .find("\n}")
            .map_or(main.len(), |end| start + end)];
    body.lines()
        .map(|l| l.trim().trim_end_matches(','))
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric()))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|variant| {
            let mut name = String::new();
            for (i, c) in variant.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    name.push('_');
                }
                name.push(c.to_ascii_lowercase());
            }
            name
        })
        .collect()
}

#[test]
fn a_part_file_uses_no_other_part_file() {
    for (lesson, file) in lesson_sources() {
        let main = fs::read_to_string(lesson.join("src/main.rs")).expect("main.rs");
        let parts = parts(&main);
        let Some(name) = file.file_stem().and_then(|n| n.to_str()) else {
            continue;
        };
        if !parts.iter().any(|p| p == name) {
            continue;
        }
        let text = fs::read_to_string(&file).expect("a part file");
        for other in parts.iter().filter(|p| *p != name) {
            assert!(
                !text.contains(&format!("crate::{other}::")),
                "{} uses the part file {other}.rs",
                file.display()
            );
        }
    }
}
