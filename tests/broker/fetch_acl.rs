//! Fetching with a publish-only credential, on a sandbox with
//! authorization on (`SandboxOptions::publish_only`): the user may send,
//! and every way of reading (by key, tag, id, position, tail, dead
//! letters) gets the plain refusal naming the profile, its redacted
//! AccessKey and the topic, with the broker's own text, headless and in
//! the console's fetch overlay; the admin user reads the same messages.

use std::time::Duration;

use rmq_engine::runtime::Runtime;
use rmq_sandbox::{AclUser, SandboxOptions};

use crate::common::*;
use crate::fetch::json_lines;
use crate::seed::env_credentials_profile;

#[test]
fn a_publish_only_user_may_send_and_is_told_plainly_it_cannot_read() {
    let sb = start_sandbox(SandboxOptions {
        acl: Some(AclUser {
            access_key: "admin".into(),
            secret_key: "admin-secret-1".into(),
        }),
        publish_only: Some(AclUser {
            access_key: "payments-producer".into(),
            secret_key: "pub-secret-1".into(),
        }),
        ..Default::default()
    });
    let ns = sb.namesrv_addr.clone();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    let profiles = [
        env_credentials_profile("admin", &ns, "IT_ADMIN_AK", "IT_ADMIN_SK"),
        env_credentials_profile("payments", &ns, "IT_PUB_AK", "IT_PUB_SK"),
    ];
    std::fs::write(&config, profiles.join("\n")).unwrap();
    let run = |profile: &str, args: &[&str]| {
        let out = binary(home.path())
            .env("IT_ADMIN_AK", "admin")
            .env("IT_ADMIN_SK", "admin-secret-1")
            .env("IT_PUB_AK", "payments-producer")
            .env("IT_PUB_SK", "pub-secret-1")
            .arg("--config")
            .arg(&config)
            .args(["--profile", profile])
            .args(args)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        eprintln!(
            "--- $ rmq-console --profile {profile} {}   (exit {:?})\n{stderr}",
            args.join(" "),
            out.status.code()
        );
        for secret in ["admin-secret-1", "pub-secret-1"] {
            assert!(!stderr.contains(secret) && !stdout.contains(secret));
        }
        (out.status.code(), json_lines(&out.stdout), stderr)
    };

    let topic = unique("payments");
    let group = unique("billing");
    // The publish-only user may send.
    let (code, sent, stderr) = run(
        "payments",
        &[
            "send", "--topic", &topic, "--key", "o-1842", "--tag", "paid", "--body", "signed",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let offset_id = sent[0]["offset_msg_id"].as_str().unwrap().to_string();
    let uniq = sent[0]["msg_id"].as_str().unwrap().to_string();
    // The admin reads it (so what follows is a refusal, not a miss), and
    // sends it to the group's dead-letter queue.
    let rt = Runtime::new().unwrap();
    rt.block_on(crate::seed::send_back(
        &rt,
        &sb,
        &offset_id,
        &group,
        -1,
        Some(("admin", "admin-secret-1")),
    ));
    let (code, got, stderr) =
        fetch_until_as(&run, "admin", &["fetch", "--topic", &topic, "key:o-1842"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(got[0]["body"], "signed");
    let (code, got, stderr) = fetch_until_as(&run, "admin", &["dlq", &group]);
    assert_eq!((code, got.len()), (Some(0), 1), "{stderr}");

    // Every way of reading is refused, said plainly: whose credential
    // (its AccessKey shortened), which topic, the broker's words; exit 1,
    // since no broker answered and no list, even a partial one, exists.
    let who = "profile payments's credential (AccessKey …ucer)";
    let dlq = format!("%DLQ%{group}");
    let cases: [(&[&str], &str, &str); 7] = [
        (
            &["fetch", "--topic", &topic, "key:o-1842"],
            &topic,
            "Permission was denied",
        ),
        (
            &["fetch", "--topic", &topic, "tag:paid"],
            &topic,
            "Permission was denied",
        ),
        (
            &["fetch", "--topic", &topic, &offset_id],
            &topic,
            "Permission was denied",
        ),
        (
            &["fetch", "--topic", &topic, &uniq],
            &topic,
            "Permission was denied",
        ),
        (&["tail", &topic], &topic, "Permission was denied"),
        (&["dlq", &group], &dlq, "Permission was denied"),
        // A pull is refused with the same code, but the client library
        // drops the broker's text on that path: said as either.
        (
            &["fetch", "--topic", &topic, "0@0"],
            &topic,
            "Broker operation failed",
        ),
    ];
    for (args, read, broker_text) in cases {
        let (code, got, stderr) = run("payments", args);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(got.is_empty());
        let plain = if broker_text == "Permission was denied" {
            format!(
                "{who} may not read topic {read}: a publish-only credential can send but not fetch; broker-a answered \"{broker_text}\" (code 16)"
            )
        } else {
            format!(
                "{who} was refused reading topic {read}: the credential is wrong or may not read it; broker-a answered"
            )
        };
        assert!(stderr.contains(&plain), "{plain}\n{stderr}");
        assert!(stderr.contains(broker_text), "{stderr}");
        assert!(stderr.contains("error: no broker answered"), "{stderr}");
        assert!(
            !stderr.contains("payments-producer"),
            "the AccessKey is shortened: {stderr}"
        );
    }
    // The same credential still sends (publish is what it may do).
    let (code, _, stderr) = run(
        "payments",
        &[
            "send", "--topic", &topic, "--key", "o-1843", "--body", "again",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (code, got, stderr) =
        fetch_until_as(&run, "admin", &["fetch", "--topic", &topic, "key:o-1843"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(got[0]["body"], "again");

    // The console on the same profile says it in its fetch overlay, in a
    // pseudo-terminal: the profile's name reaches the console's fetcher.
    let tmux = Tmux::start(
        home.path(),
        &format!(
            "HOME={} IT_PUB_AK=payments-producer IT_PUB_SK=pub-secret-1",
            home.path().display()
        ),
        &format!("--config {} --profile payments", config.display()),
        120,
    );
    tmux.wait_for("the composer", Duration::from_secs(30), |s| {
        s.contains("Composer")
    });
    tmux.literal(&topic);
    tmux.keys(&["Escape", "f"]);
    tmux.wait_for("the fetch form", Duration::from_secs(10), |s| {
        s.contains("Fetch from the broker")
    });
    tmux.literal("key:o-1842");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the refusal", Duration::from_secs(30), |s| {
        s.contains("REFUSED")
    });
    eprintln!("--- the console's fetch overlay:\n{screen}");
    assert!(
        screen.contains(&format!("✗ {who} may not read topic {topic}")),
        "{screen}"
    );
    assert!(
        screen.contains("a publish-only credential can send but not fetch"),
        "{screen}"
    );
    assert!(
        screen.contains("broker-a answered \"Permission was denied\" (code 16)"),
        "{screen}"
    );
    assert!(!screen.contains("payments-producer") && !screen.contains("pub-secret-1"));
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    tmux.wait_for("the console to exit", Duration::from_secs(15), |s| {
        s.contains("EXIT=0")
    });

    rt.shutdown();
    sb.stop();
}

/// Exit code, JSON lines, stderr of one run.
type Ran = (Option<i32>, Vec<serde_json::Value>, String);

/// Runs until something is found (the index is built just after the
/// store), within 20 s.
fn fetch_until_as(run: &dyn Fn(&str, &[&str]) -> Ran, profile: &str, args: &[&str]) -> Ran {
    let end = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let r = run(profile, args);
        if r.0 == Some(0) || std::time::Instant::now() >= end {
            return r;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}
