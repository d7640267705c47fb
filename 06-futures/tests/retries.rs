//! `--retries` in a thread pool: dropped connections are tried again, and the report says
//! which devices needed it.

use shared::testing::Lesson;

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_06-futures"));

/// Dropped connections are tried again; the report counts them.
#[test]
fn retries_reach_the_report() {
    LESSON.check_retries(&["--part", "ssh_threads_wait"]);
}
