use std::time::Duration;

use super::fixtures::*;
use super::*;
use rmq_model::events::ProducerEvent;
use rmq_model::fixtures::receipt;
use rmq_model::message::{Failure, Outcome};

fn run_mode(d: &mut Driver, mode: Mode, id: u64, seq: u64, n: u64, fail: u64) -> Vec<Step> {
    let mut steps = vec![];
    for i in 0..n {
        let at = (seq + i) as i64 * 100;
        steps.push(d.on_event(&submitted(seq + i, mode, at)));
        let outcome = if i < fail {
            Outcome::Failed(Failure {
                reason: "x".into(),
                code: None,
            })
        } else if mode == Mode::Oneway {
            Outcome::Dispatched
        } else {
            Outcome::Acknowledged(receipt(seq + i))
        };
        // Finished comes before the last outcome, as the task may report it.
        if i + 1 == n {
            if mode == Mode::Oneway {
                steps.push(d.on_event(&ProducerEvent::OnewayLanded {
                    id,
                    topic: "T".into(),
                    dispatched: n - fail,
                    landed: Ok((n - fail - 1) as i64),
                }));
            }
            steps.push(d.on_event(&finished(id, n)));
        }
        steps.push(d.on_event(&done(seq + i, mode, outcome, at, 50 + 10 * i as i64)));
    }
    steps
}

#[test]
fn driver_runs_the_modes_in_turn_and_counts_only_its_own_sends() {
    let mut d = Driver::new(spec(4), 7, 100);
    let first = d.start().expect("a first burst");
    assert_eq!(
        (first.id, first.mode, first.first_seq),
        (7, Mode::Sync, 100)
    );
    assert_eq!(first.rate, None);
    // Someone else's send in between is none of the comparison's business.
    assert!(matches!(
        d.on_event(&submitted(5, Mode::Sync, 0)),
        Step::Wait
    ));
    let steps = run_mode(&mut d, Mode::Sync, 7, 100, 4, 1);
    let Some(Step::Start(next)) = steps.last() else {
        panic!("async starts once every sync send has ended: {steps:?}")
    };
    assert!(
        steps[..steps.len() - 1]
            .iter()
            .all(|s| matches!(s, Step::Wait))
    );
    assert_eq!((next.id, next.mode, next.first_seq), (8, Mode::Async, 104));
    assert_eq!(d.progress().stage, 1);
    let steps = run_mode(&mut d, Mode::Async, 8, 104, 4, 0);
    let Some(Step::Start(ow)) = steps.last() else {
        panic!("{steps:?}")
    };
    assert_eq!(
        (ow.mode, ow.rate, ow.verify),
        (Mode::Oneway, Some(5000), true)
    );
    let steps = run_mode(&mut d, Mode::Oneway, 9, 108, 4, 0);
    assert!(matches!(steps.last(), Some(Step::Done)));
    assert!(d.is_done());

    let rows = d.results();
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r.sent(), 4, "{:?}", r.mode);
        assert_eq!(r.sent(), r.ok() + r.failed() + r.dispatched());
        assert!(!r.cancelled);
    }
    assert_eq!((rows[0].ok(), rows[0].failed()), (3, 1));
    // First submit (seq 100 at 10 ms) to last outcome (seq 103: 10.3 ms + 80 µs).
    assert_eq!(rows[0].elapsed, Some(Duration::from_micros(380)));
    assert_eq!(rows[2].landed, Some(Ok(3)));
    assert_eq!(rows[2].landed_pct(), Some(75.0));
}

#[test]
fn a_cancel_stops_after_the_running_mode() {
    let mut d = Driver::new(spec(3), 1, 1);
    d.start();
    assert_eq!(d.cancel(), Some(1));
    d.on_event(&submitted(1, Mode::Sync, 0));
    d.on_event(&ProducerEvent::BurstFinished {
        id: 1,
        submitted: 1,
        cancelled: true,
    });
    let last = d.on_event(&done(
        1,
        Mode::Sync,
        Outcome::Acknowledged(receipt(1)),
        0,
        9,
    ));
    assert!(matches!(last, Step::Done));
    let rows = d.results();
    assert_eq!(rows.len(), 1, "async and one-way never started");
    assert!(rows[0].cancelled);
    assert_eq!(rows[0].sent(), 1);
    assert!(d.was_cancelled());
    assert_eq!(d.running_id(), None);
}

#[test]
fn a_stopped_producer_ends_the_comparison_with_open_sends_unresolved() {
    let mut d = Driver::new(spec(3), 1, 1);
    d.start();
    d.on_event(&submitted(1, Mode::Sync, 0));
    let step = d.on_event(&ProducerEvent::Stopped {
        unresolved: vec![(1, Mode::Sync)],
    });
    assert!(matches!(step, Step::Done));
    let rows = d.results();
    assert_eq!(rows[0].counts.unresolved, 1);
    assert_eq!(rows[0].failed(), 1);
    assert!(rows[0].cancelled);
}

#[test]
fn table_and_histogram_text() {
    let rows = sample_results();
    let table = table_text(&rows, &crate::compare::fixtures::spec(200));
    for line in table.lines() {
        assert!(line.chars().count() <= 78, "too wide: {line}");
    }
    insta::assert_snapshot!("table", table);
    insta::assert_snapshot!("histogram", histogram_text(&rows, 12));
}

#[test]
fn buckets_are_shared_and_hold_every_latency() {
    let rows = sample_results();
    let b = shared_buckets(&rows, 5);
    assert_eq!(b.len(), 5);
    assert_eq!(b[0].lo_us, 0, "the first bucket takes everything faster");
    for w in b.windows(2) {
        assert_eq!(w[0].hi_us, w[1].lo_us);
    }
    for r in &rows {
        let n: u64 = bucket_counts(&r.counts.latency, &b).iter().sum();
        assert_eq!(n, r.counts.latency.count(), "{:?}", r.mode);
    }
}

/// With rows to spare, octaves split in halves, quarters or eighths, so
/// the chart uses its height; every latency is still counted once.
#[test]
fn buckets_split_octaves_when_there_are_rows_to_spare() {
    let rows = sample_results();
    let octaves = shared_buckets(&rows, 12).len();
    let fine = shared_buckets(&rows, 26);
    assert_eq!(
        fine.len(),
        octaves * 2,
        "halves of {octaves} octaves in 26 rows"
    );
    for w in fine.windows(2) {
        assert_eq!(w[0].hi_us, w[1].lo_us);
    }
    for r in &rows {
        let n: u64 = bucket_counts(&r.counts.latency, &fine).iter().sum();
        assert_eq!(n, r.counts.latency.count(), "{:?}", r.mode);
    }
}

#[test]
fn json_has_one_object_per_mode_that_adds_up() {
    for r in sample_results() {
        let v = r.to_json();
        let n = |k: &str| v[k].as_u64().unwrap();
        assert_eq!(
            n("sent"),
            n("ok") + n("degraded") + n("failed") + n("unresolved") + n("dispatched")
        );
        assert!(v["msgs_per_sec"].as_f64().unwrap() > 0.0);
        if r.mode == Mode::Oneway {
            assert_eq!(v["landed"], 173);
            assert_eq!(v["landed_pct"], 86.5);
        } else {
            assert!(v.get("landed").is_none());
        }
    }
}
