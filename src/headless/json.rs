//! The JSON lines headless commands print: one per completed send, one per
//! transaction event.

use serde_json::json;

use rmq_model::message::{Completion, Draft, Mode, Outcome};
use rmq_model::types::MessageType;

/// One JSON object per completed send.
pub fn completion_json(c: &Completion, draft: Option<&Draft>) -> serde_json::Value {
    let mut v = json!({
        "seq": c.seq,
        "mode": c.mode,
        "state": match &c.outcome {
            Outcome::Acknowledged(_) => "acknowledged",
            Outcome::Failed(_) => "failed",
            Outcome::Dispatched => "dispatched",
            Outcome::Unresolved => "unresolved",
        },
        "submitted_at": c.submitted_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        "latency_ms": rmq_model::message::millis(c.latency),
    });
    let obj = v.as_object_mut().expect("json object");
    let done_key = if c.mode == Mode::Async {
        "callback_at"
    } else {
        "completed_at"
    };
    obj.insert(
        done_key.into(),
        json!(
            c.completed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
        ),
    );
    match &c.outcome {
        Outcome::Acknowledged(r) => {
            obj.insert("status".into(), json!(r.status.as_str()));
            obj.insert("msg_id".into(), json!(r.msg_id));
            obj.insert("offset_msg_id".into(), json!(r.offset_msg_id));
            obj.insert("broker".into(), json!(r.broker));
            obj.insert("queue_id".into(), json!(r.queue_id));
            obj.insert("queue_offset".into(), json!(r.queue_offset));
            if let Some(t) = &r.transaction_id {
                obj.insert("transaction_id".into(), json!(t));
            }
        }
        Outcome::Failed(f) => {
            obj.insert("error".into(), json!(f.reason));
            if let Some(code) = f.code {
                obj.insert("broker_code".into(), json!(code));
            }
        }
        Outcome::Dispatched => {
            obj.insert("delivery".into(), json!("unverified"));
        }
        Outcome::Unresolved => {}
    }
    if let Some(d) = draft {
        type_fields(obj, c, d);
        obj.insert("topic".into(), json!(d.topic));
        if let Some(t) = &d.tag {
            obj.insert("tag".into(), json!(t));
        }
        if !d.keys.is_empty() {
            obj.insert("keys".into(), json!(d.keys));
        }
    }
    v
}

/// What a JSON line says about the message type (nothing for normal ones).
fn type_fields(obj: &mut serde_json::Map<String, serde_json::Value>, c: &Completion, d: &Draft) {
    match &d.kind {
        MessageType::Normal => return,
        MessageType::Fifo { sharding_key } => {
            obj.insert("sharding_key".into(), json!(sharding_key));
        }
        MessageType::Delayed(delay) => {
            obj.insert("delay".into(), json!(delay.describe()));
            if matches!(c.outcome, Outcome::Acknowledged(_)) {
                let at = delay.visible_at(c.submitted_at);
                obj.insert(
                    "visible_at".into(),
                    json!(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)),
                );
            }
        }
        MessageType::Transaction { .. } => {}
        MessageType::Batch { size } => {
            obj.insert("batch".into(), json!(size));
        }
    }
    obj.insert("type".into(), json!(d.kind.as_str()));
}

/// One JSON line per transaction event (after the send lines).
pub fn transaction_json(t: &rmq_model::events::TxEvent) -> serde_json::Value {
    use rmq_model::events::TxEvent;
    let at = |t: &chrono::DateTime<chrono::Local>| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    };
    match t {
        TxEvent::Pending {
            seq,
            transaction_id,
            at: when,
        } => json!({"event": "transaction-pending", "seq": seq,
                    "transaction_id": transaction_id, "at": at(when)}),
        TxEvent::Decided {
            seq,
            choice,
            by,
            at_check_back,
            at: when,
        } => json!({"event": "transaction-decided", "seq": seq, "decision": choice.as_str(),
                    "by": by, "at_check_back": at_check_back, "at": at(when)}),
        TxEvent::CheckBack {
            seq,
            transaction_id,
            answer,
            reason,
            at: when,
        } => json!({"event": "check-back", "seq": seq, "transaction_id": transaction_id,
                    "answer": answer.as_str(), "reason": reason, "at": at(when)}),
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::time::Duration;

    use chrono::{Local, TimeZone};

    use super::*;
    use rmq_model::message::SendStatus;
    use rmq_model::message::{Failure, Receipt};

    /// The JSON type of a value, as a script reading the line sees it.
    fn kind(v: &serde_json::Value) -> &'static str {
        match v {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "bool",
            serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            serde_json::Value::Number(_) => "float",
            serde_json::Value::String(_) => "string",
            serde_json::Value::Array(_) => "array",
            serde_json::Value::Object(_) => "object",
        }
    }

    /// Field, type and value of each line; times are checked to be RFC 3339
    /// with milliseconds and shown by type only (they follow the local zone).
    fn contract(lines: &[(&str, serde_json::Value)]) -> String {
        let mut out = String::new();
        for (name, v) in lines {
            writeln!(out, "## {name}").unwrap();
            for (k, field) in v.as_object().expect("one object per line") {
                if k.ends_with("_at") {
                    let text = field.as_str().expect("times are strings");
                    chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
                    assert_eq!(text.len(), "2026-11-25T12:00:00.250+00:00".len(), "{text}");
                    writeln!(out, "{k}: string (RFC 3339, ms)").unwrap();
                } else {
                    writeln!(out, "{k}: {} = {field}", kind(field)).unwrap();
                }
            }
        }
        out
    }

    fn completion(seq: u64, mode: Mode, outcome: Outcome) -> Completion {
        let at = Local.timestamp_millis_opt(1_795_000_000_250).unwrap();
        Completion {
            seq,
            mode,
            outcome,
            submitted_at: at,
            completed_at: at + chrono::Duration::microseconds(1500),
            latency: Duration::from_micros(1500),
        }
    }

    #[test]
    fn json_lines_keep_their_fields_and_types() {
        let draft = Draft {
            topic: "orders".into(),
            tag: Some("created".into()),
            keys: vec!["k1".into(), "k2".into()],
            properties: vec![("a".into(), "b".into())],
            body: b"hello".to_vec(),
            kind: Default::default(),
        };
        let receipt = Receipt {
            status: SendStatus::SendOk,
            msg_id: "7F0000010001".into(),
            offset_msg_id: "7F00000100002A9F".into(),
            broker: "broker-a".into(),
            queue_id: 3,
            queue_offset: 75012,
            transaction_id: None,
            region_id: None,
        };
        let degraded = Receipt {
            status: SendStatus::FlushDiskTimeout,
            transaction_id: Some("TX1".into()),
            ..receipt.clone()
        };
        let failure = Failure {
            reason: "authentication failed".into(),
            code: Some(16),
        };
        let plain = Draft {
            tag: None,
            keys: vec![],
            ..draft.clone()
        };
        let lines = [
            (
                "sync acknowledged",
                completion_json(
                    &completion(1, Mode::Sync, Outcome::Acknowledged(receipt)),
                    Some(&draft),
                ),
            ),
            (
                "async acknowledged, degraded, transactional",
                completion_json(
                    &completion(2, Mode::Async, Outcome::Acknowledged(degraded)),
                    Some(&plain),
                ),
            ),
            (
                "sync failed by the broker",
                completion_json(
                    &completion(3, Mode::Sync, Outcome::Failed(failure)),
                    Some(&plain),
                ),
            ),
            (
                "oneway dispatched",
                completion_json(
                    &completion(4, Mode::Oneway, Outcome::Dispatched),
                    Some(&plain),
                ),
            ),
            (
                "async unresolved, draft unknown",
                completion_json(&completion(5, Mode::Async, Outcome::Unresolved), None),
            ),
        ];
        insta::assert_snapshot!("json_lines", contract(&lines));
    }
}
