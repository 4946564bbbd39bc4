//! Writing sends ahead into the journal before they are handed to the
//! client (`rmq_model::ahead`), so that a process killed with sends in
//! flight leaves a `submitted` record for each of them. A single send waits
//! for its own record; a burst writes a chunk of its next sends at once
//! (`Chunk`) and withdraws, when it stops early, those it never sent.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local};

use rmq_model::ahead::{Ahead, WriteAhead};
use rmq_model::message::{Draft, Mode, Seq};

use super::lanes::seqs;
use super::outlet::Shared;

/// The longest a send waits for its record: the journal's lock wait
/// (`rmq_journal::LOCK_WAIT`, 1.5 s) and a write. Past it the send goes on
/// (the journal reports its own trouble): sending never stops for it.
pub(super) const AHEAD_WAIT: Duration = Duration::from_secs(2);

/// The most sends a burst writes ahead at once: one journal write per
/// chunk keeps the cost per send small.
const CHUNK: u64 = 256;

/// Writes the `submitted` records of `sends` and waits for them (at most
/// `AHEAD_WAIT`). Nothing to do without a journal.
pub(super) async fn write_ahead(shared: &Shared, sends: Vec<Ahead>) {
    let Some(w) = &shared.write_ahead else { return };
    if sends.is_empty() {
        return;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    w.submitted(
        sends,
        Box::new(move |r| {
            let _ = tx.send(r);
        }),
    );
    match tokio::time::timeout(AHEAD_WAIT, rx).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(why))) => tracing::debug!("write-ahead: {why}"),
        Ok(Err(_)) => tracing::debug!("write-ahead: the journal did not answer"),
        Err(_) => tracing::warn!("write-ahead: not written within {AHEAD_WAIT:?}; sending on"),
    }
}

/// The records of one send (a batch uses one sequence number per member).
pub(super) fn of(seq: Seq, mode: Mode, draft: &Arc<Draft>) -> Vec<Ahead> {
    stamped(seq, mode, draft, Local::now()).collect()
}

/// The records of one send, written ahead at `at`.
fn stamped(
    seq: Seq,
    mode: Mode,
    draft: &Arc<Draft>,
    at: DateTime<Local>,
) -> impl Iterator<Item = Ahead> + '_ {
    seqs(seq, draft).map(move |s| Ahead {
        seq: s,
        mode,
        draft: draft.clone(),
        at,
    })
}

/// A burst's sends written ahead and not sent yet. Dropped with sends left
/// (the burst stopped, was cancelled or aborted), it withdraws them: their
/// records then say they never left.
pub(super) struct Chunk {
    write_ahead: Option<Arc<dyn WriteAhead>>,
    mode: Mode,
    queue: VecDeque<(Seq, Arc<Draft>)>,
}

impl Chunk {
    pub(super) fn new(shared: &Shared, mode: Mode) -> Chunk {
        Chunk {
            write_ahead: shared.write_ahead.clone(),
            mode,
            queue: VecDeque::new(),
        }
    }

    /// How many sends to write ahead at once: at most `CHUNK`, and at a
    /// paced rate at most a tenth of a second of sends, so a killed
    /// process leaves few records of sends that never left.
    pub(super) fn size(rate: Option<u32>) -> u64 {
        rate.filter(|r| *r > 0)
            .map_or(CHUNK, |r| (u64::from(r) / 10).clamp(1, CHUNK))
    }

    /// Whether the next send needs a new chunk written ahead first.
    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Writes `next` ahead (nothing without a journal) and keeps the drafts
    /// for `take`.
    pub(super) async fn fill(
        &mut self,
        shared: &Shared,
        next: impl Iterator<Item = (Seq, Arc<Draft>)>,
    ) {
        if self.write_ahead.is_none() {
            return;
        }
        self.queue.extend(next);
        // One clock reading for the chunk: its records are written at once.
        let at = Local::now();
        let sends = self
            .queue
            .iter()
            .flat_map(|(s, d)| stamped(*s, self.mode, d, at))
            .collect();
        write_ahead(shared, sends).await;
    }

    /// The draft written ahead for send `seq`, if it is the next one.
    pub(super) fn take(&mut self, seq: Seq) -> Option<Arc<Draft>> {
        match self.queue.front() {
            Some((s, _)) if *s == seq => self.queue.pop_front().map(|(_, d)| d),
            _ => None,
        }
    }

    fn withdraw(&mut self) {
        let Some(w) = &self.write_ahead else { return };
        if self.queue.is_empty() {
            return;
        }
        let at = Local::now();
        let sends = self
            .queue
            .iter()
            .flat_map(|(s, d)| stamped(*s, self.mode, d, at))
            .collect();
        self.queue.clear();
        w.withdrawn(sends);
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        self.withdraw();
    }
}
