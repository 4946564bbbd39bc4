//! App tests: `update` with no terminal.

use std::sync::Arc;
use std::time::Duration;

use ratatui_textarea::{Input, Key, TextArea};

use super::*;
use crate::console::keymap::{Bind, Context};
use crate::console::ui::tests::{busy_app, empty_app, t0};
use rmq_engine::producer::{Connection, ProducerCommand, ProducerEvent, SubmitError};
use rmq_model::message::SendStatus;
use rmq_model::message::{Completion, Draft, Failure, Mode, Outcome, Receipt, Seq};

/// `empty_app` with a body, so sends pass validation (RocketMQ refuses
/// empty bodies).
fn ready_app() -> App {
    let mut app = empty_app();
    app.composer.body = TextArea::new(vec!["hello".into()]);
    app.composer.validate(app.max_message_bytes());
    app
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        let key = if c == '\n' { Key::Enter } else { Key::Char(c) };
        app.step(Action::Edit(Input {
            key,
            ..Default::default()
        }));
    }
}

/// Presses the action `b`, which some key must produce in the App's
/// current context (what no key can do belongs in a harness test).
#[track_caller]
fn key(app: &mut App, b: Bind) -> Option<Effect> {
    let ctx = app.context();
    assert!(
        app.keymap.help_entries(ctx).iter().any(|(_, x)| *x == b),
        "no key produces {} in {}",
        b.name(),
        ctx.label()
    );
    one(app.step(Action::Key(b)))
}

fn sent(e: Option<Effect>) -> (Seq, Mode, Arc<Draft>) {
    match e {
        Some(Effect::Submit(ProducerCommand::Send { seq, mode, draft })) => (seq, mode, draft),
        other => panic!("expected a send, got {other:?}"),
    }
}

fn completion(seq: Seq, mode: Mode, outcome: Outcome) -> ProducerEvent {
    ProducerEvent::Completed(Completion {
        seq,
        mode,
        outcome,
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(5),
    })
}

fn ok() -> Outcome {
    Outcome::Acknowledged(Receipt {
        status: SendStatus::SendOk,
        msg_id: "ID1".into(),
        offset_msg_id: "OFF1".into(),
        broker: "b".into(),
        queue_id: 0,
        queue_offset: 1,
        transaction_id: None,
        region_id: None,
    })
}

#[test]
fn mode_select_and_focus_cycle() {
    let mut app = empty_app();
    assert_eq!(app.focus, Focus::Topic);
    assert_eq!(app.context(), Context::Edit);
    key(&mut app, Bind::LeaveField);
    assert_eq!(app.focus, Focus::ModeBar);
    key(&mut app, Bind::ModeOneway);
    assert_eq!(app.mode, Mode::Oneway);
    key(&mut app, Bind::ModeNext);
    assert_eq!(app.mode, Mode::Sync);
    key(&mut app, Bind::ModeAsync);
    assert_eq!(app.mode, Mode::Async);
    key(&mut app, Bind::FocusNext);
    assert_eq!(app.focus, Focus::Log);
    key(&mut app, Bind::FocusNext);
    assert_eq!(app.focus, Focus::Topic, "Tab wraps around");
    key(&mut app, Bind::FocusPrev);
    assert_eq!(app.focus, Focus::Log);
    app.step(Action::FocusPane(Focus::Body));
    assert_eq!(app.focus, Focus::Body);
}

#[test]
fn send_builds_the_draft_with_the_next_seq_and_mode() {
    let mut app = empty_app();
    key(&mut app, Bind::FocusNext);
    typ(&mut app, "tagA\nk1  k2\nregion=eu");
    key(&mut app, Bind::FocusNext);
    typ(&mut app, "hello\nworld");
    assert_eq!(app.focus, Focus::Body);
    let (seq, mode, draft) = sent(key(&mut app, Bind::Send));
    assert_eq!((seq, mode), (1, Mode::Sync));
    assert_eq!(
        *draft,
        Draft {
            topic: "TopicTest".into(),
            tag: Some("tagA".into()),
            keys: vec!["k1".into(), "k2".into()],
            properties: vec![("region".into(), "eu".into())],
            body: b"hello\nworld".to_vec(),
            kind: Default::default(),
        }
    );
    // The send took the keyboard out of the field, to the results log.
    assert_eq!(app.focus, Focus::Log);
    key(&mut app, Bind::ModeAsync);
    let (seq, mode, _) = sent(key(&mut app, Bind::QuickSend));
    assert_eq!((seq, mode), (2, Mode::Async));
}

#[test]
fn invalid_fields_block_send_and_keep_the_draft() {
    let mut app = empty_app();
    typ(&mut app, "!");
    assert!(app.composer.errors.contains_key(&Focus::Topic));
    app.focus = Focus::Tag;
    typ(&mut app, "a||b");
    assert!(app.composer.errors.contains_key(&Focus::Tag));
    app.focus = Focus::Props;
    typ(&mut app, "novalue\nKEYS=x");
    assert_eq!(
        app.composer.errors.get(&Focus::Props).unwrap(),
        "line 1: expected key=value"
    );
    assert!(key(&mut app, Bind::Send).is_none());
    let n = app.notice.clone().unwrap();
    assert_eq!(n.level, Level::Error);
    assert!(n.text.contains("Topic"), "{}", n.text);
    assert_eq!(app.composer.topic.lines()[0], "TopicTest!");
    assert_eq!(app.composer.tag.lines()[0], "a||b");
    assert_eq!(app.next_seq, 1, "no seq used by a refused send");
    // Fix the props only: reserved key still reported.
    app.composer.props = TextArea::new(vec!["KEYS=x".into()]);
    typ(&mut app, "");
    app.step(Action::Edit(Input {
        key: Key::End,
        ..Default::default()
    }));
    assert!(app.composer.errors[&Focus::Props].contains("reserved"));
}

#[test]
fn body_over_the_limit_is_refused() {
    let mut app = empty_app();
    app.profiles[app.current]
        .settings
        .as_mut()
        .unwrap()
        .max_message_bytes = 4;
    app.focus = Focus::Body;
    typ(&mut app, "hello");
    assert!(app.composer.errors[&Focus::Body].contains("at most 4"));
    assert!(key(&mut app, Bind::Send).is_none());
}

#[test]
fn events_update_the_counters() {
    let mut app = empty_app();
    let ev = |app: &mut App, e| {
        app.step(Action::Producer(e));
    };
    ev(
        &mut app,
        ProducerEvent::Queued {
            seq: 1,
            mode: Mode::Async,
            at: t0(),
        },
    );
    assert_eq!(app.stats(Mode::Async).queued, 1);
    for (seq, mode) in [
        (1, Mode::Async),
        (2, Mode::Sync),
        (3, Mode::Oneway),
        (4, Mode::Sync),
    ] {
        ev(
            &mut app,
            ProducerEvent::Submitted {
                seq,
                mode,
                draft: Arc::new(Draft::default()),
                at: t0(),
            },
        );
    }
    assert_eq!(app.stats(Mode::Async).queued, 0);
    assert_eq!(app.stats(Mode::Async).in_flight, 1);
    assert_eq!(app.in_flight_total(), 4);
    ev(&mut app, completion(1, Mode::Async, ok()));
    ev(&mut app, completion(2, Mode::Sync, ok()));
    ev(&mut app, completion(3, Mode::Oneway, Outcome::Dispatched));
    ev(
        &mut app,
        completion(
            4,
            Mode::Sync,
            Outcome::Failed(Failure {
                reason: "no route".into(),
                code: None,
            }),
        ),
    );
    let sync = app.stats(Mode::Sync);
    assert_eq!(
        (sync.sent(), sync.ok, sync.failed, sync.in_flight),
        (2, 1, 1, 0)
    );
    assert_eq!(app.stats(Mode::Oneway).dispatched, 1);
    assert_eq!(app.stats(Mode::Async).ok, 1);
    assert_eq!(sync.latency.count(), 2);
    assert_eq!(app.in_flight_total(), 0);
    assert_eq!((app.log.shown().len(), app.log.raw().len()), (4, 9));
    assert_eq!(app.rate.series(t0().timestamp() + 1, 1), vec![4]);
}

#[test]
fn failure_before_submit_counts_once() {
    let mut app = empty_app();
    app.step(Action::Producer(ProducerEvent::Submitted {
        seq: 1,
        mode: Mode::Sync,
        draft: Arc::new(Draft::default()),
        at: t0(),
    }));
    let refused = Outcome::Failed(Failure {
        reason: "producer is not running".into(),
        code: None,
    });
    app.step(Action::Producer(completion(2, Mode::Sync, refused)));
    let s = app.stats(Mode::Sync);
    assert_eq!((s.sent(), s.failed, s.in_flight), (2, 1, 1));
    app.step(Action::Producer(completion(
        1,
        Mode::Sync,
        Outcome::Unresolved,
    )));
    app.step(Action::Producer(ProducerEvent::Stopped {
        unresolved: vec![(1, Mode::Sync)],
    }));
    let s = app.stats(Mode::Sync);
    assert_eq!(
        (s.sent(), s.unresolved, s.in_flight),
        (2, 1, 0),
        "not counted twice"
    );
}

#[test]
fn ring_buffer_keeps_capacity_and_the_selected_line() {
    let mut app = empty_app();
    app.log = ResultsLog::new(3);
    for seq in 1..=5 {
        app.step(Action::Producer(ProducerEvent::Queued {
            seq,
            mode: Mode::Async,
            at: t0(),
        }));
    }
    assert_eq!(app.log.shown().len(), 3);
    assert_eq!(app.log.shown()[0].seq, 5);
    app.focus = Focus::Log;
    key(&mut app, Bind::ScrollDown);
    key(&mut app, Bind::ScrollDown);
    key(&mut app, Bind::ScrollDown);
    assert_eq!(app.selected, 2, "clamped at the oldest line");
    key(&mut app, Bind::ScrollUp);
    assert_eq!(app.selected_entry().unwrap().seq, 4);
    app.step(Action::Producer(ProducerEvent::Queued {
        seq: 6,
        mode: Mode::Async,
        at: t0(),
    }));
    assert_eq!(
        app.selected_entry().unwrap().seq,
        4,
        "selection follows its line"
    );
    app.step(Action::Wheel(-5));
    assert_eq!(app.selected, 0);
}

#[test]
fn detail_opens_closes_and_copies() {
    let mut app = busy_app();
    app.focus = Focus::Log;
    // One row per send, newest first: 3 is #2, acknowledged by callback.
    for _ in 0..3 {
        key(&mut app, Bind::ScrollDown);
    }
    key(&mut app, Bind::OpenDetail);
    assert!(matches!(app.overlay, Overlay::Detail { .. }));
    assert_eq!(app.context(), Context::Detail);
    match key(&mut app, Bind::CopyMsgId) {
        Some(Effect::Copy(id)) => assert!(id.ends_with('2')),
        other => panic!("{other:?}"),
    }
    key(&mut app, Bind::Close);
    assert!(matches!(app.overlay, Overlay::None));
    key(&mut app, Bind::ScrollTop);
    assert!(
        key(&mut app, Bind::CopyMsgId).is_none(),
        "#5 is still in flight"
    );
    // Every event as its own line: on the submit line of #2, y copies the
    // id its callback got.
    key(&mut app, Bind::ToggleRaw);
    assert_eq!(app.log.shown().len(), 10);
    for _ in 0..6 {
        key(&mut app, Bind::ScrollDown);
    }
    let e = app.selected_entry().unwrap();
    assert_eq!((e.seq, &e.kind), (2, &EntryKind::Submitted));
    assert!(matches!(
        key(&mut app, Bind::CopyMsgId),
        Some(Effect::Copy(id)) if id.ends_with('2')
    ));
}

#[test]
fn a_send_has_one_row_that_changes_in_place() {
    let mut app = ready_app();
    app.focus = Focus::ModeBar;
    key(&mut app, Bind::ModeAsync);
    let (seq, _, _) = sent(key(&mut app, Bind::QuickSend));
    let row = |app: &App| app.log.shown()[0].clone();
    assert_eq!(
        (app.log.shown().len(), row(&app).kind),
        (1, EntryKind::Queued)
    );
    app.step(Action::Producer(ProducerEvent::Submitted {
        seq,
        mode: Mode::Async,
        draft: Arc::new(Draft::default()),
        at: t0(),
    }));
    assert_eq!(row(&app).kind, EntryKind::Submitted);
    app.step(Action::Producer(ProducerEvent::Completed(Completion {
        seq,
        mode: Mode::Async,
        outcome: ok(),
        submitted_at: t0(),
        completed_at: t0() + chrono::Duration::milliseconds(40),
        latency: Duration::from_millis(40),
    })));
    assert_eq!(app.log.shown().len(), 1, "still one row");
    let r = row(&app);
    assert!(matches!(r.kind, EntryKind::Completed { .. }));
    assert_eq!(r.at, t0(), "the row shows the submit moment");
    assert_eq!(app.log.raw().len(), 2, "two events, each a raw line");
}

#[test]
fn repeat_form_validates_and_starts_a_burst() {
    let mut app = ready_app();
    app.focus = Focus::ModeBar;
    key(&mut app, Bind::ModeAsync);
    key(&mut app, Bind::Repeat);
    assert_eq!(app.context(), Context::Repeat);
    typ(&mut app, "x");
    assert!(
        key(&mut app, Bind::Submit).is_none(),
        "count 10x is invalid"
    );
    let Overlay::Repeat(form) = &mut app.overlay else {
        panic!()
    };
    form.count = line_input("3");
    form.template = line_input("k-{id}");
    assert!(key(&mut app, Bind::Submit).is_none());
    let Overlay::Repeat(form) = &app.overlay else {
        panic!()
    };
    assert!(form.errors[&RepeatField::Template].contains("unknown placeholder"));
    let Overlay::Repeat(form) = &mut app.overlay else {
        panic!()
    };
    form.template = line_input("k-{seq}");
    key(&mut app, Bind::FocusNext);
    typ(&mut app, "50");
    match key(&mut app, Bind::Submit) {
        Some(Effect::Submit(ProducerCommand::Burst(b))) => {
            assert_eq!(
                (b.count, b.rate, b.first_seq, b.mode),
                (3, Some(50), 1, Mode::Async)
            );
            assert_eq!(b.key_template.as_deref(), Some("k-{seq}"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.next_seq, 4, "the burst reserved seqs 1..=3");
    assert!(matches!(app.overlay, Overlay::None));
    match key(&mut app, Bind::CancelBurst) {
        Some(Effect::Submit(ProducerCommand::CancelBurst { id: 1 })) => {}
        other => panic!("{other:?}"),
    }
    app.step(Action::Producer(ProducerEvent::BurstFinished {
        id: 1,
        submitted: 2,
        cancelled: true,
    }));
    assert!(app.burst.is_none());
}

#[test]
fn oneway_landed_count_is_logged_and_shortfall_warned() {
    let mut app = ready_app();
    app.step(Action::Producer(ProducerEvent::OnewayLanded {
        id: 3,
        topic: "T".into(),
        dispatched: 100,
        landed: Ok(61),
    }));
    match &app.log.shown().front().map(|e| &e.kind) {
        Some(EntryKind::Note(t)) => {
            assert_eq!(
                t,
                "burst #3: 61 of 100 one-way messages landed in T (queue offsets)"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.notice.as_ref().map(|n| n.level), Some(Level::Warn));
    app.step(Action::Producer(ProducerEvent::BurstFinished {
        id: 3,
        submitted: 100,
        cancelled: false,
    }));
    assert_eq!(
        app.notice.as_ref().map(|n| n.level),
        Some(Level::Warn),
        "the finish notice does not hide the shortfall"
    );
}

#[test]
fn protected_profile_confirms_first() {
    let mut app = ready_app();
    app.profiles[app.current].protected = true;
    assert!(key(&mut app, Bind::Send).is_none());
    assert_eq!(app.context(), Context::Confirm);
    assert!(key(&mut app, Bind::No).is_none());
    assert_eq!(app.next_seq, 1);
    key(&mut app, Bind::Send);
    let (seq, _, _) = sent(key(&mut app, Bind::Yes));
    assert_eq!(seq, 1);
}

#[test]
fn quit_with_sends_in_flight_waits_for_stopped() {
    let mut app = busy_app();
    assert_eq!(app.in_flight_total(), 1);
    // Ctrl-C quits outside a text field (in one it clears the field).
    key(&mut app, Bind::LeaveField);
    match key(&mut app, Bind::QuitNow) {
        Some(Effect::Submit(ProducerCommand::Shutdown { grace })) => {
            assert_eq!(grace, Duration::from_secs(3))
        }
        other => panic!("{other:?}"),
    }
    assert!(!app.exit_requested());
    assert_eq!(app.context(), Context::Quitting);
    assert!(app.notice.as_ref().unwrap().text.contains("1 in-flight"));
    assert!(
        key(&mut app, Bind::Send).is_none(),
        "no sends while quitting"
    );
    app.step(Action::Producer(ProducerEvent::Stopped {
        unresolved: vec![(5, Mode::Async)],
    }));
    assert!(app.exit_requested());
    assert_eq!(app.unresolved_count(), 1);
    assert_eq!(app.stats(Mode::Async).unresolved, 1);
}

#[test]
fn producer_death_is_shown_and_restart_offered() {
    let mut app = busy_app();
    app.step(Action::ProducerDied("panicked: boom".into()));
    assert!(!app.producer_alive);
    assert!(app.notice.as_ref().unwrap().text.contains("Ctrl-R"));
    assert_eq!(app.stats(Mode::Async).unresolved, 1);
    assert!(key(&mut app, Bind::Send).is_none());
    assert!(matches!(
        key(&mut app, Bind::RestartProducer),
        Some(Effect::RestartProducer)
    ));
    app.step(Action::ProducerRestarted);
    assert!(app.producer_alive);
    assert!(matches!(key(&mut app, Bind::Send), Some(Effect::Submit(_))));
}

#[test]
fn busy_channel_is_reported_not_waited_on() {
    let mut app = ready_app();
    let (seq, _, _) = sent(key(&mut app, Bind::Send));
    app.step(Action::SubmitFailed {
        first_seq: Some(seq),
        count: 1,
        mode: Some(Mode::Sync),
        burst: None,
        error: SubmitError::Full,
    });
    assert!(matches!(app.log.shown()[0].kind, EntryKind::NotSent(_)));
    assert!(app.notice.as_ref().unwrap().text.contains("busy"));
}

/// Opens the picker and moves its cursor to `i`.
fn pick(app: &mut App, i: usize) {
    app.focus = Focus::Log;
    key(app, Bind::SwitchProfile);
    for _ in 0..app.profiles.len() {
        key(app, Bind::ScrollUp);
    }
    for _ in 0..i {
        key(app, Bind::ScrollDown);
    }
}

fn stopped(unresolved: Vec<(Seq, Mode)>) -> Action {
    Action::Producer(ProducerEvent::Stopped { unresolved })
}

#[test]
fn unusable_choice_shows_why_and_keeps_the_current_producer() {
    let mut app = ready_app();
    pick(&mut app, 1);
    assert!(key(&mut app, Bind::Submit).is_none(), "no shutdown sent");
    assert!(app.switching.is_none());
    assert_eq!((app.current, app.profile().name.as_str()), (2, "sandbox"));
    let n = app.notice.clone().unwrap();
    assert_eq!(n.level, Level::Error);
    assert!(
        n.text.contains("cloud") && n.text.contains("RMQ_AK"),
        "{}",
        n.text
    );
    assert!(matches!(app.overlay, Overlay::Picker { cursor: 1 }));
    key(&mut app, Bind::Close);
    assert!(matches!(key(&mut app, Bind::Send), Some(Effect::Submit(_))));
}

#[test]
fn switching_with_sends_in_flight_drains_the_old_producer_first() {
    let mut app = busy_app();
    assert_eq!(app.in_flight_total(), 1);
    pick(&mut app, 0);
    match key(&mut app, Bind::Submit) {
        Some(Effect::Submit(ProducerCommand::Shutdown { grace })) => {
            assert_eq!(grace, Duration::from_secs(3), "the old profile's timeout")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.switching.as_ref().unwrap().to, 0);
    assert_eq!(
        app.profile().name,
        "sandbox",
        "still the old one while draining"
    );
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("switching to staging")
    );
    assert!(key(&mut app, Bind::Send).is_none(), "no sends mid-switch");
    assert_eq!(app.next_seq, 1);
    // The old producer reports its end; results keep the old profile.
    assert!(
        app.step(Action::Producer(completion(
            5,
            Mode::Async,
            Outcome::Unresolved
        )))
        // (only its journal record)
        .iter()
        .all(|e| matches!(e, Effect::Journal(_)))
    );
    assert_eq!(app.log.shown()[0].profile, "sandbox");
    assert!(matches!(
        one(app.step(stopped(vec![(5, Mode::Async)]))),
        Some(Effect::StartProducer)
    ));
    assert!(app.switching.is_none());
    assert_eq!((app.current, app.profile().name.as_str()), (0, "staging"));
    assert_eq!(app.profile().endpoint, "10.0.0.5:9876");
    assert!(!app.profile().sandbox && app.producer_alive);
    assert_eq!(app.connection, Connection::Starting);
    for m in Mode::ALL {
        assert_eq!(app.stats(m).sent(), 0, "counters belong to one profile");
    }
    assert_eq!(app.rate.last_second(), None);
    assert_eq!(app.in_flight_total(), 0);
    assert_eq!(
        app.unresolved, None,
        "the exit report is the new producer's"
    );
    match &app.log.shown()[0].kind {
        EntryKind::Note(t) => assert_eq!(t, "switched to profile staging"),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.log.shown()[0].profile, "staging");
    match &app.log.shown()[1].kind {
        EntryKind::Note(t) => {
            assert_eq!(t, "1 send(s) unresolved when leaving sandbox (#5 async)")
        }
        other => panic!("{other:?}"),
    }
    // The typed topic stays; the empty tag takes the profile default.
    assert_eq!(app.composer.topic.lines()[0], "TopicTest");
    assert_eq!(app.composer.tag.lines()[0], "stg");
    let (seq, _, draft) = sent(key(&mut app, Bind::Send));
    assert_eq!((seq, draft.tag.as_deref()), (1, Some("stg")));
}

#[test]
fn idle_switch_still_shuts_down_and_adopts_protection_and_colour() {
    let mut app = empty_app();
    app.composer.topic = line_input("");
    pick(&mut app, 3);
    assert!(matches!(
        key(&mut app, Bind::Submit),
        Some(Effect::Submit(ProducerCommand::Shutdown { .. }))
    ));
    assert!(matches!(
        one(app.step(stopped(vec![]))),
        Some(Effect::StartProducer)
    ));
    assert_eq!(app.profile().name, "production");
    assert!(app.profile().protected);
    assert_eq!(app.profile().color, Some(ratatui::style::Color::Red));
    assert_eq!(
        app.composer.topic.lines()[0],
        "Orders",
        "empty topic filled"
    );
    let notes: Vec<_> = app
        .log
        .shown()
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Note(_)))
        .collect();
    assert_eq!(notes.len(), 1, "nothing unresolved to report");
}

#[test]
fn a_stuck_old_producer_does_not_block_the_switch() {
    let mut app = busy_app();
    pick(&mut app, 0);
    key(&mut app, Bind::Submit);
    assert!(
        app.step(Action::Tick(t0() + chrono::Duration::seconds(2)))
            .is_empty()
    );
    assert!(app.switching.is_some());
    // Not before the producer's worst case for its grace (2 × 3 s) and
    // slack: it may still report.
    assert!(
        app.step(Action::Tick(t0() + chrono::Duration::seconds(6)))
            .is_empty()
    );
    // Then the send it never reported ends unresolved (its record), and
    // the new profile starts.
    match app
        .step(Action::Tick(t0() + chrono::Duration::seconds(9)))
        .as_slice()
    {
        [Effect::Journal(j), Effect::StartProducer] => {
            assert_eq!(
                (j.completion.seq, &j.completion.outcome),
                (5, &Outcome::Unresolved)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.profile().name, "staging");
    assert!(
        app.log
            .shown()
            .iter()
            .any(|e| matches!(&e.kind, EntryKind::Note(t) if t.contains("did not report"))),
        "the note says why"
    );
    // A dead producer has nothing to drain: the switch is immediate.
    app.step(Action::ProducerDied("panicked: boom".into()));
    pick(&mut app, 2);
    assert!(matches!(
        key(&mut app, Bind::Submit),
        Some(Effect::StartProducer)
    ));
    assert_eq!(app.profile().name, "sandbox");
    assert!(app.producer_alive);
}

#[test]
fn a_closed_channel_mid_switch_starts_the_new_producer() {
    let mut app = busy_app();
    pick(&mut app, 0);
    key(&mut app, Bind::Submit);
    // A full channel is not an end: keep waiting for Stopped.
    assert!(
        app.step(Action::SubmitFailed {
            first_seq: None,
            count: 0,
            mode: None,
            burst: None,
            error: SubmitError::Full,
        })
        .is_empty()
    );
    assert!(app.switching.is_some());
    // The send the old producer never reported ends unresolved, recorded.
    assert!(matches!(
        app.step(Action::SubmitFailed {
            first_seq: None,
            count: 0,
            mode: None,
            burst: None,
            error: SubmitError::Closed,
        })
        .as_slice(),
        [Effect::Journal(j), Effect::StartProducer] if j.completion.seq == 5
    ));
    assert_eq!(app.profile().name, "staging");
}

#[test]
fn quitting_mid_switch_exits_instead_of_starting_the_new_producer() {
    let mut app = busy_app();
    pick(&mut app, 0);
    key(&mut app, Bind::Submit);
    if app.context() == Context::Edit {
        key(&mut app, Bind::LeaveField);
    }
    key(&mut app, Bind::QuitNow);
    super::lifecycle_tests::assert_unresolved_records(
        app.step(stopped(vec![(5, Mode::Async)])),
        &[5],
    );
    assert!(app.exit_requested());
    assert_eq!(app.unresolved_count(), 1);
}

#[test]
fn idle_ticks_do_not_redraw() {
    let mut app = empty_app();
    app.drawn();
    app.step(Action::Tick(t0() + chrono::Duration::seconds(1)));
    assert!(!app.needs_draw(), "nothing visible changed");
    app.step(Action::Tick(t0() + chrono::Duration::seconds(60)));
    assert!(app.needs_draw(), "the uptime minute changed");
}

#[test]
fn fmt_time_matches_chrono_in_both_zones() {
    use chrono::{FixedOffset, TimeZone};
    let mut app = empty_app();
    // Midnight, the last millisecond of a day, a millisecond boundary and
    // an ordinary moment, in the local zone and in one ahead of UTC.
    let moments = [0i64, 86_399_999, 1_700_000_000_000, 1_700_000_012_345];
    for offset in [None, Some(FixedOffset::east_opt(5 * 3600 + 1800).unwrap())] {
        app.display_offset = offset;
        for ms in moments {
            let t = chrono::Local.timestamp_millis_opt(ms).unwrap();
            let want = match offset {
                Some(o) => t.with_timezone(&o).format("%H:%M:%S%.3f").to_string(),
                None => t.format("%H:%M:%S%.3f").to_string(),
            };
            assert_eq!(app.fmt_time(t), want, "at {ms} ms, offset {offset:?}");
        }
    }
    // 1,700,000,012,345 ms is 22:13:32.345 UTC, so 03:43:32.345 at +05:30.
    app.display_offset = FixedOffset::east_opt(5 * 3600 + 1800);
    let t = chrono::Local
        .timestamp_millis_opt(1_700_000_012_345)
        .unwrap();
    assert_eq!(app.fmt_time(t), "03:43:32.345");
}
