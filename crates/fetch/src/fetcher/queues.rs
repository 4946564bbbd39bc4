//! Reads by queue position: one queue from an offset, the newest N of a
//! topic merged across its queues by store time (tail), new messages since
//! the last read (follow), and a group's dead-letter or retry queue. Pulls
//! go as `TOOLS_CONSUMER` with the commit flag off, so no group's offset
//! moves and no consumer shows up anywhere.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use rocketmq_client_rust::TopicAdmin;
use rocketmq_model::common::message::message_queue::MessageQueue;

use super::{Broker, Fetcher, Unusable, reason};
use crate::answer::{Answer, by_store_time, newest};
use crate::stored::Stored;

/// The most messages one pull asks for (the broker's own default cap).
const PULL_BATCH: i32 = 32;
/// The most pulls one queue read makes, whatever it was asked for.
const MAX_PULLS: usize = 64;
/// The most a tail or a group queue lists.
pub const MAX_LIST: usize = 1000;

/// Where a follow goes on from: the next offset of each queue.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    topic: String,
    tag: Option<String>,
    /// (broker name, queue id) → (broker address, next offset).
    next: BTreeMap<(String, i32), (String, i64)>,
}

impl Fetcher {
    pub(super) async fn at_position(
        &self,
        topic: &str,
        broker: Option<&str>,
        queue: i32,
        offset: i64,
        count: usize,
    ) -> Result<Answer> {
        let mut answer = Answer::default();
        let Some(brokers) = self.route_or_note(topic, &mut answer).await? else {
            return Ok(answer);
        };
        let b = match broker {
            Some(name) => brokers.iter().find(|b| b.name == name).ok_or_else(|| {
                anyhow!(Unusable(format!(
                    "topic {topic} has no broker {name} (brokers: {})",
                    names(&brokers)
                )))
            })?,
            None => match brokers.as_slice() {
                [only] => only,
                _ => {
                    return Err(anyhow!(Unusable(format!(
                        "topic {topic} is on {} brokers ({}): write {topic}@BROKER:{queue}:{offset}",
                        brokers.len(),
                        names(&brokers)
                    ))));
                }
            },
        };
        answer.completeness.ask(&b.name);
        answer.completeness.note(format!(
            "{topic} {} queue {queue} from offset {offset}",
            b.name
        ));
        match self.pull_range(topic, b, queue, offset, count, None).await {
            Ok((msgs, _next, bounds)) => {
                answer.completeness.answer(&b.name);
                if msgs.is_empty() {
                    answer.completeness.note(format!(
                        "nothing at offset {offset}: queue {queue} holds offsets {} to {}",
                        bounds.0,
                        bounds.1 - 1
                    ));
                }
                answer.messages = msgs;
            }
            Err(e) => answer.completeness.refuse(&b.name, e),
        }
        Ok(answer)
    }

    /// The newest `n` messages of `topic` across all its queues, oldest
    /// first, and where a follow goes on from. `tag` filters (a tag
    /// expression, `a || b`).
    pub async fn tail(&self, topic: &str, n: usize, tag: Option<&str>) -> Result<(Answer, Cursor)> {
        let n = n.min(MAX_LIST);
        let mut answer = Answer::default();
        let mut cursor = Cursor {
            topic: topic.to_string(),
            tag: tag.map(str::to_string),
            ..Default::default()
        };
        let Some(brokers) = self.route_or_note(topic, &mut answer).await? else {
            return Ok((answer, cursor));
        };
        let mut found = Vec::new();
        for b in &brokers {
            answer.completeness.ask(&b.name);
            let stats = match self
                .bounded(
                    self.admin
                        .examine_topic_stats(self.wrap(topic).into(), Some(b.addr.clone().into())),
                )
                .await
            {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    answer.completeness.refuse(&b.name, reason(&e));
                    continue;
                }
                Err(e) => {
                    answer.completeness.refuse(&b.name, format!("{e:#}"));
                    continue;
                }
            };
            let mut failed = None;
            let mut queues: Vec<(i32, i64, i64)> = stats
                .get_offset_table()
                .iter()
                .filter(|(mq, _)| mq.broker_name().as_str() == b.name)
                .map(|(mq, o)| (mq.queue_id(), o.get_min_offset(), o.get_max_offset()))
                .collect();
            queues.sort();
            for (queue, min, max) in queues {
                cursor
                    .next
                    .insert((b.name.clone(), queue), (b.addr.clone(), max));
                match self
                    .newest_of_queue(topic, b, queue, min, max, n, tag)
                    .await
                {
                    Ok(msgs) => found.extend(msgs),
                    Err(e) => failed = Some(format!("queue {queue}: {e}")),
                }
            }
            match failed {
                Some(e) => answer.completeness.refuse(&b.name, e),
                None => answer.completeness.answer(&b.name),
            }
        }
        answer.messages = newest(found, n);
        self.explain(&mut answer.completeness, Some(topic));
        Ok((answer, cursor))
    }

    /// Messages stored since the cursor, oldest first (at most `MAX_LIST`
    /// per call); the cursor moves past them.
    pub async fn follow(&self, cursor: &mut Cursor) -> Result<Answer> {
        let mut answer = Answer::default();
        let mut found = Vec::new();
        let topic = cursor.topic.clone();
        let tag = cursor.tag.clone();
        for ((name, queue), (addr, next)) in cursor.next.iter_mut() {
            answer.completeness.ask(name);
            let b = Broker {
                name: name.clone(),
                addr: addr.clone(),
            };
            match self
                .pull_range(&topic, &b, *queue, *next, MAX_LIST, tag.as_deref())
                .await
            {
                Ok((msgs, to, _)) => {
                    answer.completeness.answer(name);
                    *next = to;
                    found.extend(msgs);
                }
                Err(e) => answer.completeness.refuse(name, e),
            }
        }
        found.sort_by(by_store_time);
        answer.messages = found;
        self.explain(&mut answer.completeness, Some(&topic));
        Ok(answer)
    }

    /// A group's dead-letter or retry queue, newest `max` (default 100).
    /// No such topic means the group has none yet: empty, not an error.
    pub(super) async fn group_queue(&self, topic: &str, max: Option<usize>) -> Result<Answer> {
        if self.route(topic).await?.is_none() {
            let mut answer = Answer::default();
            answer.completeness.note(format!(
                "{topic} does not exist: the group has none (the broker creates it with the first message)"
            ));
            return Ok(answer);
        }
        let (mut answer, _) = self.tail(topic, max.unwrap_or(100), None).await?;
        answer
            .completeness
            .notes
            .insert(0, format!("{topic}: the newest, in store-time order"));
        Ok(answer)
    }

    /// The newest `n` of one queue (matching `tag` when given): reads
    /// backwards from its end in growing steps, a bounded number of times.
    #[allow(clippy::too_many_arguments)]
    async fn newest_of_queue(
        &self,
        topic: &str,
        b: &Broker,
        queue: i32,
        min: i64,
        max: i64,
        n: usize,
        tag: Option<&str>,
    ) -> Result<Vec<Stored>, String> {
        let mut out: Vec<Stored> = Vec::new();
        let mut end = max;
        let mut step = n as i64;
        for _ in 0..8 {
            if end <= min || out.len() >= n {
                break;
            }
            let start = (end - step).max(min);
            let (mut msgs, _, _) = self
                .pull_range(topic, b, queue, start, (end - start) as usize, tag)
                .await?;
            msgs.retain(|m| m.queue_offset < end);
            msgs.append(&mut out);
            out = msgs;
            end = start;
            step = step.saturating_mul(4);
        }
        let skip = out.len().saturating_sub(n);
        Ok(out.split_off(skip))
    }

    /// Up to `count` messages of one queue from `offset`, the offset after
    /// the last one read, and the queue's (min, max) offsets. A tag
    /// expression is filtered by the broker (by hash) and again here.
    async fn pull_range(
        &self,
        topic: &str,
        b: &Broker,
        queue: i32,
        offset: i64,
        count: usize,
        tag: Option<&str>,
    ) -> Result<(Vec<Stored>, i64, (i64, i64)), String> {
        let mq = MessageQueue::from_parts(self.wrap(topic), b.name.as_str(), queue);
        let expr = tag.unwrap_or("*");
        let wanted: Vec<&str> = expr.split("||").map(str::trim).collect();
        let mut out = Vec::new();
        let mut next = offset;
        let mut bounds = (0, 0);
        for _ in 0..MAX_PULLS {
            if out.len() >= count {
                break;
            }
            let ask = PULL_BATCH.min((count - out.len()) as i32).max(1);
            let result = self
                .bounded(self.admin.pull_message_from_queue(
                    &b.addr,
                    &mq,
                    expr,
                    next,
                    ask,
                    self.timeout_ms(),
                ))
                .await
                .map_err(|e| format!("{e:#}"))?
                .map_err(|e| reason(&e))?;
            bounds = (result.min_offset() as i64, result.max_offset() as i64);
            let msgs = result.msg_found_list().unwrap_or_default();
            let moved = result.next_begin_offset() as i64;
            for m in msgs {
                let s = self.stored(m, &b.name);
                if tag.is_none() || s.tag().is_some_and(|t| wanted.contains(&t)) {
                    out.push(s);
                }
            }
            // Nothing more (end of queue, or an offset outside it).
            if moved <= next || (msgs.is_empty() && moved >= bounds.1) {
                break;
            }
            next = moved;
        }
        if out.len() > count {
            out.truncate(count);
            next = out.last().map_or(next, |m| m.queue_offset + 1);
        }
        Ok((out, next, bounds))
    }
}

fn names(brokers: &[Broker]) -> String {
    brokers
        .iter()
        .map(|b| b.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
