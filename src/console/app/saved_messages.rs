//! Saved messages in the console: naming the draft to save it (`save_as`),
//! the picker (list, `/` filter, load into the composer, rename, delete
//! after a y), and the folder's listing as the loop last read it. Files
//! are read and written by the loop (`Effect::Saved`); this only decides.

use std::path::PathBuf;

use ratatui_textarea::{Input, Key};

use super::{App, Effect, Effects, Focus, Level, Overlay};
use crate::collection::{Entry, Listing, Saved};
use crate::console::filter::{Field, Query};
use crate::console::keymap::{Bind, Context};

/// What the loop does in the messages folder, off the screen's loop; every
/// one answers with `Action::SavedDone` carrying the folder's new listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavedOp {
    List,
    Save(Box<Saved>),
    Rename { file: PathBuf, name: String },
    Delete(PathBuf),
}

/// A name being typed: for the composer's draft, or for a saved file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    pub text: String,
    /// `None`: save the draft; `Some(file)`: rename that file's message.
    pub renaming: Option<PathBuf>,
}

/// The picker's own state; the rows are `App::saved` filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedView {
    /// Index into the shown (filtered) rows.
    pub cursor: usize,
    pub filter: String,
    pub filtering: bool,
    /// The filter's parse error, shown under it.
    pub filter_error: Option<String>,
    pub naming: Option<Naming>,
    /// The file a `d` asked about; `y` deletes it.
    pub deleting: Option<PathBuf>,
}

/// The filter's fields of a saved message.
pub const FIELDS: &[&str] = &["name", "topic", "tag", "key", "body"];

fn fields(e: &Entry) -> Vec<Field<'_>> {
    let mut f = vec![Field::plain("name", e.name())];
    if let Ok(s) = &e.saved {
        f.push(Field::plain("topic", s.draft.topic.as_str()));
        if let Some(t) = &s.draft.tag {
            f.push(Field::plain("tag", t.as_str()));
        }
        for k in &s.draft.keys {
            f.push(Field::plain("key", k.as_str()));
        }
        f.push(Field::named("body", String::from_utf8_lossy(&s.draft.body)));
    }
    f
}

impl SavedView {
    /// The rows the filter keeps, in the listing's order.
    pub fn shown<'a>(&self, listing: &'a Listing) -> Vec<&'a Entry> {
        let query = Query::parse(&self.filter, FIELDS).unwrap_or_default();
        listing
            .entries
            .iter()
            .filter(|e| query.matches(&fields(e)))
            .collect()
    }
}

impl App {
    /// The save key: asks for a name, the last loaded or saved one offered.
    pub(super) fn open_save_as(&mut self) {
        if self.composer.draft().is_none() {
            self.notice(
                Level::Warn,
                "the draft has errors (see the composer): fix them before saving it",
            );
            return;
        }
        self.overlay = Overlay::SaveAs(Naming {
            text: self.saved_name.clone().unwrap_or_default(),
            renaming: None,
        });
    }

    /// The saved messages key: the picker, over a fresh listing.
    pub(super) fn open_saved(&mut self, fx: &mut Effects) {
        self.overlay = Overlay::Saved(Box::default());
        fx.push_back(Effect::Saved(SavedOp::List));
    }

    /// Typing a name or the picker's filter.
    pub(super) fn saved_input(&mut self, input: Input) {
        let text = match &mut self.overlay {
            Overlay::SaveAs(n) => &mut n.text,
            Overlay::Saved(v) => match &mut v.naming {
                Some(n) => &mut n.text,
                None if v.filtering => &mut v.filter,
                None => return,
            },
            _ => return,
        };
        match input.key {
            Key::Char(c) if !input.ctrl && !input.alt => text.push(c),
            Key::Backspace => {
                text.pop();
            }
            _ => return,
        }
        if let Overlay::Saved(v) = &mut self.overlay
            && v.filtering
        {
            v.cursor = 0;
            v.filter_error = Query::parse(&v.filter, FIELDS).err();
        }
    }

    /// Ctrl-C in a name, the picker's filter or the palette: empties it.
    pub(super) fn clear_saved_text(&mut self) {
        match &mut self.overlay {
            Overlay::SaveAs(n) => n.text.clear(),
            Overlay::Saved(v) => match &mut v.naming {
                Some(n) => n.text.clear(),
                None if v.filtering => {
                    v.filter.clear();
                    v.filter_error = None;
                    v.cursor = 0;
                }
                // Outside a text (the list), Ctrl-C is `quit_now`.
                None => {}
            },
            Overlay::Palette(p) => {
                p.text.clear();
                p.cursor = 0;
            }
            _ => {}
        }
    }

    /// A key while the save-as prompt is open.
    pub(super) fn save_as_key(&mut self, bind: Bind, fx: &mut Effects) {
        let Overlay::SaveAs(n) = &self.overlay else {
            return;
        };
        match bind {
            Bind::Close => self.overlay = Overlay::None,
            Bind::Submit => {
                let name = n.text.trim().to_string();
                if name.is_empty() {
                    self.notice(Level::Warn, "type a name for the saved message");
                    return;
                }
                // Checked when the prompt opened; the draft cannot change
                // while it is open, but a missing one saves nothing.
                let Some(draft) = self.composer.draft() else {
                    self.overlay = Overlay::None;
                    return;
                };
                let type_row = self.composer.kind_text.lines()[0].trim().to_string();
                self.overlay = Overlay::None;
                self.saved_name = Some(name.clone());
                fx.push_back(Effect::Saved(SavedOp::Save(Box::new(Saved {
                    name,
                    draft,
                    type_row,
                }))));
            }
            _ => {}
        }
    }

    /// A key while the picker is open.
    pub(super) fn saved_key(&mut self, bind: Bind, fx: &mut Effects) {
        let listing = self.saved.clone().unwrap_or_default();
        let Overlay::Saved(v) = &mut self.overlay else {
            return;
        };
        if let Some(n) = &v.naming {
            match bind {
                Bind::Close => v.naming = None,
                Bind::Submit => {
                    let name = n.text.trim().to_string();
                    let file = n.renaming.clone();
                    v.naming = None;
                    if let Some(file) = file
                        && !name.is_empty()
                    {
                        fx.push_back(Effect::Saved(SavedOp::Rename { file, name }));
                    }
                }
                _ => {}
            }
            return;
        }
        if v.filtering {
            if bind == Bind::Close {
                v.filtering = false;
            }
            return;
        }
        let shown = v.shown(&listing);
        let current = shown.get(v.cursor).map(|e| (*e).clone());
        match bind {
            Bind::Close if v.deleting.is_some() => v.deleting = None,
            Bind::Close => self.overlay = Overlay::None,
            Bind::ScrollDown => v.cursor = (v.cursor + 1).min(shown.len().saturating_sub(1)),
            Bind::ScrollUp => v.cursor = v.cursor.saturating_sub(1),
            Bind::FilterHistory => v.filtering = true,
            Bind::Rename => {
                if let Some(e) = current {
                    v.deleting = None;
                    v.naming = Some(Naming {
                        text: e.name(),
                        renaming: Some(e.file),
                    });
                }
            }
            Bind::Delete => {
                if let Some(e) = current {
                    v.deleting = Some(e.file);
                }
            }
            Bind::Yes => {
                if let Some(file) = v.deleting.take() {
                    fx.push_back(Effect::Saved(SavedOp::Delete(file)));
                }
            }
            Bind::Submit => {
                if let Some(e) = current {
                    self.load_saved(&e);
                }
            }
            _ => {}
        }
    }

    /// Enter in the picker: the message into the composer, as a journal
    /// record or a fetched message is loaded (`Composer::fill`).
    pub(super) fn load_saved(&mut self, e: &Entry) {
        let s = match &e.saved {
            Ok(s) => s,
            Err(why) => {
                self.notice(Level::Error, why.clone());
                return;
            }
        };
        let Ok(body) = String::from_utf8(s.draft.body.clone()) else {
            // The composer holds text: loading would change the bytes.
            self.notice(
                Level::Warn,
                format!(
                    "{}: the body is {} bytes of binary, not text: not loaded (the composer would change it); `rmq-console send --message \"{}\"` sends it byte for byte",
                    s.name,
                    s.draft.body.len(),
                    s.name
                ),
            );
            return;
        };
        self.fetched_draft = None;
        self.composer.fill(&s.draft, &s.type_row, &body);
        self.composer.validate(self.max_message_bytes());
        self.composer
            .validate_kind(self.mode, self.max_message_bytes(), self.now);
        self.overlay = Overlay::None;
        self.focus = Focus::Body;
        self.saved_name = Some(s.name.clone());
        self.notice(Level::Info, format!("loaded saved message {}", s.name));
    }

    /// The loop's answer: what it did (or why not) and the folder now.
    pub(super) fn saved_done(
        &mut self,
        said: Option<Result<String, String>>,
        listing: Result<Listing, String>,
    ) {
        match said {
            Some(Ok(text)) => self.notice(Level::Info, text),
            Some(Err(text)) => self.notice(Level::Error, text),
            None => {}
        }
        match listing {
            Ok(l) => {
                if l.left_out > 0 {
                    self.notice(
                        Level::Warn,
                        format!(
                            "the messages folder holds {} more files than are read",
                            l.left_out
                        ),
                    );
                }
                if let Overlay::Saved(v) = &mut self.overlay {
                    let n = v.shown(&l).len();
                    v.cursor = v.cursor.min(n.saturating_sub(1));
                }
                self.saved = Some(l);
            }
            Err(e) => {
                // The picker stops saying "reading…"; the notice says why.
                self.saved.get_or_insert_with(Listing::default);
                self.notice(Level::Error, e);
            }
        }
    }

    /// The y/n line under the picker while a delete waits for its answer.
    pub fn delete_question(&self) -> String {
        self.keymap
            .confirm_hint(Context::Saved, Bind::Yes, Bind::Close)
    }
}
