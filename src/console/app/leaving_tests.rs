//! Issue 27, items 4 and 5, through real keys (`harness`): `q` asks before
//! a burst or an unsettled transaction is thrown away, `q` in an overlay
//! only closes it, Ctrl-C clears a text field, the draft and the repeat
//! form survive a restart, the summary line, the counters' reset.

use std::sync::Arc;

use super::*;
use crate::console::harness::Harness;
use crate::console::ui::tests::{draw, empty_app, ready_app, t0};
use rmq_engine::producer::ProducerCommand;
use rmq_model::events::TxEvent;
use rmq_model::fixtures::receipt;
use rmq_model::message::{Completion, Outcome};
use rmq_model::types::{MessageType, TxChoice};

/// A message ready to send, the keyboard on the mode bar.
fn ready() -> Harness {
    let mut h = Harness::new(ready_app(), 120, 40);
    h.press("esc");
    assert_eq!(h.app().context(), Context::ModeBar);
    h
}

fn shutdowns(h: &mut Harness) -> usize {
    h.commands()
        .iter()
        .filter(|c| matches!(c, ProducerCommand::Shutdown { .. }))
        .count()
}

#[test]
fn q_during_a_burst_asks_what_would_be_lost_and_n_stays() {
    let mut h = ready();
    h.press("r").press("enter");
    let id = match h.commands().as_slice() {
        [ProducerCommand::Burst(b)] => b.id,
        other => panic!("{other:?}"),
    };
    h.emit(ProducerEvent::BurstProgress {
        id,
        submitted: 4,
        total: 10,
    });
    h.press("q");
    assert!(!h.app().exit_requested());
    assert_eq!(h.app().context(), Context::Confirm);
    h.assert_shows("Quit?")
        .assert_shows("burst #1: 6 of 10 not sent yet would not be sent")
        .assert_shows("y yes");
    for (w, ht) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("quit_question_burst_{w}x{ht}"),
            draw(h.app(), w, ht)
        );
    }
    // The numbers move while the question is open.
    h.emit(ProducerEvent::BurstProgress {
        id,
        submitted: 7,
        total: 10,
    });
    h.assert_shows("burst #1: 3 of 10 not sent yet");
    h.press("n");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert!(!h.app().exit_requested());
    assert_eq!(shutdowns(&mut h), 0, "nothing shut down");
    assert!(h.app().burst.is_some(), "the burst runs on");
    h.press("q").press("y");
    assert_eq!(shutdowns(&mut h), 1, "y quits");
}

#[test]
fn q_with_a_pending_transaction_asks_and_nothing_at_stake_quits_at_once() {
    let mut h = ready();
    h.emit(ProducerEvent::Submitted {
        seq: 1,
        mode: Mode::Sync,
        draft: Arc::new(Draft {
            topic: "Orders".into(),
            body: b"x".to_vec(),
            kind: MessageType::Transaction { decide: None },
            ..Default::default()
        }),
        at: t0(),
    });
    h.emit(ProducerEvent::Transaction(TxEvent::Pending {
        seq: 1,
        transaction_id: "TX1".into(),
        at: t0(),
    }));
    h.press("q");
    h.assert_shows("1 transaction(s) not settled at the broker (#1 PENDING)");
    h.press("esc");
    assert_eq!(shutdowns(&mut h), 0);
    // Decided and stored: nothing at stake any more, q quits at once.
    h.emit(ProducerEvent::Transaction(TxEvent::Decided {
        seq: 1,
        choice: TxChoice::Commit,
        by: "operator".into(),
        at_check_back: false,
        at: t0(),
    }));
    h.emit(ProducerEvent::Completed(Completion {
        seq: 1,
        mode: Mode::Sync,
        outcome: Outcome::Acknowledged(receipt(1)),
        submitted_at: t0(),
        completed_at: t0(),
        latency: std::time::Duration::from_millis(2),
    }));
    h.press("q");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert!(h.app().exit_requested());
    assert_eq!(
        h.app().exit_summary(None),
        "rmq-console: sent 1: 1 ok, 0 failed, 0 dispatched (one-way), 0 unresolved"
    );
}

#[test]
fn q_inside_an_overlay_closes_it_and_never_quits() {
    let mut h = ready();
    h.emit(ProducerEvent::Submitted {
        seq: 1,
        mode: Mode::Sync,
        draft: Arc::new(Draft::default()),
        at: t0(),
    });
    // Help, a result's detail, the profile picker: q closes each; the
    // repeat form takes q as text.
    for open in ["?", "tab", "p"] {
        if open == "tab" {
            h.press("tab").press("enter");
            assert!(matches!(h.app().overlay, Overlay::Detail { .. }));
        } else {
            h.press(open);
            assert!(!matches!(h.app().overlay, Overlay::None), "{open} opens");
        }
        h.press("q");
        assert!(
            matches!(h.app().overlay, Overlay::None),
            "{open}: q closed it"
        );
        assert!(!h.app().exit_requested(), "{open}: q did not quit");
        assert!(h.app().quitting.is_none());
        if open == "tab" {
            h.press("shift-tab");
        }
    }
    h.press("r").press("q");
    assert!(matches!(h.app().overlay, Overlay::Repeat(_)));
    assert!(!h.app().exit_requested());
    assert_eq!(shutdowns(&mut h), 0);
}

#[test]
fn ctrl_c_in_a_text_field_clears_it_and_outside_one_quits() {
    let mut h = Harness::new(empty_app(), 80, 24);
    assert_eq!(h.app().context(), Context::Edit);
    h.press("ctrl-c");
    assert_eq!(h.app().composer.topic.lines()[0], "", "the topic cleared");
    assert!(!h.app().exit_requested());
    h.press("ctrl-c");
    assert!(!h.app().exit_requested(), "an empty field: still no quit");
    h.assert_shows("the field is empty");
    // Undo brings the text back.
    h.press("ctrl-u");
    assert_eq!(h.app().composer.topic.lines()[0], "TopicTest");
    // The repeat form's field too.
    h.press("esc").press("r");
    h.press("ctrl-c");
    match &h.app().overlay {
        Overlay::Repeat(f) => assert_eq!(f.count.lines()[0], ""),
        _ => panic!("the form stays open"),
    }
    h.press("esc");
    assert_eq!(h.app().context(), Context::ModeBar);
    h.press("ctrl-c");
    assert!(
        h.app().exit_requested(),
        "outside a field Ctrl-C quits as before"
    );
}

#[test]
fn the_draft_and_the_repeat_form_survive_a_restart() {
    let mut h = Harness::new(empty_app(), 120, 40);
    h.press("ctrl-c").type_text("Orders");
    h.press("tab").type_text("paid");
    h.press("tab").type_text("order-7 user-9");
    h.press("tab").type_text("region=eu");
    h.press("tab")
        .type_text("line one")
        .press("enter")
        .type_text("line two");
    h.press("esc").press("2");
    // The repeat form: count and rate typed, keys left as the composer's.
    h.press("r").press("ctrl-c").type_text("250");
    h.press("tab").type_text("50");
    h.press("esc");
    let kept = h.app().kept();
    // Through the file, as a restart goes.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("console.json");
    crate::console::saved::write(&file, &kept).unwrap();
    let back = crate::console::saved::read(&file).unwrap().unwrap();
    let mut next = empty_app();
    next.restore(&back);
    let c = &next.composer;
    assert_eq!(c.topic.lines()[0], "Orders");
    assert_eq!(c.tag.lines()[0], "paid");
    assert_eq!(c.keys.lines()[0], "order-7 user-9");
    assert_eq!(c.props.lines(), ["region=eu"]);
    assert_eq!(c.body.lines(), ["line one", "line two"]);
    assert_eq!(next.mode, Mode::Async);
    let mut h = Harness::new(next, 120, 40);
    h.assert_shows("the last session's draft is back in the composer");
    h.press("esc").press("r");
    match &h.app().overlay {
        Overlay::Repeat(f) => {
            assert_eq!(f.count.lines()[0], "250");
            assert_eq!(f.rate.lines()[0], "50");
            assert_eq!(
                f.template.lines()[0],
                "order-7 user-9",
                "the composer's keys"
            );
            assert_eq!(f.mode.lines()[0], "async");
        }
        _ => panic!("the repeat form"),
    }
    // A file of another version is not misread.
    let mut other = empty_app();
    other.restore(&serde_json::json!({"version": 99, "draft": {"topic": "X"}}));
    assert_eq!(other.composer.topic.lines()[0], "TopicTest");
}

#[test]
fn the_repeat_form_defaults_its_keys_to_the_composers_and_has_a_mode() {
    let mut h = Harness::new(ready_app(), 120, 40);
    h.press("tab")
        .press("tab")
        .type_text("order-1")
        .press("esc");
    h.press("r");
    match &h.app().overlay {
        Overlay::Repeat(f) => {
            assert_eq!(
                f.template.lines()[0],
                "order-1",
                "not a template of its own"
            );
            assert_eq!(f.mode.lines()[0], "sync");
        }
        _ => panic!("the repeat form"),
    }
    // Keys typed in the form are remembered; the mode goes async there.
    h.press("tab")
        .press("tab")
        .press("ctrl-c")
        .type_text("o-{n}");
    h.press("tab").press("ctrl-c").type_text("async");
    h.press("enter");
    match h.commands().as_slice() {
        [ProducerCommand::Burst(b)] => {
            assert_eq!(b.mode, Mode::Async);
            assert_eq!(b.key_template.as_deref(), Some("o-{n}"));
            assert_eq!(b.count, 10);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.app().mode, Mode::Sync, "the mode bar is left as it was");
    h.emit(ProducerEvent::BurstFinished {
        id: 1,
        submitted: 10,
        cancelled: false,
    });
    h.press("r");
    match &h.app().overlay {
        Overlay::Repeat(f) => assert_eq!(f.template.lines()[0], "o-{n}"),
        _ => panic!("the repeat form"),
    }
    h.press("tab")
        .press("tab")
        .press("tab")
        .press("ctrl-c")
        .type_text("fast");
    h.assert_shows("sync, async or oneway");
}

#[test]
fn the_summary_line_counts_the_session_and_the_reset_keeps_it() {
    let mut h = ready();
    for seq in 1..=3 {
        h.press("s");
        let outcome = if seq == 3 {
            Outcome::Failed(rmq_model::message::Failure {
                reason: "no".into(),
                code: None,
            })
        } else {
            Outcome::Acknowledged(receipt(seq))
        };
        h.emit(ProducerEvent::Submitted {
            seq,
            mode: Mode::Sync,
            draft: Arc::new(Draft::default()),
            at: t0(),
        });
        h.emit(ProducerEvent::Completed(Completion {
            seq,
            mode: Mode::Sync,
            outcome,
            submitted_at: t0(),
            completed_at: t0(),
            latency: std::time::Duration::from_millis(2),
        }));
    }
    assert_eq!(h.app().stats(Mode::Sync).sent(), 3);
    // The reset key: counters start over, the log and the summary keep all
    // (after a send the keyboard is on the results log).
    assert_eq!(h.app().context(), Context::Log);
    let rows = h.app().log.shown().len();
    h.press("Z");
    assert_eq!(h.app().stats(Mode::Sync).sent(), 0);
    assert_eq!(h.app().stats(Mode::Sync).latency.count(), 0);
    assert_eq!(h.app().log.shown().len(), rows + 1, "a note says when");
    h.assert_shows("counters reset at");
    assert_eq!(
        h.app()
            .exit_summary(Some(std::path::Path::new("/s/journal.jsonl"))),
        "rmq-console: sent 3: 2 ok, 1 failed, 0 dispatched (one-way), 0 unresolved; journal /s/journal.jsonl"
    );
}
