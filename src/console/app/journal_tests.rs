//! App tests for the journal and history jobs: `update` with no terminal.

use std::time::Duration;

use ratatui_textarea::TextArea;

use super::*;
use crate::console::app::{line_input, one};
use crate::console::keymap::Context;
use crate::console::ui::tests::{empty_app, t0};
use rmq_model::message::SendStatus;
use rmq_model::message::{Completion, Mode, Outcome};

fn ready_app() -> App {
    let mut app = empty_app();
    app.composer.body = TextArea::new(vec!["hello".into()]);
    app.composer.validate(app.max_message_bytes());
    app
}

fn send_and_complete(app: &mut App) -> Option<Effect> {
    app.focus = Focus::Log;
    let Some(Effect::Submit(ProducerCommand::Send { seq, mode, .. })) =
        one(app.step(Action::Key(Bind::Send)))
    else {
        panic!("a send");
    };
    one(
        app.step(Action::Producer(ProducerEvent::Completed(Completion {
            seq,
            mode,
            outcome: Outcome::Dispatched,
            submitted_at: t0(),
            completed_at: t0(),
            latency: Duration::from_millis(1),
        }))),
    )
}

#[test]
fn a_completed_send_goes_to_the_journal_with_its_draft_and_profile() {
    let mut app = ready_app();
    let Some(Effect::Journal(e)) = send_and_complete(&mut app) else {
        panic!("a journal entry")
    };
    assert_eq!(&*e.profile, "sandbox");
    let d = e.draft.expect("the draft as sent");
    assert_eq!(
        (d.topic.as_str(), d.body.as_slice()),
        ("TopicTest", &b"hello"[..])
    );
    assert_eq!(e.options.send_timeout_ms, 3000);
}

#[test]
fn a_profile_with_journal_off_keeps_nothing_and_says_so_in_a_problem_notice() {
    let mut app = ready_app();
    app.profiles[app.current].journal = false;
    assert!(send_and_complete(&mut app).is_none());
    app.step(Action::JournalProblem("journal: cannot create /x".into()));
    let n = app.notice.clone().expect("a notice");
    assert_eq!(
        (n.level, n.text.as_str()),
        (Level::Warn, "journal: cannot create /x")
    );
}

#[test]
fn the_status_bar_says_when_the_journal_is_off() {
    let mut app = ready_app();
    assert!(!crate::console::ui::tests::draw(&app, 120, 40).contains("JOURNAL OFF"));
    app.profiles[app.current].journal = false;
    assert!(crate::console::ui::tests::draw(&app, 120, 40).contains("JOURNAL OFF"));
}

fn record(seq: u64, topic: &str, state: &str, body: &str) -> rmq_journal::Record {
    let mut r = rmq_journal::Record::from_entry(
        &rmq_journal::Entry {
            completion: Completion {
                seq,
                mode: if seq.is_multiple_of(2) {
                    Mode::Async
                } else {
                    Mode::Sync
                },
                outcome: match state {
                    "failed" => Outcome::Failed(rmq_model::message::Failure {
                        reason: "no route info of this topic".into(),
                        code: Some(17),
                    }),
                    _ => Outcome::Acknowledged(rmq_model::message::Receipt {
                        status: SendStatus::SendOk,
                        msg_id: format!("MSG{seq}"),
                        offset_msg_id: "OFF".into(),
                        broker: "broker-a".into(),
                        queue_id: 1,
                        queue_offset: seq,
                        transaction_id: None,
                        region_id: None,
                    }),
                },
                submitted_at: t0() + chrono::Duration::seconds(seq as i64),
                completed_at: t0() + chrono::Duration::seconds(seq as i64),
                latency: Duration::from_micros(1500),
            },
            draft: Some(std::sync::Arc::new(rmq_model::message::Draft {
                kind: Default::default(),
                topic: topic.into(),
                tag: Some("paid".into()),
                keys: vec![format!("order-{seq}")],
                properties: vec![("region".into(), "eu".into())],
                body: body.as_bytes().to_vec(),
            })),
            profile: "sandbox".into(),
            options: Default::default(),
            source: None,
        },
        format!("ab12cd34-{seq}"),
    );
    // Times in UTC so the snapshot does not follow the machine's zone.
    r.submitted_at = format!("2026-11-25T12:00:{seq:02}.250+00:00");
    r.completed_at = format!("2026-11-25T12:00:{seq:02}.252+00:00");
    r.callback_at = r.callback_at.as_ref().map(|_| r.completed_at.clone());
    r
}

/// The history pane opened on four records (oldest first, as read).
fn history_app() -> App {
    let mut app = ready_app();
    app.focus = Focus::Log;
    assert!(matches!(
        app.step(Action::Key(Bind::History)).as_slice(),
        [Effect::LoadHistory]
    ));
    app.step(Action::HistoryLoaded {
        records: vec![
            record(1, "orders", "acknowledged", "{\"id\":1}"),
            record(2, "orders", "failed", "{\"id\":2}"),
            record(3, "payments", "acknowledged", "refund 3"),
            record(4, "orders", "acknowledged", "{\"id\":4}"),
        ],
        warnings: vec![],
        unflushed: None,
    });
    app
}

fn history(app: &App) -> &HistoryView {
    match &app.overlay {
        Overlay::History(h) => h,
        _ => panic!("history pane not open"),
    }
}

#[test]
fn history_lists_newest_first_and_filters_as_you_type() {
    let mut app = history_app();
    assert_eq!(app.context(), Context::History);
    let seqs = |app: &App| -> Vec<u64> { history(app).shown().iter().map(|r| r.seq).collect() };
    assert_eq!(seqs(&app), [4, 3, 2, 1]);
    app.step(Action::Key(Bind::FilterHistory));
    assert!(app.takes_text());
    for c in "FAIL".chars() {
        app.step(Action::Edit(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    assert_eq!(seqs(&app), [2], "outcome matches, case-insensitively");
    app.step(Action::Edit(ratatui_textarea::Input {
        key: ratatui_textarea::Key::Backspace,
        ..Default::default()
    }));
    history_filter(&mut app, "");
    for (text, want) in [
        ("payments", &[3u64][..]),
        ("order-4", &[4]),
        ("refund", &[3]),
        ("orders paid", &[4, 2, 1]),
    ] {
        history_filter(&mut app, text);
        assert_eq!(seqs(&app), want, "filter {text:?}");
    }
    // Enter (Close in the filter) leaves the filter; keys act again.
    app.step(Action::Key(Bind::Close));
    assert_eq!(app.context(), Context::History);
    app.step(Action::Key(Bind::OpenDetail));
    assert!(history(&app).detail);
    app.step(Action::Key(Bind::Close));
    assert!(!history(&app).detail, "Esc closes the detail first");
    app.step(Action::Key(Bind::Close));
    assert!(matches!(app.overlay, Overlay::None));
}

fn history_filter(app: &mut App, text: &str) {
    if let Overlay::History(h) = &mut app.overlay {
        h.set_filter(text.into());
    }
}

#[test]
fn a_record_loads_into_the_composer_with_its_mode() {
    let mut app = history_app();
    app.step(Action::Key(Bind::ScrollDown)); // seq 3, sync
    app.step(Action::Key(Bind::ScrollDown)); // seq 2, async
    app.step(Action::Key(Bind::LoadDraft));
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.mode, Mode::Async);
    let d = app.composer.draft().expect("a valid draft");
    assert_eq!(d.topic, "orders");
    assert_eq!(d.keys, ["order-2"]);
    assert_eq!(d.properties, [("region".to_string(), "eu".to_string())]);
    assert_eq!(d.body, b"{\"id\":2}");
}

#[test]
fn resend_sends_the_selected_records_as_they_were_and_results_carry_the_source() {
    let mut app = history_app();
    app.step(Action::Key(Bind::ToggleSelect)); // 4, cursor moves to 3
    app.step(Action::Key(Bind::ScrollDown)); // 2
    app.step(Action::Key(Bind::ToggleSelect));
    assert_eq!(history(&app).selected.len(), 2);
    // 1 per second: the first at once, the other on the clock.
    app.step(Action::Key(Bind::RateDown));
    app.step(Action::Key(Bind::RateDown));
    app.step(Action::Key(Bind::RateDown));
    assert_eq!(history(&app).rate(), 1);
    let mut effects = app.step(Action::Key(Bind::Resend));
    assert_eq!(effects.len(), 1, "the first at once");
    let more = app.step(Action::Tick(app.now + chrono::Duration::milliseconds(1000)));
    assert_eq!(more.len(), 1, "the second on the clock");
    effects.extend(more);
    let sends: Vec<(u64, Mode, String)> = effects
        .iter()
        .map(|e| match e {
            Effect::Submit(ProducerCommand::Send { seq, mode, draft }) => {
                (*seq, *mode, String::from_utf8(draft.body.clone()).unwrap())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    // Oldest first, each in its own mode.
    assert_eq!(
        sends,
        [
            (1, Mode::Async, "{\"id\":2}".to_string()),
            (2, Mode::Async, "{\"id\":4}".to_string())
        ]
    );
    assert!(history(&app).selected.is_empty());
    let done = app.step(Action::Producer(ProducerEvent::Completed(Completion {
        seq: 2,
        mode: Mode::Async,
        outcome: Outcome::Dispatched,
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(1),
    })));
    let Some(Effect::Journal(e)) = one(done) else {
        panic!("journaled")
    };
    assert_eq!(e.source.as_deref(), Some("ab12cd34-4"));
    // The result's detail names the record; the record's detail names the
    // resend once the journal holds it.
    let row = app.log.shown().iter().position(|x| x.seq == 2).unwrap();
    app.overlay = Overlay::None;
    app.focus = Focus::Log;
    app.selected = row;
    app.step(Action::Key(Bind::OpenDetail));
    let screen = crate::console::ui::tests::draw(&app, 120, 40);
    assert!(
        screen.contains("resent from    record ab12cd34-4"),
        "{screen}"
    );
    let mut resent = rmq_journal::Record::from_entry(&e, "ef56-2".into());
    resent.submitted_at = "2026-11-25T12:01:00.000+00:00".into();
    app.step(Action::Key(Bind::Close));
    app.step(Action::HistoryLoaded {
        records: vec![record(4, "orders", "acknowledged", "{\"id\":4}"), resent],
        warnings: vec![],
        unflushed: None,
    });
    app.step(Action::Key(Bind::ScrollDown));
    app.step(Action::Key(Bind::OpenDetail));
    let screen = crate::console::ui::tests::draw(&app, 120, 40);
    assert!(screen.contains("resent as    ef56-2"), "{screen}");
}

#[test]
fn resend_on_a_protected_profile_waits_for_y() {
    let mut app = history_app();
    app.profiles[app.current].protected = true;
    assert!(app.step(Action::Key(Bind::Resend)).is_empty());
    assert_eq!(history(&app).confirm, Some(1));
    assert!(app.notice.as_ref().unwrap().text.contains("PROTECTED"));
    // Esc cancels the question, not the pane.
    app.step(Action::Key(Bind::Close));
    assert_eq!(history(&app).confirm, None);
    assert!(
        app.step(Action::Key(Bind::Yes)).is_empty(),
        "nothing to confirm"
    );
    app.step(Action::Key(Bind::Resend));
    assert!(matches!(
        app.step(Action::Key(Bind::Yes)).as_slice(),
        [Effect::Submit(ProducerCommand::Send { .. })]
    ));
}

/// `[keys]` reaches the history's footer, its border, and the question a
/// protected profile asks, on the screen and in the notice.
#[test]
fn a_keys_override_shows_in_the_history_hints_and_its_question() {
    let mut app = history_app();
    let overrides = [("yes", "Y"), ("close", "f10"), ("resend", "ctrl-e")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    app.keymap.apply_overrides(&overrides).unwrap();
    app.profiles[app.current].protected = true;
    let screen = crate::console::ui::tests::draw(&app, 120, 40);
    let footer = screen.lines().last().unwrap();
    assert!(footer.contains("Ctrl-E resend  F10 close"), "{footer}");
    assert!(screen.contains("Ctrl-E resend · F10 close ─"), "{screen}");
    assert!(app.step(Action::Key(Bind::Resend)).is_empty());
    let screen = crate::console::ui::tests::draw(&app, 120, 40);
    assert!(
        screen.contains("to PROTECTED profile sandbox? Y confirms, F10 cancels"),
        "{screen}"
    );
    let notice = &app.notice.as_ref().unwrap().text;
    assert!(notice.ends_with("? Y confirms, F10 cancels"), "{notice}");
}

#[test]
fn export_hands_the_completed_results_to_the_loop() {
    let mut app = ready_app();
    app.focus = Focus::Log;
    assert!(app.step(Action::Key(Bind::ExportResults)).is_empty());
    send_and_complete(&mut app);
    let Some(Effect::Export(entries)) = one(app.step(Action::Key(Bind::ExportResults))) else {
        panic!("an export")
    };
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].completion.outcome, Outcome::Dispatched);
    let dir = tempfile::tempdir().unwrap();
    let text = rmq_journal::export::write_results(dir.path(), None, &entries, t0()).unwrap();
    assert!(text.starts_with("exported 1 result(s)"), "{text}");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2);
    let jsonl = std::fs::read(dir.path().join(&names[1])).unwrap();
    let parsed = rmq_journal::replay::parse(&jsonl, "x", None, 1 << 20);
    assert_eq!(parsed.items.len(), 1, "the export is a replay file");
    assert_eq!(parsed.items[0].draft.body, b"hello");
    let mut csv = csv::Reader::from_path(dir.path().join(&names[0])).unwrap();
    assert_eq!(csv.records().count(), 1);
}

#[test]
fn history_pane_snapshots() {
    let mut app = history_app();
    app.step(Action::Key(Bind::ToggleSelect));
    insta::assert_snapshot!(
        "history_80x24",
        crate::console::ui::tests::draw(&app, 80, 24)
    );
    insta::assert_snapshot!(
        "history_120x40",
        crate::console::ui::tests::draw(&app, 120, 40)
    );
    app.step(Action::Key(Bind::ScrollDown));
    app.step(Action::Key(Bind::OpenDetail));
    insta::assert_snapshot!(
        "history_detail_80x24",
        crate::console::ui::tests::draw(&app, 80, 24)
    );
}

const IMPORT: &str = r#"{"topic":"orders","tag":"paid","keys":["o-1"],"body":"one","mode":"async"}
{"topic":"orders","body":
{"topic":"orders","body":"two"}
{"topic":"orders","properties":{"KEYS":"x"},"body":"three"}
{"topic":"orders","body":"four","mode":"oneway"}
"#;

/// The import dialog with `IMPORT` read and validated.
fn import_app() -> App {
    let mut app = ready_app();
    app.focus = Focus::Log;
    app.step(Action::Key(Bind::Import));
    assert_eq!(app.context(), Context::ImportPath);
    assert!(app.takes_text());
    for c in "msgs.jsonl".chars() {
        app.step(Action::Edit(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    let Some(Effect::ReadImport { path, max_body }) = one(app.step(Action::Key(Bind::Submit)))
    else {
        panic!("asks the loop to read the file")
    };
    assert_eq!(path, "msgs.jsonl");
    let parsed = rmq_journal::replay::parse(IMPORT.as_bytes(), &path, None, max_body);
    app.step(Action::ImportLoaded {
        path,
        parsed: Ok(parsed),
    });
    assert_eq!(app.context(), Context::Import);
    app
}

fn sends(fx: Vec<Effect>) -> Vec<(Mode, String)> {
    fx.into_iter()
        .map(|e| match e {
            Effect::Submit(ProducerCommand::Send { mode, draft, .. }) => {
                (mode, String::from_utf8(draft.body.clone()).unwrap())
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn import_lists_invalid_lines_and_sends_at_a_rate_with_progress_and_cancel() {
    let mut app = import_app();
    let v = match &app.overlay {
        Overlay::Import(v) => v.clone(),
        _ => panic!(),
    };
    let p = v.parsed.as_ref().unwrap();
    assert_eq!(p.items.len(), 3);
    let bad: Vec<usize> = p.invalid.iter().map(|i| i.line).collect();
    assert_eq!(bad, [2, 4], "the same validation as headless replay");
    assert_eq!(v.rate(), 10);
    app.step(Action::Key(Bind::RateDown));
    app.step(Action::Key(Bind::RateDown));
    // 1 per second: the first at once, the next on the clock.
    let first = sends(app.step(Action::Key(Bind::QuickSend)));
    assert_eq!(first, [(Mode::Async, "one".to_string())], "line's own mode");
    assert!(
        sends(app.step(Action::Tick(app.now + chrono::Duration::milliseconds(500)))).is_empty()
    );
    let second = sends(app.step(Action::Tick(app.now + chrono::Duration::milliseconds(600))));
    assert_eq!(
        second,
        [(Mode::Sync, "two".to_string())],
        "the mode bar's for a line without one"
    );
    let pc = app.pacer.clone().unwrap();
    assert_eq!((pc.sent, pc.total), (2, 3));
    app.step(Action::Key(Bind::CancelBurst));
    assert!(app.notice.as_ref().unwrap().text.contains("1 not sent"));
    assert!(sends(app.step(Action::Tick(app.now + chrono::Duration::seconds(5)))).is_empty());
    // Progress counts outcomes as they come.
    app.step(Action::Producer(ProducerEvent::Completed(Completion {
        seq: 1,
        mode: Mode::Async,
        outcome: Outcome::Dispatched,
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(1),
    })));
    assert_eq!(
        app.pacer.as_ref().unwrap().failed,
        1,
        "dispatched is not what async promises"
    );
}

/// The import offers its cancel only while messages wait to be paced out:
/// otherwise the key would only say "nothing is being sent".
#[test]
fn the_import_offers_its_cancel_only_while_sending() {
    let mut app = import_app();
    let border = |app: &App| {
        app.keymap
            .hint_line_where(app.context(), |b| app.bind_live(b))
    };
    assert!(!border(&app).contains("x cancel"), "{}", border(&app));
    app.step(Action::Key(Bind::RateDown));
    app.step(Action::Key(Bind::RateDown));
    assert_eq!(sends(app.step(Action::Key(Bind::QuickSend))).len(), 1);
    assert!(border(&app).contains("x cancel"), "{}", border(&app));
    app.step(Action::Key(Bind::CancelBurst));
    assert!(!border(&app).contains("x cancel"), "{}", border(&app));
}

#[test]
fn a_paced_import_stops_when_the_producer_dies() {
    let mut app = import_app();
    app.step(Action::Key(Bind::RateDown));
    app.step(Action::Key(Bind::RateDown));
    assert_eq!(sends(app.step(Action::Key(Bind::QuickSend))).len(), 1);
    app.step(Action::ProducerDied("boom".into()));
    assert!(sends(app.step(Action::Tick(app.now + chrono::Duration::seconds(5)))).is_empty());
    let pc = app.pacer.clone().unwrap();
    assert!(pc.cancelled && pc.queue.is_empty() && pc.sent == 1);
    assert!(app.notice.unwrap().text.contains("2 not sent"));
}

#[test]
fn import_sends_only_the_selected_and_asks_first_on_a_protected_profile() {
    let mut app = import_app();
    app.profiles[app.current].protected = true;
    app.step(Action::Key(Bind::ScrollDown));
    app.step(Action::Key(Bind::ScrollDown));
    app.step(Action::Key(Bind::ToggleSelect));
    assert!(
        app.step(Action::Key(Bind::QuickSend)).is_empty(),
        "asks first"
    );
    let sent = sends(app.step(Action::Key(Bind::Yes)));
    assert_eq!(sent, [(Mode::Oneway, "four".to_string())]);
}

#[test]
fn import_dialog_snapshots() {
    let app = import_app();
    insta::assert_snapshot!(
        "import_80x24",
        crate::console::ui::tests::draw(&app, 80, 24)
    );
    insta::assert_snapshot!(
        "import_120x40",
        crate::console::ui::tests::draw(&app, 120, 40)
    );
}

#[test]
fn the_last_draft_per_topic_is_offered_again_when_the_topic_is_typed() {
    let mut app = ready_app();
    app.composer.tag = line_input("paid");
    app.composer.validate(app.max_message_bytes());
    app.focus = Focus::Log;
    assert!(!app.step(Action::Key(Bind::Send)).is_empty());
    // Another message to another topic.
    app.composer.topic = line_input("");
    app.composer.body = TextArea::new(vec!["other".into()]);
    app.composer.tag = line_input("");
    app.focus = Focus::Topic;
    for c in "Topic".chars() {
        app.step(Action::Edit(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    assert!(app.offered.is_none(), "no draft for `Topic`");
    for c in "Test".chars() {
        app.step(Action::Edit(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    let n = app.notice.clone().expect("offered");
    assert!(n.text.contains("Ctrl-O restores it"), "{}", n.text);
    app.step(Action::Key(Bind::RestoreDraft));
    let d = app.composer.draft().unwrap();
    assert_eq!(
        (d.topic.as_str(), d.tag.as_deref()),
        ("TopicTest", Some("paid"))
    );
    assert_eq!(d.body, b"hello");
    assert_eq!(
        app.focus,
        Focus::Topic,
        "stays where the operator was typing"
    );
}

/// Enter asks for one read at a time; an answer for a path the dialog no
/// longer waits for (edited since) is dropped, not shown as the new one's.
#[test]
fn an_import_read_is_asked_once_and_a_stale_answer_is_dropped() {
    let mut app = ready_app();
    app.focus = Focus::Log;
    app.step(Action::Key(Bind::Import));
    let typed = |app: &mut App, text: &str| {
        for c in text.chars() {
            app.step(Action::Edit(ratatui_textarea::Input {
                key: ratatui_textarea::Key::Char(c),
                ..Default::default()
            }));
        }
    };
    typed(&mut app, "a.jsonl");
    assert!(matches!(
        app.step(Action::Key(Bind::Submit)).as_slice(),
        [Effect::ReadImport { path, .. }] if path == "a.jsonl"
    ));
    assert_eq!(app.notice.as_ref().unwrap().text, "reading a.jsonl…");
    assert!(app.step(Action::Key(Bind::Submit)).is_empty(), "one read");
    typed(&mut app, "x");
    let parsed = rmq_journal::replay::parse(IMPORT.as_bytes(), "a.jsonl", None, 1 << 20);
    app.step(Action::ImportLoaded {
        path: "a.jsonl".into(),
        parsed: Ok(parsed),
    });
    assert_eq!(
        app.context(),
        Context::ImportPath,
        "the stale read is dropped"
    );
    assert!(matches!(
        app.step(Action::Key(Bind::Submit)).as_slice(),
        [Effect::ReadImport { path, .. }] if path == "a.jsonlx"
    ));
    app.step(Action::ImportLoaded {
        path: "a.jsonlx".into(),
        parsed: Err("cannot read a.jsonlx: No such file".into()),
    });
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "cannot read a.jsonlx: No such file"
    );
    assert!(
        !app.step(Action::Key(Bind::Submit)).is_empty(),
        "asks again after a failed read"
    );
}
