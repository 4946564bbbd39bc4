//! Comparison events and results for the tests of this crate and the
//! crates above it (the `fixtures` feature): a fixed clock, receipts, and
//! a driver played through with latencies over a few octaves.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, TimeZone};

use super::{CompareSpec, Driver, ModeResult};
use rmq_model::events::ProducerEvent;
use rmq_model::fixtures::receipt;
use rmq_model::message::{Completion, Failure, Mode, Outcome};

pub fn t(us: i64) -> DateTime<Local> {
    Local.timestamp_millis_opt(1_700_000_000_000).unwrap() + chrono::Duration::microseconds(us)
}

pub fn spec(count: u64) -> CompareSpec {
    CompareSpec {
        topic: "T".into(),
        count,
        body_bytes: 16,
        oneway_rate: Some(5000),
        modes: Mode::ALL.to_vec(),
        async_window: 128,
    }
}

pub fn submitted(seq: u64, mode: Mode, at_us: i64) -> ProducerEvent {
    ProducerEvent::Submitted {
        seq,
        mode,
        draft: Arc::new(spec(1).draft()),
        at: t(at_us),
    }
}

pub fn done(seq: u64, mode: Mode, outcome: Outcome, at_us: i64, lat_us: i64) -> ProducerEvent {
    ProducerEvent::Completed(Completion {
        seq,
        mode,
        outcome,
        submitted_at: t(at_us),
        completed_at: t(at_us + lat_us),
        latency: Duration::from_micros(lat_us as u64),
    })
}

pub fn finished(id: u64, submitted: u64) -> ProducerEvent {
    ProducerEvent::BurstFinished {
        id,
        submitted,
        cancelled: false,
    }
}

/// Feeds one mode's burst of `n` sends starting at `seq` (one per 100 µs).
/// Fixed results: three modes with latencies spread over a few octaves.
pub fn sample_results() -> Vec<ModeResult> {
    sample_driver(3).results()
}

/// A comparison of 200 per mode with the first `modes` modes played
/// through (the rest not started, or started and running).
pub fn sample_driver(modes: usize) -> Driver {
    let mut d = Driver::new(spec(200), 1, 1);
    d.start();
    for (i, mode) in Mode::ALL.into_iter().enumerate().take(modes) {
        let id = 1 + i as u64;
        let first = 1 + i as u64 * 200;
        let base = [180, 2_500, 12][i];
        for k in 0..200u64 {
            let seq = first + k;
            let at = (seq * 250) as i64;
            d.on_event(&submitted(seq, mode, at));
            let outcome = match mode {
                Mode::Oneway => Outcome::Dispatched,
                _ if k == 7 => Outcome::Failed(Failure {
                    reason: "timeout".into(),
                    code: None,
                }),
                _ => Outcome::Acknowledged(receipt(seq)),
            };
            let lat = base + (k as i64 * k as i64 * base) / 4000;
            d.on_event(&done(seq, mode, outcome, at, lat));
        }
        if mode == Mode::Oneway {
            d.on_event(&ProducerEvent::OnewayLanded {
                id,
                topic: "T".into(),
                dispatched: 200,
                landed: Ok(173),
            });
        }
        d.on_event(&finished(id, 200));
    }
    d
}
