//! The repeat (burst) form: count, rate, keys (a template) and mode,
//! checked as typed, the composer's body and properties checked as
//! templates, and what it remembers: the last values used, for the rest of
//! the session and (through `restart`) the next one.

use std::collections::HashMap;

use ratatui_textarea::TextArea;
use serde_json::{Value, json};

use super::line_input;
use rmq_model::message::{Draft, Mode};
use rmq_model::template::{self, DraftTemplate, Template};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepeatField {
    Count,
    Rate,
    Template,
    Mode,
}

#[derive(Clone)]
pub struct RepeatForm {
    pub focus: RepeatField,
    pub count: TextArea<'static>,
    pub rate: TextArea<'static>,
    pub template: TextArea<'static>,
    pub mode: TextArea<'static>,
    pub errors: HashMap<RepeatField, String>,
    /// The composer's keys when the form opened: a template left as these
    /// follows the composer next time instead of being remembered.
    pub composer_keys: String,
    /// The key template as last checked, for the preview.
    pub keys: Option<Template>,
    /// The composer's body and property values as templates, parsed once
    /// when the form opens (they cannot change while it is open), or why
    /// they do not parse; `None` when the composer had no valid draft.
    pub message: Option<Result<Option<DraftTemplate>, String>>,
    /// The start of the composer's body as text, for the preview of a body
    /// without placeholders.
    pub body_start: String,
    /// Sequence numbers each message takes (a batch: one per copy), for
    /// the preview's `{seq}`.
    pub seqs_per_message: u64,
}

/// How much of the body the preview keeps: more than any screen's width.
pub const PREVIEW_BYTES: usize = 512;

/// What the repeat form asks for, once valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatSpec {
    pub count: u64,
    pub rate: Option<u32>,
    pub key_template: Option<String>,
    pub mode: Mode,
}

pub const MAX_BURST: u64 = 1_000_000;

/// The count a form starts with when nothing is remembered.
const FIRST_COUNT: &str = "10";

impl RepeatForm {
    /// A fresh form: the keys are the composer's (never a template of the
    /// form's own that would replace them unseen), the mode the console's.
    pub fn new(composer_keys: &str, mode: Mode) -> Self {
        let mut f = Self {
            focus: RepeatField::Count,
            count: line_input(FIRST_COUNT),
            rate: line_input(""),
            template: line_input(composer_keys),
            mode: line_input(mode.as_str()),
            errors: HashMap::new(),
            composer_keys: composer_keys.to_string(),
            keys: None,
            message: None,
            body_start: String::new(),
            seqs_per_message: 1,
        };
        f.validate();
        f
    }

    /// The form checking `draft`'s body and property values as the burst
    /// will expand them, and previewing them.
    pub fn with_message(mut self, draft: Option<&Draft>) -> Self {
        self.message = draft.map(|d| DraftTemplate::parse(None, d, true));
        self.body_start = draft.map_or_else(String::new, |d| {
            let start = &d.body[..d.body.len().min(PREVIEW_BYTES)];
            String::from_utf8_lossy(start).into_owned()
        });
        self.seqs_per_message = draft.map_or(1, |d| d.kind.messages());
        self.validate();
        self
    }

    /// Why the composer's body or properties cannot expand, if they cannot.
    pub fn message_error(&self) -> Option<&str> {
        match &self.message {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    /// The form again with the values last used (`last`), the keys the
    /// composer's unless a template was typed, and the console's mode.
    pub fn reopened(last: &RepeatForm, composer_keys: &str, mode: Mode) -> Self {
        let typed = last.template.lines()[0].clone();
        let template = if typed == last.composer_keys {
            composer_keys.to_string()
        } else {
            typed
        };
        let mut f = Self {
            focus: RepeatField::Count,
            count: line_input(&last.count.lines()[0]),
            rate: line_input(&last.rate.lines()[0]),
            template: line_input(&template),
            mode: line_input(mode.as_str()),
            errors: HashMap::new(),
            composer_keys: composer_keys.to_string(),
            keys: None,
            message: None,
            body_start: String::new(),
            seqs_per_message: 1,
        };
        f.validate();
        f
    }

    /// The values to remember across a restart (the template only when it
    /// is not simply the composer's keys).
    pub fn kept(&self) -> Value {
        let template = &self.template.lines()[0];
        json!({
            "count": self.count.lines()[0],
            "rate": self.rate.lines()[0],
            "template": (template != &self.composer_keys).then_some(template),
        })
    }

    /// A form as `kept` left it, to be `reopened`.
    pub fn from_kept(v: &Value) -> Self {
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let mut f = Self::new("", Mode::Sync);
        if let Some(c) = v["count"].as_str() {
            f.count = line_input(c);
        }
        f.rate = line_input(&text("rate"));
        match v["template"].as_str() {
            Some(t) => f.template = line_input(t),
            // Followed the composer: `reopened` puts the composer's in.
            None => f.composer_keys = String::new(),
        }
        f
    }

    pub fn field(&self, f: RepeatField) -> &TextArea<'static> {
        match f {
            RepeatField::Count => &self.count,
            RepeatField::Rate => &self.rate,
            RepeatField::Template => &self.template,
            RepeatField::Mode => &self.mode,
        }
    }

    pub(super) fn focused_mut(&mut self) -> &mut TextArea<'static> {
        match self.focus {
            RepeatField::Count => &mut self.count,
            RepeatField::Rate => &mut self.rate,
            RepeatField::Template => &mut self.template,
            RepeatField::Mode => &mut self.mode,
        }
    }

    pub(super) fn step(&mut self, forward: bool) {
        use RepeatField::*;
        const ORDER: [RepeatField; 4] = [Count, Rate, Template, Mode];
        let i = ORDER.iter().position(|f| *f == self.focus).unwrap_or(0);
        self.focus = ORDER[(i + if forward { 1 } else { 3 }) % 4];
    }

    pub(super) fn validate(&mut self) -> Option<RepeatSpec> {
        self.errors.clear();
        let count = self.count.lines()[0].trim().to_string();
        let count = match count.parse::<u64>() {
            Ok(n) if (1..=MAX_BURST).contains(&n) => Some(n),
            _ => {
                self.errors.insert(
                    RepeatField::Count,
                    format!("a whole number from 1 to {MAX_BURST}"),
                );
                None
            }
        };
        let rate_text = self.rate.lines()[0].trim().to_string();
        let rate = if rate_text.is_empty() {
            Some(None)
        } else {
            match rmq_model::limits::ranged_u32::<1, { rmq_model::limits::MAX_RATE }>(&rate_text) {
                Ok(n) => Some(Some(n)),
                _ => {
                    self.errors.insert(
                        RepeatField::Rate,
                        format!(
                            "msg/s from 1 to {}, or empty for unlimited",
                            rmq_model::limits::MAX_RATE
                        ),
                    );
                    None
                }
            }
        };
        let tpl = self.template.lines()[0].trim().to_string();
        self.keys = match template::parse_keys(&tpl) {
            Ok(t) => (!tpl.is_empty()).then_some(t),
            Err(e) => {
                self.errors.insert(RepeatField::Template, e);
                None
            }
        };
        let mode = match self.mode.lines()[0].trim() {
            "1" => Ok(Mode::Sync),
            "2" => Ok(Mode::Async),
            "3" => Ok(Mode::Oneway),
            m => m.parse::<Mode>(),
        };
        let mode = match mode {
            Ok(m) => Some(m),
            Err(_) => {
                self.errors.insert(
                    RepeatField::Mode,
                    "sync, async or oneway (or 1, 2, 3)".into(),
                );
                None
            }
        };
        Some(RepeatSpec {
            count: count?,
            rate: rate?,
            key_template: (!tpl.is_empty()).then_some(tpl),
            mode: mode?,
        })
        .filter(|_| self.errors.is_empty() && self.message_error().is_none())
    }
}

impl Default for RepeatForm {
    fn default() -> Self {
        Self::new("", Mode::Sync)
    }
}
