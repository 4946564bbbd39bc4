//! The text fields' own editing keys, as data for the help overlay. They
//! are the editor widget's (ratatui-textarea's default mapping), not
//! actions of the keymap: a keymap binding on the same key wins (Ctrl-R
//! restarts the producer, not redo), and help lists only what still edits.

use super::{Chord, Context, Keymap};

/// `(keys, what they do)`, keys written as in `[keys]`.
pub const EDITING: &[(&str, &str)] = &[
    ("ctrl-a home", "start of line"),
    ("ctrl-e end", "end of line"),
    ("alt-b ctrl-left", "word back"),
    ("alt-f ctrl-right", "word forward"),
    ("ctrl-k", "delete to end of line"),
    ("ctrl-j", "delete to start of line"),
    ("ctrl-w alt-backspace", "delete word back"),
    ("alt-d alt-delete", "delete word forward"),
    ("ctrl-d delete", "delete character forward"),
    ("ctrl-u", "undo (not kill-line)"),
    ("ctrl-r", "redo"),
    ("ctrl-y", "paste what was deleted"),
    ("alt-<", "first line"),
    ("alt->", "last line"),
];

impl Keymap {
    /// The editing keys that still edit in a text field: `(keys, meaning)`
    /// with the keys a binding has taken left out.
    pub fn editing_help(&self) -> Vec<(String, &'static str)> {
        EDITING
            .iter()
            .filter_map(|(keys, what)| {
                let free: Vec<String> = Chord::parse_list(keys)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| self.find(Context::Edit, *c).is_none())
                    .filter(|c| self.find(Context::Global, *c).is_none())
                    .map(|c| c.to_string())
                    .collect();
                (!free.is_empty()).then(|| (free.join(" "), *what))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui_textarea::{Input, TextArea};

    use super::*;

    fn press(ta: &mut TextArea, code: KeyCode, mods: KeyModifiers) {
        ta.input(Input::from(KeyEvent::new(code, mods)));
    }

    #[test]
    fn every_listed_key_parses_and_a_binding_hides_it() {
        for (keys, _) in EDITING {
            Chord::parse_list(keys).unwrap_or_else(|e| panic!("{keys}: {e}"));
        }
        let help = Keymap::default().editing_help();
        let keys: Vec<&str> = help.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"Ctrl-K"), "{keys:?}");
        // Ctrl-R restarts the producer: redo is not offered.
        assert!(!help.iter().any(|(_, w)| *w == "redo"), "{help:?}");
    }

    #[test]
    fn the_listed_keys_do_what_help_says() {
        let ctrl = KeyModifiers::CONTROL;
        let mut ta = TextArea::new(vec!["order key".into()]);
        press(&mut ta, KeyCode::Char('a'), ctrl);
        press(&mut ta, KeyCode::Char('k'), ctrl);
        assert_eq!(ta.lines(), [""], "ctrl-k deletes to the end of the line");
        press(&mut ta, KeyCode::Char('u'), ctrl);
        assert_eq!(ta.lines(), ["order key"], "ctrl-u undoes");
        press(&mut ta, KeyCode::Char('e'), ctrl);
        press(&mut ta, KeyCode::Char('w'), ctrl);
        assert_eq!(ta.lines(), ["order "], "ctrl-w deletes the word back");
        press(&mut ta, KeyCode::Char('j'), ctrl);
        assert_eq!(ta.lines(), [""], "ctrl-j deletes to the start");
        press(&mut ta, KeyCode::Char('y'), ctrl);
        assert_eq!(ta.lines(), ["order "], "ctrl-y pastes what was deleted");
    }
}
