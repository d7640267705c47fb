//! What each wall a fleet puts up means in numbers, for the lines the binary prints at
//! start: an instructor choosing flags sees at once how many workers it takes to hit it.

use std::time::Duration;

use crate::FleetConfig;

/// One line per wall the fleet has, in the order a connection meets them.
pub fn describe(config: &FleetConfig) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(limits) = config.max_startups {
        lines.push(format!(
            "Start-up throttling (every device without its own): past {} connections of one \
             device not logged in yet, {} % of new ones are dropped, rising to all of them at {}.",
            limits.start, limits.rate, limits.full
        ));
    }
    let limits: Vec<usize> = config
        .devices
        .iter()
        .filter_map(|d| d.max_sessions)
        .collect();
    if let (Some(&least), Some(&most)) = (limits.iter().min(), limits.iter().max()) {
        let which = if limits.len() == config.devices.len() {
            "every device".to_string()
        } else {
            format!("{} of {} devices", limits.len(), config.devices.len())
        };
        let sessions = if least == most {
            plural(least, "session")
        } else {
            format!("{least} to {most} sessions")
        };
        lines.push(format!(
            "Session limit: {which} serves {sessions} at once; one more is turned away in the \
             platform's words (NX-OS after its login). Two clients must reach the same device \
             at once to meet it: two runs side by side, or a script that opens two sessions \
             per device."
        ));
    }
    if !config.banner_delay_per_pending.is_zero() {
        let delay = config.banner_delay_per_pending;
        lines.push(format!(
            "Banner delay: {} per other key exchange pending on the device; 10 connections to \
             one device at once wait up to {} for its banner.",
            millis(delay),
            millis(delay * 9)
        ));
    }
    if let Some(aaa) = &config.aaa {
        let per_second = if aaa.delay.is_zero() {
            "no delay".to_string()
        } else {
            format!(
                "{} each, {:.0} logins a second",
                millis(aaa.delay),
                aaa.capacity as f64 / aaa.delay.as_secs_f64()
            )
        };
        let mut line = format!(
            "AAA: {} at once, {per_second}",
            plural(aaa.capacity, "login")
        );
        // A login that joins the queue behind `k` others waits about k * delay / capacity.
        match behind_past_timeout(aaa.capacity, aaa.delay, aaa.timeout) {
            Some(k) => line.push_str(&format!(
                "; a login queued behind about {k} others waits past its {} timeout and is \
                 refused: more than {} workers logging in at once meet this wall.",
                millis(aaa.timeout),
                k + aaa.capacity as u64
            )),
            None => line.push_str(&format!(
                "; timeout {}: no queue is long enough to reach it.",
                millis(aaa.timeout)
            )),
        }
        lines.push(line);
    }
    lines
}

/// How many logins ahead in the queue make one wait `timeout`: `None` without a delay.
fn behind_past_timeout(capacity: usize, delay: Duration, timeout: Duration) -> Option<u64> {
    if delay.is_zero() {
        return None;
    }
    Some((timeout.as_secs_f64() * capacity as f64 / delay.as_secs_f64()).ceil() as u64)
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `200 ms`, `1 s`, `1.5 s`.
fn millis(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AaaConfig, Platform};

    #[test]
    fn each_wall_is_told_in_numbers() {
        let mut config = FleetConfig::generated(4, &Platform::ALL, Duration::ZERO);
        assert!(describe(&config).is_empty());
        config.aaa = Some(AaaConfig {
            capacity: 8,
            delay: Duration::from_millis(200),
            timeout: Duration::from_secs(1),
        });
        config.devices[0].max_sessions = Some(1);
        assert_eq!(
            describe(&config),
            [
                "Session limit: 1 of 4 devices serves 1 session at once; one more is turned \
                 away in the platform's words (NX-OS after its login). Two clients must reach \
                 the same device at once to meet it: two runs side by side, or a script that \
                 opens two sessions per device.",
                "AAA: 8 logins at once, 200 ms each, 40 logins a second; a login queued behind \
                 about 40 others waits past its 1 s timeout and is refused: more than 48 \
                 workers logging in at once meet this wall."
            ]
        );
    }
}
