//! Transactions: the transactional producer (created on the first
//! transactional send, beside the normal one, shut down with it) and the
//! book of decisions it answers from — the send's own, the profile policy's,
//! or the operator's on the pending row — including the broker's check-backs.
//!
//! How a decision reaches the broker: the library calls our listener once
//! the half message is stored (`execute_local_transaction`) and ends the
//! transaction with what it returns. When the operator decides, the listener
//! waits for that decision (on the library's blocking pool, never on the
//! runtime). A transaction answered "unknown" is decided later through the
//! broker's check-backs (`check_local_transaction`), which read the book.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc as std_mpsc};

use anyhow::{Context, Result};
use cheetah_string::CheetahString;
use chrono::Local;
use rocketmq_client_rust::{
    ClientRuntime, LocalTransactionState, TransactionListener, TransactionMQProducer,
};
use rocketmq_model::common::message::MessageTrait;
use rocketmq_model::common::message::message_ext::MessageExt;
use tokio::sync::mpsc;

use super::ProducerSettings;
use super::client::{acl_hook, client_config, describe_error, message, receipt};
use rmq_model::events::TxEvent;
use rmq_model::message::{Draft, Failure, Receipt, Seq};
use rmq_model::types::{MessageType, TxChoice, TxPolicy};

/// Transactions that may wait for the operator at once. A waiting
/// listener holds a thread of the client's metadata lane (4 on 2 cores),
/// which the broker's check-backs need too; past this the half message is
/// answered unknown at once and the operator's decision goes at the next
/// check-back.
const MAX_WAITING: usize = 2;

/// What the send hands the listener: whose transaction this is and the
/// decision made up front, if any.
pub(super) struct TxArg {
    seq: Seq,
    decide: Option<TxChoice>,
}

/// One transaction this session started.
struct Entry {
    seq: Seq,
    /// Commit or rollback once decided; `None` while undecided or unknown.
    decided: Option<TxChoice>,
}

#[derive(Default)]
struct Inner {
    by_id: HashMap<String, Entry>,
    id_of: HashMap<Seq, String>,
    /// Listeners waiting for the operator, by sequence number.
    waiting: HashMap<Seq, std_mpsc::Sender<TxChoice>>,
    stopping: bool,
}

/// The decisions of the session's transactions.
pub(super) struct Book {
    policy: TxPolicy,
    check_default: TxChoice,
    inner: Mutex<Inner>,
    notes: mpsc::UnboundedSender<TxEvent>,
}

impl Book {
    pub(super) fn new(settings: &ProducerSettings, notes: mpsc::UnboundedSender<TxEvent>) -> Self {
        Self {
            policy: settings.transaction_policy,
            check_default: settings.transaction_check_default,
            inner: Mutex::new(Inner::default()),
            notes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn note(&self, e: TxEvent) {
        // The task reads notes until it ends; after that nobody listens.
        let _ = self.notes.send(e);
    }

    /// The half message of `arg.seq` is stored as `id`: decide (waiting for
    /// the operator when nobody decided up front).
    fn execute(&self, id: String, arg: &TxArg) -> TxChoice {
        // Who decided, as the journal's record of the send names it.
        let up_front = arg.decide.map(|c| (c, "the send".to_string())).or(self
            .policy
            .decision()
            .map(|c| (c, format!("transaction-policy = {c}"))));
        let waiting = {
            let mut inner = self.lock();
            inner.by_id.insert(
                id.clone(),
                Entry {
                    seq: arg.seq,
                    decided: None,
                },
            );
            inner.id_of.insert(arg.seq, id.clone());
            match up_front {
                Some(_) => None,
                None if inner.stopping => None,
                None if inner.waiting.len() >= MAX_WAITING => None,
                None => {
                    let (tx, rx) = std_mpsc::channel();
                    inner.waiting.insert(arg.seq, tx);
                    Some(rx)
                }
            }
        };
        self.note(TxEvent::Pending {
            seq: arg.seq,
            transaction_id: id.clone(),
            at: Local::now(),
        });
        let (choice, by) = match (up_front, waiting) {
            (Some(d), _) => d,
            // Blocks a thread of the library's blocking pool, not the runtime.
            (None, Some(rx)) => rx
                .recv()
                .map(|c| (c, "operator".into()))
                .unwrap_or((TxChoice::Unknown, "shutdown (left unknown)".into())),
            (None, None) if self.lock().stopping => {
                (TxChoice::Unknown, "shutdown (left unknown)".into())
            }
            (None, None) => (
                TxChoice::Unknown,
                "the console (others already wait: decide it on its row)".into(),
            ),
        };
        if choice != TxChoice::Unknown
            && let Some(e) = self.lock().by_id.get_mut(&id)
        {
            e.decided = Some(choice);
        }
        self.note(TxEvent::Decided {
            seq: arg.seq,
            choice,
            by,
            at_check_back: false,
            at: Local::now(),
        });
        choice
    }

    /// The operator's decision on `seq`: straight to its waiting listener,
    /// or, for a transaction already answered unknown, kept for the
    /// broker's next check-back.
    pub(super) fn decide(&self, seq: Seq, choice: TxChoice) -> Result<(), String> {
        let mut inner = self.lock();
        if let Some(tx) = inner.waiting.remove(&seq) {
            return tx
                .send(choice)
                .map_err(|_| format!("transaction #{seq} is no longer waiting"));
        }
        let Some(id) = inner.id_of.get(&seq).cloned() else {
            return Err(format!("#{seq} is not a transaction of this session"));
        };
        if let Some(e) = inner.by_id.get_mut(&id) {
            e.decided = (choice != TxChoice::Unknown).then_some(choice);
        }
        drop(inner);
        self.note(TxEvent::Decided {
            seq,
            choice,
            by: "operator".into(),
            at_check_back: true,
            at: Local::now(),
        });
        Ok(())
    }

    /// The broker asks about `id`.
    fn check(&self, id: String) -> TxChoice {
        let (seq, answer, reason) = match self.lock().by_id.get(&id) {
            Some(Entry {
                seq,
                decided: Some(c),
            }) => (Some(*seq), *c, "decided".to_string()),
            Some(Entry { seq, decided: None }) => (
                Some(*seq),
                self.check_default,
                "not decided yet: transaction-check-default".to_string(),
            ),
            None => (
                None,
                self.check_default,
                "not a transaction of this session: transaction-check-default".to_string(),
            ),
        };
        self.note(TxEvent::CheckBack {
            seq,
            transaction_id: id,
            answer,
            reason,
            at: Local::now(),
        });
        answer
    }

    /// No more waiting: listeners still waiting answer unknown now.
    pub(super) fn stop(&self) {
        let mut inner = self.lock();
        inner.stopping = true;
        inner.waiting.clear();
    }
}

fn state(c: TxChoice) -> LocalTransactionState {
    match c {
        TxChoice::Commit => LocalTransactionState::CommitMessage,
        TxChoice::Rollback => LocalTransactionState::RollbackMessage,
        TxChoice::Unknown => LocalTransactionState::Unknown,
    }
}

/// The message's unique key: the transaction id the library sets and the
/// id a check-back names.
fn unique_key(msg: &dyn MessageTrait) -> String {
    msg.property(&CheetahString::from_static_str("UNIQ_KEY"))
        .map(|k| k.to_string())
        .or_else(|| msg.transaction_id().map(|t| t.to_string()))
        .unwrap_or_default()
}

struct Listener(Arc<Book>);

impl TransactionListener for Listener {
    fn execute_local_transaction(
        &self,
        msg: &dyn MessageTrait,
        arg: Option<&(dyn Any + Send + Sync)>,
    ) -> LocalTransactionState {
        match arg.and_then(|a| a.downcast_ref::<TxArg>()) {
            Some(arg) => state(self.0.execute(unique_key(msg), arg)),
            None => LocalTransactionState::Unknown,
        }
    }

    fn check_local_transaction(&self, msg: &MessageExt) -> LocalTransactionState {
        state(self.0.check(unique_key(msg)))
    }
}

/// The started transactional producer, or why it could not start.
pub(super) type Started = Result<TransactionMQProducer, String>;

/// Builds and starts the transactional producer on the session's client
/// runtime, in a group of its own (`<group>-tx`): the broker sends
/// check-backs to the group that sent the half message.
pub(super) async fn start(
    runtime: Arc<ClientRuntime>,
    settings: &ProducerSettings,
    book: Arc<Book>,
) -> Started {
    let build = || -> Result<TransactionMQProducer> {
        let timeout_ms = u32::try_from(settings.send_timeout.as_millis()).unwrap_or(u32::MAX);
        let mut builder = TransactionMQProducer::builder(runtime)
            .client_config(client_config(settings)?)
            .producer_group(format!("{}-tx", settings.producer_group))
            .name_server_addr(settings.name_servers.clone())
            .send_msg_timeout(timeout_ms)
            .retry_times_when_send_failed(settings.retry_times_sync)
            .max_message_size(u32::try_from(settings.max_message_bytes).unwrap_or(u32::MAX))
            .transaction_listener(Listener(book));
        if let Some(hook) = acl_hook(settings) {
            builder = builder.rpc_hook(hook);
        }
        Ok(builder.build())
    };
    let mut producer = build()
        .context("building the transactional producer")
        .map_err(|e| format!("{e:#}"))?;
    producer.start().await.map_err(|e| {
        format!(
            "transactional producer did not start: {}",
            describe_error(&e).reason
        )
    })?;
    Ok(producer)
}

/// Sends the half message of `seq` and returns once it is decided (or
/// answered unknown).
pub(super) async fn send(
    producer: &TransactionMQProducer,
    seq: Seq,
    draft: &Draft,
) -> Result<Receipt, Failure> {
    let decide = match &draft.kind {
        MessageType::Transaction { decide } => *decide,
        _ => None,
    };
    let r = producer
        .send_message_in_transaction(message(draft)?, Some(TxArg { seq, decide }))
        .await
        .map_err(|e| describe_error(&e))?;
    match r.send_result.as_ref() {
        Some(r) => Ok(receipt(r)),
        None => Err(Failure {
            reason: "the client returned no send result for the half message".into(),
            code: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(policy: TxPolicy) -> (Arc<Book>, mpsc::UnboundedReceiver<TxEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut s = ProducerSettings::new("127.0.0.1:9876");
        s.transaction_policy = policy;
        (Arc::new(Book::new(&s, tx)), rx)
    }

    fn drain(rx: &mut mpsc::UnboundedReceiver<TxEvent>) -> Vec<TxEvent> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    #[test]
    fn operator_decides_a_waiting_transaction_and_check_backs_read_it() {
        let (b, mut rx) = book(TxPolicy::Ask);
        let b2 = b.clone();
        let waiter = std::thread::spawn(move || {
            b2.execute(
                "ID1".into(),
                &TxArg {
                    seq: 7,
                    decide: None,
                },
            )
        });
        // Until the listener waits, the decision has nowhere to go.
        let start = std::time::Instant::now();
        while b.decide(7, TxChoice::Commit).is_err() {
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
            std::thread::yield_now();
        }
        assert_eq!(waiter.join().unwrap(), TxChoice::Commit);
        assert_eq!(b.check("ID1".into()), TxChoice::Commit);
        assert_eq!(b.check("OTHER".into()), TxChoice::Unknown);
        let seen = drain(&mut rx);
        assert!(matches!(seen[0], TxEvent::Pending { seq: 7, .. }));
        assert!(matches!(
            &seen[1],
            TxEvent::Decided { seq: 7, choice: TxChoice::Commit, by, at_check_back: false, .. } if by == "operator"
        ));
        assert!(matches!(
            &seen[2],
            TxEvent::CheckBack {
                seq: Some(7),
                answer: TxChoice::Commit,
                ..
            }
        ));
        assert!(matches!(
            &seen[3],
            TxEvent::CheckBack { seq: None, answer: TxChoice::Unknown, reason, .. } if reason.contains("transaction-check-default")
        ));
    }

    #[test]
    fn unknown_then_decided_later_is_answered_at_the_check_back() {
        let (b, mut rx) = book(TxPolicy::Commit);
        let arg = TxArg {
            seq: 3,
            decide: Some(TxChoice::Unknown),
        };
        assert_eq!(b.execute("ID3".into(), &arg), TxChoice::Unknown);
        assert_eq!(
            b.check("ID3".into()),
            TxChoice::Unknown,
            "default is unknown"
        );
        b.decide(3, TxChoice::Rollback).unwrap();
        assert_eq!(b.check("ID3".into()), TxChoice::Rollback);
        assert!(b.decide(99, TxChoice::Commit).is_err());
        let seen = drain(&mut rx);
        assert!(seen.iter().any(|e| matches!(
            e,
            TxEvent::Decided {
                seq: 3,
                choice: TxChoice::Rollback,
                at_check_back: true,
                ..
            }
        )));
        // The policy decides when the send does not.
        let auto = TxArg {
            seq: 4,
            decide: None,
        };
        assert_eq!(b.execute("ID4".into(), &auto), TxChoice::Commit);
    }

    #[test]
    fn past_the_waiting_limit_a_transaction_is_left_unknown_at_once() {
        let (b, mut rx) = book(TxPolicy::Ask);
        let mut waiters = Vec::new();
        for seq in 1..=MAX_WAITING as u64 {
            let b2 = b.clone();
            waiters.push(std::thread::spawn(move || {
                b2.execute(format!("ID{seq}"), &TxArg { seq, decide: None })
            }));
        }
        let start = std::time::Instant::now();
        while b.lock().waiting.len() < MAX_WAITING {
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
            std::thread::yield_now();
        }
        let next = MAX_WAITING as u64 + 1;
        let arg = TxArg {
            seq: next,
            decide: None,
        };
        assert_eq!(b.execute("IDX".into(), &arg), TxChoice::Unknown);
        // The operator can still decide it: at the next check-back.
        b.decide(next, TxChoice::Commit).unwrap();
        assert_eq!(b.check("IDX".into()), TxChoice::Commit);
        b.stop();
        for w in waiters {
            assert_eq!(w.join().unwrap(), TxChoice::Unknown);
        }
        assert!(drain(&mut rx).iter().any(|e| matches!(
            e,
            TxEvent::Decided { by, choice: TxChoice::Unknown, .. } if by.contains("decide it on its row")
        )));
    }

    #[test]
    fn stopping_releases_waiting_listeners_as_unknown() {
        let (b, _rx) = book(TxPolicy::Ask);
        let b2 = b.clone();
        let waiter = std::thread::spawn(move || {
            b2.execute(
                "ID".into(),
                &TxArg {
                    seq: 1,
                    decide: None,
                },
            )
        });
        let start = std::time::Instant::now();
        while !b.lock().waiting.contains_key(&1) {
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
            std::thread::yield_now();
        }
        b.stop();
        assert_eq!(waiter.join().unwrap(), TxChoice::Unknown);
    }
}
