//! Tests that press real keys through the keymap into the real run loop on
//! `TestBackend`, with a fake producer on the other end (see `harness`).

use super::app::{App, EntryKind, Focus, Overlay};
use super::event_loop::EVENTS_PER_READ;
use super::harness::Harness;
use super::keymap::Context;
use super::ui::tests::{busy_app, empty_app, t0};
use rmq_engine::producer::{ProducerCommand, ProducerEvent};
use rmq_model::message::Mode;

/// The sandbox profile, a body typed, the keyboard on the mode bar.
fn ready() -> Harness {
    ready_with(empty_app())
}

/// `app` with a body typed and the keyboard on the mode bar.
fn ready_with(app: App) -> Harness {
    let mut h = Harness::new(app, 80, 24);
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
    let row = &h.app().log.shown()[0];
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
    // The form opens with the count last used.
    h.press("r").press("enter");
    match h.commands().as_slice() {
        [ProducerCommand::Burst(b)] => assert_eq!((b.count, b.first_seq), (1, 2)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn in_a_flood_events_are_read_once_per_pacing_and_after_a_quiet_spell_at_once() {
    let hold = std::time::Duration::from_secs(1);
    let mut h = Harness::with_events_pacing(empty_app(), 80, 24, hold);
    let start = h.mono_now();
    h.emit(submitted(1, Mode::Async));
    assert_eq!(h.app().in_flight_total(), 1);
    let first_read = h.mono_now();
    assert!(first_read - start < hold, "the first event waited");
    // The next event, within the hold: the key is handled, the event waits
    // in the channel.
    h.emit_then_press_one_turn(submitted(2, Mode::Async), "f2");
    assert_eq!(h.app().in_flight_total(), 1, "read within the hold");
    h.settle();
    assert_eq!(h.app().in_flight_total(), 2);
    assert!(
        h.mono_now() - first_read >= hold,
        "read before the hold ended"
    );
}

/// A read that was full leaves more waiting: the next read comes at once,
/// not after the hold, so a flood is never read slower than 256 events
/// per hold.
#[test]
fn a_backlog_is_read_without_the_hold() {
    let hold = std::time::Duration::from_secs(1);
    let mut h = Harness::with_events_pacing(empty_app(), 80, 24, hold);
    let start = h.mono_now();
    let flood = EVENTS_PER_READ as u64 + 44;
    h.emit_together((1..=flood).map(|s| submitted(s, Mode::Async)).collect());
    assert_eq!(h.app().in_flight_total(), flood);
    assert!(
        h.mono_now() - start < hold,
        "the backlog waited for the hold"
    );
    // The read that emptied the channel starts the hold.
    h.emit_then_press_one_turn(submitted(flood + 1, Mode::Async), "f2");
    assert_eq!(h.app().in_flight_total(), flood, "read within the hold");
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
    // Each with an UNRESOLVED row (not IN FLIGHT), counted for the exit
    // report (it said 0).
    let unresolved_rows = h
        .app()
        .rows()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EntryKind::Completed {
                    outcome: rmq_model::message::Outcome::Unresolved,
                    ..
                }
            )
        })
        .count();
    assert_eq!(unresolved_rows, 2);
    assert_eq!(h.app().unresolved_count(), 2);
}

#[test]
fn second_quit_leaves_at_once_and_idle_quit_needs_no_wait() {
    let mut h = Harness::new(busy_app(), 80, 24);
    // In a text field q is a letter.
    h.press("q");
    assert!(h.app().quitting.is_none());
    h.press("esc").press("q");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Shutdown { .. }]
    ));
    assert!(!h.app().exit_requested(), "waits for the send in flight");
    h.assert_shows("quitting, 1 in flight");
    h.press("q");
    assert!(h.app().exit_requested());
    assert_eq!(h.app().unresolved_count(), 1);

    let mut idle = Harness::new(empty_app(), 80, 24);
    idle.press("esc").press("q");
    assert!(matches!(
        idle.commands().as_slice(),
        [ProducerCommand::Shutdown { .. }]
    ));
    assert!(idle.app().exit_requested());
}

#[test]
fn picker_opens_moves_and_closes() {
    let mut h = Harness::new(empty_app(), 80, 24);
    h.press("esc").press("p");
    assert!(matches!(h.app().overlay, Overlay::Picker { cursor: 2 }));
    assert_eq!(h.app().context(), Context::Picker);
    h.assert_shows("production");
    h.press("j").press("j");
    assert!(
        matches!(h.app().overlay, Overlay::Picker { cursor: 3 }),
        "clamped at the last profile"
    );
    for _ in 0..5 {
        h.press("k");
    }
    assert!(matches!(h.app().overlay, Overlay::Picker { cursor: 0 }));
    h.press("s");
    assert!(h.commands().is_empty(), "the picker owns the keys");
    assert_eq!(h.app().next_seq, 1);
    h.press("esc");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert_eq!(h.app().profile().name, "sandbox");
    // The current profile again: nothing happens.
    h.press("p").press("enter");
    assert!(h.app().switching.is_none());
    assert!(h.commands().is_empty());
    let notice = &h.app().notice.as_ref().unwrap().text;
    assert_eq!(notice, "already on profile sandbox");
}

#[test]
fn protected_burst_needs_the_topic_typed_back() {
    let mut app = empty_app();
    app.profiles[app.current].protected = true;
    let mut h = ready_with(app);
    h.press("r").press("enter");
    assert_eq!(h.app().context(), Context::ConfirmTopic);
    h.assert_shows("Type the topic back");
    h.press("enter");
    assert!(h.commands().is_empty(), "nothing typed yet");
    // y and n are letters of the topic here, not answers.
    h.type_text("topictest").press("enter");
    assert!(h.commands().is_empty(), "case matters");
    let notice = &h.app().notice.as_ref().unwrap().text;
    assert!(
        notice.contains("type the topic exactly (TopicTest)"),
        "{notice}"
    );
    assert!(matches!(h.app().overlay, Overlay::Confirm(_)), "still open");
    for _ in 0.."topictest".len() {
        h.press("backspace");
    }
    h.type_text("TopicTest").press("enter");
    match h.commands().as_slice() {
        [ProducerCommand::Burst(b)] => assert_eq!((b.id, b.count), (1, 10)),
        other => panic!("{other:?}"),
    }
    h.emit(ProducerEvent::BurstFinished {
        id: 1,
        submitted: 10,
        cancelled: false,
    });
    // Esc cancels without sending.
    h.press("r").press("enter").press("esc");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert!(h.commands().is_empty());
    assert_eq!(h.app().next_seq, 11);
    // A single send keeps the y/n box.
    h.press("s");
    assert_eq!(h.app().context(), Context::Confirm);
    h.press("y");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Send { seq: 11, .. }]
    ));
}

#[test]
fn a_terminating_signal_ends_like_q_then_q() {
    let mut h = Harness::new(busy_app(), 80, 24);
    h.signal("SIGTERM");
    match h.commands().as_slice() {
        [ProducerCommand::Shutdown { grace }] => {
            assert!(*grace <= std::time::Duration::from_secs(1), "{grace:?}")
        }
        other => panic!("{other:?}"),
    }
    h.assert_shows("SIGTERM: shutting down");
    assert!(!h.app().exit_requested(), "waits for the producer's report");
    h.emit(ProducerEvent::Stopped {
        unresolved: vec![(5, Mode::Async)],
    });
    assert!(h.app().exit_requested());
    assert_eq!(h.app().unresolved_count(), 1);

    // A second signal does not wait.
    let mut h = Harness::new(busy_app(), 80, 24);
    h.signal("SIGHUP").signal("SIGHUP");
    assert!(h.app().exit_requested());
}

/// A producer that never reports after a signal does not hold the console:
/// it quits at the deadline, the producer task's worst case (grace, at most
/// a second, for bursts and again for sends in flight) and half a second more,
/// with the send in flight counted as unresolved.
#[test]
fn a_signal_quits_at_the_deadline_when_the_producer_never_reports() {
    let mut h = Harness::new(busy_app(), 80, 24);
    let before = h.mono_now();
    h.signal("SIGTERM");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Shutdown { .. }]
    ));
    assert!(!h.app().exit_requested());
    let waited = h.run_until_exit() - before;
    // Not before the deadline; after it by no more than the real time the
    // test took between `before` and the signal (the clock runs until
    // `run_until_exit` pauses it).
    assert!(
        waited >= std::time::Duration::from_millis(2500)
            && waited < std::time::Duration::from_millis(3500),
        "{waited:?}"
    );
    assert_eq!(h.app().unresolved, None);
    assert_eq!(h.app().unresolved_count(), 1);
}

#[test]
fn an_open_overlay_owns_the_keyboard() {
    let mut h = ready();
    h.press("?");
    assert!(matches!(h.app().overlay, Overlay::Help));
    h.assert_shows("Keys: mode bar");
    h.press("s").press("2");
    assert!(h.commands().is_empty(), "s does not send under help");
    assert_eq!(h.app().mode, Mode::Sync);
    h.press("esc");
    assert!(matches!(h.app().overlay, Overlay::None));
    h.press("s");
    assert_eq!(h.commands().len(), 1);
}

#[test]
fn v_shows_every_event_and_back_to_one_row_per_send() {
    let mut h = ready();
    h.press("2").press("s");
    h.emit(queued(1, Mode::Async))
        .emit(submitted(1, Mode::Async));
    h.assert_shows("Results (1, newest first)")
        .assert_shows("IN FLIGHT");
    h.press("v");
    h.assert_shows("Events (2, newest first, every event)")
        .assert_shows("QUEUED");
    h.press("v");
    h.assert_shows("Results (1, newest first)");
}

/// `c`, Enter: the comparison's first burst reaches the producer, `x`
/// cancels it, and `y` in the view hands the table to the loop's OSC 52
/// writer (never to render).
#[test]
fn compare_runs_through_the_loop_and_y_copies_the_table() {
    let mut h = ready();
    h.press("c");
    assert_eq!(h.app().context(), Context::CompareForm);
    h.press("enter");
    let cmds = h.commands();
    let [ProducerCommand::Burst(b)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!((b.mode, b.count), (Mode::Sync, 1000));
    h.assert_shows("running Sync (1/3)");
    h.press("x");
    let cmds = h.commands();
    assert!(
        matches!(cmds.as_slice(), [ProducerCommand::CancelBurst { id }] if *id == b.id),
        "{cmds:?}"
    );
    h.emit(submitted(b.first_seq, Mode::Sync));
    h.emit(ProducerEvent::BurstFinished {
        id: b.id,
        submitted: 1,
        cancelled: true,
    });
    h.emit(ProducerEvent::Completed(
        rmq_model::message::Completion::instant(
            b.first_seq,
            Mode::Sync,
            rmq_model::message::Outcome::Failed(rmq_model::message::Failure {
                reason: "cancelled test".into(),
                code: None,
            }),
        ),
    ));
    assert!(h.commands().is_empty(), "no async after a cancel");
    h.assert_shows("stopped early");
    assert!(h.copied.lock().unwrap().is_empty());
    h.press("y");
    let copied = h.copied.lock().unwrap().clone();
    assert_eq!(copied.len(), 1);
    assert!(
        copied[0]
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("mode ")),
        "{copied:?}"
    );
    assert!(copied[0].contains("sync*"), "{copied:?}");
}

/// The whole path through the loop: a completed send goes to the journal's
/// writer, `H` writes what waits, reads the journal off the loop and opens
/// the pane on it; `l` brings the message back into the composer.
#[test]
fn a_completed_send_shows_in_the_history_pane() {
    let mut h = ready();
    h.start_journal(&[]);
    send_one(&mut h);
    h.press("H");
    assert_eq!(h.app().context(), Context::History);
    let Overlay::History(v) = &h.app().overlay else {
        panic!("history open")
    };
    assert_eq!(v.records.len(), 1);
    assert_eq!(v.records[0].body.as_deref(), Some("hello"));
    h.assert_shows("History (1, newest first)");
    // Back in the composer after another edit, `l` restores the message.
    h.press("esc");
    h.press("i")
        .press("tab")
        .press("tab")
        .press("tab")
        .press("tab");
    h.type_text(" more").press("esc");
    h.press("H").press("l");
    assert_eq!(h.app().composer.draft().unwrap().body, b"hello");
}

/// `E` hands the results to a task off the loop, which writes both files
/// and answers with what the operator is told; the ids are the journal's.
#[test]
fn an_export_is_written_off_the_loop_and_reported() {
    let mut h = ready();
    h.start_journal(&[]);
    let session = h.lp.io.journal.as_ref().unwrap().session().to_string();
    h.press("s");
    assert_eq!(h.commands().len(), 1);
    h.emit(submitted(1, Mode::Sync));
    h.emit(ProducerEvent::Completed(
        rmq_model::message::Completion::instant(
            1,
            Mode::Sync,
            rmq_model::message::Outcome::Dispatched,
        ),
    ));
    h.press("E");
    let text = h.app().notice.as_ref().unwrap().text.clone();
    // Named by the loop's clock.
    let stem = format!("results-{}", t0().format("%Y%m%d-%H%M%S"));
    let jsonl = h.exports.path().join(stem).with_extension("jsonl");
    assert_eq!(
        text,
        format!("exported 1 result(s) to {} and .csv", jsonl.display())
    );
    let line = std::fs::read_to_string(&jsonl).unwrap();
    assert!(line.contains(&format!("\"id\":\"{session}-1\"")), "{line}");
    assert!(jsonl.with_extension("csv").is_file());
}

/// `I`, a path, Enter, through the loop's read: the dialog lists the file's
/// messages. What is not a regular file (a pipe would wait for a writer for
/// ever) or is too big is refused next to the path, and the dialog stays
/// open for another.
#[test]
fn an_import_lists_a_file_and_refuses_a_pipe_or_one_too_big() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let big = dir.path().join("big.jsonl");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(rmq_journal::replay::MAX_BYTES + 1)
        .unwrap();
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, "{\"topic\":\"orders\",\"body\":\"one\"}\nnot json\n").unwrap();

    let mut h = ready();
    let notice = |h: &Harness| h.app().notice.as_ref().map(|n| n.text.clone());
    let try_path = |h: &mut Harness, path: &std::path::Path| {
        h.press("I");
        h.type_text(&path.display().to_string()).press("enter");
    };
    try_path(&mut h, &fifo);
    let text = notice(&h).unwrap();
    assert!(text.ends_with("pipe: not a regular file"), "{text}");
    assert_eq!(h.app().context(), Context::ImportPath, "still asking");
    h.press("esc");

    try_path(&mut h, &big);
    let text = notice(&h).unwrap();
    assert!(text.contains("larger than 64 MiB"), "{text}");
    h.press("esc");

    try_path(&mut h, &good);
    assert_eq!(h.app().context(), Context::Import);
    let text = notice(&h).unwrap();
    assert!(text.ends_with("1 message(s), 1 invalid line(s)"), "{text}");
}

/// A file the import read is remembered in the state folder (written by
/// the loop, off its thread) and offered by the next dialog, newest first;
/// a path that could not be read is not.
#[test]
fn an_imported_file_is_offered_again_by_the_next_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, "{\"topic\":\"orders\",\"body\":\"one\"}\n").unwrap();
    let mut h = ready();
    h.press("I").type_text("/no/such/file.jsonl").press("enter");
    h.press("esc");
    h.press("I")
        .type_text(&good.display().to_string())
        .press("enter");
    assert_eq!(h.app().context(), Context::Import);
    h.press("esc");
    let recent = h.exports.path().join("state").join("recent-imports");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !recent.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let listed = std::fs::read_to_string(&recent).expect("the recent list is written");
    assert_eq!(listed, format!("{}\n", good.display()));
    h.press("I");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !h.screen().contains("recent:") && std::time::Instant::now() < deadline {
        h.advance(chrono::Duration::milliseconds(10));
    }
    assert!(
        h.screen().contains(&good.display().to_string()),
        "{}",
        h.screen()
    );
    h.press("up").press("enter");
    assert_eq!(
        h.app().context(),
        Context::Import,
        "Up then Enter reads it again"
    );
}

/// After a signal the last events arrive together with `Stopped`: the send
/// that ends a comparison's first mode asks for the journal entry and the
/// next mode's burst at once. The console leaves without the burst, but the
/// completed send is still journaled.
#[test]
fn a_signal_keeps_the_journal_entry_next_to_a_compare_burst() {
    let mut h = ready();
    h.start_journal(&[]);
    h.press("c").press("enter");
    let cmds = h.commands();
    let [ProducerCommand::Burst(b)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    let (id, seq, draft) = (b.id, b.first_seq, b.draft.clone());
    h.signal("SIGTERM");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Shutdown { .. }]
    ));
    h.emit_together(vec![
        ProducerEvent::Submitted {
            seq,
            mode: Mode::Sync,
            draft,
            at: t0(),
        },
        ProducerEvent::BurstFinished {
            id,
            submitted: 1,
            cancelled: false,
        },
        ProducerEvent::Completed(rmq_model::message::Completion::instant(
            seq,
            Mode::Sync,
            rmq_model::message::Outcome::Dispatched,
        )),
        ProducerEvent::Stopped { unresolved: vec![] },
    ]);
    assert!(h.app().exit_requested());
    assert!(
        h.commands().is_empty(),
        "no burst after the producer stopped"
    );
    let seqs: Vec<_> = h.journal_records().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [seq], "the completed send is journaled");
}

/// A journal writer in `dir` with the default limits.
fn journal_in(dir: &std::path::Path) -> rmq_journal::Journal {
    rmq_journal::Journal::start(rmq_journal::Settings {
        dir: dir.to_path_buf(),
        max_bytes: rmq_journal::DEFAULT_MAX_BYTES,
        keep: rmq_journal::DEFAULT_KEEP,
    })
}

/// Another process holding a journal's lock (util-linux `flock`, as an
/// operator's script would) until its stdin closes.
struct LockHolder(std::process::Child);

impl LockHolder {
    fn take(lock: &std::path::Path) -> LockHolder {
        use std::io::BufRead;
        let mut child = std::process::Command::new("flock")
            .arg(lock)
            .args(["sh", "-c", "echo locked; exec cat"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("running flock");
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        if line.trim_end() != "locked" {
            let status = child.wait().unwrap();
            panic!("flock did not take the lock ({status})");
        }
        LockHolder(child)
    }
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        // Closing its stdin ends `cat`, then `flock`: the lock is free.
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// With the journal's lock held by another process, `H` still opens the
/// pane within a bound (the flush it asks for waits off the loop, a
/// bounded time) and says the newest sends are not shown yet.
#[test]
fn h_answers_while_another_process_holds_the_journal_lock() {
    let dir = tempfile::tempdir().unwrap();
    let holder = LockHolder::take(&dir.path().join(rmq_journal::LOCK_NAME));
    let path = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    // On a thread of its own: a loop blocked on the lock must fail the
    // test, not hang it.
    std::thread::spawn(move || {
        let mut h = ready();
        h.lp.io.journal = Some(journal_in(&path));
        send_one(&mut h);
        let turn = h.press_one_turn("H");
        // The read (and the flush before it) is under way off the loop.
        let reading = h.lp.busy();
        h.settle();
        let shown = match &h.app().overlay {
            Overlay::History(v) => Some(v.records.len()),
            _ => None,
        };
        let notice = h.app().notice.as_ref().map(|n| n.text.clone());
        let shown = shown.map(|n| (n, notice));
        let _ = tx.send((turn, reading, shown));
        // Dropping the harness closes the journal: bounded too.
        drop(h);
    });
    let (turn, reading, shown) = rx
        .recv_timeout(std::time::Duration::from_secs(15))
        .expect("`H` answers while the lock is held elsewhere");
    assert!(reading, "`H` started the read off the loop");
    assert!(
        turn < std::time::Duration::from_millis(500),
        "the loop waited {turn:?} on the journal"
    );
    let (records, notice) = shown.expect("the history pane is open");
    assert_eq!(records, 0, "nothing written yet");
    let notice = notice.unwrap_or_default();
    assert!(
        notice.starts_with(
            "history: the newest sends are not shown: journal locked by another process"
        ) && notice.contains("1 record(s) waiting"),
        "{notice}"
    );
    drop(holder);
}

/// `H` on a journal whose current file holds a 3 GB line (a sparse file:
/// no disk) before its three newest records: the pane opens with those
/// three, read backwards from the file's end, and says the line ended the
/// read; no more of it is read than the cap. Main read every file whole,
/// holding the 3 GB line in memory.
#[test]
fn h_reads_the_newest_records_without_reading_a_3_gb_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = rmq_journal::file_path(dir.path(), 0);
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(3 << 30).unwrap();
    drop(f);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"\n").unwrap();
    for seq in 1..=3 {
        let r = rmq_journal::fixtures::record(seq, "t", "acknowledged");
        f.write_all((serde_json::to_string(&r).unwrap() + "\n").as_bytes())
            .unwrap();
    }
    drop(f);
    let journal = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    // On a thread of its own: a read of the whole file must fail the test
    // by its deadline, not hang it.
    std::thread::spawn(move || {
        let mut h = ready();
        h.lp.io.journal = Some(journal_in(&journal));
        h.press_one_turn("H");
        h.settle();
        let shown = match &h.app().overlay {
            Overlay::History(v) => Some((v.records.len(), v.warnings.clone())),
            _ => None,
        };
        let _ = tx.send(shown);
    });
    let shown = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("`H` opens without reading the 3 GB line");
    let (records, warnings) = shown.expect("the history pane is open");
    assert_eq!(records, 3);
    // The pane asks for 10,000: the line is met, read to the cap (25 MiB
    // for the 4 MiB body limit), and ends the read.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].ends_with(
            "journal.jsonl byte 3221225472: a line longer than 26214400 bytes ends here; \
             older records not read"
        ),
        "{warnings:?}"
    );
}

/// `s` sends the draft; the producer reports it submitted as seq 1, then
/// ended (dispatched) 2 ms later.
fn send_one(h: &mut Harness) {
    h.press("s");
    let draft = match h.commands().as_slice() {
        [ProducerCommand::Send { draft, .. }] => draft.clone(),
        other => panic!("{other:?}"),
    };
    h.emit(ProducerEvent::Submitted {
        seq: 1,
        mode: Mode::Sync,
        draft,
        at: t0(),
    });
    h.emit(ProducerEvent::Completed(rmq_model::message::Completion {
        seq: 1,
        mode: Mode::Sync,
        outcome: rmq_model::message::Outcome::Dispatched,
        submitted_at: t0(),
        completed_at: t0(),
        latency: std::time::Duration::from_millis(2),
    }));
}
