//! Issue 27, item 14, through real keys (`harness`): a burst ends with a
//! summary row (ok, failed, msg/s achieved, p50/p99) once its last outcome
//! is in, and the results export carries the profile's real send options
//! and latencies without float noise.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::console::harness::Harness;
use crate::console::ui::tests::{ready_app, t0};
use rmq_engine::producer::ProducerCommand;
use rmq_model::fixtures::receipt;
use rmq_model::message::{Completion, Failure, Outcome};

fn done(seq: u64, ms: i64, latency_us: u64, ok: bool) -> ProducerEvent {
    let outcome = if ok {
        Outcome::Acknowledged(receipt(seq))
    } else {
        Outcome::Failed(Failure {
            reason: "no".into(),
            code: None,
        })
    };
    ProducerEvent::Completed(Completion {
        seq,
        mode: Mode::Async,
        outcome,
        submitted_at: t0(),
        completed_at: t0() + chrono::Duration::milliseconds(ms),
        latency: Duration::from_micros(latency_us),
    })
}

fn submitted(seq: u64) -> ProducerEvent {
    ProducerEvent::Submitted {
        seq,
        mode: Mode::Async,
        draft: Arc::new(Draft::default()),
        at: t0(),
    }
}

#[test]
fn a_burst_ends_with_a_summary_row_once_its_last_callback_is_in() {
    let mut h = Harness::new(ready_app(), 120, 40);
    h.press("esc").press("2").press("r");
    h.press("ctrl-c").type_text("4").press("enter");
    let b = match h.commands().as_slice() {
        [ProducerCommand::Burst(b)] => b.clone(),
        other => panic!("{other:?}"),
    };
    for seq in 1..=4 {
        h.emit(submitted(seq));
    }
    h.emit(done(1, 100, 1_000, true))
        .emit(done(2, 200, 2_000, true))
        .emit(done(3, 300, 30_000, false));
    // All submitted; one callback still to come: no summary yet.
    h.emit(ProducerEvent::BurstFinished {
        id: b.id,
        submitted: 4,
        cancelled: false,
    });
    assert!(
        !h.app()
            .log
            .shown()
            .iter()
            .any(|e| matches!(&e.kind, EntryKind::Note(t) if t.contains("done"))),
        "no summary before the last outcome"
    );
    h.emit(done(4, 400, 4_000, true));
    let summary = h
        .app()
        .log
        .shown()
        .iter()
        .find_map(|e| match &e.kind {
            EntryKind::Note(t) if t.starts_with("burst #1 done") => Some(t.clone()),
            _ => None,
        })
        .expect("a summary row");
    assert!(
        summary.starts_with(
            "burst #1 done: 4 sent in Async (400ms) · 3 ok · 1 failed · 10 msg/s · p50 "
        ),
        "{summary}"
    );
    assert!(summary.contains(" p99 "), "{summary}");
    h.assert_shows("burst #1 done: 4 sent");
}

#[test]
fn the_export_carries_the_profiles_options_and_rounded_latencies() {
    let mut h = Harness::new(ready_app(), 120, 40);
    h.press("esc").press("s");
    h.emit(submitted(1))
        .emit(ProducerEvent::Completed(Completion {
            seq: 1,
            mode: Mode::Sync,
            outcome: Outcome::Acknowledged(receipt(1)),
            submitted_at: t0(),
            completed_at: t0(),
            latency: Duration::from_nanos(467_062_000),
        }));
    let effects = h.press_keeping_effects("E");
    let entries = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Export(entries) => Some(entries),
            _ => None,
        })
        .expect("an export");
    assert_eq!(entries.len(), 1);
    // The sandbox profile's settings: a 3 s timeout, the client's retries.
    let o = &entries[0].options;
    assert_eq!(o.send_timeout_ms, 3000, "{o:?}");
    assert_eq!(
        (o.retry_times, o.async_inflight),
        (
            rmq_engine::producer::ProducerSettings::new("x").retry_times_sync,
            rmq_engine::producer::ProducerSettings::new("x").async_inflight
        )
    );
    let r = rmq_journal::Record::from_entry(&entries[0], "id".into());
    assert_eq!(r.latency_ms, 467.062);
    assert_eq!(
        serde_json::to_value(&r).unwrap()["latency_ms"].to_string(),
        "467.062"
    );
}
