//! The composer: the message fields and the type row, their focus order,
//! their validation (the rules in `rmq_model::validate` and `rmq_model::types`) and
//! typing into them.

use std::collections::HashMap;

use ratatui_textarea::{CursorMove, Input, Key, TextArea};

use chrono::{DateTime, Local, Utc};

use super::json_body::{self, JsonCheck};
use super::{App, Confirm, Overlay};
use rmq_model::message::{Draft, Mode};
use rmq_model::types::{self, MessageType};
use rmq_model::validate;

/// Focusable places, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Focus {
    Topic,
    Tag,
    Keys,
    Props,
    Body,
    /// The message type: normal, FIFO, delayed, transaction or batch.
    Type,
    ModeBar,
    Log,
}

impl Focus {
    pub const ORDER: [Focus; 8] = [
        Focus::Topic,
        Focus::Tag,
        Focus::Keys,
        Focus::Props,
        Focus::Body,
        Focus::Type,
        Focus::ModeBar,
        Focus::Log,
    ];

    pub fn is_text(self) -> bool {
        !matches!(self, Focus::ModeBar | Focus::Log)
    }

    pub(super) fn multi_line(self) -> bool {
        matches!(self, Focus::Props | Focus::Body)
    }

    pub(super) fn step(self, forward: bool) -> Focus {
        let i = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let n = Focus::ORDER.len();
        Focus::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }

    pub fn label(self) -> &'static str {
        match self {
            Focus::Topic => "Topic",
            Focus::Tag => "Tag",
            Focus::Keys => "Keys",
            Focus::Type => "Type",
            Focus::Props => "Props",
            Focus::Body => "Body",
            Focus::ModeBar => "Mode",
            Focus::Log => "Results",
        }
    }
}

/// A single-line text input used by the composer and the repeat form.
pub fn line_input(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.set_max_histories(50);
    // Typing after a prefilled value extends it rather than prefixing it.
    t.move_cursor(CursorMove::End);
    t
}

pub struct Composer {
    pub topic: TextArea<'static>,
    pub tag: TextArea<'static>,
    pub keys: TextArea<'static>,
    pub props: TextArea<'static>,
    pub body: TextArea<'static>,
    /// The type row as typed (`fifo KEY`, `delay 3`, `tx`, `batch 10`...).
    pub kind_text: TextArea<'static>,
    /// The type row parsed; `Normal` while it does not parse.
    pub kind: MessageType,
    pub errors: HashMap<Focus, String>,
    /// Said beside a field that has no problem: the type row's meaning (and
    /// that it goes sync whatever the mode), how many keys the keys field
    /// holds.
    pub notes: HashMap<Focus, String>,
    /// A body that looks like JSON: whether it parses (shown under it).
    /// Worked out when the body changes, never per frame.
    pub json: Option<JsonCheck>,
    /// The body changed since `json` was worked out.
    json_stale: bool,
    /// A body loaded from a file that is not UTF-8 text: sent as these
    /// bytes, unchanged (the text area would change them). `None` while
    /// the body is the text area's.
    pub binary: Option<BinaryBody>,
}

/// A body held as bytes, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryBody {
    pub bytes: Vec<u8>,
    pub from: String,
}

impl Composer {
    /// Every field from `d`, the type row as written and the body as text:
    /// what loading a journal record or a fetched message puts in the
    /// composer (validated by the caller, who knows the limit and mode).
    pub fn fill(&mut self, d: &Draft, type_row: &str, body: &str) {
        self.topic = line_input(&d.topic);
        self.tag = line_input(d.tag.as_deref().unwrap_or(""));
        self.keys = line_input(&d.keys.join(" "));
        self.kind_text = line_input(type_row);
        let props: Vec<String> = d
            .properties
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        self.props = TextArea::new(if props.is_empty() {
            vec![String::new()]
        } else {
            props
        });
        self.body = TextArea::new(body.split('\n').map(str::to_string).collect());
        self.binary = None;
        self.body_changed();
    }

    /// Says the body changed: its JSON check is due (`validate` does it at
    /// once for a body up to `JSON_NOW` bytes, the clock for a larger one).
    pub fn body_changed(&mut self) {
        self.json_stale = true;
    }

    /// The body replaced in place (a reformat, an editor's result, a file
    /// read): one edit of the text area, so its undo brings the old body
    /// back.
    pub fn replace_body(&mut self, text: &str) {
        self.binary = None;
        self.body_changed();
        // From the start, every character (a line break counts as one)
        // deleted, then the new text: two edits the undo walks back.
        self.body.cancel_selection();
        self.body.move_cursor(CursorMove::Jump(0, 0));
        let old = self.body.lines();
        let chars = old.iter().map(|l| l.chars().count()).sum::<usize>() + old.len() - 1;
        self.body.delete_str(chars);
        self.body.insert_str(text);
        if self.body.lines().join("\n") != text {
            // Never a mixed body: whatever the text area did, the new text
            // is what the body holds (its undo history is lost then).
            tracing::warn!("the body's in-place replace went wrong; replaced whole");
            self.body = TextArea::new(text.split('\n').map(str::to_string).collect());
        }
        // A new body is read from its start.
        self.body.move_cursor(CursorMove::Jump(0, 0));
    }

    /// The body as it will be sent.
    pub fn body_vec(&self) -> Vec<u8> {
        match &self.binary {
            Some(b) => b.bytes.clone(),
            None => self.body.lines().join("\n").into_bytes(),
        }
    }

    /// Works out `json` again if the body changed since; `true` when what
    /// it says changed.
    pub fn refresh_json(&mut self) -> bool {
        if !self.json_stale {
            return false;
        }
        self.json_stale = false;
        let json = match self.binary {
            Some(_) => None,
            None => json_body::check(&self.body.lines().join("\n")),
        };
        let changed = json != self.json;
        self.json = json;
        changed
    }

    pub(super) fn new(topic: &str, tag: &str) -> Self {
        Self {
            topic: line_input(topic),
            tag: line_input(tag),
            keys: line_input(""),
            props: TextArea::default(),
            body: TextArea::default(),
            kind_text: line_input(""),
            kind: MessageType::Normal,
            errors: HashMap::new(),
            notes: HashMap::new(),
            json: None,
            json_stale: false,
            binary: None,
        }
    }

    pub fn field(&self, f: Focus) -> Option<&TextArea<'static>> {
        Some(match f {
            Focus::Topic => &self.topic,
            Focus::Tag => &self.tag,
            Focus::Keys => &self.keys,
            Focus::Type => &self.kind_text,
            Focus::Props => &self.props,
            Focus::Body => &self.body,
            _ => return None,
        })
    }

    pub(super) fn field_mut(&mut self, f: Focus) -> Option<&mut TextArea<'static>> {
        Some(match f {
            Focus::Topic => &mut self.topic,
            Focus::Tag => &mut self.tag,
            Focus::Keys => &mut self.keys,
            Focus::Type => &mut self.kind_text,
            Focus::Props => &mut self.props,
            Focus::Body => {
                self.json_stale = true;
                &mut self.body
            }
            _ => return None,
        })
    }

    pub fn body_bytes(&self) -> usize {
        if let Some(b) = &self.binary {
            return b.bytes.len();
        }
        let lines = self.body.lines();
        lines.iter().map(String::len).sum::<usize>() + lines.len().saturating_sub(1)
    }

    /// Re-checks every field; errors are shown next to their field.
    /// The rules are `rmq_model::validate`'s, shared with the headless CLI.
    pub(super) fn validate(&mut self, max_body: usize) {
        let mut errors = HashMap::new();
        if let Err(e) = validate::topic(self.topic.lines()[0].trim()) {
            errors.insert(Focus::Topic, e);
        }
        if let Err(e) = validate::tag(self.tag.lines()[0].trim()) {
            errors.insert(Focus::Tag, e);
        }
        // Keys are space separated here (as RocketMQ stores them): the
        // field says how many it holds, so a space is never a silent split.
        self.notes.remove(&Focus::Keys);
        match validate::keys_field(&self.keys.lines()[0]) {
            Err(e) => {
                errors.insert(Focus::Keys, e);
            }
            Ok(keys) if keys.len() > 1 => {
                let note = format!("{} keys: {}", keys.len(), keys.join(" · "));
                self.notes.insert(Focus::Keys, note);
            }
            Ok(_) => {}
        }
        if let Err(e) = parse_properties(self.props.lines()) {
            errors.insert(Focus::Props, e);
        }
        if let Err(e) = validate::body(self.body_bytes(), max_body) {
            errors.insert(Focus::Body, e);
        }
        self.errors = errors;
        // A big body is checked on the clock instead: parsing 4 MiB per
        // key would make typing lag.
        if self.body_bytes() <= JSON_NOW {
            self.refresh_json();
        }
    }

    /// Parses the type row and checks it against the limits and `now` (a
    /// delivery time must be ahead); the problem goes beside it, else what
    /// the type means and, when `mode` is not the one it goes in, that it
    /// goes sync.
    pub(super) fn validate_kind(&mut self, mode: Mode, max_bytes: usize, now: DateTime<Local>) {
        self.errors.remove(&Focus::Type);
        self.notes.remove(&Focus::Type);
        let text = self.kind_text.lines()[0].trim().to_string();
        match types::parse_spec(&text, now) {
            Ok(kind) => {
                self.kind = kind;
                let draft = self.draft_fields();
                if let Err(e) =
                    validate::kind(&self.kind, &draft, max_bytes, now.with_timezone(&Utc))
                {
                    self.errors.insert(Focus::Type, e);
                } else if !text.is_empty() {
                    // The sync note first: on a narrow row it is what matters.
                    let about = types::describe(&self.kind);
                    let note = match validate::sync_note(&self.kind, mode) {
                        Some(sync) => format!("{sync} · {about}"),
                        None => about,
                    };
                    self.notes.insert(Focus::Type, note);
                }
            }
            Err(e) => {
                self.kind = MessageType::Normal;
                self.errors.insert(Focus::Type, e);
            }
        }
    }

    /// The fields as typed, whatever their problems (for the type's checks).
    fn draft_fields(&self) -> Draft {
        let tag = self.tag.lines()[0].trim().to_string();
        Draft {
            topic: self.topic.lines()[0].trim().to_string(),
            tag: (!tag.is_empty()).then_some(tag),
            keys: validate::keys_field(&self.keys.lines()[0]).unwrap_or_default(),
            properties: parse_properties(self.props.lines()).unwrap_or_default(),
            body: self.body_vec(),
            kind: MessageType::Normal,
        }
    }

    /// The draft, or `None` when a field is invalid (see `errors`).
    pub fn draft(&self) -> Option<Draft> {
        if !self.errors.is_empty() {
            return None;
        }
        let tag = self.tag.lines()[0].trim().to_string();
        Some(Draft {
            topic: self.topic.lines()[0].trim().to_string(),
            tag: (!tag.is_empty()).then_some(tag),
            keys: validate::keys_field(&self.keys.lines()[0]).ok()?,
            properties: parse_properties(self.props.lines()).ok()?,
            body: self.body_vec(),
            kind: self.kind.clone(),
        })
    }
}

/// `key=value` per line; blank lines are skipped; each pair is checked by
/// `validate::property` (reserved names, empty parts).
pub fn parse_properties(lines: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!("line {}: expected key=value", i + 1));
        };
        let k = k.trim();
        validate::property(k, v).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// The largest body whose JSON is checked on the keystroke that changed it;
/// a larger one is checked on the loop's next clock tick (every 250 ms).
pub const JSON_NOW: usize = 64 * 1024;

/// The most a paste into a one-line field may hold; the body's limit is the
/// profile's max-message-bytes.
pub const MAX_LINE_PASTE: usize = 4096;

impl App {
    /// A paste in one piece: checked once, before it is inserted. One that
    /// would take the body past the profile's maximum (or a one-line field
    /// past `MAX_LINE_PASTE`) is refused whole, with the reason next to the
    /// field and the field as it was. Line breaks pasted into a one-line
    /// field become spaces (`lines()[0]` is all such a field sends).
    pub(super) fn on_paste(&mut self, text: &str) {
        if matches!(self.overlay, Overlay::None) && self.view.filtering {
            let pasted = format!(
                "{}{}",
                self.view.filter_text,
                text.replace(['\n', '\r'], " ")
            );
            self.set_results_filter(pasted);
            return;
        }
        if matches!(&self.overlay, Overlay::Fetch(v) if v.lens_prompting()) {
            self.group_paste(text);
            return;
        }
        if matches!(self.overlay, Overlay::Fetch(_)) {
            self.fetch_paste(text);
            return;
        }
        let focus = self.focus;
        if !matches!(self.overlay, Overlay::None) || !focus.is_text() {
            // The repeat form and the typed confirmation take keys only.
            return;
        }
        if focus == Focus::Body && self.composer.binary.is_some() {
            self.binary_refuses_typing();
            return;
        }
        let max = self.max_message_bytes();
        let (limit, total) = if focus == Focus::Body {
            (max, self.composer.body_bytes().saturating_add(text.len()))
        } else {
            (MAX_LINE_PASTE, text.len())
        };
        if total > limit {
            self.composer.validate(max);
            self.composer.errors.insert(
                focus,
                format!(
                    "paste of {} bytes refused: the {} would be {total} bytes, at most {limit} (unchanged)",
                    text.len(),
                    focus.label().to_lowercase()
                ),
            );
            return;
        }
        let text = if focus.multi_line() {
            text.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            text.replace("\r\n", " ").replace(['\r', '\n'], " ")
        };
        if let Some(area) = self.composer.field_mut(focus) {
            area.insert_str(text);
        }
        self.composer.validate(max);
    }

    /// Typing into a binary body would change its bytes: said, not done.
    fn binary_refuses_typing(&mut self) {
        let key = self
            .keymap
            .key_for(
                crate::console::keymap::Context::Edit,
                crate::console::keymap::Bind::ClearField,
            )
            .unwrap_or_default();
        self.notice(
            super::Level::Warn,
            format!("the body is binary, sent as read: {key} drops it to type a body"),
        );
    }

    pub(super) fn on_edit(&mut self, input: Input) {
        if matches!(self.overlay, Overlay::None) && self.view.filtering {
            self.results_filter_input(input);
            return;
        }
        if matches!(&self.overlay, Overlay::History(h) if h.filtering) {
            self.history_filter_input(input);
            return;
        }
        if matches!(&self.overlay, Overlay::Fetch(v) if v.lens_prompting()) {
            self.group_input(input);
            return;
        }
        if matches!(&self.overlay, Overlay::Fetch(v) if v.editing || v.filtering) {
            self.fetch_input(input);
            return;
        }
        if matches!(&self.overlay, Overlay::SaveAs(_) | Overlay::Saved(_)) {
            self.saved_input(input);
            return;
        }
        if matches!(&self.overlay, Overlay::Palette(_)) {
            self.palette_input(input);
            return;
        }
        if matches!(&self.overlay, Overlay::Import(v) if v.parsed.is_none()) {
            self.import_path_input(input);
            return;
        }
        if matches!(self.overlay, Overlay::BodyFile(_)) {
            self.body_file_input(input);
            return;
        }
        if let Overlay::Confirm(Confirm {
            typed: Some(typed), ..
        }) = &mut self.overlay
        {
            match input.key {
                Key::Char(c) if !input.ctrl && !input.alt => typed.push(c),
                Key::Backspace => {
                    typed.pop();
                }
                _ => {}
            }
            return;
        }
        let max_body = self.max_message_bytes();
        if let Overlay::CompareForm(form) = &mut self.overlay {
            if input.key != Key::Enter && form.confirming.is_none() {
                form.focused_mut().input(input);
                form.validate(max_body);
            }
            return;
        }
        if let Overlay::Repeat(form) = &mut self.overlay {
            if input.key == Key::Enter {
                return;
            }
            form.focused_mut().input(input);
            form.validate();
            return;
        }
        if !matches!(self.overlay, Overlay::None) {
            return;
        }
        let focus = self.focus;
        if !focus.is_text() {
            return;
        }
        if focus == Focus::Body && self.composer.binary.is_some() {
            self.binary_refuses_typing();
            return;
        }
        if input.key == Key::Enter && !focus.multi_line() {
            self.focus = focus.step(true);
            return;
        }
        if let Some(area) = self.composer.field_mut(focus) {
            area.input(input);
        }
        self.composer.validate(self.max_message_bytes());
        self.composer
            .validate_kind(self.mode, self.max_message_bytes(), self.now);
        if focus == Focus::Topic {
            self.offer_last_draft();
        }
    }
}
