//! `update` tests for message types: the type row, refused types, batch
//! sequence numbers, pending transactions decided with C / X / U, check-back
//! rows and the delayed countdown keeping the clock live.

use std::sync::Arc;

use ratatui_textarea::{Input, Key, TextArea};

use super::*;
use crate::console::keymap::Bind;
use crate::console::ui::tests::{empty_app, t0};
use rmq_engine::producer::{ProducerCommand, ProducerEvent};
use rmq_model::events::TxEvent;
use rmq_model::message::SendStatus;
use rmq_model::message::{Completion, Draft, Mode, Outcome, Receipt};
use rmq_model::types::{Delay, MessageType, TxChoice};

fn ready_app() -> App {
    let mut app = empty_app();
    app.composer.body = TextArea::new(vec!["hello".into()]);
    app.composer.validate(app.max_message_bytes());
    app
}

/// Types `spec` into the type row and leaves the keyboard on the mode bar.
fn set_type(app: &mut App, spec: &str) {
    app.focus = Focus::Type;
    for c in spec.chars() {
        app.step(Action::Edit(Input {
            key: Key::Char(c),
            ..Default::default()
        }));
    }
    app.step(Action::Key(Bind::LeaveField));
}

fn ev(app: &mut App, e: ProducerEvent) {
    app.step(Action::Producer(e));
}

fn tx(e: TxEvent) -> ProducerEvent {
    ProducerEvent::Transaction(e)
}

#[test]
fn the_type_row_builds_the_draft_type() {
    let mut app = ready_app();
    set_type(&mut app, "fifo order-7");
    assert!(!app.composer.errors.contains_key(&Focus::Type));
    match one(app.step(Action::Key(Bind::QuickSend))) {
        Some(Effect::Submit(ProducerCommand::Send { draft, .. })) => assert_eq!(
            draft.kind,
            MessageType::Fifo {
                sharding_key: "order-7".into()
            }
        ),
        other => panic!("expected a send: {other:?}"),
    }
}

#[test]
fn a_refused_type_is_shown_beside_the_row_and_sends_nothing() {
    let mut app = ready_app();
    set_type(&mut app, "delay 19");
    assert!(app.composer.errors[&Focus::Type].contains("levels are 1 to 18"));
    assert!(app.step(Action::Key(Bind::QuickSend)).is_empty());
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("Type: delay level 19")
    );
    // A transaction is sync: switching to async flags the row at once.
    let mut app = ready_app();
    set_type(&mut app, "tx");
    assert!(!app.composer.errors.contains_key(&Focus::Type));
    app.step(Action::Key(Bind::ModeAsync));
    assert!(app.composer.errors[&Focus::Type].contains("sent sync"));
    assert!(app.step(Action::Key(Bind::QuickSend)).is_empty());
    // The draft is kept.
    assert_eq!(app.composer.kind_text.lines()[0], "tx");
}

#[test]
fn a_batch_takes_one_sequence_number_per_message() {
    let mut app = ready_app();
    set_type(&mut app, "batch 10");
    match one(app.step(Action::Key(Bind::QuickSend))) {
        Some(Effect::Submit(ProducerCommand::Send { seq, .. })) => assert_eq!(seq, 1),
        other => panic!("expected a send: {other:?}"),
    }
    assert_eq!(app.next_seq, 11);
}

fn pending_app() -> App {
    let mut app = ready_app();
    let draft = Arc::new(Draft {
        topic: "Orders".into(),
        body: b"x".to_vec(),
        kind: MessageType::Transaction { decide: None },
        ..Default::default()
    });
    ev(
        &mut app,
        ProducerEvent::Submitted {
            seq: 1,
            mode: Mode::Sync,
            draft,
            at: t0(),
        },
    );
    ev(
        &mut app,
        tx(TxEvent::Pending {
            seq: 1,
            transaction_id: "TX1".into(),
            at: t0(),
        }),
    );
    app.focus = Focus::Log;
    app
}

#[test]
fn c_x_u_decide_the_selected_pending_transaction() {
    for (b, choice) in [
        (Bind::TxCommit, TxChoice::Commit),
        (Bind::TxRollback, TxChoice::Rollback),
        (Bind::TxUnknown, TxChoice::Unknown),
    ] {
        let mut app = pending_app();
        match one(app.step(Action::Key(b))) {
            Some(Effect::Submit(ProducerCommand::Decide { seq: 1, choice: c })) => {
                assert_eq!(c, choice)
            }
            other => panic!("{b:?}: expected a decision, got {other:?}"),
        }
    }
    // Once decided, a second key changes nothing; left unknown, it may.
    let mut app = pending_app();
    let decided = |app: &mut App, choice| {
        ev(
            app,
            tx(TxEvent::Decided {
                seq: 1,
                choice,
                by: "operator".into(),
                at_check_back: false,
                at: t0(),
            }),
        )
    };
    decided(&mut app, TxChoice::Unknown);
    assert!(matches!(
        one(app.step(Action::Key(Bind::TxCommit))),
        Some(Effect::Submit(ProducerCommand::Decide { seq: 1, .. }))
    ));
    decided(&mut app, TxChoice::Commit);
    assert!(app.step(Action::Key(Bind::TxRollback)).is_empty());
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("already decided: commit")
    );
}

#[test]
fn c_on_a_row_that_is_not_a_transaction_says_so() {
    let mut app = pending_app();
    ev(
        &mut app,
        ProducerEvent::Submitted {
            seq: 2,
            mode: Mode::Sync,
            draft: Arc::new(Draft::default()),
            at: t0(),
        },
    );
    app.selected = 0;
    assert_eq!(app.selected_entry().unwrap().seq, 2);
    assert!(app.step(Action::Key(Bind::TxCommit)).is_empty());
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("not a pending transaction")
    );
}

#[test]
fn a_check_back_is_a_row_of_its_own_with_its_answer() {
    let mut app = pending_app();
    let rows = app.log.shown().len();
    ev(
        &mut app,
        tx(TxEvent::CheckBack {
            seq: Some(1),
            transaction_id: "TX1".into(),
            answer: TxChoice::Unknown,
            reason: "not decided yet: transaction-check-default".into(),
            at: t0(),
        }),
    );
    assert_eq!(app.log.shown().len(), rows + 1);
    match &app.log.shown()[0].kind {
        EntryKind::Note(text) => {
            assert!(text.contains("CHECK-BACK #1 answered UNKNOWN"), "{text}");
            assert!(text.ends_with("· tx TX1"), "{text}");
            assert!(text.contains("transaction-check-default"), "{text}");
        }
        other => panic!("a note row, got {other:?}"),
    }
    // C on the check-back row decides its transaction.
    app.focus = Focus::Log;
    app.selected = 0;
    assert!(matches!(
        one(app.step(Action::Key(Bind::TxCommit))),
        Some(Effect::Submit(ProducerCommand::Decide {
            seq: 1,
            choice: TxChoice::Commit
        }))
    ));
}

#[test]
fn a_delayed_row_keeps_the_clock_live_until_it_is_visible() {
    let mut app = ready_app();
    let draft = Arc::new(Draft {
        topic: "T".into(),
        body: b"x".to_vec(),
        kind: MessageType::Delayed(Delay::Level(3)),
        ..Default::default()
    });
    ev(
        &mut app,
        ProducerEvent::Submitted {
            seq: 1,
            mode: Mode::Sync,
            draft,
            at: t0(),
        },
    );
    let receipt = Receipt {
        status: SendStatus::SendOk,
        msg_id: "M".into(),
        offset_msg_id: "O".into(),
        broker: "broker-a".into(),
        queue_id: 0,
        queue_offset: 0,
        transaction_id: None,
        region_id: None,
    };
    ev(
        &mut app,
        ProducerEvent::Completed(Completion {
            seq: 1,
            mode: Mode::Sync,
            outcome: Outcome::Acknowledged(receipt),
            submitted_at: t0(),
            completed_at: t0(),
            latency: std::time::Duration::from_millis(2),
        }),
    );
    assert!(app.counting_down());
    app.drawn();
    app.step(Action::Tick(t0() + chrono::Duration::seconds(4)));
    assert!(app.needs_draw(), "the countdown redraws every second");
    app.step(Action::Tick(t0() + chrono::Duration::seconds(11)));
    assert!(!app.counting_down(), "visible after 10 s (level 3)");
}
