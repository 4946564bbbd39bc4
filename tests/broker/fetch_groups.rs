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
use crate::fetch::send;
use crate::fetch_queues::send_back;

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
        send_back(&rt, &ns, &sb.broker_addr, &second[1].2, &group, -1).await;
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
    rt.shutdown();
    sb.stop();
}
