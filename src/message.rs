//! The message model shared by the console, the headless CLI and the producer
//! task: what the operator composes (`Draft`), how it is sent (`Mode`), and how
//! each send ends (`Outcome`). Pure data, no I/O.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Local};
use serde::{Deserialize, Serialize};

/// Local sequence number of one send; unique within a process.
pub type Seq = u64;

/// RocketMQ's transmission modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Sync,
    Async,
    Oneway,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Sync, Mode::Async, Mode::Oneway];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sync => "sync",
            Mode::Async => "async",
            Mode::Oneway => "oneway",
        }
    }

    /// Label for screens.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Sync => "Sync",
            Mode::Async => "Async",
            Mode::Oneway => "One-way",
        }
    }

    /// One line on what the mode guarantees, shown next to the mode bar.
    pub fn guarantee(self) -> &'static str {
        match self {
            Mode::Sync => "waits for the broker's ack: status, msgId, queue and offset",
            Mode::Async => "returns at once; a callback later reports ack or exception",
            Mode::Oneway => "fire and forget: no ack, delivery is not verified",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Mode::Sync => 0,
            Mode::Async => 1,
            Mode::Oneway => 2,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sync" => Ok(Mode::Sync),
            "async" => Ok(Mode::Async),
            "oneway" | "one-way" => Ok(Mode::Oneway),
            other => Err(format!(
                "unknown mode `{other}` (expected sync, async or oneway)"
            )),
        }
    }
}

/// A message as the operator composed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// User properties in the order the operator wrote them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<(String, String)>,
    #[serde(with = "body_serde")]
    pub body: Vec<u8>,
}

impl Draft {
    /// First key, for compact log lines.
    pub fn first_key(&self) -> Option<&str> {
        self.keys.first().map(String::as_str)
    }
}

/// Bodies are bytes; in JSON they are a UTF-8 string when they are valid
/// UTF-8 (the common case, readable in journals) and base64-free hex otherwise.
mod body_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(body) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.serialize_str(&format!("hex:{}", super::hex(body))),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        if let Some(hex) = text.strip_prefix("hex:") {
            super::unhex(hex).ok_or_else(|| serde::de::Error::custom("invalid hex body"))
        } else {
            Ok(text.into_bytes())
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What the broker said about a stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// SendOk, FlushDiskTimeout, FlushSlaveTimeout or SlaveNotAvailable.
    pub status: String,
    /// The client-side unique key (`UNIQ_KEY`), what RocketMQ calls msgId.
    pub msg_id: String,
    /// Store host + commit log offset, assigned by the broker.
    pub offset_msg_id: String,
    pub broker: String,
    pub queue_id: i32,
    pub queue_offset: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<String>,
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub reason: String,
    /// The broker's response code when the broker answered (16: no permission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
}

/// How one send ended; exactly one per sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Outcome {
    Acknowledged(Receipt),
    Failed(Failure),
    /// One-way: handed to the connection; the broker never answers.
    Dispatched,
    /// Still in flight when the producer shut down.
    Unresolved,
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Acknowledged(_) => "OK",
            Outcome::Failed(_) => "FAILED",
            Outcome::Dispatched => "DISPATCHED",
            Outcome::Unresolved => "UNRESOLVED",
        }
    }

    /// Whether this is the end state the mode promises when all goes well.
    pub fn is_expected_for(&self, mode: Mode) -> bool {
        match (mode, self) {
            (Mode::Sync | Mode::Async, Outcome::Acknowledged(r)) => r.status == "SendOk",
            (Mode::Oneway, Outcome::Dispatched) => true,
            _ => false,
        }
    }
}

/// Final report of one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub seq: Seq,
    pub mode: Mode,
    pub outcome: Outcome,
    /// When the send was handed to the client library.
    pub submitted_at: DateTime<Local>,
    /// When the outcome was known (the callback moment for async).
    pub completed_at: DateTime<Local>,
    /// Submit to outcome.
    pub latency: Duration,
}
