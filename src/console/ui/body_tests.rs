//! Snapshots of the composer's JSON states (valid, invalid with its line
//! and column, pretty-printed), the invalid-JSON question, the load-body
//! prompt, at 80x24 and 120x40 with the fixed clock.

use crate::console::app::{Action, App, BodyFileView, Focus, Overlay};
use crate::console::keymap::Bind;
use crate::console::ui::tests::{draw, ready_app};

fn with_body(body: &str) -> App {
    let mut app = ready_app();
    app.focus = Focus::Body;
    app.step(Action::Key(Bind::ClearField));
    app.step(Action::Paste(body.to_string()));
    app
}

fn both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), draw(app, 120, 40));
}

#[test]
fn json_valid() {
    both(
        "json_valid",
        &with_body(r#"{"order": 7, "items": ["a", "b"]}"#),
    );
}

#[test]
fn json_invalid_with_line_and_column() {
    both(
        "json_invalid",
        &with_body("{\n  \"order\": 7\n  \"items\": []\n}"),
    );
}

#[test]
fn json_pretty() {
    let mut app = with_body(r#"{"order":7,"items":["a","b"],"note":null}"#);
    app.step(Action::Key(Bind::FormatBody));
    both("json_pretty", &app);
}

#[test]
fn invalid_json_question() {
    let mut app = with_body("[1, 2");
    app.step(Action::Key(Bind::Send));
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    both("json_question", &app);
}

#[test]
fn load_body_prompt() {
    let mut app = with_body("x");
    app.overlay = Overlay::BodyFile(Box::new(BodyFileView {
        path: "/tmp/payloads/order-".into(),
        choices: vec![
            "/tmp/payloads/order-created.json".into(),
            "/tmp/payloads/order-refund.json".into(),
        ],
        reading: false,
        error: Some("body: /tmp/big.bin holds more than 4194304 bytes, the profile's maximum (reading stopped at 4194305 bytes); the body is unchanged".into()),
    }));
    both("load_body", &app);
}
