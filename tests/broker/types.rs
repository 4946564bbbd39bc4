//! Message types against the real sandbox broker, read back with a
//! consumer: delayed messages hidden until their time, transactions
//! committed / rolled back / left unknown and checked back, FIFO order per
//! sharding key, a batch read back intact, and refused combinations that
//! send nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Local;
use rmq_engine::producer::{self, BurstSpec, ProducerCommand, ProducerEvent};
use rmq_engine::runtime::Runtime;
use rmq_model::events::TxEvent;
use rmq_model::message::{Draft, Mode, Outcome, SendStatus, Seq};
use rmq_model::types::{Delay, MessageType, TxChoice};
use rmq_sandbox::SandboxOptions;
use rocketmq_client_rust::{ClientRuntime, DefaultLitePullConsumer};
use rocketmq_model::common::message::MessageTrait;
use rocketmq_model::common::message::message_ext::MessageExt;

use crate::common::*;

/// A consumer kept open for a whole test, so "not there yet" means
/// something: it is warmed up (it has read a message) before it is asked.
struct Reader {
    client: Arc<ClientRuntime>,
    consumer: DefaultLitePullConsumer,
    /// Every message read, with when it was read.
    got: Vec<(chrono::DateTime<Local>, MessageExt)>,
}

impl Reader {
    async fn start(rt: &Runtime, namesrv: &str, topic: &str) -> Reader {
        let (client, consumer) = fresh_consumer(rt, namesrv, topic).await;
        Reader {
            client,
            consumer,
            got: Vec::new(),
        }
    }

    /// Polls until `done` says so or `within` passes; returns whether done.
    async fn until(
        &mut self,
        within: Duration,
        done: impl Fn(&[(chrono::DateTime<Local>, MessageExt)]) -> bool,
    ) -> bool {
        let deadline = Instant::now() + within;
        while !done(&self.got) {
            if Instant::now() >= deadline {
                return false;
            }
            for m in self.consumer.poll_with_timeout(200).await {
                self.got.push((Local::now(), m));
            }
        }
        true
    }

    fn bodies(&self) -> Vec<String> {
        self.got
            .iter()
            .map(|(_, m)| {
                String::from_utf8_lossy(m.body().as_deref().unwrap_or_default()).into_owned()
            })
            .collect()
    }

    fn count(&self, body: &str) -> usize {
        self.bodies().iter().filter(|b| *b == body).count()
    }

    fn arrival(&self, body: &str) -> Option<chrono::DateTime<Local>> {
        self.got
            .iter()
            .find(|(_, m)| m.body().as_deref() == Some(body.as_bytes()))
            .map(|(t, _)| *t)
    }

    async fn stop(self) {
        self.consumer.shutdown().await;
        let _ = self.client.shutdown().await;
    }
}

fn has(body: &'static str) -> impl Fn(&[(chrono::DateTime<Local>, MessageExt)]) -> bool {
    move |got| {
        got.iter()
            .any(|(_, m)| m.body().as_deref() == Some(body.as_bytes()))
    }
}

fn typed(topic: &str, body: &str, kind: MessageType) -> Arc<Draft> {
    Arc::new(Draft {
        kind,
        ..draft(topic, body)
    })
}

/// Sends a warm-up message and reads it, so the consumer is known to work
/// before anything is judged by its absence.
async fn warm_up(
    handle: &producer::ProducerHandle,
    events: &mut tokio::sync::mpsc::Receiver<ProducerEvent>,
    reader: &mut Reader,
    topic: &str,
    seq: Seq,
) {
    send(
        handle,
        seq,
        Mode::Sync,
        typed(topic, "warm-up", MessageType::Normal),
    )
    .await;
    let seen = collect(events, Duration::from_secs(30), |s| completed(s, 1)).await;
    assert!(
        matches!(completions(&seen)[0].outcome, Outcome::Acknowledged(_)),
        "{seen:?}"
    );
    assert!(
        reader.until(Duration::from_secs(60), has("warm-up")).await,
        "consumer reads the warm-up message"
    );
}

#[test]
fn delayed_messages_are_hidden_until_their_time() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let topic = unique("delayed");
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), settings(&sb));
        let mut reader = Reader::start(&rt, &sb.namesrv_addr, &topic).await;
        warm_up(&handle, &mut events, &mut reader, &topic, 1).await;

        // Level 2 (5 s, the `DELAY` property) and a delivery time 3 s out
        // (`TIMER_DELIVER_MS`), then a normal message as a marker.
        send(
            &handle,
            2,
            Mode::Sync,
            typed(&topic, "level-2", MessageType::Delayed(Delay::Level(2))),
        )
        .await;
        send(
            &handle,
            3,
            Mode::Sync,
            typed(
                &topic,
                "in-3s",
                MessageType::Delayed(Delay::In(Duration::from_secs(3))),
            ),
        )
        .await;
        let seen = collect(&mut events, Duration::from_secs(30), |s| completed(s, 2)).await;
        send(
            &handle,
            4,
            Mode::Sync,
            typed(&topic, "marker", MessageType::Normal),
        )
        .await;
        let mut visible = HashMap::new();
        for c in completions(&seen) {
            assert!(matches!(c.outcome, Outcome::Acknowledged(_)), "{c:?}");
            let delay = if c.seq == 2 {
                Delay::Level(2)
            } else {
                Delay::In(Duration::from_secs(3))
            };
            visible.insert(
                if c.seq == 2 { "level-2" } else { "in-3s" },
                delay.visible_at(c.submitted_at),
            );
        }
        assert!(
            reader.until(Duration::from_secs(30), has("marker")).await,
            "marker read"
        );
        let marker_at = reader.arrival("marker").unwrap();
        for (body, at) in &visible {
            if marker_at < *at - chrono::Duration::seconds(1) {
                assert_eq!(reader.count(body), 0, "{body} read before its time ({at})");
            }
        }
        assert!(
            reader
                .until(Duration::from_secs(30), |g| has("level-2")(g)
                    && has("in-3s")(g))
                .await,
            "both delayed messages arrive: {:?}",
            reader.bodies()
        );
        for (body, at) in &visible {
            let arrived = reader.arrival(body).unwrap();
            println!("{body}: visible at {at}, read at {arrived}");
            // The timer wheel ticks once a second, so up to 1 s early.
            assert!(
                arrived >= *at - chrono::Duration::milliseconds(1100),
                "{body} read at {arrived}, visible at {at}"
            );
            assert!(
                arrived <= *at + chrono::Duration::seconds(10),
                "{body} late: {arrived} vs {at}"
            );
        }
        reader.stop().await;
        assert_clean_stop(&handle, &mut events).await;
    });
    rt.shutdown();
}

#[test]
fn transactions_commit_rollback_and_unknown_with_check_back() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let topic = unique("tx");
        let mut s = settings(&sb);
        // A transaction left unknown is committed at its check-back.
        s.transaction_check_default = TxChoice::Commit;
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), s);
        let mut reader = Reader::start(&rt, &sb.namesrv_addr, &topic).await;
        warm_up(&handle, &mut events, &mut reader, &topic, 1).await;

        let tx = |d: Option<TxChoice>| MessageType::Transaction { decide: d };
        send(
            &handle,
            2,
            Mode::Sync,
            typed(&topic, "commit", tx(Some(TxChoice::Commit))),
        )
        .await;
        send(
            &handle,
            3,
            Mode::Sync,
            typed(&topic, "rollback", tx(Some(TxChoice::Rollback))),
        )
        .await;
        send(
            &handle,
            4,
            Mode::Sync,
            typed(&topic, "unknown", tx(Some(TxChoice::Unknown))),
        )
        .await;
        // Decided by the operator once it is pending (policy "ask").
        send(&handle, 5, Mode::Sync, typed(&topic, "operator", tx(None))).await;
        let mut seen = collect(&mut events, Duration::from_secs(30), |s| {
            s.iter().any(|e| {
                matches!(
                    e,
                    ProducerEvent::Transaction(TxEvent::Pending { seq: 5, .. })
                )
            })
        })
        .await;
        assert!(
            !completions(&seen).iter().any(|c| c.seq == 5),
            "an undecided transaction has no outcome yet"
        );
        handle
            .submit(ProducerCommand::Decide {
                seq: 5,
                choice: TxChoice::Commit,
            })
            .await
            .unwrap();
        seen.extend(
            collect(&mut events, Duration::from_secs(30), |s| {
                completions(s).len() >= 4 - completions(&seen).len()
            })
            .await,
        );
        for c in completions(&seen) {
            let Outcome::Acknowledged(r) = &c.outcome else {
                panic!("half message stored: {c:?}")
            };
            assert_eq!(r.status, SendStatus::SendOk);
        }
        let decided: HashMap<Seq, (TxChoice, String)> = seen
            .iter()
            .filter_map(|e| match e {
                ProducerEvent::Transaction(TxEvent::Decided {
                    seq, choice, by, ..
                }) => Some((*seq, (*choice, by.clone()))),
                _ => None,
            })
            .collect();
        assert_eq!(decided[&2].0, TxChoice::Commit);
        assert_eq!(decided[&3].0, TxChoice::Rollback);
        assert_eq!(decided[&4].0, TxChoice::Unknown);
        assert_eq!(decided[&5], (TxChoice::Commit, "operator".to_string()));

        // The unknown one is committed by its check-back (after
        // transactionTimeout = 3 s on the sandbox).
        let check = collect(&mut events, Duration::from_secs(30), |s| {
            s.iter().any(|e| {
                matches!(
                    e,
                    ProducerEvent::Transaction(TxEvent::CheckBack { seq: Some(4), .. })
                )
            })
        })
        .await;
        let answer = check.iter().find_map(|e| match e {
            ProducerEvent::Transaction(TxEvent::CheckBack {
                seq: Some(4),
                answer,
                reason,
                ..
            }) => Some((*answer, reason.clone())),
            _ => None,
        });
        let (answer, reason) = answer.expect("the broker checked back on the unknown transaction");
        println!("check-back: {answer} ({reason})");
        assert_eq!(answer, TxChoice::Commit);
        assert!(reason.contains("transaction-check-default"), "{reason}");

        assert!(
            reader
                .until(Duration::from_secs(30), |g| has("commit")(g)
                    && has("unknown")(g)
                    && has("operator")(g))
                .await,
            "committed ones arrive: {:?}",
            reader.bodies()
        );
        // Long enough for more check rounds (1 s apart) to resurrect or
        // duplicate anything (the transactionTimeout trap).
        reader.until(Duration::from_secs(5), |_| false).await;
        assert_eq!(reader.count("commit"), 1, "committed exactly once");
        assert_eq!(
            reader.count("operator"),
            1,
            "operator's commit exactly once"
        );
        assert_eq!(
            reader.count("unknown"),
            1,
            "checked-back commit exactly once"
        );
        assert_eq!(reader.count("rollback"), 0, "rolled back: never consumed");
        reader.stop().await;
        assert_clean_stop(&handle, &mut events).await;
    });
    rt.shutdown();
}

#[test]
fn fifo_keys_keep_one_queue_and_send_order_and_a_batch_reads_back_intact() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let topic = unique("fifo");
        create_topic(&rt, &sb.namesrv_addr, &topic, 4, 1).await;
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), settings(&sb));
        // Three bursts at once, one per sharding key: 34 + 33 + 33 = 100.
        let keys = ["key-a", "key-b", "key-c"];
        let mut first = 1;
        for (i, key) in keys.iter().enumerate() {
            let count = if i == 0 { 34 } else { 33 };
            handle
                .submit(ProducerCommand::Burst(BurstSpec {
                    id: i as u64,
                    mode: Mode::Sync,
                    draft: typed(
                        &topic,
                        key,
                        MessageType::Fifo {
                            sharding_key: key.to_string(),
                        },
                    ),
                    count,
                    rate: None,
                    key_template: Some(format!("{key}-{{seq}}")),
                    expand_message: false,
                    first_seq: first,
                    verify: false,
                }))
                .await
                .unwrap();
            first += count;
        }
        let seen = collect(&mut events, Duration::from_secs(60), |s| completed(s, 100)).await;
        let mut queue_of: HashMap<String, i32> = HashMap::new();
        for c in completions(&seen) {
            let Outcome::Acknowledged(r) = &c.outcome else {
                panic!("{c:?}")
            };
            let key = keys[if c.seq <= 34 {
                0
            } else if c.seq <= 67 {
                1
            } else {
                2
            }];
            let q = *queue_of.entry(key.to_string()).or_insert(r.queue_id);
            assert_eq!(q, r.queue_id, "every {key} message in one queue");
        }
        assert_eq!(completions(&seen).len(), 100);
        println!("queues per key: {queue_of:?}");
        let stored = read_back(&rt, &sb.namesrv_addr, &topic, 100).await;
        assert_eq!(stored.len(), 100, "all 100 read back");
        for key in keys {
            let mut mine: Vec<&MessageExt> = stored
                .iter()
                .filter(|m| m.body().as_deref() == Some(key.as_bytes()))
                .collect();
            assert!(
                mine.iter().all(|m| m.queue_id() == queue_of[key]),
                "{key}: one queue"
            );
            mine.sort_by_key(|m| m.queue_offset());
            let seqs: Vec<u64> = mine
                .iter()
                .map(|m| {
                    let k = m.get_keys().unwrap().to_string();
                    k.rsplit('-').next().unwrap().parse().unwrap()
                })
                .collect();
            let mut sorted = seqs.clone();
            sorted.sort();
            assert_eq!(seqs, sorted, "{key}: stored in send order");
        }

        // A batch of 10: ten sequence numbers, ten receipts, one request.
        let batch_topic = unique("batch");
        send(
            &handle,
            1000,
            Mode::Sync,
            typed(&batch_topic, "batched ✓", MessageType::Batch { size: 10 }),
        )
        .await;
        let seen = collect(&mut events, Duration::from_secs(30), |s| completed(s, 10)).await;
        let done = completions(&seen);
        assert_eq!(
            done.iter().map(|c| c.seq).collect::<Vec<_>>(),
            (1000..1010).collect::<Vec<_>>()
        );
        let receipts: Vec<_> = done
            .iter()
            .map(|c| match &c.outcome {
                Outcome::Acknowledged(r) => r.clone(),
                other => panic!("batch message not acknowledged: {other:?}"),
            })
            .collect();
        for (i, r) in receipts.iter().enumerate() {
            assert_eq!(r.queue_id, receipts[0].queue_id, "one queue for the batch");
            assert_eq!(
                r.queue_offset,
                receipts[0].queue_offset + i as u64,
                "consecutive offsets"
            );
        }
        let stored = read_back(&rt, &sb.namesrv_addr, &batch_topic, 10).await;
        assert_eq!(stored.len(), 10, "ten messages read back");
        for r in &receipts {
            let m = stored
                .iter()
                // The offset msgId (store host + commit log offset) is each
                // message's own. The stored UNIQ_KEY is not: the 1.0 broker
                // stores the batch's own key on every message, so the
                // per-message msgIds the client reports are found nowhere.
                .find(|m| m.msg_id().as_str() == r.offset_msg_id)
                .unwrap_or_else(|| panic!("offset msgId {} not read back", r.offset_msg_id));
            assert_eq!(m.body().as_deref(), Some("batched ✓".as_bytes()));
            assert_eq!(m.get_tags().map(|t| t.to_string()).as_deref(), Some("TagA"));
            assert_eq!(
                m.queue_offset() as u64,
                r.queue_offset,
                "receipt offset is where it is stored"
            );
        }
        assert_clean_stop(&handle, &mut events).await;
    });
    rt.shutdown();

    // `bench --types`: the FIFO and batch rows after the comparison, as
    // JSON (one object per mode, then one per type), on the same sandbox.
    let home = tempfile::tempdir().unwrap();
    let out = binary(home.path())
        .args(["bench", "--namesrv", &sb.namesrv_addr, "--topic"])
        .arg(unique("bench"))
        .args(["--count", "64", "--modes", "sync", "--types", "fifo,batch"])
        .args(["--batch-size", "8", "--json", "--no-journal"])
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(rows.len(), 3, "{stdout}");
    assert_eq!(rows[0]["mode"], "sync", "{stdout}");
    for (row, kind) in rows[1..].iter().zip(["fifo", "batch"]) {
        assert_eq!(row["type"], kind, "{stdout}");
        // The batch row is 8 requests of 8: 64 messages either way.
        assert_eq!(row["sent"], 64, "{stdout}");
        assert_eq!(row["failed"], 0, "{stdout}");
        assert!(row["msgs_per_sec"].as_f64().unwrap() > 0.0, "{stdout}");
    }
}

#[test]
fn refused_combinations_send_nothing() {
    let home = tempfile::tempdir().unwrap();
    // Nothing listens here: a refused send must never get as far as trying.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--transaction", "commit", "--delay-level", "2"],
            "transactional message cannot be delayed",
        ),
        (
            &["--batch", "5", "--deliver-in", "90s"],
            "batch cannot be delayed",
        ),
        (&["--batch", "5", "--sharding-key", "k"], "FIFO batch"),
        (
            &["--delay-level", "19"],
            "--delay-level: delay level 19: levels are 1 to 18",
        ),
        (
            &["--deliver-at", "2020-01-01T00:00:00Z"],
            "is not in the future",
        ),
        (&["--deliver-in", "4d"], "beyond the broker's limit of 3d"),
        (
            &["--batch", "100000"],
            "--batch: a batch of 100000 is about",
        ),
    ];
    for (flags, want) in cases {
        let out = binary(home.path())
            .args(["send", "--namesrv", &addr, "--topic", "T", "--body", "x"])
            .args(*flags)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flags:?} refused");
        assert!(err.contains(want), "{flags:?}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{flags:?}: nothing sent: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            !err.contains("cannot reach"),
            "{flags:?} never tried the name server: {err}"
        );
    }
}
