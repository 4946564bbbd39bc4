//! Checks on a draft before it is sent, field by field, with messages meant
//! to be shown next to the field. The rules are RocketMQ's own.

use chrono::{DateTime, Utc};

use crate::message::{Draft, Mode};
use crate::types::{BATCH_OVERHEAD, MessageType};

/// RocketMQ's topic length limit.
pub const TOPIC_MAX_LEN: usize = 127;

pub fn topic(t: &str) -> Result<(), String> {
    if t.is_empty() {
        return Err("topic is required".into());
    }
    if t.len() > TOPIC_MAX_LEN {
        return Err(format!(
            "topic is {} characters; at most {TOPIC_MAX_LEN}",
            t.len()
        ));
    }
    if let Some(c) = t
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '%' | '|')))
    {
        return Err(format!(
            "topic may only use letters, digits, `_`, `-`, `%` and `|`; found `{c}`"
        ));
    }
    if let Some(why) = system_topic(t) {
        return Err(why);
    }
    Ok(())
}

/// Why `t` is not a topic to send to: a consumer group's retry or
/// dead-letter queue (a message for it goes back to the group's original
/// topic) or one of the broker's own topics.
fn system_topic(t: &str) -> Option<String> {
    const SYSTEM: [&str; 6] = [
        "TBW102",
        "SCHEDULE_TOPIC_XXXX",
        "RMQ_SYS_TRANS_HALF_TOPIC",
        "RMQ_SYS_TRANS_OP_HALF_TOPIC",
        "RMQ_SYS_TRACE_TOPIC",
        "OFFSET_MOVED_EVENT",
    ];
    if let Some(group) = t
        .strip_prefix("%RETRY%")
        .or_else(|| t.strip_prefix("%DLQ%"))
    {
        return Some(format!(
            "`{t}` is a retry or dead-letter queue of consumer group `{group}`; send to the \
             message's original topic instead"
        ));
    }
    if SYSTEM.contains(&t) || t.starts_with("rmq_sys_") || t.starts_with("RMQ_SYS_") {
        return Some(format!(
            "`{t}` is one of the broker's own topics, not one to send to"
        ));
    }
    None
}

/// A control character in `text`, named for the operator. RocketMQ's wire
/// format separates properties with U+0001 and U+0002 (name/value and
/// pair separators): one inside a value would split it into properties the
/// operator never wrote. No control character means anything in these
/// fields, so none passes.
fn control_char(text: &str) -> Option<String> {
    text.chars().find(|c| c.is_control()).map(|c| {
        let what = match c {
            '\u{1}' | '\u{2}' => " (RocketMQ's property separator)",
            '\n' | '\r' => " (a line break)",
            '\t' => " (a tab)",
            _ => "",
        };
        format!("contains the control character U+{:04X}{what}", c as u32)
    })
}

pub fn tag(t: &str) -> Result<(), String> {
    if t.contains("||") {
        return Err("tag must not contain `||` (it separates tags in subscriptions)".into());
    }
    if let Some(e) = control_char(t) {
        return Err(format!("tag {e}"));
    }
    Ok(())
}

/// One message key. RocketMQ stores a message's keys as one property,
/// separated by spaces: a key with whitespace inside would be found as two.
pub fn key(k: &str) -> Result<(), String> {
    if k.is_empty() {
        return Err("a key is empty".into());
    }
    if let Some(e) = control_char(k) {
        return Err(format!("key {e}"));
    }
    if k.contains(char::is_whitespace) {
        return Err(format!(
            "key `{k}` contains whitespace: RocketMQ splits keys on spaces, so it would be stored as {} keys; give each key on its own",
            k.split_whitespace().count()
        ));
    }
    Ok(())
}

/// A user property name that RocketMQ reserves for itself.
fn is_reserved_property(name: &str) -> bool {
    rocketmq_model::common::message::STRING_HASH_SET.contains(name)
}

pub fn property(key: &str, value: &str) -> Result<(), String> {
    if key.trim().is_empty() {
        return Err("property name is empty".into());
    }
    if value.is_empty() {
        return Err(format!("property `{key}` has an empty value"));
    }
    if is_reserved_property(key) {
        return Err(format!("`{key}` is a reserved RocketMQ property name"));
    }
    if let Some(e) = control_char(key) {
        return Err(format!("property name {e}"));
    }
    if key.contains('=') {
        return Err("property name contains `=`".into());
    }
    if let Some(e) = control_char(value) {
        return Err(format!("property `{key}` value {e}"));
    }
    Ok(())
}

pub fn body(len: usize, max: usize) -> Result<(), String> {
    if len == 0 {
        return Err("body is empty; RocketMQ refuses empty messages".into());
    }
    if len > max {
        return Err(format!(
            "body is {len} bytes; the profile allows at most {max}"
        ));
    }
    Ok(())
}

/// The first problem with a draft, prefixed with the field it is in.
pub fn draft(d: &Draft, max_body: usize) -> Result<(), String> {
    topic(&d.topic).map_err(|e| format!("topic: {e}"))?;
    if let Some(t) = &d.tag {
        tag(t).map_err(|e| format!("tag: {e}"))?;
    }
    for k in &d.keys {
        key(k).map_err(|e| format!("keys: {e}"))?;
    }
    for (k, v) in &d.properties {
        property(k, v).map_err(|e| format!("properties: {e}"))?;
    }
    body(d.body.len(), max_body).map_err(|e| format!("body: {e}"))
}

/// Whether a value given where a name belongs (an environment variable's
/// name, a TOML token) looks like a pasted credential: long, letters and
/// digits mixed, no `_` or space, as AccessKey ids and secrets are and
/// variable names (`ALIBABA_CLOUD_ACCESS_KEY_ID`) are not. Such a value is
/// never echoed back.
pub fn looks_like_secret(s: &str) -> bool {
    s.chars().count() >= 16
        && !s.contains(['_', ' '])
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_alphabetic())
}

/// Refuses what the client or the broker would refuse, with the reason,
/// before anything is sent. `now` is when the send would go. The mode is
/// not checked: a type that is always sent sync goes sync from any mode
/// (`send_mode`, and `sync_note` says so).
pub fn kind(
    kind: &MessageType,
    draft: &Draft,
    max_bytes: usize,
    now: DateTime<Utc>,
) -> Result<(), String> {
    match kind {
        MessageType::Normal | MessageType::Transaction { .. } => Ok(()),
        MessageType::Fifo { sharding_key } => {
            if sharding_key.trim().is_empty() {
                return Err("FIFO needs a sharding key (the message group)".into());
            }
            Ok(())
        }
        MessageType::Delayed(d) => d.check(now),
        MessageType::Batch { size } => {
            if *size < 2 {
                return Err("a batch is 2 or more messages".into());
            }
            let bytes = batch_bytes(draft, *size);
            if bytes > max_bytes {
                let per = bytes / *size as usize;
                return Err(format!(
                    "a batch of {size} is about {bytes} bytes; the limit is {max_bytes} \
                     (at most {} of these)",
                    max_bytes / per.max(1)
                ));
            }
            Ok(())
        }
    }
}

/// The mode a message of this type goes in when `mode` is asked for:
/// FIFO, transactions and batches always go sync (order holds only one
/// send after the other; the half message is stored before the decision;
/// one answer for the whole batch).
pub fn send_mode(kind: &MessageType, mode: Mode) -> Mode {
    if always_sync(kind) { Mode::Sync } else { mode }
}

fn always_sync(kind: &MessageType) -> bool {
    matches!(
        kind,
        MessageType::Fifo { .. } | MessageType::Transaction { .. } | MessageType::Batch { .. }
    )
}

/// What the operator is told when `mode` is not the mode the type goes in
/// (`None` when it is): the reason, once, where the type is shown.
pub fn sync_note(kind: &MessageType, mode: Mode) -> Option<String> {
    if mode == Mode::Sync || !always_sync(kind) {
        return None;
    }
    let why = match kind {
        MessageType::Fifo { .. } => "FIFO keeps order only for sync sends",
        MessageType::Transaction { .. } => {
            "a transaction's half message is stored before its decision"
        }
        _ => "a batch gets one answer for all its messages",
    };
    Some(format!("sent sync: {why}"))
}

/// The composer's keys field: keys separated by spaces (as RocketMQ
/// stores them, in one property joined by spaces). A key cannot hold a
/// space, so quotes around words do not make them one key: refused, with
/// the headless `--key` refusal's reason, rather than split silently.
pub fn keys_field(text: &str) -> Result<Vec<String>, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let Some(q) = w.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        if w.len() > 1 && w.ends_with(q) {
            continue;
        }
        if let Some(end) = words[i + 1..].iter().position(|x| x.ends_with(q)) {
            let quoted = words[i..=i + 1 + end].join(" ");
            return Err(format!(
                "key {quoted} contains whitespace: RocketMQ splits keys on spaces, so it would be \
                 stored as {} keys; quotes do not join them (this field separates keys with spaces)",
                end + 2
            ));
        }
    }
    for w in &words {
        key(w)?;
    }
    Ok(words.into_iter().map(str::to_string).collect())
}

/// What a batch of `size` copies of `draft` weighs on the wire, rounded up.
pub fn batch_bytes(draft: &Draft, size: u32) -> usize {
    let props: usize = draft
        .properties
        .iter()
        .map(|(k, v)| k.len() + v.len() + 2)
        .sum();
    let keys: usize = draft.keys.iter().map(|k| k.len() + 1).sum();
    let tag = draft.tag.as_ref().map_or(0, String::len);
    let one = BATCH_OVERHEAD + draft.body.len() + props + keys + tag;
    one.saturating_mul(size as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics() {
        assert!(topic("orders_v2-eu%1").is_ok());
        assert_eq!(topic("").unwrap_err(), "topic is required");
        assert!(topic("a b").unwrap_err().contains("found ` `"));
        assert!(topic(&"t".repeat(128)).unwrap_err().contains("at most 127"));
        assert!(
            topic("%DLQ%billing")
                .unwrap_err()
                .contains("dead-letter queue of consumer group `billing`")
        );
        assert!(topic("%RETRY%billing").is_err());
        assert!(
            topic("RMQ_SYS_TRANS_HALF_TOPIC")
                .unwrap_err()
                .contains("broker's own")
        );
        assert!(topic("TBW102").is_err());
        assert!(topic("orders%DLQ%").is_ok(), "only as a prefix");
    }

    #[test]
    fn properties_and_tags() {
        assert!(property("UNIQ_KEY", "x").unwrap_err().contains("reserved"));
        assert!(property("KEYS", "x").is_err());
        assert!(property("region", "eu").is_ok());
        assert!(tag("a||b").is_err());
        assert!(body(5, 4).unwrap_err().contains("at most 4"));
    }

    #[test]
    fn wire_separators_and_control_characters_never_pass() {
        for bad in ["a\u{1}b", "a\u{2}b", "a\nb", "a\rb", "a\u{0}b", "a\u{7f}b"] {
            assert!(
                tag(bad).unwrap_err().contains("control character"),
                "{bad:?}"
            );
            assert!(
                key(bad).unwrap_err().contains("control character"),
                "{bad:?}"
            );
            assert!(
                property(bad, "v")
                    .unwrap_err()
                    .contains("control character")
            );
            assert!(
                property("k", bad)
                    .unwrap_err()
                    .contains("control character")
            );
        }
        assert!(
            property("k", "a\u{1}b")
                .unwrap_err()
                .contains("U+0001 (RocketMQ's property separator)")
        );
        assert!(property("a=b", "v").is_err());
        assert!(property("k", "ünï cödé = ok").is_ok());
        assert!(tag("paid").is_ok() && key("order-1").is_ok());
    }

    #[test]
    fn a_key_with_whitespace_says_it_would_become_several() {
        let e = key("order 1").unwrap_err();
        assert!(
            e.contains("RocketMQ splits keys on spaces") && e.contains("2 keys"),
            "{e}"
        );
        let d = Draft {
            topic: "t".into(),
            keys: vec!["a b".into()],
            body: b"x".to_vec(),
            ..Default::default()
        };
        assert!(draft(&d, 10).unwrap_err().starts_with("keys: key `a b`"));
    }
}

#[cfg(test)]
mod kind_tests {
    use super::*;
    use crate::types::{Delay, TxChoice, from_flags};
    use chrono::TimeZone;

    fn draft() -> Draft {
        Draft {
            topic: "T".into(),
            body: vec![b'x'; 1000],
            ..Default::default()
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn refused_combinations_say_why() {
        let d = Delay::Level(2);
        assert_eq!(from_flags(None, None, None, None), Ok(MessageType::Normal));
        assert!(
            from_flags(None, Some(d), Some(TxChoice::Commit), None)
                .unwrap_err()
                .contains("transactional message cannot be delayed")
        );
        assert!(
            from_flags(None, Some(d), None, Some(5))
                .unwrap_err()
                .contains("batch cannot be delayed")
        );
        assert!(
            from_flags(Some("k"), None, None, Some(5))
                .unwrap_err()
                .contains("FIFO batch")
        );
        assert!(from_flags(None, None, Some(TxChoice::Rollback), Some(2)).is_err());
        let tx = MessageType::Transaction { decide: None };
        assert!(kind(&tx, &draft(), 4 << 20, now()).is_ok());
        let fifo = MessageType::Fifo {
            sharding_key: " ".into(),
        };
        assert!(kind(&fifo, &draft(), 4 << 20, now()).is_err());
    }

    #[test]
    fn always_sync_types_go_sync_from_any_mode_and_say_so() {
        let fifo = MessageType::Fifo {
            sharding_key: "k".into(),
        };
        for t in [
            fifo.clone(),
            MessageType::Transaction { decide: None },
            MessageType::Batch { size: 2 },
        ] {
            assert!(kind(&t, &draft(), 4 << 20, now()).is_ok(), "{t:?}");
            for m in Mode::ALL {
                assert_eq!(send_mode(&t, m), Mode::Sync);
            }
            assert_eq!(sync_note(&t, Mode::Sync), None);
            assert!(
                sync_note(&t, Mode::Oneway)
                    .unwrap()
                    .starts_with("sent sync")
            );
        }
        assert_eq!(
            sync_note(&fifo, Mode::Async).unwrap(),
            "sent sync: FIFO keeps order only for sync sends"
        );
        assert_eq!(send_mode(&MessageType::Normal, Mode::Oneway), Mode::Oneway);
        assert_eq!(sync_note(&MessageType::Normal, Mode::Async), None);
    }

    #[test]
    fn the_keys_field_splits_on_spaces_and_refuses_a_quoted_key_with_one() {
        assert_eq!(keys_field(" a  b "), Ok(vec!["a".to_string(), "b".into()]));
        assert_eq!(keys_field(""), Ok(vec![]));
        assert_eq!(
            keys_field("\"a\" 'b'"),
            Ok(vec!["\"a\"".to_string(), "'b'".into()])
        );
        let e = keys_field("x \"order 1\"").unwrap_err();
        assert!(
            e.starts_with("key \"order 1\" contains whitespace: RocketMQ splits keys on spaces")
                && e.contains("2 keys"),
            "{e}"
        );
        assert!(keys_field("'a b c'").unwrap_err().contains("3 keys"));
        assert!(
            keys_field("a\u{1}b")
                .unwrap_err()
                .contains("control character")
        );
    }

    #[test]
    fn batch_size_is_checked_against_the_limit() {
        let b = MessageType::Batch { size: 10 };
        assert!(kind(&b, &draft(), 4 << 20, now()).is_ok());
        let err = kind(&b, &draft(), 5000, now()).unwrap_err();
        assert!(
            err.contains("the limit is 5000 (at most 4 of these)"),
            "{err}"
        );
        assert!(kind(&MessageType::Batch { size: 1 }, &draft(), 4 << 20, now()).is_err());
    }
}
