//! A message as the broker stored it (plain data, no library types), and
//! its line in the replay format: what `rmq-console replay` reads back
//! (topic, tag, keys, user properties, body or body_base64) plus a
//! `fetched` object that replay ignores (ids, position, times, hosts,
//! reconsume count, system properties, where a dead-letter copy came from).

use base64::Engine as _;
use chrono::{Local, SecondsFormat, TimeZone};
use serde_json::{Map, Value, json};

/// A stored message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// The topic it is stored in (`%DLQ%g` for a dead letter).
    pub topic: String,
    pub broker: String,
    pub queue_id: i32,
    pub queue_offset: i64,
    pub commit_log_offset: i64,
    pub offset_msg_id: String,
    /// Epoch milliseconds.
    pub store_ms: i64,
    pub born_ms: i64,
    pub born_host: String,
    pub store_host: String,
    pub reconsume_times: i32,
    pub sys_flag: i32,
    /// Every property, user and system, sorted by name.
    pub properties: Vec<(String, String)>,
    /// The whole body, decompressed.
    pub body: Vec<u8>,
}

pub const DLQ_PREFIX: &str = "%DLQ%";
pub const RETRY_PREFIX: &str = "%RETRY%";
/// Where the broker keeps delayed and timer messages until they are due
/// (`REAL_TOPIC` names their topic).
pub const WAITING_TOPICS: [&str; 2] = ["SCHEDULE_TOPIC_XXXX", "rmq_sys_wheel_timer"];

/// A property RocketMQ keeps for itself: not copied into a resend, listed
/// apart. (`__SHARDINGKEY`, `__STARTDELIVERTIME` and the like are client
/// conventions the set does not name.)
pub fn is_system_property(name: &str) -> bool {
    rocketmq_model::common::message::STRING_HASH_SET.contains(name) || name.starts_with("__")
}

impl Stored {
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn uniq_key(&self) -> Option<&str> {
        self.property("UNIQ_KEY")
    }

    pub fn tag(&self) -> Option<&str> {
        self.property("TAGS").filter(|t| !t.is_empty())
    }

    pub fn keys(&self) -> Vec<&str> {
        self.property("KEYS")
            .map(|k| k.split_whitespace().collect())
            .unwrap_or_default()
    }

    /// A dead-letter or retry copy (its topic is the group's queue).
    pub fn is_copy(&self) -> bool {
        self.topic.starts_with(DLQ_PREFIX) || self.topic.starts_with(RETRY_PREFIX)
    }

    /// A delayed or timer message still waiting in the broker's own topic.
    pub fn is_waiting(&self) -> bool {
        WAITING_TOPICS.contains(&self.topic.as_str())
    }

    /// Where a resend goes: a copy's original topic (`RETRY_TOPIC`), a
    /// waiting message's own (`REAL_TOPIC`), else the topic it is stored in.
    pub fn target_topic(&self) -> &str {
        let named = if self.is_copy() {
            self.property("RETRY_TOPIC")
        } else if self.is_waiting() {
            self.property("REAL_TOPIC")
        } else {
            None
        };
        named.filter(|t| !t.is_empty()).unwrap_or(&self.topic)
    }

    pub fn user_properties(&self) -> impl Iterator<Item = &(String, String)> {
        self.properties
            .iter()
            .filter(|(k, _)| !is_system_property(k))
    }

    pub fn system_properties(&self) -> impl Iterator<Item = &(String, String)> {
        self.properties
            .iter()
            .filter(|(k, _)| is_system_property(k))
    }

    /// One line of a replay file, plus `fetched`. `id` is
    /// `fetch:<offset msgId>`, which replay keeps as the resend's `source`.
    pub fn replay_line(&self) -> Value {
        let mut o = Map::new();
        o.insert("topic".into(), self.target_topic().into());
        if let Some(t) = self.tag() {
            o.insert("tag".into(), t.into());
        }
        let keys = self.keys();
        if !keys.is_empty() {
            o.insert("keys".into(), keys.into());
        }
        let user: Map<String, Value> = self
            .user_properties()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        if !user.is_empty() {
            o.insert("properties".into(), Value::Object(user));
        }
        match std::str::from_utf8(&self.body) {
            Ok(s) => o.insert("body".into(), s.into()),
            Err(_) => o.insert(
                "body_base64".into(),
                base64::engine::general_purpose::STANDARD
                    .encode(&self.body)
                    .into(),
            ),
        };
        o.insert("id".into(), format!("fetch:{}", self.offset_msg_id).into());
        o.insert("fetched".into(), self.fetched());
        Value::Object(o)
    }

    fn fetched(&self) -> Value {
        let system: Map<String, Value> = self
            .system_properties()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        let mut f = json!({
            "offset_msg_id": self.offset_msg_id,
            "uniq_key": self.uniq_key(),
            "source_topic": self.topic,
            "broker": self.broker,
            "queue_id": self.queue_id,
            "queue_offset": self.queue_offset,
            "commit_log_offset": self.commit_log_offset,
            "store_ts": time(self.store_ms),
            "born_ts": time(self.born_ms),
            "born_host": self.born_host,
            "store_host": self.store_host,
            "reconsume_times": self.reconsume_times,
            "sys_flag": self.sys_flag,
            "body_bytes": self.body.len(),
            "system_properties": system,
        });
        if self.is_copy() {
            let o = f.as_object_mut().expect("object");
            o.insert("origin_topic".into(), self.property("RETRY_TOPIC").into());
            // The 1.0 broker does not set it (the copy keeps the original's
            // UNIQ_KEY, which finds the original in its topic).
            if let Some(id) = self.property("ORIGIN_MESSAGE_ID") {
                o.insert("origin_msg_id".into(), id.into());
            }
        }
        f
    }
}

fn time(ms: i64) -> Value {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, false).into())
        .unwrap_or(Value::Null)
}

/// A sample message, for the tests of this crate and the crates above.
#[cfg(any(test, feature = "fixtures"))]
pub fn sample(topic: &str, queue_id: i32, queue_offset: i64, store_ms: i64) -> Stored {
    Stored {
        topic: topic.into(),
        broker: "broker-a".into(),
        queue_id,
        queue_offset,
        commit_log_offset: 1000 + queue_offset,
        offset_msg_id: format!("7F000001000088B1{:016X}", 1000 + queue_offset),
        store_ms,
        born_ms: store_ms - 1,
        born_host: "127.0.0.1:50000".into(),
        store_host: "127.0.0.1:34993".into(),
        properties: vec![("UNIQ_KEY".into(), "0E86651437B3".into())],
        body: b"hello".to_vec(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_becomes_a_replay_line_with_system_properties_apart() {
        let mut m = sample("orders", 1, 42, 1_765_000_000_000);
        m.properties = vec![
            ("KEYS".into(), "o-1 o-2".into()),
            ("TAGS".into(), "paid".into()),
            ("UNIQ_KEY".into(), "U1".into()),
            ("__SHARDINGKEY".into(), "o-1".into()),
            ("region".into(), "eu".into()),
        ];
        let v = m.replay_line();
        assert_eq!(v["topic"], "orders");
        assert_eq!(v["tag"], "paid");
        assert_eq!(v["keys"], json!(["o-1", "o-2"]));
        assert_eq!(v["properties"], json!({"region": "eu"}));
        assert_eq!(v["body"], "hello");
        assert!(v.get("body_base64").is_none());
        assert_eq!(v["id"], "fetch:7F000001000088B10000000000000412");
        let f = &v["fetched"];
        assert_eq!(f["uniq_key"], "U1");
        assert_eq!(f["queue_offset"], 42);
        assert_eq!(f["source_topic"], "orders");
        assert_eq!(
            f["system_properties"],
            json!({"KEYS": "o-1 o-2", "TAGS": "paid", "UNIQ_KEY": "U1", "__SHARDINGKEY": "o-1"})
        );
        assert!(f.get("origin_topic").is_none());
    }

    #[test]
    fn a_binary_body_is_base64_and_a_dead_letter_is_aimed_at_its_topic() {
        let mut m = sample("%DLQ%billing", 0, 3, 1_765_000_000_000);
        m.body = vec![0xff, 0x00, 0x41];
        m.reconsume_times = 17;
        m.properties = vec![
            ("ORIGIN_MESSAGE_ID".into(), "7F00AA".into()),
            ("RETRY_TOPIC".into(), "billing-events".into()),
        ];
        let v = m.replay_line();
        assert_eq!(v["topic"], "billing-events");
        assert_eq!(v["body_base64"], "/wBB");
        assert!(v.get("body").is_none());
        assert!(v.get("properties").is_none());
        let f = &v["fetched"];
        assert_eq!(f["source_topic"], "%DLQ%billing");
        assert_eq!(f["origin_topic"], "billing-events");
        assert_eq!(f["origin_msg_id"], "7F00AA");
        assert_eq!(f["reconsume_times"], 17);
        // A copy without RETRY_TOPIC stays where it is (replay refuses it).
        m.properties.clear();
        assert_eq!(m.target_topic(), "%DLQ%billing");
        // A delayed message not yet due is aimed at its own topic.
        let mut w = sample("SCHEDULE_TOPIC_XXXX", 0, 1, 1);
        w.properties = vec![("REAL_TOPIC".into(), "orders".into())];
        assert_eq!(w.replay_line()["topic"], "orders");
    }
}
