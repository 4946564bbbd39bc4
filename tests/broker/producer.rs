//! The producer task against a real name server and broker: what was sent
//! is read back with a consumer and compared field by field.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cheetah_string::CheetahString;
use rmq_engine::producer::{
    self, BurstSpec, Credentials, ProducerCommand, ProducerEvent, ProducerSettings,
};
use rmq_engine::runtime::Runtime;
use rmq_model::message::{Mode, Outcome, SendStatus, Seq};
use rmq_sandbox::{AclUser, SandboxOptions};
use rocketmq_model::common::message::MessageTrait;

use crate::common::*;

#[test]
fn sync_and_async_sends_arrive_intact() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let topic = unique("topic");
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), settings(&sb));
        let sync_draft = Arc::new(draft(&topic, "sync: héllo wörld 你好 🚀"));
        let async_draft = Arc::new(draft(&topic, "async: здравствуй мир ✓"));
        send(&handle, 1, Mode::Sync, sync_draft.clone()).await;
        send(&handle, 2, Mode::Async, async_draft.clone()).await;
        let seen = collect(&mut events, Duration::from_secs(30), |s| completed(s, 2)).await;
        let done = completions(&seen);
        assert_eq!(done.len(), 2, "both sends complete: {seen:?}");
        let mut ids = HashMap::new();
        for c in &done {
            let Outcome::Acknowledged(r) = &c.outcome else {
                panic!("not acknowledged: {c:?}")
            };
            assert_eq!(r.status, SendStatus::SendOk);
            assert!(!r.msg_id.is_empty() && !r.offset_msg_id.is_empty());
            assert_eq!(r.broker, "broker-a");
            ids.insert(c.seq, r.msg_id.clone());
        }
        // The async send was reported twice: submitted, then called back.
        let submitted_async = seen.iter().any(|e| {
            matches!(
                e,
                ProducerEvent::Submitted {
                    seq: 2,
                    mode: Mode::Async,
                    ..
                }
            )
        });
        assert!(submitted_async, "async submit moment reported");
        let stored = read_back(&rt, &sb.namesrv_addr, &topic, 2).await;
        assert_eq!(stored.len(), 2, "both messages stored and read back");
        for (seq, d) in [(1 as Seq, &sync_draft), (2, &async_draft)] {
            let m = stored
                .iter()
                .find(|m| m.body().as_deref() == Some(&d.body[..]))
                .unwrap_or_else(|| panic!("message {seq} not read back"));
            assert_eq!(m.topic().as_str(), topic);
            assert_eq!(m.get_tags().map(|t| t.to_string()).as_deref(), Some("TagA"));
            assert_eq!(
                m.get_keys().map(|k| k.to_string()).as_deref(),
                Some("order-1 user-42")
            );
            assert_eq!(
                m.get_user_property(CheetahString::from("region"))
                    .map(|v| v.to_string())
                    .as_deref(),
                Some("eu-west")
            );
            assert_eq!(
                m.get_user_property(CheetahString::from("note"))
                    .map(|v| v.to_string())
                    .as_deref(),
                Some("ünïcödé")
            );
            assert_eq!(
                m.get_property(&CheetahString::from("UNIQ_KEY"))
                    .map(|v| v.to_string()),
                Some(ids[&seq].to_string()),
                "msgId in the receipt is the stored message's unique key"
            );
        }
        assert_clean_stop(&handle, &mut events).await;
    });
    rt.shutdown();
}

#[test]
fn oneway_burst_lands_in_full_when_paced() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    let s = settings(&sb);
    let topic = unique("oneway");
    let report = rt
        .block_on(
            rmq_console::headless::BurstRun {
                rate: Some(1000),
                key_template: Some("ow-{seq}".into()),
                linger: Duration::from_millis(500),
                verify: true,
                ..rmq_console::headless::BurstRun::new(
                    draft(&topic, "one-way payload"),
                    Mode::Oneway,
                    200,
                )
            }
            .run(
                &rt,
                &s,
                &mut rmq_console::signals::Signals::none(),
                |_, _, _| {},
            ),
        )
        .expect("burst runs");
    assert_eq!(
        report.counts().dispatched,
        200,
        "every one-way send was dispatched"
    );
    assert_eq!(
        report.landed,
        Some(Ok(200)),
        "queue max offsets grew by the burst"
    );
    rt.shutdown();
}

#[test]
fn acl_wrong_secret_fails_clearly_and_right_secret_succeeds() {
    let sb = start_sandbox(SandboxOptions {
        acl: Some(AclUser {
            access_key: "rmqadmin".into(),
            secret_key: "s3cret-key".into(),
        }),
        ..Default::default()
    });
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let topic = unique("acl");
        let mut results = BTreeMap::new();
        for (label, secret) in [("wrong", "not-the-secret"), ("right", "s3cret-key")] {
            let mut s = settings(&sb);
            s.retry_times_sync = 0;
            s.credentials = Some(Credentials {
                access_key: "rmqadmin".into(),
                secret_key: secret.into(),
                security_token: None,
            });
            let (handle, mut events, _join) = producer::spawn(rt.context("producer"), s);
            send(&handle, 1, Mode::Sync, Arc::new(draft(&topic, label))).await;
            let seen = collect(&mut events, Duration::from_secs(30), |s| completed(s, 1)).await;
            results.insert(label, completions(&seen)[0].outcome.clone());
            shutdown(&handle, &mut events).await;
        }
        match &results["wrong"] {
            Outcome::Failed(f) => {
                println!("wrong secret: {f:?}");
                assert!(
                    f.reason.contains("authentication failed"),
                    "clear message: {}",
                    f.reason
                );
                assert!(!f.reason.contains("not-the-secret"), "secret never shown");
            }
            other => panic!("wrong secret must fail, got {other:?}"),
        }
        assert!(
            matches!(results["right"], Outcome::Acknowledged(_)),
            "right secret: {:?}",
            results["right"]
        );
    });
    rt.shutdown();
}

#[test]
fn unreachable_name_server_fails_within_the_timeout() {
    // A port nobody listens on, on loopback.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut s = ProducerSettings::new(format!("127.0.0.1:{port}"));
        s.send_timeout = Duration::from_millis(1500);
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), s);
        let d = Arc::new(draft("unreachable", "x"));
        let started = Instant::now();
        send(&handle, 1, Mode::Sync, d.clone()).await;
        send(&handle, 2, Mode::Async, d).await;
        let seen = collect(&mut events, Duration::from_secs(20), |s| completed(s, 2)).await;
        let elapsed = started.elapsed();
        let done = completions(&seen);
        assert_eq!(done.len(), 2, "both sends end: {seen:?}");
        for c in &done {
            let Outcome::Failed(f) = &c.outcome else {
                panic!("must fail: {c:?}")
            };
            println!("unreachable {}: {f:?} after {:?}", c.mode, c.latency);
            assert!(!f.reason.is_empty());
        }
        // Bounded by the timeout (plus scheduling slack), never a hang.
        assert!(
            elapsed < Duration::from_millis(1500 + 3000),
            "took {elapsed:?}"
        );
        assert_clean_stop(&handle, &mut events).await;
    });
    rt.shutdown();
}

#[test]
fn shutdown_accounts_for_every_async_send_in_flight() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut s = settings(&sb);
        s.async_inflight = 4;
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), s);
        let count = 300;
        handle
            .submit(ProducerCommand::Burst(BurstSpec {
                id: 7,
                mode: Mode::Async,
                draft: Arc::new(draft(&unique("inflight"), "in flight at shutdown")),
                count,
                rate: None,
                key_template: Some("k-{seq}".into()),
                expand_message: false,
                first_seq: 1000,
                verify: false,
            }))
            .await
            .unwrap();
        // Shut down as soon as a few have been submitted.
        let mut seen = collect(&mut events, Duration::from_secs(30), |s| {
            s.iter()
                .filter(|e| matches!(e, ProducerEvent::Submitted { .. }))
                .count()
                >= 8
        })
        .await;
        handle
            .submit(ProducerCommand::Shutdown {
                grace: Duration::ZERO,
            })
            .await
            .unwrap();
        seen.extend(
            collect(&mut events, Duration::from_secs(30), |s| {
                s.iter().any(|e| matches!(e, ProducerEvent::Stopped { .. }))
            })
            .await,
        );
        // A window of 4 makes most sends wait for a slot; a burst reports
        // only waits past 20 ms as `Queued` (the task's unit tests), so on a
        // flowing broker there may be none to count here.
        let submitted: Vec<Seq> = seen
            .iter()
            .filter_map(|e| match e {
                ProducerEvent::Submitted { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect();
        let mut outcomes: HashMap<Seq, usize> = HashMap::new();
        for c in completions(&seen) {
            *outcomes.entry(c.seq).or_default() += 1;
        }
        for seq in &submitted {
            assert_eq!(outcomes.get(seq), Some(&1), "seq {seq} ends exactly once");
        }
        let finished = seen.iter().find_map(|e| match e {
            ProducerEvent::BurstFinished {
                submitted,
                cancelled,
                ..
            } => Some((*submitted, *cancelled)),
            _ => None,
        });
        let (burst_submitted, cancelled) = finished.expect("burst reports how far it got");
        assert!(
            cancelled && burst_submitted < count,
            "shutdown stopped the burst early"
        );
        assert_eq!(
            outcomes.len() as u64,
            burst_submitted,
            "every sequence number the burst used has an outcome"
        );
        let Some(ProducerEvent::Stopped { unresolved }) = seen.last() else {
            panic!("stopped last")
        };
        let unresolved_outcomes = completions(&seen)
            .iter()
            .filter(|c| c.outcome == Outcome::Unresolved)
            .count();
        assert_eq!(
            unresolved.len(),
            unresolved_outcomes,
            "unresolved ones are reported as such"
        );
    });
    rt.shutdown();
}

#[test]
fn sandbox_stop_removes_its_store() {
    let sb = start_sandbox(SandboxOptions::default());
    let dir = sb.dir().to_path_buf();
    assert!(dir.join("broker.toml").is_file());
    sb.stop();
    assert!(!dir.exists(), "store {} removed", dir.display());
}
