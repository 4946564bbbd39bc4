//! The results log: its entries, a bounded ring newest first, the
//! selected line and how times are shown.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local};

use super::App;
use crate::message::{Draft, Mode, Outcome, Seq};

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

impl App {
    pub(super) fn scroll(&mut self, by: i64) {
        let max = self.log.len().saturating_sub(1) as i64;
        self.selected = (self.selected as i64 + by).clamp(0, max) as usize;
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

    pub(super) fn push(&mut self, entry: LogEntry) {
        self.log.push_front(entry);
        if self.selected > 0 {
            // Keep the operator's line under the cursor while new ones arrive.
            self.selected += 1;
        }
        while self.log.len() > self.capacity {
            self.log.pop_back();
        }
        self.selected = self.selected.min(self.log.len().saturating_sub(1));
    }

    /// `HH:MM:SS.mmm` in the display zone.
    pub fn fmt_time(&self, t: DateTime<Local>) -> String {
        match self.display_offset {
            Some(off) => t.with_timezone(&off).format("%H:%M:%S%.3f").to_string(),
            None => t.format("%H:%M:%S%.3f").to_string(),
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
