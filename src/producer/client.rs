//! Glue to rocketmq-client-rust: building the one producer from
//! `ProducerSettings`, turning a `Draft` into a library `Message`, turning
//! the library's results and errors into our `Receipt` and `Failure`, and the
//! three send calls the producer task makes (`Sender`).

use std::sync::Arc;

use anyhow::{Context, Result};
use cheetah_string::CheetahString;
use rocketmq_client_rust::{
    AclClientRPCHook, ClientConfig, ClientError, ClientRuntime, ClientRuntimeConfig,
    DefaultMQProducer, SessionCredentials,
};
use rocketmq_model::common::message::MessageTrait;
use rocketmq_model::common::message::message_single::Message;
use rocketmq_model::result::SendResult;
use rocketmq_runtime::ChildServiceContext;

use super::ProducerSettings;
use crate::message::{Draft, Failure, Receipt};

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
    let mut config = ClientConfig::builder().namesrv_addr(settings.name_servers.clone());
    if let Some(ns) = settings.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        config = config.namespace(ns);
    }
    let mut builder = DefaultMQProducer::builder(runtime.clone())
        .client_config(
            config
                .build()
                .map_err(|e| anyhow::anyhow!(describe_error(&e).reason))
                .context("client configuration")?,
        )
        .producer_group(settings.producer_group.clone())
        .name_server_addr(settings.name_servers.clone())
        .send_msg_timeout(timeout_ms)
        .retry_times_when_send_failed(settings.retry_times_sync)
        .retry_times_when_send_async_failed(settings.retry_times_async)
        .retry_another_broker_when_not_store_ok(settings.retry_another_broker)
        .max_message_size(u32::try_from(settings.max_message_bytes).unwrap_or(u32::MAX));
    if let Some(creds) = &settings.credentials {
        let session = match &creds.security_token {
            Some(token) => SessionCredentials::with_token(
                creds.access_key.clone(),
                creds.secret_key.clone(),
                token.clone(),
            ),
            None => {
                SessionCredentials::with_keys(creds.access_key.clone(), creds.secret_key.clone())
            }
        };
        builder = builder.rpc_hook(Arc::new(AclClientRPCHook::new(session)));
    }
    Ok((runtime, builder.build()))
}

/// The library message for a draft. Reserved property names are refused here
/// too (the composer refuses them earlier), so a typo cannot silently change
/// how the broker treats the message.
pub fn to_message(draft: &Draft) -> Result<Message> {
    let mut msg = Message::builder()
        .topic(draft.topic.as_str())
        .body_slice(&draft.body)
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

pub(super) fn receipt(result: &SendResult) -> Receipt {
    let (broker, queue_id) = result
        .message_queue
        .as_ref()
        .map(|mq| (mq.broker_name().to_string(), mq.queue_id()))
        .unwrap_or_default();
    Receipt {
        status: format!("{:?}", result.send_status),
        msg_id: result
            .msg_id
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        offset_msg_id: result.offset_msg_id.clone().unwrap_or_default(),
        broker,
        queue_id,
        queue_offset: result.queue_offset,
        // The library fills this with the msgId for plain messages; it only
        // means something for transactional ones.
        transaction_id: result
            .transaction_id
            .clone()
            .filter(|t| result.msg_id.as_deref() != Some(t.as_str())),
        region_id: result.region_id.clone(),
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
        Some(17) => "topic does not exist on the broker".to_string(),
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
    Failure { reason, code }
}

/// How a send that reached the client ended: the broker's receipt, or why not.
pub(super) type Answer = Result<Receipt, Failure>;

/// The client calls the producer task makes. Two implementations: the
/// RocketMQ producer, and in unit tests a scripted double, so that the task's
/// accounting (panics, shutdown, the async lane) is testable without a broker.
pub(super) enum Sender {
    Rocket(DefaultMQProducer),
    #[cfg(test)]
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
            #[cfg(test)]
            Sender::Double(d) => d.oneway(draft).await,
        }
    }

    /// Returns when the broker answered (or the timeout passed).
    pub(super) async fn sync(&self, draft: &Draft, timeout_ms: u64) -> Answer {
        match self {
            Sender::Rocket(p) => match p.send_with_timeout(message(draft)?, timeout_ms).await {
                Ok(Some(r)) => Ok(receipt(&r)),
                Ok(None) => Err(Failure {
                    reason: "the client returned no send result".into(),
                    code: None,
                }),
                Err(e) => Err(describe_error(&e)),
            },
            #[cfg(test)]
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
            #[cfg(test)]
            Sender::Double(d) => d.submit_async(draft, callback),
        }
    }

    pub(super) async fn shutdown(&mut self) {
        match self {
            Sender::Rocket(p) => p.shutdown().await,
            #[cfg(test)]
            Sender::Double(_) => {}
        }
    }
}

fn message(draft: &Draft) -> Result<Message, Failure> {
    to_message(draft).map_err(|e| Failure {
        reason: format!("{e:#}"),
        code: None,
    })
}
