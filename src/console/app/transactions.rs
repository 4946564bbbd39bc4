//! Transactions in the console: the pending row of a transactional send,
//! the operator's decision on it, and the broker's check-backs, each shown
//! in the results log.

use super::App;
use crate::events::TxEvent;

/// One line about a transaction event, as the results log shows it.
pub fn describe(t: &TxEvent) -> String {
    match t {
        TxEvent::Pending {
            seq,
            transaction_id,
            ..
        } => format!("#{seq} PENDING transaction {transaction_id}: half message stored"),
        TxEvent::Decided {
            seq,
            choice,
            by,
            at_check_back,
            ..
        } => {
            let when = if *at_check_back {
                " (given at the broker's next check-back)"
            } else {
                ""
            };
            format!("#{seq} transaction {choice} by {by}{when}")
        }
        TxEvent::CheckBack {
            seq,
            transaction_id,
            answer,
            reason,
            ..
        } => {
            let whose = seq.map_or_else(|| "?".to_string(), |s| format!("#{s}"));
            format!("{whose} CHECK-BACK {transaction_id} → {answer} ({reason})")
        }
    }
}

impl App {
    pub(super) fn on_transaction(&mut self, t: TxEvent) {
        self.push_note(describe(&t));
    }
}
