use std::sync::Arc;
use std::time::Duration;

use chrono::Local;

use super::*;
use rmq_model::message::{Draft, Failure, Receipt, SendStatus};

fn receipt(status: SendStatus) -> Receipt {
    Receipt {
        status,
        msg_id: "M".into(),
        offset_msg_id: "O".into(),
        broker: "broker-a".into(),
        queue_id: 1,
        queue_offset: 7,
        transaction_id: None,
        region_id: None,
    }
}

fn done(seq: Seq, mode: Mode, outcome: Outcome, ms: u64) -> Completion {
    let mut c = Completion::instant(seq, mode, outcome);
    c.latency = Duration::from_millis(ms);
    c
}

fn ok(seq: Seq, mode: Mode, ms: u64) -> Completion {
    done(
        seq,
        mode,
        Outcome::Acknowledged(receipt(SendStatus::SendOk)),
        ms,
    )
}

fn failed(seq: Seq, mode: Mode, why: &str) -> Completion {
    let f = Failure {
        reason: why.into(),
        code: None,
    };
    done(seq, mode, Outcome::Failed(f), 0)
}

/// `accepted == waiting + queued + in_flight + ended()` in every mode.
fn assert_balanced(l: &Ledger) {
    for m in Mode::ALL {
        let c = l.counts(m);
        assert_eq!(c.accepted, c.open() + c.ended(), "{m}: {c:?}");
    }
}

#[test]
fn a_sync_send_goes_accepted_in_flight_ok() {
    let mut l = Ledger::new();
    l.accept(1, Mode::Sync).unwrap();
    assert_eq!(l.counts(Mode::Sync).waiting, 1);
    l.submitted(1, Mode::Sync).unwrap();
    let c = l.counts(Mode::Sync);
    assert_eq!((c.waiting, c.in_flight, c.submitted), (0, 1, 1));
    assert_eq!(l.complete(&ok(1, Mode::Sync, 3)), Ok(Class::Ok));
    let c = l.counts(Mode::Sync);
    assert_eq!((c.in_flight, c.ok, c.sent(), c.open()), (0, 1, 1, 0));
    assert_eq!(c.latency.count(), 1);
    assert_eq!(c.latency.max(), Some(Duration::from_millis(3)));
    assert!(l.has_ended(1));
    assert_balanced(&l);
}

#[test]
fn a_second_outcome_is_refused_and_never_double_counted() {
    let mut l = Ledger::new();
    l.accept(1, Mode::Async).unwrap();
    l.submitted(1, Mode::Async).unwrap();
    l.complete(&ok(1, Mode::Async, 2)).unwrap();
    assert_eq!(
        l.complete(&failed(1, Mode::Async, "late callback")),
        Err(Refused::AlreadyEnded(1))
    );
    assert_eq!(
        l.complete(&ok(1, Mode::Async, 2)),
        Err(Refused::AlreadyEnded(1))
    );
    let c = l.counts(Mode::Async);
    assert_eq!((c.ok, c.failed, c.ended(), c.latency.count()), (1, 0, 1, 1));
    assert_eq!(l.refused(), 2);
    assert_balanced(&l);
}

#[test]
fn late_reports_after_the_outcome_are_refused() {
    let mut l = Ledger::new();
    l.complete(&failed(4, Mode::Async, "not sent")).unwrap();
    assert_eq!(l.queued(4, Mode::Async), Err(Refused::AlreadyEnded(4)));
    assert_eq!(l.submitted(4, Mode::Async), Err(Refused::AlreadyEnded(4)));
    assert_eq!(l.accept(4, Mode::Async), Err(Refused::AlreadyEnded(4)));
    let c = l.counts(Mode::Async);
    assert_eq!((c.accepted, c.submitted, c.failed, c.open()), (1, 0, 1, 0));
}

#[test]
fn reports_that_go_backwards_are_refused() {
    let mut l = Ledger::new();
    l.accept(1, Mode::Async).unwrap();
    assert_eq!(l.accept(1, Mode::Async), Err(Refused::AlreadyKnown(1)));
    l.queued(1, Mode::Async).unwrap();
    l.queued(1, Mode::Async).unwrap(); // a repeat changes nothing
    assert_eq!(l.counts(Mode::Async).queued, 1);
    l.submitted(1, Mode::Async).unwrap();
    assert_eq!(l.submitted(1, Mode::Async), Err(Refused::OutOfOrder(1)));
    assert_eq!(l.queued(1, Mode::Async), Err(Refused::OutOfOrder(1)));
    let c = l.counts(Mode::Async);
    assert_eq!((c.queued, c.in_flight, c.submitted), (0, 1, 1));
    assert_balanced(&l);
}

#[test]
fn degraded_acknowledgements_are_acknowledged_but_not_ok() {
    let mut l = Ledger::new();
    for (seq, status) in [
        (1, SendStatus::SendOk),
        (2, SendStatus::FlushDiskTimeout),
        (3, SendStatus::SlaveNotAvailable),
    ] {
        l.submitted(seq, Mode::Sync).unwrap();
        let c = done(seq, Mode::Sync, Outcome::Acknowledged(receipt(status)), 1);
        l.complete(&c).unwrap();
    }
    let c = l.counts(Mode::Sync);
    assert_eq!((c.ok, c.degraded, c.acknowledged()), (1, 2, 3));
    assert_eq!(c.as_promised(Mode::Sync), 1);
    assert_eq!(
        c.unexpected(Mode::Sync),
        2,
        "degraded is not what sync promises"
    );
    assert!(!Class::Degraded.is_expected_for(Mode::Sync));
    assert!(Class::Ok.is_expected_for(Mode::Async));
    assert!(!Class::Ok.is_expected_for(Mode::Oneway));
    assert!(Class::Dispatched.is_expected_for(Mode::Oneway));
}

#[test]
fn latency_is_recorded_only_for_sends_that_reached_the_client() {
    let mut l = Ledger::new();
    // Never submitted: failed before it reached the client.
    l.accept(1, Mode::Sync).unwrap();
    l.complete(&failed(1, Mode::Sync, "not sent")).unwrap();
    // Submitted, then unresolved at shutdown.
    l.submitted(2, Mode::Sync).unwrap();
    l.complete(&done(2, Mode::Sync, Outcome::Unresolved, 9))
        .unwrap();
    // Submitted and failed by the broker: a round trip, measured.
    l.submitted(3, Mode::Sync).unwrap();
    let mut c = failed(3, Mode::Sync, "no permission");
    c.latency = Duration::from_millis(5);
    l.complete(&c).unwrap();
    let c = l.counts(Mode::Sync);
    assert_eq!(c.latency.count(), 1);
    assert_eq!(c.latency.max(), Some(Duration::from_millis(5)));
    assert_eq!((c.failed, c.unresolved), (2, 1));
}

#[test]
fn async_queue_gauge_goes_down_when_the_send_leaves_the_queue() {
    let mut l = Ledger::new();
    l.accept(1, Mode::Async).unwrap();
    l.queued(1, Mode::Async).unwrap();
    assert_eq!(l.counts(Mode::Async).queued, 1);
    l.submitted(1, Mode::Async).unwrap();
    assert_eq!(l.counts(Mode::Async).queued, 0);
    assert_eq!(l.counts(Mode::Async).in_flight, 1);
    // The producer's lane was closed under a queued send: it fails from the
    // queue and the gauge still comes down.
    l.accept(2, Mode::Async).unwrap();
    l.queued(2, Mode::Async).unwrap();
    l.complete(&failed(2, Mode::Async, "the async lane is closed"))
        .unwrap();
    let c = l.counts(Mode::Async);
    assert_eq!((c.queued, c.in_flight, c.failed), (0, 1, 1));
    assert_balanced(&l);
}

#[test]
fn a_send_that_panicked_in_the_producer_ends_failed_once() {
    let mut l = Ledger::new();
    l.accept(1, Mode::Sync).unwrap();
    l.submitted(1, Mode::Sync).unwrap();
    let panic = failed(1, Mode::Sync, "the send panicked: boom");
    assert_eq!(l.complete(&panic), Ok(Class::Failed));
    // Shutdown lists nothing more for it; a stray unresolved is refused.
    let stray = done(1, Mode::Sync, Outcome::Unresolved, 0);
    assert_eq!(l.complete(&stray), Err(Refused::AlreadyEnded(1)));
    assert_eq!(l.counts(Mode::Sync).failed, 1);
    assert_eq!(l.counts(Mode::Sync).unresolved, 0);
}

#[test]
fn burst_sends_are_taken_on_at_their_first_report() {
    let mut l = Ledger::new();
    for seq in 10..20 {
        l.apply(&ProducerEvent::Submitted {
            seq,
            mode: Mode::Oneway,
            draft: Arc::new(Draft::default()),
            at: Local::now(),
        })
        .unwrap();
    }
    for seq in 10..20 {
        l.apply(&ProducerEvent::Completed(done(
            seq,
            Mode::Oneway,
            Outcome::Dispatched,
            1,
        )))
        .unwrap();
    }
    let c = l.counts(Mode::Oneway);
    assert_eq!((c.accepted, c.submitted, c.dispatched), (10, 10, 10));
    assert_eq!(c.unexpected(Mode::Oneway), 0);
    assert_eq!(l.ended.ranges(), 1, "ended seqs are kept as one range");
    assert_balanced(&l);
}

#[test]
fn stopped_ends_every_open_send_as_unresolved_exactly_once() {
    let mut l = Ledger::new();
    l.accept(1, Mode::Async).unwrap();
    l.queued(1, Mode::Async).unwrap();
    l.accept(2, Mode::Sync).unwrap();
    l.submitted(2, Mode::Sync).unwrap();
    l.accept(3, Mode::Sync).unwrap(); // never reported by the producer
    // The task reports its pending ones as unresolved, then Stopped.
    l.apply(&ProducerEvent::Completed(done(
        2,
        Mode::Sync,
        Outcome::Unresolved,
        0,
    )))
    .unwrap();
    l.apply(&ProducerEvent::Stopped {
        unresolved: vec![(2, Mode::Sync)],
    })
    .unwrap();
    assert_eq!(l.counts(Mode::Sync).unresolved, 2);
    assert_eq!(l.counts(Mode::Async).unresolved, 1);
    assert_eq!(l.counts(Mode::Async).queued, 0);
    assert_eq!(l.open_total(), 0);
    assert_eq!(l.refused(), 0, "listing an ended send is not a refusal");
    assert_balanced(&l);
}

#[test]
fn producer_died_ends_queued_and_in_flight_as_unresolved_not_zeroed() {
    let mut l = Ledger::new();
    for seq in 1..=3 {
        l.accept(seq, Mode::Async).unwrap();
        l.queued(seq, Mode::Async).unwrap();
    }
    l.submitted(1, Mode::Async).unwrap();
    let gone = l.end_open();
    assert_eq!(
        gone,
        vec![(1, Mode::Async), (2, Mode::Async), (3, Mode::Async)]
    );
    let c = l.counts(Mode::Async);
    assert_eq!(
        (c.queued, c.in_flight, c.unresolved, c.sent()),
        (0, 0, 3, 3)
    );
    assert_eq!(c.latency.count(), 0);
    // A callback that turns up after all is refused.
    assert_eq!(
        l.complete(&ok(1, Mode::Async, 1)),
        Err(Refused::AlreadyEnded(1))
    );
    assert_balanced(&l);
}

#[test]
fn a_refused_command_is_withdrawn_in_its_own_mode() {
    let mut l = Ledger::new();
    l.accept(5, Mode::Oneway).unwrap();
    assert_eq!(l.withdraw(5), Ok(Mode::Oneway), "the failed send's mode");
    assert_eq!(l.counts(Mode::Oneway).accepted, 0);
    assert_eq!(l.open_total(), 0);
    assert_eq!(l.withdraw(5), Err(Refused::AlreadyEnded(5)));
    assert_eq!(l.withdraw(6), Err(Refused::Unknown(6)));
    l.accept(7, Mode::Sync).unwrap();
    l.submitted(7, Mode::Sync).unwrap();
    assert_eq!(l.withdraw(7), Err(Refused::OutOfOrder(7)));
    assert_balanced(&l);
}

#[test]
fn a_report_in_another_mode_counts_in_the_mode_taken_on() {
    let mut l = Ledger::new();
    l.accept(1, Mode::Sync).unwrap();
    l.submitted(1, Mode::Async).unwrap();
    l.complete(&ok(1, Mode::Async, 1)).unwrap();
    assert_eq!(l.counts(Mode::Sync).ok, 1);
    assert_eq!(l.counts(Mode::Async), &Counts::default());
}

#[test]
fn ended_seqs_merge_into_ranges_whatever_the_order() {
    let mut s = SeqSet::default();
    for seq in [5, 3, 4, 1, 2, 9, 7] {
        s.insert(seq);
    }
    assert_eq!(s.ranges(), 3, "{s:?}"); // 1..6, 7..8, 9..10
    s.insert(8);
    assert_eq!(s.ranges(), 2, "{s:?}"); // 1..6, 7..10
    s.insert(6);
    assert_eq!(s.ranges(), 1, "{s:?}");
    s.insert(3);
    assert_eq!(s.ranges(), 1);
    assert!((1..10).all(|q| s.contains(q)));
    assert!(!s.contains(0) && !s.contains(10));

    let mut l = Ledger::new();
    for seq in 1..=100_000 {
        l.complete(&done(seq, Mode::Oneway, Outcome::Dispatched, 0))
            .unwrap();
    }
    assert_eq!(l.ended.ranges(), 1, "memory does not grow with sends");
}

#[test]
fn one_way_shortfall_rule_is_one_way() {
    assert_eq!(
        Landing::judge(100, &Ok(61)),
        Landing::Shortfall {
            dispatched: 100,
            landed: 61,
            missing: 39
        }
    );
    assert!(Landing::judge(100, &Ok(100)).passed());
    assert!(
        Landing::judge(100, &Ok(130)).passed(),
        "others sending to the topic move the offsets too"
    );
    let unknown = Landing::judge(100, &Err("broker busy".into()));
    assert!(!unknown.passed(), "an uncounted burst is not a pass");
    assert!(matches!(
        Landing::judge(5, &Ok(-1)),
        Landing::Shortfall { missing: 5, .. }
    ));
    let mut l = Ledger::new();
    l.apply(&ProducerEvent::OnewayLanded {
        id: 1,
        topic: "T".into(),
        dispatched: 10,
        landed: Ok(9),
    })
    .unwrap();
    assert!(matches!(
        l.landing(),
        Some(Landing::Shortfall { missing: 1, .. })
    ));
}

/// Issue 27, item 14: one latency spelling, three significant digits, so
/// `6593ms` never stands beside `29.3s`.
#[test]
fn latency_has_one_format_with_three_significant_digits() {
    use std::time::Duration;
    let f = |us: u64| super::fmt_latency(Duration::from_micros(us));
    assert_eq!(f(206), "206µs");
    assert_eq!(f(6_594), "6.59ms");
    assert_eq!(f(11_300), "11.3ms");
    assert_eq!(f(250_400), "250ms");
    assert_eq!(f(6_593_000), "6.59s");
    assert_eq!(f(29_300_000), "29.3s");
    assert_eq!(f(312_400_000), "312s");
}
