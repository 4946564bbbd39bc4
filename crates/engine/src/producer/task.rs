//! The background producer task: owns the one RocketMQ producer of a session,
//! sends per mode, caps async sends in flight, runs bursts, and accounts for
//! every sequence number until it ends in exactly one outcome.

use std::collections::HashMap;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Local;
use rocketmq_client_rust::ClientRuntime;
use rocketmq_runtime::ChildServiceContext;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;

use super::client::{Answer, Sender, build, describe_error};
use super::probe::OffsetProbe;
use super::transaction::{self, Book};
use super::{
    BurstSpec, Connection, ProducerCommand, ProducerEvent, ProducerHandle, ProducerSettings,
};
use rmq_model::events::TxEvent;
use rmq_model::message::{Completion, Draft, Failure, Mode, Outcome, Receipt, Seq};
use rmq_model::template;
use rmq_model::types::MessageType;

/// Commands waiting for the task; the UI sees `Full` past this, never waits.
const COMMAND_CAPACITY: usize = 1024;
/// Events waiting for the UI. The task waits when the UI is this far behind,
/// which slows sending rather than losing an outcome.
const EVENT_CAPACITY: usize = 8192;

/// How long a burst's async send waits for window room before it is
/// reported `Queued`: far above the wait of a flowing pipeline (a round trip
/// divided by the window, well under a millisecond here), far below what an
/// operator would notice.
const BURST_QUEUED_AFTER: Duration = Duration::from_millis(20);

/// Starts the producer task on the current tokio runtime.
///
/// `context` is where the client library registers its own tasks; the caller
/// gets a handle for commands and the receiver of every event.
pub fn spawn(context: ChildServiceContext, settings: ProducerSettings) -> Spawned {
    let client = connect(context, settings.clone());
    launch(settings, client)
}

type Spawned = (
    ProducerHandle,
    mpsc::Receiver<ProducerEvent>,
    tokio::task::JoinHandle<()>,
);

fn launch(
    settings: ProducerSettings,
    client: impl Future<Output = Client> + Send + 'static,
) -> Spawned {
    let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_CAPACITY);
    let (evt_tx, evt_rx) = mpsc::channel(EVENT_CAPACITY);
    let join = tokio::spawn(run(client, settings, cmd_rx, evt_tx));
    (ProducerHandle { cmd_tx }, evt_rx, join)
}

/// The task on a scripted client double instead of RocketMQ (unit tests).
#[cfg(test)]
pub(super) fn spawn_double(settings: ProducerSettings, double: super::double::Double) -> Spawned {
    launch(settings, async move {
        Client {
            sender: Some(Sender::Double(double)),
            start_error: None,
            runtime: None,
            probe: None,
        }
    })
}

/// What the task sends with: the started client, or why there is none.
struct Client {
    sender: Option<Sender>,
    start_error: Option<String>,
    runtime: Option<Arc<ClientRuntime>>,
    /// Where offset probes for verified one-way bursts register their tasks.
    probe: Option<ChildServiceContext>,
}

/// Builds and starts the RocketMQ producer.
async fn connect(context: ChildServiceContext, settings: ProducerSettings) -> Client {
    let probe = Some(context.component("probe"));
    match build(context, &settings) {
        Ok((runtime, mut producer)) => match producer.start().await {
            Ok(()) => Client {
                sender: Some(Sender::Rocket(producer)),
                start_error: None,
                runtime: Some(runtime),
                probe,
            },
            Err(e) => Client {
                sender: None,
                start_error: Some(format!(
                    "producer did not start: {}",
                    describe_error(&e).reason
                )),
                runtime: Some(runtime),
                probe,
            },
        },
        Err(e) => Client {
            sender: None,
            start_error: Some(format!("{e:#}")),
            runtime: None,
            probe,
        },
    }
}

/// State shared by the task and the sends it spawns.
struct Shared {
    sender: Option<Sender>,
    /// Why the producer could not start, failing every send with it.
    start_error: Option<String>,
    /// Where outcomes go; an async send's callback holds it too.
    outlet: Arc<Outlet>,
    window: Arc<Semaphore>,
    /// The window opens to `async_inflight` after the first acknowledged
    /// async send (slow start): before the connection and route exist, a
    /// full window of requests overflows the client's admission queue
    /// (`transport.admission.queue_saturated`, seen with 128 on a cold start).
    window_opening: Arc<Mutex<Option<usize>>>,
    stopping: AtomicBool,
    /// For messages: which name servers were meant when a connection fails.
    name_servers: Arc<str>,
    /// Async sends waiting in the lane for a slot.
    lane_depth: AtomicUsize,
    timeout_ms: u64,
    /// Scope and settings for the offset probes around verified one-way
    /// bursts; none without a RocketMQ client.
    probe: Option<(ChildServiceContext, ProducerSettings)>,
    /// The decisions of this session's transactions.
    book: Arc<Book>,
    /// The transactional producer, started on the first transactional send.
    tx: tokio::sync::OnceCell<transaction::Started>,
    /// What the transactional producer is built on; none without a
    /// RocketMQ client.
    tx_runtime: Option<(Arc<ClientRuntime>, ProducerSettings)>,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    fn new(
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
                settings.async_inflight.clamp(1, super::MAX_ASYNC_INFLIGHT) - 1,
            ))),
            stopping: AtomicBool::new(false),
            lane_depth: AtomicUsize::new(0),
            name_servers: settings.name_servers.as_str().into(),
            probe: probe.map(|context| (context, settings.clone())),
            timeout_ms: u64::try_from(settings.send_timeout.as_millis()).unwrap_or(u64::MAX),
        })
    }

    fn track(&self, seq: Seq, mode: Mode) {
        self.outlet.track(seq, mode);
    }

    /// A failure reason that names the endpoint when the connection failed.
    fn failure(&self, f: Failure) -> Failure {
        name_endpoint(f, &self.name_servers)
    }

    fn finish(&self, c: Completion) {
        self.outlet.finish(c);
    }

    /// `finish` for a send that ends on a task which may wait: the outcome
    /// goes to the events channel from here, not through the task loop, so
    /// a sync send's outcome reaches the console in one hop instead of two
    /// (one wake-up of the loop fewer per send; docs/performance.md).
    async fn finish_here(&self, c: Completion) {
        self.outlet.forward(c).await;
        self.outlet.settled.notify_one();
    }

    async fn emit(&self, e: ProducerEvent) {
        let _ = self.outlet.events.send(e).await;
    }
}

/// Where outcomes go, and the bookkeeping that makes each sequence number
/// end exactly once. Apart from `Shared` because an async send's callback
/// keeps it: the callback must not keep the producer, whose last reference
/// the task needs at shutdown.
struct Outlet {
    events: mpsc::Sender<ProducerEvent>,
    /// To the task loop, which forwards what could not be forwarded where
    /// it ended.
    done: mpsc::UnboundedSender<Completion>,
    /// Every sequence number submitted and not yet completed.
    pending: Mutex<HashMap<Seq, Mode>>,
    /// Told after an outcome was forwarded outside the task loop, so a
    /// shutdown waiting for `pending` to empty notices.
    settled: tokio::sync::Notify,
    /// Held while an outcome and the connection change it implies are
    /// emitted, so two forwarders cannot report the changes out of order.
    order: Mutex<()>,
    /// Whether the last word on the endpoints was good (an acknowledgement)
    /// rather than a connection failure or a timeout; changes are reported
    /// as `Connection::Unreachable` / `Ready`.
    reachable: AtomicBool,
}

impl Outlet {
    fn track(&self, seq: Seq, mode: Mode) {
        self.pending
            .lock()
            .expect("pending map poisoned")
            .insert(seq, mode);
    }

    fn finish(&self, c: Completion) {
        // The receiver lives as long as the task loop; a closed channel
        // means the task is gone and nobody is left to tell.
        let _ = self.done.send(c);
    }

    /// Forwards an outcome from a place that cannot wait (an async send's
    /// callback, on the library's task): straight to the events channel
    /// when it has room, saving the task loop's wake-up, else through the
    /// loop, which waits for room.
    fn finish_now(&self, c: Completion) {
        match self.events.try_reserve_many(2) {
            Ok(room) => self.deliver(Some(room), c),
            Err(mpsc::error::TrySendError::Closed(())) => self.deliver(None, c),
            Err(mpsc::error::TrySendError::Full(())) => return self.finish(c),
        }
        self.settled.notify_one();
    }

    async fn forward(&self, c: Completion) {
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
    fn deliver(&self, room: Option<mpsc::PermitIterator<'_, ProducerEvent>>, c: Completion) {
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

async fn run(
    client: impl Future<Output = Client>,
    settings: ProducerSettings,
    mut cmd_rx: mpsc::Receiver<ProducerCommand>,
    events: mpsc::Sender<ProducerEvent>,
) {
    let _ = events
        .send(ProducerEvent::Connection(Connection::Starting))
        .await;
    let Client {
        sender,
        start_error,
        runtime,
        probe,
    } = client.await;
    let conn = match &start_error {
        None => Connection::Ready,
        Some(e) => Connection::Failed(e.clone()),
    };
    tracing::info!(?settings, ?conn, "producer task started");
    let started = conn == Connection::Ready;
    let _ = events.send(ProducerEvent::Connection(conn)).await;
    // The client connects lazily: without this, a name server that is down
    // shows as "ready" until the first send fails.
    let mut reachable = true;
    if started && let Err(why) = probe_name_servers(&settings).await {
        tracing::warn!("{why}");
        reachable = false;
        let _ = events
            .send(ProducerEvent::Connection(Connection::Unreachable(why)))
            .await;
    }

    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let (notes_tx, mut notes_rx) = mpsc::unbounded_channel();
    let shared = Shared::new(
        sender,
        start_error,
        probe,
        &settings,
        events.clone(),
        done_tx,
        runtime.clone(),
        notes_tx,
    );
    shared.outlet.reachable.store(reachable, Ordering::SeqCst);

    // Async sends go through one lane so they are submitted in the order the
    // operator sent them, each after taking a slot in the window.
    let (lane_tx, lane_rx) = mpsc::unbounded_channel::<(Seq, Arc<Draft>)>();
    let mut tasks = JoinSet::new();
    tasks.spawn(async_lane(shared.clone(), lane_rx));
    // FIFO sends go one after the other in the order they were sent: two
    // in flight at once could be stored out of order.
    let (fifo_tx, fifo_rx) = mpsc::unbounded_channel::<(Seq, Arc<Draft>)>();
    tasks.spawn(fifo_lane(shared.clone(), fifo_rx));
    let mut burst_tasks = JoinSet::new();
    let mut bursts: HashMap<tokio::task::Id, Arc<BurstRun>> = HashMap::new();

    let grace = loop {
        tokio::select! {
            biased;
            // Notes first: a transaction's decision is noted before its
            // send returns, and the log shows it before the outcome.
            Some(n) = notes_rx.recv() => shared.emit(ProducerEvent::Transaction(n)).await,
            Some(c) = done_rx.recv() => shared.outlet.forward(c).await,
            cmd = cmd_rx.recv() => match cmd {
                None => break settings.send_timeout,
                Some(ProducerCommand::Shutdown { grace }) => break grace,
                Some(ProducerCommand::Decide { seq, choice }) => {
                    if let Err(why) = shared.book.decide(seq, choice) {
                        tracing::warn!("decision on #{seq}: {why}");
                    }
                }
                Some(ProducerCommand::Send { seq, mode, draft }) => {
                    for s in seqs(seq, &draft) {
                        shared.track(s, mode);
                    }
                    if let Some(why) = unsupported(mode, &draft) {
                        for s in seqs(seq, &draft) {
                            shared.finish(Completion::instant(s, mode, why.clone()));
                        }
                        continue;
                    }
                    match mode {
                        Mode::Async => enqueue_async(&shared, &lane_tx, seq, draft).await,
                        Mode::Sync if matches!(draft.kind, MessageType::Fifo { .. }) => {
                            if fifo_tx.send((seq, draft)).is_err() {
                                not_sent(&shared, seq, mode);
                            }
                        }
                        Mode::Sync | Mode::Oneway => {
                            let shared = shared.clone();
                            tasks.spawn(async move {
                                if let Err(text) = caught(pin!(send_blocking(&shared, seq, mode, draft))).await {
                                    shared.finish(Completion::instant(seq, mode, panicked(&text)));
                                }
                            });
                        }
                    }
                }
                Some(ProducerCommand::Burst(spec)) => {
                    let run = Arc::new(BurstRun::new(spec.id));
                    let task = burst_tasks.spawn(run_burst(shared.clone(), spec, run.clone()));
                    bursts.insert(task.id(), run);
                }
                Some(ProducerCommand::CancelBurst { id }) => {
                    for run in bursts.values().filter(|r| r.id == id) {
                        run.cancel.store(true, Ordering::SeqCst);
                    }
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            Some(joined) = burst_tasks.join_next_with_id(), if !burst_tasks.is_empty() => {
                burst_ended(&shared, &mut bursts, joined).await;
            }
        }
    };

    // Shutdown: no new sends; wait up to `grace` for what is in flight.
    shared.stopping.store(true, Ordering::SeqCst);
    // Transactions waiting for the operator are answered unknown now; the
    // broker will ask again (and, with nobody left to answer, roll back).
    shared.book.stop();
    for run in bursts.values() {
        run.cancel.store(true, Ordering::SeqCst);
    }
    // Sends waiting for a window slot will never get one: they end as not
    // sent, and bursts stop where they are.
    shared.window.close();
    drop(lane_tx);
    drop(fifo_tx);
    // Commands that arrived after the shutdown request were never sent.
    cmd_rx.close();
    while let Ok(cmd) = cmd_rx.try_recv() {
        match cmd {
            ProducerCommand::Send { seq, mode, draft } => {
                for s in seqs(seq, &draft) {
                    shared.track(s, mode);
                    not_sent(&shared, s, mode);
                }
            }
            // None of its sequence numbers was used.
            ProducerCommand::Burst(spec) => {
                BurstRun::new(spec.id).finish(&shared, true).await;
            }
            ProducerCommand::CancelBurst { .. }
            | ProducerCommand::Shutdown { .. }
            | ProducerCommand::Decide { .. } => {}
        }
    }
    let _ = tokio::time::timeout(grace + settings.send_timeout, async {
        while let Some(joined) = burst_tasks.join_next_with_id().await {
            burst_ended(&shared, &mut bursts, joined).await;
        }
    })
    .await;
    // Bursts still running are stopped where they are: the send they were
    // making is still pending and ends below like any other.
    burst_tasks.abort_all();
    while let Some(joined) = burst_tasks.join_next_with_id().await {
        burst_ended(&shared, &mut bursts, joined).await;
    }
    let deadline = tokio::time::Instant::now() + grace;
    loop {
        while let Ok(c) = done_rx.try_recv() {
            shared.outlet.forward(c).await;
        }
        let open = !shared
            .outlet
            .pending
            .lock()
            .expect("pending map poisoned")
            .is_empty();
        if !open {
            break;
        }
        tokio::select! {
            c = done_rx.recv() => match c {
                Some(c) => shared.outlet.forward(c).await,
                None => break,
            },
            () = shared.outlet.settled.notified() => {}
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    while let Ok(c) = done_rx.try_recv() {
        shared.outlet.forward(c).await;
    }
    let mut unresolved: Vec<(Seq, Mode)> = shared
        .outlet
        .pending
        .lock()
        .expect("pending map poisoned")
        .drain()
        .collect();
    unresolved.sort();
    for &(seq, mode) in &unresolved {
        shared
            .emit(ProducerEvent::Completed(Completion::instant(
                seq,
                mode,
                Outcome::Unresolved,
            )))
            .await;
    }

    while let Ok(n) = notes_rx.try_recv() {
        shared.emit(ProducerEvent::Transaction(n)).await;
    }
    // Every seq has its outcome: say so now. Closing the client below can
    // take a while (a frozen broker, a dead link), and the console, a
    // profile switch or a SIGHUP exit must not wait for it.
    tracing::info!(unresolved = unresolved.len(), "producer task stopped");
    let _ = events
        .send(ProducerEvent::Connection(Connection::Stopped))
        .await;
    let _ = events.send(ProducerEvent::Stopped { unresolved }).await;

    // Every spawned send is gone, so the task holds the last reference.
    match Arc::try_unwrap(shared) {
        Ok(mut s) => {
            if let Some(p) = s.sender.as_mut() {
                p.shutdown().await;
            }
            if let Some(Ok(mut tx)) = s.tx.take() {
                tx.shutdown().await;
            }
        }
        Err(_) => tracing::warn!("producer still referenced at shutdown; not shut down"),
    }
    if let Some(rt) = runtime {
        let report = rt.shutdown().await;
        if !report.is_healthy() {
            tracing::warn!(report = %report.to_json(), "client runtime shutdown unhealthy");
        }
    }
    tracing::info!("producer client closed");
}

fn completion(
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
fn name_endpoint(mut f: Failure, name_servers: &str) -> Failure {
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
fn unreachable(f: &Failure) -> bool {
    f.code.is_none() && (f.reason.starts_with("cannot reach") || f.reason.starts_with("timed out"))
}

/// Connects to each name server (bounded by the send timeout, at most 2 s);
/// `Err` says why none answered.
async fn probe_name_servers(settings: &ProducerSettings) -> Result<(), String> {
    let wait = settings.send_timeout.min(Duration::from_secs(2));
    let mut why = Vec::new();
    for addr in settings.name_servers.split(';').filter(|a| !a.is_empty()) {
        match tokio::time::timeout(wait, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(e)) => why.push(format!("{addr}: {e}")),
            Err(_) => why.push(format!("{addr}: no answer within {wait:?}")),
        }
    }
    Err(format!("name server unreachable ({})", why.join("; ")))
}

/// Ends a send that never reached the client because the task is stopping.
fn not_sent(shared: &Shared, seq: Seq, mode: Mode) {
    let outcome = Outcome::Failed(Failure {
        reason: "not sent: the producer was shutting down".into(),
        code: None,
    });
    shared.finish(Completion::instant(seq, mode, outcome));
}

fn not_started(shared: &Shared) -> Outcome {
    Outcome::Failed(Failure {
        reason: shared
            .start_error
            .clone()
            .unwrap_or_else(|| "producer is not running".into()),
        code: None,
    })
}

/// Sync and one-way sends: the call returns when the broker answered (sync)
/// or when the request was written (one-way). Returns whether a one-way
/// send was dispatched.
async fn send_blocking(shared: &Shared, seq: Seq, mode: Mode, draft: Arc<Draft>) -> bool {
    let at = Local::now();
    for s in seqs(seq, &draft) {
        shared
            .emit(ProducerEvent::Submitted {
                seq: s,
                mode,
                draft: draft.clone(),
                at,
            })
            .await;
    }
    let started = Instant::now();
    let Some(sender) = shared.sender.as_ref() else {
        for s in seqs(seq, &draft) {
            shared.finish(completion(s, mode, not_started(shared), started, at));
        }
        return false;
    };
    if let MessageType::Batch { .. } = draft.kind {
        let outcomes: Vec<Outcome> = match sender.batch(&draft, shared.timeout_ms).await {
            Ok(receipts) => receipts.into_iter().map(Outcome::Acknowledged).collect(),
            Err(f) => vec![Outcome::Failed(shared.failure(f)); seqs(seq, &draft).count()],
        };
        for (s, outcome) in seqs(seq, &draft).zip(outcomes) {
            shared.finish(completion(s, mode, outcome, started, at));
        }
        return false;
    }
    if draft.kind.is_transaction() {
        let outcome = match send_transaction(shared, seq, &draft).await {
            Ok(r) => Outcome::Acknowledged(r),
            Err(f) => Outcome::Failed(shared.failure(f)),
        };
        shared.finish(completion(seq, mode, outcome, started, at));
        return false;
    }
    let outcome = match mode {
        Mode::Oneway => match sender.oneway(&draft).await {
            Ok(()) => Outcome::Dispatched,
            Err(f) => Outcome::Failed(shared.failure(f)),
        },
        _ => match sender.sync(&draft, shared.timeout_ms).await {
            Ok(r) => Outcome::Acknowledged(r),
            Err(f) => Outcome::Failed(shared.failure(f)),
        },
    };
    let dispatched = outcome == Outcome::Dispatched;
    // Not a transaction (whose decision note goes through the loop first),
    // so nothing has to come out before this outcome.
    shared
        .finish_here(completion(seq, mode, outcome, started, at))
        .await;
    dispatched
}

/// Single FIFO sends, one at a time, in the order they came.
async fn fifo_lane(shared: Arc<Shared>, mut lane: mpsc::UnboundedReceiver<(Seq, Arc<Draft>)>) {
    while let Some((seq, draft)) = lane.recv().await {
        if shared.stopping.load(Ordering::SeqCst) {
            not_sent(&shared, seq, Mode::Sync);
            continue;
        }
        if let Err(text) = caught(pin!(send_blocking(&shared, seq, Mode::Sync, draft))).await {
            shared.finish(Completion::instant(seq, Mode::Sync, panicked(&text)));
        }
    }
}

/// The sequence numbers one send uses: a batch of N uses N.
fn seqs(seq: Seq, draft: &Draft) -> std::ops::Range<Seq> {
    seq..seq + draft.kind.messages()
}

/// Why a send of this type cannot go in this mode (the composer and `send`
/// refuse it earlier; this keeps the task honest whoever sends).
fn unsupported(mode: Mode, draft: &Draft) -> Option<Outcome> {
    let why = match (&draft.kind, mode) {
        (MessageType::Transaction { .. }, Mode::Async | Mode::Oneway) => {
            "not sent: a transactional message is sent sync"
        }
        (MessageType::Batch { .. }, Mode::Async | Mode::Oneway) => "not sent: a batch is sent sync",
        (MessageType::Fifo { .. }, Mode::Async | Mode::Oneway) => {
            "not sent: FIFO is sent sync (order holds only one send after the other)"
        }
        _ => return None,
    };
    Some(Outcome::Failed(Failure {
        reason: why.into(),
        code: None,
    }))
}

/// A transactional send: starts the transactional producer the first time,
/// then sends the half message and waits for its decision.
async fn send_transaction(shared: &Shared, seq: Seq, draft: &Draft) -> Result<Receipt, Failure> {
    let Some((runtime, settings)) = shared.tx_runtime.as_ref() else {
        return Err(Failure {
            reason: "transactions need the RocketMQ client, which did not start".into(),
            code: None,
        });
    };
    let started = shared
        .tx
        .get_or_init(|| transaction::start(runtime.clone(), settings, shared.book.clone()))
        .await;
    match started {
        Ok(producer) => transaction::send(producer, seq, draft).await,
        Err(why) => Err(Failure {
            reason: why.clone(),
            code: None,
        }),
    }
}

/// Puts an async send in the lane, telling the operator when it has to wait
/// for a slot in the window.
async fn enqueue_async(
    shared: &Shared,
    lane: &mpsc::UnboundedSender<(Seq, Arc<Draft>)>,
    seq: Seq,
    draft: Arc<Draft>,
) {
    let mode = Mode::Async;
    let waiting = shared.lane_depth.fetch_add(1, Ordering::SeqCst);
    if shared.window.available_permits() == 0 || waiting > 0 {
        shared
            .emit(ProducerEvent::Queued {
                seq,
                mode,
                at: Local::now(),
            })
            .await;
    }
    if lane.send((seq, draft)).is_err() {
        // The lane has ended, so nothing will take this send out of it.
        shared.lane_depth.fetch_sub(1, Ordering::SeqCst);
        let outcome = Outcome::Failed(Failure {
            reason: "not sent: the async lane has stopped".into(),
            code: None,
        });
        shared.finish(Completion::instant(seq, mode, outcome));
    }
}

async fn async_lane(shared: Arc<Shared>, mut lane: mpsc::UnboundedReceiver<(Seq, Arc<Draft>)>) {
    while let Some((seq, draft)) = lane.recv().await {
        let permit = shared.window.clone().acquire_owned().await;
        shared.lane_depth.fetch_sub(1, Ordering::SeqCst);
        match permit {
            Ok(permit) if !shared.stopping.load(Ordering::SeqCst) => {
                // A panic must end this send, not the lane and every send
                // waiting in it.
                if let Err(text) = caught(pin!(submit_async(&shared, seq, draft, permit))).await {
                    shared.finish(Completion::instant(seq, Mode::Async, panicked(&text)));
                }
            }
            // Shutting down: the rest of the lane is never sent.
            _ => not_sent(&shared, seq, Mode::Async),
        }
    }
}

/// A window slot for a burst's async send. A pipelined burst waits for
/// one on almost every send once the window is full, each wait about a
/// round trip divided by the window; reporting each would cost an event per
/// send for a wait nobody could see, so a send is reported `Queued` only
/// once its wait passes `BURST_QUEUED_AFTER` (a slow or stalled broker).
async fn burst_slot(shared: &Shared, seq: Seq) -> Result<OwnedSemaphorePermit, AcquireError> {
    if let Ok(p) = shared.window.clone().try_acquire_owned() {
        return Ok(p);
    }
    // One wait throughout, so the send keeps its place in the window's queue.
    let mut wait = std::pin::pin!(shared.window.clone().acquire_owned());
    tokio::select! {
        biased;
        p = &mut wait => return p,
        () = tokio::time::sleep(BURST_QUEUED_AFTER) => {}
    }
    shared
        .emit(ProducerEvent::Queued {
            seq,
            mode: Mode::Async,
            at: Local::now(),
        })
        .await;
    wait.await
}

/// Hands one async send to the client. The slot in the window is released
/// by the callback, which is what keeps the library's own queue from
/// saturating under load.
async fn submit_async(
    shared: &Arc<Shared>,
    seq: Seq,
    draft: Arc<Draft>,
    permit: OwnedSemaphorePermit,
) {
    let mode = Mode::Async;
    let at = Local::now();
    shared
        .emit(ProducerEvent::Submitted {
            seq,
            mode,
            draft: draft.clone(),
            at,
        })
        .await;
    let started = Instant::now();
    let Some(sender) = shared.sender.as_ref() else {
        shared.finish(completion(seq, mode, not_started(shared), started, at));
        return;
    };
    // The library takes an `Fn`: whoever takes the slot first (a call of
    // the callback, or the refusal below) ends the send, and only they.
    let slot = Arc::new(Mutex::new(Some(permit)));
    let take = |slot: &Mutex<Option<_>>| slot.lock().ok().and_then(|mut s| s.take()).is_some();
    let outlet = shared.outlet.clone();
    let name_servers = shared.name_servers.clone();
    let (window, opening) = (shared.window.clone(), shared.window_opening.clone());
    let cb_slot = slot.clone();
    let callback = move |answer: Answer| {
        if !take(&cb_slot) {
            return;
        }
        if answer.is_ok()
            && let Some(extra) = opening.lock().ok().and_then(|mut o| o.take())
        {
            window.add_permits(extra);
        }
        let outcome = match answer {
            Ok(r) => Outcome::Acknowledged(r),
            Err(f) => Outcome::Failed(name_endpoint(f, &name_servers)),
        };
        outlet.finish_now(completion(seq, mode, outcome, started, at));
    };
    if let Err(f) = sender
        .submit_async(&draft, shared.timeout_ms, callback)
        .await
        && take(&slot)
    {
        shared.finish(completion(
            seq,
            mode,
            Outcome::Failed(shared.failure(f)),
            started,
            at,
        ));
    }
}

/// A burst as the task loop sees it: how to stop it and how far it got, so
/// that its finish is reported even when it does not end by itself.
struct BurstRun {
    id: u64,
    cancel: AtomicBool,
    /// Sequence numbers used so far.
    submitted: AtomicU64,
    finished: AtomicBool,
}

impl BurstRun {
    fn new(id: u64) -> Self {
        Self {
            id,
            cancel: AtomicBool::new(false),
            submitted: AtomicU64::new(0),
            finished: AtomicBool::new(false),
        }
    }

    /// Reports the burst's finish, once whoever calls.
    async fn finish(&self, shared: &Shared, cancelled: bool) {
        if !self.finished.swap(true, Ordering::SeqCst) {
            shared
                .emit(ProducerEvent::BurstFinished {
                    id: self.id,
                    submitted: self.submitted.load(Ordering::SeqCst),
                    cancelled,
                })
                .await;
        }
    }
}

/// A burst's task has ended: normally (it reported its finish), or aborted
/// at shutdown or by a panic outside its sends (it did not).
async fn burst_ended(
    shared: &Shared,
    bursts: &mut HashMap<tokio::task::Id, Arc<BurstRun>>,
    joined: Result<(tokio::task::Id, ()), tokio::task::JoinError>,
) {
    let task = match &joined {
        Ok((task, ())) => *task,
        Err(e) => {
            if e.is_panic() {
                tracing::error!("burst task panicked: {e}");
            }
            e.id()
        }
    };
    if let Some(run) = bursts.remove(&task) {
        run.finish(shared, true).await;
    }
}

async fn run_burst(shared: Arc<Shared>, spec: BurstSpec, run: Arc<BurstRun>) {
    // One-way: the offsets before the burst, read by a probe kept open
    // until the offsets after it have settled.
    let mut verify = None;
    if spec.mode == Mode::Oneway
        && spec.verify
        && shared.sender.is_some()
        && let Some((context, settings)) = &shared.probe
    {
        let read = async {
            let mut probe = OffsetProbe::start(context.component("burst"), settings).await?;
            match probe.topic_max_offsets(&spec.draft.topic).await {
                Ok(before) => Ok((probe, before)),
                Err(e) => {
                    probe.stop().await;
                    Err(e)
                }
            }
        };
        match read.await {
            Ok(v) => verify = Some(v),
            Err(e) => {
                let landed = Err(format!("reading offsets before the burst: {e:#}"));
                shared.emit(oneway_landed(&spec, 0, landed)).await;
            }
        }
    }
    let start = tokio::time::Instant::now();
    // Sequence numbers used so far; each one gets exactly one outcome.
    let mut submitted = 0u64;
    // One-way sends the connection took: what the landing is judged against.
    let mut dispatched = 0u64;
    let progress_every = (spec.count / 100).max(1);
    // Sequence numbers per message of the burst (a batch uses one per copy).
    let per = spec.draft.kind.messages();
    for i in 0..spec.count {
        if run.cancel.load(Ordering::SeqCst) || shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        if let Some(rate) = spec.rate.filter(|r| *r > 0) {
            let due = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
            tokio::time::sleep_until(due).await;
        }
        let seq = spec.first_seq + i * per;
        let draft = expand(&spec, seq);
        for s in seqs(seq, &draft) {
            shared.track(s, spec.mode);
        }
        submitted += per;
        run.submitted.store(submitted, Ordering::SeqCst);
        if let Some(why) = unsupported(spec.mode, &draft) {
            for s in seqs(seq, &draft) {
                shared.finish(Completion::instant(s, spec.mode, why.clone()));
            }
            break;
        }
        let send = pin!(async {
            match spec.mode {
                Mode::Async => {
                    let permit = burst_slot(&shared, seq).await;
                    match permit {
                        Ok(p) if !shared.stopping.load(Ordering::SeqCst) => {
                            submit_async(&shared, seq, draft, p).await;
                            Some(false)
                        }
                        _ => {
                            not_sent(&shared, seq, spec.mode);
                            None
                        }
                    }
                }
                mode => Some(send_blocking(&shared, seq, mode, draft).await),
            }
        });
        // Some(whether it was dispatched one-way), or None: stop here.
        match caught(send).await {
            Ok(Some(d)) => dispatched += u64::from(d),
            Ok(None) => break,
            // The send ends with the panic; the burst stops there.
            Err(text) => {
                shared.finish(Completion::instant(seq, spec.mode, panicked(&text)));
                break;
            }
        }
        if (submitted / per).is_multiple_of(progress_every) {
            shared
                .emit(ProducerEvent::BurstProgress {
                    id: spec.id,
                    submitted,
                    total: spec.count * per,
                })
                .await;
        }
    }
    let cancelled = submitted < spec.count * per;
    if let Some((mut probe, before)) = verify {
        if !shared.stopping.load(Ordering::SeqCst) {
            let landed = probe
                .settled_topic_offsets(&spec.draft.topic)
                .await
                .map(|after| after - before)
                .map_err(|e| format!("{e:#}"));
            shared.emit(oneway_landed(&spec, dispatched, landed)).await;
        }
        probe.stop().await;
    }
    run.finish(&shared, cancelled).await;
}

/// Runs `fut`, turning a panic inside it into `Err(panic text)`. A panic in
/// a spawned send would otherwise end only its task, silently (the `JoinSet`
/// keeps it), and leave the sequence number it was sending without an outcome.
///
/// `fut` comes pinned where the caller made it (`pin!(send(...))`): a send's
/// future holds the client library's, about 17 KiB, and taking it by value
/// copied all of it once per send: 17,000 of the 120,000 instructions of
/// a sync send in a burst, by callgrind.
async fn caught<F: Future>(mut fut: Pin<&mut F>) -> Result<F::Output, String> {
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(panic_text(payload.as_ref()))),
        }
    })
    .await
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

fn panicked(text: &str) -> Outcome {
    Outcome::Failed(Failure {
        reason: format!("the send panicked: {text}"),
        code: None,
    })
}

fn oneway_landed(spec: &BurstSpec, dispatched: u64, landed: Result<i64, String>) -> ProducerEvent {
    ProducerEvent::OnewayLanded {
        id: spec.id,
        topic: spec.draft.topic.clone(),
        dispatched,
        landed,
    }
}

/// The draft of message `seq` of a burst: keys from the template when there
/// is one, else the burst's own draft, shared.
fn expand(spec: &BurstSpec, seq: Seq) -> Arc<Draft> {
    let Some(t) = &spec.key_template else {
        return spec.draft.clone();
    };
    let mut draft = (*spec.draft).clone();
    draft.keys = template::expand(t, seq, Local::now())
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Arc::new(draft)
}

#[cfg(test)]
mod tests;
