//! The crypto floor of a session, target (i): what the key exchange and the host key cost
//! at least on this CPU, measured with `openssl speed` in the same run as the zero-latency
//! rows, and the CPU those rows spent per session as a multiple of it, on each side.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::markdown::{Report, find};
use crate::run::Row;
use crate::targets::verdict;
use crate::{ASYNC_POOL, SMALL_POOL, STRATEGIES, THREAD_POOL};

/// CPU per session, on either side, as a multiple of the floor: the target.
pub const FLOOR_LIMIT: f64 = 1.5;

/// Seconds of CPU per operation, from `openssl speed -seconds 1 ecdhx25519 ed25519`.
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    pub x25519: f64,
    pub sign: f64,
    pub verify: f64,
}

impl Floor {
    /// A client makes its X25519 key pair and the shared secret, and verifies the host
    /// key's Ed25519 signature.
    pub fn client(&self) -> f64 {
        2.0 * self.x25519 + self.verify
    }

    /// The mock does the same exchange, and makes the signature.
    pub fn mock(&self) -> f64 {
        2.0 * self.x25519 + self.sign
    }
}

/// Runs `openssl speed` (about 3 s) and reads its operations per second.
pub fn measure_floor() -> Result<Floor, String> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "1", "ecdhx25519", "ed25519"])
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!("openssl speed failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // ` 253 bits ecdh (X25519)   0.0000s  27246.2` and
    // ` 253 bits EdDSA (Ed25519)   0.0000s   0.0001s  22165.2   7913.1`: the rates come last.
    let rates = |marker: &str| -> Option<Vec<f64>> {
        let line = text.lines().find(|line| line.contains(marker))?;
        Some(
            line.split_whitespace()
                .filter_map(|word| word.parse::<f64>().ok())
                .filter(|rate| *rate > 0.0)
                .collect(),
        )
    };
    let unread = || format!("cannot read openssl speed's output:\n{text}");
    let x25519 = rates("(X25519)").and_then(|r| r.last().copied());
    let ed25519 = rates("(Ed25519)").filter(|r| r.len() >= 2);
    match (x25519, ed25519) {
        (Some(x25519), Some(ed)) => Ok(Floor {
            x25519: 1.0 / x25519,
            sign: 1.0 / ed[ed.len() - 2],
            verify: 1.0 / ed[ed.len() - 1],
        }),
        _ => Err(unread()),
    }
}

/// Target (i): the async pool and the thread pool with `SMALL_POOL` workers over 1000
/// devices at zero latency, each side's CPU per session against its floor, and their
/// sessions/s.
pub fn floor_targets(w: &mut String, r: &Report) {
    let _ = writeln!(
        w,
        "**(i) 1000 devices, zero latency, W = {SMALL_POOL}: CPU per session against the crypto \
         floor**: at most {FLOOR_LIMIT} × the floor on each side (client and mock), for the \
         async pool and the thread pool; at least 5000 sessions/s for the async pool, 4000 for \
         the thread pool.\n"
    );
    let floor = match &r.floor {
        Some(Ok(floor)) => *floor,
        Some(Err(e)) => {
            let _ = writeln!(w, "- the floor could not be measured: {e}\n");
            return;
        }
        None => {
            let _ = writeln!(w, "- not measured in this run\n");
            return;
        }
    };
    let us = |seconds: f64| seconds * 1e6;
    let _ = writeln!(
        w,
        "- The floor, `openssl speed -seconds 1 ecdhx25519 ed25519` in this run: X25519 \
         {:.1} µs, Ed25519 sign {:.1} µs, verify {:.1} µs per operation; a client {:.3} ms a \
         session (two X25519, one verify), the mock {:.3} ms (two X25519, one sign).",
        us(floor.x25519),
        us(floor.sign),
        us(floor.verify),
        floor.client() * 1e3,
        floor.mock() * 1e3
    );
    for (strategy, rate_limit) in [(ASYNC_POOL, 5000.0), (THREAD_POOL, 4000.0)] {
        let name = STRATEGIES[strategy].name;
        match find(r.rows, 1000, Duration::ZERO, strategy, SMALL_POOL) {
            Some(row) => row_against_floor(w, name, row, &floor, rate_limit),
            None => {
                let _ = writeln!(w, "- {name}: not measured in this run");
            }
        }
    }
    let _ = writeln!(w);
}

fn row_against_floor(w: &mut String, name: &str, row: &Row, floor: &Floor, rate_limit: f64) {
    let (Some(client), Some(mock), Some(rate)) =
        (row.med(|m| m.cpu), row.med(|m| m.mock_cpu), row.rate())
    else {
        let _ = writeln!(w, "- {name}: no successful run: **MISSED**");
        return;
    };
    let n = row.job.n as f64;
    let client = client / n;
    let mock = mock / n;
    let ok = row.failures.is_empty();
    let _ = writeln!(
        w,
        "- {name}: client {:.3} ms a session = {:.1} × its floor: {}; mock {:.3} ms = {:.1} ×: \
         {}; {rate:.0} sessions/s (at least {rate_limit:.0}): {}",
        client * 1e3,
        client / floor.client(),
        verdict(ok && client <= FLOOR_LIMIT * floor.client()),
        mock * 1e3,
        mock / floor.mock(),
        verdict(ok && mock <= FLOOR_LIMIT * floor.mock()),
        verdict(ok && rate >= rate_limit)
    );
}
