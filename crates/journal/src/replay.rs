//! Replay files: JSON Lines of messages (`topic`, optional `tag`, `keys`,
//! `properties`, `body` text or `body_base64`, optional `mode`), of which a
//! journal file is one (its extra fields are ignored, its `id` becomes the
//! resend's source). Parsing and validation only, the whole file before
//! anything is sent, each bad line with its number and the reason the
//! composer would give (`rmq_model::validate`). Used by `rmq-console replay`
//! and the console's import dialog.

use std::io::BufRead;
use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

use rmq_model::message::{Draft, MessageType, Mode};
use rmq_model::text::escape_controls;

/// One message of the file, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// 1-based line in the file.
    pub line: usize,
    pub draft: Draft,
    /// The line's own `mode`, if it has one.
    pub mode: Option<Mode>,
    /// The journal record this line came from (`id`), if any.
    pub source: Option<String>,
}

/// A line that will not be sent, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub line: usize,
    pub reason: String,
}

/// A whole file, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// What the messages say they are (a path, or `stdin`).
    pub origin: String,
    pub items: Vec<Item>,
    pub invalid: Vec<Invalid>,
}

impl Parsed {
    /// `FILE:LINE: reason`, one per invalid line.
    pub fn problems(&self) -> Vec<String> {
        self.invalid.iter().map(|i| i.shown(&self.origin)).collect()
    }
}

/// The most a replay holds, from a file or standard input alike: what the
/// command validates before it sends anything, counted as each message's
/// line plus `ITEM_OVERHEAD` (so a flood of tiny lines is bounded too).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What a held message costs beyond its line: the `Item`, its strings'
/// headers and allocations (measured order of magnitude, rounded up).
const ITEM_OVERHEAD: u64 = 256;

/// The longest line a replay source may have, for a profile whose
/// `max-message-bytes` is `max_body`: that body with every byte written
/// as a six-byte JSON escape (`\u0000`), plus 1 MiB for the topic, keys,
/// properties and a journal record's own fields. A longer line could not
/// hold a message the profile would send, so the read stops there instead
/// of holding it: `FILE:LINE: line longer than N bytes`.
pub fn line_cap(max_body: usize) -> usize {
    max_body.saturating_mul(6).saturating_add(1 << 20)
}

/// One line of a replay source, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Item(Item),
    Invalid(Invalid),
}

impl Invalid {
    /// `FILE:LINE: reason`, control characters escaped (the reason can
    /// quote the line, and the line is data).
    pub fn shown(&self, origin: &str) -> String {
        let line = format!("{origin}:{}: {}", self.line, self.reason);
        escape_controls(&line, &[]).into_owned()
    }
}

/// Opens a replay source: `-` is standard input; a path must name a
/// regular file (a FIFO or a device would block or never end). Gives the
/// reader and the name its lines are reported under.
fn open(path: &Path) -> Result<(Box<dyn BufRead>, String), String> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(std::io::stdin().lock()), "stdin".to_string()));
    }
    let shown = escape_controls(&path.display().to_string(), &[]).into_owned();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("cannot read {shown}: not a regular file"));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    Ok((Box::new(std::io::BufReader::new(file)), shown))
}

/// Streams a replay source line by line, validating each (`parse_line`)
/// and handing it to `each` with the line's length; holds one line at a
/// time, never more than `line_cap(max_body)` bytes of it. `each` may end
/// the read with an error (a closed stdout, a budget spent). Blank lines
/// are skipped. Gives the source's name.
pub fn for_each(
    path: &Path,
    topic: Option<&str>,
    max_body: usize,
    mut each: impl FnMut(&str, Line, usize) -> Result<(), String>,
) -> Result<String, String> {
    let (r, origin) = open(path)?;
    let cap = line_cap(max_body);
    let mut lines = crate::Lines::new(r, cap);
    loop {
        let next = lines
            .next_line()
            .map_err(|e| format!("cannot read {origin}: {e}"))?;
        let (n, line) = match next {
            None => return Ok(origin),
            Some(crate::Next::TooLong(n)) => {
                return Err(format!(
                    "{origin}:{n}: line longer than {cap} bytes, the most a replay line may be \
                     (max-message-bytes {max_body} written as JSON, plus 1 MiB)"
                ));
            }
            Some(crate::Next::Line(n, l)) => (n, l),
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let len = line.len();
        let parsed = match parse_line(line, topic, max_body) {
            Ok(mut item) => {
                item.line = n;
                Line::Item(item)
            }
            Err(reason) => Line::Invalid(Invalid { line: n, reason }),
        };
        each(&origin, parsed, len)?;
    }
}

/// Reads a replay source (`-`: standard input) of at most `MAX_BYTES` and
/// validates every line. The one reader of replay files the headless
/// `replay` and the console's import hold in full: both read through it.
pub fn read(path: &Path, topic: Option<&str>, max_body: usize) -> Result<Parsed, String> {
    if path.as_os_str() != "-"
        && let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
        && meta.len() > MAX_BYTES
    {
        let shown = escape_controls(&path.display().to_string(), &[]).into_owned();
        return Err(format!("cannot read {shown}: {}", too_big()));
    }
    let mut out = Parsed::default();
    let mut held = 0u64;
    out.origin = for_each(path, topic, max_body, |origin, line, len| {
        held += len as u64 + ITEM_OVERHEAD;
        if held > MAX_BYTES {
            // Bounded while reading too: a pipe has no size, and a file
            // may grow after its size was checked.
            return Err(format!("cannot read {origin}: {}", too_big()));
        }
        match line {
            Line::Item(i) => out.items.push(i),
            Line::Invalid(i) => out.invalid.push(i),
        }
        Ok(())
    })?;
    Ok(out)
}

fn too_big() -> String {
    format!(
        "larger than {} MiB, the most a replay file may be",
        MAX_BYTES / (1024 * 1024)
    )
}

/// Validates every line of `text`. `topic` replaces each line's topic
/// (`--topic`); `max_body` is the profile's limit, as in the composer.
/// Blank lines are skipped.
pub fn parse(text: &[u8], origin: &str, topic: Option<&str>, max_body: usize) -> Parsed {
    let mut out = Parsed {
        origin: origin.to_string(),
        ..Default::default()
    };
    // A journal keeps a send's `submitted` record and then its outcome,
    // both with its `id` and its message: the send is replayed once.
    let mut ids = std::collections::HashSet::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(line, topic, max_body) {
            Ok(item)
                if item
                    .source
                    .as_ref()
                    .is_some_and(|id| !ids.insert(id.clone())) => {}
            Ok(mut item) => {
                item.line = i + 1;
                out.items.push(item);
            }
            Err(reason) => out.invalid.push(Invalid {
                line: i + 1,
                reason,
            }),
        }
    }
    out
}

#[derive(serde::Deserialize)]
struct Props {
    #[serde(deserialize_with = "crate::properties_object::deserialize")]
    properties: Vec<(String, String)>,
}

fn parse_line(line: &[u8], topic: Option<&str>, max_body: usize) -> Result<Item, String> {
    let v: Value = serde_json::from_slice(line).map_err(|e| format!("broken JSON: {e}"))?;
    let Value::Object(o) = v else {
        return Err("a line must be a JSON object".into());
    };
    let text = |k: &str| -> Result<Option<String>, String> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("`{k}` must be a string, found {other}")),
        }
    };
    let topic = match topic {
        Some(t) => t.to_string(),
        None => text("topic")?.ok_or("missing topic")?,
    };
    let tag = text("tag")?.filter(|t| !t.is_empty());
    let keys = match o.get("keys") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|k| {
                k.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`keys` must hold strings, found {k}"))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("`keys` must be a list of strings, found {other}")),
    };
    // Read again for the properties alone: a `Value` sorts an object's
    // names, and the operator's order is kept.
    let properties = match o.get("properties") {
        None => Vec::new(),
        Some(v) => {
            crate::properties_object::from_value(v)?;
            serde_json::from_slice::<Props>(line)
                .map_err(|e| format!("properties: {e}"))?
                .properties
        }
    };
    let body = match (text("body")?, text("body_base64")?) {
        (Some(_), Some(_)) => return Err("both `body` and `body_base64`; give one".into()),
        (None, None) => return Err("no `body` or `body_base64`".into()),
        (Some(b), None) => b.into_bytes(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|e| format!("`body_base64` is not valid base64: {e}"))?,
    };
    let mode = text("mode")?
        .map(|m| m.parse::<Mode>())
        .transpose()
        .map_err(|e| format!("mode: {e}"))?;
    let now = chrono::Local::now();
    let kind = match text("type")? {
        None => MessageType::Normal,
        Some(spec) => rmq_model::types::parse_spec(&spec, now).map_err(|e| format!("type: {e}"))?,
    };
    // A replay line is one message; the journal keeps a batch's members as
    // plain messages, so a batch is replayed as its N lines, never as a
    // line that would multiply itself.
    if matches!(kind, MessageType::Batch { .. }) {
        return Err("type: a replay line is one message: write a batch's messages as lines of their own, not `batch N`".into());
    }
    let draft = Draft {
        kind,
        topic,
        tag,
        keys,
        properties,
        body,
    };
    rmq_model::validate::draft(&draft, max_body)?;
    // The composer's checks of the type against the limits and now (a
    // type that is always sent sync goes sync from the line's mode).
    rmq_model::validate::kind(&draft.kind, &draft, max_body, now.to_utc())
        .map_err(|e| format!("type: {e}"))?;
    Ok(Item {
        line: 0,
        draft,
        mode,
        // A blank id names no send: two such lines are two messages.
        source: text("id").ok().flatten().filter(|id| !id.trim().is_empty()),
    })
}

/// One line of a replay file for `draft` (what `--dry-run` prints and what
/// an export writes), with the mode when given.
pub fn line_json(draft: &Draft, mode: Option<Mode>) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("topic".into(), draft.topic.clone().into());
    if let Some(t) = &draft.tag {
        o.insert("tag".into(), t.clone().into());
    }
    if !draft.keys.is_empty() {
        o.insert("keys".into(), draft.keys.clone().into());
    }
    if !draft.properties.is_empty() {
        // Pairs keep order and repeated names, which an object would not.
        let pairs: Vec<Value> = draft
            .properties
            .iter()
            .map(|(k, v)| Value::Array(vec![k.clone().into(), v.clone().into()]))
            .collect();
        o.insert("properties".into(), Value::Array(pairs));
    }
    match crate::encode_body(&draft.body) {
        (Some(b), _) => o.insert("body".into(), b.into()),
        (_, b) => o.insert("body_base64".into(), b.unwrap_or_default().into()),
    };
    if let Some(k) = crate::spec_of(&draft.kind) {
        o.insert("type".into(), k.into());
    }
    if let Some(m) = mode {
        o.insert("mode".into(), m.as_str().into());
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"topic":"orders","tag":"paid","keys":["o-1","u-9"],"properties":{"region":"eu","b":"2"},"body":"héllo","mode":"async"}

{"topic":"orders","body_base64":"/wCA"}
{"topic":"orders","body":"x"
{"tag":"t","body":"x"}
{"topic":"orders","body":"x","body_base64":"eA=="}
{"topic":"orders","body_base64":"***"}
{"topic":"orders","properties":{"UNIQ_KEY":"x"},"body":"x"}
{"topic":"orders","body":""}
{"topic":"bad topic","body":"x"}
{"topic":"orders","body":"x","mode":"fast"}
{"topic":"orders","tag":"a||b","body":"x"}
[1,2]
{"id":"abc-7","profile":"p","topic":"orders","body":"from the journal","state":"failed","seq":7}
{"topic":"orders"}
{"topic":"orders","body":"f","type":"fifo order-1"}
{"topic":"orders","body":"f","type":"fifo order-1","mode":"async"}
{"topic":"orders","body":"d","type":"delay 90000ms"}
{"topic":"orders","body":"b","type":"bogus"}
{"topic":"orders","body":"b","type":"batch 2"}
"#;

    #[test]
    fn every_bad_line_is_named_with_the_composers_reason() {
        let p = parse(FILE.as_bytes(), "f.jsonl", None, 4 * 1024 * 1024);
        let lines: Vec<usize> = p.items.iter().map(|i| i.line).collect();
        // Line 17 (a FIFO line in async) is sent sync, not refused.
        assert_eq!(lines, [1, 3, 14, 16, 17, 18]);
        assert_eq!(
            p.items[4].mode,
            Some(Mode::Async),
            "the line keeps its mode"
        );
        let problems = p.problems();
        let expect = [
            "f.jsonl:4: broken JSON",
            "f.jsonl:5: missing topic",
            "f.jsonl:6: both `body` and `body_base64`",
            "f.jsonl:7: `body_base64` is not valid base64",
            "f.jsonl:8: properties: `UNIQ_KEY` is a reserved RocketMQ property name",
            "f.jsonl:9: body: body is empty",
            "f.jsonl:10: topic: topic may only use",
            "f.jsonl:11: mode: unknown mode `fast`",
            "f.jsonl:12: tag: tag must not contain `||`",
            "f.jsonl:13: a line must be a JSON object",
            "f.jsonl:15: no `body` or `body_base64`",
            "f.jsonl:19: type: `bogus`",
            "f.jsonl:20: type: a replay line is one message",
        ];
        assert_eq!(problems.len(), expect.len(), "{problems:#?}");
        for (got, want) in problems.iter().zip(expect) {
            assert!(got.starts_with(want), "{got} does not start with {want}");
        }
        let first = &p.items[0];
        assert_eq!(first.mode, Some(Mode::Async));
        assert_eq!(first.draft.keys, ["o-1", "u-9"]);
        assert_eq!(
            first.draft.properties,
            [("region".into(), "eu".into()), ("b".into(), "2".into())]
        );
        assert_eq!(p.items[1].draft.body, [0xff, 0x00, 0x80]);
        assert_eq!(p.items[2].source.as_deref(), Some("abc-7"));
        assert_eq!(
            p.items[3].draft.kind,
            MessageType::Fifo {
                sharding_key: "order-1".into()
            }
        );
        assert_eq!(
            p.items[5].draft.kind,
            MessageType::Delayed(rmq_model::message::Delay::In(
                std::time::Duration::from_secs(90)
            ))
        );
    }

    #[test]
    fn a_send_read_twice_is_replayed_once_and_a_blank_id_names_no_send() {
        let text = br#"{"id":"a-1","topic":"orders","body":"submitted","state":"submitted"}
{"id":"a-1","topic":"orders","body":"submitted","state":"acknowledged"}
{"id":"","topic":"orders","body":"one"}
{"id":" ","topic":"orders","body":"two"}"#;
        let p = parse(text, "j.jsonl", None, 64);
        assert!(p.invalid.is_empty(), "{:?}", p.invalid);
        let lines: Vec<_> = p.items.iter().map(|i| (i.line, i.source.clone())).collect();
        assert_eq!(lines, [(1, Some("a-1".into())), (3, None), (4, None)]);
    }

    #[test]
    fn the_body_limit_and_topic_override_apply() {
        let p = parse(br#"{"topic":"a","body":"12345"}"#, "f", Some("b"), 4);
        assert!(p.invalid[0].reason.contains("at most 4"), "{:?}", p.invalid);
        let p = parse(br#"{"body":"1234"}"#, "f", Some("b"), 4);
        assert_eq!(p.items[0].draft.topic, "b");
    }

    #[test]
    fn a_printed_line_parses_back_to_the_same_message() {
        let p = parse(FILE.as_bytes(), "f", None, 1 << 20);
        for item in &p.items {
            let text = line_json(&item.draft, item.mode).to_string();
            let again = parse(text.as_bytes(), "f", None, 1 << 20);
            assert_eq!(again.items[0].draft, item.draft);
            assert_eq!(again.items[0].mode, item.mode);
        }
    }

    #[test]
    fn read_takes_regular_files_up_to_the_limit_only() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.jsonl");
        std::fs::write(&ok, FILE).unwrap();
        let parsed = read(&ok, None, 1 << 20).unwrap();
        assert_eq!(parsed.origin, ok.display().to_string());
        assert_eq!(
            parsed,
            parse(FILE.as_bytes(), &parsed.origin, None, 1 << 20)
        );
        let big = dir.path().join("big.jsonl");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_BYTES + 1)
            .unwrap();
        let e = read(&big, None, 1 << 20).unwrap_err();
        assert!(e.contains("larger than 64 MiB"), "{e}");
        let e = read(dir.path(), None, 1 << 20).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
    }

    /// A line longer than the cap ends the read with its number, whatever
    /// its length (a 200 MB line is never held: `Lines`); below the cap a
    /// long line is just a line.
    #[test]
    fn a_line_over_the_cap_ends_the_read_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.jsonl");
        let cap = line_cap(10);
        assert_eq!(cap, 60 + (1 << 20));
        let mut text = b"{\"topic\":\"t\",\"body\":\"x\"}\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', cap + 1));
        text.extend(b"\n{\"topic\":\"t\",\"body\":\"y\"}\n");
        std::fs::write(&path, &text).unwrap();
        let e = read(&path, None, 10).unwrap_err();
        let want = format!("{}:2: line longer than {cap} bytes", path.display());
        assert!(e.starts_with(&want), "{e}");
        let mut seen = Vec::new();
        let e = for_each(&path, None, 10, |_, l, _| {
            seen.push(l);
            Ok(())
        })
        .unwrap_err();
        assert!(e.starts_with(&want), "{e}");
        assert!(
            matches!(&seen[..], [Line::Item(i)] if i.line == 1),
            "{seen:?}"
        );
    }

    /// Many tiny lines are bounded by what holding them costs, not only by
    /// their bytes.
    #[test]
    fn held_messages_count_their_weight_not_only_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.jsonl");
        let line = "{\"topic\":\"t\",\"body\":\"x\"}";
        let n = (MAX_BYTES / (line.len() as u64 + ITEM_OVERHEAD)) as usize + 1;
        std::fs::write(&path, format!("{line}\n").repeat(n)).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() < MAX_BYTES);
        match read(&path, None, 10) {
            Err(e) => assert!(e.contains("larger than 64 MiB"), "{e}"),
            Ok(p) => panic!("{} messages held", p.items.len()),
        }
    }

    #[test]
    fn problems_escape_control_characters_from_the_data() {
        let p = Parsed {
            origin: "f\x1b]0;title\x07".into(),
            items: vec![],
            invalid: vec![Invalid {
                line: 3,
                reason: "topic: `a\x1b[2Jb` is not a topic".into(),
            }],
        };
        assert_eq!(
            p.problems(),
            ["f\\u001b]0;title\\u0007:3: topic: `a\\u001b[2Jb` is not a topic"]
        );
    }
}
