//! Message types in the console's results: a transactional send's PENDING
//! row and the decision on it (`C` commit, `X` rollback, `U` leave unknown,
//! or the profile policy), the broker's check-backs as rows of their own,
//! and delayed rows counting down to when they become visible.

use std::collections::HashMap;

use chrono::{DateTime, Local};

use super::{App, Effect, Effects, EntryKind, Level, LogEntry};
use rmq_engine::producer::ProducerCommand;
use rmq_model::events::TxEvent;
use rmq_model::message::{Completion, Outcome, Seq};
use rmq_model::types::{MessageType, TxChoice};

/// Where a transaction of this session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxState {
    /// The half message is stored; nobody has decided.
    Pending { transaction_id: String },
    Decided {
        choice: TxChoice,
        by: String,
        /// Given at the broker's next check-back, not yet at the broker.
        at_check_back: bool,
    },
}

/// The message-type state the results rows show.
#[derive(Debug, Clone, Default)]
pub struct TypedRows {
    pub tx: HashMap<Seq, TxState>,
    /// The latest moment a delayed message of this session becomes
    /// visible: until then the clock ticks the rows' countdown.
    pub last_visible: Option<DateTime<Local>>,
}

impl App {
    pub(super) fn on_transaction(&mut self, t: TxEvent) {
        match t {
            TxEvent::Pending {
                seq,
                transaction_id,
                ..
            } => {
                self.typed
                    .tx
                    .insert(seq, TxState::Pending { transaction_id });
            }
            TxEvent::Decided {
                seq,
                choice,
                by,
                at_check_back,
                ..
            } => {
                self.typed.tx.insert(
                    seq,
                    TxState::Decided {
                        choice,
                        by,
                        at_check_back,
                    },
                );
            }
            TxEvent::CheckBack {
                seq,
                transaction_id,
                answer,
                reason,
                ..
            } => {
                let whose = seq.map_or_else(|| "a transaction".to_string(), |s| format!("#{s}"));
                let text = format!(
                    "CHECK-BACK {whose} answered {} — {reason} · tx {transaction_id}",
                    answer.as_str().to_uppercase()
                );
                // A row of its own that names its send, so C / X / U on it
                // decide that transaction.
                let (mode, draft) = (self.mode, None);
                self.push(LogEntry {
                    at: self.now,
                    seq: seq.unwrap_or(0),
                    mode,
                    kind: EntryKind::Note(text),
                    draft,
                    profile: self.profile().name.clone(),
                });
                if let Some(seq) = seq
                    && answer != TxChoice::Unknown
                    && let Some(TxState::Decided { at_check_back, .. }) =
                        self.typed.tx.get_mut(&seq)
                {
                    *at_check_back = false;
                }
            }
        }
    }

    /// A delayed send's outcome: its visibility time keeps the clock live.
    pub(super) fn note_visibility(&mut self, c: &Completion, kind: &MessageType) {
        if let (MessageType::Delayed(d), Outcome::Acknowledged(_)) = (kind, &c.outcome) {
            let at = d.visible_at(c.submitted_at);
            if self.typed.last_visible.is_none_or(|l| l < at) {
                self.typed.last_visible = Some(at);
            }
        }
    }

    /// Whether a row is counting down (the clock must redraw each second).
    pub fn counting_down(&self) -> bool {
        self.typed.last_visible.is_some_and(|at| self.now <= at)
    }

    /// `C` / `X` / `U` on the selected row.
    pub(super) fn decide(&mut self, choice: TxChoice, fx: &mut Effects) {
        let Some(seq) = self.selected_entry().map(|e| e.seq) else {
            self.notice(Level::Info, "no row selected");
            return;
        };
        match self.typed.tx.get(&seq) {
            Some(TxState::Pending { .. })
            | Some(TxState::Decided {
                choice: TxChoice::Unknown,
                ..
            }) => {
                self.notice(
                    Level::Info,
                    format!("#{seq}: {choice} sent to the producer"),
                );
                fx.push_back(Effect::Submit(ProducerCommand::Decide { seq, choice }));
            }
            Some(TxState::Decided { choice: was, .. }) => {
                self.notice(Level::Warn, format!("#{seq} is already decided: {was}"));
            }
            None => {
                self.notice(Level::Info, format!("#{seq} is not a pending transaction"));
            }
        }
    }
}
