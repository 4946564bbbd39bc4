//! Telling the two kinds of message id apart before any network call, and
//! the time window a unique key is looked up in.
//!
//! Both kinds are 32 (IPv4) or 56 (IPv6) hex characters, and the library's
//! decoder accepts either as an offset id. An offset msgId is ip + port
//! (a 4-byte int, so its high half is `0000`) + commit-log offset; a unique
//! key is ip + pid (2 bytes) + a hash + milliseconds since the start of the
//! producer's local month + a counter.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use chrono::{DateTime, Datelike, Local, LocalResult, Months, TimeZone, Utc};

use crate::locator::IdKind;

/// An offset msgId, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetId {
    /// The broker that stored it, as it saw itself (`brokerIp1:port`).
    pub store_host: SocketAddr,
    pub commit_log_offset: i64,
}

/// A unique key (`UNIQ_KEY`), decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueId {
    /// The producer's address (a made-up one when it had none).
    pub producer_ip: IpAddr,
    pub pid: u16,
    /// When it was made, read from the id: the id holds only the time since
    /// the start of a month, taken as the latest month that makes it past.
    pub created: DateTime<Utc>,
}

/// What an id was taken to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classified {
    Offset(OffsetId),
    Unique(UniqueId),
}

impl Classified {
    pub fn kind(&self) -> IdKind {
        match self {
            Classified::Offset(_) => IdKind::Offset,
            Classified::Unique(_) => IdKind::Unique,
        }
    }
}

impl fmt::Display for Classified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Classified::Offset(o) => write!(
                f,
                "offset msgId → broker {} @ commit-log {}",
                o.store_host, o.commit_log_offset
            ),
            Classified::Unique(u) => write!(
                f,
                "unique key from {}, pid {}, created ≈ {}",
                u.producer_ip,
                u.pid,
                u.created.with_timezone(&Local).format("%Y-%m-%d %H:%M")
            ),
        }
    }
}

fn bytes_of(hex: &str) -> Result<Vec<u8>, String> {
    if !crate::locator::is_id_shaped(hex) {
        return Err(format!(
            "`{hex}` is not an id: 32 or 56 hex characters expected"
        ));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn ip_of(b: &[u8]) -> IpAddr {
    match b.len() {
        4 => IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])),
        _ => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[..16]);
            IpAddr::V6(Ipv6Addr::from(a))
        }
    }
}

/// Decodes `hex` as an offset msgId, whatever it is.
pub fn as_offset(hex: &str) -> Result<OffsetId, String> {
    let b = bytes_of(hex)?;
    let ip_len = b.len() - 12;
    let port = i32::from_be_bytes(b[ip_len..ip_len + 4].try_into().unwrap_or_default());
    let offset = i64::from_be_bytes(b[ip_len + 4..].try_into().unwrap_or_default());
    Ok(OffsetId {
        store_host: SocketAddr::new(ip_of(&b[..ip_len]), port as u16),
        commit_log_offset: offset,
    })
}

/// Decodes `hex` as a unique key, whatever it is; `now` anchors the month.
pub fn as_unique(hex: &str, now: DateTime<Local>) -> Result<UniqueId, String> {
    let b = bytes_of(hex)?;
    let ip_len = b.len() - 12;
    let pid = u16::from_be_bytes([b[ip_len], b[ip_len + 1]]);
    let t = ip_len + 6;
    let span_ms = i64::from(u32::from_be_bytes(
        b[t..t + 4].try_into().unwrap_or_default(),
    ));
    Ok(UniqueId {
        producer_ip: ip_of(&b[..ip_len]),
        pid,
        created: month_relative(span_ms, now),
    })
}

fn month_start(t: DateTime<Local>) -> DateTime<Local> {
    match Local.with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0) {
        LocalResult::Single(v) | LocalResult::Ambiguous(v, _) => v,
        LocalResult::None => t,
    }
}

/// `span_ms` after the start of this month, or of the last one when that
/// would be in the future (what the library's decoder does).
fn month_relative(span_ms: i64, now: DateTime<Local>) -> DateTime<Utc> {
    let this = month_start(now);
    let at = this + chrono::Duration::milliseconds(span_ms);
    if at < now {
        return at.to_utc();
    }
    let last = month_start(now.checked_sub_months(Months::new(1)).unwrap_or(now));
    (last + chrono::Duration::milliseconds(span_ms)).to_utc()
}

/// Classifies an id without the network: the port's high half is `0000` in
/// an offset msgId and the producer's pid in a unique key. `forced` (the
/// operator's `id:` / `uniq:`) wins. The fetcher then checks an offset id's
/// store host against the route's brokers (`broker_of`).
pub fn classify(
    hex: &str,
    forced: Option<IdKind>,
    now: DateTime<Local>,
) -> Result<Classified, String> {
    let b = bytes_of(hex)?;
    let ip_len = b.len() - 12;
    let port_high_is_zero = b[ip_len] == 0 && b[ip_len + 1] == 0;
    let kind = forced.unwrap_or(if port_high_is_zero {
        IdKind::Offset
    } else {
        IdKind::Unique
    });
    Ok(match kind {
        IdKind::Offset => Classified::Offset(as_offset(hex)?),
        IdKind::Unique => Classified::Unique(as_unique(hex, now)?),
    })
}

/// The broker (name, address) of `brokers` whose address is the id's store
/// host, if any.
pub fn broker_of<'a>(
    id: &OffsetId,
    brokers: &'a [(String, String)],
) -> Option<&'a (String, String)> {
    brokers
        .iter()
        .find(|(_, addr)| addr.parse::<SocketAddr>().is_ok_and(|a| a == id.store_host))
}

/// A time range to search, in epoch milliseconds, and why it is that range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub begin_ms: i64,
    pub end_ms: i64,
    /// Said to the operator when the range is not the obvious one.
    pub note: Option<String>,
}

/// How far back a unique-key lookup goes when the id's month is unsure.
pub const WIDE_DAYS: i64 = 92;

/// The window a unique key is looked up in: a day either side of the time
/// in the id (the producer's month starts in its own time zone, up to 14 h
/// from ours, and clocks drift). An id whose time is nearly a month old may
/// be from any earlier month: then the last `WIDE_DAYS` days, with a note.
pub fn unique_window(u: &UniqueId, now: DateTime<Utc>) -> Window {
    let day = chrono::Duration::days(1);
    if now - u.created > chrono::Duration::days(27) {
        return wide_window(
            now,
            format!(
                "the id's time (≈ {}) is nearly a month old and repeats every month: searched the last {WIDE_DAYS} days",
                u.created.with_timezone(&Local).format("%Y-%m-%d %H:%M")
            ),
        );
    }
    Window {
        begin_ms: (u.created - day).timestamp_millis(),
        end_ms: (u.created + day).timestamp_millis(),
        note: None,
    }
}

/// The last `WIDE_DAYS` days up to `now`, with `note`.
pub fn wide_window(now: DateTime<Utc>, note: String) -> Window {
    Window {
        begin_ms: (now - chrono::Duration::days(WIDE_DAYS)).timestamp_millis(),
        end_ms: (now + chrono::Duration::hours(1)).timestamp_millis(),
        note: Some(note),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(y: i32, m: u32, d: u32, h: u32) -> DateTime<Local> {
        Local.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    /// A unique key made `span_ms` after the start of a month, by pid 0x37B3
    /// on 14.134.101.20.
    fn uniq(span_ms: u32) -> String {
        format!(
            "0E866514{:04X}{:08X}{:08X}{:04X}",
            0x37B3, 0x1234_5678u32, span_ms, 7
        )
    }

    #[test]
    fn an_offset_id_and_a_unique_key_are_told_apart_by_the_port_high_half() {
        let now = local(2026, 12, 6, 12);
        let off = "7F000001000088B100000000000A1B2C";
        let c = classify(off, None, now).unwrap();
        assert_eq!(
            c,
            Classified::Offset(OffsetId {
                store_host: "127.0.0.1:34993".parse().unwrap(),
                commit_log_offset: 0xA1B2C
            })
        );
        assert_eq!(
            c.to_string(),
            "offset msgId → broker 127.0.0.1:34993 @ commit-log 662316"
        );
        let c = classify(&uniq(3_600_000), None, now).unwrap();
        let Classified::Unique(u) = c else {
            panic!("{c:?}")
        };
        assert_eq!(u.pid, 0x37B3);
        assert_eq!(u.producer_ip.to_string(), "14.134.101.20");
        // One hour after the start of this (local) month.
        assert_eq!(u.created, local(2026, 12, 1, 1).to_utc());
        assert!(
            c.to_string().starts_with(
                "unique key from 14.134.101.20, pid 14259, created ≈ 2026-12-01 01:00"
            )
        );
        // The library's decoder would take the same key as an offset id.
        assert_eq!(as_offset(&uniq(0)).unwrap().store_host.port(), 0x1234);
    }

    #[test]
    fn the_operator_can_force_the_kind() {
        let now = local(2026, 12, 6, 12);
        let off = "7F000001000088B100000000000A1B2C";
        assert_eq!(
            classify(off, Some(IdKind::Unique), now).unwrap().kind(),
            IdKind::Unique
        );
        assert_eq!(
            classify(&uniq(5), Some(IdKind::Offset), now)
                .unwrap()
                .kind(),
            IdKind::Offset
        );
        let v6 = format!("{}0000{}", "0".repeat(32), "1".repeat(20));
        assert_eq!(classify(&v6, None, now).unwrap().kind(), IdKind::Offset);
    }

    #[test]
    fn a_time_later_in_the_month_than_now_is_last_months() {
        let now = local(2026, 12, 6, 12);
        // Ten days into a month: 4 days ahead of now, so November.
        let c = classify(&uniq(10 * 86_400_000), None, now).unwrap();
        let Classified::Unique(u) = c else { panic!() };
        assert_eq!(u.created, local(2026, 11, 11, 0).to_utc());
    }

    #[test]
    fn the_window_is_a_day_either_side_and_wide_with_a_note_near_a_month() {
        let now = local(2026, 12, 6, 12);
        let Classified::Unique(u) = classify(&uniq(3_600_000), None, now).unwrap() else {
            panic!()
        };
        let w = unique_window(&u, now.to_utc());
        assert_eq!(
            w.begin_ms,
            (u.created - chrono::Duration::days(1)).timestamp_millis()
        );
        assert_eq!(
            w.end_ms,
            (u.created + chrono::Duration::days(1)).timestamp_millis()
        );
        assert_eq!(w.note, None);
        // Made 29 days ago (November 7th): its month is unsure.
        let Classified::Unique(old) =
            classify(&uniq(6 * 86_400_000 + 3_600_000 * 13), None, now).unwrap()
        else {
            panic!()
        };
        assert_eq!(old.created, local(2026, 11, 7, 13).to_utc());
        let w = unique_window(&old, now.to_utc());
        assert!(
            w.note
                .as_deref()
                .unwrap()
                .contains("searched the last 92 days"),
            "{w:?}"
        );
        assert_eq!(
            w.begin_ms,
            (now.to_utc() - chrono::Duration::days(92)).timestamp_millis()
        );
    }

    #[test]
    fn an_offset_id_is_matched_to_the_broker_at_its_store_host() {
        let id = as_offset("7F000001000088B100000000000A1B2C").unwrap();
        let brokers = vec![
            ("broker-a".to_string(), "127.0.0.1:10911".to_string()),
            ("broker-b".to_string(), "127.0.0.1:34993".to_string()),
        ];
        assert_eq!(broker_of(&id, &brokers).unwrap().0, "broker-b");
        assert!(broker_of(&id, &brokers[..1]).is_none());
    }
}
