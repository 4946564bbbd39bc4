//! Reads a topic's queue max offsets with a second, short-lived producer:
//! the only way to know how many one-way messages landed, since the broker
//! never answers them. (The session's producer cannot do it: offset queries
//! need `&mut`, and it is shared by the sends in flight.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use rocketmq_client_rust::{ClientRuntime, DefaultMQProducer};
use rocketmq_runtime::ChildServiceContext;

use super::ProducerSettings;
use super::client::{build, describe_error};

/// One started producer for any number of offset reads; `stop` shuts it
/// down (a client runtime closes the scope it was built in, so each probe
/// needs a scope of its own).
pub struct OffsetProbe {
    runtime: Arc<ClientRuntime>,
    producer: DefaultMQProducer,
}

impl OffsetProbe {
    pub async fn start(context: ChildServiceContext, settings: &ProducerSettings) -> Result<Self> {
        let mut settings = settings.clone();
        settings.producer_group = format!("{}-probe", settings.producer_group);
        let (runtime, mut producer) = build(context, &settings)?;
        if let Err(e) = producer.start().await {
            let _ = runtime.shutdown().await;
            return Err(anyhow!(describe_error(&e).reason));
        }
        Ok(Self { runtime, producer })
    }

    /// Sum of the max offsets of the topic's queues. With `absent_is_zero`
    /// (before a burst: the topic is created by its first send), a topic the
    /// name server has no route for counts 0. Any other failed route lookup
    /// (the name server down, a timeout) is an error, never 0: counted as 0
    /// after a burst, it made `--verify` report every message lost when it
    /// could not count at all.
    pub async fn topic_max_offsets(&mut self, topic: &str, absent_is_zero: bool) -> Result<i64> {
        let queues = match self.producer.fetch_publish_message_queues(topic).await {
            Ok(q) => q,
            Err(e) => {
                // The error's own text is generic; its sources say why.
                let why = describe_error(&e).reason;
                if absent_is_zero && no_route(&why) {
                    tracing::debug!(error = %why, topic, "no route yet; counting 0");
                    return Ok(0);
                }
                return Err(anyhow!("looking up the route of {topic}: {why}"));
            }
        };
        let mut total = 0i64;
        for mq in &queues {
            total += self
                .producer
                .max_offset(mq)
                .await
                .map_err(|e| anyhow!(describe_error(&e).reason))?;
        }
        Ok(total)
    }

    /// Re-reads until the offsets stop moving (three equal reads 200 ms
    /// apart), at most 10 s: one-way requests may still be queued in the
    /// connection when the last send returns.
    pub async fn settled_topic_offsets(&mut self, topic: &str) -> Result<i64> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = None;
        let mut same = 0;
        loop {
            let now = match self.topic_max_offsets(topic, false).await {
                Ok(n) => n,
                // Right after a one-way flood the broker answers "busy"
                // (code 2) for a while; that is a reason to read again.
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

    pub async fn stop(mut self) {
        self.producer.shutdown().await;
        let _ = self.runtime.shutdown().await;
    }
}

/// The client library's words for a topic the name server answered it has
/// no route for (`TopicNotExist`, or a route without queues to publish to):
/// it gives that error no code, so its text is what tells it from a name
/// server that did not answer.
fn no_route(error: &str) -> bool {
    error.contains("Can not find Message Queue for this topic")
}

#[cfg(test)]
mod tests {
    use super::no_route;

    #[test]
    fn only_a_missing_route_counts_as_no_topic_yet() {
        // As `describe_error` words it (the library's sources joined).
        assert!(no_route(
            "core.argument.invalid: Argument is invalid: Unknow why, Can not find Message \
             Queue for this topic, orders\nFor more information, please visit the url, …"
        ));
        assert!(!no_route("transport.connection.failed: Connection refused"));
        assert!(!no_route("timed out after 3000 ms"));
    }
}
