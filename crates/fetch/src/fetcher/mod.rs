//! The `Fetcher`: its own admin client (own runtime scope, explicit
//! timeout, AccessKey/SecretKey signer when the profile has credentials),
//! started when the first lookup needs it and stopped with the session, and
//! the one entry point `fetch(&Request) -> Answer`. Read-only: it never
//! commits an offset and joins no consumer group (pulls go as
//! `TOOLS_CONSUMER`).
//!
//! Every call is bounded by the timeout, and every future it returns may be
//! dropped to cancel: nothing is left half-done, since nothing is written.

mod groups;
mod lookup;
mod queues;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use cheetah_string::CheetahString;
use rocketmq_client_rust::{
    AclClientRPCHook, ClientConfig, ClientError, ClientInstanceHandle, ClientRuntime,
    ClientRuntimeConfig, DefaultMQAdminExt, RouteAdmin, SessionCredentials, TopicAdmin,
};
use rocketmq_model::common::message::message_ext::MessageExt;
use rocketmq_runtime::ChildServiceContext;

use rmq_model::credentials::Credentials;

use crate::answer::{Answer, Completeness};
use crate::denied::{self, Asker, NO_PERMISSION};
use crate::id::Window;
use crate::locator::Locator;
use crate::stored::Stored;

pub use queues::Cursor;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// `host:port;host:port`.
    pub name_servers: String,
    /// ApsaraMQ instance namespace: the admin client does not add it, so
    /// the fetcher does (`NS%topic`) and strips it from what it shows.
    pub namespace: Option<String>,
    pub credentials: Option<Credentials>,
    /// Per request to a name server or broker.
    pub timeout: Duration,
    /// The profile's name, to say whose credential a broker refused.
    pub profile: String,
}

impl FetchSettings {
    pub fn new(name_servers: impl Into<String>) -> Self {
        Self {
            name_servers: name_servers.into(),
            namespace: None,
            credentials: None,
            timeout: Duration::from_secs(5),
            profile: "--namesrv".into(),
        }
    }
}

/// One lookup.
#[derive(Debug, Clone)]
pub struct Request {
    pub locator: Locator,
    /// The topic for keys, tags, unique keys and `QUEUE@OFFSET`; checked
    /// against what an offset id returns.
    pub topic: Option<String>,
    /// `--since/--until`; `None`: the locator's default (a day around a
    /// unique key's time, the last 3 days for keys and tags).
    pub window: Option<Window>,
    /// At most this many messages (a position reads this many from its
    /// offset, 1 when not given).
    pub max: Option<usize>,
}

/// A request that cannot be looked up as written, found out only once the
/// route is known (a queue position on a topic of several brokers, a
/// broker the topic does not have): bad input, not a failure. Callers tell
/// it apart with `anyhow::Error::downcast_ref::<Unusable>()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable(pub String);

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unusable {}

/// The broker's per-query caps: 64 messages per key or tag query
/// (`maxMsgsNumBatch`), 32 per unique-key query (`defaultQueryMaxNum`).
pub const KEY_CAP: usize = 64;
pub const UNIQUE_CAP: usize = 32;

/// The broker's response code for "no such topic".
const TOPIC_NOT_EXIST: i32 = 17;

pub struct Fetcher {
    runtime: Arc<ClientRuntime>,
    admin: DefaultMQAdminExt,
    /// Raw requests, for the index queries whose per-broker answers the
    /// admin API swallows (refusals, "index rebuilding").
    direct: ClientInstanceHandle,
    timeout: Duration,
    namespace: Option<String>,
    /// Whose credential signs the requests, for a refusal said plainly.
    asker: Asker,
}

impl Fetcher {
    /// Starts the client under `context` (a scope of its own: a client
    /// runtime closes the scope it was built in).
    pub async fn start(context: ChildServiceContext, settings: &FetchSettings) -> Result<Self> {
        let runtime = ClientRuntime::try_new(
            context,
            ClientRuntimeConfig::default(),
            rocketmq_observability::TelemetryHandle::noop(),
        )
        .map_err(|e| anyhow!(reason(&e)))
        .context("creating the RocketMQ client runtime")?;
        let hook = settings.credentials.as_ref().map(acl_hook);
        let mut admin = match &hook {
            Some(h) => DefaultMQAdminExt::with_rpc_hook_and_timeout(
                runtime.clone(),
                h.clone(),
                settings.timeout,
            ),
            None => DefaultMQAdminExt::with_timeout(runtime.clone(), settings.timeout),
        };
        // One client instance per fetcher, even with several in a process
        // (a console that switches profiles): the library refuses a second
        // configuration under a name or domain already in use.
        static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pid = u64::from(std::process::id());
        admin.set_namesrv_addr(settings.name_servers.as_str());
        admin
            .client_config_mut()
            .set_instance_name(format!("rmq-fetch-{pid}-{n}").into());
        let config = ClientConfig::builder()
            .namesrv_addr(settings.name_servers.clone())
            .build()
            .map_err(|e| anyhow!(reason(&e)))
            .context("client configuration")?;
        let direct = ClientInstanceHandle::get_or_create(
            &runtime,
            (pid << 20) | (n & 0xF_FFFF),
            config,
            hook.map(|h| h as Arc<rocketmq_client_rust::ClientRpcHook>),
        )
        .map_err(|e| anyhow!(reason(&e)))
        .context("creating the query client")?;
        let started = async {
            admin.start().await.map_err(|e| anyhow!(reason(&e)))?;
            direct.start().await.map_err(|e| anyhow!(reason(&e)))
        };
        if let Err(e) = started.await {
            let _ = runtime.shutdown().await;
            return Err(e.context("starting the fetch client"));
        }
        Ok(Self {
            runtime,
            admin,
            direct,
            timeout: settings.timeout,
            namespace: settings.namespace.clone().filter(|n| !n.is_empty()),
            asker: Asker {
                profile: settings.profile.clone(),
                access_key: settings.credentials.as_ref().map(|c| c.access_key.clone()),
            },
        })
    }

    pub async fn stop(mut self) {
        self.admin.shutdown().await;
        drop(self.direct);
        let _ = self.runtime.shutdown().await;
    }

    /// Looks `request` up. An `Err` is a failure of the whole lookup (no
    /// name server, a bad request); a broker that fails or refuses is in
    /// the answer's completeness instead.
    pub async fn fetch(&self, request: &Request) -> Result<Answer> {
        let mut answer = match &request.locator {
            Locator::Id { hex, forced } => self.by_id(hex, *forced, request).await?,
            Locator::Key(k) => self.by_index(k, "K", request).await?,
            Locator::Tag(t) => self.by_index(t, "T", request).await?,
            Locator::Position {
                topic,
                broker,
                queue,
                offset,
            } => {
                let topic = topic
                    .as_deref()
                    .or(request.topic.as_deref())
                    .ok_or_else(|| {
                        anyhow!(Unusable(
                            "QUEUE@OFFSET needs --topic (or write TOPIC@BROKER:QUEUE:OFFSET)"
                                .into()
                        ))
                    })?;
                self.at_position(
                    topic,
                    broker.as_deref(),
                    *queue,
                    *offset,
                    request.max.unwrap_or(1),
                )
                .await?
            }
            Locator::Dlq(g) => self.group_queue(&dlq_topic(g), request.max).await?,
            Locator::Retry(g) => self.group_queue(&retry_topic(g), request.max).await?,
        };
        answer.dedup();
        let topic = match &request.locator {
            Locator::Position { topic: Some(t), .. } => Some(t.clone()),
            Locator::Dlq(g) => Some(dlq_topic(g)),
            Locator::Retry(g) => Some(retry_topic(g)),
            _ => request.topic.clone(),
        };
        self.explain(&mut answer.completeness, topic.as_deref());
        if let Some(max) = request.max
            && answer.messages.len() > max
        {
            let cut = answer.messages.len() - max;
            answer.messages.drain(..cut);
            answer
                .completeness
                .note(format!("{cut} older messages left out by --max {max}"));
        }
        Ok(answer)
    }

    /// Says the brokers' code-16 refusals plainly, once (the first
    /// explanation of an answer stays).
    fn explain(&self, c: &mut Completeness, topic: Option<&str>) {
        if c.denied.is_none() {
            c.denied = denied::explain(&self.asker, topic, &c.refused);
        }
    }

    /// `NS%topic` on an instance with a namespace (system topics and the
    /// group queues carry it after their prefix).
    fn wrap(&self, topic: &str) -> String {
        let Some(ns) = &self.namespace else {
            return topic.to_string();
        };
        for prefix in [crate::stored::DLQ_PREFIX, crate::stored::RETRY_PREFIX] {
            if let Some(group) = topic.strip_prefix(prefix) {
                return format!("{prefix}{ns}%{group}");
            }
        }
        format!("{ns}%{topic}")
    }

    /// The topic as the operator knows it.
    fn unwrap(&self, topic: &str) -> String {
        let Some(ns) = &self.namespace else {
            return topic.to_string();
        };
        let with = format!("{ns}%");
        for prefix in [crate::stored::DLQ_PREFIX, crate::stored::RETRY_PREFIX] {
            if let Some(rest) = topic.strip_prefix(prefix) {
                return format!("{prefix}{}", rest.strip_prefix(&with).unwrap_or(rest));
            }
        }
        topic.strip_prefix(&with).unwrap_or(topic).to_string()
    }

    /// `route`, with a topic that does not exist said in `answer` (nothing
    /// can be found in it: not an error).
    async fn route_or_note(&self, topic: &str, answer: &mut Answer) -> Result<Option<Vec<Broker>>> {
        let route = self.route(topic).await?;
        if route.is_none() {
            answer
                .completeness
                .note(format!("topic {topic} does not exist"));
        }
        Ok(route)
    }

    /// The brokers (name, master address) serving `topic`, by name; `None`
    /// when the topic does not exist.
    async fn route(&self, topic: &str) -> Result<Option<Vec<Broker>>> {
        let route = self
            .bounded(self.admin.examine_topic_route_info(self.wrap(topic).into()))
            .await;
        let route = match route {
            Ok(Ok(Some(r))) => r,
            Ok(Ok(None)) => return Ok(None),
            Ok(Err(e)) if e.broker_response_code() == Some(TOPIC_NOT_EXIST) => return Ok(None),
            Ok(Err(e)) => {
                return Err(anyhow!(reason(&e)))
                    .with_context(|| format!("reading the route of {topic}"));
            }
            Err(e) => return Err(e).with_context(|| format!("reading the route of {topic}")),
        };
        let mut brokers: Vec<Broker> = route
            .broker_datas
            .iter()
            .filter_map(|b| {
                Some(Broker {
                    name: b.broker_name().to_string(),
                    addr: master(b)?,
                })
            })
            .collect();
        brokers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(brokers))
    }

    /// Every broker of the cluster(s) the name server knows.
    async fn all_brokers(&self) -> Result<Vec<Broker>> {
        let info = self
            .bounded(self.admin.examine_broker_cluster_info())
            .await?
            .map_err(|e| anyhow!(reason(&e)))
            .context("reading the cluster's brokers")?;
        let mut brokers: Vec<Broker> = info
            .broker_addr_table
            .unwrap_or_default()
            .values()
            .filter_map(|b| {
                Some(Broker {
                    name: b.broker_name().to_string(),
                    addr: master(b)?,
                })
            })
            .collect();
        brokers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(brokers)
    }

    /// `f` within twice the request timeout: the library bounds its own
    /// requests, this bounds whatever it does around them.
    async fn bounded<T>(&self, f: impl Future<Output = T>) -> Result<T> {
        tokio::time::timeout(self.timeout * 2 + Duration::from_secs(1), f)
            .await
            .map_err(|_| anyhow!("no answer within {:?}", self.timeout * 2))
    }

    fn timeout_ms(&self) -> u64 {
        u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX)
    }

    /// Our plain copy of a library message, stored on `broker`.
    fn stored(&self, m: &MessageExt, broker: &str) -> Stored {
        let mut properties: Vec<(String, String)> = m
            .properties()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        properties.sort();
        if self.namespace.is_some() {
            for (k, v) in &mut properties {
                if k == "RETRY_TOPIC" {
                    *v = self.unwrap(v);
                }
            }
        }
        Stored {
            topic: self.unwrap(m.topic().as_str()),
            broker: broker.to_string(),
            queue_id: m.queue_id(),
            queue_offset: m.queue_offset(),
            commit_log_offset: m.commit_log_offset(),
            offset_msg_id: m.msg_id().to_string(),
            store_ms: m.store_timestamp(),
            born_ms: m.born_timestamp(),
            born_host: m.born_host().to_string(),
            store_host: m.store_host().to_string(),
            reconsume_times: m.reconsume_times(),
            sys_flag: m.sys_flag(),
            properties,
            body: m.body().map(|b| b.to_vec()).unwrap_or_default(),
        }
    }
}

/// A broker of a route.
#[derive(Debug, Clone)]
struct Broker {
    name: String,
    addr: String,
}

/// The master's address (id 0), else any replica's: reads work on both.
fn master(b: &rocketmq_protocol::protocol::route::route_data_view::BrokerData) -> Option<String> {
    let addrs = b.broker_addrs();
    addrs
        .get(&0)
        .or_else(|| addrs.iter().min_by_key(|(id, _)| **id).map(|(_, a)| a))
        .map(|a| a.to_string())
}

pub fn dlq_topic(group: &str) -> String {
    format!("{}{group}", crate::stored::DLQ_PREFIX)
}

pub fn retry_topic(group: &str) -> String {
    format!("{}{group}", crate::stored::RETRY_PREFIX)
}

fn acl_hook(creds: &Credentials) -> Arc<AclClientRPCHook> {
    let session = match &creds.security_token {
        Some(token) => SessionCredentials::with_token(
            creds.access_key.clone(),
            creds.secret_key.clone(),
            token.clone(),
        ),
        None => SessionCredentials::with_keys(creds.access_key.clone(), creds.secret_key.clone()),
    };
    Arc::new(AclClientRPCHook::new(session))
}

/// What went wrong, for the operator: known broker codes spelled out (a
/// code-16 refusal in the form `denied` finds), then the library's cause
/// chain.
fn reason(error: &ClientError) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    // The library appends a help line with a link to every broker error;
    // one line, without it, is what the operator reads.
    let detail = parts
        .join(": ")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" ");
    // Some paths carry the broker's code only in the text (`CODE: 16`).
    let code = error.broker_response_code().or_else(|| code_in(&detail));
    match code {
        Some(NO_PERMISSION) => denied::no_permission(&detail),
        Some(TOPIC_NOT_EXIST) => format!("topic does not exist [{detail}]"),
        _ => detail,
    }
}

/// The broker's response code as the library's text gives it (`CODE: 16`).
fn code_in(text: &str) -> Option<i32> {
    let rest = &text[text.find("CODE: ")? + 6..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `"response code N: remark"` of a broker's refusal.
fn refusal(code: i32, remark: Option<&CheetahString>) -> String {
    let text = remark.map(|r| r.to_string()).unwrap_or_default();
    match code {
        // The same code says "wrong credentials" and "not allowed to read":
        // `denied` tells them apart.
        NO_PERMISSION => denied::no_permission(&text),
        _ if text.is_empty() => format!("refused (response code {code})"),
        _ => format!("{text} (response code {code})"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_code_is_read_from_the_text_when_the_library_keeps_it_there() {
        assert_eq!(
            super::code_in("Argument is invalid: CODE: 16  DESC: x"),
            Some(16)
        );
        assert_eq!(super::code_in("connection refused"), None);
        let r = super::refusal(16, Some(&"Authentication credentials are invalid".into()));
        assert_eq!(
            r,
            "refused, no permission (code 16): Authentication credentials are invalid"
        );
        assert_eq!(
            crate::denied::broker_text(&r),
            Some("Authentication credentials are invalid")
        );
    }
}
