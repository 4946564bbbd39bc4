//! Key-driven tests of how the operator reads the screen's state: the
//! message log, the results log's filter, follow/pause, top/bottom and
//! dropped rows, a resend's row, and where the keyboard goes (after a
//! send, Alt-1/2/3 while typing, Shift-Tab, the pane switch).

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::console::harness::Harness;
use crate::console::ui::tests::{busy_app, empty_app, in_log, ready_app, t0};
use rmq_model::message::{Completion, Mode, Outcome};

fn submitted(seq: u64, key: &str) -> ProducerEvent {
    ProducerEvent::Submitted {
        seq,
        mode: Mode::Async,
        draft: Arc::new(Draft {
            topic: "Orders".into(),
            keys: vec![key.into()],
            body: b"x".to_vec(),
            ..Default::default()
        }),
        at: t0(),
    }
}

fn seqs(app: &App) -> Vec<u64> {
    app.rows().iter().map(|e| e.seq).collect()
}

#[test]
fn every_notice_is_kept_in_full_in_the_message_log() {
    let mut h = Harness::new(empty_app(), 80, 24);
    // A refusal longer than the status bar: the empty body and the topic.
    h.press("ctrl-a").press("ctrl-k").type_text("bad topic!");
    h.press("ctrl-s");
    let refusal = h.app().notice.clone().expect("the refusal").text;
    assert!(refusal.starts_with("not sent — Topic: "), "{refusal}");
    assert!(refusal.chars().count() > 80, "longer than the screen");
    h.press("esc").press("m");
    assert!(matches!(h.app().overlay, Overlay::Messages { .. }));
    // Every word of it on the overlay (wrapped, not cut).
    let screen = h.screen();
    for word in refusal.split(' ').filter(|w| w.len() > 3) {
        assert!(screen.contains(word), "{word} missing:\n{screen}");
    }
    h.press("q");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert!(!h.app().exit_requested(), "q closed the log, did not quit");
}

#[test]
fn the_message_log_is_bounded_and_counts_what_it_dropped() {
    let mut app = empty_app();
    for i in 0..MESSAGES_KEPT + 20 {
        app.notice(Level::Info, format!("notice {i}"));
    }
    assert_eq!(app.messages.list().len(), MESSAGES_KEPT);
    assert_eq!(app.messages.dropped, 20);
    assert_eq!(
        app.messages.list()[0].text,
        format!("notice {}", MESSAGES_KEPT + 19)
    );
}

#[test]
fn the_results_filter_keeps_only_matching_rows() {
    let mut h = in_log(empty_app());
    for seq in 1..=12 {
        h.emit(submitted(seq, &format!("order-{seq}")));
    }
    h.press("/").type_text("order-1");
    // order-1, order-10, order-11, order-12: as typed, newest first.
    assert_eq!(seqs(h.app()), [12, 11, 10, 1]);
    h.press("enter");
    assert!(
        !h.app().takes_text(),
        "Enter keeps the filter, leaves the line"
    );
    h.assert_shows("4 of 12 match");
    // field:value looks in that field only.
    h.press("/");
    for _ in 0.."order-1".len() {
        h.press("backspace");
    }
    h.type_text("key:order-7 seq:7");
    assert_eq!(seqs(h.app()), [7]);
    // A field the rows do not have: said, and the last good filter holds.
    h.paste(" colour:red");
    h.assert_shows("no field `colour` here");
    assert_eq!(seqs(h.app()), [7]);
    // Esc drops the filter.
    h.press("esc");
    assert_eq!(seqs(h.app()).len(), 12);
    assert!(h.app().view.filter_text.is_empty());
}

#[test]
fn scrolling_away_pauses_and_counts_new_rows_until_g_follows_again() {
    let mut h = in_log(empty_app());
    for seq in 1..=5 {
        h.emit(submitted(seq, &format!("order-{seq}")));
    }
    h.press("j").press("j");
    let reading = h.app().selected_entry().unwrap().seq;
    assert_eq!(reading, 3);
    h.emit(submitted(6, "order-6"))
        .emit(submitted(7, "order-7"));
    // The row under the cursor stays, the screen says what arrived.
    assert_eq!(h.app().selected_entry().unwrap().seq, reading);
    h.assert_shows("2 new ↑");
    h.press("G");
    assert_eq!(h.app().selected_entry().unwrap().seq, 1, "G: the oldest");
    h.press("g");
    assert_eq!(h.app().selected, 0);
    assert!(h.app().view.following(0));
    assert!(!h.screen().contains("new ↑"), "{}", h.screen());
    // Following: a new row is selected as it arrives.
    h.emit(submitted(8, "order-8"));
    assert_eq!(h.app().selected_entry().unwrap().seq, 8);
}

#[test]
fn rows_dropped_past_the_capacity_are_said_once_and_counted() {
    let mut app = empty_app();
    app.log = ResultsLog::new(3);
    let mut h = in_log(app);
    for seq in 1..=3 {
        h.emit(submitted(seq, "k"));
    }
    assert!(h.app().messages.list().is_empty());
    h.emit(submitted(4, "k")).emit(submitted(5, "k"));
    assert_eq!(seqs(h.app()), [5, 4, 3]);
    let said: Vec<&str> = h
        .app()
        .messages
        .list()
        .iter()
        .map(|m| m.text.as_str())
        .filter(|t| t.contains("keeps the newest 3 rows"))
        .collect();
    assert_eq!(said.len(), 1, "once: {said:?}");
    h.assert_shows("2 older dropped");
}

#[test]
fn a_resend_is_one_row_per_message() {
    let mut h = super::journal_tests::history_app();
    h.press("R");
    let cmds = h.commands();
    let [ProducerCommand::Send { seq, mode, draft }] = cmds.as_slice() else {
        panic!("one resend: {cmds:?}");
    };
    h.emit(ProducerEvent::Submitted {
        seq: *seq,
        mode: *mode,
        draft: draft.clone(),
        at: t0(),
    });
    h.emit(ProducerEvent::Completed(Completion {
        seq: *seq,
        mode: *mode,
        outcome: Outcome::Dispatched,
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(1),
    }));
    let rows = h.app().log.shown();
    assert_eq!(rows.len(), 1, "one row, no note beside it: {rows:?}");
    h.press("esc");
    h.assert_shows("order-4  resent");
    let wide = crate::console::ui::tests::draw(h.app(), 120, 40);
    assert!(wide.contains("resent ab12cd34-4"), "{wide}");
}

#[test]
fn after_a_send_the_keyboard_is_on_the_results_log() {
    let mut h = Harness::new(ready_app(), 80, 24);
    assert_eq!(h.app().focus, Focus::Topic);
    h.press("ctrl-s");
    assert_eq!(h.app().focus, Focus::Log);
    // `j` scrolls; nothing is typed into the topic.
    h.press("j");
    assert_eq!(h.app().composer.topic.lines()[0], "TopicTest");
    // `e` goes back to the field the send left, to vary the message.
    let mut h = Harness::new(ready_app(), 80, 24);
    h.press("tab").press("tab").press("tab").press("tab");
    assert_eq!(h.app().focus, Focus::Body);
    h.press("ctrl-s").press("e");
    assert_eq!(h.app().focus, Focus::Body);
}

#[test]
fn leave_field_after_send_false_keeps_the_keyboard_in_the_field() {
    let mut app = ready_app();
    app.leave_after_send = false;
    let mut h = Harness::new(app, 80, 24);
    h.press("ctrl-s");
    assert_eq!(h.app().focus, Focus::Topic);
}

#[test]
fn alt_digits_pick_the_mode_while_typing() {
    let mut h = Harness::new(empty_app(), 80, 24);
    h.type_text("X");
    h.press("alt-2");
    assert_eq!(h.app().mode, Mode::Async);
    assert_eq!(h.app().focus, Focus::Topic, "still typing");
    h.type_text("Y");
    assert_eq!(h.app().composer.topic.lines()[0], "TopicTestXY");
    h.press("alt-3");
    assert_eq!(h.app().mode, Mode::Oneway);
}

#[test]
fn shift_tab_wraps_and_ctrl_t_switches_pane() {
    let mut h = Harness::new(busy_app(), 80, 24);
    assert_eq!(h.app().focus, Focus::Topic);
    h.press("shift-tab");
    assert_eq!(
        h.app().focus,
        Focus::Log,
        "from the first field to the last pane"
    );
    h.press("tab");
    assert_eq!(h.app().focus, Focus::Topic, "and round again");
    // 80x24 shows one pane: Ctrl-T flips between them.
    h.assert_shows("Composer");
    h.press("ctrl-t");
    assert_eq!(h.app().focus, Focus::Log);
    assert!(!h.screen().contains("Composer"), "{}", h.screen());
    h.assert_shows("Results (5");
    h.press("ctrl-t");
    assert_eq!(h.app().focus, Focus::Topic);
}

/// `T` in the results log draws what was sent lately as a timeline (three
/// sync sends one after the other: a staircase), and again goes back to
/// the rows.
#[test]
fn t_shows_the_latest_sends_as_a_timeline_and_back() {
    let mut app = ready_app();
    app.focus = Focus::Log;
    let mut h = Harness::new(app, 120, 40);
    let mut start = 0i64;
    for seq in 1..=3u64 {
        let at = |us: i64| t0() + chrono::Duration::microseconds(us);
        h.emit(ProducerEvent::Submitted {
            seq,
            mode: Mode::Sync,
            draft: Arc::new(Draft {
                topic: "Orders".into(),
                body: b"x".to_vec(),
                ..Default::default()
            }),
            at: at(start),
        });
        h.emit(ProducerEvent::Completed(Completion {
            seq,
            mode: Mode::Sync,
            outcome: Outcome::Dispatched,
            submitted_at: at(start),
            completed_at: at(start + 400_000),
            latency: Duration::from_millis(400),
        }));
        start += 450_000;
    }
    h.advance(chrono::Duration::milliseconds(1_500));
    assert_eq!(h.app().context(), crate::console::keymap::Context::Log);
    h.press("T");
    let screen = h.screen();
    assert!(
        screen.contains("Timeline of the latest sends (T rows)"),
        "{screen}"
    );
    assert!(screen.contains("3 sent"), "{screen}");
    h.press("T");
    assert!(
        !h.screen().contains("Timeline of the latest"),
        "{}",
        h.screen()
    );
}
