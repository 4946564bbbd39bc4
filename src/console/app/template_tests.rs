//! `update()` tests of the repeat form's templates (issue 29, item 3): the
//! composer's body and properties are checked when the form opens, a
//! wrong one blocks the burst without losing anything, and the burst asks
//! the producer to expand them.

use ratatui_textarea::TextArea;

use super::*;
use crate::console::keymap::Bind;
use crate::console::ui::tests::ready_app;
use rmq_engine::producer::ProducerCommand;

fn open_form(app: &mut App) {
    app.focus = Focus::ModeBar;
    app.step(Action::Key(Bind::Repeat));
    assert!(matches!(app.overlay, Overlay::Repeat(_)), "the form opens");
}

fn form(app: &App) -> &RepeatForm {
    match &app.overlay {
        Overlay::Repeat(f) => f,
        _ => panic!("no repeat form"),
    }
}

#[test]
fn a_wrong_property_template_blocks_the_burst_and_keeps_everything() {
    let mut app = ready_app();
    app.composer.props = TextArea::new(vec!["region={pick}".into()]);
    open_form(&mut app);
    assert_eq!(
        form(&app).message_error(),
        Some(
            "property region: {pick} at column 1: write {pick:a|b|c}: one of the choices, at random"
        )
    );
    let fx = app.step(Action::Key(Bind::Submit));
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::Submit(ProducerCommand::Burst(_)))),
        "no burst: {fx:?}"
    );
    assert!(matches!(app.overlay, Overlay::Repeat(_)), "the form stays");
    assert_eq!(
        app.composer.props.lines()[0],
        "region={pick}",
        "the draft stays"
    );
    assert_eq!(app.next_seq, 1, "no sequence number used");
}

#[test]
fn a_burst_asks_for_its_body_and_properties_to_be_expanded() {
    let mut app = ready_app();
    app.composer.body = TextArea::new(vec!["{\"n\":{n}}".into()]);
    app.composer.props = TextArea::new(vec!["region={pick:eu|us}".into()]);
    open_form(&mut app);
    assert_eq!(form(&app).message_error(), None);
    let fx = app.step(Action::Key(Bind::Submit));
    let burst = fx.iter().find_map(|e| match e {
        Effect::Submit(ProducerCommand::Burst(b)) => Some(b),
        _ => None,
    });
    let b = burst.expect("a burst");
    assert!(b.expand_message);
    assert_eq!(
        b.draft.body, b"{\"n\":{n}}",
        "expanded per message by the producer"
    );
    // A single send from the composer goes exactly as typed.
    let mut app = ready_app();
    app.composer.body = TextArea::new(vec!["{n}".into()]);
    app.focus = Focus::ModeBar;
    let fx = app.step(Action::Key(Bind::Send));
    let sent = fx.iter().find_map(|e| match e {
        Effect::Submit(ProducerCommand::Send { draft, .. }) => Some(draft.body.clone()),
        _ => None,
    });
    assert_eq!(sent.as_deref(), Some(&b"{n}"[..]));
}
