//! Message types in the console's results: a transaction's one row, which
//! changes in place from PENDING to its decision (`C` commit, `X` rollback,
//! `U` leave unknown, or who else decided and why) and the broker's
//! check-backs on it (counted on the row, with the last answer), and
//! delayed rows counting down to when they become visible.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Local};

use super::{App, Effect, Effects, EntryKind, Level};
use rmq_engine::ledger::fmt_latency;
use rmq_engine::producer::ProducerCommand;
use rmq_model::events::TxEvent;
use rmq_model::message::{Completion, Outcome, Seq};
use rmq_model::types::{MessageType, TxChoice};

/// The broker's default `transactionCheckMax`: after this many check-backs
/// answered unknown it gives the half message up (discards it).
pub const BROKER_CHECK_MAX: u32 = 15;

/// A transaction of this session, as its row shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxState {
    /// The message's unique key, which the broker's check-backs name.
    pub transaction_id: String,
    /// When the half message was stored: the decision's clock starts here.
    pub stored_at: DateTime<Local>,
    pub decision: Option<TxDecision>,
    /// The broker's check-backs so far, and the last one's answer and why.
    pub checks: u32,
    pub last_check: Option<(TxChoice, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxDecision {
    pub choice: TxChoice,
    /// Who decided, and for anyone but the operator why: "operator",
    /// "policy (transaction-policy = commit)", "the console: …".
    pub by: String,
    pub at: DateTime<Local>,
    /// Given after the half message was answered unknown: it reaches the
    /// broker at its next check-back (cleared once one carries it).
    pub at_check_back: bool,
}

/// How the row's outcome column is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxTone {
    /// Nothing final yet: the operator (or the broker) still has to act.
    Waiting,
    Committed,
    RolledBack,
}

impl TxState {
    /// Commit or rollback, once given (unknown decides nothing).
    pub fn settled(&self) -> Option<TxChoice> {
        self.decision
            .as_ref()
            .map(|d| d.choice)
            .filter(|c| *c != TxChoice::Unknown)
    }

    /// Whether the broker does not have its commit or rollback yet: nobody
    /// decided, it was left unknown, or the decision waits for a check-back.
    pub fn unsettled(&self) -> bool {
        self.settled().is_none() || self.decision.as_ref().is_some_and(|d| d.at_check_back)
    }

    /// The outcome column: never the half message's green `OK`.
    pub fn label(&self) -> (&'static str, TxTone) {
        let on_its_way = self.decision.as_ref().is_some_and(|d| d.at_check_back);
        match self.settled() {
            None => ("PENDING", TxTone::Waiting),
            Some(TxChoice::Commit) if on_its_way => ("COMMIT…", TxTone::Waiting),
            Some(_) if on_its_way => ("ROLLBACK…", TxTone::Waiting),
            Some(TxChoice::Commit) => ("COMMITTED", TxTone::Committed),
            Some(_) => ("ROLLBACK", TxTone::RolledBack),
        }
    }

    /// Where it stands, in words: who decided what and after how long (the
    /// operator's think time, apart from the send's latency), then the
    /// broker's check-backs.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.decision {
            let after = fmt_latency((d.at - self.stored_at).to_std().unwrap_or_default());
            parts.push(match (d.choice, d.at_check_back) {
                (TxChoice::Unknown, _) => format!("left UNKNOWN by {} after {after}", d.by),
                (c, true) => format!(
                    "{} by {} after {after}: goes at the broker's next check-back",
                    c.as_str().to_uppercase(),
                    d.by
                ),
                (TxChoice::Commit, false) => format!("committed by {} after {after}", d.by),
                (TxChoice::Rollback, false) => format!("rolled back by {} after {after}", d.by),
            });
        }
        if let Some((answer, why)) = &self.last_check {
            // Who answered for the operator, briefly (the reason in full is
            // in the detail view): the profile's check default, or nobody.
            let who = why
                .strip_prefix("not decided yet: ")
                .and_then(|w| w.split(" = ").next())
                .map(|w| format!(" by {w}"))
                .unwrap_or_default();
            parts.push(format!(
                "checked {}×, last {}{who}",
                self.checks,
                answer.as_str().to_uppercase()
            ));
            if self.settled().is_none() && self.checks >= BROKER_CHECK_MAX {
                parts.push(format!(
                    "a broker with default settings gives up after {BROKER_CHECK_MAX} checks \
                     and discards it"
                ));
            }
        }
        parts.join(" · ")
    }
}

/// The message-type state the results rows show.
#[derive(Debug, Clone, Default)]
pub struct TypedRows {
    pub tx: HashMap<Seq, TxState>,
    /// Transactions of other sessions the broker asked about: listed once
    /// each, then only counted.
    pub foreign_checks: HashSet<String>,
    /// The latest moment a delayed message of this session becomes
    /// visible: until then the clock ticks the rows' countdown.
    pub last_visible: Option<DateTime<Local>>,
}

impl App {
    pub(super) fn on_transaction(&mut self, t: TxEvent, fx: &mut super::Effects) {
        match t {
            TxEvent::Pending {
                seq,
                transaction_id,
                at,
            } => {
                self.typed.tx.insert(
                    seq,
                    TxState {
                        transaction_id,
                        stored_at: at,
                        decision: None,
                        checks: 0,
                        last_check: None,
                    },
                );
            }
            TxEvent::Decided {
                seq,
                choice,
                by,
                at_check_back,
                at,
            } => {
                if let Some(tx) = self.typed.tx.get_mut(&seq) {
                    tx.decision = Some(TxDecision {
                        choice,
                        by,
                        at,
                        at_check_back,
                    });
                    self.journal_decision(seq, fx);
                }
            }
            TxEvent::CheckBack {
                seq: Some(seq),
                answer,
                reason,
                ..
            } if self.typed.tx.contains_key(&seq) => {
                // On the transaction's own row, which does not move: a row
                // per check-back pushed the row being decided down.
                let tx = self.typed.tx.get_mut(&seq).expect("checked");
                tx.checks += 1;
                tx.last_check = Some((answer, reason));
                if answer != TxChoice::Unknown
                    && let Some(d) = tx.decision.as_mut()
                {
                    d.at_check_back = false;
                }
            }
            TxEvent::CheckBack {
                transaction_id,
                answer,
                reason,
                ..
            } => {
                // Another session's transaction (or one whose row is gone):
                // said once, then counted, so it cannot flood the log.
                if self.typed.foreign_checks.insert(transaction_id.clone()) {
                    self.push_note(format!(
                        "CHECK-BACK on tx {transaction_id} answered {} — {reason} (further \
                         check-backs on it are not listed)",
                        answer.as_str().to_uppercase()
                    ));
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
        match self.typed.tx.get(&seq).map(|t| t.settled()) {
            Some(None) => {
                self.notice(
                    Level::Info,
                    format!("#{seq}: {choice} sent to the producer"),
                );
                fx.push_back(Effect::Submit(ProducerCommand::Decide { seq, choice }));
            }
            Some(Some(was)) => {
                self.notice(Level::Warn, format!("#{seq} is already decided: {was}"));
            }
            None => {
                self.notice(Level::Info, format!("#{seq} is not a pending transaction"));
            }
        }
    }

    /// Whether the operator, in the results log, has a transaction still
    /// to be decided selected: it stays selected while rows arrive above
    /// it, so `C` / `X` land on it. Outside the log the selection follows
    /// the newest row, so entering the log lands on the newest.
    pub(super) fn deciding(&self) -> bool {
        if self.focus != super::Focus::Log || !matches!(self.overlay, super::Overlay::None) {
            return false;
        }
        self.selected_entry()
            .filter(|e| !matches!(e.kind, EntryKind::Note(_)))
            .and_then(|e| self.typed.tx.get(&e.seq))
            .is_some_and(|t| t.settled().is_none())
    }

    /// Transactions whose commit or rollback has not reached the broker.
    pub fn open_transactions(&self) -> usize {
        self.typed.tx.values().filter(|t| t.unsettled()).count()
    }
}
