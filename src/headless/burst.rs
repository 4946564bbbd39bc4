//! A burst run headless (`BurstRun`): N sends through a producer task of
//! its own, every outcome awaited, signals answered, and what it did
//! (`RunReport`). `send` and `bench` both run theirs through it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::{interrupt, join_within, signal_grace};
use crate::signals::Signals;
use rmq_engine::ledger::{Counts, Ledger};
use rmq_engine::producer::{self, BurstSpec, ProducerCommand, ProducerSettings};
use rmq_engine::runtime::Runtime;
use rmq_journal::TxDecision;
use rmq_model::events::TxEvent;
use rmq_model::events::{Connection, ProducerEvent};
use rmq_model::message::{Completion, Draft, Mode, Seq};

/// Result of one headless run.
pub struct RunReport {
    pub mode: Mode,
    /// Every outcome of the run, counted by the rules both the console and
    /// the headless commands keep.
    pub ledger: Ledger,
    pub elapsed: Duration,
    pub start_error: Option<String>,
    /// One-way `--verify`: messages that landed in the topic's queues, or
    /// why they could not be counted.
    pub landed: Option<Result<i64, String>>,
    /// A signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT) ended the run early.
    pub interrupted: bool,
    /// Transactions' progress and the broker's check-backs, in order.
    pub transactions: Vec<rmq_model::events::TxEvent>,
}

impl RunReport {
    /// The run's mode's counts.
    pub fn counts(&self) -> &Counts {
        self.ledger.counts(self.mode)
    }
}

/// One burst as `send` and `bench` run it headless: `count` sends of
/// `draft` in `mode`, through a producer task of its own.
#[derive(Debug, Clone)]
pub struct BurstRun {
    pub draft: Draft,
    pub mode: Mode,
    pub count: u64,
    /// Messages per second; `None`: as fast as the window allows.
    pub rate: Option<u32>,
    /// Keys from a template (`order-{seq}`) instead of the draft's.
    pub key_template: Option<String>,
    /// The body and property values are templates, expanded per message.
    pub expand_message: bool,
    /// How long the connection stays open after an unverified one-way
    /// burst, so the requests still queued on it are not cancelled.
    pub linger: Duration,
    /// Count what landed from the queues' offsets (one-way only).
    pub verify: bool,
}

impl BurstRun {
    /// `count` sends of `draft` in `mode`, unpaced, keys as drafted, no
    /// linger, not verified.
    pub fn new(draft: Draft, mode: Mode, count: u64) -> BurstRun {
        BurstRun {
            draft,
            mode,
            count,
            rate: None,
            key_template: None,
            expand_message: false,
            linger: Duration::ZERO,
            verify: false,
        }
    }

    /// Sends the burst through a fresh producer task and waits for every
    /// outcome. `on_completion` sees each completion as it arrives.
    pub async fn run(
        self,
        rt: &Runtime,
        settings: &ProducerSettings,
        signals: &mut Signals,
        on_completion: impl FnMut(&Completion, Option<&Arc<Draft>>, Option<TxDecision>),
    ) -> Result<RunReport> {
        run_burst(rt, settings, self, signals, on_completion).await
    }
}

async fn run_burst(
    rt: &Runtime,
    settings: &ProducerSettings,
    burst: BurstRun,
    signals: &mut Signals,
    mut on_completion: impl FnMut(&Completion, Option<&Arc<Draft>>, Option<TxDecision>),
) -> Result<RunReport> {
    let BurstRun {
        draft,
        mode,
        count,
        rate,
        key_template,
        expand_message,
        linger,
        verify,
    } = burst;
    let (handle, mut events, join) = producer::spawn(rt.context("producer"), settings.clone());
    let started = Instant::now();
    handle
        .submit(ProducerCommand::Burst(BurstSpec {
            id: 1,
            mode,
            draft: Arc::new(draft),
            count,
            rate,
            key_template,
            expand_message,
            first_seq: 1,
            verify: verify && mode == Mode::Oneway,
        }))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut ledger = Ledger::new();
    let mut drafts = std::collections::HashMap::new();
    let mut expected: Option<u64> = None;
    let mut start_error = None;
    let mut interrupted = false;
    // Time of the last outcome: the throughput window, which excludes the
    // offset probe that follows a verified one-way burst.
    let mut last_outcome = started;
    let mut landed = None;
    let mut transactions = Vec::new();
    // Each transaction's decision, for its send's record (noted before the
    // send's outcome).
    let mut decisions = std::collections::HashMap::new();
    // Phase 1: until every submitted send has an outcome (or Ctrl-C).
    while expected != Some(ledger.counts(mode).ended()) {
        tokio::select! {
            sig = signals.recv(), if !interrupted => {
                interrupted = true;
                interrupt(sig, signal_grace(settings), signals);
                let _ = handle.submit(ProducerCommand::Shutdown { grace: signal_grace(settings) }).await;
            }
            evt = events.recv() => match evt {
                None => break,
                Some(evt) => {
                    // A refused second outcome must not print a second line.
                    let fresh = ledger.apply(&evt).is_ok();
                    match evt {
                        ProducerEvent::Connection(Connection::Failed(e)) => start_error = Some(e),
                        ProducerEvent::Submitted { seq, draft, .. } => { drafts.insert(seq, draft); }
                        ProducerEvent::Completed(c) if fresh => {
                            let d = drafts.remove(&c.seq);
                            on_completion(&c, d.as_ref(), decisions.remove(&c.seq));
                            last_outcome = Instant::now();
                        }
                        ProducerEvent::OnewayLanded { landed: l, .. } => landed = Some(l),
                        ProducerEvent::Transaction(t) => {
                            note_decision(&t, &mut decisions);
                            transactions.push(t);
                        }
                        ProducerEvent::BurstFinished { submitted, .. } => expected = Some(submitted),
                        ProducerEvent::Stopped { .. } => break,
                        _ => {}
                    }
                }
            }
        }
    }
    // One-way requests may still sit in the connection's queue: closing it
    // now would cancel them (BROKER-NOTES), so keep it open a while. A
    // verified burst already waited until the offsets stopped moving.
    if mode == Mode::Oneway && !interrupted && !matches!(landed, Some(Ok(_))) {
        tokio::select! {
            _ = tokio::time::sleep(linger) => {}
            sig = signals.recv() => {
                interrupted = true;
                interrupt(sig, signal_grace(settings), signals);
            }
        }
    }
    let grace = if interrupted {
        signal_grace(settings)
    } else {
        settings.send_timeout
    };
    let _ = handle.submit(ProducerCommand::Shutdown { grace }).await;
    loop {
        let evt = tokio::select! {
            evt = events.recv() => evt,
            sig = signals.recv(), if !interrupted => {
                interrupted = true;
                interrupt(sig, signal_grace(settings), signals);
                continue;
            }
        };
        let Some(evt) = evt else { break };
        let fresh = ledger.apply(&evt).is_ok();
        match evt {
            ProducerEvent::Completed(c) if fresh => {
                let d = drafts.remove(&c.seq);
                on_completion(&c, d.as_ref(), decisions.remove(&c.seq));
            }
            ProducerEvent::Transaction(t) => {
                note_decision(&t, &mut decisions);
                transactions.push(t);
            }
            ProducerEvent::Stopped { .. } => break,
            _ => {}
        }
    }
    // Every send has its outcome; closing the client may still hang on a
    // frozen broker: bounded, and signals still answered.
    join_within(join, &mut interrupted, settings, signals).await?;
    Ok(RunReport {
        mode,
        ledger,
        elapsed: last_outcome - started,
        start_error,
        landed,
        interrupted,
        transactions,
    })
}

/// Keeps a transaction's decision for its send's record.
pub(super) fn note_decision(
    t: &TxEvent,
    decisions: &mut std::collections::HashMap<Seq, TxDecision>,
) {
    if let TxEvent::Decided {
        seq, choice, by, ..
    } = t
    {
        decisions.insert(
            *seq,
            TxDecision {
                choice: *choice,
                by: by.clone(),
            },
        );
    }
}
