//! JSON in a message body: whether a body that looks like JSON parses (with
//! the line and column of the first problem), and re-indenting it, pretty
//! or compact, without changing a single value.
//!
//! Re-indenting works on the text, not on a parsed `serde_json::Value`: a
//! value round trip would reorder object keys and round numbers too large
//! for an `f64`, and an operator's payload must reach the broker as typed.

use serde::de::IgnoredAny;

/// What the composer says under a body that looks like JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonCheck {
    Valid,
    /// The first problem, 1-based line and column as serde_json counts them
    /// (the column in bytes).
    Invalid {
        line: usize,
        column: usize,
        reason: String,
    },
    /// Not JSON as typed, JSON once its placeholders expand (`{n}` where a
    /// number goes): a burst sends it expanded, a single send as typed.
    Expanded {
        typed: Box<JsonCheck>,
    },
}

impl JsonCheck {
    /// `JSON ✓`, or `JSON ✗ 3:9: expected `:``.
    pub fn label(&self) -> String {
        match self {
            JsonCheck::Valid => "JSON ✓".into(),
            JsonCheck::Invalid {
                line,
                column,
                reason,
            } => format!("JSON ✗ {line}:{column}: {reason}"),
            JsonCheck::Expanded { typed } => format!(
                "JSON ✓ once expanded (a burst) · as typed {}",
                typed.label().trim_start_matches("JSON ")
            ),
        }
    }

    /// Valid as typed: what a single send sends.
    pub fn is_valid(&self) -> bool {
        matches!(self, JsonCheck::Valid)
    }

    /// Valid as a burst sends it: its placeholders expanded.
    pub fn valid_in_a_burst(&self) -> bool {
        matches!(self, JsonCheck::Valid | JsonCheck::Expanded { .. })
    }
}

/// Whether `text` looks like JSON: an object or an array after leading
/// whitespace. Plain text, numbers and quoted strings are left alone (a
/// body `42` is not meant as a JSON document).
pub fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().chars().next(), Some('{' | '['))
}

/// `None` for a body that does not look like JSON; else whether it parses.
pub fn check(text: &str) -> Option<JsonCheck> {
    if !looks_like_json(text) {
        return None;
    }
    let typed = parse(text);
    if typed.is_valid() {
        return Some(typed);
    }
    // A template (`{"n":{n}}`) is not JSON until a burst expands it: try
    // one expansion, at a fixed time and seed (only its shape matters).
    let expanded = rmq_model::template::Template::parse(text)
        .ok()
        .filter(|t| !t.is_literal())
        .map(|t| {
            let ctx = rmq_model::template::Ctx {
                seq: 1,
                n: 1,
                now: chrono::DateTime::UNIX_EPOCH,
            };
            t.expand(&ctx, &mut rmq_model::template::Rng::seeded(0))
        });
    Some(match expanded {
        Some(e) if parse(&e).is_valid() => JsonCheck::Expanded {
            typed: Box::new(typed),
        },
        _ => typed,
    })
}

fn parse(text: &str) -> JsonCheck {
    match serde_json::from_str::<IgnoredAny>(text) {
        Ok(_) => JsonCheck::Valid,
        Err(e) => JsonCheck::Invalid {
            line: e.line(),
            column: e.column(),
            reason: reason(&e),
        },
    }
}

/// serde_json's message without its ` at line L column C` tail (the label
/// puts the position first).
fn reason(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

/// Re-indents valid JSON `text` with two spaces per level, one member or
/// element per line (as `serde_json::to_string_pretty` lays it out).
/// `None` when `text` is not valid JSON.
pub fn pretty(text: &str) -> Option<String> {
    reindent(text, true)
}

/// Valid JSON `text` on one line, without whitespace between tokens.
pub fn compact(text: &str) -> Option<String> {
    reindent(text, false)
}

/// The format key: a body already pretty becomes compact, any other valid
/// JSON body becomes pretty. `Err` says why nothing changed.
pub fn toggle(text: &str) -> Result<String, String> {
    match check(text) {
        None => Err("the body is not JSON (it does not start with { or [)".into()),
        Some(c @ JsonCheck::Invalid { .. }) => {
            Err(format!("{}: fix it first, nothing reformatted", c.label()))
        }
        // Re-indenting works on JSON as typed; a template is not, yet.
        Some(JsonCheck::Expanded { .. }) => {
            Err("the body is JSON only once its placeholders expand: nothing reformatted".into())
        }
        Some(JsonCheck::Valid) => {
            let p = pretty(text).unwrap_or_default();
            if p == text {
                Ok(compact(text).unwrap_or_default())
            } else {
                Ok(p)
            }
        }
    }
}

fn reindent(text: &str, pretty: bool) -> Option<String> {
    serde_json::from_str::<IgnoredAny>(text).ok()?;
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // A string is copied as it is, escapes and all.
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    out.push(c);
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => {}
                    }
                }
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays `{}` / `[]`.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap_or_default());
                } else {
                    depth += 1;
                    if pretty {
                        newline(&mut out, depth);
                    }
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if pretty {
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(',');
                if pretty {
                    newline(&mut out, depth);
                }
            }
            ':' => out.push_str(if pretty { ": " } else { ":" }),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_json_once_expanded_and_a_broken_one_is_not() {
        let typed = |c: Option<JsonCheck>| match c {
            Some(JsonCheck::Expanded { typed }) => *typed,
            other => panic!("{other:?}"),
        };
        assert!(matches!(
            typed(check("{\"n\":{n},\"at\":\"{now}\"}")),
            JsonCheck::Invalid {
                line: 1,
                column: 7,
                ..
            }
        ));
        // Still broken once expanded: said as typed.
        assert!(matches!(
            check("{\"n\":{n},}"),
            Some(JsonCheck::Invalid { .. })
        ));
        // No placeholder: an ordinary invalid body.
        assert!(matches!(
            check("{\"n\" 1}"),
            Some(JsonCheck::Invalid { .. })
        ));
    }

    #[test]
    fn only_objects_and_arrays_are_checked() {
        assert_eq!(check("hello"), None);
        assert_eq!(check("42"), None);
        assert_eq!(check("  {\"a\": 1}"), Some(JsonCheck::Valid));
        assert_eq!(check("[1, 2]\n"), Some(JsonCheck::Valid));
    }

    #[test]
    fn a_broken_body_names_line_column_and_reason() {
        let c = check("{\n  \"a\" 1\n}").unwrap();
        assert_eq!(c.label(), "JSON ✗ 2:7: expected `:`");
        let c = check("[1, 2").unwrap();
        assert!(
            c.label()
                .starts_with("JSON ✗ 1:5: EOF while parsing a list"),
            "{}",
            c.label()
        );
    }

    #[test]
    fn pretty_and_compact_keep_every_value_and_key_order() {
        let body = r#"{"z":1,"a":[true,null,{}],"big":123456789012345678901234567890,"s":"a, b: {c} \"q\" [d]","e":[]}"#;
        let p = pretty(body).unwrap();
        assert_eq!(
            p,
            "{\n  \"z\": 1,\n  \"a\": [\n    true,\n    null,\n    {}\n  ],\n  \"big\": 123456789012345678901234567890,\n  \"s\": \"a, b: {c} \\\"q\\\" [d]\",\n  \"e\": []\n}"
        );
        assert_eq!(compact(&p).unwrap(), body);
        // The layout is serde_json's own pretty layout.
        let v: serde_json::Value = serde_json::from_str(r#"{"a":[1,{"b":2}],"c":{}}"#).unwrap();
        assert_eq!(
            pretty(r#"{"a":[1,{"b":2}],"c":{}}"#).unwrap(),
            serde_json::to_string_pretty(&v).unwrap()
        );
    }

    #[test]
    fn the_toggle_goes_pretty_then_compact_and_refuses_broken_json() {
        let p = toggle(r#"{"a":1}"#).unwrap();
        assert_eq!(p, "{\n  \"a\": 1\n}");
        assert_eq!(toggle(&p).unwrap(), r#"{"a":1}"#);
        let e = toggle("{\"a\":").unwrap_err();
        assert!(
            e.contains("JSON ✗ 1:5") && e.contains("nothing reformatted"),
            "{e}"
        );
        assert!(toggle("plain").unwrap_err().contains("not JSON"));
    }
}
