//! Loading a stored message into the composer: the draft (tag, keys, user
//! properties, body bytes as they are), aimed back at a dead-letter or
//! retry copy's original topic with a banner saying where it came from, a
//! type row the operator confirms (sharding key, delay, transaction flag)
//! instead of a type applied behind their back, the system properties kept
//! apart as read-only provenance, and the journal source.

use rmq_model::message::Draft;

use crate::stored::Stored;

/// What loading a stored message gives the composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// A normal message: a type, if any, is in `type_row` to confirm.
    pub draft: Draft,
    /// The type row to offer (`fifo KEY`, `delay 3`, `delay at …`, `tx`),
    /// in the composer's syntax (`rmq_model::types::parse_spec`).
    pub type_row: Option<String>,
    /// For a dead-letter or retry copy, or a delayed message not yet due:
    /// "from %DLQ%billing (origin topic orders, reconsumed 17×)".
    pub banner: Option<String>,
    /// System properties, shown read-only and never sent.
    pub provenance: Vec<(String, String)>,
    /// User properties the composer would refuse, with the reason: shown,
    /// not silently dropped.
    pub refused: Vec<(String, String)>,
    /// The resend's journal `source`: `fetch:<offset msgId>`.
    pub source: String,
}

pub fn load(m: &Stored) -> Loaded {
    let mut properties = Vec::new();
    let mut refused = Vec::new();
    for (k, v) in m.user_properties() {
        match rmq_model::validate::property(k, v) {
            Ok(()) => properties.push((k.clone(), v.clone())),
            Err(why) => refused.push((k.clone(), why)),
        }
    }
    let draft = Draft {
        topic: m.target_topic().to_string(),
        tag: m.tag().map(str::to_string),
        keys: m.keys().into_iter().map(str::to_string).collect(),
        properties,
        body: m.body.clone(),
        kind: Default::default(),
    };
    let banner = if m.is_copy() {
        Some(format!(
            "from {} (origin topic {}, reconsumed {}×)",
            m.topic,
            m.property("RETRY_TOPIC").unwrap_or("unknown"),
            m.reconsume_times
        ))
    } else if m.is_waiting() {
        Some(format!(
            "from {}: a delayed message not yet due (for {})",
            m.topic,
            m.target_topic()
        ))
    } else {
        None
    };
    Loaded {
        draft,
        type_row: type_row(m),
        banner,
        provenance: m.system_properties().cloned().collect(),
        refused,
        source: format!("fetch:{}", m.offset_msg_id),
    }
}

/// The type the original had, as a row to confirm. A dead letter's
/// `DELAY` is the broker's retry bookkeeping (0, or the next level), not
/// the producer's delay: not offered.
fn type_row(m: &Stored) -> Option<String> {
    if let Some(key) = m.property("__SHARDINGKEY").filter(|k| !k.is_empty()) {
        return Some(format!("fifo {key}"));
    }
    if m.property("TRAN_MSG") == Some("true") {
        return Some("tx".into());
    }
    if m.is_copy() {
        return None;
    }
    if let Some(at) = m
        .property("TIMER_DELIVER_MS")
        .and_then(|t| t.parse::<i64>().ok())
        && let Some(t) = chrono::DateTime::from_timestamp_millis(at)
    {
        return Some(format!("delay at {}", t.to_rfc3339()));
    }
    match m.property("DELAY").and_then(|d| d.parse::<u8>().ok()) {
        Some(level) if level > 0 => Some(format!("delay {level}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stored::sample;

    #[test]
    fn a_message_loads_as_a_draft_with_system_properties_apart() {
        let mut m = sample("orders", 0, 5, 1);
        m.body = vec![0xff, 0x00];
        m.properties = vec![
            ("KEYS".into(), "o-1 u-9".into()),
            ("TAGS".into(), "paid".into()),
            ("UNIQ_KEY".into(), "U".into()),
            ("bad=name".into(), "x".into()),
            ("region".into(), "eu".into()),
        ];
        let l = load(&m);
        assert_eq!(l.draft.topic, "orders");
        assert_eq!(l.draft.tag.as_deref(), Some("paid"));
        assert_eq!(l.draft.keys, ["o-1", "u-9"]);
        assert_eq!(
            l.draft.properties,
            [("region".to_string(), "eu".to_string())]
        );
        assert_eq!(
            l.draft.body,
            [0xff, 0x00],
            "binary bodies are kept as bytes"
        );
        assert_eq!(l.refused.len(), 1);
        assert!(l.refused[0].1.contains("`=`"), "{:?}", l.refused);
        assert_eq!(
            l.provenance
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["KEYS", "TAGS", "UNIQ_KEY"]
        );
        assert_eq!(l.banner, None);
        assert_eq!(l.type_row, None);
        assert_eq!(l.source, format!("fetch:{}", m.offset_msg_id));
    }

    #[test]
    fn a_dead_letter_is_aimed_at_its_topic_with_a_banner() {
        let mut m = sample("%DLQ%billing", 0, 0, 1);
        m.reconsume_times = 17;
        m.properties = vec![
            ("DELAY".into(), "0".into()),
            ("RETRY_TOPIC".into(), "orders".into()),
        ];
        let l = load(&m);
        assert_eq!(l.draft.topic, "orders");
        assert_eq!(
            l.banner.as_deref(),
            Some("from %DLQ%billing (origin topic orders, reconsumed 17×)")
        );
        assert_eq!(l.type_row, None, "the broker's DELAY is not the producer's");
    }

    #[test]
    fn a_sharding_key_delay_or_transaction_becomes_a_row_to_confirm() {
        let with = |props: &[(&str, &str)]| {
            let mut m = sample("orders", 0, 0, 1);
            m.properties = props
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            load(&m).type_row
        };
        assert_eq!(
            with(&[("__SHARDINGKEY", "o-7")]).as_deref(),
            Some("fifo o-7")
        );
        assert_eq!(with(&[("DELAY", "3")]).as_deref(), Some("delay 3"));
        assert_eq!(with(&[("TRAN_MSG", "true")]).as_deref(), Some("tx"));
        assert_eq!(
            with(&[("TIMER_DELIVER_MS", "1765000000000")]).as_deref(),
            Some("delay at 2025-12-06T05:46:40+00:00")
        );
        // Each row parses in the composer's syntax.
        for row in [
            "fifo o-7",
            "delay 3",
            "tx",
            "delay at 2025-12-06T05:46:40+00:00",
        ] {
            assert!(
                rmq_model::types::parse_spec(row, chrono::Local::now()).is_ok(),
                "{row}"
            );
        }
    }
}
