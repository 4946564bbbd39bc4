//! Fetching by queue on a sandbox: tail merges four queues by store time
//! and follow picks up a later message; dead letters (seeded with a
//! send-back at delay level -1) and retries (level 1) are listed aimed at
//! their topic, `fetch | replay -` stores the same message again (read
//! back with a consumer, field by field), `dlq --resend` goes through
//! replay with its journal link; on two brokers a key is asked of both and
//! an offset id of one broker is refused for a topic that lives on the
//! other.

use std::io::{BufRead, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cheetah_string::CheetahString;
use rmq_engine::runtime::Runtime;
use rmq_sandbox::SandboxOptions;
use rocketmq_client_rust::{ClientRuntime, ClientRuntimeConfig, DefaultMQAdminExt};
use rocketmq_model::common::message::MessageTrait;

use crate::common::*;
use crate::fetch::{fetch_until, json_lines, run, send};
use crate::seed::send_back;
use crate::seed::{Seeded, seeded_topic};

#[test]
fn tail_merges_four_queues_by_store_time_and_follow_picks_up_a_later_message() {
    let Seeded(sb, ns, home, rt, topic) = seeded_topic("tail", 4);
    let h = home.path();
    // Round robin over the four queues, one at a time: the store order is
    // the key order.
    send(
        h,
        &ns,
        &[
            "--topic",
            &topic,
            "--key-template",
            "k-{seq}",
            "--body",
            "x",
            "--count",
            "12",
        ],
    );

    let (code, got, stderr) = run(h, &["tail", "--namesrv", &ns, &topic, "-n", "5"]);
    assert_eq!(code, 0, "{stderr}");
    let keys: Vec<&str> = got.iter().map(|m| m["keys"][0].as_str().unwrap()).collect();
    assert_eq!(keys, ["k-8", "k-9", "k-10", "k-11", "k-12"]);
    let queues: std::collections::BTreeSet<u64> = got
        .iter()
        .map(|m| m["fetched"]["queue_id"].as_u64().unwrap())
        .collect();
    assert_eq!(queues.len(), 4, "from every queue");
    let times: Vec<&str> = got
        .iter()
        .map(|m| m["fetched"]["store_ts"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "store-time order: {times:?}"
    );
    // With a tag: the newest of those only, however far back they are.
    for (i, tag) in ["hot", "cold", "hot", "cold", "hot", "cold", "cold"]
        .iter()
        .enumerate()
    {
        send(
            h,
            &ns,
            &[
                "--topic",
                &topic,
                "--tag",
                tag,
                "--key",
                &format!("t-{i}"),
                "--body",
                "x",
            ],
        );
    }
    let (code, hot, stderr) = run(
        h,
        &["tail", "--namesrv", &ns, &topic, "-n", "2", "--tag", "hot"],
    );
    assert_eq!(code, 0, "{stderr}");
    let keys: Vec<&str> = hot.iter().map(|m| m["keys"][0].as_str().unwrap()).collect();
    assert_eq!(keys, ["t-2", "t-4"]);
    // An empty topic is "nothing found".
    let (code, _, _) = run(h, &["tail", "--namesrv", &ns, &unique("none")]);
    assert_eq!(code, 3);

    // Follow: the newest one, then a message sent after it started.
    let mut child = binary(h)
        .args(["tail", "--namesrv", &ns, &topic, "-n", "1", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(l);
        }
    });
    let first = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("the newest line");
    assert!(first.contains("\"keys\":[\"t-6\"]"), "the newest: {first}");
    send(
        h,
        &ns,
        &["--topic", &topic, "--key", "later", "--body", "later"],
    );
    let later = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("the later message");
    let later: serde_json::Value = serde_json::from_str(&later).unwrap();
    assert_eq!(later["keys"][0], "later");
    signal(child.id(), libc::SIGINT);
    let status = wait_exit(&mut child, Duration::from_secs(10));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("SIGINT: stopped following"), "{err}");
    assert!(err.contains("found 2"), "{err}");
    rt.shutdown();
    sb.stop();
}

#[test]
fn dead_letters_are_aimed_at_their_topic_and_fetch_then_replay_stores_the_same_message() {
    let Seeded(sb, ns, home, rt, topic) = seeded_topic("orders", 2);
    let h = home.path();
    let group = unique("billing");
    // A binary body, two keys, a tag and user properties.
    let body = [0xffu8, 0x00, 0x80, 0x41];
    std::fs::write(h.join("body.bin"), body).unwrap();
    let sent = send(
        h,
        &ns,
        &[
            "--topic",
            &topic,
            "--tag",
            "paid",
            "--key",
            "o-1842",
            "--key",
            "u-9",
            "--property",
            "region=eu",
            "--property",
            "n=1",
            "--body-file",
            h.join("body.bin").to_str().unwrap(),
        ],
    );
    let offset_id = sent[0]["offset_msg_id"].as_str().unwrap().to_string();

    // No dead letters yet: the group's DLQ does not exist; nothing found.
    let (code, got, stderr) = run(h, &["dlq", "--namesrv", &ns, &group]);
    assert_eq!((code, got.len()), (3, 0), "{stderr}");
    assert!(
        stderr.contains("does not exist: the group has none"),
        "{stderr}"
    );

    rt.block_on(send_back(&rt, &sb, &offset_id, &group, -1, None));
    let (code, got, stderr) = fetch_until(
        h,
        &["dlq", "--namesrv", &ns, &group],
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(got.len(), 1);
    let d = &got[0];
    assert_eq!(
        d["topic"],
        topic.as_str(),
        "aimed back at the original topic"
    );
    assert_eq!(
        d["fetched"]["source_topic"],
        format!("%DLQ%{group}").as_str()
    );
    assert_eq!(d["fetched"]["origin_topic"], topic.as_str());
    // The 1.0 broker sets no ORIGIN_MESSAGE_ID: the copy's unique key is
    // the original's, and finds it in its topic.
    let uniq = d["fetched"]["uniq_key"].as_str().unwrap();
    let (code, origin, _) = run(h, &["fetch", "--namesrv", &ns, "--topic", &topic, uniq]);
    assert_eq!((code, origin.len()), (0, 1));
    assert_eq!(origin[0]["fetched"]["offset_msg_id"], offset_id.as_str());
    assert_eq!(d["body_base64"], "/wCAQQ==");
    assert_eq!(d["keys"], serde_json::json!(["o-1842", "u-9"]));
    assert_eq!(
        d["properties"],
        serde_json::json!({"n": "1", "region": "eu"})
    );
    // A send-back at level 1 lands in the group's retry queue.
    let retry_group = unique("retrying");
    rt.block_on(send_back(&rt, &sb, &offset_id, &retry_group, 1, None));
    let (code, r, stderr) = fetch_until(
        h,
        &["dlq", "--namesrv", &ns, &retry_group, "--retry"],
        Duration::from_secs(20),
    );
    assert_eq!((code, r.len()), (0, 1), "{stderr}");
    assert_eq!(r[0]["topic"], topic.as_str());
    assert_eq!(
        r[0]["fetched"]["source_topic"],
        format!("%RETRY%{retry_group}").as_str()
    );
    let (code, r, _) = run(
        h,
        &["fetch", "--namesrv", &ns, &format!("retry:{retry_group}")],
    );
    assert_eq!((code, r.len()), (0, 1));
    // The same through the fetch grammar.
    let (code, again, _) = run(h, &["fetch", "--namesrv", &ns, &format!("dlq:{group}")]);
    assert_eq!((code, again.len()), (0, 1));

    // fetch | replay -: the dead letter and the original by key, resent to
    // a topic of their own, read back with a consumer field by field.
    let copy = unique("resent");
    let mut fetched = run(
        h,
        &["fetch", "--namesrv", &ns, "--topic", &topic, "key:o-1842"],
    )
    .1;
    fetched.extend(got.clone());
    assert_eq!(fetched.len(), 2);
    let input: String = fetched.iter().map(|v| format!("{v}\n")).collect();
    let mut replay = binary(h)
        .args(["replay", "-", "--topic", &copy, "--namesrv", &ns])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    replay
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = replay.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let results = json_lines(&out.stdout);
    assert_eq!(results.len(), 2);
    for r in &results {
        let source = r["source"].as_str().unwrap();
        assert!(
            source.starts_with("fetch:"),
            "the resend names what it came from: {r}"
        );
    }
    let stored = rt.block_on(read_back(&rt, &ns, &copy, 2));
    assert_eq!(stored.len(), 2, "both stored once");
    for m in &stored {
        let s = |v: Option<CheetahString>| v.map(|v| v.to_string());
        assert_eq!(m.body().as_deref(), Some(&body[..]));
        assert_eq!(s(m.get_tags()).as_deref(), Some("paid"));
        assert_eq!(s(m.get_keys()).as_deref(), Some("o-1842 u-9"));
        assert_eq!(
            s(m.get_user_property(CheetahString::from("region"))).as_deref(),
            Some("eu")
        );
        assert_eq!(
            s(m.get_user_property(CheetahString::from("n"))).as_deref(),
            Some("1")
        );
        // System properties are not carried over: a new unique key, no
        // dead-letter origin.
        assert!(
            m.get_user_property(CheetahString::from("RETRY_TOPIC"))
                .is_none()
        );
        assert_ne!(
            s(m.get_user_property(CheetahString::from("UNIQ_KEY"))).as_deref(),
            d["fetched"]["uniq_key"].as_str()
        );
    }

    // dlq --resend: replay's dry run shows the target, then the real one
    // stores it in the original topic again; the DLQ keeps its copy.
    let (code, dry, stderr) = run(
        h,
        &["dlq", "--namesrv", &ns, &group, "--resend", "--dry-run"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(dry.len(), 1);
    assert_eq!(dry[0]["topic"], topic.as_str());
    assert!(dry[0]["source"].as_str().unwrap().starts_with("fetch:"));
    let (code, sent, stderr) = run(h, &["dlq", "--namesrv", &ns, &group, "--resend"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(sent[0]["state"], "acknowledged", "{stderr}");
    let end = Instant::now() + Duration::from_secs(20);
    let both = loop {
        let (_, found, _) = run(
            h,
            &["fetch", "--namesrv", &ns, "--topic", &topic, "key:o-1842"],
        );
        if found.len() == 2 || Instant::now() >= end {
            break found;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(both.len(), 2, "the original and the resent copy");
    assert!(both.iter().all(|m| m["body_base64"] == "/wCAQQ=="));
    let (_, still, _) = run(h, &["dlq", "--namesrv", &ns, &group]);
    assert_eq!(still.len(), 1, "nothing is deleted from the DLQ");
    let (_, records, _) = run(h, &["history", "--topic", &topic]);
    assert!(
        records.iter().any(|r| r["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("fetch:"))),
        "the journal names where the resend came from"
    );
    rt.shutdown();
    sb.stop();
}

/// Two brokers: a key is asked of both and found on both, tail merges
/// their queues, and an offset id stored on broker-a is refused for a topic
/// that lives only on broker-b (the broker would read whatever sits at
/// that offset) instead of being shown as that topic's.
#[test]
fn on_two_brokers_each_is_asked_and_an_id_of_the_other_broker_is_refused() {
    use rocketmq_client_rust::TopicAdmin;
    let sb = start_sandbox(SandboxOptions {
        second_broker: true,
        ..Default::default()
    });
    let ns = sb.namesrv_addr.clone();
    let broker_b = sb.second_broker_addr.clone().expect("broker-b");
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let both = unique("both");
    let only_b = unique("onlyb");
    let rt = Runtime::new().unwrap();
    rt.block_on(create_topic(&rt, &ns, &both, 2, 2));
    rt.block_on(async {
        let client = ClientRuntime::try_new(
            rt.context("onlyb"),
            ClientRuntimeConfig::default(),
            rocketmq_observability::TelemetryHandle::noop(),
        )
        .expect("client runtime");
        let mut admin = DefaultMQAdminExt::with_timeout(client.clone(), Duration::from_secs(5));
        admin.set_namesrv_addr(ns.as_str());
        admin.start().await.expect("admin starts");
        admin
            .create_and_update_topic_config(
                broker_b.as_str().into(),
                rocketmq_model::topic::TopicConfig::with_queues(only_b.as_str(), 2, 2),
            )
            .await
            .expect("topic on broker-b");
        let end = Instant::now() + Duration::from_secs(30);
        while TopicAdmin::examine_topic_route_info(&admin, only_b.as_str().into())
            .await
            .ok()
            .flatten()
            .is_none()
        {
            assert!(Instant::now() < end, "{only_b} never got a route");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        admin.shutdown().await;
        let _ = client.shutdown().await;
    });

    let sent = send(
        h,
        &ns,
        &[
            "--topic", &both, "--key", "kk", "--body", "x", "--count", "8",
        ],
    );
    let on: std::collections::BTreeSet<&str> =
        sent.iter().map(|r| r["broker"].as_str().unwrap()).collect();
    assert_eq!(on.len(), 2, "sent to both brokers: {on:?}");
    let (code, got, stderr) = fetch_until(
        h,
        &["fetch", "--namesrv", &ns, "--topic", &both, "key:kk"],
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(got.len(), 8);
    assert!(stderr.contains("asked 2 brokers, answered 2"), "{stderr}");
    let (code, tail, _) = run(h, &["tail", "--namesrv", &ns, &both, "-n", "8"]);
    assert_eq!((code, tail.len()), (0, 8));
    let brokers: std::collections::BTreeSet<&str> = tail
        .iter()
        .map(|m| m["fetched"]["broker"].as_str().unwrap())
        .collect();
    assert_eq!(brokers.len(), 2, "{brokers:?}");

    let on_a = sent.iter().find(|r| r["broker"] == "broker-a").unwrap();
    let id = on_a["offset_msg_id"].as_str().unwrap();
    let (code, got, stderr) = run(h, &["fetch", "--namesrv", &ns, "--topic", &only_b, id]);
    assert_eq!((code, got.len()), (3, 0), "{stderr}");
    assert!(
        stderr.contains(&format!("is none of topic {only_b}'s brokers")),
        "{stderr}"
    );
    // The same id with its own topic is found, on broker-a.
    let (code, got, _) = run(h, &["fetch", "--namesrv", &ns, "--topic", &both, id]);
    assert_eq!(code, 0);
    assert_eq!(got[0]["fetched"]["broker"], "broker-a");

    // A position that does not name one queue is bad input (exit 2).
    let (code, _, stderr) = run(h, &["fetch", "--namesrv", &ns, "--topic", &both, "0@0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is on 2 brokers (broker-a, broker-b): write"),
        "{stderr}"
    );
    let (code, _, stderr) = run(
        h,
        &["fetch", "--namesrv", &ns, &format!("{both}@broker-z:0:0")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("has no broker broker-z"), "{stderr}");
    let (code, got, _) = run(
        h,
        &["fetch", "--namesrv", &ns, &format!("{both}@broker-b:0:0")],
    );
    assert_eq!((code, got.len()), (0, 1));

    // The crate's API, in process, as the console would use it: two
    // fetchers at once (a profile switch), one stopped while the other
    // goes on.
    rt.block_on(async {
        let settings = rmq_fetch::FetchSettings::new(ns.clone());
        let request = rmq_fetch::Request {
            locator: rmq_fetch::locator::parse("key:kk").unwrap(),
            topic: Some(both.clone()),
            window: None,
            max: None,
        };
        assert_eq!(request.check().as_deref(), Ok("key kk"));
        let a = rmq_fetch::Fetcher::start(rt.context("fetch-a"), &settings)
            .await
            .unwrap();
        let b = rmq_fetch::Fetcher::start(rt.context("fetch-b"), &settings)
            .await
            .unwrap();
        assert_eq!(a.fetch(&request).await.unwrap().messages.len(), 8);
        a.stop().await;
        let answer = b.fetch(&request).await.unwrap();
        assert_eq!(answer.messages.len(), 8);
        assert_eq!(answer.completeness.answered, ["broker-a", "broker-b"]);
        b.stop().await;
    });
    rt.shutdown();
    sb.stop();
}
