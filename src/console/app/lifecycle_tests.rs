//! App tests for how a session ends without the operator: terminating
//! signals and a lost terminal (`update` with no terminal, and keys through
//! the harness where the operator starts something first; the loop's side
//! is in `loop_tests`).

use std::time::Duration;

use super::*;
use crate::console::harness::Harness;
use crate::console::ui::tests::{busy_app, empty_app};
use rmq_engine::producer::{BurstSpec, ProducerCommand, ProducerEvent};
use rmq_model::message::{Completion, Mode, Outcome};

fn stopped_event(unresolved: Vec<(Seq, Mode)>) -> ProducerEvent {
    ProducerEvent::Stopped { unresolved }
}

fn stopped(unresolved: Vec<(Seq, Mode)>) -> Action {
    Action::Producer(stopped_event(unresolved))
}

#[test]
fn a_first_signal_shuts_the_producer_down_with_a_short_grace_until_a_deadline() {
    let mut app = busy_app();
    assert_eq!(app.grace(), Duration::from_secs(3), "the profile's");
    match app.step(Action::Signal("SIGTERM")).as_slice() {
        [
            Effect::SignalDeadline(deadline),
            Effect::Submit(ProducerCommand::Shutdown { grace }),
        ] => {
            assert_eq!(*grace, Duration::from_secs(1), "at most a second");
            // The producer's worst case (grace for bursts, grace for the
            // sends in flight) and slack: nothing is cut off unreported.
            assert_eq!(
                *deadline,
                Duration::from_millis(2500),
                "worst case and slack"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!app.exit_requested(), "waits for the producer's report");
    assert_eq!(app.notice.as_ref().unwrap().text, "SIGTERM: shutting down");
    assert!(matches!(
        &app.log.shown()[0].kind,
        EntryKind::Note(t) if t == "SIGTERM: shutting down"
    ));
    // The report ends the console, and every send it left is listed, and
    // journaled unresolved.
    assert_unresolved_records(app.step(stopped(vec![(5, Mode::Async)])), &[5]);
    assert!(app.exit_requested());
    assert_eq!(app.unresolved.as_deref(), Some(&[(5, Mode::Async)][..]));
}

#[test]
fn a_second_signal_or_the_deadline_quits_at_once() {
    let mut app = busy_app();
    app.step(Action::Signal("SIGHUP"));
    assert!(app.step(Action::Signal("SIGHUP")).is_empty());
    assert!(app.exit_requested());

    let mut app = busy_app();
    app.step(Action::Signal("SIGTERM"));
    // Cut off at the deadline: the send still open is journaled unresolved.
    assert_unresolved_records(app.step(Action::SignalDeadline), &[5]);
    assert!(app.exit_requested());
    assert_eq!(app.unresolved, None, "the producer never reported");
    assert_eq!(app.unresolved_count(), 1, "the send in flight is counted");
}

#[test]
fn a_signal_with_no_producer_running_quits_at_once() {
    let mut app = busy_app();
    app.step(Action::ProducerDied("panicked: boom".into()));
    assert!(app.step(Action::Signal("SIGTERM")).is_empty());
    assert!(app.exit_requested());
}

#[test]
fn a_producer_dying_after_a_signal_ends_the_console() {
    let mut app = busy_app();
    app.step(Action::Signal("SIGQUIT"));
    assert!(!app.exit_requested());
    app.step(Action::ProducerDied("panicked: boom".into()));
    assert!(app.exit_requested());
    assert_eq!(app.stats(Mode::Async).unresolved, 1);
}

/// A switch is draining the old producer when the signal comes: its end
/// ends the console, and the new profile's producer is never started.
#[test]
fn a_signal_mid_switch_ends_instead_of_starting_the_new_producer() {
    let mut app = busy_app();
    app.focus = Focus::Log;
    let mut h = Harness::new(app, 80, 24);
    h.press("p");
    for _ in 0..h.app().profiles.len() {
        h.press("k");
    }
    assert_eq!(h.app().profiles[0].name, "staging");
    h.press("enter");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Shutdown { .. }]
    ));
    assert!(h.app().switching.is_some());
    // A closed channel does not start the new producer either: the
    // signal's shutdown finds it closed.
    h.producer().close_commands();
    h.signal("SIGTERM");
    assert_eq!(h.producers.len(), 1, "no new producer");
    assert!(!h.app().exit_requested(), "waits for the old one's report");
    h.emit(stopped_event(vec![(5, Mode::Async)]));
    assert!(h.app().exit_requested());
    assert_eq!(h.producers.len(), 1, "no new producer");
    assert_eq!(h.app().profile().name, "sandbox", "still the old profile");
    assert_eq!(h.app().unresolved_count(), 1, "its send is listed at exit");
}

#[test]
fn a_lost_terminal_fails_the_run_unless_a_signal_is_ending_it() {
    let mut app = empty_app();
    let lost = || Action::TerminalLost("Input/output error (os error 5)".into());
    match one(app.step(lost())) {
        Some(Effect::Fail(why)) => assert_eq!(why, "drawing: Input/output error (os error 5)"),
        other => panic!("{other:?}"),
    }
    app.step(Action::Signal("SIGHUP"));
    assert!(app.step(lost()).is_empty(), "a hangup takes the terminal");
    assert!(!app.exit_requested(), "the orderly end goes on");
}

#[test]
fn a_resize_redraws() {
    let mut app = empty_app();
    app.drawn();
    assert!(!app.needs_draw());
    assert!(app.step(Action::Resize).is_empty());
    assert!(app.needs_draw());
}

#[test]
fn at_exit_only_records_the_shutdown_and_a_failure_are_carried_out() {
    let draft = std::sync::Arc::new(rmq_model::message::Draft::default());
    let entry = rmq_journal::Entry {
        completion: Completion::instant(1, Mode::Sync, Outcome::Dispatched),
        draft: None,
        profile: "sandbox".into(),
        options: Default::default(),
        source: None,
        tx: None,
    };
    let kept = [
        Effect::Journal(Box::new(entry)),
        Effect::Copy("id".into()),
        Effect::Submit(ProducerCommand::Shutdown {
            grace: Duration::ZERO,
        }),
        Effect::Fail("drawing: gone".into()),
    ];
    let dropped = [
        Effect::Submit(ProducerCommand::Send {
            seq: 1,
            mode: Mode::Sync,
            draft: draft.clone(),
        }),
        Effect::Submit(ProducerCommand::Burst(BurstSpec {
            id: 1,
            mode: Mode::Sync,
            draft,
            count: 10,
            rate: None,
            key_template: None,
            expand_message: false,
            first_seq: 2,
            verify: false,
        })),
        Effect::StartProducer,
        Effect::RestartProducer,
        Effect::LoadHistory,
        Effect::Export(vec![]),
        Effect::SignalDeadline(Duration::ZERO),
    ];
    assert!(kept.iter().all(Effect::outlasts_exit));
    assert!(!dropped.iter().any(Effect::outlasts_exit));
}

/// The effects are exactly the journal records of `seqs`, each unresolved.
pub(super) fn assert_unresolved_records(fx: Vec<Effect>, seqs: &[u64]) {
    let got: Vec<u64> = fx
        .iter()
        .map(|e| match e {
            Effect::Journal(j)
                if j.completion.outcome == rmq_model::message::Outcome::Unresolved =>
            {
                j.completion.seq
            }
            other => panic!("only unresolved records: {other:?}"),
        })
        .collect();
    assert_eq!(got, seqs);
}
