//! Glue to rocketmq-client-rust: building the one producer from
//! `ProducerSettings`, turning a `Draft` into a library `Message`, turning
//! the library's results and errors into our `Receipt` and `Failure`, and the
//! three send calls the producer task makes (`Sender`).

use std::sync::Arc;

use chrono::Utc;

use anyhow::{Context, Result};
use cheetah_string::CheetahString;
use rocketmq_client_rust::{
    AclClientRPCHook, ClientConfig, ClientError, ClientRuntime, ClientRuntimeConfig,
    DefaultMQProducer, SessionCredentials,
};
use rocketmq_model::common::message::MessageTrait;
use rocketmq_model::common::message::message_queue::MessageQueue;
use rocketmq_model::common::message::message_single::Message;
use rocketmq_model::result::SendResult;
use rocketmq_runtime::ChildServiceContext;

use super::ProducerSettings;
use rmq_model::message::{Draft, Failure, Receipt, SendStatus, ShortStr};
use rmq_model::types::{Delay, MessageType};

/// The broker's response code for a send to a topic it does not have.
pub(super) const TOPIC_NOT_EXIST: i32 = 17;

/// Creates a client runtime under `context` and a configured (not yet
/// started) producer on it.
pub(super) fn build(
    context: ChildServiceContext,
    settings: &ProducerSettings,
) -> Result<(Arc<ClientRuntime>, DefaultMQProducer)> {
    let runtime = ClientRuntime::try_new(
        context,
        ClientRuntimeConfig::default(),
        rocketmq_observability::TelemetryHandle::noop(),
    )
    .map_err(|e| anyhow::anyhow!(describe_error(&e).reason))
    .context("creating the RocketMQ client runtime")?;
    let timeout_ms = u32::try_from(settings.send_timeout.as_millis()).unwrap_or(u32::MAX);
    let mut builder = DefaultMQProducer::builder(runtime.clone())
        .client_config(client_config(settings)?)
        .producer_group(settings.producer_group.clone())
        .name_server_addr(settings.name_servers.clone())
        .send_msg_timeout(timeout_ms)
        .retry_times_when_send_failed(settings.retry_times_sync)
        .retry_times_when_send_async_failed(settings.retry_times_async)
        .retry_another_broker_when_not_store_ok(settings.retry_another_broker)
        .max_message_size(u32::try_from(settings.max_message_bytes).unwrap_or(u32::MAX));
    if let Some(hook) = acl_hook(settings) {
        builder = builder.rpc_hook(hook);
    }
    Ok((runtime, builder.build()))
}

/// The client configuration every producer of a session shares.
pub(super) fn client_config(settings: &ProducerSettings) -> Result<ClientConfig> {
    let mut config = ClientConfig::builder().namesrv_addr(settings.name_servers.clone());
    if let Some(ns) = settings.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        config = config.namespace(ns);
    }
    config
        .build()
        .map_err(|e| anyhow::anyhow!(describe_error(&e).reason))
        .context("client configuration")
}

/// The AccessKey/SecretKey signer, when the profile has credentials.
pub(super) fn acl_hook(settings: &ProducerSettings) -> Option<Arc<AclClientRPCHook>> {
    let creds = settings.credentials.as_ref()?;
    let session = match &creds.security_token {
        Some(token) => SessionCredentials::with_token(
            creds.access_key.clone(),
            creds.secret_key.clone(),
            token.clone(),
        ),
        None => SessionCredentials::with_keys(creds.access_key.clone(), creds.secret_key.clone()),
    };
    Some(Arc::new(AclClientRPCHook::new(session)))
}

/// The library message for a draft. Reserved property names are refused here
/// too (the composer refuses them earlier), so a typo cannot silently change
/// how the broker treats the message.
pub fn to_message(draft: &Draft) -> Result<Message> {
    let mut builder = Message::builder()
        .topic(draft.topic.as_str())
        .body_slice(&draft.body);
    // The 1.0 broker honours the `DELAY` level and the timer properties
    // (`TIMER_DELIVER_MS` and friends); `__STARTDELIVERTIME` is only read by
    // the client, never by the broker, so it is not used.
    if let MessageType::Delayed(delay) = &draft.kind {
        builder = match *delay {
            Delay::Level(n) => builder.delay_level(i32::from(n)),
            Delay::In(d) => builder.deliver_time_ms(
                u64::try_from(Utc::now().timestamp_millis()).unwrap_or_default()
                    + u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 2),
            ),
            Delay::At(at) => {
                builder.deliver_time_ms(u64::try_from(at.timestamp_millis()).unwrap_or_default())
            }
        };
    }
    let mut msg = builder
        .build()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("building the message")?;
    if let Some(tag) = draft.tag.as_deref().filter(|t| !t.is_empty()) {
        msg.set_tags(CheetahString::from(tag));
    }
    if !draft.keys.is_empty() {
        // RocketMQ stores several keys as one space-separated property.
        msg.set_keys(CheetahString::from(draft.keys.join(" ")));
    }
    for (k, v) in &draft.properties {
        msg.put_user_property(
            CheetahString::from(k.as_str()),
            CheetahString::from(v.as_str()),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("property `{k}`"))?;
    }
    Ok(msg)
}

fn send_status(s: rocketmq_model::result::SendStatus) -> SendStatus {
    use rocketmq_model::result::SendStatus as Lib;
    match s {
        Lib::SendOk => SendStatus::SendOk,
        Lib::FlushDiskTimeout => SendStatus::FlushDiskTimeout,
        Lib::FlushSlaveTimeout => SendStatus::FlushSlaveTimeout,
        Lib::SlaveNotAvailable => SendStatus::SlaveNotAvailable,
    }
}

/// Our receipt of the library's result, copied inline: the two message
/// ids into `ShortStr`s, the broker's name and the region into inline
/// `CheetahString`s. No allocation of its own and none of the library's
/// shared: the receipt is dropped on the console's reader thread, and
/// memory freed there slows the allocations of the thread that made it
/// (docs/performance.md). The transaction id is copied, only when it is
/// kept.
pub(super) fn receipt(result: &SendResult) -> Receipt {
    let (broker, queue_id) = result
        .message_queue
        .as_ref()
        .map(|mq| {
            (
                CheetahString::from(mq.broker_name().as_str()),
                mq.queue_id(),
            )
        })
        .unwrap_or_default();
    Receipt {
        status: send_status(result.send_status),
        msg_id: result
            .msg_id
            .as_deref()
            .map(ShortStr::new)
            .unwrap_or_default(),
        offset_msg_id: result
            .offset_msg_id
            .as_deref()
            .map(ShortStr::new)
            .unwrap_or_default(),
        broker,
        queue_id,
        queue_offset: result.queue_offset,
        // The library fills this with the msgId for plain messages; it only
        // means something for transactional ones.
        transaction_id: result
            .transaction_id
            .as_deref()
            .filter(|t| result.msg_id.as_deref() != Some(*t))
            .map(str::to_owned),
        region_id: result.region_id.as_deref().map(CheetahString::from),
    }
}

/// A failure an operator can act on. The library's `Display` is a code plus a
/// generic text and hides what the broker said, so known broker codes are
/// spelled out and the cause chain is appended.
pub fn describe_error(error: &ClientError) -> Failure {
    let code = error.broker_response_code();
    let mut reason = match code {
        Some(16) => {
            "authentication failed: the broker refused the credentials (no permission)".to_string()
        }
        Some(TOPIC_NOT_EXIST) => "topic does not exist on the broker".to_string(),
        Some(c) => format!("broker refused the send (response code {c})"),
        None => String::new(),
    };
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    let detail = parts.join(": ");
    if reason.is_empty() {
        reason = detail;
    } else {
        reason = format!("{reason} [{detail}]");
    }
    if let Some(addr) = error.broker_addr() {
        reason.push_str(&format!(" (broker {addr})"));
    }
    Failure {
        reason: name_type_mismatch(reason),
        code,
    }
}

/// ApsaraMQ gives each topic one message type (normal, FIFO, delay,
/// transaction) and refuses sends of another; its text ("message type not
/// match") does not say what to do about it.
pub(crate) fn name_type_mismatch(reason: String) -> String {
    let lower = reason.to_ascii_lowercase();
    let about_type = lower.contains("message type") || lower.contains("messagetype");
    let mismatch = [
        "not match",
        "mismatch",
        "does not match",
        "not matched",
        "conflict",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if about_type && mismatch {
        format!(
            "the topic's message type does not match this send: ApsaraMQ gives each topic one \
             type (normal, FIFO, delay or transaction); send this type to a topic created for \
             it [{reason}]"
        )
    } else {
        reason
    }
}

/// How a send that reached the client ended: the broker's receipt, or why not.
pub(super) type Answer = Result<Receipt, Failure>;

/// The client calls the producer task makes. Two implementations: the
/// RocketMQ producer, and in unit tests a scripted double, so that the task's
/// accounting (panics, shutdown, the async lane) is testable without a broker.
pub(super) enum Sender {
    Rocket(DefaultMQProducer),
    #[cfg(any(test, feature = "fixtures"))]
    Double(super::double::Double),
}

impl Sender {
    /// Returns when the request was written; the broker never answers.
    pub(super) async fn oneway(&self, draft: &Draft) -> Result<(), Failure> {
        match self {
            Sender::Rocket(p) => p
                .send_oneway(message(draft)?)
                .await
                .map_err(|e| describe_error(&e)),
            #[cfg(any(test, feature = "fixtures"))]
            Sender::Double(d) => d.oneway(draft).await,
        }
    }

    /// Returns when the broker answered (or the timeout passed). A FIFO
    /// send the broker refused with "topic does not exist" is tried once
    /// more within the same timeout: the library retries a plain send
    /// itself but never a selector send, and a broker that creates a topic
    /// on its first send can refuse that send while it does (seen once in
    /// CI, three FIFO senders on a new topic). Code 17 is answered before
    /// anything is stored, so the second try cannot store a duplicate.
    pub(super) async fn sync(&self, draft: &Draft, timeout_ms: u64) -> Answer {
        // Only a FIFO send may be tried twice, so only it reads the clock.
        let started = matches!(draft.kind, MessageType::Fifo { .. }).then(std::time::Instant::now);
        let first = self.sync_once(draft, timeout_ms).await;
        let refused_for_topic = matches!(&first, Err(f) if f.code == Some(TOPIC_NOT_EXIST));
        let Some(started) = started.filter(|_| refused_for_topic) else {
            return first;
        };
        let spent = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let Some(left) = timeout_ms.checked_sub(spent).filter(|&left| left > 0) else {
            return first;
        };
        tracing::info!(topic = %draft.topic, "FIFO send refused with code 17; trying once more");
        self.sync_once(draft, left).await.map_err(|mut f| {
            if f.code == Some(TOPIC_NOT_EXIST) {
                f.reason.push_str(" (tried twice)");
            }
            f
        })
    }

    async fn sync_once(&self, draft: &Draft, timeout_ms: u64) -> Answer {
        match self {
            Sender::Rocket(p) => match match fifo_key(draft) {
                Some(key) => {
                    p.send_with_selector_timeout(message(draft)?, select_queue, key, timeout_ms)
                        .await
                }
                None => p.send_with_timeout(message(draft)?, timeout_ms).await,
            } {
                Ok(Some(r)) => Ok(receipt(&r)),
                Ok(None) => Err(Failure {
                    reason: "the client returned no send result".into(),
                    code: None,
                }),
                Err(e) => Err(describe_error(&e)),
            },
            #[cfg(any(test, feature = "fixtures"))]
            Sender::Double(d) => d.sync(draft).await,
        }
    }

    /// Hands an async send to the client; `callback` gets the answer later.
    /// An error means the client refused the send, and the callback may
    /// still be called: the caller makes sure only one of the two counts.
    pub(super) async fn submit_async(
        &self,
        draft: &Draft,
        timeout_ms: u64,
        callback: impl Fn(Answer) + Send + Sync + 'static,
    ) -> Result<(), Failure> {
        match self {
            Sender::Rocket(p) => {
                let msg = message(draft)?;
                let callback = move |r: Option<&SendResult>, e: Option<&ClientError>| {
                    callback(match (r, e) {
                        (Some(r), _) => Ok(receipt(r)),
                        (None, Some(e)) => Err(describe_error(e)),
                        (None, None) => Err(Failure {
                            reason: "callback carried neither result nor error".into(),
                            code: None,
                        }),
                    })
                };
                p.send_with_callback_timeout(msg, callback, timeout_ms)
                    .await
                    .map_err(|e| describe_error(&e))
            }
            #[cfg(any(test, feature = "fixtures"))]
            Sender::Double(d) => d.submit_async(draft, callback),
        }
    }

    /// A batch of the draft's copies in one request; one receipt per message.
    pub(super) async fn batch(
        &self,
        draft: &Draft,
        timeout_ms: u64,
    ) -> Result<Vec<Receipt>, Failure> {
        let size = draft.kind.messages();
        match self {
            Sender::Rocket(p) => {
                let msgs = (0..size)
                    .map(|_| message(draft))
                    .collect::<Result<Vec<_>, _>>()?;
                let r = p
                    .send_batch_with_timeout(msgs, timeout_ms)
                    .await
                    .map_err(|e| describe_error(&e))?;
                batch_receipts(&r, size)
            }
            #[cfg(any(test, feature = "fixtures"))]
            Sender::Double(d) => {
                let one = d.sync(draft).await?;
                Ok((0..size)
                    .map(|i| Receipt {
                        queue_offset: one.queue_offset + i,
                        ..one.clone()
                    })
                    .collect())
            }
        }
    }

    pub(super) async fn shutdown(&mut self) {
        match self {
            Sender::Rocket(p) => p.shutdown().await,
            #[cfg(any(test, feature = "fixtures"))]
            Sender::Double(_) => {}
        }
    }
}

pub(super) fn message(draft: &Draft) -> Result<Message, Failure> {
    to_message(draft).map_err(|e| Failure {
        reason: format!("{e:#}"),
        code: None,
    })
}

/// The sharding key of a FIFO draft.
fn fifo_key(draft: &Draft) -> Option<String> {
    match &draft.kind {
        MessageType::Fifo { sharding_key } => Some(sharding_key.clone()),
        _ => None,
    }
}

/// The queue selector for FIFO sends: the key's stable hash over the
/// topic's queues, in (broker, queue id) order so that the order the route
/// lists them in does not matter.
// `&String`: the library passes the selector's argument as `&T`.
#[allow(clippy::ptr_arg)]
fn select_queue(queues: &[MessageQueue], _msg: &Message, key: &String) -> Option<MessageQueue> {
    let mut sorted: Vec<&MessageQueue> = queues.iter().collect();
    sorted.sort_by(|a, b| (a.broker_name(), a.queue_id()).cmp(&(b.broker_name(), b.queue_id())));
    sorted
        .get(rmq_model::types::shard(key, sorted.len()))
        .map(|q| (*q).clone())
}

/// One receipt per message of a batch: the broker answers once, with every
/// message's unique key joined by commas, one queue, and the first message's
/// queue offset (the batch's messages are stored one after the other).
pub(super) fn batch_receipts(r: &SendResult, size: u64) -> Result<Vec<Receipt>, Failure> {
    let first = receipt(r);
    let ids: Vec<&str> = first.msg_id.as_str().split(',').collect();
    let offset_ids: Vec<&str> = first.offset_msg_id.split(',').collect();
    if ids.len() as u64 != size {
        return Err(Failure {
            reason: format!(
                "the broker stored a batch but answered with {} message ids for {size} messages",
                ids.len()
            ),
            code: None,
        });
    }
    Ok(ids
        .iter()
        .enumerate()
        .map(|(i, id)| Receipt {
            msg_id: ShortStr::new(id),
            offset_msg_id: offset_ids
                .get(i)
                .or(offset_ids.first())
                .map(|s| ShortStr::new(s))
                .unwrap_or_default(),
            queue_offset: first.queue_offset + i as u64,
            // For a batch the library puts the batch's own unique key here
            // (the UNIQ_KEY the 1.0 broker stores on every message of it);
            // it is no transaction.
            transaction_id: None,
            ..first.clone()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_type_mismatch_says_what_it_means() {
        let text = name_type_mismatch(
            "broker refused the send (response code 13) [the topic [Orders] message type not match]"
                .into(),
        );
        assert!(
            text.starts_with("the topic's message type does not match this send: ApsaraMQ"),
            "{text}"
        );
        assert!(text.ends_with("message type not match]]"), "{text}");
        let other = "topic does not exist on the broker".to_string();
        assert_eq!(name_type_mismatch(other.clone()), other);
    }

    /// The receipt's strings are held inline; what it says is the
    /// library's result, whole.
    #[test]
    fn a_receipt_says_what_the_library_answered() {
        let r = SendResult {
            msg_id: Some("7F0000010A8C18B4AAC2176B8AF30000".into()),
            offset_msg_id: Some("7F00000100002A9F0000000000000100".into()),
            transaction_id: Some("TX-1".into()),
            region_id: Some("DefaultRegion".into()),
            queue_offset: 42,
            ..Default::default()
        };
        let receipt = receipt(&r);
        assert_eq!(receipt.msg_id, "7F0000010A8C18B4AAC2176B8AF30000");
        assert_eq!(receipt.offset_msg_id, "7F00000100002A9F0000000000000100");
        assert_eq!(receipt.region_id.as_deref(), Some("DefaultRegion"));
        assert_eq!(receipt.transaction_id.as_deref(), Some("TX-1"));
        assert_eq!(receipt.queue_offset, 42);
    }

    #[test]
    fn a_batch_answer_becomes_one_receipt_per_message() {
        let r = SendResult {
            msg_id: Some("A,B,C".into()),
            offset_msg_id: Some("OA,OB,OC".into()),
            queue_offset: 7,
            ..Default::default()
        };
        let rs = batch_receipts(&r, 3).unwrap();
        assert_eq!(
            rs.iter()
                .map(|r| (r.msg_id.as_str(), r.offset_msg_id.as_str(), r.queue_offset))
                .collect::<Vec<_>>(),
            [("A", "OA", 7), ("B", "OB", 8), ("C", "OC", 9)]
        );
        assert!(
            batch_receipts(&r, 4)
                .unwrap_err()
                .reason
                .contains("3 message ids for 4")
        );
    }
}
