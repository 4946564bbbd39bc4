//! The locator grammar: what one word the operator types names (an id, a
//! key, a tag, a queue position, a group's dead-letter or retry queue), read
//! without touching the network.

use std::fmt;

/// What to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    /// A 32- or 56-hex id; `forced` when the operator said which kind
    /// (`id:` for an offset msgId, `uniq:` for a unique key) instead of
    /// leaving it to the classifier.
    Id { hex: String, forced: Option<IdKind> },
    /// `key:K` or a bare word: the `KEYS` index of the topic.
    Key(String),
    /// `tag:T`: the tags index of the topic (the 1.0 broker indexes tags).
    Tag(String),
    /// `TOPIC@BROKER:QUEUE:OFFSET`, or `QUEUE@OFFSET` with the topic from
    /// `--topic` and the broker from the route when it has only one.
    Position {
        topic: Option<String>,
        broker: Option<String>,
        queue: i32,
        offset: i64,
    },
    /// `dlq:GROUP`: `%DLQ%GROUP`.
    Dlq(String),
    /// `retry:GROUP`: `%RETRY%GROUP`.
    Retry(String),
}

/// The two kinds of 32/56-hex ids RocketMQ hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// Store host (ip:port) + commit-log offset: names one stored copy.
    Offset,
    /// The producer's `UNIQ_KEY` (ip, pid, time, counter): shared by the
    /// members of a batch and by dead-letter and retry copies.
    Unique,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Offset => "offset msgId",
            IdKind::Unique => "unique key",
        })
    }
}

/// Whether `s` has the shape of a message id: 32 (IPv4) or 56 (IPv6) hex
/// characters.
pub fn is_id_shaped(s: &str) -> bool {
    (s.len() == 32 || s.len() == 56) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

const PREFIXES: [&str; 6] = ["key", "tag", "dlq", "retry", "id", "uniq"];

/// Reads one locator. The error says what was expected.
pub fn parse(input: &str) -> Result<Locator, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(
            "empty locator (an id, key:K, tag:T, QUEUE@OFFSET, dlq:GROUP or retry:GROUP)".into(),
        );
    }
    if is_id_shaped(s) {
        return Ok(Locator::Id {
            hex: s.to_ascii_uppercase(),
            forced: None,
        });
    }
    if let Some((prefix, rest)) = s.split_once(':')
        && (PREFIXES.contains(&prefix) || !s.contains('@'))
    {
        let nonempty = |what: &str| {
            if rest.is_empty() {
                Err(format!("`{s}`: nothing after `{prefix}:` (the {what})"))
            } else {
                Ok(rest.to_string())
            }
        };
        return match prefix {
            "key" => nonempty("key").map(Locator::Key),
            "tag" => nonempty("tag").map(Locator::Tag),
            "dlq" => nonempty("consumer group").map(Locator::Dlq),
            "retry" => nonempty("consumer group").map(Locator::Retry),
            "id" | "uniq" => {
                let hex = rest.trim();
                if !is_id_shaped(hex) {
                    return Err(format!(
                        "`{s}`: an id is 32 or 56 hex characters, this is {} characters",
                        hex.len()
                    ));
                }
                Ok(Locator::Id {
                    hex: hex.to_ascii_uppercase(),
                    forced: Some(if prefix == "id" {
                        IdKind::Offset
                    } else {
                        IdKind::Unique
                    }),
                })
            }
            other => Err(format!(
                "`{s}`: unknown locator `{other}:` (key:, tag:, id:, uniq:, dlq:, retry:); a key with a colon is written key:{s}"
            )),
        };
    }
    if let Some((left, right)) = s.split_once('@') {
        return position(s, left, right);
    }
    if s.contains(char::is_whitespace) {
        return Err(format!(
            "`{s}`: a key has no spaces (RocketMQ splits keys on them); give one key"
        ));
    }
    Ok(Locator::Key(s.to_string()))
}

/// `TOPIC@BROKER:QUEUE:OFFSET` or `QUEUE@OFFSET`.
fn position(s: &str, left: &str, right: &str) -> Result<Locator, String> {
    let number = |what: &str, n: &str| -> Result<i64, String> {
        n.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("`{s}`: the {what} `{n}` is not a number of 0 or more"))
    };
    let queue = |n: &str| -> Result<i32, String> {
        i32::try_from(number("queue", n)?).map_err(|_| format!("`{s}`: queue `{n}` is too large"))
    };
    let parts: Vec<&str> = right.split(':').collect();
    match parts.as_slice() {
        [offset] => Ok(Locator::Position {
            topic: None,
            broker: None,
            queue: queue(left)?,
            offset: number("offset", offset)?,
        }),
        [broker, q, offset] if !left.is_empty() && !broker.is_empty() => Ok(Locator::Position {
            topic: Some(left.to_string()),
            broker: Some(broker.to_string()),
            queue: queue(q)?,
            offset: number("offset", offset)?,
        }),
        _ => Err(format!(
            "`{s}`: a position is TOPIC@BROKER:QUEUE:OFFSET or QUEUE@OFFSET"
        )),
    }
}

impl fmt::Display for Locator {
    /// What the input was taken to be, before any network call.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Locator::Id { hex, forced } => match forced {
                Some(kind) => write!(f, "{kind} {hex} (as given)"),
                None => write!(f, "id {hex}"),
            },
            Locator::Key(k) => write!(f, "key {k}"),
            Locator::Tag(t) => write!(f, "tag {t}"),
            Locator::Position {
                topic,
                broker,
                queue,
                offset,
            } => {
                if let Some(t) = topic {
                    write!(f, "{t} ")?;
                }
                match broker {
                    Some(b) => write!(f, "{b} queue {queue} @ {offset}"),
                    None => write!(f, "queue {queue} @ {offset}"),
                }
            }
            Locator::Dlq(g) => write!(f, "dead letters of group {g}"),
            Locator::Retry(g) => write!(f, "retry queue of group {g}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_reads_as_what_it_names() {
        let id = "7F000001000088B100000000000A1B2C";
        assert_eq!(
            parse(&id.to_lowercase()),
            Ok(Locator::Id {
                hex: id.into(),
                forced: None
            })
        );
        let v6 = "0".repeat(56);
        assert!(matches!(parse(&v6), Ok(Locator::Id { .. })));
        assert_eq!(parse("key:o-1842"), Ok(Locator::Key("o-1842".into())));
        assert_eq!(parse("o-1842"), Ok(Locator::Key("o-1842".into())));
        assert_eq!(parse("key:a:b"), Ok(Locator::Key("a:b".into())));
        assert_eq!(parse("key:a@b:1"), Ok(Locator::Key("a@b:1".into())));
        assert_eq!(parse("tag:paid"), Ok(Locator::Tag("paid".into())));
        assert_eq!(parse("dlq:billing"), Ok(Locator::Dlq("billing".into())));
        assert_eq!(parse("retry:billing"), Ok(Locator::Retry("billing".into())));
        assert_eq!(
            parse("3@42"),
            Ok(Locator::Position {
                topic: None,
                broker: None,
                queue: 3,
                offset: 42
            })
        );
        assert_eq!(
            parse("orders@broker-a:1:7"),
            Ok(Locator::Position {
                topic: Some("orders".into()),
                broker: Some("broker-a".into()),
                queue: 1,
                offset: 7
            })
        );
        assert_eq!(
            parse(&format!("uniq:{id}")),
            Ok(Locator::Id {
                hex: id.into(),
                forced: Some(IdKind::Unique)
            })
        );
        assert_eq!(
            parse(&format!("id:{id}")),
            Ok(Locator::Id {
                hex: id.into(),
                forced: Some(IdKind::Offset)
            })
        );
    }

    #[test]
    fn bad_locators_say_what_was_expected() {
        assert!(parse("").unwrap_err().contains("empty locator"));
        assert!(parse("key:").unwrap_err().contains("nothing after `key:`"));
        assert!(parse("k:x").unwrap_err().contains("unknown locator `k:`"));
        assert!(parse("id:ABC").unwrap_err().contains("32 or 56 hex"));
        assert!(parse("x@1").unwrap_err().contains("queue `x`"));
        assert!(parse("1@-2").unwrap_err().contains("offset `-2`"));
        assert!(
            parse("t@b:1")
                .unwrap_err()
                .contains("TOPIC@BROKER:QUEUE:OFFSET")
        );
        assert!(parse("two words").unwrap_err().contains("no spaces"));
        // 31 hex characters are a key, not a broken id.
        assert_eq!(parse(&"A".repeat(31)), Ok(Locator::Key("A".repeat(31))));
    }

    #[test]
    fn the_display_says_what_the_input_was_taken_to_be() {
        assert_eq!(parse("o-1").unwrap().to_string(), "key o-1");
        assert_eq!(parse("2@9").unwrap().to_string(), "queue 2 @ 9");
        assert_eq!(parse("t@b:2:9").unwrap().to_string(), "t b queue 2 @ 9");
        assert_eq!(
            parse("dlq:g").unwrap().to_string(),
            "dead letters of group g"
        );
    }
}
