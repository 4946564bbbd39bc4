//! Tests that press real keys through the keymap into the real run loop on
//! `TestBackend`, with a fake producer on the other end (see `harness`).

use super::app::{EntryKind, Focus};
use super::harness::Harness;
use super::ui::tests::{empty_app, t0};
use crate::message::Mode;
use crate::producer::{ProducerCommand, ProducerEvent};

/// The sandbox profile, a body typed, the keyboard on the mode bar.
fn ready() -> Harness {
    let mut h = Harness::new(empty_app(), 80, 24);
    h.press("tab").press("tab").press("tab").press("tab");
    assert_eq!(h.app().focus, Focus::Body);
    h.type_text("hello").press("esc");
    assert_eq!(h.app().focus, Focus::ModeBar);
    h
}

fn queued(seq: u64, mode: Mode) -> ProducerEvent {
    ProducerEvent::Queued {
        seq,
        mode,
        at: t0(),
    }
}

fn submitted(seq: u64, mode: Mode) -> ProducerEvent {
    ProducerEvent::Submitted {
        seq,
        mode,
        draft: Default::default(),
        at: t0(),
    }
}

#[test]
fn a_send_goes_out_as_a_command_and_shows_in_the_log() {
    let mut h = ready();
    h.press("2").press("s");
    match h.commands().as_slice() {
        [
            ProducerCommand::Send {
                seq: 1,
                mode,
                draft,
            },
        ] => {
            assert_eq!(*mode, Mode::Async);
            assert_eq!(draft.body, b"hello");
        }
        other => panic!("{other:?}"),
    }
    h.emit(submitted(1, Mode::Async));
    h.assert_shows("IN FLIGHT");
}

#[test]
fn a_closed_channel_mid_switch_starts_the_new_producer() {
    let mut h = Harness::new(empty_app(), 80, 24);
    h.press("esc").press("p").press("k").press("k");
    // The old producer has gone: the Shutdown finds its channel closed.
    h.producer().close_commands();
    h.press("enter");
    assert_eq!(h.app().profile().name, "staging");
    assert_eq!(h.producers.len(), 2, "the new profile's producer started");
    assert_eq!(h.producer().name_servers, "10.0.0.5:9876");
    h.assert_shows("staging").assert_shows("connecting");
}

#[test]
fn a_dead_producer_is_shown_and_ctrl_r_starts_another() {
    let mut h = ready();
    h.kill("boom");
    h.assert_shows("producer task died");
    h.press("s");
    h.assert_shows("the producer is not");
    h.press("ctrl-r");
    assert_eq!(h.producers.len(), 2);
    h.assert_shows("producer restarted")
        .assert_shows("connecting");
    h.press("s");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Send { seq: 1, .. }]
    ));
}

#[test]
fn a_refused_send_is_logged_in_its_own_mode() {
    let mut h = ready();
    h.press("2");
    h.producer().close_commands();
    // Send, then a mode key, in one read: the refusal is handled after both.
    h.together(&["s", "1"]);
    assert_eq!(h.app().mode, Mode::Sync);
    let row = &h.app().log[0];
    assert!(matches!(row.kind, EntryKind::NotSent(_)), "{:?}", row.kind);
    assert_eq!((row.seq, row.mode), (1, Mode::Async));
}

#[test]
fn a_one_message_burst_refused_as_busy_does_not_block_the_next() {
    let mut h = ready();
    h.press("r")
        .press("backspace")
        .press("backspace")
        .type_text("1");
    h.producer().jam();
    h.press("enter");
    h.assert_shows("not sent: producer is");
    assert!(h.app().burst.is_none(), "the refused burst is not running");
    h.producer().unjam();
    h.press("r").press("enter");
    match h.commands().as_slice() {
        [ProducerCommand::Burst(b)] => assert_eq!((b.count, b.first_seq), (10, 2)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_dead_producer_leaves_its_queued_sends_unresolved() {
    let mut h = ready();
    h.emit(queued(1, Mode::Async))
        .emit(submitted(2, Mode::Async));
    assert_eq!(h.app().in_flight_total(), 2);
    h.kill("boom");
    h.assert_shows("producer task died");
    let s = h.app().stats(Mode::Async);
    assert_eq!(
        (s.sent(), s.unresolved, s.queued, s.in_flight),
        (2, 2, 0, 0),
        "the queued send ends as unresolved, not as nothing"
    );
    assert_eq!(h.app().unresolved_count(), 0);
}
