//! Checks on a draft before it is sent, field by field, with messages meant
//! to be shown next to the field. The rules are RocketMQ's own.

use crate::message::Draft;

/// RocketMQ's topic length limit.
pub const TOPIC_MAX_LEN: usize = 127;

pub fn topic(t: &str) -> Result<(), String> {
    if t.is_empty() {
        return Err("topic is required".into());
    }
    if t.len() > TOPIC_MAX_LEN {
        return Err(format!(
            "topic is {} characters; at most {TOPIC_MAX_LEN}",
            t.len()
        ));
    }
    if let Some(c) = t
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '%' | '|')))
    {
        return Err(format!(
            "topic may only use letters, digits, `_`, `-`, `%` and `|`; found `{c}`"
        ));
    }
    Ok(())
}

pub fn tag(t: &str) -> Result<(), String> {
    if t.contains("||") {
        return Err("tag must not contain `||` (it separates tags in subscriptions)".into());
    }
    Ok(())
}

/// A user property name that RocketMQ reserves for itself.
fn is_reserved_property(name: &str) -> bool {
    rocketmq_model::common::message::STRING_HASH_SET.contains(name)
}

pub fn property(key: &str, value: &str) -> Result<(), String> {
    if key.trim().is_empty() {
        return Err("property name is empty".into());
    }
    if value.is_empty() {
        return Err(format!("property `{key}` has an empty value"));
    }
    if is_reserved_property(key) {
        return Err(format!("`{key}` is a reserved RocketMQ property name"));
    }
    Ok(())
}

pub fn body(len: usize, max: usize) -> Result<(), String> {
    if len == 0 {
        return Err("body is empty; RocketMQ refuses empty messages".into());
    }
    if len > max {
        return Err(format!(
            "body is {len} bytes; the profile allows at most {max}"
        ));
    }
    Ok(())
}

/// The first problem with a draft, prefixed with the field it is in.
pub fn draft(d: &Draft, max_body: usize) -> Result<(), String> {
    topic(&d.topic).map_err(|e| format!("topic: {e}"))?;
    if let Some(t) = &d.tag {
        tag(t).map_err(|e| format!("tag: {e}"))?;
    }
    for (k, v) in &d.properties {
        property(k, v).map_err(|e| format!("properties: {e}"))?;
    }
    body(d.body.len(), max_body).map_err(|e| format!("body: {e}"))
}

/// Whether a value given where a name belongs (an environment variable's
/// name, a TOML token) looks like a pasted credential: long, letters and
/// digits mixed, no `_` or space, as AccessKey ids and secrets are and
/// variable names (`ALIBABA_CLOUD_ACCESS_KEY_ID`) are not. Such a value is
/// never echoed back.
pub fn looks_like_secret(s: &str) -> bool {
    s.chars().count() >= 16
        && !s.contains(['_', ' '])
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics() {
        assert!(topic("orders_v2-eu%1").is_ok());
        assert_eq!(topic("").unwrap_err(), "topic is required");
        assert!(topic("a b").unwrap_err().contains("found ` `"));
        assert!(topic(&"t".repeat(128)).unwrap_err().contains("at most 127"));
    }

    #[test]
    fn properties_and_tags() {
        assert!(property("UNIQ_KEY", "x").unwrap_err().contains("reserved"));
        assert!(property("KEYS", "x").is_err());
        assert!(property("region", "eu").is_ok());
        assert!(tag("a||b").is_err());
        assert!(body(5, 4).unwrap_err().contains("at most 4"));
    }
}
