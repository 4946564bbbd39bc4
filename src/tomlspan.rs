//! Span-keeping TOML reading shared by `config` and `theme`: a file's text
//! and name (`Source`), one table's entries in file order (`Table`) with
//! typed getters, and the `origin:line: message` error they all produce.
//! A leaf: it knows TOML, not what any key means.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// An error in a config or theme file; `Display` is the whole human
/// message, `origin:line: what`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub origin: String,
    /// 1-based; `None` when the problem is the file as a whole.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.origin, line, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The text being parsed and its name, to turn byte spans into messages.
pub struct Source<'a> {
    pub text: &'a str,
    pub origin: &'a str,
}

impl<'a> Source<'a> {
    /// Parses the text into a spanned tree; a syntax error names its line.
    pub fn parse(&self) -> Result<Spanned<DeTable<'a>>, ConfigError> {
        DeTable::parse(self.text).map_err(|e| self.toml_error(&e))
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// Whether the token at `offset` must not be echoed: it looks like a
    /// credential, or it is the value of a key that names one (`*-env`,
    /// where a pasted secret is the likely mistake).
    fn names_a_secret(&self, offset: usize, token: &str) -> bool {
        let start = self.text[..offset.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line = self.text[start..].lines().next().unwrap_or_default();
        let key = line.split('=').next().unwrap_or_default().trim();
        key.ends_with("-env") || rmq_model::validate::looks_like_secret(token)
    }

    pub fn err(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        self.err_at(Some(self.line(span.start)), message)
    }

    /// An error about the file as a whole (`line: None`) or a known line.
    pub fn err_at(&self, line: Option<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self.origin.to_string(),
            line,
            message: message.into(),
        }
    }

    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        // The toml message is one line ("invalid string, expected ..."); the
        // span gives the line, and the text under it names the key when the
        // message does not ("duplicate key").
        let span = e.span();
        let mut message = format!("invalid TOML: {}", e.message().trim());
        if let Some(token) = span.clone().and_then(|s| self.text.get(s))
            && !token.trim().is_empty()
            && token.len() <= 60
            && !token.contains('\n')
            && !message.contains(token)
            && !self.names_a_secret(span.clone().unwrap_or_default().start, token)
        {
            message.push_str(&format!(" (at `{token}`)"));
        }
        self.err_at(span.map(|s| self.line(s.start)), message)
    }
}

/// A table's entries in file order, with a context prefix for messages
/// (`profile "prod"`, `[keys]`, or empty at the top level).
pub struct Table<'a> {
    pub ctx: String,
    pub entries: Vec<(&'a str, Range<usize>, &'a Spanned<DeValue<'a>>)>,
    pub span: Range<usize>,
}

impl<'a> Table<'a> {
    pub fn new(ctx: String, table: &'a DeTable<'a>, span: Range<usize>) -> Self {
        let mut entries: Vec<_> = table
            .iter()
            .map(|(k, v)| (k.get_ref().as_ref(), k.span(), v))
            .collect();
        // The map is ordered by key; the first error should be the first in
        // the file.
        entries.sort_by_key(|(_, span, _)| span.start);
        Self { ctx, entries, span }
    }

    /// `ctx: text`, or just `text` at the top level.
    pub fn prefixed(&self, text: &str) -> String {
        if self.ctx.is_empty() {
            text.to_string()
        } else {
            format!("{}: {text}", self.ctx)
        }
    }

    /// `ctx: `key` what`.
    pub fn about(&self, key: &str, what: &str) -> String {
        self.prefixed(&format!("`{key}` {what}"))
    }

    pub fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'a>>> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }

    pub fn check_keys(&self, src: &Source<'_>, allowed: &[&str]) -> Result<(), ConfigError> {
        match self.entries.iter().find(|(k, _, _)| !allowed.contains(k)) {
            Some((key, span, _)) => Err(src.err(
                span.clone(),
                self.prefixed(&format!(
                    "unknown key `{key}` (expected one of: {})",
                    allowed.join(", ")
                )),
            )),
            None => Ok(()),
        }
    }

    /// Reported at the table's header line.
    pub fn missing(&self, src: &Source<'_>, key: &str) -> ConfigError {
        src.err(
            self.span.clone(),
            self.prefixed(&format!("missing required key `{key}`")),
        )
    }

    fn wrong_type(
        &self,
        src: &Source<'_>,
        key: &str,
        v: &Spanned<DeValue<'_>>,
        want: &str,
    ) -> ConfigError {
        src.err(
            v.span(),
            self.about(
                key,
                &format!("must be {want}, found {}", v.get_ref().type_str()),
            ),
        )
    }

    pub fn string(
        &self,
        src: &Source<'_>,
        key: &str,
    ) -> Result<Option<Spanned<String>>, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v.get_ref().as_str() {
            Some(s) => Ok(Some(Spanned::new(v.span(), s.to_string()))),
            None => Err(self.wrong_type(src, key, v, "a string")),
        }
    }

    /// A string that is not blank.
    pub fn non_empty(
        &self,
        src: &Source<'_>,
        key: &str,
    ) -> Result<Option<Spanned<String>>, ConfigError> {
        match self.string(src, key)? {
            Some(s) if s.get_ref().trim().is_empty() => {
                Err(src.err(s.span(), self.about(key, "is empty")))
            }
            other => Ok(other),
        }
    }

    /// A whole number in `lo..=hi`; any other value (zero, negative, too
    /// large for any integer) is refused with the range and `what` it is.
    /// The only number reader on purpose: a key without a range is how a
    /// `journal-keep` of 10^12 once passed `check-config` and hung a send.
    pub fn ranged<T: TryFrom<u64>>(
        &self,
        src: &Source<'_>,
        key: &str,
        lo: u64,
        hi: u64,
        what: &str,
    ) -> Result<Option<T>, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let Some(int) = v.get_ref().as_integer() else {
            return Err(self.wrong_type(src, key, v, "an integer"));
        };
        let n = u64::from_str_radix(int.as_str(), int.radix())
            .ok()
            .filter(|n| (lo..=hi).contains(n));
        match n.and_then(|n| T::try_from(n).ok()) {
            Some(n) => Ok(Some(n)),
            None => Err(src.err(
                v.span(),
                self.about(
                    key,
                    &format!("must be from {lo} to {hi} ({what}), found {}", int.as_str()),
                ),
            )),
        }
    }

    pub fn boolean(&self, src: &Source<'_>, key: &str) -> Result<Option<bool>, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v.get_ref().as_bool() {
            Some(b) => Ok(Some(b)),
            None => Err(self.wrong_type(src, key, v, "true or false")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let src = Source {
            text: "a\nb\nc",
            origin: "x",
        };
        assert_eq!(src.line(0), 1);
        assert_eq!(src.line(2), 2);
        assert_eq!(src.line(4), 3);
    }
}
