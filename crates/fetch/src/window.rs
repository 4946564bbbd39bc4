//! `--since` / `--until` as operators type them: a duration ago (`2h`,
//! `3d`, `1h30m`) or a time (RFC 3339, local `2026-12-06 10:00`, `10:00`
//! today), read with the grammar the rest of the console uses
//! (`rmq_model::types`).

use std::time::Duration;

use chrono::{DateTime, Local, Utc};

use crate::id::Window;

/// How far back a key or tag lookup goes when `--since` is not given.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(3 * 86_400);

/// One bound: a duration before `now`, or a time.
pub fn parse_bound(s: &str, now: DateTime<Local>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.starts_with(|c: char| c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_alphabetic())
        && let Ok(d) = rmq_model::types::parse_duration(s)
    {
        let d = chrono::Duration::from_std(d).map_err(|_| format!("`{s}` is too long ago"))?;
        return Ok(now.to_utc() - d);
    }
    rmq_model::types::parse_time(s, now)
        .map_err(|e| format!("{e}, or a duration ago such as 2h or 3d"))
}

/// The window `--since` .. `--until` (defaults: `default_since` ago .. now).
pub fn window(
    since: Option<&str>,
    until: Option<&str>,
    default_since: Duration,
    now: DateTime<Local>,
) -> Result<Window, String> {
    let begin = match since {
        Some(s) => parse_bound(s, now).map_err(|e| format!("--since: {e}"))?,
        None => {
            now.to_utc()
                - chrono::Duration::from_std(default_since).unwrap_or(chrono::Duration::days(3))
        }
    };
    let end = match until {
        Some(s) => parse_bound(s, now).map_err(|e| format!("--until: {e}"))?,
        // A little past now: the broker's clock may run ahead of ours.
        None => now.to_utc() + chrono::Duration::minutes(5),
    };
    if begin >= end {
        return Err(format!(
            "--since ({}) is not before --until ({})",
            begin.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
            end.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S")
        ));
    }
    Ok(Window {
        begin_ms: begin.timestamp_millis(),
        end_ms: end.timestamp_millis(),
        note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn durations_are_ago_and_times_are_times() {
        let now = Local.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
        assert_eq!(
            parse_bound("2h", now).unwrap(),
            Local
                .with_ymd_and_hms(2026, 12, 6, 10, 0, 0)
                .unwrap()
                .to_utc()
        );
        assert_eq!(
            parse_bound("3d", now).unwrap(),
            Local
                .with_ymd_and_hms(2026, 12, 3, 12, 0, 0)
                .unwrap()
                .to_utc()
        );
        assert_eq!(
            parse_bound("2026-12-06 10:00", now).unwrap(),
            Local
                .with_ymd_and_hms(2026, 12, 6, 10, 0, 0)
                .unwrap()
                .to_utc()
        );
        assert_eq!(
            parse_bound("10:00", now).unwrap(),
            Local
                .with_ymd_and_hms(2026, 12, 6, 10, 0, 0)
                .unwrap()
                .to_utc()
        );
        assert_eq!(
            parse_bound("2026-12-06T09:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap()
        );
        let e = parse_bound("yesterday", now).unwrap_err();
        assert!(e.contains("or a duration ago such as 2h"), "{e}");
    }

    #[test]
    fn the_window_defaults_and_refuses_an_empty_range() {
        let now = Local.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
        let w = window(None, None, DEFAULT_SINCE, now).unwrap();
        assert_eq!(
            w.begin_ms,
            (now.to_utc() - chrono::Duration::days(3)).timestamp_millis()
        );
        assert!(w.end_ms > now.timestamp_millis());
        let w = window(Some("2h"), Some("1h"), DEFAULT_SINCE, now).unwrap();
        assert_eq!(w.end_ms - w.begin_ms, 3_600_000);
        let e = window(Some("1h"), Some("2h"), DEFAULT_SINCE, now).unwrap_err();
        assert!(e.contains("is not before --until"), "{e}");
        assert!(
            window(Some("soon"), None, DEFAULT_SINCE, now)
                .unwrap_err()
                .starts_with("--since: ")
        );
    }
}
