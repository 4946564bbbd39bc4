//! Key templates for repeated sends: `{seq}` (the session's sequence
//! number), `{n}` (1..N within this burst), `{uuid}` and `{now}` expand per
//! message so every message of a burst can be found by its own key.

use chrono::{DateTime, Local};

use crate::message::Seq;

/// Placeholders the template understands, for help text and validation.
pub const PLACEHOLDERS: [&str; 4] = ["{seq}", "{n}", "{uuid}", "{now}"];

/// Expands every placeholder for message `n` (from 1) of a burst whose
/// sequence number is `seq`; `{now}` is milliseconds since the epoch.
pub fn expand(template: &str, seq: Seq, n: u64, now: DateTime<Local>) -> String {
    let mut out = template
        .replace("{seq}", &seq.to_string())
        .replace("{n}", &n.to_string());
    if out.contains("{now}") {
        out = out.replace("{now}", &now.timestamp_millis().to_string());
    }
    while out.contains("{uuid}") {
        out = out.replacen("{uuid}", &uuid::Uuid::new_v4().simple().to_string(), 1);
    }
    out
}

/// An unknown `{...}` placeholder, reported next to the template field, or
/// a character no key may hold (placeholders expand to letters, digits and
/// `-`; the template's spaces separate keys).
pub fn validate(template: &str) -> Result<(), String> {
    if let Some(e) = template
        .split_whitespace()
        .find_map(|k| crate::validate::key(k).err())
    {
        return Err(format!("key template: {e}"));
    }
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            return Err("unclosed `{` in key template".into());
        };
        let token = &rest[start..start + len + 1];
        if !PLACEHOLDERS.contains(&token) {
            return Err(format!(
                "unknown placeholder {token} (use {})",
                PLACEHOLDERS.join(", ")
            ));
        }
        rest = &rest[start + len + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn expands_each_placeholder() {
        let now = Local.timestamp_millis_opt(1_700_000_000_123).unwrap();
        assert_eq!(
            expand("order-{seq}-{now}", 7, 1, now),
            "order-7-1700000000123"
        );
        // {n} counts this burst's messages from 1, whatever the session's seq.
        assert_eq!(expand("order-{n} s{seq}", 41, 3, now), "order-3 s41");
        let a = expand("{uuid} {uuid}", 1, 1, now);
        let parts: Vec<_> = a.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].len(), 32);
        assert_ne!(parts[0], parts[1], "each {{uuid}} is a fresh id");
    }

    #[test]
    fn rejects_unknown_placeholders() {
        assert!(validate("k-{seq}").is_ok() && validate("k-{n}").is_ok());
        assert_eq!(
            validate("k-{id}").unwrap_err(),
            "unknown placeholder {id} (use {seq}, {n}, {uuid}, {now})"
        );
        assert_eq!(
            validate("k-{seq").unwrap_err(),
            "unclosed `{` in key template"
        );
    }
}
