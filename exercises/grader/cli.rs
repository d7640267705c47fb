//! `cargo run --bin check`: the commands a student types.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use clap::Parser;
use mock_device::timeline;

use super::state::State;
use super::{EXERCISES, Exercise, Grade};

#[derive(Debug, Parser)]
#[command(
    name = "check",
    about = "Grades the exercises in exercises/src/ from what the lab's devices saw",
    after_help = "With no NAME: the list, then the first exercise not done, graded.\n\
                  Examples: cargo run --bin check\n          \
                  cargo run --bin check ex3b_cf_ascompleted\n          \
                  cargo run --bin check ex3b_cf_ascompleted --timeline"
)]
struct Args {
    /// The exercise to grade (its file's name, e.g. ex1_serial)
    name: Option<String>,
    /// List the exercises and whether each is done, in course order
    #[arg(long, conflicts_with_all = ["solutions", "timeline", "solution"])]
    list: bool,
    /// Grade the reference solutions instead of your files (all, or NAME's)
    #[arg(long, conflicts_with = "solution")]
    solutions: bool,
    /// After grading, draw the run: each session on a time axis, one row per worker
    #[arg(long)]
    timeline: bool,
    /// After grading, show what the program printed, each line with the time it appeared
    #[arg(long, conflicts_with = "list")]
    output: bool,
    /// Show NAME's reference solution (once you have tried it yourself)
    #[arg(long, requires = "name")]
    solution: bool,
    /// (internal) run one exercise's function over --inventory: the checker's child
    #[arg(long, hide = true, value_name = "NAME")]
    run: Option<String>,
    /// (internal) with --run: the reference solution's function
    #[arg(long, hide = true)]
    reference: bool,
    /// (internal) with --run: the lab's inventory
    #[arg(long, hide = true)]
    inventory: Option<PathBuf>,
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(name) = &args.run {
        let (Some(exercise), Some(inventory)) = (find(name), &args.inventory) else {
            eprintln!("error: --run needs a known exercise and --inventory");
            return ExitCode::from(2);
        };
        let job = if args.reference {
            exercise.solution
        } else {
            exercise.student
        };
        return super::serve(job, inventory);
    }
    shared::lab::end_quietly_on_a_closed_pipe();
    let named = match args.name.as_deref().map(find) {
        Some(None) => {
            eprintln!(
                "error: no exercise called `{}`; `cargo run --bin check -- --list` lists them",
                args.name.as_deref().unwrap_or_default()
            );
            return ExitCode::from(2);
        }
        Some(Some(exercise)) => Some(exercise),
        None => None,
    };
    let mut state = State::load();
    if args.list {
        print_list(&state);
        return ExitCode::SUCCESS;
    }
    let show = Show {
        timeline: args.timeline,
        output: args.output,
    };
    if args.solutions {
        return grade_solutions(named, show);
    }
    if args.solution {
        return show_solution(named, &state);
    }
    match named {
        Some(exercise) => grade_student(exercise, &mut state, show),
        None => {
            print_list(&state);
            match EXERCISES.iter().find(|e| !state.done(e)) {
                Some(exercise) => {
                    println!();
                    grade_student(exercise, &mut state, show)
                }
                None => {
                    println!("\nEvery exercise is done. Well done!");
                    ExitCode::SUCCESS
                }
            }
        }
    }
}

fn find(name: &str) -> Option<&'static Exercise> {
    EXERCISES.iter().find(|e| e.name == name)
}

fn print_list(state: &State) {
    let width = EXERCISES.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for exercise in EXERCISES {
        let status = if state.done(exercise) {
            "done"
        } else {
            "not yet"
        };
        println!("{:width$}  {status}", exercise.name);
    }
}

/// `check NAME` (or the first not done): its task, the grade, and what failed with a hint.
/// What to show after a grade besides its line.
#[derive(Debug, Clone, Copy)]
struct Show {
    timeline: bool,
    output: bool,
}

fn grade_student(exercise: &Exercise, state: &mut State, show: Show) -> ExitCode {
    println!("== {} ({}) ==", exercise.name, exercise.path());
    println!("{}\n", exercise.task());
    if exercise.untouched() {
        println!(
            "not done yet: {} still has its todo!(); write the function, then run this again",
            exercise.path()
        );
        return ExitCode::FAILURE;
    }
    println!(
        "Grading {} against a lab of its own ({} s at most) ...",
        exercise.path(),
        super::TIME_LIMIT.as_secs()
    );
    let grade = super::grade(exercise, child(exercise, false), true);
    let passed = report(exercise, &grade, show);
    if !matches!(grade, Grade::NotDone) {
        state.note(exercise, passed);
    }
    if !passed && !show.output && grade.run().is_some() {
        println!(
            "  to see why: cargo run --bin check {} --output --timeline (what your program \
             printed and when, and when each session ran)",
            exercise.name
        );
    }
    if passed {
        if let Some(next) = EXERCISES.iter().find(|e| !state.done(e)) {
            println!("Next: cargo run --bin check {}", next.name);
        }
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `check --solutions`: every reference solution (or NAME's) graded, one line each.
fn grade_solutions(named: Option<&'static Exercise>, show: Show) -> ExitCode {
    let exercises: Vec<&Exercise> = match named {
        Some(exercise) => vec![exercise],
        None => EXERCISES.iter().collect(),
    };
    let mut failed = 0;
    for exercise in exercises {
        let grade = super::grade(exercise, child(exercise, true), true);
        if !report(exercise, &grade, show) {
            failed += 1;
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{failed} reference solution(s) failed");
        ExitCode::FAILURE
    }
}

/// This checker, run again as the child that executes one exercise's function.
fn child(exercise: &Exercise, reference: bool) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("check"));
    let mut command = Command::new(exe);
    command.args(["--run", exercise.name]);
    if reference {
        command.arg("--reference");
    }
    command
}

/// Prints the grade's line (and the output and timeline when asked); whether it passed.
fn report(exercise: &Exercise, grade: &Grade, show: Show) -> bool {
    match grade {
        Grade::Passed(_) => println!("{}: passed", exercise.name),
        Grade::NotDone => println!(
            "{}: not done yet: a todo!() still runs in {}",
            exercise.name,
            exercise.path()
        ),
        Grade::Failed(failure, _) => {
            println!("{}: FAILED: {}", exercise.name, failure.saw);
            if !failure.hint.is_empty() {
                println!("  hint: {}", failure.hint);
            }
        }
    }
    if show.output
        && let Some(run) = grade.run()
    {
        println!("\n== what the program printed, and when (on the lab's clock) ==");
        for (at, line) in &run.lines {
            println!("{:6.2} s | {line}", at.as_secs_f64());
        }
    }
    if show.timeline
        && let Some(run) = grade.run()
    {
        let bars = timeline::bars_from_records(&run.record.sessions, run.record.taken);
        println!(
            "\n== timeline: {} sessions, as the lab's devices saw them ==",
            bars.len()
        );
        print!(
            "{}",
            timeline::render_terminal(&bars, timeline::terminal_width())
        );
    }
    matches!(grade, Grade::Passed(_))
}

/// `check NAME --solution`: the reference solution, once the student has tried.
fn show_solution(named: Option<&'static Exercise>, state: &State) -> ExitCode {
    let Some(exercise) = named else {
        return ExitCode::from(2);
    };
    if !state.tried(exercise) {
        println!(
            "Try it yourself first: write {} and run `cargo run --bin check {}`; the solution \
             is yours to see after that.",
            exercise.path(),
            exercise.name
        );
        return ExitCode::FAILURE;
    }
    println!(
        "== {} ==\n{}",
        exercise.solution_path(),
        exercise.solution_source
    );
    ExitCode::SUCCESS
}
