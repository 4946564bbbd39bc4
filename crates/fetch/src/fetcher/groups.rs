//! Consumer groups as the brokers count them: the group lens (every
//! broker's consume stats for the group, its retry and dead-letter depth)
//! and which groups consumed one stored message. Read-only, like the rest
//! of the fetcher: consume stats and topic stats are admin reads that move
//! no offset.

use anyhow::{Result, anyhow};
use rocketmq_client_rust::{ConsumerAdmin, TopicAdmin};

use super::{Broker, Fetcher, dlq_topic, reason, retry_topic};
use crate::answer::Completeness;
use crate::group::{ConsumedBy, Depth, GroupLens, QueueLag, consumption};
use crate::stored::{RETRY_PREFIX, Stored};

/// The group every admin pull goes as: it never commits, so it is no
/// consumer of anything.
const TOOLS_GROUP: &str = "TOOLS_CONSUMER";

impl Fetcher {
    /// The lens of `group`: per-queue lag of every topic it holds offsets
    /// for, on every broker of the cluster, and its retry and dead-letter
    /// depth. A broker that fails is in the completeness; a group with no
    /// offsets anywhere is an empty list (`GroupLens::no_offsets`).
    pub async fn group_lens(&self, group: &str) -> Result<GroupLens> {
        let mut lens = GroupLens {
            group: group.to_string(),
            ..Default::default()
        };
        let brokers = self.all_brokers().await?;
        if brokers.is_empty() {
            return Err(anyhow!("the name server knows no broker"));
        }
        for b in &brokers {
            lens.completeness.ask(&b.name);
            let stats = self
                .bounded(self.admin.examine_consume_stats(
                    self.wrap(group).into(),
                    None,
                    None,
                    Some(b.addr.clone().into()),
                    Some(self.timeout_ms()),
                ))
                .await;
            let stats = match stats {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    lens.completeness.refuse(&b.name, reason(&e));
                    continue;
                }
                Err(e) => {
                    lens.completeness.refuse(&b.name, format!("{e:#}"));
                    continue;
                }
            };
            lens.completeness.answer(&b.name);
            for (mq, o) in stats.get_offset_table() {
                let topic = self.unwrap(mq.topic().as_str());
                // The group's own retry queue is a row of its own.
                if topic.starts_with(RETRY_PREFIX) {
                    continue;
                }
                lens.queues.push(QueueLag {
                    topic,
                    broker: mq.broker_name().to_string(),
                    queue: mq.queue_id(),
                    broker_offset: o.get_broker_offset(),
                    consumer_offset: o.get_consumer_offset(),
                    last_ms: o.get_last_timestamp(),
                });
            }
        }
        lens.queues
            .sort_by(|a, b| (&a.topic, &a.broker, a.queue).cmp(&(&b.topic, &b.broker, b.queue)));
        lens.retry = self
            .depth(&retry_topic(group), &mut lens.completeness)
            .await?;
        lens.dlq = self
            .depth(&dlq_topic(group), &mut lens.completeness)
            .await?;
        // A group without offsets is said by `GroupLens::summary`.
        Ok(lens)
    }

    /// How many messages `topic` holds over its queues (max − min); a
    /// topic that does not exist has none.
    async fn depth(&self, topic: &str, completeness: &mut Completeness) -> Result<Depth> {
        let mut depth = Depth {
            topic: topic.to_string(),
            stored: None,
        };
        let Some(brokers) = self.route(topic).await? else {
            return Ok(depth);
        };
        let mut stored = 0;
        for b in &brokers {
            completeness.ask(&b.name);
            let stats = self
                .bounded(
                    self.admin
                        .examine_topic_stats(self.wrap(topic).into(), Some(b.addr.clone().into())),
                )
                .await;
            match stats {
                Ok(Ok(s)) => {
                    completeness.answer(&b.name);
                    stored += s
                        .get_offset_table()
                        .values()
                        .map(|o| (o.get_max_offset() - o.get_min_offset()).max(0))
                        .sum::<i64>();
                }
                Ok(Err(e)) => completeness.refuse(&b.name, format!("{topic}: {}", reason(&e))),
                Err(e) => completeness.refuse(&b.name, format!("{topic}: {e:#}")),
            }
        }
        depth.stored = Some(stored);
        Ok(depth)
    }

    /// Which groups consumed `m`: each group reading its topic, with its
    /// committed offset on the message's queue against the message's.
    pub async fn consumed_by(&self, m: &Stored) -> Result<ConsumedBy> {
        let mut answer = ConsumedBy {
            offset_msg_id: m.offset_msg_id.clone(),
            topic: m.topic.clone(),
            queue_offset: m.queue_offset,
            ..Default::default()
        };
        let brokers = self.route(&m.topic).await?.unwrap_or_default();
        let Some(b) = brokers.iter().find(|b| b.name == m.broker) else {
            return Err(anyhow!(
                "topic {} has no broker {} any more: the message's queue cannot be read",
                m.topic,
                m.broker
            ));
        };
        answer.completeness.ask(&b.name);
        let groups = self
            .bounded(
                self.admin
                    .query_topic_consume_by_who(self.wrap(&m.topic).into()),
            )
            .await?;
        let mut groups: Vec<String> = match groups {
            Ok(list) => list
                .group_list
                .iter()
                .map(|g| self.unwrap(g.as_str()))
                .filter(|g| g != TOOLS_GROUP)
                .collect(),
            Err(e) => {
                answer.completeness.refuse(&b.name, reason(&e));
                return Ok(answer);
            }
        };
        answer.completeness.answer(&b.name);
        groups.sort();
        groups.dedup();
        for g in groups {
            match self.offset_on(&g, m, b).await {
                Ok(offset) => answer.groups.push((g, consumption(offset, m.queue_offset))),
                Err(why) => answer
                    .completeness
                    .refuse(&format!("{} (group {g})", b.name), why),
            }
        }
        Ok(answer)
    }

    /// `group`'s committed offset on `m`'s queue, if it holds one.
    async fn offset_on(&self, group: &str, m: &Stored, b: &Broker) -> Result<Option<i64>, String> {
        let stats = self
            .bounded(self.admin.examine_consume_stats(
                self.wrap(group).into(),
                Some(self.wrap(&m.topic).into()),
                None,
                Some(b.addr.clone().into()),
                Some(self.timeout_ms()),
            ))
            .await
            .map_err(|e| format!("{e:#}"))?
            .map_err(|e| reason(&e))?;
        Ok(stats
            .get_offset_table()
            .iter()
            .find(|(mq, _)| mq.queue_id() == m.queue_id && mq.broker_name().as_str() == m.broker)
            .map(|(_, o)| o.get_consumer_offset()))
    }
}
