//! The record an operator can trust (issue 25): every send the broker
//! stored is in the journal whatever ends the process (the write-ahead
//! `submitted` record), sends open at a signal's deadline are journaled
//! unresolved, a second signal ends a command at once after its last send,
//! and a transaction's record carries its decision.

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use rmq_engine::runtime::Runtime;
use rmq_sandbox::{SandboxOptions, Server};
use rocketmq_model::common::message::MessageTrait;

use crate::common::*;

fn journal_dir(home: &std::path::Path) -> std::path::PathBuf {
    home.join(".local/state/rmq-console/journal")
}

fn records(home: &std::path::Path) -> Vec<rmq_journal::Record> {
    rmq_journal::read_dir(&journal_dir(home))
        .expect("the journal reads")
        .records
}

/// SIGKILL in the middle of a 10,000-message async send: afterwards every
/// message the broker stored (read back with a consumer, by its key) has a
/// record in the journal, acknowledged or "submitted, outcome unknown".
#[test]
fn sigkill_mid_send_leaves_a_record_for_every_stored_message() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    let topic = unique("killed");
    rt.block_on(create_topic(&rt, &sb.namesrv_addr, &topic, 4, 1));
    let home = tempfile::tempdir().unwrap();
    let mut cmd = binary(home.path());
    cmd.args(["send", "--namesrv", &sb.namesrv_addr, "--topic", &topic])
        .args(["--body", "x", "--mode", "async", "--count", "10000"])
        .args(["--key-template", "k-{seq}"]);
    let mut send = LiveSend::start(cmd);
    let mut n = 0;
    send.until("2,000 outcomes", Duration::from_secs(60), |_| {
        n += 1;
        n >= 2000
    });
    let killed_at = Instant::now();
    signal(send.child.id(), libc::SIGKILL);
    let (status, _) = send.finish(Duration::from_secs(10));
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    let printed = send.seen.len();
    assert!(printed < 10_000, "killed mid send: {printed} lines");

    // What the broker stored: read until nothing new comes for 3 s (at
    // most 90 s: a fresh consumer's first poll can wait 15-20 s).
    let stored: BTreeSet<u64> = rt.block_on(async {
        let (client, consumer) = fresh_consumer(&rt, &sb.namesrv_addr, &topic).await;
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut last_new = Instant::now();
        let mut keys = BTreeSet::new();
        while Instant::now() < deadline
            && (keys.is_empty() || last_new.elapsed() < Duration::from_secs(3))
        {
            for m in consumer.poll_with_timeout(500).await {
                let k = m.get_keys().map(|k| k.to_string()).unwrap_or_default();
                let seq = k.strip_prefix("k-").and_then(|s| s.parse().ok());
                if keys.insert(seq.unwrap_or_else(|| panic!("key {k}"))) {
                    last_new = Instant::now();
                }
            }
        }
        consumer.shutdown().await;
        let _ = client.shutdown().await;
        keys
    });
    let recs = records(home.path());
    let journaled: BTreeSet<u64> = recs.iter().map(|r| r.seq).collect();
    let missing: Vec<u64> = stored.difference(&journaled).copied().collect();
    let open = recs.iter().filter(|r| r.state == "submitted").count();
    eprintln!(
        "FIGURES sigkill: {printed} outcomes printed, broker stored {}, journal {} sends ({open} submitted with no outcome), stored but not journaled {}; kill to read-back {:.1?}",
        stored.len(),
        recs.len(),
        missing.len(),
        killed_at.elapsed()
    );
    assert!(
        stored.len() >= printed.min(1000),
        "the broker stored the sends"
    );
    assert!(
        missing.is_empty(),
        "stored but not in the journal: {} (first {:?})",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    // One record per send after folding, each once.
    assert_eq!(journaled.len(), recs.len());
}

/// SIGTERM while the broker is frozen (SIGSTOP) and a sync send is in
/// flight (send timeout 5 s): the command ends within the producer's worst
/// case after a signal (1 s for the burst, 1 s for the sends in flight)
/// plus the client's close (at most 2 s), and the send open at the deadline
/// is printed and journaled `unresolved`, counted in the summary; none is
/// left `submitted`.
#[test]
fn sigterm_with_the_broker_frozen_journals_open_sends_unresolved() {
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    // A send in flight outlasts the grace a signal leaves (1 s).
    std::fs::write(
        &config,
        format!(
            "[[profile]]\nname = \"p\"\nendpoint = \"{}\"\nsend-timeout-ms = 5000\n",
            sb.namesrv_addr
        ),
    )
    .unwrap();
    let topic = unique("frozen");
    let send = |args: &[&str]| {
        let mut cmd = binary(home.path());
        cmd.args(["send", "--config"])
            .arg(&config)
            .args(["--profile", "p", "--topic", &topic, "--body", "x"])
            .args(args);
        LiveSend::start(cmd)
    };
    let (status, stderr) = send(&[]).finish(Duration::from_secs(30));
    assert!(status.success(), "warm-up: {stderr}");
    let broker = sb.pid(Server::Broker).unwrap();
    signal(broker, libc::SIGSTOP);
    let mut live = send(&["--mode", "sync", "--count", "5"]);
    // The first send is in flight once its record is written ahead.
    wait_until("seq 1 written ahead", Duration::from_secs(10), || {
        records(home.path())
            .iter()
            .any(|r| r.seq == 1 && r.state == "submitted")
    });
    let termed = Instant::now();
    signal(live.child.id(), libc::SIGTERM);
    let (status, stderr) = live.finish(Duration::from_secs(30));
    let took = termed.elapsed();
    signal(broker, libc::SIGCONT);
    // 1 s + 1 s, the client's close 2 s, and the journal's close.
    assert!(
        took < Duration::from_secs(6),
        "exited {took:.1?} after SIGTERM"
    );
    assert_eq!(status.code(), Some(1), "{stderr}");
    let (_, _, _, _, unresolved) = summary(&stderr, "sync");
    assert!(unresolved >= 1, "{stderr}");
    let recs = records(home.path());
    let mine: Vec<_> = recs
        .iter()
        .filter(|r| r.topic == topic && r.seq <= 5)
        .collect();
    let journaled_unresolved = mine.iter().filter(|r| r.state == "unresolved").count();
    assert_eq!(journaled_unresolved as u64, unresolved, "{mine:#?}");
    assert!(
        mine.iter().all(|r| r.has_outcome()),
        "nothing left submitted: {mine:#?}"
    );
    let printed_unresolved = live
        .seen
        .iter()
        .filter(|(_, v)| v["state"] == "unresolved")
        .count() as u64;
    assert_eq!(printed_unresolved, unresolved);
    eprintln!(
        "FIGURES sigterm-frozen: exit {:?} {took:.1?} after SIGTERM; {unresolved} unresolved, printed and journaled",
        status.code()
    );
}

/// After the last send the command still answers signals: with the
/// journal's lock held by another process, `send` waits to write it (at
/// most 3 s); a SIGTERM there says so and a second one ends it at once.
#[test]
fn a_second_signal_ends_send_at_once_after_the_last_send() {
    use std::os::fd::AsRawFd;
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let dir = journal_dir(home.path());
    std::fs::create_dir_all(&dir).unwrap();
    let lock = std::fs::File::create(dir.join(rmq_journal::LOCK_NAME)).unwrap();
    // SAFETY: flock on a file this test owns.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    let mut cmd = binary(home.path());
    cmd.args([
        "send",
        "--namesrv",
        &sb.namesrv_addr,
        "--topic",
        &unique("after"),
    ])
    .args(["--body", "x"]);
    let mut send = LiveSend::start(cmd);
    // The result line comes after the last send, before the journal closes.
    send.until("the result", Duration::from_secs(60), |v| {
        v["state"] == "acknowledged"
    });
    let pid = send.child.id();
    signal(pid, libc::SIGTERM);
    // The first is answered: the command says so and gives SIGTERM its
    // default action back (before, nobody listened any more: it was caught
    // and dropped until the journal closed).
    wait_until("the first SIGTERM answered", Duration::from_secs(5), || {
        !catches(pid, libc::SIGTERM)
    });
    let first = Instant::now();
    signal(pid, libc::SIGTERM);
    let (status, stderr) = send.finish(Duration::from_secs(30));
    let took = first.elapsed();
    drop(lock);
    eprintln!("FIGURES second-signal: {status:?} {took:.2?} after two SIGTERMs");
    assert!(
        took < Duration::from_millis(500),
        "ended {took:.2?} after the second signal; {stderr}"
    );
    assert!(stderr.contains("SIGTERM: writing the journal"), "{stderr}");
    assert!(
        status.signal() == Some(libc::SIGTERM) || status.code() == Some(143),
        "ended by the signal: {status:?} {stderr}"
    );
}

/// `send --transaction rollback`: its record says acknowledged (the half
/// message was stored) and the decision, rollback, by the send itself; so
/// does its JSON line.
#[test]
fn a_transactions_record_keeps_its_decision() {
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let topic = unique("txrec");
    let out = binary(home.path())
        .args(["send", "--namesrv", &sb.namesrv_addr, "--topic", &topic])
        .args(["--body", "x", "--transaction", "rollback"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["seq"] == 1 && v.get("state").is_some())
        .expect("the send's line");
    assert_eq!(line["decision"], "rollback", "{line}");
    let recs = records(home.path());
    assert_eq!(recs.len(), 1, "{recs:#?}");
    let r = &recs[0];
    assert_eq!(r.state, "acknowledged");
    assert_eq!(r.decision.as_deref(), Some("rollback"), "{r:#?}");
    assert_eq!(
        r.decided_by.as_deref(),
        Some("the send (its type says tx rollback)")
    );
}

/// Whether `pid` has a handler for `sig` (`SigCgt` in /proc/PID/status).
fn catches(pid: u32, sig: i32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .is_some_and(|m| m & (1 << (sig - 1)) != 0)
}
