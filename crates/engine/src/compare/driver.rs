//! The comparison's burst driver: which burst runs next, which events belong
//! to it, and when it has ended (every send it made has its outcome). A state
//! machine fed `ProducerEvent`s, so the console's update and `bench`'s loop
//! drive it the same way; it never touches the producer itself.

use std::sync::Arc;

use chrono::{DateTime, Local};

use super::{CompareSpec, ModeResult};
use crate::ledger::Ledger;
use crate::producer::BurstSpec;
use rmq_model::events::ProducerEvent;
use rmq_model::message::{Mode, Seq};

/// What the caller does after an event.
#[derive(Debug, Clone)]
pub enum Step {
    /// Nothing new.
    Wait,
    /// The previous mode is done: submit this burst.
    Start(BurstSpec),
    /// The comparison is over (finished, cancelled or the producer stopped).
    Done,
}

/// Where a running comparison is, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// 0-based index of the running mode.
    pub stage: usize,
    pub stages: usize,
    pub mode: Mode,
    /// Sends of this mode with their outcome so far.
    pub ended: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Default)]
struct Stage {
    first_at: Option<DateTime<Local>>,
    last_at: Option<DateTime<Local>>,
    landed: Option<Result<i64, String>>,
    /// From `BurstFinished`: sequence numbers used and whether it stopped early.
    finished: Option<(u64, bool)>,
    started: bool,
}

#[derive(Debug, Clone)]
pub struct Driver {
    spec: CompareSpec,
    draft: Arc<rmq_model::message::Draft>,
    first_id: u64,
    first_seq: Seq,
    stage: usize,
    stages: Vec<Stage>,
    /// Counts of the comparison's own sends only.
    ledger: Ledger,
    cancelled: bool,
    done: bool,
}

impl Driver {
    /// A comparison whose bursts take ids `first_id..first_id + modes` and
    /// sequence numbers `first_seq..first_seq + spec.total()`; the caller
    /// reserves both.
    pub fn new(spec: CompareSpec, first_id: u64, first_seq: Seq) -> Self {
        let draft = Arc::new(spec.draft());
        let stages = vec![Stage::default(); spec.modes.len()];
        Self {
            spec,
            draft,
            first_id,
            first_seq,
            stage: 0,
            stages,
            ledger: Ledger::new(),
            cancelled: false,
            done: false,
        }
    }

    pub fn spec(&self) -> &CompareSpec {
        &self.spec
    }

    /// The first burst; `None` when there is nothing to run.
    pub fn start(&mut self) -> Option<BurstSpec> {
        if self.spec.modes.is_empty() || self.spec.count == 0 {
            self.done = true;
            return None;
        }
        Some(self.burst(0))
    }

    fn burst(&mut self, i: usize) -> BurstSpec {
        self.stages[i].started = true;
        let mode = self.spec.modes[i];
        BurstSpec {
            id: self.first_id + i as u64,
            mode,
            draft: self.draft.clone(),
            count: self.spec.count,
            rate: if mode == Mode::Oneway {
                self.spec.oneway_rate
            } else {
                None
            },
            key_template: None,
            expand_message: false,
            first_seq: self.first_seq + i as u64 * self.spec.count,
            // One-way has no other evidence of delivery.
            verify: mode == Mode::Oneway,
        }
    }

    /// The stage a sequence number or burst id belongs to.
    fn stage_of_seq(&self, seq: Seq) -> Option<usize> {
        let i = seq.checked_sub(self.first_seq)? / self.spec.count.max(1);
        (i < self.stages.len() as u64).then_some(i as usize)
    }

    fn stage_of_id(&self, id: u64) -> Option<usize> {
        let i = id.checked_sub(self.first_id)?;
        (i < self.stages.len() as u64).then_some(i as usize)
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn was_cancelled(&self) -> bool {
        self.cancelled
    }

    /// The burst id running now, if any.
    pub fn running_id(&self) -> Option<u64> {
        (!self.done).then(|| self.first_id + self.stage as u64)
    }

    /// Stops after the running burst, which the caller cancels by the id
    /// returned.
    pub fn cancel(&mut self) -> Option<u64> {
        self.cancelled = true;
        self.running_id()
    }

    pub fn progress(&self) -> Progress {
        let i = self.stage.min(self.stages.len().saturating_sub(1));
        let mode = self.spec.modes.get(i).copied().unwrap_or(Mode::Sync);
        Progress {
            stage: i,
            stages: self.stages.len(),
            mode,
            ended: self.ledger.counts(mode).ended(),
            total: self.spec.count,
        }
    }

    /// Folds one producer event in; events of other sends are ignored.
    pub fn on_event(&mut self, ev: &ProducerEvent) -> Step {
        if self.done {
            return Step::Wait;
        }
        match ev {
            ProducerEvent::Queued { seq, .. } | ProducerEvent::Submitted { seq, .. } => {
                let Some(i) = self.stage_of_seq(*seq) else {
                    return Step::Wait;
                };
                if let ProducerEvent::Submitted { at, .. } = ev {
                    let s = &mut self.stages[i];
                    s.first_at = Some(s.first_at.map_or(*at, |f| f.min(*at)));
                }
                let _ = self.ledger.apply(ev);
            }
            ProducerEvent::Completed(c) => {
                let Some(i) = self.stage_of_seq(c.seq) else {
                    return Step::Wait;
                };
                // An unresolved end is stamped when the producer gave up,
                // not when the send ended: it says nothing about speed.
                let timed = !matches!(c.outcome, rmq_model::message::Outcome::Unresolved);
                if self.ledger.apply(ev).is_ok() && timed {
                    let s = &mut self.stages[i];
                    s.last_at = Some(s.last_at.map_or(c.completed_at, |l| l.max(c.completed_at)));
                    // A send that never reached the client has no submit time.
                    s.first_at = Some(s.first_at.map_or(c.submitted_at, |f| f.min(c.submitted_at)));
                }
            }
            ProducerEvent::OnewayLanded { id, landed, .. } => {
                if let Some(i) = self.stage_of_id(*id) {
                    self.stages[i].landed = Some(landed.clone());
                }
            }
            ProducerEvent::BurstFinished {
                id,
                submitted,
                cancelled,
            } => {
                if let Some(i) = self.stage_of_id(*id) {
                    self.stages[i].finished = Some((*submitted, *cancelled));
                }
            }
            ProducerEvent::Stopped { .. } => {
                // Whatever is still open ends unresolved; nothing follows.
                let _ = self.ledger.apply(ev);
                self.done = true;
                return Step::Done;
            }
            // Comparisons send normal messages: a transaction's events
            // belong to other sends.
            ProducerEvent::Connection(_)
            | ProducerEvent::BurstProgress { .. }
            | ProducerEvent::Transaction(_) => {}
        }
        self.advance()
    }

    /// The producer is gone without `Stopped`: what is open ends unresolved.
    pub fn abort(&mut self) {
        self.ledger.end_open();
        self.done = true;
    }

    fn advance(&mut self) -> Step {
        let i = self.stage;
        let Some((submitted, stopped_early)) = self.stages[i].finished else {
            return Step::Wait;
        };
        let mode = self.spec.modes[i];
        if self.ledger.counts(mode).ended() < submitted {
            return Step::Wait;
        }
        if stopped_early || self.cancelled || i + 1 == self.stages.len() {
            self.cancelled |= stopped_early;
            self.done = true;
            return Step::Done;
        }
        self.stage += 1;
        Step::Start(self.burst(self.stage))
    }

    /// One result per mode started so far, in run order.
    pub fn results(&self) -> Vec<ModeResult> {
        self.spec
            .modes
            .iter()
            .zip(&self.stages)
            .filter(|(_, s)| s.started)
            .map(|(&mode, s)| ModeResult {
                mode,
                requested: self.spec.count,
                counts: self.ledger.counts(mode).clone(),
                elapsed: match (s.first_at, s.last_at) {
                    (Some(f), Some(l)) => (l - f).to_std().ok(),
                    _ => None,
                },
                landed: s.landed.clone(),
                cancelled: s.finished.is_some_and(|(n, c)| c || n < self.spec.count)
                    || (s.finished.is_none() && self.done),
                paced: self.spec.oneway_rate.filter(|_| mode == Mode::Oneway),
            })
            .collect()
    }
}
