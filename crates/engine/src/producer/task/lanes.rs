//! How one send goes out: sync and one-way sends, the FIFO lane (one at a
//! time, in order), transactions, and the async lane with its window.

use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use std::time::Instant;

use chrono::Local;
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use crate::producer::ProducerEvent;
use crate::producer::client::Answer;
use crate::producer::transaction::{self};
use rmq_model::message::{Completion, Draft, Failure, Mode, Outcome, Receipt, Seq};
use rmq_model::types::MessageType;

use super::guard::{caught, panicked};
use super::outlet::{Shared, Stamp, completion, name_endpoint, not_sent, not_started};

/// Sync and one-way sends: the call returns when the broker answered (sync)
/// or when the request was written (one-way). Returns whether a one-way
/// send was dispatched.
pub(super) async fn send_blocking(
    shared: &Shared,
    seq: Seq,
    mode: Mode,
    draft: Arc<Draft>,
) -> bool {
    // A sync send takes its places below without a wait when there is
    // room, so its turn on the cooperative budget is taken here: a burst of
    // sync sends that fail before any I/O (a message the client refuses)
    // still yields every so often, to the task loop and its cancel.
    if mode == Mode::Sync {
        tokio::task::coop::consume_budget().await;
    }
    let at = Stamp::now();
    let submitted = |s| ProducerEvent::Submitted {
        seq: s,
        mode,
        draft: draft.clone(),
        at: at.at,
    };
    // A single message (not a batch, not a transaction, whose decision
    // note comes between) reserves the places of both its events at once,
    // one wait instead of two, and holds the outcome's while it is sent:
    // its outcome then goes out without waiting (docs/performance.md).
    let single = !matches!(draft.kind, MessageType::Batch { .. }) && !draft.kind.is_transaction();
    let mut room = None;
    // The latency starts when the client is called: when nothing waited
    // since the stamp, that is the stamp's instant (one clock reading
    // fewer); otherwise it is read below.
    let mut started = None;
    if single {
        let events = &shared.outlet.events;
        // A sync send waits for the broker's answer, and yields there, so
        // it may take its places without a wait when there is room; a
        // one-way send may never wait in the client, so it reserves them
        // with `reserve`, which counts against the task's cooperative
        // budget and so yields to the client's tasks every so often.
        room = match mode {
            Mode::Sync => match events.try_reserve_many(2) {
                Ok(places) => {
                    started = Some(at.mono);
                    Some(places)
                }
                Err(mpsc::error::TrySendError::Full(())) => events.reserve_many(2).await.ok(),
                Err(mpsc::error::TrySendError::Closed(())) => None,
            },
            _ => events.reserve_many(2).await.ok(),
        };
        if let Some(place) = room.as_mut().and_then(Iterator::next) {
            place.send(submitted(seq));
        }
    } else {
        for s in seqs(seq, &draft) {
            shared.emit_with(|| submitted(s)).await;
        }
    }
    let started = started.unwrap_or_else(Instant::now);
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
        let mut c = completion(seq, mode, outcome, started, at);
        // The send's latency ends when the half message was stored; the
        // time the operator took to decide is the row's, not the latency's.
        if let Some(stored) = shared.book.take_stored_at(seq) {
            c.latency = stored.saturating_duration_since(started);
        }
        shared.finish(c);
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
    shared.finish_here(room, completion(seq, mode, outcome, started, at));
    dispatched
}

/// Single FIFO sends, one at a time, in the order they came.
pub(super) async fn fifo_lane(
    shared: Arc<Shared>,
    mut lane: mpsc::UnboundedReceiver<(Seq, Arc<Draft>)>,
) {
    while let Some((seq, draft)) = lane.recv().await {
        if shared.stopping.load(Ordering::SeqCst) {
            not_sent(&shared, seq, Mode::Sync);
            continue;
        }
        super::ahead::write_ahead(&shared, super::ahead::of(seq, Mode::Sync, &draft)).await;
        if let Err(text) = caught(pin!(send_blocking(&shared, seq, Mode::Sync, draft))).await {
            shared.finish(Completion::instant(seq, Mode::Sync, panicked(&text)));
        }
    }
}

/// The sequence numbers one send uses: a batch of N uses N.
pub(super) fn seqs(seq: Seq, draft: &Draft) -> std::ops::Range<Seq> {
    seq..seq + draft.kind.messages()
}

/// Why a send of this type cannot go in this mode (the composer and `send`
/// refuse it earlier; this keeps the task honest whoever sends).
pub(super) fn unsupported(mode: Mode, draft: &Draft) -> Option<Outcome> {
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
pub(super) async fn send_transaction(
    shared: &Shared,
    seq: Seq,
    draft: &Draft,
) -> Result<Receipt, Failure> {
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
pub(super) async fn enqueue_async(
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

pub(super) async fn async_lane(
    shared: Arc<Shared>,
    mut lane: mpsc::UnboundedReceiver<(Seq, Arc<Draft>)>,
) {
    while let Some((seq, draft)) = lane.recv().await {
        let permit = shared.window.clone().acquire_owned().await;
        shared.lane_depth.fetch_sub(1, Ordering::SeqCst);
        match permit {
            Ok(permit) if !shared.stopping.load(Ordering::SeqCst) => {
                super::ahead::write_ahead(&shared, super::ahead::of(seq, Mode::Async, &draft))
                    .await;
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

/// Hands one async send to the client. The slot in the window is released
/// by the callback, which is what keeps the library's own queue from
/// saturating under load.
pub(super) async fn submit_async(
    shared: &Arc<Shared>,
    seq: Seq,
    draft: Arc<Draft>,
    permit: OwnedSemaphorePermit,
) {
    let mode = Mode::Async;
    let at = Stamp::now();
    shared
        .emit_with(|| ProducerEvent::Submitted {
            seq,
            mode,
            draft: draft.clone(),
            at: at.at,
        })
        .await;
    let started = Instant::now();
    let Some(sender) = shared.sender.as_ref() else {
        shared.finish(completion(seq, mode, not_started(shared), started, at));
        return;
    };
    // The library takes an `Fn`: the slot makes its first call the only
    // one that counts, and releases the window there. It lives in the
    // callback, not behind an `Arc` shared with the refusal below (one
    // allocation per send fewer, as the library's own callers do): a
    // refusal whose callback was called too is the second outcome for one
    // sequence number, which `Outlet::deliver` drops.
    let slot = Mutex::new(Some(permit));
    let outlet = shared.outlet.clone();
    let name_servers = shared.name_servers.clone();
    let (window, opening) = (shared.window.clone(), shared.window_opening.clone());
    let callback = move |answer: Answer| {
        if slot.lock().ok().and_then(|mut s| s.take()).is_none() {
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
