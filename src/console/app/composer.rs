//! The composer: the five message fields, their focus order, their
//! validation (the rules in `crate::validate`) and typing into them.

use std::collections::HashMap;

use ratatui_textarea::{CursorMove, Input, Key, TextArea};

use super::{App, Confirm, Overlay};
use crate::message::Draft;
use crate::validate;

/// Focusable places, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Focus {
    Topic,
    Tag,
    Keys,
    Props,
    Body,
    ModeBar,
    Log,
}

impl Focus {
    pub const ORDER: [Focus; 7] = [
        Focus::Topic,
        Focus::Tag,
        Focus::Keys,
        Focus::Props,
        Focus::Body,
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
    pub errors: HashMap<Focus, String>,
}

impl Composer {
    pub(super) fn new(topic: &str, tag: &str) -> Self {
        Self {
            topic: line_input(topic),
            tag: line_input(tag),
            keys: line_input(""),
            props: TextArea::default(),
            body: TextArea::default(),
            errors: HashMap::new(),
        }
    }

    pub fn field(&self, f: Focus) -> Option<&TextArea<'static>> {
        Some(match f {
            Focus::Topic => &self.topic,
            Focus::Tag => &self.tag,
            Focus::Keys => &self.keys,
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
            Focus::Props => &mut self.props,
            Focus::Body => &mut self.body,
            _ => return None,
        })
    }

    pub fn body_bytes(&self) -> usize {
        let lines = self.body.lines();
        lines.iter().map(String::len).sum::<usize>() + lines.len().saturating_sub(1)
    }

    /// Re-checks every field; errors are shown next to their field.
    /// The rules are `crate::validate`'s, shared with the headless CLI.
    pub(super) fn validate(&mut self, max_body: usize) {
        let mut errors = HashMap::new();
        if let Err(e) = validate::topic(self.topic.lines()[0].trim()) {
            errors.insert(Focus::Topic, e);
        }
        if let Err(e) = validate::tag(self.tag.lines()[0].trim()) {
            errors.insert(Focus::Tag, e);
        }
        if let Err(e) = parse_properties(self.props.lines()) {
            errors.insert(Focus::Props, e);
        }
        if let Err(e) = validate::body(self.body_bytes(), max_body) {
            errors.insert(Focus::Body, e);
        }
        self.errors = errors;
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
            keys: self.keys.lines()[0]
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            properties: parse_properties(self.props.lines()).ok()?,
            body: self.body.lines().join("\n").into_bytes(),
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

impl App {
    pub(super) fn on_edit(&mut self, input: Input) {
        if matches!(&self.overlay, Overlay::History(h) if h.filtering) {
            self.history_filter_input(input);
            return;
        }
        if matches!(&self.overlay, Overlay::Import(v) if v.parsed.is_none()) {
            self.import_path_input(input);
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
        if input.key == Key::Enter && !focus.multi_line() {
            self.focus = focus.step(true);
            return;
        }
        if let Some(area) = self.composer.field_mut(focus) {
            area.input(input);
        }
        self.composer.validate(self.max_message_bytes());
        if focus == Focus::Topic {
            self.offer_last_draft();
        }
    }
}
