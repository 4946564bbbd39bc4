//! The background producer task: owns the one RocketMQ producer of a session,
//! sends per mode, caps async sends in flight, runs bursts, and accounts for
//! every sequence number until it ends in exactly one outcome. This file is
//! the task's loop; `outlet` ends sends, `lanes` sends them, `burst` runs
//! bursts, `ahead` writes them into the journal before they leave, `guard`
//! turns a send's panic into its failure.

mod ahead;
mod burst;
mod guard;
mod lanes;
mod outlet;

use std::collections::HashMap;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rocketmq_client_rust::ClientRuntime;
use rocketmq_runtime::ChildServiceContext;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::client::{Sender, build, describe_error};
use super::{Connection, ProducerCommand, ProducerEvent, ProducerHandle, ProducerSettings};
use rmq_model::message::{Completion, Draft, Mode, Outcome, Seq};
use rmq_model::types::MessageType;

use burst::{BurstRun, burst_ended, run_burst};
use guard::{caught, panicked};
use lanes::{async_lane, enqueue_async, fifo_lane, send_blocking, seqs, unsupported};
use outlet::{Shared, not_sent};

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

/// The longest the task takes from `Shutdown { grace }` to `Stopped`:
/// bursts get `grace` to stop, then the sends still in flight get `grace`.
/// Whoever waits for `Stopped` (the console after a signal) waits at least
/// this long, or cuts sends off unreported.
pub fn shutdown_bound(grace: Duration) -> Duration {
    grace + grace
}

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

/// The task on a scripted client double instead of RocketMQ (unit tests,
/// and the producer bench, which measures the task's own cost per send).
#[cfg(any(test, feature = "fixtures"))]
pub fn spawn_double(settings: ProducerSettings, double: super::double::Double) -> Spawned {
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
                            // A batch's members all end with its panic, not
                            // the first alone (the others stayed in flight);
                            // one already ended keeps its outcome.
                            let members = seqs(seq, &draft);
                            tasks.spawn(async move {
                                ahead::write_ahead(&shared, ahead::of(seq, mode, &draft)).await;
                                if let Err(text) = caught(pin!(send_blocking(&shared, seq, mode, draft))).await {
                                    for s in members {
                                        shared.finish(Completion::instant(s, mode, panicked(&text)));
                                    }
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
    // A burst stuck in a send (a frozen broker) is stopped after `grace`:
    // that send stays pending and ends like any other below. Waiting a
    // send timeout more here made the task's worst case depend on a
    // timeout that can be minutes (`shutdown_bound`).
    let _ = tokio::time::timeout(grace, async {
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

#[cfg(test)]
mod ahead_tests;
#[cfg(test)]
mod burst_tests;
#[cfg(test)]
mod tests;
