//! The command palette: every action usable where it was opened (from the
//! keymap, with its keys, as the help lists them), the saved messages and
//! the profiles, fuzzy-filtered by what is typed; Enter runs the line as if
//! its key had been pressed there.

use ratatui_textarea::{Input, Key};

use super::{App, Effect, Effects, Overlay};
use crate::console::fuzzy;
use crate::console::keymap::{Bind, Context};

/// The palette's state: what is typed, the highlighted line, and the
/// context its actions run in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    pub text: String,
    /// Index into `App::palette_lines()`.
    pub cursor: usize,
    pub origin: Context,
}

/// What a palette line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteItem {
    Action(Bind),
    /// Index into the saved messages' listing.
    Saved(usize),
    /// Index into `App::profiles`.
    Profile(usize),
}

/// One line as drawn: its name, what it does, its keys (actions only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteLine {
    pub item: PaletteItem,
    pub name: String,
    pub detail: String,
    pub keys: String,
}

/// Lines a palette holds at most (the keymap has under a hundred actions;
/// the rest is saved messages and profiles).
pub const PALETTE_MAX: usize = 1000;

impl App {
    /// The palette key: only from the main screen (an open overlay owns the
    /// keyboard), with the saved messages listed afresh.
    pub(super) fn open_palette(&mut self, fx: &mut Effects) {
        let origin = self.context();
        self.overlay = Overlay::Palette(Box::new(Palette {
            text: String::new(),
            cursor: 0,
            origin,
        }));
        fx.push_back(Effect::Saved(super::saved_messages::SavedOp::List));
    }

    /// Every line the palette shows now: filtered and ranked by what is
    /// typed (unranked, in keymap order, while nothing is).
    pub fn palette_lines(&self) -> Vec<PaletteLine> {
        let Overlay::Palette(p) = &self.overlay else {
            return Vec::new();
        };
        let mut lines: Vec<PaletteLine> = Vec::new();
        for (keys, bind) in self.keymap.help_entries(p.origin) {
            if bind == Bind::Palette || lines.iter().any(|l| l.item == PaletteItem::Action(bind)) {
                continue;
            }
            lines.push(PaletteLine {
                item: PaletteItem::Action(bind),
                name: bind.name().to_string(),
                detail: bind.describe().to_string(),
                keys,
            });
        }
        if let Some(l) = &self.saved {
            for (i, e) in l.entries.iter().enumerate() {
                lines.push(PaletteLine {
                    item: PaletteItem::Saved(i),
                    name: format!("saved: {}", e.name()),
                    detail: match &e.saved {
                        Ok(s) if std::str::from_utf8(&s.draft.body).is_err() => {
                            "binary body: send it headless (send --message)".into()
                        }
                        Ok(s) => format!("load into the composer ({})", s.draft.topic),
                        Err(_) => "cannot be read (see the saved messages)".into(),
                    },
                    keys: String::new(),
                });
            }
        }
        for (i, pr) in self.profiles.iter().enumerate() {
            lines.push(PaletteLine {
                item: PaletteItem::Profile(i),
                name: format!("profile: {}", pr.name),
                detail: format!("switch to {}", pr.endpoint),
                keys: String::new(),
            });
        }
        lines.truncate(PALETTE_MAX);
        if p.text.trim().is_empty() {
            return lines;
        }
        let mut scored: Vec<(i64, PaletteLine)> = lines
            .into_iter()
            .filter_map(|l| {
                // The name counts double: what a line is called is what
                // operators type.
                let name = fuzzy::score(&p.text, &l.name).map(|s| s * 2);
                let all = fuzzy::score(&p.text, &format!("{} {}", l.name, l.detail));
                name.max(all).map(|s| (s, l))
            })
            .collect();
        scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        scored.into_iter().map(|(_, l)| l).collect()
    }

    pub(super) fn palette_input(&mut self, input: Input) {
        let Overlay::Palette(p) = &mut self.overlay else {
            return;
        };
        match input.key {
            Key::Char(c) if !input.ctrl && !input.alt => p.text.push(c),
            Key::Backspace => {
                p.text.pop();
            }
            _ => return,
        }
        p.cursor = 0;
    }

    /// A key while the palette is open.
    pub(super) fn palette_key(&mut self, bind: Bind, fx: &mut Effects) {
        let lines = self.palette_lines();
        let n = lines.len();
        let Overlay::Palette(p) = &mut self.overlay else {
            return;
        };
        match bind {
            Bind::Close | Bind::Palette => self.overlay = Overlay::None,
            Bind::ScrollDown => p.cursor = (p.cursor + 1).min(n.saturating_sub(1)),
            Bind::ScrollUp => p.cursor = p.cursor.saturating_sub(1),
            Bind::Submit => {
                let chosen = lines.get(p.cursor).map(|l| l.item);
                self.overlay = Overlay::None;
                match chosen {
                    // The palette is closed, so the key acts where it was opened.
                    Some(PaletteItem::Action(b)) => self.on_key(b, fx),
                    Some(PaletteItem::Saved(i)) => {
                        if let Some(e) = self.saved.as_ref().and_then(|l| l.entries.get(i)).cloned()
                        {
                            self.load_saved(&e);
                        }
                    }
                    Some(PaletteItem::Profile(i)) => self.choose_profile(i, fx),
                    None => {}
                }
            }
            _ => {}
        }
    }
}
