//! The results log: one row per send that changes in place as the send
//! moves on (QUEUED → IN FLIGHT → its outcome), console notes between
//! them, and, for whoever wants the raw sequence, every event as its own
//! line. Both are bounded rings, newest first. Also the selected line and
//! how times are shown.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, Timelike};

use super::App;
use rmq_model::message::{Draft, Mode, Outcome, Seq};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Queued,
    Submitted,
    Completed {
        outcome: Outcome,
        submitted_at: DateTime<Local>,
        latency: Duration,
    },
    /// The UI could not hand the send to the producer.
    NotSent(String),
    /// A console event in the log (profile switches), not a send.
    Note(String),
}

/// One line of the results log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: DateTime<Local>,
    pub seq: Seq,
    pub mode: Mode,
    pub kind: EntryKind,
    pub draft: Option<Arc<Draft>>,
    /// The profile the send went out under; results outlive a switch.
    pub profile: String,
}

impl LogEntry {
    pub fn msg_id(&self) -> Option<&str> {
        match &self.kind {
            EntryKind::Completed {
                outcome: Outcome::Acknowledged(r),
                ..
            } => Some(&r.msg_id),
            _ => None,
        }
    }
}

/// The rows and the raw event lines, and which of them is shown.
#[derive(Debug, Clone, Default)]
pub struct ResultsLog {
    /// One row per send (and one per note), newest first.
    rows: VecDeque<LogEntry>,
    /// Every event as its own line, newest first.
    raw: VecDeque<LogEntry>,
    /// Show `raw` instead of `rows`.
    pub raw_view: bool,
    /// Row id of each send's row; a row's index is `next_id - 1 - id`.
    ids: HashMap<Seq, u64>,
    next_id: u64,
    capacity: usize,
    /// Rows that fell off past the capacity this session.
    pub dropped: u64,
}

impl ResultsLog {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ..Default::default()
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// What the pane shows: rows, or raw lines.
    pub fn shown(&self) -> &VecDeque<LogEntry> {
        if self.raw_view { &self.raw } else { &self.rows }
    }

    /// Every event as its own line, newest first.
    pub fn raw(&self) -> &VecDeque<LogEntry> {
        &self.raw
    }

    /// Records an event: a raw line, and the send's row created or changed
    /// in place. Returns whether the shown list gained a line at the top.
    fn record(&mut self, entry: LogEntry) -> bool {
        push_bounded(&mut self.raw, entry.clone(), self.capacity);
        self.row(entry) || self.raw_view
    }

    /// Creates or changes the send's row; returns whether a row was added.
    fn row(&mut self, entry: LogEntry) -> bool {
        let is_send = entry.seq != 0 && !matches!(entry.kind, EntryKind::Note(_));
        if is_send && let Some(i) = self.row_of(entry.seq) {
            let row = &mut self.rows[i];
            // The row keeps the moment the send was handed over: the
            // outcome adds how long it took (an async callback's delay).
            row.at = match &entry.kind {
                EntryKind::Completed { submitted_at, .. } => *submitted_at,
                _ => entry.at,
            };
            row.kind = entry.kind;
            row.mode = entry.mode;
            if entry.draft.is_some() {
                row.draft = entry.draft;
            }
            return false;
        }
        let mut row = entry;
        if let EntryKind::Completed { submitted_at, .. } = &row.kind {
            row.at = *submitted_at;
        }
        if is_send {
            self.ids.insert(row.seq, self.next_id);
        }
        self.next_id += 1;
        if let Some(gone) = push_bounded(&mut self.rows, row, self.capacity) {
            self.dropped += 1;
            // A note may name a send (a check-back does): not its row.
            if !matches!(gone.kind, EntryKind::Note(_)) {
                self.ids.remove(&gone.seq);
            }
        }
        !self.raw_view
    }

    /// The row of send `seq`, if the log still has it.
    pub fn row_for(&self, seq: Seq) -> Option<&LogEntry> {
        self.row_of(seq).map(|i| &self.rows[i])
    }

    fn row_of(&self, seq: Seq) -> Option<usize> {
        let id = *self.ids.get(&seq)?;
        let i = usize::try_from(self.next_id - 1 - id).ok()?;
        (self.rows.get(i)?.seq == seq).then_some(i)
    }

    /// The id an acknowledged send got, from its row or its raw lines.
    pub fn msg_id_of(&self, seq: Seq) -> Option<&str> {
        self.row_of(seq)
            .and_then(|i| self.rows[i].msg_id())
            .or_else(|| {
                self.raw
                    .iter()
                    .filter(|x| x.seq == seq)
                    .find_map(LogEntry::msg_id)
            })
    }
}

/// Pushes to the front; returns the oldest entry when it falls off.
fn push_bounded(q: &mut VecDeque<LogEntry>, e: LogEntry, cap: usize) -> Option<LogEntry> {
    q.push_front(e);
    (q.len() > cap).then(|| q.pop_back()).flatten()
}

impl App {
    pub(super) fn toggle_raw(&mut self) {
        self.log.raw_view = !self.log.raw_view;
        self.follow();
    }

    /// A warning from outside the App (the sandbox could not get a network
    /// of its own, a signal arrived): the status bar and the results log.
    pub fn warn(&mut self, text: String) {
        self.push_note(text.clone());
        self.notice(super::Level::Warn, text);
    }

    pub(super) fn push_note(&mut self, text: String) {
        self.push(LogEntry {
            at: self.now,
            seq: 0,
            mode: self.mode,
            kind: EntryKind::Note(text),
            draft: None,
            profile: self.profile().name.clone(),
        });
    }

    /// The row of a send just taken on (not an event: no raw line).
    pub(super) fn push_accepted(&mut self, seq: Seq, mode: Mode, draft: Arc<Draft>) {
        let entry = LogEntry {
            at: self.now,
            seq,
            mode,
            kind: EntryKind::Queued,
            draft: Some(draft),
            profile: self.profile().name.clone(),
        };
        // A transaction being decided stays under the cursor while rows
        // arrive above it (judged before the new row moves the indices).
        let pinned = self.deciding();
        let dropped = self.log.dropped;
        let added = self.log.row(entry);
        self.rows_changed(added, dropped, pinned);
    }

    pub(super) fn push(&mut self, entry: LogEntry) {
        let pinned = self.deciding();
        let dropped = self.log.dropped;
        let added = self.log.record(entry);
        self.rows_changed(added, dropped, pinned);
    }

    /// `HH:MM:SS.mmm` in the display zone. Written out by hand: every row
    /// of the results pane has one per frame, and chrono's `format` parses
    /// its format string on each call.
    pub fn fmt_time(&self, t: DateTime<Local>) -> String {
        fn hms(t: impl Timelike) -> String {
            // A leap second's nanoseconds run past 1e9; `%.3f` wraps them.
            let ms = t.nanosecond() % 1_000_000_000 / 1_000_000;
            format!(
                "{:02}:{:02}:{:02}.{ms:03}",
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        match self.display_offset {
            Some(off) => hms(t.with_timezone(&off)),
            None => hms(t),
        }
    }

    pub fn fmt_datetime(&self, t: DateTime<Local>) -> String {
        match self.display_offset {
            Some(off) => t
                .with_timezone(&off)
                .format("%Y-%m-%d %H:%M:%S%.3f %:z")
                .to_string(),
            None => t.format("%Y-%m-%d %H:%M:%S%.3f %:z").to_string(),
        }
    }
}
