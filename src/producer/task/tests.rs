//! The producer task's accounting paths on the client double: every sequence
//! number ends in exactly one outcome, whatever goes wrong.

use std::time::Duration;

use super::*;
use crate::ledger::Ledger;
use crate::producer::double::{Act, Double};

/// Long enough for a loaded machine, short enough that a lost outcome fails
/// the test instead of hanging it.
const DEADLINE: Duration = Duration::from_secs(5);

fn settings() -> ProducerSettings {
    let mut s = ProducerSettings::new("127.0.0.1:9");
    s.send_timeout = Duration::from_millis(200);
    s
}

fn draft(key: &str) -> Arc<Draft> {
    Arc::new(Draft {
        topic: "T".into(),
        keys: vec![key.into()],
        body: b"x".to_vec(),
        ..Draft::default()
    })
}

/// The double's script: keyed on the draft's first key.
fn by_key(table: &'static [(&'static str, Act)]) -> Double {
    Double::new(move |d| {
        table
            .iter()
            .find(|(k, _)| Some(*k) == d.first_key())
            .map_or(Act::Ack, |(_, act)| *act)
    })
}

fn send(seq: Seq, mode: Mode, key: &str) -> ProducerCommand {
    ProducerCommand::Send {
        seq,
        mode,
        draft: draft(key),
    }
}

fn burst(id: u64, mode: Mode, count: u64, first_seq: Seq) -> ProducerCommand {
    ProducerCommand::Burst(BurstSpec {
        id,
        mode,
        draft: draft("burst"),
        count,
        rate: None,
        key_template: Some("k{seq}".into()),
        first_seq,
        verify: false,
    })
}

/// Every event, folded into a ledger as the console and headless do.
struct Seen {
    events: Vec<ProducerEvent>,
    ledger: Ledger,
}

impl Seen {
    fn new() -> Self {
        Self {
            events: Vec::new(),
            ledger: Ledger::new(),
        }
    }

    /// Reads events until `stop` says so; fails the test at the deadline.
    async fn until(
        &mut self,
        rx: &mut mpsc::Receiver<ProducerEvent>,
        what: &str,
        stop: impl Fn(&ProducerEvent) -> bool,
    ) {
        let wait = async {
            while let Some(e) = rx.recv().await {
                let _ = self.ledger.apply(&e);
                let done = stop(&e);
                self.events.push(e);
                if done {
                    return;
                }
            }
            panic!("the event channel closed before {what}");
        };
        if tokio::time::timeout(DEADLINE, wait).await.is_err() {
            panic!("no {what} within {DEADLINE:?}; saw {:#?}", self.events);
        }
    }

    async fn outcome_of(&mut self, rx: &mut mpsc::Receiver<ProducerEvent>, seq: Seq) {
        self.until(
            rx,
            &format!("outcome for #{seq}"),
            |e| matches!(e, ProducerEvent::Completed(c) if c.seq == seq),
        )
        .await;
    }

    async fn stopped(&mut self, rx: &mut mpsc::Receiver<ProducerEvent>) {
        self.until(rx, "Stopped", |e| {
            matches!(e, ProducerEvent::Stopped { .. })
        })
        .await;
    }

    fn outcomes(&self, seq: Seq) -> Vec<&Outcome> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ProducerEvent::Completed(c) if c.seq == seq => Some(&c.outcome),
                _ => None,
            })
            .collect()
    }

    fn failure(&self, seq: Seq) -> String {
        match self.outcomes(seq).as_slice() {
            [Outcome::Failed(f)] => f.reason.clone(),
            other => panic!("#{seq}: expected one failure, got {other:?}"),
        }
    }

    fn burst_finished(&self, id: u64) -> Vec<(u64, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ProducerEvent::BurstFinished {
                    id: i,
                    submitted,
                    cancelled,
                } if *i == id => Some((*submitted, *cancelled)),
                _ => None,
            })
            .collect()
    }
}

async fn shutdown(handle: &ProducerHandle) {
    handle
        .submit(ProducerCommand::Shutdown {
            grace: Duration::from_millis(100),
        })
        .await
        .expect("task running");
}

#[tokio::test]
async fn every_mode_ends_each_send_once_on_the_double() {
    let double = by_key(&[("bad", Act::Fail("broker said no"))]);
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let mut seen = Seen::new();
    handle.submit(send(1, Mode::Sync, "k")).await.unwrap();
    handle.submit(send(2, Mode::Async, "k")).await.unwrap();
    handle.submit(send(3, Mode::Oneway, "k")).await.unwrap();
    handle.submit(send(4, Mode::Sync, "bad")).await.unwrap();
    handle.submit(burst(1, Mode::Async, 5, 10)).await.unwrap();
    seen.until(&mut rx, "BurstFinished", |e| {
        matches!(e, ProducerEvent::BurstFinished { .. })
    })
    .await;
    for seq in [1, 2, 3, 4, 10, 11, 12, 13, 14] {
        if seen.outcomes(seq).is_empty() {
            seen.outcome_of(&mut rx, seq).await;
        }
    }
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert!(matches!(seen.outcomes(1)[..], [Outcome::Acknowledged(_)]));
    assert_eq!(seen.outcomes(3), [&Outcome::Dispatched]);
    assert_eq!(seen.failure(4), "broker said no");
    assert_eq!(seen.burst_finished(1), [(5, false)]);
    assert_eq!(seen.ledger.counts(Mode::Async).ok, 6);
    assert_eq!(seen.ledger.open_total(), 0);
    assert_eq!(seen.ledger.refused(), 0);
    assert_eq!(
        seen.events.last(),
        Some(&ProducerEvent::Stopped { unresolved: vec![] })
    );
}

#[tokio::test]
async fn a_send_without_an_answer_is_unresolved_at_shutdown() {
    let (handle, mut rx, _join) = spawn_double(settings(), Double::new(|_| Act::Hang));
    let mut seen = Seen::new();
    handle.submit(send(1, Mode::Sync, "k")).await.unwrap();
    handle.submit(send(2, Mode::Async, "k")).await.unwrap();
    seen.until(&mut rx, "Submitted #2", |e| {
        matches!(e, ProducerEvent::Submitted { seq: 2, .. })
    })
    .await;
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert_eq!(seen.outcomes(1), [&Outcome::Unresolved]);
    assert_eq!(seen.outcomes(2), [&Outcome::Unresolved]);
    assert_eq!(
        seen.events.last(),
        Some(&ProducerEvent::Stopped {
            unresolved: vec![(1, Mode::Sync), (2, Mode::Async)]
        })
    );
    assert_eq!(seen.ledger.counts(Mode::Sync).unresolved, 1);
    assert_eq!(seen.ledger.counts(Mode::Async).unresolved, 1);
}
