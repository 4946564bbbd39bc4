//! Fetching what the broker stored, with the built binary on a sandbox:
//! every locator finds a message the test sent (sync, async, one-way, a
//! batch member, FIFO, delayed), an offset id and a unique key of one
//! message are told apart, ids of another topic or broker are refused, the
//! 64 cap of a key query is reported (exit 4), locators are checked before
//! any network call, and credentials sign the fetch. Queues, dead letters
//! and two brokers: `fetch_queues.rs`.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rmq_sandbox::SandboxOptions;

use crate::common::*;
use crate::seed::env_credentials_profile;
use crate::seed::{Seeded, seeded_topic};

pub(crate) fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// One run of the binary: exit code, JSON lines, stderr (echoed, for
/// whoever runs with --nocapture).
pub(crate) fn run(home: &std::path::Path, args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = binary(home).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    eprintln!(
        "--- $ rmq-console {}   (exit {:?})\n{stderr}",
        args.join(" "),
        out.status.code()
    );
    (
        out.status.code().unwrap_or(-1),
        json_lines(&out.stdout),
        stderr,
    )
}

/// A `send` that must be acknowledged; its JSON lines.
pub(crate) fn send(home: &std::path::Path, ns: &str, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["send", "--namesrv", ns];
    all.extend_from_slice(args);
    let (code, lines, stderr) = run(home, &all);
    assert_eq!(code, 0, "{stderr}");
    lines
}

/// Fetches until something is found (a delayed message becomes visible in
/// its topic after its delay), within `within`.
pub(crate) fn fetch_until(
    home: &std::path::Path,
    args: &[&str],
    within: Duration,
) -> (i32, Vec<serde_json::Value>, String) {
    let end = Instant::now() + within;
    loop {
        let r = run(home, args);
        if r.0 == 0 || Instant::now() >= end {
            return r;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn every_locator_finds_what_was_sent_and_refuses_what_is_not_it() {
    let Seeded(sb, ns, home, rt, topic) = seeded_topic("fetch", 4);
    let h = home.path();

    // One message per way of sending, each with its own key and tag.
    let kinds: [(&str, &[&str]); 6] = [
        ("sync", &[]),
        ("async", &["--mode", "async"]),
        ("oneway", &["--mode", "oneway"]),
        ("batch", &["--batch", "3"]),
        ("fifo", &["--sharding-key", "order-7"]),
        ("delayed", &["--delay-level", "1"]),
    ];
    let mut receipts = std::collections::BTreeMap::new();
    for (kind, extra) in kinds {
        let key = format!("k-{kind}");
        let tag = format!("t-{kind}");
        let body = format!("body of {kind}");
        let mut args = vec![
            "--topic", &topic, "--key", &key, "--tag", &tag, "--body", &body,
        ];
        args.extend_from_slice(extra);
        receipts.insert(kind, send(h, &ns, &args));
    }

    for (kind, _) in kinds {
        let body = format!("body of {kind}");
        let want = if kind == "batch" { 3 } else { 1 };
        // By key (a delayed message shows up once it is due).
        let key = format!("key:k-{kind}");
        let (code, found, stderr) = fetch_until(
            h,
            &["fetch", "--namesrv", &ns, "--topic", &topic, &key],
            Duration::from_secs(20),
        );
        assert_eq!(code, 0, "{kind} by key: {stderr}");
        assert_eq!(found.len(), want, "{kind} by key");
        assert!(
            found
                .iter()
                .all(|m| m["body"] == body && m["topic"] == topic.as_str())
        );
        assert!(
            stderr.contains(&format!("taken as key k-{kind}")),
            "{stderr}"
        );
        let m = &found[0];
        // By tag.
        let (code, by_tag, _) = run(
            h,
            &[
                "fetch",
                "--namesrv",
                &ns,
                "--topic",
                &topic,
                &format!("tag:t-{kind}"),
            ],
        );
        assert_eq!((code, by_tag.len()), (0, want), "{kind} by tag");
        // By queue position.
        let pos = format!(
            "{}@{}",
            m["fetched"]["queue_id"], m["fetched"]["queue_offset"]
        );
        let (code, at, _) = run(h, &["fetch", "--namesrv", &ns, "--topic", &topic, &pos]);
        assert_eq!(code, 0, "{kind} at {pos}");
        assert_eq!(at.len(), 1);
        assert_eq!(
            at[0]["fetched"]["offset_msg_id"],
            m["fetched"]["offset_msg_id"]
        );
        // By the offset id the broker stored it under, taken as one.
        let offset_id = m["fetched"]["offset_msg_id"].as_str().unwrap().to_string();
        let (code, by_id, stderr) = run(
            h,
            &["fetch", "--namesrv", &ns, "--topic", &topic, &offset_id],
        );
        assert_eq!(code, 0, "{kind} by offset id: {stderr}");
        assert_eq!(by_id.len(), 1);
        assert_eq!(by_id[0]["body"], body);
        assert!(stderr.contains("taken as offset msgId"), "{stderr}");
        // By its unique key, taken as one: a batch's members share theirs,
        // and every hit is shown.
        let uniq = m["fetched"]["uniq_key"].as_str().unwrap().to_string();
        let (code, by_uniq, stderr) =
            run(h, &["fetch", "--namesrv", &ns, "--topic", &topic, &uniq]);
        assert_eq!(code, 0, "{kind} by unique key: {stderr}");
        assert_eq!(by_uniq.len(), want, "{kind} by unique key");
        assert!(stderr.contains("taken as unique key"), "{stderr}");
    }
    // What `send` reported is what the broker stored (the offset id of a
    // sync send names the message; a delayed send's names its copy
    // waiting in the broker's schedule topic).
    let sync_id = receipts["sync"][0]["offset_msg_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, got, _) = run(h, &["fetch", "--namesrv", &ns, "--topic", &topic, &sync_id]);
    assert_eq!((code, got[0]["body"].as_str()), (0, Some("body of sync")));
    let delayed_id = receipts["delayed"][0]["offset_msg_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, got, stderr) = run(
        h,
        &["fetch", "--namesrv", &ns, "--topic", &topic, &delayed_id],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(got[0]["fetched"]["source_topic"], "SCHEDULE_TOPIC_XXXX");
    assert_eq!(got[0]["topic"], topic.as_str(), "aimed at its own topic");
    assert!(
        stderr.contains("still waiting in SCHEDULE_TOPIC_XXXX"),
        "{stderr}"
    );

    // An offset id of another topic is refused, not shown as this one's.
    let other = unique("other");
    let o = send(h, &ns, &["--topic", &other, "--body", "elsewhere"]);
    let other_id = o[0]["offset_msg_id"].as_str().unwrap();
    let (code, got, stderr) = run(h, &["fetch", "--namesrv", &ns, "--topic", &topic, other_id]);
    assert_eq!(code, 3, "{stderr}");
    assert!(got.is_empty());
    assert!(
        stderr.contains(&format!("is stored in topic {other}, not {topic}")),
        "{stderr}"
    );
    // An offset id whose store host is no broker of the route is not asked.
    let port = sync_id[8..16].to_string();
    let forged = sync_id.replacen(&port, "0000FFFF", 1);
    let (code, got, stderr) = run(h, &["fetch", "--namesrv", &ns, "--topic", &topic, &forged]);
    assert_eq!((code, got.len()), (3, 0), "{stderr}");
    assert!(stderr.contains("is none of topic"), "{stderr}");
    assert!(stderr.contains("asked 0 brokers"), "{stderr}");
    // Bad input, before any network call.
    let (code, _, stderr) = run(h, &["fetch", "--namesrv", &ns, "key:x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("give --topic"), "{stderr}");
    let (code, _, stderr) = run(h, &["fetch", "--namesrv", &ns, "--topic", &topic, "k:x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown locator `k:`"), "{stderr}");

    // More hits than a key query returns: 64, said as partial (exit 4).
    send(
        h,
        &ns,
        &[
            "--topic", &topic, "--key", "many", "--body", "m", "--count", "70", "--mode", "async",
        ],
    );
    // The index is built just after the store: asked again until it holds them.
    let end = Instant::now() + Duration::from_secs(20);
    let (code, got, stderr) = loop {
        let r = run(
            h,
            &["fetch", "--namesrv", &ns, "--topic", &topic, "key:many"],
        );
        if r.0 == 4 || Instant::now() >= end {
            break r;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(got.len(), 64);
    assert!(
        stderr.contains("cap 64 reached on broker-a (narrow the range)"),
        "{stderr}"
    );
    rt.shutdown();
    sb.stop();
}

/// With authentication on: the profile's credentials sign the fetch; a
/// wrong secret gets the broker's refusal in plain words (exit 1: no broker
/// answered), and the secret is never shown.
#[test]
fn a_fetch_signs_with_the_profile_and_a_refusal_is_said_plainly() {
    let sb = start_sandbox(SandboxOptions {
        acl: Some(rmq_sandbox::AclUser {
            access_key: "fetcher".into(),
            secret_key: "fetcher-secret-1".into(),
        }),
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        env_credentials_profile("acl", &sb.namesrv_addr, "IT_AK", "IT_SK"),
    )
    .unwrap();
    let topic = unique("acl");
    let run = |secret: &str, args: &[&str]| {
        let out = binary(home.path())
            .env("IT_AK", "fetcher")
            .env("IT_SK", secret)
            .arg("--config")
            .arg(&config)
            .args(["--profile", "acl"])
            .args(args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        eprintln!(
            "--- $ rmq-console {}   (exit {:?})\n{stderr}",
            args.join(" "),
            out.status.code()
        );
        assert!(!stderr.contains(secret) && !String::from_utf8_lossy(&out.stdout).contains(secret));
        (out.status.code(), json_lines(&out.stdout), stderr)
    };
    let (code, _, stderr) = run(
        "fetcher-secret-1",
        &["send", "--topic", &topic, "--key", "k1", "--body", "signed"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (code, got, stderr) = run("fetcher-secret-1", &["fetch", "--topic", &topic, "key:k1"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(got[0]["body"], "signed");
    for args in [
        &["fetch", "--topic", &topic, "key:k1"][..],
        &["tail", &topic][..],
    ] {
        let (code, got, stderr) = run("not-the-secret", args);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(got.is_empty());
        assert!(
            stderr.contains("refused, no permission (code 16)"),
            "{stderr}"
        );
        assert!(
            stderr.contains("Authentication credentials are invalid"),
            "{stderr}"
        );
        assert!(stderr.contains("error: no broker answered"), "{stderr}");
        // Not taken for a publish-only credential: it was not accepted.
        assert!(
            stderr.contains(
                "profile acl's credential (AccessKey …) was not accepted: wrong AccessKey or SecretKey"
            ),
            "{stderr}"
        );
    }
    sb.stop();
}

/// No broker needed: locators from standard input are read and checked
/// before anything is asked, and a bad one is bad input (exit 2) with its
/// reason; a name server nobody answers on is an error (exit 1).
#[test]
fn locators_from_stdin_are_checked_before_any_network_call() {
    let home = tempfile::tempdir().unwrap();
    let run = |stdin: &str, args: &[&str]| {
        let mut child = binary(home.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, stderr) = run(
        "key:a\n\n  k:b\n",
        &["fetch", "--namesrv", "127.0.0.1:1", "--topic", "t", "-"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`k:b`: unknown locator `k:`"), "{stderr}");
    assert!(
        !stderr.contains("taken as key a"),
        "nothing read as fine before the bad one: {stderr}"
    );
    let (code, stderr) = run("", &["fetch", "--namesrv", "127.0.0.1:1", "-"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no locator given"), "{stderr}");
    let (code, stderr) = run(
        "",
        &[
            "fetch",
            "--namesrv",
            "127.0.0.1:1",
            "--since",
            "soon",
            "--topic",
            "t",
            "key:a",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--since: `soon`"), "{stderr}");
    let (code, stderr) = run(
        "",
        &["fetch", "--namesrv", "127.0.0.1:1", "--topic", "t", "key:a"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("taken as key a"), "{stderr}");
}
