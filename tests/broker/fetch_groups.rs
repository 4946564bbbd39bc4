//! Consumer groups on a sandbox, through `rmq_fetch::Fetcher` as the
//! console's fetch worker uses it: a real consumer group reads the first
//! messages of a topic and commits; then more are sent. The group lens
//! reports each queue's lag (the messages sent after), the peek from the
//! group's offset returns exactly those, a dead letter (a send-back at
//! delay level -1) shows as the DLQ's depth and is listed; `o` says
//! "consumed" for a message the group read and "not yet" for one it did
//! not; a group that never consumed says so.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rmq_engine::runtime::Runtime;
use rmq_fetch::group::Consumption;
use rmq_fetch::{Fetcher, Locator, Request};
use rmq_sandbox::SandboxOptions;
use rocketmq_client_rust::{ClientRuntime, ClientRuntimeConfig, DefaultLitePullConsumer};

use crate::common::*;
use crate::fetch::{run, send};
use crate::seed::send_back;

/// One message per body; (queue id, queue offset, offset msgId) of each.
fn send_bodies(
    h: &std::path::Path,
    ns: &str,
    topic: &str,
    bodies: &[String],
) -> Vec<(i64, i64, String)> {
    bodies
        .iter()
        .map(|b| {
            let line = &send(h, ns, &["--topic", topic, "--body", b])[0];
            (
                line["queue_id"].as_i64().unwrap(),
                line["queue_offset"].as_i64().unwrap(),
                line["offset_msg_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_group_lens_counts_lag_per_queue_peeks_the_unconsumed_and_o_tells_consumed_apart() {
    let sb = start_sandbox(SandboxOptions::default());
    let ns = sb.namesrv_addr.clone();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let topic = unique("lens");
    let rt = Runtime::new().unwrap();
    rt.block_on(create_topic(&rt, &ns, &topic, 2, 1));

    // Read by a real consumer group, which commits what it read.
    let read: Vec<String> = (0..6).map(|i| format!("read-{i}")).collect();
    let first = send_bodies(h, &ns, &topic, &read);
    let group = unique("billing");
    rt.block_on(async {
        let client = ClientRuntime::try_new(
            rt.context("consumer"),
            ClientRuntimeConfig::default(),
            rocketmq_observability::TelemetryHandle::noop(),
        )
        .expect("client runtime");
        let consumer = DefaultLitePullConsumer::builder(client.clone())
            .consumer_group(group.clone())
            .name_server_addr(ns.clone())
            .auto_commit(true)
            .build()
            .expect("consumer builds");
        consumer
            .subscribe_with_expression(&topic, "*")
            .await
            .expect("subscribe");
        consumer.start().await.expect("consumer starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut got = BTreeSet::new();
        while got.len() < read.len() && Instant::now() < deadline {
            for m in consumer.poll_with_timeout(1000).await {
                let body = m.body().map(|b| b.to_vec()).unwrap_or_default();
                got.insert(String::from_utf8_lossy(&body).to_string());
            }
        }
        assert_eq!(got.len(), read.len(), "the consumer read the first six");
        consumer.commit_sync().await;
        // Its offsets reach the broker on shutdown at the latest.
        consumer.shutdown().await;
        let _ = client.shutdown().await;
    });
    // Then four more, which nobody has read.
    let unread: Vec<String> = (0..4).map(|i| format!("unread-{i}")).collect();
    let second = send_bodies(h, &ns, &topic, &unread);
    let mut read_per_queue: BTreeMap<i64, i64> = BTreeMap::new();
    for (q, _, _) in &first {
        *read_per_queue.entry(*q).or_default() += 1;
    }
    let mut unread_per_queue: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for ((q, _, _), body) in second.iter().zip(&unread) {
        unread_per_queue.entry(*q).or_default().push(body.clone());
    }

    rt.block_on(async {
        let settings = rmq_fetch::FetchSettings::new(ns.clone());
        let f = Fetcher::start(rt.context("lens"), &settings).await.unwrap();

        // The lens, once the committed offsets have reached the broker.
        let deadline = Instant::now() + Duration::from_secs(30);
        let lens = loop {
            let lens = f.group_lens(&group).await.unwrap();
            let committed: i64 = lens.queues.iter().map(|q| q.consumer_offset).sum();
            if committed == read.len() as i64 || Instant::now() >= deadline {
                break lens;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        eprintln!("{}\n{:#?}", lens.summary(), lens.queues);
        assert_eq!(lens.completeness.asked, ["broker-a"]);
        assert_eq!(lens.completeness.answered, ["broker-a"]);
        let mine: Vec<_> = lens.queues.iter().filter(|q| q.topic == topic).collect();
        assert_eq!(mine.len(), 2, "both queues of the topic: {mine:?}");
        for q in &mine {
            let read = read_per_queue.get(&i64::from(q.queue)).copied().unwrap_or(0);
            let unread = unread_per_queue
                .get(&i64::from(q.queue))
                .map_or(0, |v| v.len() as i64);
            assert_eq!(q.consumer_offset, read, "queue {}", q.queue);
            assert_eq!(q.broker_offset, read + unread, "queue {}", q.queue);
            assert_eq!(q.lag(), unread, "queue {}", q.queue);
        }
        assert_eq!(lens.total_lag(), unread.len() as i64);
        assert_eq!(lens.dlq.stored, None, "no dead letter yet");

        // The peek from the group's offset: exactly the unread messages of
        // each queue, and it moves no offset.
        for q in &mine {
            let request = Request {
                locator: Locator::Position {
                    topic: Some(topic.clone()),
                    broker: Some(q.broker.clone()),
                    queue: q.queue,
                    offset: q.consumer_offset,
                },
                topic: Some(topic.clone()),
                window: None,
                max: Some(20),
            };
            let peek = f.fetch(&request).await.unwrap();
            let bodies: Vec<String> = peek
                .messages
                .iter()
                .map(|m| String::from_utf8_lossy(&m.body).to_string())
                .collect();
            let want = unread_per_queue
                .get(&i64::from(q.queue))
                .cloned()
                .unwrap_or_default();
            assert_eq!(bodies, want, "queue {}", q.queue);
        }
        let again = f.group_lens(&group).await.unwrap();
        assert_eq!(again.total_lag(), unread.len() as i64, "a peek commits nothing");

        // `o`: a message the group read, and one it did not.
        let by_id = |id: &str| {
            let request = Request {
                locator: rmq_fetch::locator::parse(id).unwrap(),
                topic: Some(topic.clone()),
                window: None,
                max: None,
            };
            let f = &f;
            async move { f.fetch(&request).await.unwrap().messages.remove(0) }
        };
        let consumed = by_id(&first[0].2).await;
        let c = f.consumed_by(&consumed).await.unwrap();
        eprintln!("{:?}", c.lines());
        let verdict = c.groups.iter().find(|(g, _)| *g == group).map(|(_, v)| *v);
        assert!(
            matches!(verdict, Some(Consumption::Consumed { offset }) if offset > consumed.queue_offset),
            "{c:?}"
        );
        let waiting = by_id(&second[0].2).await;
        let c = f.consumed_by(&waiting).await.unwrap();
        let verdict = c.groups.iter().find(|(g, _)| *g == group).map(|(_, v)| *v);
        assert!(
            matches!(verdict, Some(Consumption::NotYet { offset }) if offset <= waiting.queue_offset),
            "{c:?}"
        );
        assert!(
            c.lines().iter().any(|l| l.starts_with(&format!("not yet by {group} (at "))),
            "{:?}",
            c.lines()
        );

        // A dead letter of the group: its depth, and the DLQ row's listing.
        send_back(&rt, &sb, &second[1].2, &group, -1, None).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        let lens = loop {
            let lens = f.group_lens(&group).await.unwrap();
            if lens.dlq.stored == Some(1) || Instant::now() >= deadline {
                break lens;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        assert_eq!(lens.dlq.stored, Some(1), "{}", lens.summary());
        let dlq = f
            .fetch(&Request {
                locator: Locator::Dlq(group.clone()),
                topic: None,
                window: None,
                max: None,
            })
            .await
            .unwrap();
        assert_eq!(dlq.messages.len(), 1);
        assert_eq!(dlq.messages[0].body, unread[1].as_bytes());
        assert_eq!(dlq.messages[0].target_topic(), topic);

        // A group that never consumed anything says so.
        let ghost = f.group_lens(&unique("ghost")).await.unwrap();
        assert!(ghost.no_offsets());
        assert_eq!(ghost.completeness.answered, ["broker-a"]);
        assert!(ghost.summary().contains("has no consumer offsets"), "{}", ghost.summary());
        assert_eq!(ghost.dlq.stored, None);
        f.stop().await;
    });
    // The same headless: `fetch --consumed-by` adds a `consumed_by` array.
    let (code, lines, stderr) = run(
        h,
        &[
            "fetch",
            "--namesrv",
            &ns,
            "--consumed-by",
            &first[0].2,
            &second[0].2,
        ],
    );
    assert_eq!((code, lines.len()), (0, 2), "{stderr}");
    let state = |line: &serde_json::Value| {
        line["consumed_by"]
            .as_array()
            .and_then(|a| a.iter().find(|g| g["group"] == group.as_str()))
            .map(|g| g["state"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(state(&lines[0]).as_deref(), Some("consumed"), "{lines:?}");
    assert_eq!(state(&lines[1]).as_deref(), Some("not_yet"), "{lines:?}");
    assert_eq!(lines[1]["body"], "unread-0");

    // And the lens headless: `group GROUP --json`, then a group that never
    // consumed (exit 3) and a name the broker would refuse (exit 2).
    let out = binary(h)
        .args(["group", "--namesrv", &ns, &group, "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lens: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(lens["total_lag"], unread.len() as i64, "{lens}");
    assert_eq!(lens["dlq"]["stored"], 1, "{lens}");
    assert_eq!(lens["answered"], serde_json::json!(["broker-a"]));
    let (code, ghost, stderr) = run(h, &["group", "--namesrv", &ns, &unique("ghost"), "--json"]);
    assert_eq!(ghost[0]["queues"], serde_json::json!([]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("has no consumer offsets"), "{stderr}");
    let (code, _, stderr) = run(h, &["group", "--namesrv", &ns, "bad group"]);
    assert_eq!(code, 2, "{stderr}");

    let per_queue: Vec<(i64, i64, Vec<String>)> = (0..2)
        .map(|q| {
            (
                q,
                read_per_queue.get(&q).copied().unwrap_or(0),
                unread_per_queue.get(&q).cloned().unwrap_or_default(),
            )
        })
        .collect();
    console(h, &ns, &topic, &group, &per_queue);
    rt.shutdown();
    sb.stop();
}

/// The same through the console's keys in a pseudo-terminal: `d`, the
/// group, Enter: the lens (lag 4, one dead letter); Enter on a queue with
/// lag: its unconsumed messages; `o`: not yet consumed by the group; the
/// DLQ row lists the dead letter. `per_queue`: (queue, read, unread
/// bodies). With `RMQ_CAPTURES=DIR` the screens are saved there (the
/// captures of the closing note).
fn console(
    h: &std::path::Path,
    ns: &str,
    topic: &str,
    group: &str,
    per_queue: &[(i64, i64, Vec<String>)],
) {
    let captures = std::env::var_os("RMQ_CAPTURES").map(std::path::PathBuf::from);
    let save = |name: &str, screen: &str| {
        if let Some(dir) = &captures {
            std::fs::write(dir.join(name), screen).unwrap();
        }
    };
    let tmux = Tmux::start(
        h,
        &format!("HOME={}", h.display()),
        &format!("--namesrv {ns}"),
        120,
    );
    tmux.wait_for("the composer", Duration::from_secs(30), |s| {
        s.contains("Composer")
    });
    tmux.literal(topic);
    tmux.keys(&["Escape", "d"]);
    tmux.wait_for("the group prompt", Duration::from_secs(10), |s| {
        s.contains("Consumer group lens")
    });
    tmux.literal(group);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the lens", Duration::from_secs(30), |s| {
        s.contains("lag 4 over 2 queues of 1 topic") && s.contains("DLQ 1")
    });
    save("lens-120x40.txt", &screen);
    assert!(screen.contains("asked 1 broker, answered 1"), "{screen}");
    for (q, read, unread) in per_queue {
        let cells: Vec<&str> = screen
            .lines()
            .filter(|l| l.contains(topic) && l.contains("broker-a"))
            .map(|l| {
                l.split(['│', ' '])
                    .filter(|c| !c.is_empty())
                    .collect::<Vec<_>>()
            })
            .find(|c| c.get(2) == Some(&q.to_string().as_str()))
            .unwrap_or_default();
        let want = [
            q,
            &(read + unread.len() as i64),
            read,
            &(unread.len() as i64),
        ]
        .map(|n| n.to_string());
        assert_eq!(
            cells.get(2..6).map(|c| c.to_vec()),
            Some(want.iter().map(String::as_str).collect()),
            "queue {q}: {screen}"
        );
    }
    // Enter on a queue with lag: its unconsumed messages, from the
    // group's offset.
    let at = per_queue
        .iter()
        .position(|(_, _, u)| !u.is_empty())
        .unwrap();
    let (_, read, unread) = &per_queue[at];
    for _ in 0..at {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the peek", Duration::from_secs(30), |s| {
        s.contains(&format!("Fetched ({})", unread.len()))
    });
    assert!(
        screen.contains(&format!("peek of {group}'s next unconsumed")),
        "{screen}"
    );
    for body in unread {
        assert!(screen.contains(body.as_str()), "{body}: {screen}");
    }
    assert!(!screen.contains(" read-"), "{screen}");
    save("lens-peek-120x40.txt", &screen);
    // `o`: the group has not consumed it yet.
    tmux.keys(&["o"]);
    let screen = tmux.wait_for("who consumed it", Duration::from_secs(30), |s| {
        s.contains(&format!("not yet by {group} (at {read})"))
    });
    save("consumed-by-120x40.txt", &screen);
    // Back to the lens; the DLQ row lists the dead letter.
    tmux.keys(&["Escape", "Escape"]);
    tmux.wait_for("the lens again", Duration::from_secs(10), |s| {
        s.contains(&format!("Group {group}"))
    });
    for _ in at..3 {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the dead letters", Duration::from_secs(30), |s| {
        s.contains("Fetched (1, newest first)")
    });
    assert!(screen.contains("unread-1"), "{screen}");
    save("lens-dlq-120x40.txt", &screen);
    tmux.keys(&["Escape", "Escape", "Escape", "q"]);
    tmux.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("EXIT=0")
    });
}
