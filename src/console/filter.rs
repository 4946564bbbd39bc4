//! The filter grammar of the console's lists (the results log now, the
//! history pane next): what an operator types after `/`, parsed once into
//! a `Query`, matched against the fields a list row offers. Pure.
//!
//! - `word` matches, ignoring case, anywhere in the row's plain fields
//!   (for the results log: topic, tag, keys, msgId, status);
//! - `field:value` matches in that field only (`key:order-17`, `mode:async`,
//!   `seq:42`); `field:` names must be ones the list offers;
//! - `"two words"` (or `key:"a b"`) keeps the spaces;
//! - `-term` keeps the rows that do not match the term;
//! - every term must hold (AND).

/// One field of a row, as the filter sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    pub name: &'static str,
    pub value: std::borrow::Cow<'a, str>,
    /// Searched by a term without `field:`.
    pub plain: bool,
}

impl<'a> Field<'a> {
    pub fn plain(name: &'static str, value: impl Into<std::borrow::Cow<'a, str>>) -> Self {
        Self {
            name,
            value: value.into(),
            plain: true,
        }
    }

    pub fn named(name: &'static str, value: impl Into<std::borrow::Cow<'a, str>>) -> Self {
        Self {
            name,
            value: value.into(),
            plain: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: Option<String>,
    /// Lower-cased.
    value: String,
    negate: bool,
}

/// A parsed filter; the empty query matches every row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    terms: Vec<Term>,
}

impl Query {
    /// Parses `text`; `fields` are the names `field:` may use (the error
    /// lists them).
    pub fn parse(text: &str, fields: &[&str]) -> Result<Query, String> {
        let mut terms = Vec::new();
        for word in split(text)? {
            let (negate, word) = match word.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest.to_string()),
                _ => (false, word),
            };
            let (field, value) = match word.split_once(':') {
                Some((f, v)) if !f.is_empty() && f.chars().all(|c| c.is_ascii_alphabetic()) => {
                    let f = f.to_ascii_lowercase();
                    if !fields.contains(&f.as_str()) {
                        return Err(format!(
                            "no field `{f}` here (fields: {})",
                            fields.join(", ")
                        ));
                    }
                    (Some(f), v.to_string())
                }
                _ => (None, word),
            };
            terms.push(Term {
                field,
                value: value.to_lowercase(),
                negate,
            });
        }
        Ok(Query { terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether a row with these fields passes every term.
    pub fn matches(&self, fields: &[Field]) -> bool {
        self.terms.iter().all(|t| {
            let hit = fields.iter().any(|f| {
                let wanted = match &t.field {
                    Some(name) => f.name == name,
                    None => f.plain,
                };
                wanted && f.value.to_lowercase().contains(&t.value)
            });
            hit != t.negate
        })
    }
}

/// Words split at spaces; a double-quoted run (anywhere in a word) keeps
/// its spaces.
fn split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    if any && !cur.is_empty() {
        words.push(cur);
    }
    Ok(words.into_iter().filter(|w| !w.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["topic", "key", "mode", "status", "seq"];

    fn row(key: &str, mode: &str) -> Vec<Field<'static>> {
        vec![
            Field::plain("topic", "Orders"),
            Field::plain("key", key.to_string()),
            Field::plain("status", "OK SendOk"),
            Field::named("mode", mode.to_string()),
            Field::named("seq", "17"),
        ]
    }

    fn q(text: &str) -> Query {
        Query::parse(text, NAMES).unwrap()
    }

    #[test]
    fn plain_words_match_any_plain_field_ignoring_case() {
        assert!(q("orders").matches(&row("order-1", "sync")));
        assert!(q("ORDER-1 sendok").matches(&row("order-1", "sync")));
        assert!(!q("order-2").matches(&row("order-1", "sync")));
        // `mode` is not a plain field: a bare `sync` does not look there.
        assert!(!q("sync").matches(&row("order-1", "sync")));
        assert!(q("").matches(&row("x", "sync")));
        assert!(q("   ").is_empty());
    }

    #[test]
    fn field_terms_look_in_that_field_only() {
        assert!(q("mode:sync").matches(&row("k", "sync")));
        assert!(!q("mode:async").matches(&row("k", "sync")));
        assert!(!q("key:orders").matches(&row("k", "sync")));
        assert!(q("seq:17 key:k").matches(&row("k", "sync")));
        // A colon after something that is not a field name is text.
        assert!(q("10:30").terms[0].field.is_none());
    }

    #[test]
    fn negation_and_quotes() {
        assert!(q("-mode:async").matches(&row("k", "sync")));
        assert!(!q("-orders").matches(&row("k", "sync")));
        assert!(!q("\"send ok\"").matches(&row("k", "sync")));
        assert!(q("status:\"ok sendok\"").matches(&row("k", "sync")));
        assert_eq!(q("a  \"b c\" -d").terms.len(), 3);
        // A lone `-` is the text `-`.
        assert!(!q("-").terms[0].negate);
    }

    #[test]
    fn unknown_fields_and_open_quotes_are_refused_with_the_reason() {
        let e = Query::parse("colour:red", NAMES).unwrap_err();
        assert_eq!(
            e,
            "no field `colour` here (fields: topic, key, mode, status, seq)"
        );
        let e = Query::parse("key:\"a b", NAMES).unwrap_err();
        assert_eq!(e, "a quote is not closed");
    }
}
