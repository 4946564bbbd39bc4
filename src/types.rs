//! Message types beyond a normal send — FIFO (a sharding key keeps its
//! messages in one queue), delayed (a delay level or a delivery time),
//! transactional (a half message, then commit, rollback or unknown) and batch
//! (the draft N times in one request) — with the broker's limits and the
//! checks that refuse what the broker or the client would refuse. Pure.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::message::{Draft, Mode};

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
const BATCH_OVERHEAD: usize = 128;

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

    /// Refuses what the client or the broker would refuse, with the reason,
    /// before anything is sent. `now` is when the send would go.
    pub fn check(
        &self,
        draft: &Draft,
        mode: Mode,
        max_bytes: usize,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        match self {
            MessageType::Normal => Ok(()),
            MessageType::Fifo { sharding_key } => {
                if sharding_key.trim().is_empty() {
                    return Err("FIFO needs a sharding key (the message group)".into());
                }
                if mode != Mode::Sync {
                    return Err(format!(
                        "FIFO order holds for sync sends, one after the other (async and one-way \
                         sends can overtake each other); {} is not offered",
                        mode.label()
                    ));
                }
                Ok(())
            }
            MessageType::Delayed(d) => d.check(now),
            MessageType::Transaction { .. } => {
                if mode != Mode::Sync {
                    return Err(format!(
                        "a transactional message is sent sync (the half message must be stored \
                         before the decision); {} is not possible",
                        mode.label()
                    ));
                }
                Ok(())
            }
            MessageType::Batch { size } => {
                if *size < 2 {
                    return Err("a batch is 2 or more messages".into());
                }
                if mode != Mode::Sync {
                    return Err(format!(
                        "a batch is sent sync here (one answer for the whole batch); {} is not offered",
                        mode.label()
                    ));
                }
                let bytes = batch_bytes(draft, *size);
                if bytes > max_bytes {
                    let per = bytes / *size as usize;
                    return Err(format!(
                        "a batch of {size} is about {bytes} bytes; the limit is {max_bytes} \
                         (at most {} of these)",
                        max_bytes / per.max(1)
                    ));
                }
                Ok(())
            }
        }
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

/// `1:1s 2:5s …` for error messages.
pub fn level_list() -> String {
    DELAY_LEVELS
        .iter()
        .enumerate()
        .map(|(i, (d, _))| format!("{}:{d}", i + 1))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `90s`, `15m`, `1h30m`, `500ms`, `2d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration (e.g. 90s, 15m, 1h30m)".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("`{s}`: expected a number (e.g. 90s, 15m, 1h30m)"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{s}`: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86_400)),
            "" => return Err(format!("`{s}`: a unit is needed (ms, s, m, h or d)")),
            other => return Err(format!("`{s}`: unknown unit `{other}` (ms, s, m, h or d)")),
        };
        total = total.saturating_add(part);
    }
    Ok(total)
}

/// An absolute time: RFC 3339 (`2026-11-25T16:00:00Z`, with an offset), or a
/// local time `YYYY-MM-DD HH:MM[:SS]`, or `HH:MM[:SS]` today (local).
pub fn parse_time(s: &str, now: DateTime<Local>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = |naive: NaiveDateTime| {
        Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| format!("`{s}` does not exist in the local time zone"))
    };
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, f) {
            return local(naive);
        }
    }
    for f in ["%H:%M:%S", "%H:%M"] {
        if let Ok(t) = NaiveTime::parse_from_str(s, f) {
            let day: NaiveDate = now.date_naive();
            return local(day.and_time(t));
        }
    }
    Err(format!(
        "`{s}`: expected a time such as 2026-11-25T16:00:00Z, 2026-11-25 17:00 (local) or 17:00:30 (today, local)"
    ))
}

/// `90s`, `15m`, `1h30m`, `3d`: the shortest exact form.
pub fn show_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
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

/// What a batch of `size` copies of `draft` weighs on the wire, rounded up.
pub fn batch_bytes(draft: &Draft, size: u32) -> usize {
    let props: usize = draft
        .properties
        .iter()
        .map(|(k, v)| k.len() + v.len() + 2)
        .sum();
    let keys: usize = draft.keys.iter().map(|k| k.len() + 1).sum();
    let tag = draft.tag.as_ref().map_or(0, String::len);
    let one = BATCH_OVERHEAD + draft.body.len() + props + keys + tag;
    one.saturating_mul(size as usize)
}

/// The type the `send` flags ask for; more than one type is refused with
/// the reason the broker or the client would give.
pub fn from_flags(
    sharding_key: Option<&str>,
    delay: Option<Delay>,
    transaction: Option<TxChoice>,
    batch: Option<u32>,
) -> Result<MessageType, String> {
    match (sharding_key, delay, transaction, batch) {
        (None, None, None, None) => Ok(MessageType::Normal),
        (Some(k), None, None, None) => Ok(MessageType::Fifo {
            sharding_key: k.to_string(),
        }),
        (None, Some(d), None, None) => Ok(MessageType::Delayed(d)),
        (None, None, Some(t), None) => Ok(MessageType::Transaction { decide: Some(t) }),
        (None, None, None, Some(n)) => Ok(MessageType::Batch { size: n }),
        (_, Some(_), Some(_), _) => Err(
            "a transactional message cannot be delayed: the client refuses it \
             (\"Transactional messages do not support delayed delivery\")"
                .into(),
        ),
        (_, Some(_), _, Some(_)) => {
            Err("a batch cannot be delayed: the client refuses delayed messages in a batch".into())
        }
        (_, _, Some(_), Some(_)) => {
            Err("a batch cannot be transactional: RocketMQ has no transactional batch".into())
        }
        (Some(_), _, _, Some(_)) => Err(
            "a FIFO batch is not offered: a batch goes to one queue the client picks, \
             not the sharding key's"
                .into(),
        ),
        (Some(_), Some(_), _, _) => Err(
            "a FIFO message cannot be delayed: it would leave its queue's order when it is \
             re-delivered"
                .into(),
        ),
        (Some(_), _, Some(_), _) => Err(
            "a FIFO message cannot be transactional here: the transactional producer picks \
             its own queue"
                .into(),
        ),
    }
}

/// The composer's type row: `normal`, `fifo KEY`, `delay N` (level),
/// `delay 90s` (deliver in), `delay at 17:00` (deliver at), `tx` (decided on
/// its row or by the policy), `tx commit|rollback|unknown`, `batch N`.
pub fn parse_spec(text: &str, now: DateTime<Local>) -> Result<MessageType, String> {
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim();
    match word.to_ascii_lowercase().as_str() {
        "" | "normal" if rest.is_empty() => Ok(MessageType::Normal),
        "fifo" => match rest {
            "" => Err("FIFO needs a sharding key: fifo KEY".into()),
            key if key.contains(char::is_whitespace) => {
                Err("a sharding key is one word: fifo KEY".into())
            }
            key => Ok(MessageType::Fifo {
                sharding_key: key.to_string(),
            }),
        },
        "delay" | "delayed" => {
            if rest.is_empty() {
                return Err(format!(
                    "delay N (level: {}), delay 90s, or delay at 17:00",
                    level_list()
                ));
            }
            if let Some(at) = rest.strip_prefix("at ") {
                return Ok(MessageType::Delayed(Delay::At(parse_time(at, now)?)));
            }
            if let Ok(n) = rest.parse::<u8>() {
                return Ok(MessageType::Delayed(Delay::Level(n)));
            }
            Ok(MessageType::Delayed(Delay::In(parse_duration(rest)?)))
        }
        "tx" | "transaction" => match rest {
            "" => Ok(MessageType::Transaction { decide: None }),
            d => Ok(MessageType::Transaction {
                decide: Some(d.parse()?),
            }),
        },
        "batch" => match rest.parse::<u32>() {
            Ok(n) => Ok(MessageType::Batch { size: n }),
            Err(_) => Err("batch N: how many copies of the draft in one request".into()),
        },
        _ => Err(format!(
            "`{text}`: normal, fifo KEY, delay N|90s|at 17:00, tx [commit|rollback|unknown] or batch N"
        )),
    }
}

/// The type as the composer's row describes it once parsed.
pub fn describe(kind: &MessageType) -> String {
    match kind {
        MessageType::Normal => "Normal".into(),
        MessageType::Fifo { sharding_key } => format!("FIFO · key {sharding_key} → one queue"),
        MessageType::Delayed(d) => format!("Delayed · {}", d.describe()),
        MessageType::Transaction { decide: None } => "Transaction · decided on its row".into(),
        MessageType::Transaction { decide: Some(c) } => format!("Transaction · {c}"),
        MessageType::Batch { size } => format!("Batch · {size} in one request"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            topic: "T".into(),
            body: vec![b'x'; 1000],
            ..Default::default()
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn durations_parse_and_show() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(
            parse_duration("90")
                .unwrap_err()
                .contains("a unit is needed")
        );
        assert!(
            parse_duration("5y")
                .unwrap_err()
                .contains("unknown unit `y`")
        );
        assert!(parse_duration("").is_err());
        assert_eq!(show_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(show_duration(MAX_TIMER_DELAY), "3d");
    }

    #[test]
    fn times_parse_in_utc_and_local() {
        let now = Local::now();
        assert_eq!(
            parse_time("2026-11-25T16:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 25, 16, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("2026-11-25T17:00:00+01:00", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 25, 16, 0, 0).unwrap()
        );
        let local = parse_time("2026-11-25 17:00", now).unwrap();
        assert_eq!(
            local.with_timezone(&Local).format("%H:%M").to_string(),
            "17:00"
        );
        let today = parse_time("08:30:15", now).unwrap().with_timezone(&Local);
        assert_eq!(today.date_naive(), now.date_naive());
        assert!(parse_time("tomorrow", now).is_err());
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
    fn refused_combinations_say_why() {
        let d = Delay::Level(2);
        assert_eq!(from_flags(None, None, None, None), Ok(MessageType::Normal));
        assert!(
            from_flags(None, Some(d), Some(TxChoice::Commit), None)
                .unwrap_err()
                .contains("transactional message cannot be delayed")
        );
        assert!(
            from_flags(None, Some(d), None, Some(5))
                .unwrap_err()
                .contains("batch cannot be delayed")
        );
        assert!(
            from_flags(Some("k"), None, None, Some(5))
                .unwrap_err()
                .contains("FIFO batch")
        );
        assert!(from_flags(None, None, Some(TxChoice::Rollback), Some(2)).is_err());
        let tx = MessageType::Transaction { decide: None };
        assert!(
            tx.check(&draft(), Mode::Async, 4 << 20, now())
                .unwrap_err()
                .contains("sent sync")
        );
        assert!(tx.check(&draft(), Mode::Sync, 4 << 20, now()).is_ok());
        let fifo = MessageType::Fifo {
            sharding_key: " ".into(),
        };
        assert!(fifo.check(&draft(), Mode::Sync, 4 << 20, now()).is_err());
        let fifo = MessageType::Fifo {
            sharding_key: "k".into(),
        };
        assert!(fifo.check(&draft(), Mode::Sync, 4 << 20, now()).is_ok());
        assert!(
            fifo.check(&draft(), Mode::Async, 4 << 20, now())
                .unwrap_err()
                .contains("FIFO order holds for sync sends")
        );
    }

    #[test]
    fn batch_size_is_checked_against_the_limit() {
        let b = MessageType::Batch { size: 10 };
        assert!(b.check(&draft(), Mode::Sync, 4 << 20, now()).is_ok());
        let err = b.check(&draft(), Mode::Sync, 5000, now()).unwrap_err();
        assert!(
            err.contains("the limit is 5000 (at most 4 of these)"),
            "{err}"
        );
        assert!(
            MessageType::Batch { size: 1 }
                .check(&draft(), Mode::Sync, 4 << 20, now())
                .is_err()
        );
        assert!(b.check(&draft(), Mode::Oneway, 4 << 20, now()).is_err());
    }

    #[test]
    fn the_type_row_parses_every_type() {
        let now = Local::now();
        assert_eq!(parse_spec("", now), Ok(MessageType::Normal));
        assert_eq!(
            parse_spec("fifo order-1", now),
            Ok(MessageType::Fifo {
                sharding_key: "order-1".into()
            })
        );
        assert!(
            parse_spec("fifo", now)
                .unwrap_err()
                .contains("sharding key")
        );
        assert_eq!(
            parse_spec("delay 3", now),
            Ok(MessageType::Delayed(Delay::Level(3)))
        );
        assert_eq!(
            parse_spec("delay 90s", now),
            Ok(MessageType::Delayed(Delay::In(Duration::from_secs(90))))
        );
        assert!(matches!(
            parse_spec("delay at 2030-01-01 10:00", now),
            Ok(MessageType::Delayed(Delay::At(_)))
        ));
        assert_eq!(
            parse_spec("tx", now),
            Ok(MessageType::Transaction { decide: None })
        );
        assert_eq!(
            parse_spec("tx rollback", now),
            Ok(MessageType::Transaction {
                decide: Some(TxChoice::Rollback)
            })
        );
        assert_eq!(
            parse_spec("batch 10", now),
            Ok(MessageType::Batch { size: 10 })
        );
        assert!(parse_spec("batch x", now).is_err());
        assert!(parse_spec("urgent", now).unwrap_err().contains("fifo KEY"));
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
