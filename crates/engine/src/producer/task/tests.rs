//! The producer task's accounting paths on the client double: every sequence
//! number ends in exactly one outcome, whatever goes wrong.

use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::ledger::Ledger;
use crate::producer::BurstSpec;
use crate::producer::double::{Act, Double};

/// Long enough for a loaded machine, short enough that a lost outcome fails
/// the test instead of hanging it.
const DEADLINE: Duration = Duration::from_secs(5);

pub(super) fn settings() -> ProducerSettings {
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

pub(super) fn send(seq: Seq, mode: Mode, key: &str) -> ProducerCommand {
    ProducerCommand::Send {
        seq,
        mode,
        draft: draft(key),
    }
}

pub(super) fn burst(id: u64, mode: Mode, count: u64, first_seq: Seq) -> ProducerCommand {
    ProducerCommand::Burst(BurstSpec {
        id,
        mode,
        draft: draft("burst"),
        count,
        rate: None,
        key_template: Some("k{seq}".into()),
        expand_message: false,
        first_seq,
        verify: false,
    })
}

/// Every event, folded into a ledger as the console and headless do.
pub(super) struct Seen {
    pub(super) events: Vec<ProducerEvent>,
    pub(super) ledger: Ledger,
}

impl Seen {
    pub(super) fn new() -> Self {
        Self {
            events: Vec::new(),
            ledger: Ledger::new(),
        }
    }

    /// Reads events until `stop` says so; fails the test at the deadline.
    pub(super) async fn until(
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

    pub(super) async fn outcome_of(&mut self, rx: &mut mpsc::Receiver<ProducerEvent>, seq: Seq) {
        self.until(
            rx,
            &format!("outcome for #{seq}"),
            |e| matches!(e, ProducerEvent::Completed(c) if c.seq == seq),
        )
        .await;
    }

    /// Reads until `n` outcomes have been seen in all.
    async fn ended(&mut self, rx: &mut mpsc::Receiver<ProducerEvent>, n: usize) {
        let completed = |e: &ProducerEvent| matches!(e, ProducerEvent::Completed(_));
        let seen = std::cell::Cell::new(self.events.iter().filter(|e| completed(e)).count());
        if seen.get() >= n {
            return;
        }
        self.until(rx, &format!("{n} outcomes"), |e| {
            seen.set(seen.get() + usize::from(completed(e)));
            seen.get() >= n
        })
        .await;
    }

    pub(super) async fn stopped(&mut self, rx: &mut mpsc::Receiver<ProducerEvent>) {
        self.until(rx, "Stopped", |e| {
            matches!(e, ProducerEvent::Stopped { .. })
        })
        .await;
    }

    pub(super) fn outcomes(&self, seq: Seq) -> Vec<&Outcome> {
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
            other => panic!(
                "#{seq}: expected one failure, got {other:?}; {:#?}",
                self.events
            ),
        }
    }

    pub(super) fn burst_finished(&self, id: u64) -> Vec<(u64, bool)> {
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

/// Waits (reading nothing) until the event channel has fewer than two
/// places: a single sync send reserves two before it is sent (its
/// `Submitted` and its outcome), an outcome one or two.
async fn until_full(rx: &mpsc::Receiver<ProducerEvent>) {
    let start = tokio::time::Instant::now();
    while rx.capacity() >= 2 {
        assert!(start.elapsed() < DEADLINE, "the channel never filled");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub(super) async fn shutdown(handle: &ProducerHandle) {
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

#[tokio::test]
async fn a_panic_in_a_sync_send_ends_it_failed_with_the_panic_text() {
    let double = by_key(&[("boom", Act::Panic("client exploded"))]);
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let mut seen = Seen::new();
    handle.submit(send(1, Mode::Sync, "boom")).await.unwrap();
    seen.outcome_of(&mut rx, 1).await;
    handle.submit(send(2, Mode::Oneway, "fine")).await.unwrap();
    seen.outcome_of(&mut rx, 2).await;
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    let why = seen.failure(1);
    assert!(why.contains("client exploded"), "{why}");
    assert_eq!(seen.outcomes(2), [&Outcome::Dispatched]);
    assert_eq!(seen.ledger.counts(Mode::Sync).failed, 1);
    assert_eq!(seen.ledger.refused(), 0, "one outcome per send");
}

#[tokio::test]
async fn a_panic_in_an_async_send_ends_it_and_the_lane_keeps_going() {
    let double = by_key(&[("boom", Act::Panic("callback setup exploded"))]);
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let mut seen = Seen::new();
    handle.submit(send(1, Mode::Async, "boom")).await.unwrap();
    seen.outcome_of(&mut rx, 1).await;
    handle.submit(send(2, Mode::Async, "fine")).await.unwrap();
    seen.outcome_of(&mut rx, 2).await;
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert!(seen.failure(1).contains("callback setup exploded"));
    assert!(matches!(seen.outcomes(2)[..], [Outcome::Acknowledged(_)]));
    let queued_2 = seen
        .events
        .iter()
        .any(|e| matches!(e, ProducerEvent::Queued { seq: 2, .. }));
    assert!(!queued_2, "the lane is empty again, so #2 does not wait");
    assert_eq!(seen.ledger.refused(), 0);
}

#[tokio::test]
async fn a_panic_in_a_burst_ends_its_send_and_finishes_the_burst() {
    let double = by_key(&[("k2", Act::Panic("burst send exploded"))]);
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let mut seen = Seen::new();
    handle.submit(burst(7, Mode::Sync, 3, 1)).await.unwrap();
    seen.until(&mut rx, "BurstFinished", |e| {
        matches!(e, ProducerEvent::BurstFinished { .. })
    })
    .await;
    seen.outcome_of(&mut rx, 2).await;
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert!(matches!(seen.outcomes(1)[..], [Outcome::Acknowledged(_)]));
    assert!(seen.failure(2).contains("burst send exploded"));
    assert!(seen.outcomes(3).is_empty(), "#3 was never used");
    assert_eq!(seen.burst_finished(7), [(2, true)]);
    let c = seen.ledger.counts(Mode::Sync);
    assert_eq!((c.ok, c.failed, c.open()), (1, 1, 0));
}

/// A batch of 3 whose send panics: each of its sequence numbers ends
/// failed with the panic, none stays in flight. On main only the first
/// ended; #11 and #12 stayed open until shutdown reported them unresolved.
/// The same in a burst of batches.
#[tokio::test]
async fn a_batch_whose_send_panics_ends_all_its_members() {
    use rmq_model::types::MessageType;
    let double = by_key(&[("boom", Act::Panic("batch exploded"))]);
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let mut seen = Seen::new();
    handle
        .submit(ProducerCommand::Send {
            seq: 10,
            mode: Mode::Sync,
            draft: typed("boom", MessageType::Batch { size: 3 }),
        })
        .await
        .unwrap();
    for seq in 10..13 {
        seen.outcome_of(&mut rx, seq).await;
        assert!(seen.failure(seq).contains("batch exploded"), "#{seq}");
    }
    let c = seen.ledger.counts(Mode::Sync);
    assert_eq!((c.failed, c.open()), (3, 0));
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert_eq!(seen.ledger.counts(Mode::Sync).unresolved, 0);
    assert_eq!(seen.ledger.refused(), 0, "one outcome per send");

    // A burst of two batches of 2 (#1-2, #3-4), the second panicking.
    let double = by_key(&[("k3", Act::Panic("burst batch exploded"))]);
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let mut seen = Seen::new();
    let ProducerCommand::Burst(mut spec) = burst(5, Mode::Sync, 2, 1) else {
        unreachable!()
    };
    spec.draft = typed("burst", MessageType::Batch { size: 2 });
    handle.submit(ProducerCommand::Burst(spec)).await.unwrap();
    for seq in 1..5 {
        seen.outcome_of(&mut rx, seq).await;
    }
    assert!(matches!(seen.outcomes(2)[..], [Outcome::Acknowledged(_)]));
    for seq in [3, 4] {
        assert!(seen.failure(seq).contains("burst batch exploded"), "#{seq}");
    }
    let c = seen.ledger.counts(Mode::Sync);
    assert_eq!((c.ok, c.failed, c.open()), (2, 2, 0));
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
}

#[tokio::test]
async fn a_send_into_a_closed_lane_fails_and_leaves_the_queue() {
    let (events, _events_rx) = mpsc::channel(16);
    let (done, mut done_rx) = mpsc::unbounded_channel();
    let shared = Shared::new(
        Some(Sender::Double(by_key(&[]))),
        None,
        None,
        &settings(),
        events,
        done,
        None,
        mpsc::unbounded_channel().0,
    );
    let (lane, lane_rx) = mpsc::unbounded_channel();
    drop(lane_rx);
    enqueue_async(&shared, &lane, 1, draft("k")).await;
    enqueue_async(&shared, &lane, 2, draft("k")).await;
    assert_eq!(
        shared.lane_depth.load(Ordering::SeqCst),
        0,
        "no phantom queue"
    );
    for seq in [1, 2] {
        let c = done_rx.try_recv().expect("the send ended");
        assert_eq!((c.seq, c.mode), (seq, Mode::Async));
        match c.outcome {
            Outcome::Failed(f) => assert!(f.reason.contains("async lane"), "{}", f.reason),
            other => panic!("#{seq}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_huge_async_inflight_is_bounded_instead_of_panicking() {
    let mut s = settings();
    s.async_inflight = usize::MAX;
    let (handle, mut rx, _join) = spawn_double(s, by_key(&[]));
    let mut seen = Seen::new();
    for seq in 1..=3 {
        handle.submit(send(seq, Mode::Async, "k")).await.unwrap();
    }
    for seq in 1..=3 {
        seen.outcome_of(&mut rx, seq).await;
    }
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert_eq!(seen.ledger.counts(Mode::Async).ok, 3);
}

#[tokio::test]
async fn bursts_still_queued_at_shutdown_are_finished_unsent() {
    let (handle, mut rx, _join) = spawn_double(settings(), by_key(&[]));
    // Both wait in the channel: the task has not run yet.
    handle
        .try_submit(ProducerCommand::Shutdown {
            grace: Duration::from_millis(100),
        })
        .unwrap();
    handle.try_submit(burst(9, Mode::Async, 5, 1)).unwrap();
    handle.try_submit(send(6, Mode::Sync, "late")).unwrap();
    let mut seen = Seen::new();
    seen.stopped(&mut rx).await;
    assert_eq!(seen.burst_finished(9), [(0, true)], "{:#?}", seen.events);
    assert!(seen.failure(6).contains("shutting down"));
    assert_eq!(seen.ledger.open_total(), 0);
}

#[tokio::test]
async fn a_burst_aborted_at_shutdown_still_reports_its_finish() {
    let double = Double::new(|_| Act::Hang);
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let mut seen = Seen::new();
    handle.submit(burst(4, Mode::Sync, 3, 1)).await.unwrap();
    seen.until(&mut rx, "Submitted #1", |e| {
        matches!(e, ProducerEvent::Submitted { seq: 1, .. })
    })
    .await;
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert_eq!(seen.burst_finished(4), [(1, true)], "{:#?}", seen.events);
    assert_eq!(seen.outcomes(1), [&Outcome::Unresolved]);
    let stopped = seen.events.last().unwrap();
    assert_eq!(
        stopped,
        &ProducerEvent::Stopped {
            unresolved: vec![(1, Mode::Sync)]
        }
    );
    assert_eq!(seen.ledger.counts(Mode::Sync).unresolved, 1);
    assert_eq!(seen.ledger.open_total(), 0);
}

#[tokio::test]
async fn async_sends_queued_for_the_window_at_shutdown_end_not_sent() {
    // The window opens past one slot only after a first acknowledgement,
    // which never comes: #2 and #3 wait in the lane.
    let (handle, mut rx, _join) = spawn_double(settings(), Double::new(|_| Act::Hang));
    let mut seen = Seen::new();
    for seq in 1..=3 {
        handle.submit(send(seq, Mode::Async, "k")).await.unwrap();
    }
    seen.until(&mut rx, "Queued #3", |e| {
        matches!(e, ProducerEvent::Queued { seq: 3, .. })
    })
    .await;
    assert_eq!(seen.ledger.counts(Mode::Async).queued, 2);
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert_eq!(seen.outcomes(1), [&Outcome::Unresolved]);
    for seq in [2, 3] {
        assert!(seen.failure(seq).contains("shutting down"));
    }
    let c = seen.ledger.counts(Mode::Async);
    assert_eq!(
        (c.queued, c.in_flight, c.unresolved, c.failed),
        (0, 0, 1, 2)
    );
    assert_eq!(c.latency.count(), 0, "nothing was answered");
}

#[tokio::test]
async fn a_cancelled_burst_reports_what_it_used() {
    let (handle, mut rx, _join) = spawn_double(settings(), Double::new(|_| Act::Ack));
    let mut seen = Seen::new();
    let mut spec = match burst(3, Mode::Sync, 1_000_000, 1) {
        ProducerCommand::Burst(spec) => spec,
        _ => unreachable!(),
    };
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
    let finished = seen.burst_finished(3);
    let [(used, true)] = finished[..] else {
        panic!("{finished:?}");
    };
    assert!((2..1_000_000).contains(&used), "{used}");
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    let c = seen.ledger.counts(Mode::Sync);
    assert_eq!((c.ok, c.open()), (used, 0), "every used seq ended once");
}

/// The connection state follows what the endpoints did: unreachable when no
/// name server answers at start, or a send cannot connect or times out (once
/// per change, with the reason, worded for the operator), ready again at
/// the next acknowledgement.
#[tokio::test]
async fn unreachable_and_ready_follow_the_sends() {
    let double = by_key(&[
        ("down", Act::Fail("transport.connection.failed: refused")),
        (
            "slow",
            Act::Fail("transport.response.timeout: deadline has elapsed"),
        ),
        ("no", Act::Fail("broker said no")),
    ]);
    // Nothing listens on 127.0.0.1:9 (discard) in the tests' namespace.
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let mut seen = Seen::new();
    for (seq, key) in [
        (1, "k"),
        (2, "down"),
        (3, "down"),
        (4, "no"),
        (5, "k"),
        (6, "slow"),
    ] {
        handle.submit(send(seq, Mode::Sync, key)).await.unwrap();
        seen.outcome_of(&mut rx, seq).await;
    }
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    let states: Vec<String> = seen
        .events
        .iter()
        .filter_map(|e| match e {
            ProducerEvent::Connection(Connection::Unreachable(why)) => {
                Some(format!("unreachable: {why}"))
            }
            ProducerEvent::Connection(c) => Some(format!("{c:?}")),
            _ => None,
        })
        .collect();
    assert_eq!(states.len(), 8, "{states:#?}");
    assert_eq!(states[..2], ["Starting", "Ready"]);
    assert!(
        states[2].starts_with("unreachable: name server unreachable (127.0.0.1:9: "),
        "{states:#?}"
    );
    assert_eq!(states[3], "Ready", "after #1's acknowledgement");
    assert_eq!(
        states[4],
        "unreachable: cannot reach the broker or the name server (127.0.0.1:9): transport.connection.failed: refused"
    );
    // #3 failed the same way and #4 for a reason of its own: no change.
    assert_eq!(states[5], "Ready", "after #5's acknowledgement");
    assert!(
        states[6].starts_with("unreachable: timed out: the endpoint did not answer"),
        "{states:#?}"
    );
    assert_eq!(states[7], "Stopped");
    assert_eq!(seen.failure(4), "broker said no");
}

fn typed(key: &str, kind: rmq_model::types::MessageType) -> Arc<Draft> {
    Arc::new(Draft {
        kind,
        ..(*draft(key)).clone()
    })
}

#[tokio::test]
async fn fifo_sends_go_one_after_the_other() {
    use rmq_model::types::MessageType;
    let (handle, mut rx, _join) = spawn_double(settings(), by_key(&[("hang", Act::Hang)]));
    let fifo = || MessageType::Fifo {
        sharding_key: "k".into(),
    };
    for (seq, key) in [(1, "hang"), (2, "next")] {
        handle
            .submit(ProducerCommand::Send {
                seq,
                mode: Mode::Sync,
                draft: typed(key, fifo()),
            })
            .await
            .unwrap();
    }
    // A plain sync send is not held up by the FIFO lane.
    handle.submit(send(3, Mode::Sync, "plain")).await.unwrap();
    let mut seen = Seen::new();
    seen.outcome_of(&mut rx, 3).await;
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    let submitted: Vec<Seq> = seen
        .events
        .iter()
        .filter_map(|e| match e {
            ProducerEvent::Submitted { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    assert!(
        submitted.contains(&1) && submitted.contains(&3),
        "{submitted:?}"
    );
    assert!(
        !submitted.contains(&2),
        "#2 waits for #1, which never answers: {submitted:?}"
    );
    assert_eq!(seen.outcomes(2).len(), 1, "#2 still ends once");
}

#[tokio::test]
async fn a_batch_ends_each_of_its_sequence_numbers_once() {
    use rmq_model::types::MessageType;
    let (handle, mut rx, _join) = spawn_double(settings(), by_key(&[]));
    handle
        .submit(ProducerCommand::Send {
            seq: 10,
            mode: Mode::Sync,
            draft: typed("b", MessageType::Batch { size: 3 }),
        })
        .await
        .unwrap();
    // Async batches are refused by the task too, whoever sends them.
    handle
        .submit(ProducerCommand::Send {
            seq: 20,
            mode: Mode::Async,
            draft: typed("b", MessageType::Batch { size: 2 }),
        })
        .await
        .unwrap();
    let mut seen = Seen::new();
    // The refusals are instant and may come first: read until both ended.
    while seen.outcomes(12).is_empty() || seen.outcomes(21).is_empty() {
        seen.until(&mut rx, "an outcome", |e| {
            matches!(e, ProducerEvent::Completed(_))
        })
        .await;
    }
    for seq in 10..13 {
        assert!(
            matches!(seen.outcomes(seq).as_slice(), [Outcome::Acknowledged(r)] if r.queue_offset == seq - 10),
            "#{seq}: {:?}",
            seen.outcomes(seq)
        );
    }
    assert!(seen.failure(20).contains("a batch is sent sync"));
    assert!(seen.failure(21).contains("a batch is sent sync"));
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert_eq!(seen.ledger.counts(Mode::Sync).acknowledged(), 3);
}

#[tokio::test]
async fn a_transaction_without_a_client_fails_clearly() {
    use rmq_model::types::MessageType;
    let (handle, mut rx, _join) = spawn_double(settings(), by_key(&[]));
    handle
        .submit(ProducerCommand::Send {
            seq: 1,
            mode: Mode::Sync,
            draft: typed("t", MessageType::Transaction { decide: None }),
        })
        .await
        .unwrap();
    let mut seen = Seen::new();
    seen.outcome_of(&mut rx, 1).await;
    assert!(
        seen.failure(1)
            .contains("transactions need the RocketMQ client")
    );
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
}

/// Sync sends report their outcome from their own task, into room in the
/// event channel they reserved before they were sent. When the console
/// reads nothing for longer than the shutdown's grace, the ones still
/// waiting for room are aborted, and each must still end once (here:
/// unresolved), not vanish between `pending` and the channel. The clock is paused: it moves only when every task waits, so
/// the grace runs out exactly while nothing is read.
#[tokio::test(start_paused = true)]
async fn outcomes_waiting_for_room_in_the_event_channel_survive_a_shutdown() {
    let (handle, mut rx, _join) = spawn_double(settings(), Double::new(|_| Act::Ack));
    // Two events a send: this many more than the channel holds.
    let sends = EVENT_CAPACITY as u64 / 2 + 500;
    for seq in 1..=sends {
        handle.submit(send(seq, Mode::Sync, "k")).await.unwrap();
    }
    // Sends wait for room for their events.
    until_full(&rx).await;
    shutdown(&handle).await;
    // Ten times the grace of `shutdown`, read nothing meanwhile.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut seen = Seen::new();
    seen.stopped(&mut rx).await;
    let unresolved = (1..=sends)
        .filter(|&seq| match seen.outcomes(seq).as_slice() {
            [Outcome::Unresolved] => true,
            [Outcome::Acknowledged(_)] => false,
            other => panic!("#{seq}: expected one outcome, got {other:?}"),
        })
        .count();
    assert!(unresolved > 0, "no send was still waiting at the abort");
}

/// An async send's callback forwards its outcome itself when the event
/// channel has room, and hands it to the task loop when it has none (the
/// callback cannot wait). With the console reading nothing until the
/// channel is full, both paths are taken, and each send still ends once.
#[tokio::test(start_paused = true)]
async fn async_outcomes_end_once_whether_the_channel_had_room_or_not() {
    let (handle, mut rx, _join) = spawn_double(settings(), Double::new(|_| Act::Ack));
    let sends = EVENT_CAPACITY as u64 / 2 + 500;
    // Submitted from a task of its own: once the loop waits for room to
    // forward an outcome it reads no commands, and a submit waits too.
    let submitter = handle.clone();
    tokio::spawn(async move {
        for seq in 1..=sends {
            submitter.submit(send(seq, Mode::Async, "k")).await.unwrap();
        }
    });
    until_full(&rx).await;
    let mut seen = Seen::new();
    seen.ended(&mut rx, sends as usize).await;
    for seq in 1..=sends {
        match seen.outcomes(seq).as_slice() {
            [Outcome::Acknowledged(_)] => {}
            other => panic!("#{seq}: expected one acknowledgement, got {other:?}"),
        }
    }
    assert_eq!(seen.ledger.counts(Mode::Async).ok, sends);
}

/// A flowing pipelined burst waits for the window on most sends, each wait
/// short; only a wait past `BURST_QUEUED_AFTER` is reported `Queued`, at
/// most twice that. The clock is paused, so a stalled window waits out the
/// burst's timer exactly.
#[tokio::test(start_paused = true)]
async fn a_burst_reports_queued_only_for_a_send_that_really_waits() {
    let mut s = settings();
    s.async_inflight = 2;
    let (handle, mut rx, _join) = spawn_double(s, Double::new(|_| Act::Ack));
    let mut seen = Seen::new();
    let count = 500;
    handle
        .submit(burst(1, Mode::Async, count, 1))
        .await
        .unwrap();
    seen.until(&mut rx, "BurstFinished", |e| {
        matches!(e, ProducerEvent::BurstFinished { .. })
    })
    .await;
    seen.ended(&mut rx, count as usize).await;
    assert_eq!(seen.ledger.counts(Mode::Async).ok, count);
    let queued = seen
        .events
        .iter()
        .filter(|e| matches!(e, ProducerEvent::Queued { .. }))
        .count();
    assert_eq!(queued, 0, "a flowing window is not reported as a queue");
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;

    // The first send never answers, so the window never opens past one
    // slot and the second send waits for good.
    let (handle, mut rx, _join) = spawn_double(settings(), Double::new(|_| Act::Hang));
    let mut seen = Seen::new();
    handle.submit(burst(2, Mode::Async, 3, 1)).await.unwrap();
    let start = tokio::time::Instant::now();
    seen.until(&mut rx, "Queued #2", |e| {
        matches!(e, ProducerEvent::Queued { seq: 2, .. })
    })
    .await;
    let waited = start.elapsed();
    assert!(
        (BURST_QUEUED_AFTER..=2 * BURST_QUEUED_AFTER).contains(&waited),
        "Queued after {waited:?}"
    );
    assert_eq!(seen.ledger.counts(Mode::Async).queued, 1);
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
    assert_eq!(seen.outcomes(1), [&Outcome::Unresolved]);
    assert_eq!(seen.ledger.open_total(), 0);
}

/// A double that refuses a key's first sends with a broker code, as the
/// table says (key, how many, code), and counts every call per key.
fn refusing(
    table: &'static [(&'static str, usize, i32)],
) -> (Double, Arc<Mutex<HashMap<String, usize>>>) {
    let calls = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let counted = calls.clone();
    let double = Double::new(move |d| {
        let key = d.first_key().unwrap_or_default();
        let mut calls = counted.lock().unwrap();
        let n = calls.entry(key.to_string()).or_default();
        *n += 1;
        match table.iter().find(|(k, ..)| *k == key) {
            Some(&(_, refusals, code)) if *n <= refusals => Act::Refuse(code),
            _ => Act::Ack,
        }
    });
    (double, calls)
}

#[tokio::test]
async fn a_fifo_send_refused_for_its_topic_is_tried_once_more() {
    use rmq_model::types::MessageType;
    let fifo = |key| {
        typed(
            key,
            MessageType::Fifo {
                sharding_key: "k".into(),
            },
        )
    };
    let (double, calls) = refusing(&[
        ("new", 1, 17),
        ("plain", 1, 17),
        ("gone", usize::MAX, 17),
        ("denied", usize::MAX, 16),
    ]);
    let (handle, mut rx, _join) = spawn_double(settings(), double);
    let sends = [
        (1, fifo("new")),
        // The library retries plain sends itself; we do not add a second.
        (2, draft("plain")),
        (3, fifo("gone")),
        // Only "topic does not exist" is tried again.
        (4, fifo("denied")),
    ];
    for (seq, draft) in sends {
        handle
            .submit(ProducerCommand::Send {
                seq,
                mode: Mode::Sync,
                draft,
            })
            .await
            .unwrap();
    }
    let mut seen = Seen::new();
    // The plain send does not wait for the FIFO lane: any order.
    seen.ended(&mut rx, 4).await;
    assert!(
        matches!(seen.outcomes(1).as_slice(), [Outcome::Acknowledged(_)]),
        "{:?}",
        seen.outcomes(1)
    );
    assert_eq!(seen.failure(2), "broker code 17");
    assert_eq!(seen.failure(3), "broker code 17 (tried twice)");
    assert_eq!(seen.failure(4), "broker code 16");
    let tries: Vec<usize> = ["new", "plain", "gone", "denied"]
        .iter()
        .map(|k| calls.lock().unwrap()[*k])
        .collect();
    assert_eq!(tries, [2, 1, 2, 1]);
    // Four sends, each counted once whatever the tries.
    let counts = seen.ledger.counts(Mode::Sync);
    assert_eq!((counts.submitted, counts.ok, counts.failed), (4, 1, 3));
    shutdown(&handle).await;
    seen.stopped(&mut rx).await;
}

/// Issue 27, item 5: `{n}` counts 1..N within the burst, whatever the
/// session's sequence numbers (a batch of 3 takes 3 of them per message).
#[test]
fn n_in_a_key_template_counts_this_bursts_messages_from_one() {
    let spec = BurstSpec {
        id: 1,
        mode: Mode::Sync,
        draft: draft("burst"),
        count: 3,
        rate: None,
        key_template: Some("order-{n} s{seq}".into()),
        expand_message: false,
        first_seq: 41,
        verify: false,
    };
    let mut expander = super::burst::Expander::new(&spec).unwrap();
    let keys: Vec<Vec<String>> = (0..3u64)
        .map(|i| expander.draft(&spec, 41 + i * 3, i + 1).keys.clone())
        .collect();
    assert_eq!(
        keys,
        [["order-1", "s41"], ["order-2", "s44"], ["order-3", "s47"]]
    );
}
