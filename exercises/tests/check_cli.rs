//! The `check` binary as a student (and CI) runs it.

use std::process::Command;

const CHECK: &str = env!("CARGO_BIN_EXE_check");

fn check(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(CHECK).args(args).output().expect("check runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (output.status.code(), format!("{stdout}{stderr}"))
}

/// CI's run: every reference solution passes its own grade, one line each, in course order.
#[test]
fn every_reference_solution_passes() {
    let (code, out) = check(&["--solutions"]);
    assert_eq!(code, Some(0), "{out}");
    let names: Vec<&str> = exercises::grader::EXERCISES
        .iter()
        .map(|e| e.name)
        .collect();
    let passed: Vec<&str> = out
        .lines()
        .filter_map(|line| line.strip_suffix(": passed"))
        .collect();
    assert_eq!(passed, names, "{out}");
}

/// `--list`: one line per exercise, its name and status, in course order.
#[test]
fn the_list_names_every_exercise_in_course_order() {
    let (code, out) = check(&["--list"]);
    assert_eq!(code, Some(0), "{out}");
    let lines: Vec<(&str, &str)> = out
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(name, status)| (name.trim(), status.trim()))
        .collect();
    let names: Vec<&str> = lines.iter().map(|(name, _)| *name).collect();
    let expected: Vec<&str> = exercises::grader::EXERCISES
        .iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, expected, "{out}");
    for (exercise, (_, status)) in exercises::grader::EXERCISES.iter().zip(&lines) {
        if exercise.untouched() {
            assert_eq!(*status, "not yet", "{out}");
        } else {
            assert!(matches!(*status, "done" | "not yet"), "{out}");
        }
    }
}

/// A name that is no exercise: a one-line error that says how to list them, status 2.
#[test]
fn an_unknown_name_says_how_to_list_them() {
    let (code, out) = check(&["ex99"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("no exercise called `ex99`") && out.contains("--list"),
        "{out}"
    );
}

/// With no argument over files as handed out: the list, then the first exercise's task
/// and "not done yet", status 1.
#[test]
fn no_argument_grades_the_first_exercise_not_done() {
    let first = &exercises::grader::EXERCISES[0];
    if !first.untouched() {
        return;
    }
    let (code, out) = check(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("== {} (", first.name)), "{out}");
    assert!(out.contains(&first.task()), "{out}");
    assert!(out.contains("not done yet"), "{out}");
}
