//! The closing lines, for the figures each case gives.

use super::*;

/// Clear speed-ups: both conclusions are drawn.
#[test]
fn a_quiet_machine_shows_both_points() {
    let text = parallelism((1.0, 1.9), Some(1.9), 2, true);
    assert!(
        text.contains("took turns") && text.contains("That is parallelism"),
        "{text}"
    );
}

/// No speed-up on all CPUs because the threads got one CPU between them: the lesson
/// says the machine was busy instead of concluding.
#[test]
fn a_busy_machine_is_named_instead_of_a_conclusion() {
    let text = parallelism((1.0, 1.02), Some(1.01), 2, true);
    assert!(text.contains("cannot show parallelism"), "{text}");
    assert!(!text.contains("That is parallelism") && !text.contains("no faster either"));
    let text = parallelism((1.0, 1.02), None, 2, false);
    assert!(text.contains("cannot show parallelism") && !text.contains("took turns"));
}

/// One CPU: nothing to run in parallel on, said as such.
#[test]
fn one_cpu_says_parallelism_needs_more() {
    let text = parallelism((1.0, 1.0), Some(1.0), 1, false);
    assert!(
        text.contains("one CPU") && !text.contains("cannot show"),
        "{text}"
    );
}

fn serial() -> Serial {
    Serial {
        total: Duration::from_secs(11),
        slowest_device: Duration::from_secs(2),
    }
}

/// `--devices 1000 --latency 10ms --part concurrency`: the threads were mostly computing,
/// and the lines say so rather than that they waited together.
#[test]
fn concurrency_alone_says_whether_the_run_was_waiting_or_computing() {
    let text = concurrency(Duration::from_secs(9), None, Some(1.3), true);
    assert!(
        text.contains("mostly computing") && !text.contains("waited"),
        "{text}"
    );
    let text = concurrency(Duration::from_secs(2), None, Some(0.1), true);
    assert!(text.contains("waited on their devices together"), "{text}");
    let text = concurrency(Duration::from_secs(2), None, None, true);
    assert!(
        !text.contains("waited") && !text.contains("computing"),
        "{text}"
    );
}

#[test]
fn concurrency_after_the_serial_run_compares_with_it() {
    let text = concurrency(Duration::from_millis(2100), Some(&serial()), None, true);
    assert!(text.contains("That is concurrency"), "{text}");
    let text = concurrency(Duration::from_secs(9), Some(&serial()), None, true);
    assert!(text.contains("Little overlapped"), "{text}");
}
