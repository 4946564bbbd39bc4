//! Bursts: N sends of one draft at a rate, with keys from a template,
//! cancellable, and the one-way landing count at their end.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::Local;
use tokio::sync::{AcquireError, OwnedSemaphorePermit};

use crate::producer::probe::OffsetProbe;
use crate::producer::{BurstSpec, ProducerEvent};
use rmq_model::message::{Completion, Draft, Mode, Seq};
use rmq_model::template;

use super::BURST_QUEUED_AFTER;
use super::ahead::Chunk;
use super::guard::{caught, panicked};
use super::lanes::{send_blocking, seqs, submit_async, unsupported};
use super::outlet::{Shared, not_sent};

/// A window slot for a burst's async send. A pipelined burst waits for
/// one on almost every send once the window is full, each wait about a
/// round trip divided by the window; reporting each would cost an event per
/// send for a wait nobody could see, so a send is reported `Queued` only
/// once its wait passes `BURST_QUEUED_AFTER` (a slow or stalled broker).
pub(super) async fn burst_slot(
    shared: &Shared,
    seq: Seq,
) -> Result<OwnedSemaphorePermit, AcquireError> {
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

/// A burst as the task loop sees it: how to stop it and how far it got, so
/// that its finish is reported even when it does not end by itself.
pub(super) struct BurstRun {
    pub(super) id: u64,
    pub(super) cancel: AtomicBool,
    /// Sequence numbers used so far.
    pub(super) submitted: AtomicU64,
    pub(super) finished: AtomicBool,
}

impl BurstRun {
    pub(super) fn new(id: u64) -> Self {
        Self {
            id,
            cancel: AtomicBool::new(false),
            submitted: AtomicU64::new(0),
            finished: AtomicBool::new(false),
        }
    }

    /// Reports the burst's finish, once whoever calls.
    pub(super) async fn finish(&self, shared: &Shared, cancelled: bool) {
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
pub(super) async fn burst_ended(
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

pub(super) async fn run_burst(shared: Arc<Shared>, spec: BurstSpec, run: Arc<BurstRun>) {
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
            match probe.topic_max_offsets(&spec.draft.topic, true).await {
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
    // Sends written ahead into the journal and not sent yet; those left
    // when the loop ends are withdrawn.
    let mut chunk = Chunk::new(&shared, spec.mode);
    let chunk_size = Chunk::size(spec.rate);
    for i in 0..spec.count {
        if run.cancel.load(Ordering::SeqCst) || shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        if let Some(rate) = spec.rate.filter(|r| *r > 0) {
            let due = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
            tokio::time::sleep_until(due).await;
        }
        let seq = spec.first_seq + i * per;
        if shared.write_ahead.is_some() && chunk.is_empty() {
            let upto = (i + chunk_size).min(spec.count);
            let next = (i..upto).map(|j| {
                let s = spec.first_seq + j * per;
                (s, expand(&spec, s, j + 1))
            });
            chunk.fill(&shared, next).await;
        }
        let draft = chunk.take(seq).unwrap_or_else(|| expand(&spec, seq, i + 1));
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
        let members = seqs(seq, &draft);
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
            // The send ends with the panic (each member of a batch); the
            // burst stops there.
            Err(text) => {
                for s in members {
                    shared.finish(Completion::instant(s, spec.mode, panicked(&text)));
                }
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

pub(super) fn oneway_landed(
    spec: &BurstSpec,
    dispatched: u64,
    landed: Result<i64, String>,
) -> ProducerEvent {
    ProducerEvent::OnewayLanded {
        id: spec.id,
        topic: spec.draft.topic.clone(),
        dispatched,
        landed,
    }
}

/// The draft of message `n` (from 1) of a burst, whose sequence number is
/// `seq`: keys from the template when there is one, else the burst's own
/// draft, shared.
pub(super) fn expand(spec: &BurstSpec, seq: Seq, n: u64) -> Arc<Draft> {
    let Some(t) = &spec.key_template else {
        return spec.draft.clone();
    };
    let mut draft = (*spec.draft).clone();
    draft.keys = template::expand(t, seq, n, Local::now())
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Arc::new(draft)
}
