//! Reads a topic's queue max offsets with a short-lived producer: the only
//! way to know how many one-way messages landed, since the broker never
//! answers them.

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use rocketmq_runtime::ChildServiceContext;

use super::ProducerSettings;
use super::client::{build, describe_error};

/// Sum of the max offsets of the topic's queues; 0 when the topic has no
/// route yet (it is created on the first send).
pub async fn topic_max_offsets(
    context: ChildServiceContext,
    settings: &ProducerSettings,
    topic: &str,
) -> Result<i64> {
    let mut settings = settings.clone();
    settings.producer_group = format!("{}-probe", settings.producer_group);
    let (runtime, mut producer) = build(context, &settings)?;
    let result = async {
        producer
            .start()
            .await
            .map_err(|e| anyhow!(describe_error(&e).reason))?;
        let queues = match producer.fetch_publish_message_queues(topic).await {
            Ok(q) => q,
            Err(e) => {
                tracing::debug!(error = %e, topic, "no route yet; counting 0");
                return Ok(0);
            }
        };
        let mut total = 0i64;
        for mq in &queues {
            total += producer
                .max_offset(mq)
                .await
                .map_err(|e| anyhow!(describe_error(&e).reason))?;
        }
        Ok(total)
    }
    .await;
    producer.shutdown().await;
    let _ = runtime.shutdown().await;
    result
}

/// Re-reads the topic's max offsets until they stop moving (three equal
/// reads 200 ms apart), at most 10 s: one-way requests may still be queued
/// in the connection when the last send returns.
pub async fn settled_topic_offsets(
    context: &ChildServiceContext,
    settings: &ProducerSettings,
    topic: &str,
) -> Result<i64> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = None;
    let mut same = 0;
    loop {
        // Each read gets its own scope: shutting a client runtime down
        // closes the scope it was built in.
        let now = match topic_max_offsets(context.component("read"), settings, topic).await {
            Ok(n) => n,
            // Right after a one-way flood the broker answers "busy" (code 2)
            // for a while; that is a reason to read again, not to give up.
            Err(e) if Instant::now() < deadline => {
                tracing::debug!(error = %format!("{e:#}"), "offset read failed; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        if last == Some(now) {
            same += 1;
        } else {
            same = 0;
        }
        last = Some(now);
        if same >= 2 || Instant::now() >= deadline {
            return Ok(now);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
