//! The body's JSON check, its question before a send, the format key, the
//! editor's answers and the body read from a file: `update` and real keys
//! through the loop.

use ratatui_textarea::{Input, Key};

use super::json_body::JsonCheck;
use super::*;
use crate::console::harness::Harness;
use crate::console::keymap::Bind;
use crate::console::ui::tests::{empty_app, ready_app};
use rmq_engine::producer::ProducerCommand;

/// `app` with `body` as the composer's body, typed as one paste (so it is
/// checked as an edit), the keyboard in the body.
fn with_body(mut app: App, body: &str) -> App {
    app.focus = Focus::Body;
    app.step(Action::Key(Bind::ClearField));
    app.step(Action::Paste(body.to_string()));
    app
}

fn sends(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| matches!(e, Effect::Submit(ProducerCommand::Send { .. })))
        .count()
}

fn body(app: &App) -> String {
    app.composer.body.lines().join("\n")
}

#[test]
fn a_json_body_is_checked_as_it_changes() {
    let mut app = with_body(empty_app(), "{\"a\": 1}");
    assert_eq!(app.composer.json, Some(JsonCheck::Valid));
    // One more key breaks it: the check follows the edit, with its place.
    app.step(Action::Edit(Input {
        key: Key::Char(','),
        ..Default::default()
    }));
    let j = app.composer.json.clone().unwrap();
    assert_eq!(j.label(), "JSON ✗ 1:9: trailing characters");
    // Not JSON-looking text is not judged.
    let app = with_body(empty_app(), "plain text");
    assert_eq!(app.composer.json, None);
}

#[test]
fn an_invalid_json_body_asks_once_and_no_keeps_it_unsent() {
    let mut app = with_body(ready_app(), "{\"a\" 1}");
    let fx = app.step(Action::Key(Bind::Send));
    assert_eq!(sends(&fx), 0);
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no question");
    };
    assert_eq!(c.invalid_json.as_deref(), Some("JSON ✗ 1:6: expected `:`"));
    assert_eq!(app.context(), crate::console::keymap::Context::Confirm);
    // No: nothing sent, the draft as it was.
    assert_eq!(sends(&app.step(Action::Key(Bind::No))), 0);
    assert_eq!(body(&app), "{\"a\" 1}");
    // Asked again, yes sends it as typed.
    app.step(Action::Key(Bind::Send));
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    let fx = app.step(Action::Key(Bind::Yes));
    assert_eq!(sends(&fx), 1);
    // Once answered, the same body goes without the question.
    let fx = app.step(Action::Key(Bind::Send));
    assert_eq!(sends(&fx), 1, "asked twice about the same body");
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn valid_json_and_plain_text_send_without_a_question() {
    for b in ["{\"a\": 1}", "not json at all"] {
        let mut app = with_body(ready_app(), b);
        assert_eq!(sends(&app.step(Action::Key(Bind::Send))), 1, "{b}");
    }
}

#[test]
fn the_profile_key_turns_the_question_off() {
    let mut app = ready_app();
    app.profiles[app.current].confirm_invalid_json = false;
    let mut app = with_body(app, "[1, 2");
    assert_eq!(sends(&app.step(Action::Key(Bind::Send))), 1);
}

#[test]
fn the_editor_answer_replaces_the_body_and_a_failure_keeps_it() {
    let mut app = with_body(ready_app(), "old");
    let fx = app.step(Action::Key(Bind::EditBody));
    assert!(
        matches!(&fx[..], [Effect::Editor { target: EditTarget::Body, text }] if text == "old"),
        "{fx:?}"
    );
    app.step(Action::Edited {
        target: EditTarget::Body,
        result: Err("the editor `vi` exited with status 1".into()),
    });
    assert_eq!(body(&app), "old");
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("status 1; the draft is unchanged")
    );
    // The editor's trailing newline is not the operator's.
    app.step(Action::Edited {
        target: EditTarget::Body,
        result: Ok("{\"new\": true}\n".into()),
    });
    assert_eq!(body(&app), "{\"new\": true}");
    assert_eq!(app.composer.json, Some(JsonCheck::Valid));
    // No editor set: said, nothing else.
    app.step(Action::Edited {
        target: EditTarget::Draft,
        result: Err("no editor: set $VISUAL or $EDITOR".into()),
    });
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("set $VISUAL or $EDITOR")
    );
}

#[test]
fn the_draft_edited_as_toml_fills_every_field_or_names_the_bad_line() {
    let mut app = with_body(ready_app(), "body");
    let fx = app.step(Action::Key(Bind::EditDraft));
    let Some(Effect::Editor {
        target: EditTarget::Draft,
        text,
    }) = fx.into_iter().next()
    else {
        panic!("no editor effect");
    };
    assert!(text.contains("body = \"body\""), "{text}");
    let edited = text
        .replace("tag = \"\"", "tag = \"created\"")
        .replace("keys = []", "keys = [\"k1\", \"k2\"]")
        .replace("body = \"body\"", "body = '''\n{\"id\": 7}'''")
        + "region = \"eu\"\n";
    app.step(Action::Edited {
        target: EditTarget::Draft,
        result: Ok(edited),
    });
    let d = app.composer.draft().expect("a valid draft");
    assert_eq!(d.tag.as_deref(), Some("created"));
    assert_eq!(d.keys, ["k1", "k2"]);
    assert_eq!(d.properties, [("region".to_string(), "eu".to_string())]);
    assert_eq!(d.body, b"{\"id\": 7}");
    // A document that does not parse: the draft stays, the line is named.
    let before = app.composer.draft();
    app.step(Action::Edited {
        target: EditTarget::Draft,
        result: Ok("topic = \"t\"\ntag = created\n".into()),
    });
    assert_eq!(app.composer.draft(), before);
    let n = &app.notice.as_ref().unwrap().text;
    assert!(
        n.contains("line 2") && n.contains("the draft is unchanged"),
        "{n}"
    );
}

#[test]
fn format_key_pretty_prints_compacts_and_undo_brings_the_body_back() {
    let mut h = Harness::new(with_body(ready_app(), "{\"a\":[1,2],\"b\":{}}"), 80, 24);
    h.press("alt-j");
    assert_eq!(
        body(h.app()),
        "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}"
    );
    h.press("alt-j");
    assert_eq!(body(h.app()), "{\"a\":[1,2],\"b\":{}}");
    h.press("alt-j").press("ctrl-u").press("ctrl-u");
    assert_eq!(body(h.app()), "{\"a\":[1,2],\"b\":{}}");
    // Broken JSON is left alone, with the reason.
    let mut h = Harness::new(with_body(ready_app(), "{\"a\":"), 80, 24);
    h.press("alt-j");
    assert_eq!(body(h.app()), "{\"a\":");
    let n = &h.app().notice.as_ref().unwrap().text;
    assert!(
        n.contains("JSON ✗ 1:5") && n.contains("nothing reformatted"),
        "{n}"
    );
}

#[test]
fn the_editor_key_runs_the_editor_through_the_loop() {
    let mut h = Harness::new(with_body(ready_app(), "{\"v\": 1}"), 80, 24);
    h.set_editor(Box::new(|text: &str, suffix: &str| {
        assert_eq!(suffix, ".json");
        Ok(text.replace('1', "2") + "\n")
    }));
    h.press("alt-e");
    assert_eq!(body(h.app()), "{\"v\": 2}");
    h.assert_shows("JSON ✓");
}

/// A file of `bytes` in a fresh folder.
fn file(bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("payload-order.json");
    std::fs::write(&p, bytes).unwrap();
    let path = p.display().to_string();
    (dir, path)
}

#[test]
fn a_body_file_is_completed_with_tab_and_read_into_the_body() {
    let (dir, path) = file(b"{\"from\": \"file\"}");
    let mut h = Harness::new(with_body(ready_app(), "typed"), 80, 24);
    h.press("alt-l");
    assert!(matches!(h.app().overlay, Overlay::BodyFile(_)));
    h.type_text(&format!("{}/pay", dir.path().display()));
    h.press("tab");
    let Overlay::BodyFile(v) = &h.app().overlay else {
        panic!("prompt closed");
    };
    assert_eq!(v.path, path);
    h.press("enter");
    assert!(matches!(h.app().overlay, Overlay::None));
    assert_eq!(body(h.app()), "{\"from\": \"file\"}");
    assert_eq!(h.app().composer.json, Some(JsonCheck::Valid));
    // Undo gives the typed body back.
    h.press("ctrl-u").press("ctrl-u");
    assert_eq!(body(h.app()), "typed");
}

#[test]
fn a_body_file_over_the_maximum_is_refused_and_the_draft_kept() {
    let app = with_body(ready_app(), "keep me");
    let max = app.max_message_bytes();
    let (_dir, path) = file(&vec![b'x'; max + 10]);
    let mut h = Harness::new(app, 80, 24);
    h.press("alt-l").type_text(&path).press("enter");
    let Overlay::BodyFile(v) = &h.app().overlay else {
        panic!("the prompt closed on a refused file");
    };
    let e = v.error.clone().unwrap();
    assert!(
        e.contains(&format!("more than {max} bytes, the profile's maximum"))
            && e.contains("the body is unchanged"),
        "{e}"
    );
    h.press("esc");
    assert_eq!(body(h.app()), "keep me");
}

#[test]
fn a_binary_body_file_is_kept_as_bytes_and_clear_gives_the_text_back() {
    let bytes = [0x00, 0xff, 0x10, b'a', 0xc3];
    let (_dir, path) = file(&bytes);
    let mut h = Harness::new(with_body(ready_app(), "text"), 120, 40);
    h.press("alt-l").type_text(&path).press("enter");
    assert_eq!(h.app().composer.draft().unwrap().body, bytes);
    h.assert_shows("binary body: 5 bytes");
    // Typing would change the bytes: refused.
    h.type_text("x");
    assert_eq!(h.app().composer.draft().unwrap().body, bytes);
    h.press("ctrl-c");
    assert_eq!(h.app().composer.binary, None);
    assert_eq!(body(h.app()), "text");
}

/// The first results row of `busy_app` with `body` as its message's body,
/// open in the detail view.
fn detail_of(body: &[u8]) -> App {
    let mut app = crate::console::ui::tests::busy_app();
    let mut e = app
        .rows()
        .into_iter()
        .find(|e| e.draft.is_some())
        .unwrap()
        .clone();
    let mut d = (**e.draft.as_ref().unwrap()).clone();
    d.body = body.to_vec();
    e.draft = Some(std::sync::Arc::new(d));
    app.overlay = Overlay::Detail {
        body_view: BodyView::for_body(body),
        entry: Box::new(e),
        scroll: 0,
    };
    app
}

#[test]
fn the_detail_shows_a_long_body_with_a_marker_and_scrolls_to_its_end() {
    let body: String = (1..=60).map(|i| format!("line {i}\n")).collect();
    let mut app = detail_of(body.trim_end().as_bytes());
    let screen = crate::console::ui::tests::draw(&app, 80, 24);
    assert!(screen.contains("  line 1 "), "{screen}");
    assert!(!screen.contains("line 60"));
    assert!(screen.contains("more line(s) (j scrolls)"), "{screen}");
    for _ in 0..80 {
        app.step(Action::Key(Bind::ScrollDown));
    }
    let screen = crate::console::ui::tests::draw(&app, 80, 24);
    assert!(screen.contains("  line 60"), "{screen}");
    assert!(!screen.contains("more line(s)"), "{screen}");
}

#[test]
fn the_detail_switches_a_body_to_pretty_json_and_a_binary_one_opens_as_hex() {
    let mut app = detail_of(br#"{"z":1,"a":[2]}"#);
    app.step(Action::Key(Bind::BodyView));
    let screen = crate::console::ui::tests::draw(&app, 120, 40);
    assert!(screen.contains("shown as pretty JSON"), "{screen}");
    assert!(screen.contains("    \"z\": 1,"), "{screen}");
    let app = detail_of(&[0xff, 0x00, b'a']);
    let screen = crate::console::ui::tests::draw(&app, 120, 40);
    assert!(screen.contains("shown as hex + base64"), "{screen}");
    assert!(screen.contains("00000000  ff 00 61"), "{screen}");
    assert!(screen.contains("/wBh"), "base64 missing:\n{screen}");
}

#[test]
fn a_history_record_scrolls_and_switches_its_body_view() {
    let mut r = rmq_journal::fixtures::record(1, "orders", "acknowledged");
    r.body = Some(
        (1..=50)
            .map(|i| format!("{{\"n\":{i}}}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut app = ready_app();
    app.overlay = Overlay::History(Box::new(HistoryView::new(vec![r], vec![])));
    app.step(Action::Key(Bind::OpenDetail));
    let screen = crate::console::ui::tests::draw(&app, 80, 24);
    assert!(screen.contains("more line(s) (j scrolls)"), "{screen}");
    assert!(!screen.contains("{\"n\":50}"));
    for _ in 0..60 {
        app.step(Action::Key(Bind::ScrollDown));
    }
    let screen = crate::console::ui::tests::draw(&app, 80, 24);
    assert!(screen.contains("{\"n\":50}"), "{screen}");
    let Overlay::History(h) = &app.overlay else {
        panic!("closed");
    };
    assert_eq!(h.cursor, 0, "j scrolled the record, not the list");
    app.step(Action::Key(Bind::BodyView));
    let Overlay::History(h) = &app.overlay else {
        panic!("closed");
    };
    assert_eq!(h.body_view, BodyView::Json);
}

#[test]
fn a_typed_body_is_replaced_whole_by_the_format_key() {
    let mut h = Harness::new(empty_app(), 100, 40);
    h.press("tab").press("tab").press("tab").press("tab");
    assert_eq!(h.app().focus, Focus::Body);
    h.type_text(r#"{"a": [1, 2]}"#);
    h.press("alt-j");
    assert_eq!(body(h.app()), "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
}

#[test]
fn a_binary_body_outlives_a_restart() {
    let (_dir, path) = file(&[0xff, 0x01, b'z']);
    let mut h = Harness::new(with_body(ready_app(), "text"), 80, 24);
    h.press("alt-l").type_text(&path).press("enter");
    let kept = h.app().kept();
    let mut next = empty_app();
    next.restore(&kept);
    assert_eq!(next.composer.draft().unwrap().body, [0xff, 0x01, b'z']);
    assert_eq!(next.composer.binary.as_ref().unwrap().from, path);
    // The text it replaced comes back when it is dropped.
    next.focus = Focus::Body;
    next.step(Action::Key(Bind::ClearField));
    assert_eq!(body(&next), "text");
}

#[test]
fn a_big_body_is_checked_on_the_clock_and_before_a_send() {
    // Past the size checked on the keystroke: the check waits for a tick.
    let big = format!("[{}", "1,".repeat(composer::JSON_NOW / 2 + 10));
    let mut app = with_body(ready_app(), &big);
    assert_eq!(app.composer.json, None, "parsed on the keystroke");
    app.step(Action::Tick(app.now));
    assert!(matches!(app.composer.json, Some(JsonCheck::Invalid { .. })));
    // Fixed, then sent before any tick: the send checks it first.
    app.step(Action::Paste("1]".into()));
    assert!(
        matches!(app.composer.json, Some(JsonCheck::Invalid { .. })),
        "stale until the tick"
    );
    assert_eq!(
        sends(&app.step(Action::Key(Bind::Send))),
        1,
        "no question for valid JSON"
    );
}

/// A template body is JSON once a burst expands it: the burst goes without
/// the question, a single send (which goes as typed) still asks.
#[test]
fn a_template_body_is_checked_as_each_send_sends_it() {
    let mut app = with_body(ready_app(), "{\"n\":{n},\"id\":\"{uuid}\"}");
    let Some(j) = app.composer.json.clone() else {
        panic!("not checked")
    };
    assert!(!j.is_valid() && j.valid_in_a_burst(), "{j:?}");
    assert_eq!(
        j.label(),
        "JSON ✓ once expanded (a burst) · as typed ✗ 1:7: key must be a string"
    );
    // A burst: no question, the burst leaves.
    app.focus = Focus::ModeBar;
    app.step(Action::Key(Bind::Repeat));
    let fx = app.step(Action::Key(Bind::Submit));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Submit(ProducerCommand::Burst(_)))),
        "{fx:?}"
    );
    // A single send of the same body: asked, as typed is not JSON.
    let fx = app.step(Action::Key(Bind::Send));
    assert_eq!(sends(&fx), 0);
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no question before a single send");
    };
    assert_eq!(
        c.invalid_json.as_deref(),
        Some("JSON ✓ once expanded (a burst) · as typed ✗ 1:7: key must be a string")
    );
}
