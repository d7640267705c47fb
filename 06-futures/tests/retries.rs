//! `--retries` in a thread pool: dropped connections are tried again, and the report says
//! which devices needed it.

use shared::testing::Lesson;

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_06-futures"));

/// Dropped connections are tried again; the report counts them.
#[test]
fn retries_reach_the_report() {
    LESSON.check_retries(&["--part", "ssh_threads_wait"]);
}

/// 1000 devices behind an AAA server of capacity 20, 100 workers: without retries many logins
/// are turned away; with `--retries 5` every healthy device comes back and each truly faulty
/// one fails once.
#[test]
fn a_thousand_devices_behind_a_busy_aaa_server_come_back_with_retries() {
    LESSON.check_crowded_run(&["--part", "ssh_threads_wait"]);
}
