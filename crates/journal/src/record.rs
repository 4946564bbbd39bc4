//! One journal record: the message as it was sent (body as text, or base64
//! when it is not UTF-8), the profile's name (never its credentials), the
//! mode and send options, the outcome and its moments. Also what the send
//! path hands the writer (`Entry`), which is turned into a record on the
//! writer's thread so the send path only moves pointers.

use std::sync::Arc;

use base64::Engine as _;
use chrono::SecondsFormat;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use rmq_model::ahead::Ahead;
use rmq_model::message::{Completion, Draft, Mode, Outcome, SendStatus, Seq};

/// The send options a record keeps (what changes how a send behaves; no
/// endpoint secrets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub send_timeout_ms: u64,
    pub retry_times: u32,
    pub async_inflight: usize,
}

/// What the send path hands the journal: cheap to build (the draft is
/// shared, the rest is small).
#[derive(Debug, Clone)]
pub struct Entry {
    pub completion: Completion,
    pub draft: Option<Arc<Draft>>,
    pub profile: Arc<str>,
    pub options: Options,
    /// The record this send replayed, when it is a resend or a replay.
    pub source: Option<String>,
    /// A transaction's decision as the send ended (none for other types).
    pub tx: Option<TxDecision>,
}

/// How a transaction was decided, and by whom: `"the send"` (the message's
/// own `tx commit`, or `--transaction`), `"policy (commit)"`, `"operator"`,
/// or the reason it was left unknown (`"shutdown (left unknown)"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxDecision {
    pub choice: rmq_model::types::TxChoice,
    pub by: String,
}

impl TxDecision {
    /// The record's `decision`: `commit`, `rollback`, `unknown` (the
    /// broker's check-backs decide it later), or `unknown-at-shutdown`
    /// (nobody was left to decide it).
    pub fn name(&self) -> String {
        use rmq_model::types::TxChoice;
        match self.choice {
            // The producer task says "shutdown …", the console "… at quit".
            TxChoice::Unknown
                if self.by.starts_with("shutdown") || self.by.contains(" at quit") =>
            {
                "unknown-at-shutdown".into()
            }
            c => c.to_string(),
        }
    }
}

/// One line of the journal. Also the superset of a replay-file line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `<session>-<seq>`: unique across processes and runs.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub profile: String,
    #[serde(with = "mode_text")]
    pub mode: Mode,
    pub seq: Seq,
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "properties_object"
    )]
    pub properties: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    /// The message type in the composer's type-row syntax (`fifo KEY`,
    /// `delay 3`, `delay 90000ms`, `delay at 2026-11-25T16:00:00+00:00`,
    /// `tx commit`, `batch 5`); absent for a normal message.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The size of the batch this message went out in. A batch member's
    /// record has no `type`: each record is one message, so replaying the
    /// journal sends the same messages (one by one) rather than a batch per
    /// member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
    pub options: Options,
    /// `submitted` (written before the send left: its outcome is not known
    /// yet, or never will be if the process died), then the outcome:
    /// acknowledged, failed, dispatched or unresolved; or `withdrawn`
    /// (written ahead, then never handed to the client). A send may have
    /// several records with one `id`: the last one is its state
    /// (`fold::latest`).
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_msg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// A transaction's decision (`TxDecision::name`), or `undecided` when
    /// the send ended before anything decided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Who decided the transaction (`TxDecision::by`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_code: Option<i32>,
    /// RFC 3339 with milliseconds, local offset.
    pub submitted_at: String,
    /// When the outcome was known; empty (absent) while it is not.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub completed_at: String,
    /// Async only: the callback moment (the same as `completed_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_at: Option<String>,
    pub latency_ms: f64,
}

/// A message type as the composer's type row writes it (and
/// `types::parse_spec` reads it back exactly); `None` for normal.
pub fn spec_of(kind: &rmq_model::message::MessageType) -> Option<String> {
    use rmq_model::message::{Delay, MessageType};
    Some(match kind {
        MessageType::Normal => return None,
        MessageType::Fifo { sharding_key } => format!("fifo {sharding_key}"),
        MessageType::Delayed(Delay::Level(n)) => format!("delay {n}"),
        MessageType::Delayed(Delay::In(d)) => format!("delay {}ms", d.as_millis()),
        MessageType::Delayed(Delay::At(t)) => {
            format!(
                "delay at {}",
                t.to_rfc3339_opts(SecondsFormat::Millis, false)
            )
        }
        MessageType::Transaction { decide: None } => "tx".into(),
        MessageType::Transaction { decide: Some(c) } => format!("tx {c}"),
        MessageType::Batch { size } => format!("batch {size}"),
    })
}

pub fn state_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Acknowledged(_) => "acknowledged",
        Outcome::Failed(_) => "failed",
        Outcome::Dispatched => "dispatched",
        Outcome::Unresolved => "unresolved",
    }
}

fn at(t: &chrono::DateTime<chrono::Local>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// `(body, body_base64)`: text when the bytes are UTF-8, base64 otherwise.
pub fn encode_body(bytes: &[u8]) -> (Option<String>, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Some(s.to_string()), None),
        Err(_) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
        ),
    }
}

impl Record {
    /// The broker's status as recorded; `None` when the send was not
    /// acknowledged (or the name is one this build does not know).
    pub fn send_status(&self) -> Option<SendStatus> {
        self.status.as_deref()?.parse().ok()
    }

    pub fn from_entry(e: &Entry, id: String) -> Self {
        let c = &e.completion;
        let empty = Draft::default();
        let d = e.draft.as_deref().unwrap_or(&empty);
        let mut r = Record::of_message(
            id,
            d,
            c.mode,
            c.seq,
            &e.profile,
            e.options.clone(),
            state_name(&c.outcome),
            &c.submitted_at,
        );
        r.source = e.source.clone();
        r.completed_at = at(&c.completed_at);
        r.callback_at = (c.mode == Mode::Async).then(|| at(&c.completed_at));
        r.latency_ms = rmq_model::message::millis(c.latency);
        match &e.tx {
            Some(t) => {
                r.decision = Some(t.name());
                r.decided_by = Some(t.by.clone());
            }
            None if d.kind.is_transaction() => r.decision = Some("undecided".into()),
            None => {}
        }
        match &c.outcome {
            Outcome::Acknowledged(rc) => {
                r.status = Some(rc.status.as_str().to_string());
                r.msg_id = Some(rc.msg_id.as_str().to_owned());
                r.offset_msg_id = Some(rc.offset_msg_id.as_str().to_owned());
                r.broker = Some(rc.broker.as_str().to_owned());
                r.queue_id = Some(rc.queue_id);
                r.queue_offset = Some(rc.queue_offset);
                r.transaction_id = rc.transaction_id.clone();
            }
            Outcome::Failed(f) => {
                r.error = Some(f.reason.clone());
                r.broker_code = f.code;
            }
            Outcome::Dispatched | Outcome::Unresolved => {}
        }
        r
    }

    /// A send's record before its outcome: `submitted` (written ahead) or
    /// `withdrawn` (written ahead, never handed to the client).
    pub fn ahead(a: &Ahead, state: &str, profile: &str, options: Options, id: String) -> Self {
        Record::of_message(id, &a.draft, a.mode, a.seq, profile, options, state, &a.at)
    }

    /// The message part of a record, with no outcome yet.
    #[allow(clippy::too_many_arguments)]
    fn of_message(
        id: String,
        d: &Draft,
        mode: Mode,
        seq: Seq,
        profile: &str,
        options: Options,
        state: &str,
        submitted_at: &chrono::DateTime<chrono::Local>,
    ) -> Self {
        let (body, body_base64) = encode_body(&d.body);
        Record {
            id,
            source: None,
            profile: profile.to_string(),
            mode,
            seq,
            topic: d.topic.clone(),
            tag: d.tag.clone(),
            keys: d.keys.clone(),
            properties: d.properties.clone(),
            body,
            body_base64,
            kind: match d.kind {
                rmq_model::message::MessageType::Batch { .. } => None,
                _ => spec_of(&d.kind),
            },
            batch: match d.kind {
                rmq_model::message::MessageType::Batch { size } => Some(size),
                _ => None,
            },
            options,
            state: state.into(),
            status: None,
            msg_id: None,
            offset_msg_id: None,
            broker: None,
            queue_id: None,
            queue_offset: None,
            transaction_id: None,
            decision: None,
            decided_by: None,
            error: None,
            broker_code: None,
            submitted_at: at(submitted_at),
            completed_at: String::new(),
            callback_at: None,
            latency_ms: 0.0,
        }
    }

    /// Whether this record is a send's last word (it has an outcome).
    pub fn has_outcome(&self) -> bool {
        !matches!(self.state.as_str(), "submitted" | "withdrawn")
    }

    /// The body's bytes (decoding base64 when that is how it was kept).
    pub fn body_bytes(&self) -> Option<Vec<u8>> {
        match (&self.body, &self.body_base64) {
            (Some(b), _) => Some(b.as_bytes().to_vec()),
            (None, Some(b)) => base64::engine::general_purpose::STANDARD.decode(b).ok(),
            (None, None) => None,
        }
    }

    /// The message of this record, as a draft (for the composer or a resend).
    pub fn draft(&self) -> Draft {
        Draft {
            // Written by `spec_of`, so it parses; a hand-edited one that
            // does not is a normal message here (replay validates it).
            kind: self
                .kind
                .as_deref()
                .and_then(|k| rmq_model::types::parse_spec(k, chrono::Local::now()).ok())
                .unwrap_or_default(),
            topic: self.topic.clone(),
            tag: self.tag.clone(),
            keys: self.keys.clone(),
            properties: self.properties.clone(),
            body: self.body_bytes().unwrap_or_default(),
        }
    }

    /// Whether the send ended the way its mode promises.
    pub fn succeeded(&self) -> bool {
        match self.mode {
            Mode::Oneway => self.state == "dispatched",
            _ => self.state == "acknowledged" && self.send_status().is_some_and(SendStatus::is_ok),
        }
    }
}

/// `Mode` as its lowercase name (the CLI's spelling, `one-way` accepted).
pub mod mode_text {
    use super::*;

    pub fn serialize<S: Serializer>(m: &Mode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Mode, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Properties as a JSON object (`{"k": "v"}`); reading also takes an array
/// of `[k, v]` pairs, which keeps order and repeated names.
pub mod properties_object {
    use serde::de::Error as _;
    use serde::ser::SerializeMap;

    use super::*;

    pub fn serialize<S: Serializer>(p: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(p.len()))?;
        for (k, v) in p {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        d.deserialize_any(Props)
    }

    /// Reads an object in file order (a `Value` would sort the names).
    struct Props;

    impl<'de> serde::de::Visitor<'de> for Props {
        type Value = Vec<(String, String)>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of string values or a list of [name, value] pairs")
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = m.next_entry::<String, serde_json::Value>()? {
                let v = v.as_str().map(str::to_string).ok_or_else(|| {
                    A::Error::custom(format!("property `{k}` must be a string, found {v}"))
                })?;
                out.push((k, v));
            }
            Ok(out)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut s: A,
        ) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(v) = s.next_element::<serde_json::Value>()? {
                items.push(v);
            }
            from_value(&serde_json::Value::Array(items)).map_err(A::Error::custom)
        }
    }

    pub fn from_value(v: &serde_json::Value) -> Result<Vec<(String, String)>, String> {
        let text = |v: &serde_json::Value, k: &str| -> Result<String, String> {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("property `{k}` must be a string, found {v}"))
        };
        match v {
            serde_json::Value::Object(m) => m
                .iter()
                .map(|(k, v)| Ok((k.clone(), text(v, k)?)))
                .collect(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| match item.as_array().map(Vec::as_slice) {
                    Some([k, v]) => {
                        let k = k.as_str().ok_or("a property name must be a string")?;
                        Ok((k.to_string(), text(v, k)?))
                    }
                    _ => Err(format!("a property pair is [name, value], found {item}")),
                })
                .collect(),
            serde_json::Value::Null => Ok(Vec::new()),
            other => Err(format!(
                "properties must be an object or a list of [name, value] pairs, found {other}"
            )),
        }
    }
}
