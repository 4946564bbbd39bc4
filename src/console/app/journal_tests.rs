//! Tests of the journal, history, export and import jobs: keys pressed
//! through the real keymap and loop (`harness`).

use std::time::Duration;

use super::*;
use crate::console::app::{line_input, one};
use crate::console::harness::Harness;
use crate::console::keymap::Context;
use crate::console::ui::tests::{in_log, ready_app, t0};
use rmq_model::message::SendStatus;
use rmq_model::message::{Completion, Mode, Outcome};

/// Ctrl-S sends the composer's message and the producer completes it.
fn send_and_complete(h: &mut Harness) {
    h.press("ctrl-s");
    let cmds = h.commands();
    let [ProducerCommand::Send { seq, mode, .. }] = cmds.as_slice() else {
        panic!("a send: {cmds:?}");
    };
    h.emit(ProducerEvent::Completed(Completion {
        seq: *seq,
        mode: *mode,
        outcome: Outcome::Dispatched,
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(1),
    }));
}

#[test]
fn a_completed_send_goes_to_the_journal_with_its_draft_and_profile() {
    let mut h = in_log(ready_app());
    h.start_journal(&[]);
    send_and_complete(&mut h);
    let records = h.journal_records();
    let [r] = records.as_slice() else {
        panic!("one journal record: {records:?}")
    };
    assert_eq!(r.profile, "sandbox");
    assert_eq!(
        (r.topic.as_str(), r.body.as_deref()),
        ("TopicTest", Some("hello"))
    );
    assert_eq!(r.options.send_timeout_ms, 3000);
}

#[test]
fn a_profile_with_journal_off_keeps_nothing_and_says_so_in_a_problem_notice() {
    let mut app = ready_app();
    app.profiles[app.current].journal = false;
    let mut h = in_log(app);
    h.start_journal(&[]);
    send_and_complete(&mut h);
    assert!(h.journal_records().is_empty());
    // What the loop hands on from a journal that cannot write.
    h.lp.app
        .step(Action::JournalProblem("journal: cannot create /x".into()));
    let n = h.app().notice.clone().expect("a notice");
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
                        msg_id: format!("MSG{seq}").into(),
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
            tx: None,
        },
        format!("ab12cd34-{seq}"),
    );
    // Times in UTC so the snapshot does not follow the machine's zone.
    r.submitted_at = format!("2026-11-25T12:00:{seq:02}.250+00:00");
    r.completed_at = format!("2026-11-25T12:00:{seq:02}.252+00:00");
    r.callback_at = r.callback_at.as_ref().map(|_| r.completed_at.clone());
    r
}

/// Four records of an earlier session, oldest first.
fn records() -> Vec<rmq_journal::Record> {
    vec![
        record(1, "orders", "acknowledged", "{\"id\":1}"),
        record(2, "orders", "failed", "{\"id\":2}"),
        record(3, "payments", "acknowledged", "refund 3"),
        record(4, "orders", "acknowledged", "{\"id\":4}"),
    ]
}

/// `app` on the harness, its journal holding `records()`, and the history
/// pane opened on them with `H` from the results log.
fn history_of(app: App) -> Harness {
    let mut h = in_log(app);
    h.start_journal(&records());
    h.press("H");
    assert_eq!(h.app().context(), Context::History);
    assert_eq!(history(h.app()).records.len(), 4, "read from the journal");
    h
}

pub(super) fn history_app() -> Harness {
    history_of(ready_app())
}

fn history(app: &App) -> &HistoryView {
    match &app.overlay {
        Overlay::History(h) => h,
        _ => panic!("history pane not open"),
    }
}

#[test]
fn history_lists_newest_first_and_filters_as_you_type() {
    let mut h = history_app();
    let seqs =
        |h: &Harness| -> Vec<u64> { history(h.app()).shown().iter().map(|r| r.seq).collect() };
    assert_eq!(seqs(&h), [4, 3, 2, 1]);
    h.press("/");
    assert!(h.app().takes_text());
    h.type_text("FAIL");
    assert_eq!(seqs(&h), [2], "outcome matches, case-insensitively");
    h.press("backspace");
    assert_eq!(history(h.app()).filter, "FAI");
    for (text, want) in [
        ("payments", &[3u64][..]),
        ("order-4", &[4]),
        ("refund", &[3]),
        ("orders paid", &[4, 2, 1]),
    ] {
        // `-` and Space are the filter's letters here, not the pane's keys.
        for _ in 0..history(h.app()).filter.len() {
            h.press("backspace");
        }
        h.type_text(text);
        assert_eq!(history(h.app()).filter, text);
        assert_eq!(seqs(&h), want, "filter {text:?}");
    }
    // Enter (Close in the filter) leaves the filter; keys act again.
    h.press("enter");
    assert_eq!(h.app().context(), Context::History);
    h.press("enter");
    assert!(history(h.app()).detail);
    h.press("esc");
    assert!(!history(h.app()).detail, "Esc closes the detail first");
    h.press("esc");
    assert!(matches!(h.app().overlay, Overlay::None));
}

/// After an incident the operator has ids, not topics: a msgId, an offset
/// msgId, a seq, a property, a type. Each finds its record.
#[test]
fn history_finds_the_ids_an_operator_has_in_hand() {
    let mut recs = records();
    recs[1].properties = vec![("tenant".into(), "acme".into())];
    recs[2].kind = Some("fifo shard-7".into());
    recs[3].offset_msg_id = Some("7F00000100002A9F0000000000001234".into());
    recs[0].decision = Some("rollback".into());
    recs[0].decided_by = Some("operator".into());
    let mut h = in_log(ready_app());
    h.start_journal(&recs);
    h.press("H");
    let seqs =
        |h: &Harness| -> Vec<u64> { history(h.app()).shown().iter().map(|r| r.seq).collect() };
    h.press("/");
    for (text, want) in [
        ("msg3", &[3u64][..]),
        ("2a9f00000000", &[4]),
        ("#2", &[2]),
        ("#20", &[]),
        ("tenant=acme", &[2]),
        ("shard-7", &[3]),
        ("fifo", &[3]),
        ("async", &[4, 2]),
        ("rollback", &[1]),
        ("operator", &[1]),
    ] {
        for _ in 0..history(h.app()).filter.chars().count() {
            h.press("backspace");
        }
        h.type_text(text);
        assert_eq!(seqs(&h), want, "filter {text:?}");
    }
}

/// The journal holds more than the pane keeps: the title says how many
/// are kept of how many, instead of "10000 of 10000".
#[test]
fn the_history_title_says_it_keeps_the_newest_of_more() {
    let n = HISTORY_LIMIT + 677;
    let recs: Vec<rmq_journal::Record> = (1..=n as u64)
        .map(|seq| {
            let mut r = records()[0].clone();
            r.seq = seq;
            r.id = format!("ab12cd34-{seq}");
            r
        })
        .collect();
    let mut h = in_log(ready_app());
    h.press_keeping_effects("H");
    h.answer(Action::HistoryLoaded {
        records: recs,
        warnings: Vec::new(),
        unflushed: None,
        older_unread: false,
    });
    assert_eq!(history(h.app()).records.len(), HISTORY_LIMIT);
    assert_eq!(history(h.app()).records[0].seq, n as u64, "the newest kept");
    let screen = h.screen();
    assert!(
        screen.contains("History (10,000, the 10,000 newest of 10,677)"),
        "{screen}"
    );
    h.press("/").type_text("#10677");
    assert!(
        h.screen()
            .contains("History (1 of 10,000 match, the 10,000 newest of 10,677)"),
        "{}",
        h.screen()
    );
    // Read from the end, the loop cannot say how many older ones there
    // are, only that there are.
    h.press("esc").press("esc");
    h.press_keeping_effects("H");
    h.answer(Action::HistoryLoaded {
        records: records(),
        warnings: Vec::new(),
        unflushed: None,
        older_unread: true,
    });
    assert!(
        h.screen()
            .contains("History (4, the 4 newest; older ones not read)"),
        "{}",
        h.screen()
    );
}

/// From a result row, one key opens the history on that send's record in
/// full; a body keeps its line breaks there.
#[test]
fn a_result_row_opens_its_journal_record() {
    let mut h = in_log(ready_app());
    h.press("ctrl-s");
    let cmds = h.commands();
    let [ProducerCommand::Send { seq, .. }] = cmds.as_slice() else {
        panic!("a send: {cmds:?}");
    };
    let seq = *seq;
    h.emit(ProducerEvent::Completed(Completion {
        seq,
        mode: Mode::Sync,
        outcome: Outcome::Acknowledged(rmq_model::fixtures::receipt(seq)),
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(1),
    }));
    assert_eq!(h.app().context(), Context::Log);
    let fx = h.press_keeping_effects("J");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadHistory)),
        "{fx:?}"
    );
    // An older session's record with the same seq, and this send's.
    let mut older = record(seq, "orders", "acknowledged", "old");
    older.msg_id = Some("OLDER".into());
    let mut mine = record(seq, "orders", "acknowledged", "first line\nsecond line");
    mine.id = "ffff-1".into();
    mine.msg_id = Some(rmq_model::fixtures::receipt(seq).msg_id.to_string());
    h.answer(Action::HistoryLoaded {
        records: vec![older, mine, record(seq + 1, "orders", "failed", "later")],
        warnings: Vec::new(),
        unflushed: None,
        older_unread: false,
    });
    let v = history(h.app());
    assert!(v.detail, "opens in full");
    assert_eq!(v.current().unwrap().id, "ffff-1", "found by its msgId");
    let screen = h.screen();
    let rows: Vec<&str> = screen.lines().collect();
    let first = rows.iter().position(|l| l.contains("│  first line"));
    let second = rows.iter().position(|l| l.contains("│  second line"));
    assert!(
        matches!((first, second), (Some(a), Some(b)) if b == a + 1),
        "the body's second line under its first:\n{screen}"
    );
}

#[test]
fn a_record_loads_into_the_composer_with_its_mode() {
    let mut h = history_app();
    h.press("j"); // seq 3, sync
    h.press("j"); // seq 2, async
    h.press("l");
    let app = h.app();
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
    let mut h = history_app();
    h.press("space"); // 4, cursor moves to 3
    h.press("j"); // 2
    h.press("space");
    assert_eq!(history(h.app()).selected.len(), 2);
    // 1 per second: the first at once, the other on the clock.
    h.press("-").press("-").press("-");
    assert_eq!(history(h.app()).rate(), 1);
    h.press("R");
    let mut cmds = h.commands();
    assert_eq!(cmds.len(), 1, "the first at once");
    h.advance(chrono::Duration::milliseconds(1000));
    let more = h.commands();
    assert_eq!(more.len(), 1, "the second on the clock");
    cmds.extend(more);
    let sends: Vec<(u64, Mode, String)> = cmds
        .iter()
        .map(|c| match c {
            ProducerCommand::Send { seq, mode, draft } => {
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
    assert!(history(h.app()).selected.is_empty());
    h.emit(ProducerEvent::Completed(Completion {
        seq: 2,
        mode: Mode::Async,
        outcome: Outcome::Dispatched,
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(1),
    }));
    let journal = h.journal_records();
    assert_eq!(journal.len(), 5, "journaled after the four");
    let resent = &journal[4];
    assert_eq!(resent.seq, 2);
    assert_eq!(resent.source.as_deref(), Some("ab12cd34-4"));
    // The result's detail names the record; the record's detail names the
    // resend once the journal holds it.
    h.press("esc");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert_eq!(h.app().focus, Focus::Log);
    let row = h.app().log.shown().iter().position(|x| x.seq == 2).unwrap();
    h.press("g");
    for _ in 0..row {
        h.press("j");
    }
    assert_eq!(h.app().selected, row);
    h.press("enter");
    let screen = crate::console::ui::tests::draw(h.app(), 120, 40);
    assert!(
        screen.contains("resent from    record ab12cd34-4"),
        "{screen}"
    );
    h.press("esc");
    // Newest first: the resend, then record 4.
    h.press("H").press("j").press("enter");
    assert_eq!(history(h.app()).current().unwrap().id, "ab12cd34-4");
    let screen = crate::console::ui::tests::draw(h.app(), 120, 40);
    assert!(
        screen.contains(&format!("resent as    {}", resent.id)),
        "{screen}"
    );
}

#[test]
fn resend_on_a_protected_profile_waits_for_y() {
    let mut app = ready_app();
    app.profiles[app.current].protected = true;
    let mut h = history_of(app);
    h.press("R");
    assert!(h.commands().is_empty());
    assert_eq!(history(h.app()).confirm, Some(1));
    assert!(h.app().notice.as_ref().unwrap().text.contains("PROTECTED"));
    // Esc cancels the question, not the pane.
    h.press("esc");
    assert_eq!(history(h.app()).confirm, None);
    h.press("y");
    assert!(h.commands().is_empty(), "nothing to confirm");
    h.press("R").press("y");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Send { .. }]
    ));
}

/// `[keys]` reaches the history's footer, its border, and the question a
/// protected profile asks, on the screen and in the notice; the rebound key
/// is the one that asks it.
#[test]
fn a_keys_override_shows_in_the_history_hints_and_its_question() {
    let mut app = ready_app();
    let overrides = [("yes", "Y"), ("close", "f10"), ("resend", "ctrl-e")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    app.keymap.apply_overrides(&overrides).unwrap();
    app.profiles[app.current].protected = true;
    let mut h = history_of(app);
    let screen = crate::console::ui::tests::draw(h.app(), 120, 40);
    let footer = screen.lines().last().unwrap();
    assert!(
        footer.contains("Ctrl-E resend  Space select  F10 close"),
        "{footer}"
    );
    assert!(
        screen.contains("Ctrl-E resend · Space select · F10 close ─"),
        "{screen}"
    );
    h.press("ctrl-e");
    assert!(h.commands().is_empty());
    let screen = crate::console::ui::tests::draw(h.app(), 120, 40);
    assert!(
        screen.contains("to PROTECTED profile sandbox? Y confirms, F10 cancels"),
        "{screen}"
    );
    let notice = &h.app().notice.as_ref().unwrap().text;
    assert!(notice.ends_with("? Y confirms, F10 cancels"), "{notice}");
}

#[test]
fn export_hands_the_completed_results_to_the_loop() {
    let mut h = in_log(ready_app());
    let written = |h: &Harness| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(h.exports.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    h.press("E");
    assert!(written(&h).is_empty());
    let notice = &h.app().notice.as_ref().unwrap().text;
    assert_eq!(notice, "nothing to export: no completed sends yet");
    send_and_complete(&mut h);
    h.press("E");
    let text = &h.app().notice.as_ref().unwrap().text;
    assert!(text.starts_with("exported 1 result(s)"), "{text}");
    let names = written(&h);
    assert_eq!(names.len(), 2);
    let dir = h.exports.path();
    let jsonl = std::fs::read(dir.join(&names[1])).unwrap();
    let line: rmq_journal::Record = serde_json::from_slice(jsonl.trim_ascii_end()).unwrap();
    assert_eq!(line.state, "dispatched");
    let parsed = rmq_journal::replay::parse(&jsonl, "x", None, 1 << 20);
    assert_eq!(parsed.items.len(), 1, "the export is a replay file");
    assert_eq!(parsed.items[0].draft.body, b"hello");
    let mut csv = csv::Reader::from_path(dir.join(&names[0])).unwrap();
    assert_eq!(csv.records().count(), 1);
}

#[test]
fn history_pane_snapshots() {
    let mut h = history_app();
    h.press("space");
    let app = h.app();
    insta::assert_snapshot!(
        "history_80x24",
        crate::console::ui::tests::draw(app, 80, 24)
    );
    insta::assert_snapshot!(
        "history_120x40",
        crate::console::ui::tests::draw(app, 120, 40)
    );
    h.press("j").press("enter");
    let app = h.app();
    insta::assert_snapshot!(
        "history_detail_80x24",
        crate::console::ui::tests::draw(app, 80, 24)
    );
}

const IMPORT: &str = r#"{"topic":"orders","tag":"paid","keys":["o-1"],"body":"one","mode":"async"}
{"topic":"orders","body":
{"topic":"orders","body":"two"}
{"topic":"orders","properties":{"KEYS":"x"},"body":"three"}
{"topic":"orders","body":"four","mode":"oneway"}
"#;

/// `app` on the harness with the import dialog opened with `I` from the
/// results log and `IMPORT` read and validated. The test answers the read
/// `update` asks for with `IMPORT` itself, under the path the snapshots
/// show: the loop would read that path from the disk.
fn import_harness(app: App) -> Harness {
    let mut h = in_log(app);
    h.press("I");
    assert_eq!(h.app().context(), Context::ImportPath);
    assert!(h.app().takes_text());
    h.type_text("msgs.jsonl");
    let Some(Effect::ReadImport { path, max_body }) = one(h.press_keeping_effects("enter")) else {
        panic!("asks the loop to read the file")
    };
    assert_eq!(path, "msgs.jsonl");
    let parsed = rmq_journal::replay::parse(IMPORT.as_bytes(), &path, None, max_body);
    let fx = h.answer_keeping_effects(Action::ImportLoaded {
        path,
        parsed: Ok(parsed),
    });
    assert!(
        matches!(fx.as_slice(), [Effect::RememberImport(p)] if p == "msgs.jsonl"),
        "a file read is remembered among the recent ones: {fx:?}"
    );
    assert_eq!(h.app().context(), Context::Import);
    h
}

fn import_app() -> Harness {
    import_harness(ready_app())
}

/// The sends among the commands, each with its mode and body.
fn sends(cmds: Vec<ProducerCommand>) -> Vec<(Mode, String)> {
    cmds.into_iter()
        .map(|c| match c {
            ProducerCommand::Send { mode, draft, .. } => {
                (mode, String::from_utf8(draft.body.clone()).unwrap())
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn import_lists_invalid_lines_and_sends_at_a_rate_with_progress_and_cancel() {
    let mut h = import_app();
    let v = match &h.app().overlay {
        Overlay::Import(v) => v.clone(),
        _ => panic!(),
    };
    let p = v.parsed.as_ref().unwrap();
    assert_eq!(p.items.len(), 3);
    let bad: Vec<usize> = p.invalid.iter().map(|i| i.line).collect();
    assert_eq!(bad, [2, 4], "the same validation as headless replay");
    assert_eq!(v.rate(), 10);
    h.press("-").press("-");
    // 1 per second: the first at once, the next on the clock (`y` says
    // yes to leaving the two invalid lines out).
    h.press("s").press("y");
    let first = sends(h.commands());
    assert_eq!(first, [(Mode::Async, "one".to_string())], "line's own mode");
    h.advance(chrono::Duration::milliseconds(500));
    assert!(sends(h.commands()).is_empty());
    h.advance(chrono::Duration::milliseconds(600));
    let second = sends(h.commands());
    assert_eq!(
        second,
        [(Mode::Sync, "two".to_string())],
        "the mode bar's for a line without one"
    );
    let pc = h.app().pacer.clone().unwrap();
    assert_eq!((pc.sent, pc.total), (2, 3));
    h.press("x");
    assert!(h.app().notice.as_ref().unwrap().text.contains("1 not sent"));
    h.advance(chrono::Duration::seconds(5));
    assert!(sends(h.commands()).is_empty());
    // Progress counts outcomes as they come.
    h.emit(ProducerEvent::Completed(Completion {
        seq: 1,
        mode: Mode::Async,
        outcome: Outcome::Dispatched,
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(1),
    }));
    assert_eq!(
        h.app().pacer.as_ref().unwrap().failed,
        1,
        "dispatched is not what async promises"
    );
}

/// The import offers its cancel only while messages wait to be paced out:
/// otherwise the key would only say "nothing is being sent".
#[test]
fn the_import_offers_its_cancel_only_while_sending() {
    let mut h = import_app();
    let border = |h: &Harness| {
        let app = h.app();
        app.keymap
            .hint_line_where(app.context(), |b| app.bind_live(b))
    };
    assert!(!border(&h).contains("x cancel"), "{}", border(&h));
    h.press("-").press("-").press("s").press("y");
    assert_eq!(sends(h.commands()).len(), 1);
    assert!(border(&h).contains("x cancel"), "{}", border(&h));
    h.press("x");
    assert!(!border(&h).contains("x cancel"), "{}", border(&h));
}

#[test]
fn a_paced_import_stops_when_the_producer_dies() {
    let mut h = import_app();
    h.press("-").press("-").press("s").press("y");
    assert_eq!(sends(h.commands()).len(), 1);
    h.kill("boom");
    h.advance(chrono::Duration::seconds(5));
    assert!(sends(h.commands()).is_empty());
    let pc = h.app().pacer.clone().unwrap();
    assert!(pc.cancelled && pc.queue.is_empty() && pc.sent == 1);
    assert!(h.app().notice.as_ref().unwrap().text.contains("2 not sent"));
}

/// A stall (the loop's clock silent for 10 s) is not followed by a flood
/// of everything that fell due meanwhile: the pacer carries at most
/// `PACE_SLACK` of credit. On main the 10 s stall at 1/s sent the two
/// waiting messages at once.
#[test]
fn a_paced_import_never_catches_up_in_a_flood_after_a_stall() {
    let mut h = import_app();
    h.press("-").press("-").press("s").press("y");
    assert_eq!(sends(h.commands()).len(), 1, "the first at once");
    h.advance(chrono::Duration::seconds(10));
    assert_eq!(
        sends(h.commands()).len(),
        1,
        "one after the stall, not both"
    );
    h.advance(chrono::Duration::milliseconds(500));
    assert!(sends(h.commands()).is_empty(), "then at 1/s again");
    h.advance(chrono::Duration::milliseconds(600));
    assert_eq!(sends(h.commands()).len(), 1);
    let pc = h.app().pacer.clone().unwrap();
    assert_eq!((pc.sent, pc.total), (3, 3));
}

/// A paced send the command queue refused counts as failed in the
/// import's progress (on main it stayed "0 failed", waiting for an outcome
/// that never comes).
#[test]
fn a_paced_send_the_queue_refused_counts_as_failed() {
    let mut h = import_app();
    h.press("-").press("-").press("s").press("y");
    let Some(ProducerCommand::Send { seq, mode, .. }) = h.commands().pop() else {
        panic!("the first message goes at once")
    };
    h.answer(Action::SubmitFailed {
        first_seq: Some(seq),
        count: 1,
        mode: Some(mode),
        burst: None,
        error: rmq_engine::producer::SubmitError::Full,
    });
    let pc = h.app().pacer.clone().unwrap();
    assert_eq!((pc.sent, pc.failed, pc.succeeded), (1, 1, 0));
    assert!(pc.seqs.is_empty(), "nothing left waiting for an outcome");
}

#[test]
fn import_sends_only_the_selected_and_asks_first_on_a_protected_profile() {
    let mut app = ready_app();
    app.profiles[app.current].protected = true;
    let mut h = import_harness(app);
    h.press("j").press("j").press("space");
    h.press("s");
    assert!(h.commands().is_empty(), "asks first");
    h.press("y");
    let sent = sends(h.commands());
    assert_eq!(sent, [(Mode::Oneway, "four".to_string())]);
}

/// Headless replay refuses a file with invalid lines unless told to skip
/// them: the dialog asks, names how many are left out, and Esc keeps
/// everything unsent.
#[test]
fn an_import_with_invalid_lines_asks_before_leaving_them_out() {
    let mut h = import_app();
    h.press("s");
    assert!(h.commands().is_empty(), "asks first");
    let notice = h.app().notice.clone().unwrap().text;
    assert!(
        notice.contains("send the 3 valid message(s) (2 invalid line(s) skipped)?"),
        "{notice}"
    );
    assert!(
        h.screen().contains("2 invalid line(s) skipped"),
        "{}",
        h.screen()
    );
    h.press("esc");
    assert_eq!(
        h.app().context(),
        Context::Import,
        "Esc answers no, the dialog stays"
    );
    h.press("y");
    assert!(
        h.commands().is_empty(),
        "a y with no question sends nothing"
    );
    h.press("s").press("y");
    assert_eq!(sends(h.commands()).len(), 1, "the first at once");
    h.advance(chrono::Duration::milliseconds(300));
    assert_eq!(sends(h.commands()).len(), 2, "the rest at 10/s");
}

/// Progress is about the file on screen and starts at zero: a finished
/// run of an earlier file is not shown as this one's, and the notice that
/// sending started does not outlive the sending.
#[test]
fn import_progress_starts_at_zero_and_ends_with_a_summary() {
    let mut h = import_app();
    h.press("s").press("y");
    h.advance(chrono::Duration::milliseconds(300));
    let seqs: Vec<u64> = h
        .commands()
        .into_iter()
        .map(|c| match c {
            ProducerCommand::Send { seq, .. } => seq,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seqs.len(), 3);
    assert!(
        h.screen()
            .contains("sending: 3/3 submitted, 0 ok, 0 failed, 3 in flight"),
        "{}",
        h.screen()
    );
    for seq in seqs {
        h.emit(ProducerEvent::Completed(Completion {
            seq,
            mode: Mode::Sync,
            outcome: Outcome::Acknowledged(rmq_model::fixtures::receipt(seq)),
            submitted_at: t0(),
            completed_at: t0(),
            latency: Duration::from_millis(1),
        }));
    }
    assert!(
        h.screen().contains("done: 3 ok, 0 failed"),
        "{}",
        h.screen()
    );
    let notice = h.app().notice.clone().unwrap().text;
    assert_eq!(notice, "sending finished: 3 ok, 0 failed");
    // The same file again: nothing of the last run is shown as its own.
    h.press("esc");
    let h2 = &mut h;
    h2.press("I").type_text("msgs.jsonl");
    let fx = h2.press_keeping_effects("enter");
    let Some(Effect::ReadImport { path, max_body }) = fx.into_iter().next() else {
        panic!("asks the loop to read the file")
    };
    let parsed = rmq_journal::replay::parse(IMPORT.as_bytes(), &path, None, max_body);
    h2.answer_keeping_effects(Action::ImportLoaded {
        path,
        parsed: Ok(parsed),
    });
    let screen = h2.screen();
    assert!(
        !screen.contains("done:") && !screen.contains("sending:"),
        "{screen}"
    );
}

/// Tab completes the typed path from its folder (the loop lists it);
/// Up and Down walk the recently imported files and back to what was typed.
#[test]
fn the_import_prompt_completes_paths_and_offers_recent_files() {
    let mut h = in_log(ready_app());
    let fx = h.press_keeping_effects("I");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadRecentImports)),
        "{fx:?}"
    );
    h.answer(Action::RecentImports(vec![
        "~/a.jsonl".into(),
        "/tmp/b.jsonl".into(),
    ]));
    assert!(h.screen().contains("recent:"), "{}", h.screen());
    h.type_text("ord");
    let path = |h: &Harness| match &h.app().overlay {
        Overlay::Import(v) => v.path.clone(),
        _ => panic!("the dialog is open"),
    };
    h.press("up");
    assert_eq!(path(&h), "~/a.jsonl");
    h.press("up").press("up");
    assert_eq!(path(&h), "/tmp/b.jsonl", "stops at the oldest");
    h.press("down");
    assert_eq!(path(&h), "~/a.jsonl");
    h.press("down");
    assert_eq!(path(&h), "ord", "back to what was typed");
    let fx = h.press_keeping_effects("tab");
    assert!(
        matches!(fx.as_slice(), [Effect::ListPath(t)] if t == "ord"),
        "{fx:?}"
    );
    let entry = |name: &str, dir: bool| crate::console::app::complete::Entry {
        name: name.into(),
        dir,
    };
    h.answer(Action::PathEntries {
        typed: "ord".into(),
        entries: vec![
            entry("orders-1.jsonl", false),
            entry("orders-2.jsonl", false),
        ],
    });
    assert_eq!(path(&h), "orders-");
    assert!(h.screen().contains("2 choices:"), "{}", h.screen());
    h.type_text("2");
    h.press_keeping_effects("tab");
    h.answer(Action::PathEntries {
        typed: "orders-2".into(),
        entries: vec![
            entry("orders-1.jsonl", false),
            entry("orders-2.jsonl", false),
        ],
    });
    assert_eq!(path(&h), "orders-2.jsonl");
    // An answer for text no longer at the prompt is dropped.
    h.answer(Action::PathEntries {
        typed: "ord".into(),
        entries: vec![entry("ordinary", false)],
    });
    assert_eq!(path(&h), "orders-2.jsonl");
}

#[test]
fn import_dialog_snapshots() {
    let h = import_app();
    let app = h.app();
    insta::assert_snapshot!("import_80x24", crate::console::ui::tests::draw(app, 80, 24));
    insta::assert_snapshot!(
        "import_120x40",
        crate::console::ui::tests::draw(app, 120, 40)
    );
}

#[test]
fn the_last_draft_per_topic_is_offered_again_when_the_topic_is_typed() {
    let mut app = ready_app();
    app.composer.tag = line_input("paid");
    app.composer.validate(app.max_message_bytes());
    let mut h = in_log(app);
    h.press("ctrl-s");
    assert_eq!(h.commands().len(), 1);
    // Another message to another topic.
    let composer = &mut h.lp.app.composer;
    composer.topic = line_input("");
    composer.body = ratatui_textarea::TextArea::new(vec!["other".into()]);
    composer.tag = line_input("");
    h.press("i");
    assert_eq!(h.app().focus, Focus::Topic);
    h.type_text("Topic");
    assert!(h.app().offered.is_none(), "no draft for `Topic`");
    h.type_text("Test");
    let n = h.app().notice.clone().expect("offered");
    assert!(n.text.contains("Ctrl-O restores it"), "{}", n.text);
    h.press("ctrl-o");
    let d = h.app().composer.draft().unwrap();
    assert_eq!(
        (d.topic.as_str(), d.tag.as_deref()),
        ("TopicTest", Some("paid"))
    );
    assert_eq!(d.body, b"hello");
    assert_eq!(
        h.app().focus,
        Focus::Topic,
        "stays where the operator was typing"
    );
}

/// Enter asks for one read at a time; an answer for a path the dialog no
/// longer waits for (edited since) is dropped, not shown as the new one's.
/// The test keeps the reads Enter asks for and answers them itself, late:
/// the loop would read each at once and answer before the next key.
#[test]
fn an_import_read_is_asked_once_and_a_stale_answer_is_dropped() {
    let mut h = in_log(ready_app());
    h.press("I").type_text("a.jsonl");
    assert!(matches!(
        h.press_keeping_effects("enter").as_slice(),
        [Effect::ReadImport { path, .. }] if path == "a.jsonl"
    ));
    assert_eq!(h.app().notice.as_ref().unwrap().text, "reading a.jsonl…");
    assert!(h.press_keeping_effects("enter").is_empty(), "one read");
    h.type_text("x");
    let parsed = rmq_journal::replay::parse(IMPORT.as_bytes(), "a.jsonl", None, 1 << 20);
    h.answer(Action::ImportLoaded {
        path: "a.jsonl".into(),
        parsed: Ok(parsed),
    });
    assert_eq!(
        h.app().context(),
        Context::ImportPath,
        "the stale read is dropped"
    );
    assert!(matches!(
        h.press_keeping_effects("enter").as_slice(),
        [Effect::ReadImport { path, .. }] if path == "a.jsonlx"
    ));
    h.answer(Action::ImportLoaded {
        path: "a.jsonlx".into(),
        parsed: Err("cannot read a.jsonlx: No such file".into()),
    });
    assert_eq!(
        h.app().notice.as_ref().unwrap().text,
        "cannot read a.jsonlx: No such file"
    );
    assert!(
        !h.press_keeping_effects("enter").is_empty(),
        "asks again after a failed read"
    );
}

/// A journal written ahead: send 1's `submitted` record and its outcome,
/// send 2's `submitted` record alone (the process was killed), send 3 a
/// transaction rolled back by the send. The pane shows one row per send in
/// its latest state; the details say what is known.
#[test]
fn history_shows_each_send_once_in_its_latest_state_with_its_decision() {
    let submitted = |seq| {
        let mut r = record(seq, "orders", "acknowledged", "{}");
        r.state = "submitted".into();
        r.status = None;
        r.msg_id = None;
        r.completed_at = String::new();
        r
    };
    let mut tx = record(3, "orders", "acknowledged", "{}");
    tx.kind = Some("tx rollback".into());
    tx.decision = Some("rollback".into());
    tx.decided_by = Some("the send".into());
    let journal = [
        submitted(1),
        submitted(2),
        record(1, "orders", "acknowledged", "{}"),
        submitted(3),
        tx,
    ];
    let mut h = in_log(ready_app());
    h.start_journal(&journal);
    h.press("H");
    let rows: Vec<(u64, String)> = history(h.app())
        .shown()
        .iter()
        .map(|r| (r.seq, r.state.clone()))
        .collect();
    assert_eq!(
        rows,
        [
            (3, "acknowledged".to_string()),
            (2, "submitted".to_string()),
            (1, "acknowledged".to_string()),
        ]
    );
    h.press("enter");
    h.assert_shows("rollback (by the send)");
    h.press("esc").press("down").press("enter");
    h.assert_shows("SUBMITTED");
    h.assert_shows("unknown: the process ended");
}

/// The pane read the 10,000 newest and says older ones are not read: `o`
/// reads again, 10,000 further back, and the filter typed stays.
#[test]
fn o_reads_older_records_and_keeps_the_filter() {
    let many = |n: u64| -> Vec<rmq_journal::Record> {
        (1..=n)
            .map(|seq| {
                let mut r = records()[0].clone();
                r.seq = seq;
                r.id = format!("ab12cd34-{seq}");
                r
            })
            .collect()
    };
    let mut h = in_log(ready_app());
    h.press_keeping_effects("H");
    h.answer(Action::HistoryLoaded {
        records: many(HISTORY_LIMIT as u64),
        warnings: Vec::new(),
        unflushed: None,
        older_unread: true,
    });
    assert!(h.screen().contains("o older"), "offered: {}", h.screen());
    h.press("/").type_text("#3").press("enter");
    let fx = h.press_keeping_effects("o");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadHistory)),
        "{fx:?}"
    );
    assert_eq!(h.app().history_limit, 2 * HISTORY_LIMIT);
    h.answer(Action::HistoryLoaded {
        records: many(15_000),
        warnings: Vec::new(),
        unflushed: None,
        older_unread: false,
    });
    let v = history(h.app());
    assert_eq!(v.records.len(), 15_000, "all of what was read is kept");
    assert_eq!(v.filter, "#3");
    assert_eq!(v.shown().len(), 1);
    assert!(
        !h.screen().contains("o older"),
        "nothing older: not offered"
    );
    // The next `H` starts from the newest 10,000 again.
    h.press("esc").press("esc");
    h.press_keeping_effects("H");
    assert_eq!(h.app().history_limit, HISTORY_LIMIT);
}
