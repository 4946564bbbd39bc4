//! Message types beyond a normal send — FIFO (a sharding key keeps its
//! messages in one queue), delayed (a delay level or a delivery time),
//! transactional (a half message, then commit, rollback or unknown) and batch
//! (the draft N times in one request) — and the broker's limits. The type
//! row's syntax is `spec`, durations and times `time`; the checks against a
//! draft and a mode are `validate::kind`. Pure.

mod spec;
mod time;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Local, Utc};

pub use spec::{describe, from_flags, level_list, parse_spec};
pub use time::{parse_duration, parse_time, show_duration};

/// The broker's delay levels (`messageDelayLevel`, the same on Apache
/// RocketMQ and rocketmq-rust 1.0): level N waits `DELAY_LEVELS[N - 1]`.
pub const DELAY_LEVELS: [(&str, u64); 18] = [
    ("1s", 1),
    ("5s", 5),
    ("10s", 10),
    ("30s", 30),
    ("1m", 60),
    ("2m", 120),
    ("3m", 180),
    ("4m", 240),
    ("5m", 300),
    ("6m", 360),
    ("7m", 420),
    ("8m", 480),
    ("9m", 540),
    ("10m", 600),
    ("20m", 1200),
    ("30m", 1800),
    ("1h", 3600),
    ("2h", 7200),
];

/// The broker's default `timerMaxDelaySec` (3 days): a delivery time further
/// out is refused by the broker (`WheelTimerMsgIllegal`).
pub const MAX_TIMER_DELAY: Duration = Duration::from_secs(3 * 24 * 3600);

/// The broker's timer wheel ticks once a second (`timerPrecisionMs`): a
/// delivery time is honoured to within this.
pub const TIMER_PRECISION: Duration = Duration::from_secs(1);

/// Per-message overhead of a batch on the wire beyond body and user
/// properties (store header, system properties such as `UNIQ_KEY`, `TAGS`,
/// `KEYS`, `WAIT`), rounded up so the check errs on the safe side.
pub const BATCH_OVERHEAD: usize = 128;

/// How the message is sent, beyond its mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MessageType {
    #[default]
    Normal,
    /// Every message with the same sharding key (message group) goes to the
    /// same queue, so a consumer sees them in send order.
    Fifo { sharding_key: String },
    /// Not consumable before a delay level or a delivery time.
    Delayed(Delay),
    /// A half message; `decide` is the decision made up front, `None` when
    /// the operator decides on the pending row (or the profile policy does).
    Transaction { decide: Option<TxChoice> },
    /// The draft `size` times as one batch request.
    Batch { size: u32 },
}

/// When a delayed message becomes visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    /// A broker delay level, 1..=18 (`DELAY` property).
    Level(u8),
    /// A delivery time this long after the send (`TIMER_DELIVER_MS`,
    /// computed at the moment of the send).
    In(Duration),
    /// An absolute delivery time (`TIMER_DELIVER_MS`).
    At(DateTime<Utc>),
}

/// A transaction's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxChoice {
    Commit,
    Rollback,
    /// Decide nothing now; the broker checks back later.
    Unknown,
}

impl TxChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            TxChoice::Commit => "commit",
            TxChoice::Rollback => "rollback",
            TxChoice::Unknown => "unknown",
        }
    }
}

impl fmt::Display for TxChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TxChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "commit" => Ok(TxChoice::Commit),
            "rollback" => Ok(TxChoice::Rollback),
            "unknown" => Ok(TxChoice::Unknown),
            other => Err(format!(
                "unknown transaction decision `{other}` (expected commit, rollback or unknown)"
            )),
        }
    }
}

/// Who decides a transaction the send leaves open (`transaction-policy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TxPolicy {
    /// The operator, on the pending row (`C`, `X`, `U`).
    #[default]
    Ask,
    Commit,
    Rollback,
}

impl TxPolicy {
    /// The decision the policy makes by itself, if any.
    pub fn decision(self) -> Option<TxChoice> {
        match self {
            TxPolicy::Ask => None,
            TxPolicy::Commit => Some(TxChoice::Commit),
            TxPolicy::Rollback => Some(TxChoice::Rollback),
        }
    }
}

impl std::str::FromStr for TxPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ask" => Ok(TxPolicy::Ask),
            "commit" => Ok(TxPolicy::Commit),
            "rollback" => Ok(TxPolicy::Rollback),
            other => Err(format!(
                "unknown transaction policy `{other}` (expected ask, commit or rollback)"
            )),
        }
    }
}
impl MessageType {
    /// The names the composer's type row and the JSON lines use.
    pub const NAMES: [&'static str; 5] = ["Normal", "FIFO", "Delayed", "Transaction", "Batch"];

    pub fn index(&self) -> usize {
        match self {
            MessageType::Normal => 0,
            MessageType::Fifo { .. } => 1,
            MessageType::Delayed(_) => 2,
            MessageType::Transaction { .. } => 3,
            MessageType::Batch { .. } => 4,
        }
    }

    pub fn label(&self) -> &'static str {
        Self::NAMES[self.index()]
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            MessageType::Normal => "normal",
            MessageType::Fifo { .. } => "fifo",
            MessageType::Delayed(_) => "delayed",
            MessageType::Transaction { .. } => "transaction",
            MessageType::Batch { .. } => "batch",
        }
    }

    /// How many messages (and sequence numbers) one send of this type is.
    pub fn messages(&self) -> u64 {
        match self {
            MessageType::Batch { size } => u64::from(*size),
            _ => 1,
        }
    }

    pub fn is_transaction(&self) -> bool {
        matches!(self, MessageType::Transaction { .. })
    }
}

impl Delay {
    /// Past times, zero delays, levels outside 1..=18 and delivery times
    /// beyond the broker's timer limit are refused.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), String> {
        match *self {
            Delay::Level(n) => {
                if !(1..=18).contains(&n) {
                    return Err(format!(
                        "delay level {n}: levels are 1 to 18 ({})",
                        level_list()
                    ));
                }
                Ok(())
            }
            Delay::In(d) => {
                if d < TIMER_PRECISION {
                    return Err(
                        "deliver-in must be at least 1s (the broker's timer ticks once a second)"
                            .into(),
                    );
                }
                if d > MAX_TIMER_DELAY {
                    return Err(format!(
                        "deliver-in {}: beyond the broker's limit of {} (timerMaxDelaySec)",
                        show_duration(d),
                        show_duration(MAX_TIMER_DELAY)
                    ));
                }
                Ok(())
            }
            Delay::At(at) => {
                let ahead = at.signed_duration_since(now);
                if ahead < chrono::Duration::seconds(1) {
                    return Err(format!(
                        "deliver-at {} is not in the future",
                        at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S")
                    ));
                }
                if ahead.to_std().unwrap_or_default() > MAX_TIMER_DELAY {
                    return Err(format!(
                        "deliver-at {} is more than {} ahead (the broker's timerMaxDelaySec)",
                        at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
                        show_duration(MAX_TIMER_DELAY)
                    ));
                }
                Ok(())
            }
        }
    }

    /// When a message sent at `sent` becomes consumable.
    pub fn visible_at(&self, sent: DateTime<Local>) -> DateTime<Local> {
        match *self {
            Delay::Level(n) => {
                let secs = DELAY_LEVELS
                    .get(usize::from(n.max(1)) - 1)
                    .map_or(0, |(_, s)| *s);
                sent + chrono::Duration::seconds(secs as i64)
            }
            Delay::In(d) => sent + chrono::Duration::from_std(d).unwrap_or_default(),
            Delay::At(at) => at.with_timezone(&Local),
        }
    }

    /// For the composer and the results: `level 3 (10s)`, `in 90s`, `at 12:00:00`.
    pub fn describe(&self) -> String {
        match *self {
            Delay::Level(n) => match DELAY_LEVELS.get(usize::from(n).wrapping_sub(1)) {
                Some((d, _)) => format!("level {n} ({d})"),
                None => format!("level {n}"),
            },
            Delay::In(d) => format!("in {}", show_duration(d)),
            Delay::At(at) => format!(
                "at {}",
                at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S")
            ),
        }
    }
}

/// The queue a sharding key goes to among `queues` queues: FNV-1a, so the
/// same key picks the same queue in every run and every build (std's hasher
/// promises neither).
pub fn shard(key: &str, queues: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % queues.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn delays_are_bounded() {
        assert!(Delay::Level(1).check(now()).is_ok());
        assert!(Delay::Level(18).check(now()).is_ok());
        assert!(
            Delay::Level(0)
                .check(now())
                .unwrap_err()
                .contains("1 to 18")
        );
        assert!(Delay::Level(19).check(now()).is_err());
        assert!(Delay::In(Duration::from_secs(90)).check(now()).is_ok());
        assert!(Delay::In(Duration::from_millis(10)).check(now()).is_err());
        let too_far = MAX_TIMER_DELAY + Duration::from_secs(1);
        assert!(
            Delay::In(too_far)
                .check(now())
                .unwrap_err()
                .contains("beyond the broker's limit")
        );
        let past = now() - chrono::Duration::seconds(5);
        assert!(
            Delay::At(past)
                .check(now())
                .unwrap_err()
                .contains("not in the future")
        );
        let later = now() + chrono::Duration::minutes(10);
        assert!(Delay::At(later).check(now()).is_ok());
        let beyond = now() + chrono::Duration::days(4);
        assert!(
            Delay::At(beyond)
                .check(now())
                .unwrap_err()
                .contains("more than 3d ahead")
        );
    }

    #[test]
    fn visibility_follows_the_delay() {
        let sent = Local.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        assert_eq!(
            Delay::Level(3).visible_at(sent),
            sent + chrono::Duration::seconds(10)
        );
        assert_eq!(
            Delay::Level(18).visible_at(sent),
            sent + chrono::Duration::hours(2)
        );
        assert_eq!(
            Delay::In(Duration::from_secs(90)).visible_at(sent),
            sent + chrono::Duration::seconds(90)
        );
        assert_eq!(Delay::Level(3).describe(), "level 3 (10s)");
    }

    #[test]
    fn shard_is_stable_and_spread() {
        // Fixed values: a change here moves every key to another queue.
        assert_eq!(shard("order-1", 8), shard("order-1", 8));
        assert_eq!(shard("", 4), (0xcbf2_9ce4_8422_2325u64 % 4) as usize);
        let used: std::collections::HashSet<usize> =
            (0..64).map(|i| shard(&format!("k{i}"), 4)).collect();
        assert_eq!(used.len(), 4, "64 keys use every one of 4 queues");
        assert_eq!(shard("x", 0), 0);
    }
}
