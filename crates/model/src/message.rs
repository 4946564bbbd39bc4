//! The message model shared by the console, the headless CLI and the producer
//! task: what the operator composes (`Draft`), how it is sent (`Mode`), and how
//! each send ends (`Outcome`). Pure data, no I/O.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Local};
use serde::Serialize;

pub use crate::short_str::ShortStr;
pub use crate::types::{Delay, MessageType, TxChoice};
pub use cheetah_string::CheetahString;

/// Local sequence number of one send; unique within a process.
pub type Seq = u64;

/// RocketMQ's transmission modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub topic: String,
    pub tag: Option<String>,
    pub keys: Vec<String>,
    /// User properties in the order the operator wrote them.
    pub properties: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Normal, FIFO, delayed, transactional or batch (see `crate::types`).
    pub kind: MessageType,
}

impl Draft {
    /// First key, for compact log lines.
    pub fn first_key(&self) -> Option<&str> {
        self.keys.first().map(String::as_str)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The broker's word on a stored message. Only `SendOk` is what a sync or
/// async send promises; the others say it was stored, but not as durably
/// (flushed, replicated) as the broker was set up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendStatus {
    SendOk,
    FlushDiskTimeout,
    FlushSlaveTimeout,
    SlaveNotAvailable,
}

impl SendStatus {
    pub const ALL: [SendStatus; 4] = [
        SendStatus::SendOk,
        SendStatus::FlushDiskTimeout,
        SendStatus::FlushSlaveTimeout,
        SendStatus::SlaveNotAvailable,
    ];

    /// The name RocketMQ gives it, as the journal and the JSON lines keep it.
    pub fn as_str(self) -> &'static str {
        match self {
            SendStatus::SendOk => "SendOk",
            SendStatus::FlushDiskTimeout => "FlushDiskTimeout",
            SendStatus::FlushSlaveTimeout => "FlushSlaveTimeout",
            SendStatus::SlaveNotAvailable => "SlaveNotAvailable",
        }
    }

    pub fn is_ok(self) -> bool {
        self == SendStatus::SendOk
    }
}

impl fmt::Display for SendStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SendStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SendStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown send status `{s}`"))
    }
}

/// What the broker said about a stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub status: SendStatus,
    /// The client-side unique key (`UNIQ_KEY`), what RocketMQ calls msgId:
    /// 32 hex digits, held inline (a batch's ids, joined, are longer). None
    /// of the receipt's strings costs an allocation of its own, nor holds
    /// one of the library's: a receipt is made once per send, in the
    /// library's callback for async, and dropped by the console's reader on
    /// another thread hundreds at a time; a shared string of the library's
    /// would be freed there, away from the thread that allocates the next
    /// (docs/performance.md).
    pub msg_id: ShortStr,
    /// Store host + commit log offset, assigned by the broker: 32 hex
    /// digits, held inline.
    pub offset_msg_id: ShortStr,
    /// The broker's name (a short one is held inline).
    pub broker: CheetahString,
    pub queue_id: i32,
    pub queue_offset: u64,
    pub transaction_id: Option<String>,
    pub region_id: Option<CheetahString>,
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    /// The broker's response code when the broker answered (16: no permission).
    pub code: Option<i32>,
}

/// How one send ended; exactly one per sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Acknowledged(Receipt),
    Failed(Failure),
    /// One-way: handed to the connection; the broker never answers.
    Dispatched,
    /// Still in flight when the producer shut down.
    Unresolved,
}

impl Outcome {
    /// Whether this is the end state the mode promises when all goes well.
    pub fn is_expected_for(&self, mode: Mode) -> bool {
        match (mode, self) {
            (Mode::Sync | Mode::Async, Outcome::Acknowledged(r)) => r.status.is_ok(),
            (Mode::Oneway, Outcome::Dispatched) => true,
            _ => false,
        }
    }
}

impl Completion {
    /// An outcome decided without a round trip (never sent, or unresolved
    /// at shutdown): no latency to speak of.
    pub fn instant(seq: Seq, mode: Mode, outcome: Outcome) -> Self {
        let now = Local::now();
        Self {
            seq,
            mode,
            outcome,
            submitted_at: now,
            completed_at: now,
            latency: Duration::ZERO,
        }
    }
}

/// A duration in milliseconds, to the microsecond: what every JSON output
/// writes as `latency_ms` (`0.467062`, never `0.46706200000000003`).
pub fn millis(d: std::time::Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
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

#[cfg(test)]
mod tests {
    /// Issue 27, item 14: exported latencies without float noise (the
    /// issue's `0.46706200000000003`).
    #[test]
    fn millis_are_written_to_the_microsecond_without_float_noise() {
        let d = std::time::Duration::from_nanos(467_062);
        assert_eq!(
            (d.as_secs_f64() * 1000.0).to_string(),
            "0.46706200000000003"
        );
        assert_eq!(millis(d).to_string(), "0.467");
        let d = std::time::Duration::from_nanos(6_593_062_500);
        assert_eq!(millis(d).to_string(), "6593.062");
    }

    use super::*;

    #[test]
    fn send_status_names_round_trip_and_only_send_ok_is_ok() {
        for s in SendStatus::ALL {
            assert_eq!(s.as_str().parse::<SendStatus>(), Ok(s));
            assert_eq!(s.is_ok(), s == SendStatus::SendOk);
        }
        assert!("sendok".parse::<SendStatus>().is_err());
    }
}
