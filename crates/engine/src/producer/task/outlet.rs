//! Where a send's outcome goes (`Outlet`) and the state the task shares
//! with the sends it spawns (`Shared`): the bookkeeping that makes each
//! sequence number end exactly once, and how a failure names its endpoint.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::Local;
use tokio::sync::{Semaphore, mpsc};

use crate::producer::client::Sender;
use crate::producer::transaction::{self, Book};
use crate::producer::{Connection, ProducerEvent, ProducerSettings};
use rmq_model::events::TxEvent;
use rmq_model::message::{Completion, Failure, Mode, Outcome, Seq};

use rocketmq_client_rust::ClientRuntime;
use rocketmq_runtime::ChildServiceContext;

/// State shared by the task and the sends it spawns.
pub(super) struct Shared {
    pub(super) sender: Option<Sender>,
    /// Why the producer could not start, failing every send with it.
    pub(super) start_error: Option<String>,
    /// Where outcomes go; an async send's callback holds it too.
    pub(super) outlet: Arc<Outlet>,
    pub(super) window: Arc<Semaphore>,
    /// The window opens to `async_inflight` after the first acknowledged
    /// async send (slow start): before the connection and route exist, a
    /// full window of requests overflows the client's admission queue
    /// (`transport.admission.queue_saturated`, seen with 128 on a cold start).
    pub(super) window_opening: Arc<Mutex<Option<usize>>>,
    pub(super) stopping: AtomicBool,
    /// For messages: which name servers were meant when a connection fails.
    pub(super) name_servers: Arc<str>,
    /// Async sends waiting in the lane for a slot.
    pub(super) lane_depth: AtomicUsize,
    pub(super) timeout_ms: u64,
    /// Scope and settings for the offset probes around verified one-way
    /// bursts; none without a RocketMQ client.
    pub(super) probe: Option<(ChildServiceContext, ProducerSettings)>,
    /// The decisions of this session's transactions.
    pub(super) book: Arc<Book>,
    /// The transactional producer, started on the first transactional send.
    pub(super) tx: tokio::sync::OnceCell<transaction::Started>,
    /// What the transactional producer is built on; none without a
    /// RocketMQ client.
    pub(super) tx_runtime: Option<(Arc<ClientRuntime>, ProducerSettings)>,
    /// The journal's write-ahead (`super::ahead`), if the session keeps one.
    pub(super) write_ahead: Option<Arc<dyn rmq_model::ahead::WriteAhead>>,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        sender: Option<Sender>,
        start_error: Option<String>,
        probe: Option<ChildServiceContext>,
        settings: &ProducerSettings,
        events: mpsc::Sender<ProducerEvent>,
        done: mpsc::UnboundedSender<Completion>,
        runtime: Option<Arc<ClientRuntime>>,
        notes: mpsc::UnboundedSender<TxEvent>,
    ) -> Arc<Self> {
        Arc::new(Shared {
            book: Arc::new(Book::new(settings, notes)),
            tx: tokio::sync::OnceCell::new(),
            tx_runtime: runtime.map(|rt| (rt, settings.clone())),
            write_ahead: settings.write_ahead.clone(),
            sender,
            start_error,
            outlet: Arc::new(Outlet {
                events,
                done,
                pending: Mutex::new(HashMap::new()),
                settled: tokio::sync::Notify::new(),
                order: Mutex::new(()),
                reachable: AtomicBool::new(true),
            }),
            window: Arc::new(Semaphore::new(1)),
            window_opening: Arc::new(Mutex::new(Some(
                settings
                    .async_inflight
                    .clamp(1, crate::producer::MAX_ASYNC_INFLIGHT)
                    - 1,
            ))),
            stopping: AtomicBool::new(false),
            lane_depth: AtomicUsize::new(0),
            name_servers: settings.name_servers.as_str().into(),
            probe: probe.map(|context| (context, settings.clone())),
            timeout_ms: u64::try_from(settings.send_timeout.as_millis()).unwrap_or(u64::MAX),
        })
    }

    pub(super) fn track(&self, seq: Seq, mode: Mode) {
        self.outlet.track(seq, mode);
    }

    /// A failure reason that names the endpoint when the connection failed.
    pub(super) fn failure(&self, f: Failure) -> Failure {
        name_endpoint(f, &self.name_servers)
    }

    pub(super) fn finish(&self, c: Completion) {
        self.outlet.finish(c);
    }

    /// `finish` for a send that ends on a task which may wait: the outcome
    /// goes to the events channel from here, not through the task loop, so
    /// a sync send's outcome reaches the console in one hop instead of two
    /// (one wake-up of the loop fewer per send; docs/performance.md).
    pub(super) async fn finish_here(&self, c: Completion) {
        self.outlet.forward(c).await;
        self.outlet.settled.notify_one();
    }

    pub(super) async fn emit(&self, e: ProducerEvent) {
        let _ = self.outlet.events.send(e).await;
    }
}

/// Where outcomes go, and the bookkeeping that makes each sequence number
/// end exactly once. Apart from `Shared` because an async send's callback
/// keeps it: the callback must not keep the producer, whose last reference
/// the task needs at shutdown.
pub(super) struct Outlet {
    pub(super) events: mpsc::Sender<ProducerEvent>,
    /// To the task loop, which forwards what could not be forwarded where
    /// it ended.
    pub(super) done: mpsc::UnboundedSender<Completion>,
    /// Every sequence number submitted and not yet completed.
    pub(super) pending: Mutex<HashMap<Seq, Mode>>,
    /// Told after an outcome was forwarded outside the task loop, so a
    /// shutdown waiting for `pending` to empty notices.
    pub(super) settled: tokio::sync::Notify,
    /// Held while an outcome and the connection change it implies are
    /// emitted, so two forwarders cannot report the changes out of order.
    pub(super) order: Mutex<()>,
    /// Whether the last word on the endpoints was good (an acknowledgement)
    /// rather than a connection failure or a timeout; changes are reported
    /// as `Connection::Unreachable` / `Ready`.
    pub(super) reachable: AtomicBool,
}

impl Outlet {
    pub(super) fn track(&self, seq: Seq, mode: Mode) {
        self.pending
            .lock()
            .expect("pending map poisoned")
            .insert(seq, mode);
    }

    pub(super) fn finish(&self, c: Completion) {
        // The receiver lives as long as the task loop; a closed channel
        // means the task is gone and nobody is left to tell.
        let _ = self.done.send(c);
    }

    /// Forwards an outcome from a place that cannot wait (an async send's
    /// callback, on the library's task): straight to the events channel
    /// when it has room, saving the task loop's wake-up, else through the
    /// loop, which waits for room.
    pub(super) fn finish_now(&self, c: Completion) {
        match self.events.try_reserve_many(2) {
            Ok(room) => self.deliver(Some(room), c),
            Err(mpsc::error::TrySendError::Closed(())) => self.deliver(None, c),
            Err(mpsc::error::TrySendError::Full(())) => return self.finish(c),
        }
        self.settled.notify_one();
    }

    pub(super) async fn forward(&self, c: Completion) {
        // Room for the outcome and the connection change it may imply comes
        // first, because waiting for it is the only wait here: a forward
        // cancelled there (a send aborted at shutdown while the console reads
        // slowly) leaves its seq pending, to be reported unresolved, instead
        // of taken out of `pending` and never reported. `None`: nobody
        // listens.
        let room = self.events.reserve_many(2).await.ok();
        self.deliver(room, c);
    }

    /// Takes the send out of `pending` and emits its outcome, with the
    /// connection change it implies, into `room`.
    pub(super) fn deliver(
        &self,
        room: Option<mpsc::PermitIterator<'_, ProducerEvent>>,
        c: Completion,
    ) {
        let _order = self.order.lock().expect("forwarding lock poisoned");
        let known = self
            .pending
            .lock()
            .expect("pending map poisoned")
            .remove(&c.seq)
            .is_some();
        if !known {
            tracing::warn!(seq = c.seq, "second outcome for one send ignored");
            return;
        }
        let change = match &c.outcome {
            Outcome::Failed(f) if unreachable(f) => self
                .reachable
                .swap(false, Ordering::SeqCst)
                .then(|| Connection::Unreachable(f.reason.clone())),
            Outcome::Acknowledged(_) => {
                (!self.reachable.swap(true, Ordering::SeqCst)).then_some(Connection::Ready)
            }
            _ => None,
        };
        let Some(mut room) = room else { return };
        let mut emit = |e| room.next().expect("two places reserved").send(e);
        emit(ProducerEvent::Completed(c));
        if let Some(conn) = change {
            emit(ProducerEvent::Connection(conn));
        }
    }
}

pub(super) fn completion(
    seq: Seq,
    mode: Mode,
    outcome: Outcome,
    started: Instant,
    at: chrono::DateTime<Local>,
) -> Completion {
    Completion {
        seq,
        mode,
        outcome,
        submitted_at: at,
        completed_at: Local::now(),
        latency: started.elapsed(),
    }
}

/// The library's connection errors do not say where it tried to connect,
/// nor whether it was the name server or the broker (whose address comes
/// from the route): say what is known. A response timeout says that the
/// endpoint did not answer, and that the send may still have been stored.
pub(super) fn name_endpoint(mut f: Failure, name_servers: &str) -> Failure {
    if f.code.is_none() && f.reason.starts_with("transport.connection") {
        f.reason = format!(
            "cannot reach the broker or the name server ({name_servers}): {}",
            f.reason
        );
    } else if f.code.is_none()
        && (f.reason.starts_with("transport.response.timeout") || f.reason.contains("timed out"))
    {
        f.reason = format!(
            "timed out: the endpoint did not answer within the send timeout (the message may still have been stored): {}",
            f.reason
        );
    }
    f
}

/// A failure that says the endpoints cannot be reached (as `name_endpoint`
/// words it), not one about the message.
pub(super) fn unreachable(f: &Failure) -> bool {
    f.code.is_none() && (f.reason.starts_with("cannot reach") || f.reason.starts_with("timed out"))
}

/// Ends a send that never reached the client because the task is stopping.
pub(super) fn not_sent(shared: &Shared, seq: Seq, mode: Mode) {
    let outcome = Outcome::Failed(Failure {
        reason: "not sent: the producer was shutting down".into(),
        code: None,
    });
    shared.finish(Completion::instant(seq, mode, outcome));
}

pub(super) fn not_started(shared: &Shared) -> Outcome {
    Outcome::Failed(Failure {
        reason: shared
            .start_error
            .clone()
            .unwrap_or_else(|| "producer is not running".into()),
        code: None,
    })
}
