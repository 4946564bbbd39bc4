//! Message templates: one expander for keys, bodies and property values.
//! A template is parsed once into parts (`Template::parse`) and expanded per
//! message (`Template::expand`), so a burst of 100,000 parses it once.
//!
//! Placeholders: `{seq}`, `{n}`, `{uuid}`, `{now}` (RFC 3339, UTC, ms),
//! `{now_ms}`, `{rand:LOW..HIGH}` (inclusive), `{pick:a|b|c}`; `{{` is a
//! literal `{`. A `{` not followed by a letter is literal, and so is every
//! `}` outside a placeholder (`}}` stays `}}`), so a JSON body is a template
//! that expands to itself until a placeholder is written into it.

mod draft;
mod parse;
mod rng;

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::message::Seq;

pub use draft::DraftTemplate;
pub use parse::TemplateError;
pub use rng::Rng;

/// Placeholders the expander understands, for help text and errors.
pub const PLACEHOLDERS: [&str; 7] = [
    "{seq}",
    "{n}",
    "{uuid}",
    "{now}",
    "{now_ms}",
    "{rand:1..100}",
    "{pick:a|b|c}",
];

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Seq,
    N,
    Uuid,
    Now,
    NowMs,
    /// Inclusive bounds, `low <= high`.
    Rand(i64, i64),
    /// At least one choice.
    Pick(Vec<String>),
}

/// What one message's expansion depends on besides the random source.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// The message's sequence number (the session's in the console, the
    /// run's in `send` and `replay`).
    pub seq: Seq,
    /// 1..N: the message's place in this burst or replay.
    pub n: u64,
    pub now: DateTime<Utc>,
}

/// A parsed template, ready to expand many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Parses `text`; the error names the placeholder and where it starts.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        parse::parse(text).map(|parts| Template { parts })
    }

    /// Whether the template has no placeholder: it always expands to the
    /// same text (its `{{` already turned into `{`).
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// Whether the expansion reads the clock (so callers read it only then).
    pub fn uses_clock(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Now | Part::NowMs))
    }

    /// The text of one message.
    pub fn expand(&self, ctx: &Ctx, rng: &mut Rng) -> String {
        let mut out = String::new();
        self.expand_into(&mut out, ctx, rng, usize::MAX);
        out
    }

    /// Appends the expansion to `out`, stopping once `out` holds at least
    /// `limit` bytes (a preview needs a screen's width, not a 4 MiB body).
    pub fn expand_into(&self, out: &mut String, ctx: &Ctx, rng: &mut Rng, limit: usize) {
        for part in &self.parts {
            if out.len() >= limit {
                return;
            }
            // Writing to a String cannot fail.
            let _ = match part {
                Part::Text(t) => {
                    out.push_str(t);
                    Ok(())
                }
                Part::Seq => write!(out, "{}", ctx.seq),
                Part::N => write!(out, "{}", ctx.n),
                Part::Uuid => write!(out, "{}", rng.uuid().simple()),
                Part::Now => {
                    out.push_str(&ctx.now.to_rfc3339_opts(SecondsFormat::Millis, true));
                    Ok(())
                }
                Part::NowMs => write!(out, "{}", ctx.now.timestamp_millis()),
                Part::Rand(low, high) => write!(out, "{}", rng.between(*low, *high)),
                Part::Pick(choices) => {
                    out.push_str(&choices[rng.below(choices.len() as u64) as usize]);
                    Ok(())
                }
            };
        }
    }
}

/// `text` with every `{` doubled: a template that expands to `text`.
pub fn escape(text: &str) -> String {
    text.replace('{', "{{")
}

/// A key template as the repeat form and `--key-template` take it: a
/// template, and no character a key may not hold in its literal text (the
/// template's spaces separate keys).
pub fn parse_keys(text: &str) -> Result<Template, String> {
    if let Some(e) = text
        .split_whitespace()
        .find_map(|k| crate::validate::key(k).err())
    {
        return Err(format!("key template: {e}"));
    }
    Template::parse(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
