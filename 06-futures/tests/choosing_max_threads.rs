//! `choosing_max_threads`: the part's claims, checked on the table it prints. The part runs
//! its own lab inside its own process, so the lab's record is read through the table: the
//! `open at most` column is the record's peak of open sessions, the other columns what
//! the client counted. One run (about 13 s) is shared by every test here.

use std::process::Command;
use std::sync::OnceLock;

const BINARY: &str = env!("CARGO_BIN_EXE_06-futures");

/// The part's stdout; it contacts none of the lesson's devices, so it ends with success and
/// no summary, whatever its own lab's devices did.
fn stdout() -> &'static str {
    static STDOUT: OnceLock<String> = OnceLock::new();
    STDOUT.get_or_init(|| {
        let output = Command::new(BINARY)
            .args(["--part", "choosing_max_threads"])
            .output()
            .expect("the lesson runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        assert_eq!(stderr, "", "{stdout}");
        // A slow pool's `(wait: 64 of 200 done)` lines come every 2 s of waiting: whether
        // one comes depends on this machine's speed. The table is read without them.
        stdout
            .lines()
            .filter(|line| !line.starts_with("(wait: "))
            .map(|line| format!("{line}\n"))
            .collect()
    })
}

/// One table row: `max_threads retries wall s ok failed ok/s open % wait ms`.
#[derive(Debug)]
struct Row {
    max_threads: usize,
    retries: u32,
    wall: f64,
    ok: usize,
    failed: usize,
    ok_per_second: f64,
    open: usize,
}

fn rows() -> Vec<Row> {
    let rows: Vec<Row> = stdout()
        .lines()
        .skip(2)
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 12, "`{line}`");
            Row {
                max_threads: f[0].parse().expect("a number"),
                retries: f[1].parse().expect("a number"),
                wall: f[2].parse().expect("a number"),
                ok: f[4].parse().expect("a number"),
                failed: f[5].parse().expect("a number"),
                ok_per_second: f[6].parse().expect("a number"),
                open: f[7].parse().expect("a number"),
            }
        })
        .collect();
    let sizes: Vec<(usize, u32)> = rows.iter().map(|r| (r.max_threads, r.retries)).collect();
    assert_eq!(
        sizes,
        [
            (1, 0),
            (2, 0),
            (4, 0),
            (8, 0),
            (16, 0),
            (32, 0),
            (64, 0),
            (64, 5)
        ],
        "{}",
        stdout()
    );
    for row in &rows {
        assert_eq!(row.ok + row.failed, 200, "{row:?}");
    }
    rows
}

fn row(rows: &[Row], max_threads: usize, retries: u32) -> &Row {
    rows.iter()
        .find(|r| r.max_threads == max_threads && r.retries == retries)
        .expect("a row of that pool")
}

/// Up to the AAA server's capacity every thread more is a login more at a time: one
/// thread takes more than three times as long as eight.
#[test]
fn one_thread_takes_over_three_times_as_long_as_eight() {
    let rows = rows();
    let (one, eight) = (row(&rows, 1, 0), row(&rows, 8, 0));
    assert!(one.wall > 3.0 * eight.wall, "{one:?} {eight:?}");
}

/// No pool up to the capacity keeps a login waiting long enough to be turned away.
#[test]
fn no_pool_up_to_eight_fails_a_device() {
    for row in rows().iter().filter(|r| r.max_threads <= 8) {
        assert_eq!(row.failed, 0, "{row:?}\n{}", stdout());
    }
}

/// Past twice the capacity the server is full: 32 or 64 threads get no more ok devices
/// done a second than 8 or 16 did, give or take half.
#[test]
fn past_the_capacity_more_threads_get_no_more_done() {
    let rows = rows();
    let best_up_to_16 = rows[..5]
        .iter()
        .map(|r| r.ok_per_second)
        .fold(0.0, f64::max);
    for row in &rows[5..7] {
        assert!(
            row.ok_per_second < 1.5 * best_up_to_16,
            "{row:?}\n{}",
            stdout()
        );
    }
}

/// 64 threads queue logins past the AAA timeout; the same pool with retries gets every
/// device through, and takes longer for it.
#[test]
fn the_largest_pool_fails_devices_and_retries_recover_them_all() {
    let rows = rows();
    let (without, with) = (row(&rows, 64, 0), row(&rows, 64, 5));
    assert!(without.failed > 0, "{without:?}");
    assert_eq!(with.failed, 0, "{with:?}");
    assert!(with.wall > without.wall, "{with:?} {without:?}");
    assert!(
        stdout().contains("64 threads ended with every device ok"),
        "{}",
        stdout()
    );
}

/// The lab never saw more sessions open than the pool has threads, and saw the pool full.
#[test]
fn the_lab_saw_at_most_one_session_per_thread() {
    for row in rows() {
        assert!(row.open <= row.max_threads, "{row:?}");
        assert!(2 * row.open >= row.max_threads, "{row:?}");
    }
}

/// The whole output, numbers blanked: the table's shape and the sentences the numbers
/// chose.
#[test]
fn output() {
    let blanked: Vec<String> = stdout()
        .lines()
        .enumerate()
        .map(|(n, line)| match line {
            _ if n < 2 => line.to_string(),
            // A table row: its pool size and retries stay.
            _ if n < 10 && line.len() > 20 => {
                let (sizes, numbers) = line.split_at(20);
                format!("{sizes}  {}", blank_numbers(numbers))
            }
            _ if line.starts_with("  ") && line.contains(": login refused by the AAA server: ") => {
                "  [DEVICE]: login refused by the AAA server: [ITS LINE]".to_string()
            }
            _ => blank_numbers(line),
        })
        .collect();
    insta::assert_snapshot!(blanked.join("\n"));
}

/// Every number (its sign too) becomes `N`, and runs of spaces one space.
fn blank_numbers(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let signed = matches!(c, '+' | '-') && chars.peek().is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || signed {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || *c == '.')
            {
                chars.next();
            }
            out.push('N');
        } else if c != ' ' || !out.ends_with(' ') {
            out.push(c);
        }
    }
    out.trim().to_string()
}
