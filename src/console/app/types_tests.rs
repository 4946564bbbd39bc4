//! Tests of message types: the type row, refused types, batch sequence
//! numbers, pending transactions decided with C / X / U, check-back rows
//! (keys through the harness) and the delayed countdown keeping the clock
//! live (`update`).

use std::sync::Arc;

use super::*;
use crate::console::harness::Harness;
use crate::console::ui::tests::{ready_app, t0};
use rmq_engine::producer::{ProducerCommand, ProducerEvent};
use rmq_model::events::TxEvent;
use rmq_model::fixtures::receipt;
use rmq_model::message::{Completion, Draft, Mode, Outcome};
use rmq_model::types::{Delay, MessageType, TxChoice};

/// A message ready to send on the harness, `spec` typed into the type row
/// and the keyboard left on the mode bar.
fn typed(spec: &str) -> Harness {
    let mut app = ready_app();
    app.focus = Focus::Type;
    let mut h = Harness::new(app, 80, 24);
    h.type_text(spec).press("esc");
    assert_eq!(h.app().focus, Focus::ModeBar);
    h
}

fn ev(app: &mut App, e: ProducerEvent) {
    app.step(Action::Producer(e));
}

fn tx(e: TxEvent) -> ProducerEvent {
    ProducerEvent::Transaction(e)
}

#[test]
fn the_type_row_builds_the_draft_type() {
    let mut h = typed("fifo order-7");
    assert!(!h.app().composer.errors.contains_key(&Focus::Type));
    h.press("s");
    match h.commands().as_slice() {
        [ProducerCommand::Send { draft, .. }] => assert_eq!(
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
    let mut h = typed("delay 19");
    assert!(h.app().composer.errors[&Focus::Type].contains("levels are 1 to 18"));
    h.press("s");
    assert!(h.commands().is_empty());
    assert!(
        h.app()
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("Type: delay level 19")
    );
}

#[test]
fn an_always_sync_type_goes_sync_from_any_mode_and_the_type_row_says_so() {
    for (spec, why) in [
        ("fifo order-1", "FIFO keeps order only for sync sends"),
        ("tx", "half message is stored before its decision"),
        ("batch 3", "one answer for all its messages"),
    ] {
        let mut h = typed(spec);
        assert!(!h.app().composer.notes[&Focus::Type].contains("sent sync"));
        for mode in ["2", "3"] {
            h.press(mode);
            assert!(!h.app().composer.errors.contains_key(&Focus::Type));
            let note = &h.app().composer.notes[&Focus::Type];
            assert!(note.starts_with("sent sync: "), "{note}");
            assert!(note.contains(why), "{note}");
            h.press("s");
            match h.commands().as_slice() {
                [ProducerCommand::Send { mode, .. }] => assert_eq!(*mode, Mode::Sync, "{spec}"),
                other => panic!("{spec}: expected one sync send, got {other:?}"),
            }
        }
        assert_ne!(
            h.app().mode,
            Mode::Sync,
            "the mode bar keeps what was chosen"
        );
    }
}

#[test]
fn a_batch_takes_one_sequence_number_per_message() {
    let mut h = typed("batch 10");
    h.press("s");
    match h.commands().as_slice() {
        [ProducerCommand::Send { seq, .. }] => assert_eq!(*seq, 1),
        other => panic!("expected a send: {other:?}"),
    }
    assert_eq!(h.app().next_seq, 11);
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

/// `pending_app` on the harness, the keyboard on the results log.
fn pending() -> Harness {
    let h = Harness::new(pending_app(), 80, 24);
    assert_eq!(h.app().focus, Focus::Log);
    h
}

#[test]
fn c_x_u_decide_the_selected_pending_transaction() {
    for (key, choice) in [
        ("C", TxChoice::Commit),
        ("X", TxChoice::Rollback),
        ("U", TxChoice::Unknown),
    ] {
        let mut h = pending();
        h.press(key);
        match h.commands().as_slice() {
            [ProducerCommand::Decide { seq: 1, choice: c }] => assert_eq!(*c, choice),
            other => panic!("{key}: expected a decision, got {other:?}"),
        }
    }
    // Once decided, a second key changes nothing; left unknown, it may.
    let mut h = pending();
    let decided = |h: &mut Harness, choice| {
        h.emit(tx(TxEvent::Decided {
            seq: 1,
            choice,
            by: "operator".into(),
            at_check_back: false,
            at: t0(),
        }));
    };
    decided(&mut h, TxChoice::Unknown);
    h.press("C");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Decide { seq: 1, .. }]
    ));
    decided(&mut h, TxChoice::Commit);
    h.press("X");
    assert!(h.commands().is_empty());
    assert!(
        h.app()
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("already decided: commit")
    );
}

#[test]
fn c_on_a_row_that_is_not_a_transaction_says_so() {
    let mut h = pending();
    h.emit(ProducerEvent::Submitted {
        seq: 2,
        mode: Mode::Sync,
        draft: Arc::new(Draft::default()),
        at: t0(),
    });
    h.press("g");
    assert_eq!(h.app().selected_entry().unwrap().seq, 2);
    h.press("C");
    assert!(h.commands().is_empty());
    assert!(
        h.app()
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("not a pending transaction")
    );
}

fn pending_tx(h: &mut Harness, seq: u64, id: &str) {
    h.emit(ProducerEvent::Submitted {
        seq,
        mode: Mode::Sync,
        draft: Arc::new(Draft {
            topic: "Orders".into(),
            body: b"x".to_vec(),
            kind: MessageType::Transaction { decide: None },
            ..Default::default()
        }),
        at: t0(),
    });
    h.emit(tx(TxEvent::Pending {
        seq,
        transaction_id: id.into(),
        at: t0(),
    }));
}

fn check_back(seq: u64, id: &str) -> ProducerEvent {
    tx(TxEvent::CheckBack {
        seq: Some(seq),
        transaction_id: id.into(),
        answer: TxChoice::Unknown,
        reason: "not decided yet: transaction-check-default = unknown".into(),
        at: t0(),
    })
}

/// Issue 27, item 1: check-backs are counted on the transaction's own row
/// (no row of their own pushing the others down), so the row the operator
/// selected is the one `X` decides while check-backs and new sends arrive.
#[test]
fn check_backs_arrive_while_deciding_and_x_decides_the_selected_transaction() {
    let mut h = pending();
    pending_tx(&mut h, 2, "TX2");
    h.press("g");
    assert_eq!(
        h.app().selected_entry().unwrap().seq,
        2,
        "the newest, selected"
    );
    let rows = h.app().log.shown().len();
    for _ in 0..5 {
        h.emit(check_back(1, "TX1"));
        h.emit(check_back(2, "TX2"));
    }
    // A send of another kind arrives on top too.
    h.emit(ProducerEvent::Submitted {
        seq: 3,
        mode: Mode::Sync,
        draft: Arc::new(Draft::default()),
        at: t0(),
    });
    assert_eq!(
        h.app().log.shown().len(),
        rows + 1,
        "check-backs add no rows"
    );
    assert_eq!(
        h.app().selected_entry().unwrap().seq,
        2,
        "the selected row stayed"
    );
    h.press("X");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Decide {
            seq: 2,
            choice: TxChoice::Rollback
        }]
    ));
    let t = &h.app().typed.tx[&1];
    assert_eq!(t.checks, 5);
    assert!(
        t.summary()
            .starts_with("checked 5×, last UNKNOWN by transaction-check-default"),
        "{}",
        t.summary()
    );
}

/// Outside the results log the selection follows the newest row: a second
/// transaction sent from the mode bar is the one selected on entering the
/// log (the end-to-end run on the broker caught X landing on the first).
#[test]
fn outside_the_log_the_selection_follows_the_newest_transaction() {
    let mut h = pending();
    h.press("shift-tab");
    assert_ne!(h.app().focus, Focus::Log);
    pending_tx(&mut h, 2, "TX2");
    h.emit(check_back(1, "TX1"));
    h.press("tab");
    assert_eq!(h.app().focus, Focus::Log);
    h.press("X");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Decide { seq: 2, .. }]
    ));
}

/// Issue 27, item 1: whoever decided other than the operator is named on
/// the row with the reason; a rolled-back transaction never reads OK; the
/// time taken to decide is shown apart from the send's latency.
#[test]
fn the_row_says_who_decided_and_why_and_a_rollback_is_not_ok() {
    let mut h = pending();
    let by = "the console: 2 transactions already wait for you and each holds one of the \
              client's threads the check-backs need; decide it on its row and it goes at the \
              broker's next check-back";
    h.emit(tx(TxEvent::Decided {
        seq: 1,
        choice: TxChoice::Unknown,
        by: by.into(),
        at_check_back: false,
        at: t0(),
    }));
    let t = &h.app().typed.tx[&1];
    assert_eq!(t.label().0, "PENDING", "unknown decides nothing");
    assert!(
        t.summary()
            .contains("left UNKNOWN by the console: 2 transactions already wait")
    );
    h.press("X");
    assert_eq!(h.commands().len(), 1, "still the operator's to decide");
    h.emit(tx(TxEvent::Decided {
        seq: 1,
        choice: TxChoice::Rollback,
        by: "operator".into(),
        at_check_back: true,
        at: t0() + chrono::Duration::milliseconds(4200),
    }));
    let t = &h.app().typed.tx[&1];
    assert_eq!(t.label().0, "ROLLBACK…");
    assert!(
        t.summary()
            .starts_with("ROLLBACK by operator after 4.20s: goes at the broker's next check-back"),
        "{}",
        t.summary()
    );
    h.emit(tx(TxEvent::CheckBack {
        seq: Some(1),
        transaction_id: "TX1".into(),
        answer: TxChoice::Rollback,
        reason: "its decision".into(),
        at: t0(),
    }));
    h.emit(ProducerEvent::Completed(Completion {
        seq: 1,
        mode: Mode::Sync,
        outcome: Outcome::Acknowledged(receipt(1)),
        submitted_at: t0(),
        completed_at: t0(),
        latency: std::time::Duration::from_millis(3),
    }));
    let t = &h.app().typed.tx[&1];
    assert_eq!(t.label().0, "ROLLBACK");
    assert!(
        t.summary().ends_with("checked 1×, last ROLLBACK"),
        "{}",
        t.summary()
    );
    h.assert_shows("ROLLBACK");
    assert!(!h.screen().contains("OK SendOk"), "{}", h.screen());
    // The summary line says so too: stored, but never to be delivered.
    assert!(
        h.app()
            .exit_summary(None)
            .contains("1 ok, 0 failed, 0 dispatched (one-way), 0 unresolved (1 of them transaction(s) rolled back)"),
        "{}",
        h.app().exit_summary(None)
    );
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
    ev(
        &mut app,
        ProducerEvent::Completed(Completion {
            seq: 1,
            mode: Mode::Sync,
            outcome: Outcome::Acknowledged(receipt(1)),
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

/// Issue 27, item 6: an imported line with `"mode":"oneway"` and a FIFO
/// type is sent sync, and the import says so, instead of refusing it.
#[test]
fn an_imported_oneway_fifo_line_goes_sync_and_the_import_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fifo.jsonl");
    std::fs::write(
        &file,
        "{\"topic\":\"orders\",\"body\":\"one\",\"type\":\"fifo k\",\"mode\":\"oneway\"}\n",
    )
    .unwrap();
    let mut h = Harness::new(ready_app(), 120, 40);
    h.press("esc").press("I");
    h.type_text(&file.display().to_string()).press("enter");
    assert_eq!(h.app().context(), Context::Import);
    let text = h.app().notice.as_ref().unwrap().text.clone();
    assert!(
        text.ends_with("1 message(s), 0 invalid line(s); 1 sent sync (FIFO and transactions are always sent sync)"),
        "{text}"
    );
    h.press("s");
    match h.commands().as_slice() {
        [ProducerCommand::Send { mode, draft, .. }] => {
            assert_eq!(*mode, Mode::Sync);
            assert!(matches!(draft.kind, MessageType::Fifo { .. }));
        }
        other => panic!("{other:?}"),
    }
}

/// Issue 25, item 4: a transaction the operator decides after its half
/// message was stored is journaled again with the decision, so the
/// journal's latest state of the send says it was committed and by whom
/// (its first record, written when it was stored, says "undecided").
#[test]
fn a_decision_after_the_half_message_reaches_the_journal() {
    let mut h = pending();
    h.start_journal(&[]);
    h.emit(ProducerEvent::Completed(Completion {
        seq: 1,
        mode: Mode::Sync,
        outcome: Outcome::Acknowledged(rmq_model::fixtures::receipt(1)),
        submitted_at: t0(),
        completed_at: t0(),
        latency: std::time::Duration::from_millis(3),
    }));
    let first = h.journal_records();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].decision.as_deref(), Some("undecided"));
    h.emit(tx(TxEvent::Decided {
        seq: 1,
        choice: TxChoice::Commit,
        by: "operator".into(),
        at_check_back: false,
        at: t0() + chrono::Duration::seconds(4),
    }));
    let folded = h.journal_records();
    assert_eq!(folded.len(), 1, "one send, in its latest state");
    assert_eq!(folded[0].decision.as_deref(), Some("commit"));
    assert_eq!(folded[0].decided_by.as_deref(), Some("operator"));
    assert_eq!(folded[0].state, "acknowledged");
}
