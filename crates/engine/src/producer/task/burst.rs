//! Bursts: N sends of one draft at a rate, with keys from a template,
//! cancellable, and the one-way landing count at their end.

use std::collections::HashMap;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use tokio::sync::{AcquireError, OwnedSemaphorePermit};
use tokio::time::Sleep;

use crate::producer::probe::OffsetProbe;
use crate::producer::{BurstSpec, ProducerEvent};
use rmq_model::message::{Completion, Draft, Mode, Seq};
use rmq_model::template::{Ctx, DraftTemplate, Rng};

use super::BURST_QUEUED_AFTER;
use super::ahead::Chunk;
use super::guard::{caught, panicked};
use super::lanes::{send_blocking, seqs, submit_async, unsupported};
use super::outlet::{Shared, not_sent};

/// A window slot for a burst's async send. A pipelined burst waits for
/// one on almost every send once the window is full, each wait about a
/// round trip divided by the window; reporting each would cost an event per
/// send for a wait nobody could see, so a send is reported `Queued` only
/// once its wait passes `BURST_QUEUED_AFTER` (a slow or stalled broker),
/// at most twice that.
///
/// `slow` is the burst's one timer for that. It is moved on only when it
/// would ring before this wait has lasted `BURST_QUEUED_AFTER`, then to
/// twice that: about once per `BURST_QUEUED_AFTER` in a flowing burst,
/// not once per send (a timer armed and cleared per send was about 400
/// instructions of each async send: docs/performance.md).
pub(super) async fn burst_slot(
    shared: &Shared,
    seq: Seq,
    mut slow: Pin<&mut Sleep>,
) -> Result<OwnedSemaphorePermit, AcquireError> {
    if let Ok(p) = shared.window.clone().try_acquire_owned() {
        return Ok(p);
    }
    let now = tokio::time::Instant::now();
    if slow.deadline() < now + BURST_QUEUED_AFTER {
        slow.as_mut().reset(now + 2 * BURST_QUEUED_AFTER);
    }
    // One wait throughout, so the send keeps its place in the window's queue.
    let mut wait = std::pin::pin!(shared.window.clone().acquire_owned());
    tokio::select! {
        biased;
        p = &mut wait => return p,
        () = slow => {}
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
    let mut expander = match Expander::new(&spec) {
        Ok(e) => e,
        Err(why) => return refuse_template(&shared, &spec, &run, why).await,
    };
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
    // The async sends' timer for a long wait for the window (`burst_slot`).
    let mut slow = pin!(tokio::time::sleep_until(start));
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
                (s, expander.draft(&spec, s, j + 1))
            });
            chunk.fill(&shared, next).await;
        }
        let draft = match chunk.take(seq) {
            Some(d) => d,
            None => expander.draft(&spec, seq, i + 1),
        };
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
                    let permit = burst_slot(&shared, seq, slow.as_mut()).await;
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

/// A burst whose template does not parse: its first message fails with
/// the reason and the burst ends there, as an unsupported type does.
async fn refuse_template(shared: &Shared, spec: &BurstSpec, run: &BurstRun, why: String) {
    let members = seqs(spec.first_seq, &spec.draft);
    run.submitted
        .store(members.end - members.start, Ordering::SeqCst);
    for s in members {
        shared.track(s, spec.mode);
        let failure = rmq_model::message::Failure {
            reason: format!("not sent: {why}"),
            code: None,
        };
        shared.finish(Completion::instant(
            s,
            spec.mode,
            rmq_model::message::Outcome::Failed(failure),
        ));
    }
    run.finish(shared, spec.count > 1).await;
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

/// A burst's templates, parsed once when it starts, and its random
/// source. Without a template every message shares the burst's draft: no
/// work per send.
pub(super) struct Expander {
    template: Option<(DraftTemplate, Rng)>,
}

impl Expander {
    /// The burst's templates; the error names the field (the console and
    /// `send` check them first, so this is for whoever else sends).
    pub(super) fn new(spec: &BurstSpec) -> Result<Expander, String> {
        let template = DraftTemplate::parse(
            spec.key_template.as_deref(),
            &spec.draft,
            spec.expand_message,
        )?;
        Ok(Expander {
            template: template.map(|t| (t, Rng::from_entropy())),
        })
    }

    /// The draft of message `n` (from 1) of the burst, whose sequence
    /// number is `seq`.
    pub(super) fn draft(&mut self, spec: &BurstSpec, seq: Seq, n: u64) -> Arc<Draft> {
        let Some((t, rng)) = &mut self.template else {
            return spec.draft.clone();
        };
        // The clock is read only for a template that shows it.
        let now = if t.uses_clock() {
            Utc::now()
        } else {
            DateTime::UNIX_EPOCH
        };
        Arc::new(t.apply(&spec.draft, &Ctx { seq, n, now }, rng))
    }
}
