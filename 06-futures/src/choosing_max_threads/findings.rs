//! What the table shows, in words chosen from its numbers: each sentence that depends on
//! the run is picked by what the run measured, so the text stays true for the table above
//! it, however this machine behaved.

use super::Row;

/// Above this many times the capacity row's ok devices a second, a larger pool counts as
/// still getting more done (below, as measuring noise).
const STILL_FASTER: f64 = 1.25;

pub(super) fn print(rows: &[Row], capacity: usize) {
    let sweep: Vec<&Row> = rows.iter().filter(|r| r.retries == 0).collect();
    let (Some(first), Some(at_capacity), Some(largest)) = (
        sweep.first(),
        sweep.iter().find(|r| r.max_threads == capacity),
        sweep.last(),
    ) else {
        return;
    };
    println!();
    println!(
        "From {} to {capacity} threads the wall time fell from {:.2} s to {:.2} s ({:.1} times \
         faster): up to the AAA server's {capacity} logins at once, every thread more is one \
         login more at a time.",
        first.max_threads,
        secs(first),
        secs(at_capacity),
        secs(first) / secs(at_capacity)
    );
    let beyond: Vec<&&Row> = sweep.iter().filter(|r| r.max_threads > capacity).collect();
    let best = beyond.iter().map(|r| ok_per_second(r)).fold(0.0, f64::max);
    if best < STILL_FASTER * ok_per_second(at_capacity) {
        println!(
            "Past {capacity}, more threads got no more devices done: at most {best:.0} ok \
             devices a second, against {:.0} at {capacity}; the extra logins only queue at \
             the AAA server.",
            ok_per_second(at_capacity)
        );
    } else {
        println!(
            "Past {capacity}, more threads still got more done on this run: up to {best:.0} ok \
             devices a second, against {:.0} at {capacity}.",
            ok_per_second(at_capacity)
        );
    }
    match sweep.iter().find(|r| r.failed > 0) {
        Some(first_failing) => println!(
            "Failures began at {} threads ({} of them; {} at {}): a login that waits over \
             {:.0} ms in the AAA queue is turned away, and a wall time that falls with \
             failures is no gain. One of them:\n  {}",
            first_failing.max_threads,
            first_failing.failed,
            largest.failed,
            largest.max_threads,
            super::AAA.timeout.as_secs_f64() * 1000.0,
            first_failing.first_error.as_deref().unwrap_or_default()
        ),
        None => println!("No pool size failed a device on this run."),
    }
    if let Some(retried) = rows.iter().find(|r| r.retries > 0) {
        let outcome = if retried.failed == 0 {
            format!("every device ok ({} after retries)", retried.after_retries)
        } else {
            format!("still {} failed", retried.failed)
        };
        println!(
            "With {} retries, {} threads ended with {outcome}, in {:.2} s: against {:.2} s \
             without retries and {:.2} s for {capacity} threads with none.",
            retried.retries,
            retried.max_threads,
            secs(retried),
            secs(largest),
            secs(at_capacity)
        );
    }
    println!(
        "So pick max_threads about the capacity of the narrowest resource all the sessions \
         share (here the AAA server's {capacity}), not the number of devices."
    );
}

fn secs(row: &Row) -> f64 {
    row.wall.as_secs_f64()
}

fn ok_per_second(row: &Row) -> f64 {
    row.ok_per_second()
}
