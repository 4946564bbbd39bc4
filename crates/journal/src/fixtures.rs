//! Records for the tests of this crate and the crates above it (the
//! `fixtures` feature): three sends with a tag, two keys, properties with
//! commas, quotes and newlines, a text and a binary body.

use rmq_model::message::Mode;

use crate::Record;

/// Record `seq` of topic `topic` that ended in `state`.
pub fn record(seq: u64, topic: &str, state: &str) -> Record {
    Record {
        id: format!("s-{seq}"),
        source: (seq == 2).then(|| "old-1".to_string()),
        profile: "p".into(),
        mode: Mode::Sync,
        seq,
        topic: topic.into(),
        tag: Some("t".into()),
        keys: vec!["k1".into(), format!("k{seq}")],
        properties: vec![("a".into(), "1,\"2\"".into()), ("b".into(), "x\ny".into())],
        body: (seq != 3).then(|| "line one\nline, \"two\"".into()),
        body_base64: (seq == 3).then(|| "/wCA".into()),
        kind: (seq == 2).then(|| "fifo order-2".into()),
        batch: None,
        options: Default::default(),
        state: state.into(),
        status: (state == "acknowledged").then(|| "SendOk".into()),
        msg_id: Some("M".into()),
        offset_msg_id: None,
        broker: Some("b".into()),
        queue_id: Some(1),
        queue_offset: Some(9),
        transaction_id: None,
        decision: None,
        decided_by: None,
        error: (state == "failed").then(|| "no route".into()),
        broker_code: (state == "failed").then_some(17),
        submitted_at: format!("2026-11-25T12:00:0{seq}.000+00:00"),
        completed_at: format!("2026-11-25T12:00:0{seq}.002+00:00"),
        callback_at: None,
        latency_ms: 2.5,
    }
}

/// Sends 1 (acknowledged, `a`), 2 (failed, `b`, a FIFO resend) and 3
/// (acknowledged, `a`, binary body).
pub fn records() -> Vec<Record> {
    vec![
        record(1, "a", "acknowledged"),
        record(2, "b", "failed"),
        record(3, "a", "acknowledged"),
    ]
}
