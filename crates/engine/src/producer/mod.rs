//! The producer task's interface: the settings it is started with and the
//! commands it takes (the events it emits live in `rmq_model::events`, re-exported
//! here). The task itself (`task.rs`) is the only code in the program that
//! touches the network.

mod client;
#[cfg(any(test, feature = "fixtures"))]
pub mod double;
pub mod probe;
mod task;
mod transaction;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use rmq_model::ahead::WriteAhead;
pub use rmq_model::credentials::Credentials;
pub use rmq_model::events::{Connection, ProducerEvent, TxEvent};
use rmq_model::message::{Draft, Mode, Seq};
use rmq_model::types::{TxChoice, TxPolicy};

pub use client::{describe_error, to_message};
#[cfg(any(test, feature = "fixtures"))]
pub use task::spawn_double;
pub use task::{shutdown_bound, spawn};

pub use rmq_model::limits::MAX_ASYNC_INFLIGHT;

/// Everything the producer needs to connect; resolved from a profile (or the
/// sandbox) before the task starts, so the task never reads config or env.
#[derive(Clone)]
pub struct ProducerSettings {
    /// `host:port;host:port`, without any scheme.
    pub name_servers: String,
    /// ApsaraMQ instance namespace (derived from an instance endpoint).
    pub namespace: Option<String>,
    pub credentials: Option<Credentials>,
    pub producer_group: String,
    pub send_timeout: Duration,
    pub retry_times_sync: u32,
    pub retry_times_async: u32,
    pub retry_another_broker: bool,
    pub max_message_bytes: usize,
    /// Cap on async sends handed to the client library and not yet called
    /// back, 1..=`MAX_ASYNC_INFLIGHT` (the task clamps anything else).
    pub async_inflight: usize,
    /// Who decides a transaction the send itself leaves open.
    pub transaction_policy: TxPolicy,
    /// The answer to a check-back for a transaction nobody has decided.
    pub transaction_check_default: TxChoice,
    /// The journal, written ahead before each send leaves (none: no
    /// journal, sends leave at once).
    pub write_ahead: Option<Arc<dyn WriteAhead>>,
}

impl ProducerSettings {
    pub fn new(name_servers: impl Into<String>) -> Self {
        Self {
            name_servers: name_servers.into(),
            namespace: None,
            credentials: None,
            producer_group: format!("rmq-console-{}", std::process::id()),
            send_timeout: Duration::from_millis(3000),
            retry_times_sync: 2,
            retry_times_async: 2,
            retry_another_broker: false,
            max_message_bytes: 4 * 1024 * 1024,
            async_inflight: 128,
            transaction_policy: TxPolicy::Ask,
            transaction_check_default: TxChoice::Unknown,
            write_ahead: None,
        }
    }
}

impl fmt::Debug for ProducerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProducerSettings")
            .field("name_servers", &self.name_servers)
            .field("namespace", &self.namespace)
            .field("credentials", &self.credentials)
            .field("producer_group", &self.producer_group)
            .field("send_timeout", &self.send_timeout)
            .field("async_inflight", &self.async_inflight)
            .field("write_ahead", &self.write_ahead.is_some())
            .finish_non_exhaustive()
    }
}

/// A repeated send run inside the producer task.
#[derive(Debug, Clone)]
pub struct BurstSpec {
    pub id: u64,
    pub mode: Mode,
    pub draft: Arc<Draft>,
    pub count: u64,
    /// Messages per second; `None` sends as fast as the mode allows.
    pub rate: Option<u32>,
    /// Expanded per message for the keys (`rmq_model::template`).
    pub key_template: Option<String>,
    /// The body (when UTF-8) and property values are templates too,
    /// expanded per message; parsed once when the burst starts.
    pub expand_message: bool,
    /// Sequence numbers `first_seq..first_seq + count` are the burst's.
    pub first_seq: Seq,
    /// One-way only: read the topic's queue offsets before and after and
    /// report how many landed (`OnewayLanded`).
    pub verify: bool,
}

#[derive(Debug)]
pub enum ProducerCommand {
    Send {
        seq: Seq,
        mode: Mode,
        draft: Arc<Draft>,
    },
    Burst(BurstSpec),
    CancelBurst {
        id: u64,
    },
    /// The operator's decision on a pending (or unknown) transaction.
    Decide {
        seq: Seq,
        choice: TxChoice,
    },
    /// Stop taking sends, wait up to `grace` for what is in flight, report
    /// the rest as unresolved, shut the client down and end the task.
    Shutdown {
        grace: Duration,
    },
}

/// The UI's and the CLI's handle on the task.
#[derive(Clone)]
pub struct ProducerHandle {
    cmd_tx: mpsc::Sender<ProducerCommand>,
}

/// Why a command did not reach the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitError {
    /// The command channel is full; the UI shows this, it never waits.
    Full,
    /// The task has ended.
    Closed,
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Full => f.write_str("producer is busy (command queue full); try again"),
            SubmitError::Closed => f.write_str("producer is not running"),
        }
    }
}

impl ProducerHandle {
    /// A handle on whatever reads `cmd_tx`: the task, or a test's stand-in.
    pub fn new(cmd_tx: mpsc::Sender<ProducerCommand>) -> Self {
        Self { cmd_tx }
    }

    /// Never waits: the UI must not block on the producer.
    pub fn try_submit(&self, cmd: ProducerCommand) -> Result<(), SubmitError> {
        self.cmd_tx.try_send(cmd).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SubmitError::Full,
            mpsc::error::TrySendError::Closed(_) => SubmitError::Closed,
        })
    }

    /// For headless callers that may wait for room.
    pub async fn submit(&self, cmd: ProducerCommand) -> Result<(), SubmitError> {
        self.cmd_tx.send(cmd).await.map_err(|_| SubmitError::Closed)
    }
}
