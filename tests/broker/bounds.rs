//! Bounded reads through the binary (no broker needed, so no sandbox):
//! a replay source's 200 MB line ends with `stdin:1: line longer than N
//! bytes`, and an endless standard input is streamed by `--dry-run` and
//! refused at the hold limit by a real replay, each with a bounded peak RSS
//! (`wait4`'s `ru_maxrss`: the whole life of the process).

use std::io::{BufRead, Write};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Peak RSS allowed where at most one line is held: the replay line cap
/// (25 MiB for the default 4 MiB body) plus the binary itself (~30 MB).
/// Main peaked at 99.9 MB on a 200 MB line, holding 64 MiB of it.
const RSS_LINE_KB: i64 = 80 * 1024;

/// Peak RSS allowed for a replay holding its 64 MiB limit of messages.
const RSS_HOLD_KB: i64 = 110 * 1024;

/// Waits (at most `within`) for `child` to end; its exit code and peak RSS
/// in kB. Polls with `WNOHANG` so the deadline holds; the child is killed
/// if it passes.
fn wait_peak(child: &mut Child, within: Duration) -> (i32, i64) {
    let pid = child.id() as libc::pid_t;
    let deadline = Instant::now() + within;
    loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, not yet reaped; the pointers are
        // to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4: {}", std::io::Error::last_os_error());
        if r == pid {
            assert!(libc::WIFEXITED(status), "ended by a signal: {status}");
            return (libc::WEXITSTATUS(status), usage.ru_maxrss);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running after {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Feeds `chunk` to the child's stdin until `bytes` are written, the child
/// stops reading (a broken pipe), or `within` passes.
fn feed(
    child: &mut Child,
    chunk: Vec<u8>,
    bytes: u64,
    within: Duration,
) -> std::thread::JoinHandle<u64> {
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + within;
        let mut written = 0u64;
        while written < bytes && Instant::now() < deadline {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len() as u64;
        }
        written
    })
}

fn replay(home: &std::path::Path, args: &[&str]) -> Child {
    binary(home)
        .arg("replay")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut s).unwrap();
    s
}

/// A 200 MB line on standard input, replayed for real (to an address
/// that is never dialled) and as a dry run: exit 2 naming line 1 and the
/// cap, within seconds, peak RSS under 80 MB. On main the real replay read
/// 64 MiB into one buffer before refusing (peak 99.9 MB), and said nothing
/// of the line.
#[test]
fn a_200_mb_line_ends_the_replay_with_its_line_and_bounded_memory() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["-", "--namesrv", "127.0.0.1:9"][..],
        &["-", "--dry-run"][..],
    ] {
        let started = Instant::now();
        let mut child = replay(home.path(), args);
        let fed = feed(
            &mut child,
            vec![b'x'; 1 << 20],
            200 << 20,
            Duration::from_secs(60),
        );
        let err = stderr_of(&mut child);
        let (code, peak) = wait_peak(&mut child, Duration::from_secs(60));
        let fed = fed.join().unwrap();
        eprintln!(
            "{args:?}: exit {code} after {:?}, peak {peak} kB, fed {fed} B",
            started.elapsed()
        );
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("stdin:1: line longer than 26214400 bytes"),
            "{err}"
        );
        assert!(peak < RSS_LINE_KB, "peak RSS {peak} kB");
        assert!(fed < 200 << 20, "the reading stopped at the cap");
    }
}

/// An endless standard input of valid lines. A dry run streams it: the
/// lines come out as they go in, memory stays flat, and closing its output
/// ends it (exit 2, `writing standard output`). A real replay validates
/// everything before sending, so it stops at the hold limit with the
/// reason, nothing sent. Peak RSS under 80 MB for the stream, 110 MB for
/// the held messages. On main the dry run read 64 MiB and refused.
#[test]
fn an_endless_stdin_is_streamed_by_a_dry_run_and_refused_at_the_limit_by_a_replay() {
    let home = tempfile::tempdir().unwrap();
    let line = b"{\"topic\":\"t\",\"body\":\"x\"}\n".repeat(4096);

    let mut child = replay(home.path(), &["-", "--dry-run"]);
    let fed = feed(&mut child, line.clone(), u64::MAX, Duration::from_secs(120));
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut got = 0;
    let mut text = String::new();
    while got < 200_000 {
        text.clear();
        assert!(out.read_line(&mut text).unwrap() > 0, "output ended early");
        got += 1;
    }
    assert!(text.contains("\"line\":200000"), "{text}");
    drop(out);
    let closed = Instant::now();
    let err = stderr_of(&mut child);
    let (code, peak) = wait_peak(&mut child, Duration::from_secs(30));
    eprintln!(
        "dry run: exit {code} {:?} after its output closed, peak {peak} kB",
        closed.elapsed()
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("writing standard output"), "{err}");
    assert!(peak < RSS_LINE_KB, "peak RSS {peak} kB");
    fed.join().unwrap();

    let started = Instant::now();
    let mut child = replay(home.path(), &["-", "--namesrv", "127.0.0.1:9"]);
    let fed = feed(&mut child, line, u64::MAX, Duration::from_secs(120));
    let err = stderr_of(&mut child);
    let (code, peak) = wait_peak(&mut child, Duration::from_secs(60));
    eprintln!(
        "replay: exit {code} after {:?}, peak {peak} kB",
        started.elapsed()
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot read stdin: larger than 64 MiB"),
        "{err}"
    );
    assert!(peak < RSS_HOLD_KB, "peak RSS {peak} kB");
    fed.join().unwrap();
}

/// `history` over a journal holding a 300 MB line (a sparse file: no
/// disk) between two records: both records printed, the line skipped with
/// a warning naming it, exit 0, peak RSS under 80 MB. Main read the whole
/// line into memory.
#[test]
fn history_skips_a_huge_journal_line_without_holding_it() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".local/state/rmq-console/journal");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.jsonl");
    let record = |seq: u64| {
        let r = rmq_journal::fixtures::record(seq, "t", "acknowledged");
        serde_json::to_string(&r).unwrap() + "\n"
    };
    std::fs::write(&path, record(1)).unwrap();
    let f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let huge = 300 << 20;
    f.set_len(f.metadata().unwrap().len() + huge).unwrap();
    drop(f);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"\n").unwrap();
    f.write_all(record(2).as_bytes()).unwrap();
    drop(f);

    let started = Instant::now();
    let mut child = binary(home.path())
        .arg("history")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    let err = stderr_of(&mut child);
    let (code, peak) = wait_peak(&mut child, Duration::from_secs(120));
    eprintln!(
        "history: exit {code} after {:?}, peak {peak} kB",
        started.elapsed()
    );
    assert_eq!(code, 0, "{err}");
    let seqs: Vec<u64> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, [1, 2], "{out}");
    assert!(
        err.contains("journal.jsonl:2: skipped: a line longer than 26214400 bytes"),
        "{err}"
    );
    assert!(peak < RSS_LINE_KB, "peak RSS {peak} kB");
}
