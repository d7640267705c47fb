//! The closing lines of the two measuring parts, chosen from what they measured: a fixed
//! sentence would be wrong on some machines and some labs.

use std::time::Duration;

use crate::concurrency::seconds;
use crate::measure::Serial;

/// What the pinned fan-out shows: from the times, or without the serial run to compare
/// with, from how many CPUs' worth of computing the process did meanwhile (`computing`).
pub fn concurrency(
    fan_out: Duration,
    serial: Option<&Serial>,
    computing: Option<f64>,
    pinned: bool,
) -> String {
    let threads = ["The threads", "The threads, sharing one CPU,"][usize::from(pinned)];
    let Some(serial) = serial else {
        let compare = "Run exercise 1 first (--part ex1_serial,concurrency) to compare with one \
                       device\nafter another.";
        let fan_out_s = seconds(fan_out);
        return match computing {
            Some(cpus) if cpus < 0.5 => format!(
                "{threads} waited on their devices together: computing kept this\n\
                 process busy only {:.0}% of the {fan_out_s}.\n{compare}",
                cpus * 100.0
            ),
            Some(cpus) => format!(
                "This run was mostly computing, not waiting: the SSH sessions' key exchange and\n\
                 encryption (on both ends: an in-process lab's devices compute in this program\n\
                 too) kept {cpus:.1} CPUs busy on average over the {fan_out_s}.\n{compare}"
            ),
            None => format!("The threads took {fan_out_s}.\n{compare}"),
        };
    };
    let (fan_out_s, slowest_s, serial_s) = (
        seconds(fan_out),
        seconds(serial.slowest_device),
        seconds(serial.total),
    );
    let times_slowest = fan_out.as_secs_f64() / serial.slowest_device.as_secs_f64();
    let times_sooner = serial.total.as_secs_f64() / fan_out.as_secs_f64();
    if times_slowest < 1.5 {
        format!(
            "Waiting overlaps. {threads} finished in about the time of the\n\
             slowest device ({fan_out_s} against {slowest_s}), not the sum ({serial_s}): a thread\n\
             that waits on the network needs no CPU. That is concurrency."
        )
    } else if times_sooner > 2.0 {
        format!(
            "Waiting overlaps, but this was not all waiting. {threads} finished\n\
             {times_sooner:.0}x sooner than one device after another ({fan_out_s} against {serial_s}), \
             yet took\n{times_slowest:.0}x the slowest device's time ({slowest_s}): with this little \
             to wait for, the\ncomputing in the SSH sessions (key exchange, encryption) is no longer \
             small next to\nthe waiting, and computing does not overlap on one CPU."
        )
    } else {
        format!(
            "Little overlapped. {threads} were only {times_sooner:.1}x as fast as one device\n\
             after another ({fan_out_s} against {serial_s}): these sessions are mostly computing \
             (key\nexchange, encryption), not waiting, and computing does not overlap on one CPU."
        )
    }
}

/// What the rows show, said from the measured speed-ups (`(on one CPU, on all CPUs)`) and
/// from how many threads of the split job ran at once on all CPUs (CPU time / wall time).
pub fn parallelism(
    speed_ups: (f64, f64),
    at_once: Option<f64>,
    cpus: usize,
    pinned: bool,
) -> String {
    let (on_one_cpu, on_all_cpus) = speed_ups;
    let mut lines = Vec::new();
    // Times measured on a machine that also runs other programs wobble a little: a
    // speed-up only counts when it is clearly one.
    if pinned && on_one_cpu < 1.33 {
        lines.push(
            "Computing does not overlap on one CPU: there the split job's threads took turns,\n\
             and it got no faster."
                .to_string(),
        );
    }
    if cpus < 2 {
        lines.push(
            "This machine has one CPU, so nothing can run in parallel on it: parallelism\n\
             needs more than one CPU."
                .to_string(),
        );
    } else if on_all_cpus > 1.25 {
        let how_many = at_once.map_or(String::new(), |n| {
            format!(": on average {n:.1} of its threads computed at once")
        });
        lines.push(format!(
            "On all CPUs the split job's threads ran at the same instant, and it got faster.\n\
             That is parallelism{how_many}."
        ));
    } else if let Some(n) = at_once.filter(|&n| n > 1.25) {
        lines.push(format!(
            "On all CPUs the split job's threads ran at the same instant ({n:.1} at once on\n\
             average), yet it got no faster: each computed slower, as threads on CPUs that share\n\
             one core do. This machine cannot show the speed-up."
        ));
    } else {
        let how_many = at_once.map_or(String::new(), |n| {
            format!("\n(on average {n:.1} of the split job's threads ran at once)")
        });
        lines.push(format!(
            "This run cannot show parallelism: other programs kept the other CPUs busy{how_many}.\n\
             Run `--part parallelism` again when the machine is quieter."
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests;
