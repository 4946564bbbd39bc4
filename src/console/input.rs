//! Key translation: what a terminal event means to the App, as an action —
//! keys through the keymap (or typed into the focused field), pastes, mouse
//! clicks and the wheel through the screen's layout, a resize. What a key
//! means depends on where the App is, so the loop folds each action in
//! before it translates the next event.

use ratatui::crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};
use ratatui::layout::Rect;
use ratatui_textarea::Input;

use super::app::{Action, App};
use super::ui;

/// Over a slow SSH link Esc and the key typed right after it arrive in one
/// read and are decoded as Alt+key. In a text field, where Alt+digit and the
/// mode-bar letters mean nothing, that pair is what the operator typed: split
/// it back into Esc, then the key. (The editor's own Alt chords, such as
/// Alt+f/b/d for words, are left alone.)
pub fn split_esc_prefix(app: &App, ev: Event) -> Vec<Event> {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    if let Event::Key(key) = &ev
        && app.takes_text()
        && key.modifiers == KeyModifiers::ALT
        && let KeyCode::Char(c) = key.code
        && (c.is_ascii_digit() || matches!(c, 's' | 'r' | 'q' | '?' | 'x'))
        && app.keymap.lookup(app.context(), key).is_none()
    {
        return vec![
            Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        ];
    }
    vec![ev]
}

/// Maps one terminal event to an action for the App.
pub fn to_action(app: &App, area: Rect, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            if let Some(b) = app.keymap.lookup(app.context(), &key) {
                Some(Action::Key(b))
            } else if app.takes_text() {
                Some(Action::Edit(Input::from(key)))
            } else {
                None
            }
        }
        Event::Paste(text) if app.takes_text() => Some(Action::Paste(text)),
        Event::Resize(..) => Some(Action::Resize),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => ui::log_index_at(area, app, m.row)
                .map(Action::SelectLine)
                .or_else(|| ui::hit_test(area, app, m.column, m.row).map(Action::FocusPane)),
            MouseEventKind::ScrollDown => Some(Action::Wheel(1)),
            MouseEventKind::ScrollUp => Some(Action::Wheel(-1)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::{keymap, ui};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn press(code: KeyCode, mods: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, mods))
    }

    #[test]
    fn keys_type_into_fields_but_command_outside_them() {
        let mut app = ui::tests::empty_app();
        let area = Rect::new(0, 0, 80, 24);
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert!(matches!(
            to_action(&app, area, q.clone()),
            Some(Action::Edit(_))
        ));
        let esc = to_action(&app, area, press(KeyCode::Esc, KeyModifiers::NONE)).unwrap();
        app.step(esc);
        assert!(matches!(
            to_action(&app, area, q),
            Some(Action::Key(keymap::Bind::Quit))
        ));
        let ctrl_s = press(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(matches!(
            to_action(&app, area, ctrl_s),
            Some(Action::Key(keymap::Bind::Send))
        ));
        // Unbound keys outside a field do nothing.
        assert!(to_action(&app, area, press(KeyCode::Char('z'), KeyModifiers::NONE)).is_none());
    }

    #[test]
    fn a_resize_is_an_action_and_a_released_key_is_nothing() {
        use ratatui::crossterm::event::{KeyEventKind, KeyEventState};
        let app = ui::tests::empty_app();
        let area = Rect::new(0, 0, 80, 24);
        assert!(matches!(
            to_action(&app, area, Event::Resize(120, 40)),
            Some(Action::Resize)
        ));
        let release = Event::Key(KeyEvent::new_with_kind_and_state(
            KeyCode::Char('a'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
            KeyEventState::NONE,
        ));
        assert!(to_action(&app, area, release).is_none());
    }

    #[test]
    fn esc_and_key_arriving_together_still_leave_the_field() {
        let mut app = ui::tests::empty_app();
        let area = Rect::new(0, 0, 80, 24);
        assert!(app.takes_text());
        let step = |app: &mut App, ev| {
            for ev in split_esc_prefix(app, ev) {
                if let Some(a) = to_action(app, area, ev) {
                    app.step(a);
                }
            }
        };
        // Alt+1..3 pick the mode from the field (`pick_*`): the mode is
        // what Esc then the digit would have picked, and the field keeps
        // the keyboard.
        step(&mut app, press(KeyCode::Char('2'), KeyModifiers::ALT));
        assert!(app.takes_text(), "Alt-2 picks the mode while typing");
        assert_eq!(app.mode, rmq_model::message::Mode::Async);
        // An unbound Alt chord is still Esc, then the key.
        step(&mut app, press(KeyCode::Char('?'), KeyModifiers::ALT));
        assert!(!app.takes_text(), "left the field");
        // The editor's own Alt chords are not split.
        let app = ui::tests::empty_app();
        let word = press(KeyCode::Char('f'), KeyModifiers::ALT);
        assert_eq!(split_esc_prefix(&app, word.clone()), vec![word]);
    }
}
