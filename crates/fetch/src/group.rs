//! A consumer group as the brokers count it, as plain data: its lag per
//! queue with the totals and the depth of its retry and dead-letter queues
//! (the group lens), and, for one stored message, which groups have
//! consumed it (their committed offset on its queue against its offset).
//! The broker calls that fill these live in `fetcher/groups.rs`.

use std::fmt;

use crate::answer::Completeness;

/// One queue the group consumes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueLag {
    pub topic: String,
    pub broker: String,
    pub queue: i32,
    /// The queue's next offset (what has been stored).
    pub broker_offset: i64,
    /// The group's committed offset: the next message it will consume.
    pub consumer_offset: i64,
    /// Store time of the last consumed message (epoch ms), 0 if none.
    pub last_ms: i64,
}

impl QueueLag {
    /// Messages stored and not yet consumed.
    pub fn lag(&self) -> i64 {
        (self.broker_offset - self.consumer_offset).max(0)
    }
}

/// A group's retry or dead-letter queue: how many messages it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Depth {
    pub topic: String,
    /// Messages stored (max − min offset over its queues); `None`: the
    /// topic does not exist (the broker creates it with its first message).
    pub stored: Option<i64>,
}

impl fmt::Display for Depth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stored {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("none (never created)"),
        }
    }
}

/// The group lens: what a group has left to consume, and what it gave up on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupLens {
    pub group: String,
    /// Its subscribed topics' queues, by topic, broker and queue.
    pub queues: Vec<QueueLag>,
    pub retry: Depth,
    pub dlq: Depth,
    pub completeness: Completeness,
}

impl GroupLens {
    pub fn total_lag(&self) -> i64 {
        self.queues.iter().map(QueueLag::lag).sum()
    }

    /// Whether no broker that answered holds an offset of the group: it
    /// does not exist, or has not committed anything yet.
    pub fn no_offsets(&self) -> bool {
        self.queues.is_empty()
    }

    /// `lag 12 over 8 queues of 2 topics; retry 3; DLQ 1` (the summary line).
    pub fn summary(&self) -> String {
        if self.no_offsets() {
            return format!(
                "group {} has no consumer offsets on the brokers that answered: it does not exist, or has not committed any yet; retry {}; DLQ {}",
                self.group, self.retry, self.dlq
            );
        }
        let mut topics: Vec<&str> = self.queues.iter().map(|q| q.topic.as_str()).collect();
        topics.dedup();
        format!(
            "lag {} over {} queue{} of {} topic{}; retry {}; DLQ {}",
            self.total_lag(),
            self.queues.len(),
            plural(self.queues.len()),
            topics.len(),
            plural(topics.len()),
            self.retry,
            self.dlq
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A consumer group name as the broker accepts one (RocketMQ's own rule:
/// at most 255 of letters, digits, `_`, `-`, `%`, `|`), said before asking.
pub fn check_group(g: &str) -> Result<(), String> {
    if g.is_empty() {
        return Err("type a consumer group".into());
    }
    if g.len() > 255 {
        return Err(format!(
            "a group name is at most 255 characters, this is {}",
            g.len()
        ));
    }
    match g
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '%' | '|')))
    {
        Some(c) => Err(format!(
            "a group name may only use letters, digits, `_`, `-`, `%` and `|`; found `{c}`"
        )),
        None => Ok(()),
    }
}

/// Where a group stands on one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumption {
    /// The group's offset on the queue is past the message.
    Consumed { offset: i64 },
    /// The group's offset has not reached it yet.
    NotYet { offset: i64 },
    /// The group holds no offset on this queue.
    NoOffset,
}

/// `consumer_offset` is the group's committed offset on the message's
/// queue (the next one it will consume), if it has one there.
pub fn consumption(consumer_offset: Option<i64>, queue_offset: i64) -> Consumption {
    match consumer_offset {
        None => Consumption::NoOffset,
        Some(offset) if offset > queue_offset => Consumption::Consumed { offset },
        Some(offset) => Consumption::NotYet { offset },
    }
}

/// Which groups consumed one stored message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumedBy {
    /// The message's offset id, so a late answer is not shown on another.
    pub offset_msg_id: String,
    pub topic: String,
    pub queue_offset: i64,
    /// Each group reading the topic, by name.
    pub groups: Vec<(String, Consumption)>,
    pub completeness: Completeness,
}

impl ConsumedBy {
    /// One line per group: `consumed by billing (offset 41 > 17)`.
    pub fn lines(&self) -> Vec<String> {
        if self.groups.is_empty() {
            return vec![format!(
                "no consumer group reads {} (none subscribed, none holds an offset)",
                self.topic
            )];
        }
        self.groups
            .iter()
            .map(|(g, c)| match c {
                Consumption::Consumed { offset } => {
                    format!("consumed by {g} (offset {offset} > {})", self.queue_offset)
                }
                Consumption::NotYet { offset } => format!("not yet by {g} (at {offset})"),
                Consumption::NoOffset => format!("{g}: no offset on this queue"),
            })
            .collect()
    }

    /// The `consumed_by` array of `fetch --consumed-by`: one object per
    /// group, `{"group", "state": "consumed" | "not_yet" | "no_offset",
    /// "offset"}` (the group's committed offset on the message's queue).
    pub fn to_json(&self) -> serde_json::Value {
        self.groups
            .iter()
            .map(|(g, c)| match c {
                Consumption::Consumed { offset } => {
                    serde_json::json!({"group": g, "state": "consumed", "offset": offset})
                }
                Consumption::NotYet { offset } => {
                    serde_json::json!({"group": g, "state": "not_yet", "offset": offset})
                }
                Consumption::NoOffset => serde_json::json!({"group": g, "state": "no_offset"}),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_has_consumed_a_message_once_its_offset_is_past_it() {
        assert_eq!(
            consumption(Some(18), 17),
            Consumption::Consumed { offset: 18 }
        );
        // The committed offset is the next to consume: equal is not yet.
        assert_eq!(
            consumption(Some(17), 17),
            Consumption::NotYet { offset: 17 }
        );
        assert_eq!(consumption(None, 17), Consumption::NoOffset);
    }

    #[test]
    fn the_lines_say_consumed_not_yet_and_no_offset() {
        let c = ConsumedBy {
            topic: "orders".into(),
            queue_offset: 17,
            groups: vec![
                ("billing".into(), Consumption::Consumed { offset: 41 }),
                ("audit".into(), Consumption::NotYet { offset: 12 }),
                ("late".into(), Consumption::NoOffset),
            ],
            ..Default::default()
        };
        assert_eq!(
            c.lines(),
            [
                "consumed by billing (offset 41 > 17)",
                "not yet by audit (at 12)",
                "late: no offset on this queue"
            ]
        );
        assert_eq!(
            c.to_json(),
            serde_json::json!([
                {"group": "billing", "state": "consumed", "offset": 41},
                {"group": "audit", "state": "not_yet", "offset": 12},
                {"group": "late", "state": "no_offset"}
            ])
        );
    }

    #[test]
    fn lag_never_goes_negative_and_the_summary_totals_it() {
        let q = |topic: &str, queue, b, c| QueueLag {
            topic: topic.into(),
            broker: "broker-a".into(),
            queue,
            broker_offset: b,
            consumer_offset: c,
            last_ms: 0,
        };
        let lens = GroupLens {
            group: "billing".into(),
            queues: vec![
                q("orders", 0, 10, 4),
                q("orders", 1, 5, 7),
                q("refunds", 0, 3, 0),
            ],
            retry: Depth {
                topic: "%RETRY%billing".into(),
                stored: Some(2),
            },
            dlq: Depth {
                topic: "%DLQ%billing".into(),
                stored: None,
            },
            ..Default::default()
        };
        assert_eq!(lens.queues[1].lag(), 0);
        assert_eq!(
            lens.summary(),
            "lag 9 over 3 queues of 2 topics; retry 2; DLQ none (never created)"
        );
        let empty = GroupLens {
            group: "ghost".into(),
            ..Default::default()
        };
        assert!(
            empty
                .summary()
                .starts_with("group ghost has no consumer offsets")
        );
    }
}
