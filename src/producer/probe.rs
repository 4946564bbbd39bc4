//! Reads a topic's queue max offsets with a short-lived producer: the only
//! way to know how many one-way messages landed, since the broker never
//! answers them.

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
