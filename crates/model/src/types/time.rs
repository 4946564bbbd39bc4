//! Durations (`90s`, `1h30m`) and times (RFC 3339, local `YYYY-MM-DD
//! HH:MM`, `HH:MM` today) as operators type them, and shown back.

use std::time::Duration;

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::MAX_TIMER_DELAY;

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
}
