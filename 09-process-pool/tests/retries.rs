//! `--retries` through worker processes: each retry happens in a pool worker, and the
//! parent's report still says which devices needed them.

use shared::testing::Lesson;

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_09-process-pool"));

/// Dropped connections are tried again in the workers; the report counts them.
#[test]
fn retries_in_worker_processes_reach_the_report() {
    LESSON.check_retries(&["--part", "ssh_procs_map"]);
}
