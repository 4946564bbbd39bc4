//! The write-ahead on the client double: each send's `submitted` record is
//! written before the client sees the send, a burst writes ahead in chunks,
//! and what a stopped burst wrote ahead and never sent is withdrawn.

use std::collections::BTreeSet;
use std::sync::Mutex;

use rmq_model::ahead::{Ahead, AheadDone, WriteAhead};

use super::tests::{Seen, burst, send, settings, shutdown};
use super::*;
use crate::producer::double::{Act, Double};

/// What happened, in order: records written ahead, withdrawn, and sends
/// the client was handed (by the draft's first key).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Ahead(Vec<Seq>),
    Withdrawn(Vec<Seq>),
    Sent(String),
}

#[derive(Default)]
struct Log(Mutex<Vec<Step>>);

impl Log {
    fn push(&self, s: Step) {
        self.0.lock().unwrap().push(s);
    }

    fn steps(&self) -> Vec<Step> {
        self.0.lock().unwrap().clone()
    }
}

struct Recorder(Arc<Log>);

impl WriteAhead for Recorder {
    fn submitted(&self, sends: Vec<Ahead>, done: AheadDone) {
        self.0
            .push(Step::Ahead(sends.iter().map(|a| a.seq).collect()));
        done(Ok(()));
    }

    fn withdrawn(&self, sends: Vec<Ahead>) {
        self.0
            .push(Step::Withdrawn(sends.iter().map(|a| a.seq).collect()));
    }
}

fn with_log() -> (ProducerSettings, Arc<Log>, Double) {
    let log = Arc::new(Log::default());
    let mut s = settings();
    s.write_ahead = Some(Arc::new(Recorder(log.clone())));
    let sent = log.clone();
    let double = Double::new(move |d| {
        sent.push(Step::Sent(d.first_key().unwrap_or_default().to_string()));
        Act::Ack
    });
    (s, log, double)
}

/// Checks that each send the client saw (its seq read off its key) had its
/// record written before; returns how many were sent.
fn written_before_sent(steps: &[Step], key_seq: impl Fn(&str) -> Option<Seq>) -> usize {
    let mut ahead = BTreeSet::new();
    let mut sent = 0;
    for s in steps {
        match s {
            Step::Ahead(seqs) => ahead.extend(seqs.iter().copied()),
            Step::Withdrawn(_) => {}
            Step::Sent(key) => {
                let seq = key_seq(key).unwrap_or_else(|| panic!("key {key}"));
                assert!(
                    ahead.contains(&seq),
                    "#{seq} reached the client before its record: {steps:?}"
                );
                sent += 1;
            }
        }
    }
    sent
}

#[tokio::test]
async fn every_send_is_written_ahead_before_the_client_sees_it() {
    let (s, log, double) = with_log();
    let (handle, mut rx, _join) = spawn_double(s, double);
    let mut seen = Seen::new();
    // Single sends carry their seq in the key here.
    for (seq, mode) in [(1, Mode::Sync), (2, Mode::Async), (3, Mode::Oneway)] {
        handle
            .submit(send(seq, mode, &format!("k{seq}")))
            .await
            .unwrap();
    }
    for seq in 1..=3 {
        if seen.outcomes(seq).is_empty() {
            seen.outcome_of(&mut rx, seq).await;
        }
    }
    // A burst of 300: two chunks (256, 44), each written before its sends.
    handle.submit(burst(1, Mode::Async, 300, 10)).await.unwrap();
    seen.until(&mut rx, "BurstFinished", |e| {
        matches!(e, ProducerEvent::BurstFinished { .. })
    })
    .await;
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    let steps = log.steps();
    let parse = |k: &str| k.strip_prefix('k').and_then(|n| n.parse().ok());
    assert_eq!(written_before_sent(&steps, parse), 303);
    let chunks: Vec<usize> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Ahead(seqs) if seqs.len() > 1 => Some(seqs.len()),
            _ => None,
        })
        .collect();
    assert_eq!(chunks, [256, 44], "a burst writes ahead in chunks");
    assert!(!steps.iter().any(|s| matches!(s, Step::Withdrawn(_))));
}

#[tokio::test]
async fn a_cancelled_burst_withdraws_what_it_wrote_ahead_and_never_sent() {
    let (s, log, double) = with_log();
    let (handle, mut rx, _join) = spawn_double(s, double);
    let mut seen = Seen::new();
    let mut spec = match burst(3, Mode::Sync, 1_000_000, 1) {
        ProducerCommand::Burst(spec) => spec,
        _ => unreachable!(),
    };
    // Paced: a tenth of a second ahead, 100 sends.
    spec.rate = Some(1000);
    handle.submit(ProducerCommand::Burst(spec)).await.unwrap();
    seen.outcome_of(&mut rx, 2).await;
    handle
        .submit(ProducerCommand::CancelBurst { id: 3 })
        .await
        .unwrap();
    seen.until(&mut rx, "BurstFinished", |e| {
        matches!(e, ProducerEvent::BurstFinished { .. })
    })
    .await;
    let [(used, true)] = seen.burst_finished(3)[..] else {
        panic!("{:?}", seen.burst_finished(3));
    };
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    let steps = log.steps();
    let (mut ahead, mut withdrawn) = (BTreeSet::new(), BTreeSet::new());
    for s in &steps {
        match s {
            Step::Ahead(seqs) => {
                assert!(seqs.len() <= 100, "at most a tenth of a second ahead");
                ahead.extend(seqs.iter().copied());
            }
            Step::Withdrawn(seqs) => withdrawn.extend(seqs.iter().copied()),
            Step::Sent(_) => {}
        }
    }
    let sent: BTreeSet<Seq> = (1..=used).collect();
    assert!(sent.is_subset(&ahead), "every send written ahead");
    let never: BTreeSet<Seq> = ahead.difference(&sent).copied().collect();
    assert!(!never.is_empty(), "the cancel came mid chunk");
    assert_eq!(withdrawn, never, "exactly the unsent ones withdrawn");
}

/// The times of each write-ahead call's records.
struct Times(Arc<Mutex<Vec<Vec<chrono::DateTime<chrono::Local>>>>>);

impl WriteAhead for Times {
    fn submitted(&self, sends: Vec<Ahead>, done: AheadDone) {
        self.0
            .lock()
            .unwrap()
            .push(sends.iter().map(|a| a.at).collect());
        done(Ok(()));
    }

    fn withdrawn(&self, _sends: Vec<Ahead>) {}
}

/// A chunk's records are written at once, so they carry one time: one clock
/// reading per chunk, not one per send (docs/performance.md).
#[tokio::test]
async fn a_chunk_written_ahead_carries_one_time() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let mut s = settings();
    s.write_ahead = Some(Arc::new(Times(times.clone())));
    let (handle, mut rx, _join) = spawn_double(s, Double::new(|_| Act::Ack));
    let mut seen = Seen::new();
    handle.submit(burst(1, Mode::Sync, 300, 1)).await.unwrap();
    seen.until(&mut rx, "BurstFinished", |e| {
        matches!(e, ProducerEvent::BurstFinished { .. })
    })
    .await;
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    let calls = times.lock().unwrap().clone();
    let sizes: Vec<usize> = calls.iter().map(Vec::len).collect();
    assert_eq!(sizes, [256, 44]);
    for call in &calls {
        assert!(call.iter().all(|t| *t == call[0]), "one time per chunk");
    }
    assert!(calls[0][0] <= calls[1][0]);
}
