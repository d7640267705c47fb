//! `--timeline` and `--timeline-svg` over the async lesson: its rows are lanes of tasks on
//! one thread, not workers, and every failed device is named.

use std::collections::BTreeSet;

use mock_device::Fault;
use shared::testing::{Lesson, TestLab, stable_timeline};

const LESSON: Lesson = Lesson::new(env!("CARGO_BIN_EXE_10-async"));

/// The threads the mock saw the sessions come from (`thread=` of each client's banner).
fn client_threads(lab: &TestLab) -> BTreeSet<String> {
    lab.fleet()
        .record()
        .sessions
        .iter()
        .filter_map(|s| {
            let word = s
                .client
                .split_whitespace()
                .find(|w| w.starts_with("thread="))?;
            Some(word.to_string())
        })
        .collect()
}

#[test]
fn all_at_once_is_drawn_in_lanes_on_one_thread_and_names_the_failed_device() {
    let lab = TestLab::course_with_fault("srx2", Fault::AuthFail);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let svg_path = dir.path().join("timeline.svg");
    let output = LESSON
        .command(&lab, &["--part", "all_at_once", "--timeline"])
        .arg("--timeline-svg")
        .arg(&svg_path)
        .env("COLUMNS", "100")
        .output()
        .expect("the lesson runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The claim "on 1 thread" is what the mock saw: every session from one thread.
    assert_eq!(client_threads(&lab).len(), 1, "{:?}", client_threads(&lab));
    // A task that starts a few ms after the others may start a column later, which also
    // shifts the first count of the `at once` row: both are left out of the snapshot.
    let mut chart: Vec<String> = stable_timeline(&stdout)
        .lines()
        .map(|line| match line {
            l if l.starts_with("lane N") => l.replace("│ ├", "│├"),
            l if l.starts_with("at once") => "at once │…".to_string(),
            l => l.to_string(),
        })
        .collect();
    chart[2..11].sort();
    insta::assert_snapshot!(chart.join("\n"));
    let svg = std::fs::read_to_string(&svg_path).expect("the SVG is written");
    assert!(
        svg.contains(">sessions as async tasks on 1 thread, in 9 lanes</text>"),
        "{svg}"
    );
    assert!(svg.contains(">✗ failed sessions: srx2</text>"), "{svg}");
    assert!(
        svg.contains(r#"dominant-baseline="middle">9</text>"#),
        "{svg}"
    );
}

#[test]
fn a_timeline_svg_that_cannot_be_written_stops_before_the_run() {
    let lab = TestLab::course();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing = dir.path().join("no-such-dir").join("timeline.svg");
    for (path, reason) in [
        (missing.as_path(), "no-such-dir does not exist"),
        (dir.path(), "that is a directory"),
    ] {
        let output = LESSON
            .command(&lab, &["--part", "all_at_once"])
            .arg("--timeline-svg")
            .arg(path)
            .output()
            .expect("the lesson runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(output.stdout.is_empty(), "{stderr}");
        assert!(
            stderr.starts_with(&format!("error: --timeline-svg {}: ", path.display())),
            "{stderr}"
        );
        assert!(stderr.contains(reason), "{stderr}");
    }
    // Nothing ran: the mock saw no session.
    assert!(lab.fleet().record().sessions.is_empty());
}

/// In-process, the chart is the lab's record: a device that refused every connection has no
/// session in it, and is named all the same.
#[test]
fn a_failed_device_with_no_session_is_named_under_the_chart() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_10-async"))
        .args(["--part", "all_at_once", "--timeline", "--latency", "50ms"])
        .args(["--fault", "srx2=refuse", "--fault", "nxos1=auth-fail"])
        .env("COLUMNS", "100")
        .output()
        .expect("the lesson runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let chart = &stdout[stdout.find("== timeline").expect("a timeline")..];
    assert!(
        chart.contains("timeline: 8 sessions as async tasks on 1 thread"),
        "{chart}"
    );
    let tail: Vec<&str> = chart.lines().rev().take(2).map(str::trim).collect();
    assert_eq!(
        tail,
        [
            "✗ failed too, with no session to draw (no connection reached the device): srx2",
            "✗ failed sessions: nxos1",
        ],
        "{chart}"
    );
}
