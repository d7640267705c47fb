//! What the table shows, in sentences picked by what the run measured, so they stay true
//! however fast this machine was; their line breaks sit where the numbers do not move them.

use super::AAA;
use super::table::Row;

/// A pool within this factor of the best throughput counts as having reached it: closer
/// than that is measuring noise on a busy machine.
const NOISE: f64 = 1.25;

/// `sweep`: a row per pool size, smallest first; `retried`: the largest pool with retries.
pub(super) fn print(sweep: &[Row], retried: &Row) {
    let by_throughput = |a: &&Row, b: &&Row| a.ok_per_second().total_cmp(&b.ok_per_second());
    let (Some(first), Some(best)) = (sweep.first(), sweep.iter().max_by(by_throughput)) else {
        return;
    };
    // The smallest pool that got about as much done as any: where the wall time stopped
    // falling (the best pool itself qualifies, so there is one).
    let knee = (sweep.iter())
        .find(|r| r.ok_per_second() * NOISE >= best.ok_per_second())
        .unwrap_or(best);
    let capacity = AAA.capacity;
    println!();
    println!(
        "From {} to {} threads the wall time fell from {:.2} s to {:.2} s ({:.1} times faster),\n\
         and the AAA server went from {:.0} % busy to {:.0} %.",
        first.max_threads,
        knee.max_threads,
        secs(first),
        secs(knee),
        secs(first) / secs(knee),
        first.aaa_busy * 100.0,
        knee.aaa_busy * 100.0
    );
    if let Some(at_capacity) = sweep.iter().find(|r| r.max_threads == capacity) {
        println!(
            "At {capacity} threads, its capacity, it was busy {:.0} % of the time: each job also\n\
             spends time away from it (the SSH handshake, the prompt).",
            at_capacity.aaa_busy * 100.0
        );
    }
    let beyond: Vec<&Row> = (sweep.iter())
        .filter(|r| r.max_threads > knee.max_threads)
        .collect();
    if beyond.is_empty() {
        println!("On this run the wall time fell all the way to the largest pool.");
    } else {
        let most = beyond.iter().map(|r| r.ok_per_second()).fold(0.0, f64::max);
        // The longest wait among the pools that failed nothing: in the others the longest
        // wait is the AAA server's timeout, by which it turned the login away.
        let queued = match beyond
            .iter()
            .filter(|r| r.failed == 0)
            .map(|r| r.aaa_wait)
            .max()
        {
            Some(wait) => format!("for up to {} ms", wait.as_millis()),
            None => "until the server turned some away".to_string(),
        };
        println!(
            "Past {} threads the best was {most:.0} ok devices a second, against {:.0} at {} \
             ({:+.0} %):\nthe extra threads' logins mostly queued at the AAA server, {queued}.",
            knee.max_threads,
            knee.ok_per_second(),
            knee.max_threads,
            (most / knee.ok_per_second() - 1.0) * 100.0,
        );
    }
    match sweep.iter().find(|r| r.failed > 0) {
        Some(failing) => {
            println!(
                "Failures began at {} threads: {} devices failed, {} of them turned away by the \
                 AAA\nserver once they had waited {} ms in its queue (its timeout).\n\
                 A wall time that falls because devices failed is no gain: they are still to do.",
                failing.max_threads,
                failing.failed,
                failing.aaa_rejected,
                AAA.timeout.as_millis(),
            );
            println!(
                "One of the failures:\n  {}",
                failing.first_error.as_deref().unwrap_or_default()
            );
        }
        None => println!("No pool size failed a device on this run."),
    }
    let clean = sweep
        .iter()
        .filter(|r| r.failed == 0)
        .min_by_key(|r| r.wall);
    if let Some(clean) = clean {
        let outcome = if retried.failed == 0 {
            format!("every device ok ({} after retries)", retried.after_retries)
        } else {
            format!("{} devices still failed", retried.failed)
        };
        println!(
            "With {} retries, {} threads ended with {outcome}, in {:.2} s:\n\
             {} the {:.2} s of {} threads, which failed none without retries.",
            retried.retries,
            retried.max_threads,
            secs(retried),
            ["no slower than", "slower than"][usize::from(secs(retried) > secs(clean))],
            secs(clean),
            clean.max_threads
        );
    }
    println!(
        "So pick max_threads from the capacity of the narrowest resource that all sessions share\n\
         (here the AAA server's {capacity} logins at once), not from the number of devices ({}):\n\
         about that many threads, a few more if each job spends time elsewhere.",
        first.ok + first.failed
    );
}

fn secs(row: &Row) -> f64 {
    row.wall.as_secs_f64()
}
