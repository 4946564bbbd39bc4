//! The write-ahead records (`submitted`, `withdrawn`), how readers fold a
//! send's records into its latest state, and a transaction's decision in
//! its record.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use rmq_model::ahead::Ahead;
use rmq_model::message::{Completion, Draft, MessageType, Mode, Outcome, Receipt, SendStatus};
use rmq_model::types::TxChoice;

use super::*;

fn journal(dir: &std::path::Path) -> Journal {
    Journal::start(Settings {
        dir: dir.to_path_buf(),
        max_bytes: DEFAULT_MAX_BYTES,
        keep: 2,
    })
}

fn draft(kind: MessageType) -> Arc<Draft> {
    Arc::new(Draft {
        kind,
        topic: "orders".into(),
        body: b"order 1842".to_vec(),
        ..Default::default()
    })
}

fn ahead(seq: u64, draft: &Arc<Draft>) -> Ahead {
    Ahead {
        seq,
        mode: Mode::Async,
        draft: draft.clone(),
        at: chrono::Local::now(),
    }
}

fn entry(seq: u64, draft: &Arc<Draft>, outcome: Outcome, tx: Option<TxDecision>) -> Entry {
    Entry {
        completion: Completion::instant(seq, Mode::Sync, outcome),
        draft: Some(draft.clone()),
        profile: "p".into(),
        options: Options::default(),
        source: None,
        tx,
    }
}

fn lines(dir: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join(CURRENT))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn acknowledged() -> Outcome {
    Outcome::Acknowledged(Receipt {
        status: SendStatus::SendOk,
        msg_id: "M".into(),
        offset_msg_id: "O".into(),
        broker: "b".into(),
        queue_id: 0,
        queue_offset: 1,
        transaction_id: None,
        region_id: None,
    })
}

/// The submitted records are in the file when `done` is called, before the
/// send leaves and with the writer still running: what a SIGKILL leaves.
#[test]
fn submitted_records_are_in_the_file_before_done_and_fold_into_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let j = journal(dir.path());
    let w = j.write_ahead("p", Default::default()).expect("a handle");
    let d = draft(MessageType::Normal);
    let (tx, rx) = mpsc::channel();
    w.submitted(
        vec![ahead(1, &d), ahead(2, &d), ahead(3, &d)],
        Box::new(move |r| tx.send(r).unwrap()),
    );
    rx.recv_timeout(Duration::from_secs(5))
        .expect("answered")
        .expect("written");
    let on_disk = lines(dir.path());
    assert_eq!(on_disk.len(), 3, "{on_disk:?}");
    assert!(on_disk.iter().all(|l| l["state"] == "submitted"));
    assert!(on_disk.iter().all(|l| l.get("completed_at").is_none()));
    // 1 ends, 2 stays open (the process "died"), 3 was never sent.
    j.record(entry(1, &d, acknowledged(), None));
    w.withdrawn(vec![ahead(3, &d)]);
    drop(w);
    assert!(j.close().is_empty());
    assert_eq!(lines(dir.path()).len(), 5);
    let read = read_dir(dir.path()).unwrap();
    let states: Vec<(u64, &str)> = read
        .records
        .iter()
        .map(|r| (r.seq, r.state.as_str()))
        .collect();
    assert_eq!(states, [(1, "acknowledged"), (2, "submitted")]);
    assert!(read.records[0].has_outcome() && !read.records[1].has_outcome());
    // Replaying the file sends each send once, not once per record.
    let text = std::fs::read(dir.path().join(CURRENT)).unwrap();
    let parsed = replay::parse(&text, "j", None, 1 << 20);
    assert!(parsed.invalid.is_empty(), "{:?}", parsed.problems());
    let ids: Vec<_> = parsed.items.iter().map(|i| i.source.clone()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
}

#[test]
fn a_transactions_record_carries_its_decision_and_who_made_it() {
    let d = draft(MessageType::Transaction {
        decide: Some(TxChoice::Rollback),
    });
    let by = |choice, by: &str| {
        Some(TxDecision {
            choice,
            by: by.into(),
        })
    };
    let rec = |tx| Record::from_entry(&entry(1, &d, acknowledged(), tx), "s-1".into());
    let r = rec(by(TxChoice::Rollback, "the send"));
    assert_eq!(r.state, "acknowledged");
    assert_eq!(r.decision.as_deref(), Some("rollback"));
    assert_eq!(r.decided_by.as_deref(), Some("the send"));
    let line = serde_json::to_value(&r).unwrap();
    assert_eq!(line["decision"], "rollback");
    let r = rec(by(TxChoice::Commit, "transaction-policy = commit"));
    assert_eq!(r.decision.as_deref(), Some("commit"));
    let r = rec(by(TxChoice::Unknown, "shutdown (left unknown)"));
    assert_eq!(r.decision.as_deref(), Some("unknown-at-shutdown"));
    let r = rec(None);
    assert_eq!(r.decision.as_deref(), Some("undecided"));
    assert_eq!(r.decided_by, None);
    // Other types carry no decision at all.
    let plain = draft(MessageType::Normal);
    let r = Record::from_entry(&entry(2, &plain, acknowledged(), None), "s-2".into());
    assert_eq!(serde_json::to_value(&r).unwrap().get("decision"), None);
}
