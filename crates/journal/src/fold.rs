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

/// `latest` for a stream read oldest first (`for_each_record`): each send
/// is handed on once its latest state is known, an outcome as it is read,
/// and a send written ahead with no outcome at the end (`finish`). Holds
/// only the sends written ahead whose outcome has not been read yet.
#[derive(Debug, Default)]
pub struct Folding {
    pending: HashMap<String, Record>,
}

impl Folding {
    /// Takes in the next record; gives back the record to show now, if any.
    pub fn push(&mut self, r: Record) -> Option<Record> {
        match r.state.as_str() {
            "submitted" => {
                self.pending.insert(r.id.clone(), r);
                None
            }
            "withdrawn" => {
                self.pending.remove(&r.id);
                None
            }
            _ => {
                self.pending.remove(&r.id);
                Some(r)
            }
        }
    }

    /// The sends whose outcome never came, in the order they were sent.
    pub fn finish(self) -> Vec<Record> {
        let mut left: Vec<Record> = self.pending.into_values().collect();
        left.sort_by(|a, b| {
            (a.submitted_at.as_str(), a.seq).cmp(&(b.submitted_at.as_str(), b.seq))
        });
        left
    }
}

#[cfg(test)]
mod folding_tests {
    use super::*;
    use crate::fixtures::records;

    #[test]
    fn a_stream_folds_like_the_whole_and_holds_only_open_sends() {
        let mut all = records();
        // The first send written ahead, then its outcome after the others;
        // the second written ahead and withdrawn; the last left open.
        let mut ahead = all[0].clone();
        ahead.state = "submitted".into();
        let mut gone = all[1].clone();
        gone.id = "gone".into();
        gone.state = "submitted".into();
        let mut withdrawn = gone.clone();
        withdrawn.state = "withdrawn".into();
        let mut open = all[2].clone();
        open.id = "open".into();
        open.state = "submitted".into();
        let first = all.remove(0);
        let mut stream = vec![ahead, gone, withdrawn];
        stream.extend(all.iter().cloned());
        stream.push(first.clone());
        stream.push(open.clone());
        let mut f = Folding::default();
        let mut shown: Vec<Record> = stream.iter().cloned().filter_map(|r| f.push(r)).collect();
        assert_eq!(f.pending.len(), 1, "only the open send is held");
        shown.extend(f.finish());
        let mut want = latest(stream);
        let key = |r: &Record| r.id.clone();
        shown.sort_by_key(key);
        want.sort_by_key(key);
        assert_eq!(shown, want);
        assert!(
            shown
                .iter()
                .any(|r| r.id == "open" && r.state == "submitted")
        );
        assert!(!shown.iter().any(|r| r.id == "gone"));
    }
}
