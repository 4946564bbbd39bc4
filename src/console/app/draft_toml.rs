//! The whole draft as a TOML document, for editing in `$EDITOR`: the
//! composer's fields written out (topic, tag, keys, properties, type,
//! body) and the edited text read back, with the line of the first
//! problem. Pure: the run loop runs the editor.

use std::fmt::Write as _;

use super::Composer;

/// The composer's fields as the editor gets them, as typed (a field with a
/// problem goes out as it is, so it can be fixed there).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DraftText {
    pub topic: String,
    pub tag: String,
    /// Space separated, as the keys field holds them.
    pub keys: String,
    /// The type row (`fifo KEY`, `delay 3`, ...).
    pub kind: String,
    /// `key=value` lines, as the properties field holds them.
    pub properties: Vec<String>,
    pub body: String,
}

impl DraftText {
    pub fn of(c: &Composer) -> Self {
        let one = |t: &ratatui_textarea::TextArea<'static>| t.lines()[0].clone();
        Self {
            topic: one(&c.topic),
            tag: one(&c.tag),
            keys: one(&c.keys),
            kind: one(&c.kind_text),
            properties: c
                .props
                .lines()
                .iter()
                .filter(|l| !l.trim().is_empty())
                .cloned()
                .collect(),
            body: c.body.lines().join("\n"),
        }
    }
}

/// A TOML string: basic, with escapes, so every character survives.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The document the editor opens.
pub fn write(d: &DraftText) -> String {
    let mut out = String::from(
        "# The draft as TOML: save and quit to load it into the composer.\n\
         # A file that does not parse leaves the draft as it was.\n",
    );
    let _ = writeln!(out, "topic = {}", quoted(&d.topic));
    let _ = writeln!(out, "tag = {}", quoted(&d.tag));
    let keys: Vec<String> = d.keys.split_whitespace().map(quoted).collect();
    let _ = writeln!(out, "keys = [{}]", keys.join(", "));
    let _ = writeln!(
        out,
        "# normal · fifo KEY · delay 3|90s|at 17:00 · tx · batch N"
    );
    let _ = writeln!(out, "type = {}", quoted(&d.kind));
    let _ = writeln!(out, "body = {}", quoted(&d.body));
    out.push_str("\n[properties]\n");
    for line in &d.properties {
        let (k, v) = line.split_once('=').unwrap_or((line, ""));
        let _ = writeln!(out, "{} = {}", quoted(k.trim()), quoted(v));
    }
    out
}

/// The edited document back, or why not with its line.
pub fn read(text: &str) -> Result<DraftText, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e
            .span()
            .map(|s| format!("line {}: ", line_of(text, s.start)))
            .unwrap_or_default();
        format!("the draft does not parse: {at}{}", e.message())
    })?;
    let mut d = DraftText::default();
    for (k, v) in &table {
        let string = |what: &str| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{what}: expected a string{}", line_at(text, k)))
        };
        match k.as_str() {
            "topic" => d.topic = string("topic")?,
            "tag" => d.tag = string("tag")?,
            "type" => d.kind = string("type")?,
            "body" => d.body = string("body")?,
            "keys" => {
                d.keys = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Array(a) => a
                        .iter()
                        .map(|k| k.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| format!("keys: expected strings{}", line_at(text, "keys")))?
                        .join(" "),
                    _ => {
                        return Err(format!(
                            "keys: expected a list of strings{}",
                            line_at(text, "keys")
                        ));
                    }
                }
            }
            "properties" => {
                let t = v
                    .as_table()
                    .ok_or_else(|| format!("properties: expected a table{}", line_at(text, k)))?;
                for (pk, pv) in t {
                    let pv = pv.as_str().ok_or_else(|| {
                        format!("properties.{pk}: expected a string{}", line_at(text, pk))
                    })?;
                    d.properties.push(format!("{pk}={pv}"));
                }
            }
            other => {
                return Err(format!(
                    "unknown field `{other}`{} (topic, tag, keys, type, body, properties)",
                    line_at(text, other)
                ));
            }
        }
    }
    Ok(d)
}

/// 1-based line of byte `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// ` (line N)` for the first line that starts with `key`, when there is one.
fn line_at(text: &str, key: &str) -> String {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches('"');
            l.starts_with(key)
        })
        .map(|i| format!(" (line {})", i + 1))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DraftText {
        DraftText {
            topic: "orders".into(),
            tag: "created".into(),
            keys: "k1 k2".into(),
            kind: "delay 3".into(),
            properties: vec!["region=eu-west".into(), "trace=a=b".into()],
            body: "{\n  \"id\": \"é \\\"q\\\"\"\n}\n'''".into(),
        }
    }

    #[test]
    fn a_draft_goes_out_and_comes_back_unchanged() {
        let d = sample();
        let text = write(&d);
        assert!(text.contains("topic = \"orders\""), "{text}");
        assert_eq!(read(&text).unwrap(), d);
    }

    #[test]
    fn a_broken_document_names_its_line() {
        let text = write(&sample()).replace("tag = \"created\"", "tag = created");
        let e = read(&text).unwrap_err();
        assert!(e.starts_with("the draft does not parse: line 4:"), "{e}");
        let e = read("topic = 3\n").unwrap_err();
        assert_eq!(e, "topic: expected a string (line 1)");
        let e = read("topic = \"t\"\nbodyy = \"x\"\n").unwrap_err();
        assert!(e.contains("unknown field `bodyy` (line 2)"), "{e}");
    }

    #[test]
    fn keys_may_be_one_string_and_missing_fields_are_empty() {
        let d = read("keys = \"a b\"\n").unwrap();
        assert_eq!(d.keys, "a b");
        assert_eq!(d.topic, "");
        assert!(d.properties.is_empty());
    }
}
