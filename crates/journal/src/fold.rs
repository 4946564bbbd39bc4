//! A send's records folded into its latest state. The journal writes a
//! `submitted` record before a send leaves and its outcome after, both with
//! the send's `id`; history, the history pane and export show one row per
//! send: its last record, where its first one stood (the order of sending).
//! A send still `submitted` is one whose outcome the process never learned
//! (it was killed); a `withdrawn` one never left and is not shown.

use std::collections::HashMap;

use super::Record;

/// One record per `id`, oldest send first, each its latest state.
pub fn latest(records: Vec<Record>) -> Vec<Record> {
    let mut at: HashMap<String, usize> = HashMap::with_capacity(records.len());
    let mut out: Vec<Option<Record>> = Vec::with_capacity(records.len());
    for r in records {
        match at.get(&r.id) {
            Some(&i) => out[i] = Some(r),
            None => {
                at.insert(r.id.clone(), out.len());
                out.push(Some(r));
            }
        }
    }
    out.into_iter()
        .flatten()
        .filter(|r| r.state != "withdrawn")
        .collect()
}
