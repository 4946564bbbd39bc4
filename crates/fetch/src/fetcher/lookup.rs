//! Lookups through the broker's index and by offset id: a unique key, a key
//! or a tag asked of every broker of the topic one by one (so that each
//! broker's refusal and cap is kept, and hash collisions are filtered out),
//! and an offset id viewed on the broker it names, checked on return.

use anyhow::{Result, anyhow};
use chrono::{Local, Utc};
use rocketmq_client_rust::ConsumerAdmin;
use rocketmq_protocol::code::RequestCode;
use rocketmq_protocol::protocol::header::query_message_request_header::QueryMessageRequestHeader;
use rocketmq_protocol::protocol::remoting_command::RemotingCommand;

use super::{Fetcher, KEY_CAP, Request, UNIQUE_CAP, reason, refusal};
use crate::answer::{Answer, by_store_time};
use crate::id::{self, Classified, OffsetId, UniqueId, Window};
use crate::locator::IdKind;
use crate::window::DEFAULT_SINCE;

/// The broker's "nothing in the index for this".
const QUERY_NOT_FOUND: i32 = 22;
/// The broker's answer for a view of an offset it has nothing at.
const SYSTEM_ERROR: i32 = 1;

impl Fetcher {
    pub(super) async fn by_id(
        &self,
        hex: &str,
        forced: Option<IdKind>,
        request: &Request,
    ) -> Result<Answer> {
        let classified =
            id::classify(hex, forced, Local::now()).map_err(|e| anyhow!(super::Unusable(e)))?;
        // What it was taken to be is `Request::check`'s to say.
        match classified {
            Classified::Offset(o) => self.by_offset_id(hex, &o, request).await,
            Classified::Unique(u) => self.by_unique_key(hex, &u, request).await,
        }
    }

    async fn by_offset_id(&self, hex: &str, o: &OffsetId, request: &Request) -> Result<Answer> {
        let mut answer = Answer::default();
        let brokers = match request.topic.as_deref() {
            Some(t) => match self.route_or_note(t, &mut answer).await? {
                Some(b) => b,
                None => return Ok(answer),
            },
            None => self.all_brokers().await?,
        };
        let pairs: Vec<(String, String)> = brokers
            .iter()
            .map(|b| (b.name.clone(), b.addr.clone()))
            .collect();
        let Some((name, _)) = id::broker_of(o, &pairs) else {
            let known = pairs
                .iter()
                .map(|(n, a)| format!("{n} {a}"))
                .collect::<Vec<_>>()
                .join(", ");
            let of = match request.topic.as_deref() {
                Some(t) => format!("topic {t}'s brokers"),
                None => "the cluster's brokers".into(),
            };
            answer.completeness.note(format!(
                "not asked: its store host {} is none of {of} ({known}); behind NAT the store host may differ from the route address; if it is a unique key, write uniq:{hex}",
                o.store_host
            ));
            return Ok(answer);
        };
        answer.completeness.ask(name);
        let topic = request
            .topic
            .as_deref()
            .map(|t| self.wrap(t))
            .unwrap_or_default();
        let viewed = self
            .bounded(
                self.admin
                    .query_message(Default::default(), topic.clone().into(), hex.into()),
            )
            .await?;
        let m = match viewed {
            Ok(m) => m,
            Err(e)
                if e.broker_response_code() == Some(SYSTEM_ERROR)
                    || reason(&e).contains("can not find message by offset") =>
            {
                answer.completeness.answer(name);
                answer.completeness.note(format!(
                    "{name} has no message at commit-log offset {}: {}",
                    o.commit_log_offset,
                    reason(&e)
                ));
                return Ok(answer);
            }
            Err(e) => {
                answer.completeness.refuse(name, reason(&e));
                return Ok(answer);
            }
        };
        answer.completeness.answer(name);
        // The broker reads only the offset: on the wrong broker it returns
        // whatever is stored there, which is not the message asked for.
        if !m.msg_id().as_str().eq_ignore_ascii_case(hex) {
            answer.completeness.note(format!(
                "refused: {name} returned message {} at that offset, not {hex}",
                m.msg_id()
            ));
            return Ok(answer);
        }
        let stored = self.stored(&m, name);
        if !topic.is_empty() && stored.is_waiting() && stored.target_topic() == self.unwrap(&topic)
        {
            answer.completeness.note(format!(
                "{hex} is the delayed copy still waiting in {} for {}: shown as stored; once due, its unique key finds the delivered one",
                stored.topic,
                stored.target_topic()
            ));
            answer.messages.push(stored);
            return Ok(answer);
        }
        if !topic.is_empty() && m.topic().as_str() != topic {
            answer.completeness.note(format!(
                "refused: {hex} is stored in topic {}, not {}",
                self.unwrap(m.topic().as_str()),
                self.unwrap(&topic)
            ));
            return Ok(answer);
        }
        answer.messages.push(stored);
        Ok(answer)
    }

    async fn by_unique_key(&self, hex: &str, u: &UniqueId, request: &Request) -> Result<Answer> {
        let topic = needs_topic(request, "a unique key")?;
        let (window, explicit) = match &request.window {
            Some(w) => (w.clone(), true),
            None => (id::unique_window(u, Utc::now()), false),
        };
        let mut answer = self
            .query_index(topic, hex, "U", &window, request.max)
            .await?;
        if answer.messages.is_empty()
            && !explicit
            && window.note.is_none()
            && !answer.completeness.is_partial()
        {
            // The id's month may be an earlier one than the decoder took.
            let wide = id::wide_window(
                Utc::now(),
                format!(
                    "nothing a day around ≈ {}; the id's time repeats every month, so searched the last {} days",
                    u.created.with_timezone(&Local).format("%Y-%m-%d %H:%M"),
                    id::WIDE_DAYS
                ),
            );
            answer = self
                .query_index(topic, hex, "U", &wide, request.max)
                .await?;
        }
        Ok(answer)
    }

    /// A key (`K`) or a tag (`T`) of the topic.
    pub(super) async fn by_index(
        &self,
        key: &str,
        kind: &str,
        request: &Request,
    ) -> Result<Answer> {
        let what = if kind == "T" { "a tag" } else { "a key" };
        let topic = needs_topic(request, what)?;
        let window = match &request.window {
            Some(w) => w.clone(),
            None => crate::window::window(None, None, DEFAULT_SINCE, Local::now())
                .map_err(|e| anyhow!(e))?,
        };
        let mut answer = self
            .query_index(topic, key, kind, &window, request.max)
            .await?;
        let taken = if kind == "T" { "tag" } else { "key" };
        answer.completeness.notes.insert(
            0,
            format!("{taken} {key} in topic {topic}, {}", shown(&window)),
        );
        Ok(answer)
    }

    /// Asks every broker of `topic` for `key` in index `kind` (`K`, `T`,
    /// `U`) within `window`, keeping each broker's answer: found (capped or
    /// not), nothing, or its refusal text. Only messages of the topic whose
    /// key, tag or unique key is `key` are kept (the index is a hash).
    async fn query_index(
        &self,
        topic: &str,
        key: &str,
        kind: &str,
        window: &Window,
        max: Option<usize>,
    ) -> Result<Answer> {
        let mut answer = Answer::default();
        if let Some(note) = &window.note {
            answer.completeness.note(note.clone());
        }
        let Some(brokers) = self.route_or_note(topic, &mut answer).await? else {
            return Ok(answer);
        };
        let unique = kind == "U";
        let cap = if unique { UNIQUE_CAP } else { KEY_CAP };
        let asked = max.map_or(cap, |m| m.clamp(1, cap));
        let wrapped = self.wrap(topic);
        for b in &brokers {
            answer.completeness.ask(&b.name);
            let header = QueryMessageRequestHeader {
                topic: wrapped.clone().into(),
                key: key.into(),
                max_num: asked as i32,
                begin_timestamp: window.begin_ms,
                end_timestamp: window.end_ms,
                index_type: Some(kind.into()),
                last_key: None,
                topic_request_header: None,
            };
            let mut request =
                RemotingCommand::create_request_command(RequestCode::QueryMessage, header);
            if unique {
                request.ensure_ext_fields_initialized();
                request.add_ext_field(
                    rocketmq_model::common::mix_all::UNIQUE_MSG_QUERY_FLAG,
                    "true",
                );
            }
            let response = match self
                .bounded(self.direct.invoke_remoting(
                    &b.addr.clone().into(),
                    request,
                    self.timeout_ms(),
                ))
                .await
            {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    answer.completeness.refuse(&b.name, reason(&e));
                    continue;
                }
                Err(e) => {
                    answer.completeness.refuse(&b.name, format!("{e:#}"));
                    continue;
                }
            };
            match response.code() {
                0 => {
                    answer.completeness.answer(&b.name);
                    let Some(body) = response.body() else {
                        continue;
                    };
                    let mut body = body.clone();
                    let found = rocketmq_protocol::common::message::message_decoder::decodes_batch(
                        &mut body, true, true,
                    );
                    if found.len() >= asked {
                        answer.completeness.cap(&b.name, asked);
                    }
                    for m in &found {
                        let s = self.stored(m, &b.name);
                        let matches = s.topic == topic
                            && match kind {
                                "K" => s.keys().contains(&key),
                                "T" => s.tag() == Some(key),
                                _ => s.uniq_key() == Some(key),
                            };
                        if matches {
                            answer.messages.push(s);
                        }
                    }
                }
                QUERY_NOT_FOUND => answer.completeness.answer(&b.name),
                code => answer
                    .completeness
                    .refuse(&b.name, refusal(code, response.remark())),
            }
        }
        answer.messages.sort_by(by_store_time);
        Ok(answer)
    }
}

fn needs_topic<'a>(request: &'a Request, what: &str) -> Result<&'a str> {
    request.topic.as_deref().ok_or_else(|| {
        anyhow!(super::Unusable(format!(
            "{what} is looked up in one topic's index: give --topic"
        )))
    })
}

/// `2026-12-03 12:00 → 2026-12-06 12:05`.
fn shown(w: &Window) -> String {
    use chrono::TimeZone;
    let t = |ms| {
        Local
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| ms.to_string())
    };
    format!("{} → {}", t(w.begin_ms), t(w.end_ms))
}
