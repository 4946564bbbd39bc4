//! A burst's own tally, apart from the session's counters: its sends'
//! outcomes and latencies as they end, and the summary row it ends with
//! (ok, failed, msg/s achieved, p50/p99) once its last outcome is in.

use chrono::{DateTime, Local};

use super::App;
use rmq_engine::ledger::{Class, Histogram, fmt_latency};
use rmq_model::message::{Completion, Mode, Seq};

/// Bursts whose outcomes are still being counted; past this the oldest is
/// dropped (a summary nobody waits for any more).
const MAX_TALLIES: usize = 8;

#[derive(Debug, Clone)]
pub struct BurstTally {
    pub id: u64,
    pub mode: Mode,
    /// The sequence numbers the burst may use: `first..end`.
    pub first: Seq,
    pub end: Seq,
    pub started: DateTime<Local>,
    pub last_end: Option<DateTime<Local>>,
    pub ok: u64,
    pub degraded: u64,
    pub failed: u64,
    pub dispatched: u64,
    pub unresolved: u64,
    pub latency: Histogram,
    /// Set by `BurstFinished`: how many sends it submitted, and whether it
    /// was cancelled.
    pub finished: Option<(u64, bool)>,
}

impl BurstTally {
    fn ended(&self) -> u64 {
        self.ok + self.degraded + self.failed + self.dispatched + self.unresolved
    }

    /// The summary row's text.
    pub fn summary(&self) -> String {
        let (submitted, cancelled) = self.finished.unwrap_or((self.ended(), false));
        let how = if cancelled { "cancelled" } else { "done" };
        let secs = self.last_end.map_or(0.0, |t| {
            (t - self.started).num_microseconds().unwrap_or(0) as f64 / 1e6
        });
        let rate = if secs > 0.0 {
            format!("{:.0} msg/s", self.ended() as f64 / secs)
        } else {
            "- msg/s".into()
        };
        let q = |p| self.latency.quantile(p).map_or("-".into(), fmt_latency);
        let mut parts = vec![format!(
            "burst #{} {how}: {submitted} sent in {} ({})",
            self.id,
            self.mode.label(),
            fmt_latency(std::time::Duration::from_secs_f64(secs.max(0.0)))
        )];
        if self.mode == Mode::Oneway {
            parts.push(format!("{} dispatched", self.dispatched));
        } else {
            parts.push(format!("{} ok", self.ok));
        }
        if self.degraded > 0 {
            parts.push(format!("{} stored degraded", self.degraded));
        }
        parts.push(format!("{} failed", self.failed));
        if self.unresolved > 0 {
            parts.push(format!("{} unresolved", self.unresolved));
        }
        parts.push(rate);
        parts.push(format!("p50 {} p99 {}", q(0.5), q(0.99)));
        parts.join(" · ")
    }
}

impl App {
    /// A burst was handed to the producer: its tally starts now.
    pub(super) fn tally_started(&mut self, id: u64, mode: Mode, first: Seq, seqs: u64) {
        if self.bursts.len() >= MAX_TALLIES {
            self.bursts.remove(0);
        }
        self.bursts.push(BurstTally {
            id,
            mode,
            first,
            end: first + seqs,
            started: self.now,
            last_end: None,
            ok: 0,
            degraded: 0,
            failed: 0,
            dispatched: 0,
            unresolved: 0,
            latency: Histogram::default(),
            finished: None,
        });
    }

    /// One send's outcome: counted in its burst, if it belongs to one.
    pub(super) fn tally_completed(&mut self, c: &Completion) {
        let Some(i) = self
            .bursts
            .iter()
            .position(|b| (b.first..b.end).contains(&c.seq))
        else {
            return;
        };
        let b = &mut self.bursts[i];
        match Class::of(&c.outcome) {
            Class::Ok => b.ok += 1,
            Class::Degraded => b.degraded += 1,
            Class::Failed => b.failed += 1,
            Class::Dispatched => b.dispatched += 1,
            Class::Unresolved => b.unresolved += 1,
        }
        if !matches!(Class::of(&c.outcome), Class::Unresolved) {
            b.latency.record(c.latency);
        }
        if b.last_end.is_none_or(|t| t < c.completed_at) {
            b.last_end = Some(c.completed_at);
        }
        self.tally_maybe_done(i);
    }

    /// The producer has submitted all it will of burst `id`.
    pub(super) fn tally_finished(&mut self, id: u64, submitted: u64, cancelled: bool) {
        let Some(i) = self.bursts.iter().position(|b| b.id == id) else {
            return;
        };
        self.bursts[i].finished = Some((submitted, cancelled));
        self.tally_maybe_done(i);
    }

    /// Once every submitted send has its outcome: the summary row.
    fn tally_maybe_done(&mut self, i: usize) {
        let b = &self.bursts[i];
        let Some((submitted, _)) = b.finished else {
            return;
        };
        if b.ended() < submitted {
            return;
        }
        let b = self.bursts.remove(i);
        let text = b.summary();
        self.push_note(text.clone());
        self.notice(super::Level::Info, text);
    }
}
