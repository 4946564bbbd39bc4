//! The body from elsewhere and reshaped in place: the JSON pretty/compact
//! key, `$VISUAL`/`$EDITOR` on the body or on the whole draft as TOML
//! (`Effect::Editor`, run by the loop with the terminal suspended), and
//! the body read from a file through a path prompt with Tab completion
//! (`Effect::ReadBody`, bounded by the profile's maximum). Every change
//! of the body is one edit of its text area, so undo brings the old one
//! back; a failure leaves the draft as it was and says why.

use super::complete::{self, Entry};
use super::draft_toml::{self, DraftText};
use super::json_body;
use super::{App, BinaryBody, Effect, Effects, Focus, Level, Overlay, line_input};
use crate::console::keymap::{Bind, Context};

/// What the editor opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditTarget {
    Body,
    /// The whole draft as a TOML document.
    Draft,
}

impl EditTarget {
    /// The temporary file's suffix, so the editor picks its syntax.
    pub fn suffix(self, body: &str) -> &'static str {
        match self {
            EditTarget::Draft => ".toml",
            EditTarget::Body if json_body::looks_like_json(body) => ".json",
            EditTarget::Body => ".txt",
        }
    }
}

/// The load-body prompt: a path typed, with Tab's choices and the last
/// read's problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyFileView {
    pub path: String,
    pub choices: Vec<String>,
    /// The loop is reading `path`.
    pub reading: bool,
    /// Why the last read was refused (the draft is unchanged).
    pub error: Option<String>,
}

impl App {
    /// The format key: a JSON body pretty-printed, or compacted when it is
    /// pretty already; anything else is left alone with the reason.
    pub(super) fn format_body(&mut self) {
        if self.composer.binary.is_some() {
            self.notice(Level::Warn, "the body is binary: nothing to reformat");
            return;
        }
        let text = self.composer.body.lines().join("\n");
        match json_body::toggle(&text) {
            Ok(new) => {
                let pretty = new.contains('\n');
                self.composer.replace_body(&new);
                self.focus = Focus::Body;
                self.revalidate();
                let undo = "ctrl-u";
                self.notice(
                    Level::Info,
                    format!(
                        "body {} ({undo} twice undoes it)",
                        if pretty {
                            "pretty-printed"
                        } else {
                            "compacted"
                        }
                    ),
                );
            }
            Err(why) => self.notice(Level::Warn, why),
        }
    }

    /// Every field checked again after the body or the draft changed.
    pub(super) fn revalidate(&mut self) {
        let max = self.max_message_bytes();
        self.composer.validate(max);
        self.composer.validate_kind(self.mode, max, self.now);
    }

    /// The editor keys: the body, or the draft, handed to the loop.
    pub(super) fn open_editor(&mut self, target: EditTarget, fx: &mut Effects) {
        if self.composer.binary.is_some() {
            let key = self
                .keymap
                .key_for(Context::Edit, Bind::ClearField)
                .unwrap_or_default();
            self.notice(
                Level::Warn,
                format!("the body is binary: an editor would change its bytes ({key} in the body clears it)"),
            );
            return;
        }
        let text = match target {
            EditTarget::Body => self.composer.body.lines().join("\n"),
            EditTarget::Draft => draft_toml::write(&DraftText::of(&self.composer)),
        };
        fx.push_back(Effect::Editor { target, text });
    }

    /// The editor's answer: the new text, or why the draft is unchanged.
    pub(super) fn edited(&mut self, target: EditTarget, result: Result<String, String>) {
        let text = match result {
            Ok(t) => t,
            Err(why) => {
                self.notice(Level::Error, format!("{why}; the draft is unchanged"));
                return;
            }
        };
        match target {
            EditTarget::Body => {
                // An editor ends the file with a newline the operator did
                // not type: one is dropped.
                let text = text.strip_suffix('\n').unwrap_or(&text);
                if text == self.composer.body.lines().join("\n") {
                    self.notice(Level::Info, "the editor left the body unchanged");
                    return;
                }
                self.composer.replace_body(text);
                self.focus = Focus::Body;
                self.revalidate();
                self.notice(
                    Level::Info,
                    "body edited in the editor (ctrl-u twice undoes it)",
                );
            }
            EditTarget::Draft => match draft_toml::read(&text) {
                Ok(d) => {
                    let c = &mut self.composer;
                    c.topic = line_input(&d.topic);
                    c.tag = line_input(&d.tag);
                    c.keys = line_input(&d.keys);
                    c.kind_text = line_input(&d.kind);
                    c.props = ratatui_textarea::TextArea::new(if d.properties.is_empty() {
                        vec![String::new()]
                    } else {
                        d.properties.clone()
                    });
                    if d.body != c.body.lines().join("\n") {
                        c.replace_body(&d.body);
                    }
                    self.revalidate();
                    self.offer_last_draft();
                    self.notice(Level::Info, "draft edited in the editor");
                }
                Err(why) => self.notice(Level::Error, format!("{why}; the draft is unchanged")),
            },
        }
    }

    /// The load-body key: the path prompt.
    pub(super) fn open_body_file(&mut self) {
        if self.quitting.is_none() {
            self.overlay = Overlay::BodyFile(Box::default());
        }
    }

    /// A key typed at the path prompt.
    pub(super) fn body_file_input(&mut self, input: ratatui_textarea::Input) {
        if let Overlay::BodyFile(v) = &mut self.overlay {
            if !super::complete::type_into(&mut v.path, &input) {
                return;
            }
            // Another path: the old read is not waited for.
            v.reading = false;
            v.choices.clear();
            v.error = None;
        }
    }

    /// A bound key at the path prompt: Tab completes, Enter reads, Esc
    /// closes.
    pub(super) fn body_file_key(&mut self, bind: Bind, fx: &mut Effects) {
        let max = self.max_message_bytes();
        let Overlay::BodyFile(v) = &mut self.overlay else {
            return;
        };
        match bind {
            Bind::Close => self.overlay = Overlay::None,
            Bind::FocusNext if !v.reading => fx.push_back(Effect::ListPath(v.path.clone())),
            // `-` is standard input elsewhere; here that is the terminal.
            Bind::Submit if v.path.trim() == "-" => {
                v.error =
                    Some("`-` (standard input) is the console's terminal here: give a file".into());
            }
            Bind::Submit if !v.path.trim().is_empty() && !v.reading => {
                v.reading = true;
                v.error = None;
                fx.push_back(Effect::ReadBody {
                    path: v.path.trim().to_string(),
                    max,
                });
            }
            _ => {}
        }
    }

    /// The loop listed the folder of the typed path.
    pub(super) fn body_file_completed(&mut self, typed: &str, entries: &[Entry]) {
        let Overlay::BodyFile(v) = &mut self.overlay else {
            return;
        };
        if v.path != typed {
            return;
        }
        let c = complete::complete(typed, entries);
        if c.path == typed && c.choices.is_empty() {
            v.error = Some(format!("nothing matches {typed}"));
            return;
        }
        v.path = c.path;
        v.choices = c.choices;
    }

    /// The loop read the file (at most the maximum plus one byte), or says
    /// why not: text goes into the body as one undoable edit, bytes that
    /// are not UTF-8 are kept as they are; a refusal stays in the prompt.
    pub(super) fn body_read(&mut self, path: &str, result: Result<Vec<u8>, String>) {
        let Overlay::BodyFile(v) = &mut self.overlay else {
            return;
        };
        if !v.reading || v.path.trim() != path {
            return;
        }
        v.reading = false;
        let bytes = match result {
            Ok(b) => b,
            Err(why) => {
                v.error = Some(format!("{why}; the body is unchanged"));
                return;
            }
        };
        self.overlay = Overlay::None;
        let n = bytes.len();
        match String::from_utf8(bytes) {
            Ok(text) => {
                self.composer.replace_body(&text);
                self.notice(
                    Level::Info,
                    format!("body read from {path}: {n} bytes (ctrl-u twice undoes it)"),
                );
            }
            Err(e) => {
                let notice = rmq_model::body::binary_notice(e.as_bytes()).unwrap_or_default();
                self.composer.binary = Some(BinaryBody {
                    bytes: e.into_bytes(),
                    from: path.to_string(),
                });
                self.composer.body_changed();
                self.notice(Level::Warn, format!("body read from {path}: {notice}"));
            }
        }
        self.focus = Focus::Body;
        self.revalidate();
    }
}
