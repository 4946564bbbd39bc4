//! The repeat form with templates (issue 29, item 3): the preview of the
//! first three messages at 80x24 and 120x40, a wrong body template refused
//! in the form with its position, and the burst asking for its body and
//! properties to be expanded.

use ratatui_textarea::{Input, TextArea};

use super::tests::{draw, empty_app};
use crate::console::app::{Action, App, Focus, Overlay};
use crate::console::harness::Harness;
use rmq_engine::producer::ProducerCommand;

/// A composer with `body` and keys `order-{n}`, the keyboard on the mode
/// bar (where `r` opens the repeat form).
fn templated_app(body: &str) -> App {
    let mut app = empty_app();
    app.composer.body = TextArea::new(body.lines().map(String::from).collect());
    app.composer.keys = TextArea::new(vec!["order-{n}".into()]);
    app.composer.props = TextArea::new(vec!["region={pick:eu|us}".into()]);
    // An edit that types nothing checks the composer again.
    app.step(Action::Edit(Input::default()));
    app.focus = Focus::ModeBar;
    app
}

const BODY: &str =
    r#"{"n":{n},"id":"{uuid}","at":"{now}","qty":{rand:1..9},"size":"{pick:S|M|L}"}"#;

#[test]
fn overlay_repeat_preview_80x24() {
    let mut h = Harness::new(templated_app(BODY), 80, 24);
    h.press("r");
    insta::assert_snapshot!(draw(h.app(), 80, 24));
}

#[test]
fn overlay_repeat_preview_120x40() {
    let mut h = Harness::new(templated_app(BODY), 120, 40);
    h.press("r");
    insta::assert_snapshot!(draw(h.app(), 120, 40));
}

#[test]
fn the_preview_shows_three_messages_and_follows_the_key_template() {
    let mut h = Harness::new(templated_app(BODY), 120, 40);
    h.press("r");
    for n in 1..=3 {
        h.assert_shows(&format!("{n}  order-{n}  {{\"n\":{n},\"id\":\""));
    }
    // Tab twice: the keys field; what is typed there shows at once.
    h.press("tab").press("tab").type_text(" s-{seq}");
    h.assert_shows("1  order-1 s-1  ");
    h.assert_shows("3  order-3 s-3  ");
}

#[test]
fn a_wrong_body_template_is_refused_in_the_form_with_its_position() {
    let body = r#"{"qty":{rand:5..1}}"#;
    let mut h = Harness::new(templated_app(body), 120, 40);
    h.press("r");
    h.assert_shows("body: {rand:5..1} at column 8: the range is empty");
    h.press("enter");
    assert!(
        !h.commands()
            .iter()
            .any(|c| matches!(c, ProducerCommand::Burst(_))),
        "no burst starts"
    );
    assert!(
        matches!(h.app().overlay, Overlay::Repeat(_)),
        "the form stays"
    );
    assert_eq!(
        h.app().composer.body.lines().join("\n"),
        body,
        "the draft stays"
    );
}

#[test]
fn a_burst_from_the_form_expands_its_body_and_properties() {
    let mut h = Harness::new(templated_app(BODY), 120, 40);
    h.press("r");
    // The count field: 10 becomes 100.
    h.type_text("0").press("enter");
    let bursts: Vec<_> = h
        .commands()
        .into_iter()
        .filter_map(|c| match c {
            ProducerCommand::Burst(b) => Some(b),
            _ => None,
        })
        .collect();
    assert_eq!(bursts.len(), 1, "one burst");
    let b = &bursts[0];
    assert_eq!(b.count, 100);
    assert!(b.expand_message, "the body and properties are templates");
    assert_eq!(b.key_template.as_deref(), Some("order-{n}"));
    assert_eq!(
        b.draft.body,
        BODY.as_bytes(),
        "sent as a template, expanded per message"
    );
}
