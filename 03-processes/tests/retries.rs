//! `--retries` in worker processes of the lesson's own program: each retry happens in a
//! child, and the parent's report still says which devices needed them.

use shared::testing::Lesson;

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_03-processes"));

/// Dropped connections are tried again in the workers; the report counts them.
#[test]
fn retries_in_worker_processes_reach_the_report() {
    LESSON.check_retries(&["--part", "one_process_per_session"]);
}
