//! Template text into parts, and the error that says which placeholder is
//! wrong and where it starts.

use std::fmt;

use super::{PLACEHOLDERS, Part};

/// A placeholder that cannot expand: what it is, where its `{` is, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset of the placeholder's `{` in the template.
    pub offset: usize,
    /// 1-based line and column (in characters) of that `{`.
    pub line: usize,
    pub column: usize,
    /// The placeholder as written (cut when long or unclosed).
    pub token: String,
    pub reason: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A one-line template (keys, a property) needs no line number.
        if self.line == 1 {
            write!(
                f,
                "{} at column {}: {}",
                self.token, self.column, self.reason
            )
        } else {
            write!(
                f,
                "{} at line {}, column {}: {}",
                self.token, self.line, self.column, self.reason
            )
        }
    }
}

/// Longest placeholder text an error repeats.
const TOKEN_CHARS: usize = 32;

pub(super) fn parse(text: &str) -> Result<Vec<Part>, TemplateError> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    // Start of the literal run not yet copied into `literal`.
    let mut run = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        literal.push_str(&text[run..i]);
        match bytes.get(i + 1) {
            Some(b'{') => {
                literal.push('{');
                i += 2;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let (part, end) = placeholder(text, i)?;
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(part);
                i = end;
            }
            // `{"` of JSON, `{}` or a lone `{`: text.
            _ => {
                literal.push('{');
                i += 1;
            }
        }
        run = i;
    }
    literal.push_str(&text[run..]);
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    Ok(parts)
}

/// The placeholder whose `{` is at `start`, and the offset after its `}`.
fn placeholder(text: &str, start: usize) -> Result<(Part, usize), TemplateError> {
    let bytes = text.as_bytes();
    let name_end = (start + 1..bytes.len())
        .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_'))
        .unwrap_or(bytes.len());
    let name = &text[start + 1..name_end];
    let (arg, end) = match bytes.get(name_end) {
        Some(b'}') => (None, name_end + 1),
        Some(b':') => {
            // The argument ends at the first `}` on its line.
            let rest = &text[name_end + 1..];
            let close = rest
                .find(['}', '\n'])
                .filter(|&k| rest.as_bytes()[k] == b'}');
            match close {
                Some(k) => (Some(&rest[..k]), name_end + 1 + k + 1),
                None => {
                    return Err(error(
                        text,
                        start,
                        rest.find('\n').map_or(text.len(), |k| name_end + 1 + k),
                        "not closed: end it with `}` on the same line, or write {{ for a literal brace",
                    ));
                }
            }
        }
        _ => {
            return Err(error(
                text,
                start,
                name_end,
                "not closed: a placeholder's name ends with `}`; write {{ for a literal brace",
            ));
        }
    };
    let fail = |reason: &str| Err(error(text, start, end, reason));
    let part = match (name, arg) {
        ("seq", None) => Part::Seq,
        ("n", None) => Part::N,
        ("uuid", None) => Part::Uuid,
        ("now", None) => Part::Now,
        ("now_ms", None) => Part::NowMs,
        ("seq" | "n" | "uuid" | "now" | "now_ms", Some(_)) => {
            return fail(&format!("{{{name}}} takes no argument"));
        }
        ("rand", arg) => {
            let Some((low, high)) = arg.and_then(|a| a.split_once("..")) else {
                return fail("write {rand:LOW..HIGH}, e.g. {rand:1..100}");
            };
            let (Ok(low), Ok(high)) = (low.trim().parse::<i64>(), high.trim().parse::<i64>())
            else {
                return fail("LOW and HIGH are whole numbers, e.g. {rand:1..100}");
            };
            if low > high {
                return fail("the range is empty");
            }
            Part::Rand(low, high)
        }
        ("pick", Some(choices)) if !choices.is_empty() => {
            Part::Pick(choices.split('|').map(str::to_string).collect())
        }
        ("pick", _) => return fail("write {pick:a|b|c}: one of the choices, at random"),
        _ => {
            return fail(&format!(
                "unknown placeholder (use {}; {{{{ for a literal brace)",
                PLACEHOLDERS.join(", ")
            ));
        }
    };
    Ok((part, end))
}

fn error(text: &str, start: usize, end: usize, reason: &str) -> TemplateError {
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |k| k + 1);
    let column = text[line_start..start].chars().count() + 1;
    let written = &text[start..end];
    let mut token: String = written.chars().take(TOKEN_CHARS).collect();
    if token.len() < written.len() {
        token.push('…');
    }
    TemplateError {
        offset: start,
        line,
        column,
        token: crate::text::escape_controls(&token, &[]).into_owned(),
        reason: reason.to_string(),
    }
}
