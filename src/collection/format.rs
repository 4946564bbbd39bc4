//! One saved message as a TOML file: written with a stable field order and
//! the body as a multi-line string (base64 when it is not text), read back
//! strictly (unknown keys refused) with every error naming its line.

use std::fmt::Write as _;

use base64::Engine as _;
use rmq_model::message::Draft;
use rmq_model::validate;
use toml::de::DeValue;

use crate::tomlspan::{ConfigError, Source, Table};

/// The keys a message file may hold, in the order they are written.
pub const KEYS: &[&str] = &[
    "name",
    "topic",
    "tag",
    "keys",
    "type",
    "body-encoding",
    "body",
    "properties",
];

/// A saved message: its name (what the picker, the palette and
/// `send --message` call it) and the draft with its type row as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub name: String,
    pub draft: Draft,
    /// The composer's type row (`fifo order-1`, `delay 3`, empty for normal).
    pub type_row: String,
}

impl Saved {
    /// Whether the body is kept as base64 (not UTF-8 text, or holding
    /// control characters a TOML string would have to escape unreadably).
    pub fn binary(&self) -> bool {
        is_binary(&self.draft.body)
    }
}

fn is_binary(body: &[u8]) -> bool {
    match std::str::from_utf8(body) {
        Err(_) => true,
        Ok(s) => s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')),
    }
}

/// A string as a TOML basic string, quoted (the toml crate's own escaping).
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A property name as a TOML key: bare when TOML allows it, else quoted.
fn key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if bare { k.to_string() } else { quoted(k) }
}

/// The body of a multi-line basic string (`"""` … `"""`): backslashes and
/// control characters escaped, and a quote escaped where it could run into
/// three (followed by a quote, or last), so any text round-trips exactly.
fn multi_line(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 8);
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' if matches!(chars.peek(), None | Some('"')) => out.push_str("\\\""),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The file's text. Fields always in `KEYS` order, absent ones left out,
/// so a team's git diff shows only what changed.
pub fn to_toml(m: &Saved) -> String {
    let d = &m.draft;
    let mut out = String::from("# rmq-console saved message\n");
    let _ = writeln!(out, "name = {}", quoted(&m.name));
    let _ = writeln!(out, "topic = {}", quoted(&d.topic));
    if let Some(tag) = &d.tag {
        let _ = writeln!(out, "tag = {}", quoted(tag));
    }
    if !d.keys.is_empty() {
        let keys: Vec<String> = d.keys.iter().map(|k| quoted(k)).collect();
        let _ = writeln!(out, "keys = [{}]", keys.join(", "));
    }
    if !m.type_row.trim().is_empty() {
        let _ = writeln!(out, "type = {}", quoted(m.type_row.trim()));
    }
    if m.binary() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&d.body);
        // Lines of 76, as MIME does, so a diff of a binary body stays readable.
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        out.push_str("body-encoding = \"base64\"\n");
        let _ = writeln!(out, "body = \"\"\"\n{}\n\"\"\"", lines.join("\n"));
    } else {
        let text = String::from_utf8_lossy(&d.body);
        let _ = writeln!(out, "body = \"\"\"\n{}\"\"\"", multi_line(&text));
    }
    if !d.properties.is_empty() {
        out.push_str("\n[properties]\n");
        for (k, v) in &d.properties {
            let _ = writeln!(out, "{} = {}", key(k), quoted(v));
        }
    }
    out
}

/// Reads a message file; `stem` (the file name without `.toml`) is the name
/// when the file has no `name`. `origin` names the file in errors.
pub fn parse(text: &str, origin: &str, stem: &str) -> Result<Saved, ConfigError> {
    let src = Source { text, origin };
    let doc = src.parse()?;
    let top = Table::new(String::new(), doc.get_ref(), doc.span());
    top.check_keys(&src, KEYS)?;
    let name = match top.non_empty(&src, "name")? {
        Some(n) => n.into_inner(),
        None => stem.to_string(),
    };
    let topic = top
        .non_empty(&src, "topic")?
        .ok_or_else(|| top.missing(&src, "topic"))?;
    validate::topic(topic.get_ref()).map_err(|e| src.err(topic.span(), format!("topic: {e}")))?;
    let tag = top.string(&src, "tag")?;
    if let Some(t) = &tag {
        validate::tag(t.get_ref()).map_err(|e| src.err(t.span(), format!("tag: {e}")))?;
    }
    let keys = match top.get("keys") {
        None => Vec::new(),
        Some(v) => {
            let Some(items) = v.get_ref().as_array() else {
                return Err(src.err(
                    v.span(),
                    format!(
                        "`keys` must be an array of strings, found {}",
                        v.get_ref().type_str()
                    ),
                ));
            };
            let mut keys = Vec::new();
            for item in items {
                let Some(k) = item.get_ref().as_str() else {
                    return Err(src.err(item.span(), "`keys`: each key must be a string"));
                };
                validate::key(k).map_err(|e| src.err(item.span(), format!("keys: {e}")))?;
                keys.push(k.to_string());
            }
            keys
        }
    };
    let type_row = top.string(&src, "type")?;
    let kind = match &type_row {
        None => Default::default(),
        Some(t) => rmq_model::types::parse_spec(t.get_ref(), chrono::Local::now())
            .map_err(|e| src.err(t.span(), format!("type: {e}")))?,
    };
    let encoding = top.string(&src, "body-encoding")?;
    let body_text = top
        .string(&src, "body")?
        .ok_or_else(|| top.missing(&src, "body"))?;
    let body = match encoding.as_ref().map(|e| e.get_ref().as_str()) {
        None | Some("text") => body_text.get_ref().clone().into_bytes(),
        Some("base64") => {
            let packed: String = body_text
                .get_ref()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(packed)
                .map_err(|e| src.err(body_text.span(), format!("body: not base64: {e}")))?
        }
        Some(other) => {
            let span = encoding.as_ref().map(|e| e.span()).unwrap_or_default();
            return Err(src.err(
                span,
                format!("`body-encoding` must be \"text\" or \"base64\", found \"{other}\""),
            ));
        }
    };
    validate::body(body.len(), rmq_model::limits::MAX_MESSAGE_BYTES as usize)
        .map_err(|e| src.err(body_text.span(), format!("body: {e}")))?;
    let properties = match top.get("properties") {
        None => Vec::new(),
        Some(v) => {
            let Some(table) = v.get_ref().as_table() else {
                return Err(src.err(
                    v.span(),
                    format!(
                        "`properties` must be a table ([properties]), found {}",
                        v.get_ref().type_str()
                    ),
                ));
            };
            let table = Table::new("[properties]".into(), table, v.span());
            let mut props = Vec::new();
            for (k, key_span, value) in &table.entries {
                let DeValue::String(s) = value.get_ref() else {
                    return Err(src.err(
                        value.span(),
                        table.about(
                            k,
                            &format!("must be a string, found {}", value.get_ref().type_str()),
                        ),
                    ));
                };
                validate::property(k, s)
                    .map_err(|e| src.err(key_span.clone(), format!("[properties]: {e}")))?;
                props.push((k.to_string(), s.to_string()));
            }
            props
        }
    };
    Ok(Saved {
        name,
        draft: Draft {
            topic: topic.into_inner(),
            tag: tag.map(|t| t.into_inner()).filter(|t| !t.is_empty()),
            keys,
            properties,
            body,
            kind,
        },
        type_row: type_row.map(|t| t.into_inner()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn saved(body: &[u8]) -> Saved {
        Saved {
            name: "order \"created\" sample".into(),
            draft: Draft {
                topic: "orders".into(),
                tag: Some("created".into()),
                keys: vec!["k1".into(), "k2".into()],
                properties: vec![("zone".into(), "eu".into()), ("a".into(), "b=c".into())],
                body: body.to_vec(),
                kind: rmq_model::types::parse_spec("fifo order-1", chrono::Local::now()).unwrap(),
            },
            type_row: "fifo order-1".into(),
        }
    }

    #[test]
    fn a_json_body_is_written_as_it_reads_and_comes_back_the_same() {
        let m = saved(b"{\n  \"id\": 1,\n  \"note\": \"a \\\"quoted\\\" word\"\n}");
        let text = to_toml(&m);
        assert!(text.contains("body = \"\"\"\n{\n  \"id\": 1,\n"), "{text}");
        assert!(!text.contains("body-encoding"), "{text}");
        assert!(
            text.ends_with("[properties]\nzone = \"eu\"\na = \"b=c\"\n"),
            "{text}"
        );
        assert_eq!(parse(&text, "x.toml", "x").unwrap(), m);
    }

    #[test]
    fn a_binary_body_goes_as_base64_and_comes_back_as_its_bytes() {
        let m = saved(&[0, 159, 146, 150, 255, b'\n', 7]);
        let text = to_toml(&m);
        assert!(text.contains("body-encoding = \"base64\""), "{text}");
        assert_eq!(parse(&text, "x.toml", "x").unwrap(), m);
    }

    #[test]
    fn unknown_keys_and_bad_values_name_their_line() {
        let e = parse("topic = \"T\"\nbody = \"b\"\ncolour = 1\n", "m.toml", "m").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.to_string().starts_with("m.toml:3: unknown key `colour`"),
            "{e}"
        );
        let e = parse(
            "topic = \"T\"\nbody = \"b\"\ntype = \"urgent\"\n",
            "m.toml",
            "m",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("m.toml:3: type:"), "{e}");
    }

    proptest! {
        #[test]
        fn any_body_round_trips(body in proptest::collection::vec(any::<u8>(), 1..200),
                                text in "[\\PC\n\t\"\\\\']{1,80}",
                                prop in "p[a-z0-9_.\\-]{0,8}",
                                value in "[\\PC\"\\\\]{1,20}") {
            for b in [body, text.into_bytes()] {
                let mut m = saved(&b);
                m.draft.properties.push((prop.clone(), value.clone()));
                let back = parse(&to_toml(&m), "x.toml", "x").unwrap();
                prop_assert_eq!(back, m);
            }
        }
    }
}
