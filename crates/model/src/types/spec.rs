//! The composer's type row and the `send` flags, read into a
//! `MessageType` and described back.

use chrono::{DateTime, Local};

use super::{DELAY_LEVELS, Delay, MessageType, TxChoice, parse_duration, parse_time};

/// `1:1s 2:5s …` for error messages.
pub fn level_list() -> String {
    DELAY_LEVELS
        .iter()
        .enumerate()
        .map(|(i, (d, _))| format!("{}:{d}", i + 1))
        .collect::<Vec<_>>()
        .join(" ")
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
    use std::time::Duration;

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
}
