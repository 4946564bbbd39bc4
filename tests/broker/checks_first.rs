//! Headless commands check their input and a protected profile's
//! confirmation before anything starts: a bad draft, or a protected
//! profile without `--yes`, ends `send`, `bench` or `replay` with exit 2
//! before a sandbox is started (no store in TMPDIR, no registry entry) and
//! before a producer connects.

use std::time::{Duration, Instant};

use crate::common::*;

/// Runs the binary with a fresh TMPDIR; its output, how long it took, and
/// whether anything was left in TMPDIR or the sandbox registry.
fn run(home: &std::path::Path, args: &[&str]) -> (std::process::Output, Duration, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = binary(home)
        .env("TMPDIR", tmp.path())
        .args(args)
        .output()
        .unwrap();
    let took = started.elapsed();
    let mut left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let registry = home.join(".local/state/rmq-console/sandboxes");
    if registry.exists() {
        left.push(registry.display().to_string());
    }
    (out, took, left)
}

/// With no config a send goes to a private sandbox; a bad draft must end
/// before it starts. On main the sandbox started first (a second or more
/// of servers coming up) and only then was the topic refused.
#[test]
fn a_bad_draft_ends_before_a_sandbox_starts() {
    let home = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 4] = [
        &["send", "--topic", "bad topic", "--body", "x"],
        &["send", "--topic", "%DLQ%g", "--body", "x"],
        &["bench", "--topic", "bad topic", "--count", "1"],
        &[
            "send",
            "--sandbox",
            "--topic",
            "t",
            "--body",
            "x",
            "--mode",
            "sync",
            "--verify",
        ],
    ];
    for args in cases {
        let (out, took, left) = run(home.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        eprintln!("{args:?}: exit {:?} in {took:?}", out.status.code());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(left.is_empty(), "{args:?}: a sandbox started: {left:?}");
        assert!(took < Duration::from_millis(900), "{args:?}: {took:?}");
    }
    // A replay file with a bad line, and one with nothing to send.
    let file = home.path().join("r.jsonl");
    std::fs::write(&file, "{\"topic\":\"bad topic\",\"body\":\"x\"}\n").unwrap();
    let (out, _, left) = run(home.path(), &["replay", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("r.jsonl:1: topic:"), "{err}");
    assert!(left.is_empty(), "a sandbox started: {left:?}");
    std::fs::write(&file, "\n").unwrap();
    let (out, _, left) = run(home.path(), &["replay", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to send"));
    assert!(left.is_empty(), "a sandbox started: {left:?}");
}

/// A protected profile: `send`, `bench` and `replay` refuse without
/// `--yes`, saying so, before connecting; with `--yes` they go on (to an
/// address that refuses: the send fails, exit 1). On main they sent
/// without asking anyone.
#[test]
fn a_protected_profile_needs_yes_in_a_script() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("c.toml");
    std::fs::write(
        &config,
        "[[profile]]\nname = \"prod\"\nendpoint = \"127.0.0.1:9\"\nprotected = true\n\
         send-timeout-ms = 500\nretry-times-sync = 0\n",
    )
    .unwrap();
    let file = home.path().join("r.jsonl");
    std::fs::write(&file, "{\"topic\":\"t\",\"body\":\"x\"}\n").unwrap();
    let c = config.to_str().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["send", "--topic", "t", "--body", "x", "--no-journal"],
            "send",
        ),
        (
            &["bench", "--count", "1", "--modes", "sync", "--no-journal"],
            "bench",
        ),
        (
            &["replay", file.to_str().unwrap(), "--no-journal"],
            "replay",
        ),
    ];
    for (args, what) in cases {
        let (out, took, _) = run(home.path(), &[&["--config", c][..], args].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        let want = format!("profile prod is protected: {what} needs --yes to confirm");
        assert!(err.contains(&want), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "nothing sent: {args:?}");
        assert!(took < Duration::from_millis(900), "{args:?}: {took:?}");
    }
    let (out, _, _) = run(
        home.path(),
        &[
            "--config",
            c,
            "send",
            "--topic",
            "t",
            "--body",
            "x",
            "--no-journal",
            "--yes",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "confirmed, sent, failed: {err}");
    assert!(!err.contains("protected"), "{err}");
}

/// `demo FILE` reads the presenter's tour before anything starts: a bad
/// line ends it with `FILE:LINE: reason`, exit 2, no sandbox, no terminal
/// taken over (the message is on stderr, readable).
#[test]
fn a_bad_tour_file_ends_demo_with_its_line_before_a_sandbox_starts() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("talk.toml");
    std::fs::write(
        &file,
        "title = \"Our demo\"\n\n[[step]]\ntitle = \"Sync\"\nnarration = \"Waits.\"\n\
         [step.send]\nmode = \"sync\"\nbody = \"x\"\nbdy = \"typo\"\n",
    )
    .unwrap();
    let (out, took, left) = run(home.path(), &["demo", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let want = format!(
        "{}:9: step #1 send: unknown key `bdy` (expected one of: mode, type, count, rate, tag, keys, body)",
        file.display()
    );
    assert!(err.contains(&want), "{err}");
    assert!(left.is_empty(), "a sandbox started: {left:?}");
    assert!(took < Duration::from_millis(900), "{took:?}");
    let (out, _, left) = run(home.path(), &["demo", "/nonexistent/talk.toml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot read the tour /nonexistent/talk.toml: No such file"),
        "{err}"
    );
    assert!(left.is_empty(), "a sandbox started: {left:?}");
}
