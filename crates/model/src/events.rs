//! The events the producer task reports and the console and the headless
//! commands read: connection state and each send's progress up to its
//! outcome. Shared vocabulary, so the screens never import the producer.

use std::sync::Arc;

use chrono::{DateTime, Local};

use crate::message::{Completion, Draft, Mode, Seq};
use crate::types::TxChoice;

/// The producer's connection as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Starting,
    /// The client started; routes are looked up on the first send.
    Ready,
    Failed(String),
    Stopped,
    /// The client runs, but the name server (at start) or the broker (a
    /// send failed to connect or timed out) cannot be reached: why, for the
    /// operator. The next acknowledged send makes it `Ready` again.
    Unreachable(String),
}

/// What the producer task reports, in the order it happened for any one
/// sequence number: `Queued`? → `Submitted`? → `Completed` (exactly one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProducerEvent {
    Connection(Connection),
    /// An async send waits for a slot in the in-flight window. A burst's
    /// send is reported only after 20 to 40 ms of waiting, since a flowing
    /// pipeline waits briefly on nearly every send.
    Queued {
        seq: Seq,
        mode: Mode,
        at: DateTime<Local>,
    },
    /// Handed to the client library (async: the call returned; the callback
    /// is still to come).
    Submitted {
        seq: Seq,
        mode: Mode,
        draft: Arc<Draft>,
        at: DateTime<Local>,
    },
    Completed(Completion),
    BurstProgress {
        id: u64,
        submitted: u64,
        total: u64,
    },
    BurstFinished {
        id: u64,
        submitted: u64,
        cancelled: bool,
    },
    /// After a one-way burst: how far the topic's queue max offsets moved
    /// while it ran (sends by anyone else to the topic count too). The only
    /// evidence of delivery one-way has. Comes before `BurstFinished`.
    OnewayLanded {
        id: u64,
        topic: String,
        /// One-way sends of the burst the connection took (those whose
        /// send failed are not expected to land).
        dispatched: u64,
        /// Messages that landed, or why the offsets could not be read.
        landed: Result<i64, String>,
    },
    /// The task has ended; nothing follows.
    Stopped {
        unresolved: Vec<(Seq, Mode)>,
    },
    /// A transactional send's progress, or a check-back from the broker.
    Transaction(TxEvent),
}

/// What happened to a transaction, as the results log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxEvent {
    /// The half message is stored; the transaction waits for its decision.
    Pending {
        seq: Seq,
        /// The message's unique key, which the broker's check-backs name.
        transaction_id: String,
        at: DateTime<Local>,
    },
    /// The decision was given.
    Decided {
        seq: Seq,
        choice: TxChoice,
        /// Who decided: "the send", "transaction-policy = commit", "operator",
        /// or why it was left unknown ("shutdown (left unknown)").
        by: String,
        /// The half message was already answered unknown: the decision is
        /// given at the broker's next check-back.
        at_check_back: bool,
        at: DateTime<Local>,
    },
    /// The broker asked about a transaction and got `answer`.
    CheckBack {
        /// The send it belongs to, when this session made it.
        seq: Option<Seq>,
        transaction_id: String,
        answer: TxChoice,
        /// Why that answer ("decided by the operator", "not decided yet:
        /// transaction-check-default").
        reason: String,
        at: DateTime<Local>,
    },
}
