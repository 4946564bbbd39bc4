//! Comparing the three modes side by side: the same burst run in sync, async
//! and one-way, one after the other, driven by [`Driver`] (shared by the
//! console's compare view and `bench`), and what the run shows: one
//! [`ModeResult`] per mode, the table, the histogram over buckets shared by
//! the modes, a line per mode on what it guarantees, and JSON. Pure data:
//! no I/O, no clock (times come from the producer's events).

mod driver;
mod text;

use std::time::Duration;

use serde_json::json;

use crate::ledger::Counts;
use rmq_model::message::{Draft, Mode};

pub use driver::{Driver, Progress, Step};
pub use text::{
    Bucket, bucket_counts, fmt_latency, histogram_text, shared_buckets, table_body, table_text,
};

/// What a comparison sends: `count` messages of `body_bytes` to `topic` in
/// each of `modes`, one-way paced at `oneway_rate` msg/s (`None`: unpaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareSpec {
    pub topic: String,
    pub count: u64,
    pub body_bytes: usize,
    pub oneway_rate: Option<u32>,
    /// Distinct modes, in the order they run.
    pub modes: Vec<Mode>,
    /// How many async sends the producer keeps in flight: async latency
    /// includes waiting behind them, which the explanation says.
    pub async_window: usize,
}

impl CompareSpec {
    /// The message every send of the comparison carries.
    pub fn draft(&self) -> Draft {
        Draft {
            kind: Default::default(),
            topic: self.topic.clone(),
            tag: Some("compare".into()),
            keys: vec![],
            properties: vec![],
            body: vec![b'x'; self.body_bytes],
        }
    }

    /// Messages the whole comparison sends (what a protected profile is
    /// asked about).
    pub fn total(&self) -> u64 {
        self.count.saturating_mul(self.modes.len() as u64)
    }

    /// What was compared, in one line: the view's header and the first
    /// line of what `y` copies.
    pub fn header(&self) -> String {
        format!(
            "{} × {} B to {}, async window {}, {}",
            self.count,
            self.body_bytes,
            self.topic,
            self.async_window,
            self.oneway_rate
                .map_or("one-way unpaced".into(), |r| format!(
                    "one-way paced at {r}/s"
                ))
        )
    }
}

/// What a mode's latency figures measure and what the mode guarantees, in
/// one line under the table, so a room does not read async's queueing as
/// slowness or one-way's hand-off as delivery.
pub fn meaning(mode: Mode, spec: &CompareSpec) -> String {
    // At most 71 characters: the compare view's width at 80 columns.
    match mode {
        Mode::Sync => {
            "latency call → broker's ack, one at a time · stored before it returns".into()
        }
        Mode::Async => format!(
            "latency submit → callback, ≤{} in flight (waits count) · same ack",
            spec.async_window
        ),
        Mode::Oneway => match spec.oneway_rate {
            Some(r) => {
                format!("latency hand-off to the socket, paced {r}/s · no answer: offsets tell")
            }
            None => "latency hand-off to the socket · no answer: only offsets tell".into(),
        },
    }
}

/// One line per mode on what it guarantees (`bench --json`, the mode bar).
pub fn guarantee(mode: Mode) -> &'static str {
    match mode {
        Mode::Sync => "stored by the broker before the call returns, or you see why not",
        Mode::Async => "the same acknowledgement as sync, reported later by a callback",
        Mode::Oneway => "nothing: no answer; only the queue offsets show what landed",
    }
}

/// One mode's run in a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeResult {
    pub mode: Mode,
    /// Messages asked for.
    pub requested: u64,
    /// The ledger's counts of this mode's burst.
    pub counts: Counts,
    /// First submit to last outcome, from the events' own timestamps.
    pub elapsed: Option<Duration>,
    /// One-way: how far the topic's queue offsets moved during the burst,
    /// or why they could not be read.
    pub landed: Option<Result<i64, String>>,
    /// The burst stopped before its count (cancel, shutdown).
    pub cancelled: bool,
    /// The mode was held to this many msg/s (one-way's pacing): its msg/s
    /// is that limit, not what the mode can do.
    pub paced: Option<u32>,
}

impl ModeResult {
    /// Sends that have their outcome: `ok + failed + dispatched`.
    pub fn sent(&self) -> u64 {
        self.counts.ended()
    }

    /// Acknowledged by the broker (degraded statuses included: stored).
    pub fn ok(&self) -> u64 {
        self.counts.acknowledged()
    }

    /// Failed, or still open when the producer stopped.
    pub fn failed(&self) -> u64 {
        self.counts.failed + self.counts.unresolved
    }

    pub fn dispatched(&self) -> u64 {
        self.counts.dispatched
    }

    pub fn msgs_per_sec(&self) -> Option<f64> {
        let secs = self.elapsed?.as_secs_f64();
        (secs > 0.0 && self.sent() > 0).then(|| self.sent() as f64 / secs)
    }

    /// Landed messages as a share of those dispatched, in percent.
    pub fn landed_pct(&self) -> Option<f64> {
        match &self.landed {
            Some(Ok(n)) if self.dispatched() > 0 => {
                Some(*n as f64 * 100.0 / self.dispatched() as f64)
            }
            _ => None,
        }
    }

    /// One JSON object (`bench --json` prints one per mode).
    pub fn to_json(&self) -> serde_json::Value {
        let ms = |d: Option<Duration>| d.map(rmq_model::message::millis);
        let c = &self.counts;
        let mut v = json!({
            "mode": self.mode,
            "requested": self.requested,
            "sent": self.sent(),
            "ok": c.ok,
            "degraded": c.degraded,
            "failed": c.failed,
            "unresolved": c.unresolved,
            "dispatched": c.dispatched,
            "seconds": self.elapsed.map(|d| d.as_secs_f64()),
            "msgs_per_sec": self.msgs_per_sec(),
            "p50_ms": ms(c.latency.quantile(0.5)),
            "p99_ms": ms(c.latency.quantile(0.99)),
            "max_ms": ms(c.latency.max()),
            "cancelled": self.cancelled,
            "guarantee": guarantee(self.mode),
        });
        let obj = v.as_object_mut().expect("json object");
        match &self.landed {
            Some(Ok(n)) => {
                obj.insert("landed".into(), json!(n));
                obj.insert("landed_pct".into(), json!(self.landed_pct()));
            }
            Some(Err(why)) => {
                obj.insert("landed".into(), serde_json::Value::Null);
                obj.insert("landed_error".into(), json!(why));
            }
            None => {}
        }
        v
    }
}

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
#[cfg(test)]
mod tests;
