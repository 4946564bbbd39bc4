//! Snapshots of the message types on screen: the composer's type row for
//! each type at 80x24 and 120x40, and the results with a pending
//! transaction, a decided one, a check-back row and a delayed countdown.

use std::sync::Arc;
use std::time::Duration;

use ratatui_textarea::{Input, Key};

use super::tests::{draw, empty_app, in_log, t0};
use crate::console::app::{Action, App, Focus};
use crate::console::harness::Harness;
use rmq_model::events::{Connection, ProducerEvent, TxEvent};
use rmq_model::fixtures::receipt;
use rmq_model::message::{Completion, Draft, Mode, Outcome};
use rmq_model::types::{Delay, MessageType, TxChoice};

fn typed_app(spec: &str) -> App {
    let mut app = empty_app();
    app.focus = Focus::Body;
    for c in "order 42 paid".chars() {
        app.step(Action::Edit(Input {
            key: Key::Char(c),
            ..Default::default()
        }));
    }
    app.focus = Focus::Type;
    for c in spec.chars() {
        app.step(Action::Edit(Input {
            key: Key::Char(c),
            ..Default::default()
        }));
    }
    app
}

#[test]
fn composer_type_row_for_each_type() {
    for (name, spec) in [
        ("normal", ""),
        ("fifo", "fifo order-42"),
        ("delayed", "delay 3"),
        ("transaction", "tx"),
        ("batch", "batch 10"),
    ] {
        let app = typed_app(spec);
        for (w, h) in [(80, 24), (120, 40)] {
            insta::assert_snapshot!(format!("composer_{name}_{w}x{h}"), draw(&app, w, h));
        }
    }
}

#[test]
fn composer_type_row_says_an_always_sync_type_goes_sync() {
    let mut h = Harness::new(typed_app("fifo order-42"), 120, 40);
    h.press("esc").press("2");
    let app = h.app();
    for (w, ht) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("composer_fifo_async_goes_sync_{w}x{ht}"),
            draw(app, w, ht)
        );
    }
}

fn submit(app: &mut App, seq: u64, kind: MessageType, ms: i64) {
    app.step(Action::Producer(ProducerEvent::Submitted {
        seq,
        mode: Mode::Sync,
        draft: Arc::new(Draft {
            topic: "Orders".into(),
            tag: Some("paid".into()),
            keys: vec![format!("order-{seq}")],
            body: b"x".to_vec(),
            kind,
            ..Default::default()
        }),
        at: t0() + chrono::Duration::milliseconds(ms),
    }));
}

fn complete(app: &mut App, seq: u64, ms: i64) {
    let at = t0() + chrono::Duration::milliseconds(ms);
    // On queue 1, with no region, as the snapshots show it.
    let mut r = receipt(seq);
    r.queue_id = 1;
    r.region_id = None;
    app.step(Action::Producer(ProducerEvent::Completed(Completion {
        seq,
        mode: Mode::Sync,
        outcome: Outcome::Acknowledged(r),
        submitted_at: at,
        completed_at: at + chrono::Duration::milliseconds(3),
        latency: Duration::from_millis(3),
    })));
}

fn tx(app: &mut App, e: TxEvent) {
    app.step(Action::Producer(ProducerEvent::Transaction(e)));
}

/// A delayed send counting down, a transaction committed by the operator
/// after 4.2 s (its latency the half message's 3 ms), one left unknown and
/// checked back 12 times, one rolled back, and one pending (selected).
fn transactions_app() -> App {
    let mut app = empty_app();
    app.step(Action::Producer(ProducerEvent::Connection(
        Connection::Ready,
    )));
    submit(&mut app, 1, MessageType::Delayed(Delay::Level(4)), -8000);
    complete(&mut app, 1, -8000);
    let t = |d| MessageType::Transaction { decide: d };
    submit(&mut app, 2, t(None), -6000);
    tx(
        &mut app,
        TxEvent::Pending {
            seq: 2,
            transaction_id: "TX-2".into(),
            at: t0() - chrono::Duration::milliseconds(5997),
        },
    );
    tx(
        &mut app,
        TxEvent::Decided {
            seq: 2,
            choice: TxChoice::Commit,
            by: "operator".into(),
            at_check_back: false,
            at: t0() - chrono::Duration::milliseconds(1797),
        },
    );
    complete(&mut app, 2, -6000);
    submit(&mut app, 3, t(Some(TxChoice::Unknown)), -5000);
    tx(
        &mut app,
        TxEvent::Pending {
            seq: 3,
            transaction_id: "TX-3".into(),
            at: t0(),
        },
    );
    tx(
        &mut app,
        TxEvent::Decided {
            seq: 3,
            choice: TxChoice::Unknown,
            by: "the send".into(),
            at_check_back: false,
            at: t0(),
        },
    );
    complete(&mut app, 3, -5000);
    for _ in 0..12 {
        tx(
            &mut app,
            TxEvent::CheckBack {
                seq: Some(3),
                transaction_id: "TX-3".into(),
                answer: TxChoice::Unknown,
                reason: "not decided yet: transaction-check-default = unknown".into(),
                at: t0(),
            },
        );
    }
    submit(&mut app, 5, t(None), -3000);
    tx(
        &mut app,
        TxEvent::Pending {
            seq: 5,
            transaction_id: "TX-5".into(),
            at: t0() - chrono::Duration::milliseconds(2997),
        },
    );
    tx(
        &mut app,
        TxEvent::Decided {
            seq: 5,
            choice: TxChoice::Rollback,
            by: "operator".into(),
            at_check_back: false,
            at: t0() - chrono::Duration::milliseconds(1000),
        },
    );
    complete(&mut app, 5, -3000);
    submit(&mut app, 4, t(None), -1000);
    tx(
        &mut app,
        TxEvent::Pending {
            seq: 4,
            transaction_id: "TX-4".into(),
            at: t0(),
        },
    );
    app.focus = Focus::Log;
    app.selected = 0;
    app
}

#[test]
fn results_pending_transaction_and_check_back() {
    let app = transactions_app();
    insta::assert_snapshot!("results_transactions_120x40", draw(&app, 120, 40));
    insta::assert_snapshot!("results_transactions_80x24", draw(&app, 80, 24));
}

#[test]
fn detail_of_a_decided_transaction_and_a_delayed_send() {
    let mut h = in_log(transactions_app());
    // #2: committed by the operator; #1: delayed (level 4, 30 s).
    let rows = h.app().log.shown().clone();
    for seq in [2, 1] {
        let i = rows
            .iter()
            .position(|e| {
                e.seq == seq && !matches!(e.kind, crate::console::app::EntryKind::Note(_))
            })
            .unwrap();
        h.press("g");
        for _ in 0..i {
            h.press("j");
        }
        assert_eq!(h.app().selected, i);
        h.press("enter");
        let app = h.app();
        insta::assert_snapshot!(format!("detail_typed_{seq}_80x24"), draw(app, 80, 24));
        h.press("esc");
    }
}
