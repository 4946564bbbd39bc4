//! A draft's templates together (keys, body, property values), parsed once
//! for a burst or a replay line; `apply` makes one message's draft.

use super::{Ctx, Rng, Template};
use crate::message::Draft;

/// What changes from message to message of a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftTemplate {
    keys: Option<Template>,
    body: Option<Template>,
    /// Property values that are templates, by their index in the draft.
    properties: Vec<(usize, Template)>,
}

/// A field's template when expanding it can change it: a placeholder, or a
/// `{{` that turns into `{`. Text without `{` is never parsed.
fn changing(text: &str) -> Result<Option<Template>, super::TemplateError> {
    if !text.contains('{') {
        return Ok(None);
    }
    let t = Template::parse(text)?;
    Ok((!t.is_literal() || text.contains("{{")).then_some(t))
}

impl DraftTemplate {
    /// The templates of `draft`: the keys from `key_template` when there is
    /// one, and with `message`, the body (when it is UTF-8) and the
    /// property values. `Ok(None)`: every message is `draft` itself, so
    /// the caller shares it and does no work per message. The error names
    /// the field: `body: {rand:5..1} at column 12: the range is empty`.
    pub fn parse(
        key_template: Option<&str>,
        draft: &Draft,
        message: bool,
    ) -> Result<Option<DraftTemplate>, String> {
        let keys = match key_template {
            Some(k) => Some(super::parse_keys(k).map_err(|e| format!("keys: {e}"))?),
            None => None,
        };
        let mut body = None;
        let mut properties = Vec::new();
        if message {
            // A binary body is bytes, not text: sent as it is.
            if draft.body.contains(&b'{')
                && let Ok(text) = std::str::from_utf8(&draft.body)
            {
                body = changing(text).map_err(|e| format!("body: {e}"))?;
            }
            for (i, (name, value)) in draft.properties.iter().enumerate() {
                if let Some(t) = changing(value).map_err(|e| format!("property {name}: {e}"))? {
                    properties.push((i, t));
                }
            }
        }
        let t = DraftTemplate {
            keys,
            body,
            properties,
        };
        Ok((t.keys.is_some() || t.body.is_some() || !t.properties.is_empty()).then_some(t))
    }

    /// Whether an expansion reads the clock.
    pub fn uses_clock(&self) -> bool {
        self.fields().any(Template::uses_clock)
    }

    fn fields(&self) -> impl Iterator<Item = &Template> {
        self.keys
            .iter()
            .chain(&self.body)
            .chain(self.properties.iter().map(|(_, t)| t))
    }

    /// Message `ctx.n` of `draft`.
    pub fn apply(&self, draft: &Draft, ctx: &Ctx, rng: &mut Rng) -> Draft {
        let mut out = Draft {
            topic: draft.topic.clone(),
            tag: draft.tag.clone(),
            keys: Vec::new(),
            properties: draft.properties.clone(),
            body: Vec::new(),
            kind: draft.kind.clone(),
        };
        out.keys = match &self.keys {
            Some(t) => t
                .expand(ctx, rng)
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            None => draft.keys.clone(),
        };
        out.body = match &self.body {
            Some(t) => t.expand(ctx, rng).into_bytes(),
            None => draft.body.clone(),
        };
        for (i, t) in &self.properties {
            out.properties[*i].1 = t.expand(ctx, rng);
        }
        out
    }

    /// The first `limit` bytes (or a little more) of message `ctx.n`'s
    /// body, for a preview; `None` when the body is not a template.
    pub fn preview_body(&self, ctx: &Ctx, rng: &mut Rng, limit: usize) -> Option<String> {
        self.body.as_ref().map(|t| {
            let mut s = String::new();
            t.expand_into(&mut s, ctx, rng, limit);
            s
        })
    }
}
