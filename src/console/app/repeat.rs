//! The repeat (burst) form: count, rate and key template, checked as typed.

use std::collections::HashMap;

use ratatui_textarea::TextArea;

use super::line_input;
use rmq_model::template;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepeatField {
    Count,
    Rate,
    Template,
}

pub struct RepeatForm {
    pub focus: RepeatField,
    pub count: TextArea<'static>,
    pub rate: TextArea<'static>,
    pub template: TextArea<'static>,
    pub errors: HashMap<RepeatField, String>,
}

/// What the repeat form asks for, once valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatSpec {
    pub count: u64,
    pub rate: Option<u32>,
    pub key_template: Option<String>,
}

pub const MAX_BURST: u64 = 1_000_000;

impl RepeatForm {
    pub fn new() -> Self {
        let mut f = Self {
            focus: RepeatField::Count,
            count: line_input("10"),
            rate: line_input(""),
            template: line_input("demo-{seq}"),
            errors: HashMap::new(),
        };
        f.validate();
        f
    }

    pub fn field(&self, f: RepeatField) -> &TextArea<'static> {
        match f {
            RepeatField::Count => &self.count,
            RepeatField::Rate => &self.rate,
            RepeatField::Template => &self.template,
        }
    }

    pub(super) fn focused_mut(&mut self) -> &mut TextArea<'static> {
        match self.focus {
            RepeatField::Count => &mut self.count,
            RepeatField::Rate => &mut self.rate,
            RepeatField::Template => &mut self.template,
        }
    }

    pub(super) fn step(&mut self, forward: bool) {
        use RepeatField::*;
        self.focus = match (self.focus, forward) {
            (Count, true) | (Template, false) => Rate,
            (Rate, true) | (Count, false) => Template,
            (Template, true) | (Rate, false) => Count,
        };
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
        if let Err(e) = template::validate(&tpl) {
            self.errors.insert(RepeatField::Template, e);
        }
        Some(RepeatSpec {
            count: count?,
            rate: rate?,
            key_template: (!tpl.is_empty()).then_some(tpl),
        })
        .filter(|_| self.errors.is_empty())
    }
}

impl Default for RepeatForm {
    fn default() -> Self {
        Self::new()
    }
}
