//! Headless commands for scripts, one file each: `send`, `bench`, `history`
//! and `replay` (and `fetch/` for `fetch`, `tail` and `dlq`), with what they share: the draft from flags (`draft`), the
//! JSON lines (`json`), a burst run through a producer task (`burst`), the
//! first signal's notice and the summary line. They drive the same producer
//! task as the console.

use std::time::Duration;

use crate::signals::Signals;
use rmq_engine::ledger::Counts;
use rmq_model::message::Mode;

mod bench;
mod burst;
mod draft;
pub mod fetch;
pub mod history;
mod json;
mod pace;
pub mod replay;
mod send;

pub use bench::{CompareRun, bench, check as check_bench, run_compare};
pub use burst::{BurstRun, RunReport};
pub use draft::draft_from_args;
pub use json::{completion_json, transaction_json};
pub use send::{prepare as prepare_send, send};

/// The first signal: say so, and let a second one end the process at once.
pub(super) fn interrupt(sig: &str, grace: Duration, signals: &Signals) {
    if sig == "SIGHUP" {
        crate::signals::detach_from_terminal();
    }
    tracing::warn!("{sig}: stopping; waiting up to {grace:?} for sends in flight");
    crate::signals::stderr_line(&format!(
        "rmq-console: {sig}: stopping; waiting up to {grace:?} for sends in flight (again to quit now)"
    ));
    signals.restore_defaults();
}

/// Milliseconds with microsecond digits, or `-` when nothing was measured.
pub(super) fn ms(d: Option<Duration>) -> String {
    d.map_or("-".to_string(), |d| {
        format!("{:.3}", d.as_secs_f64() * 1000.0)
    })
}

pub(super) fn print_summary(mode: Mode, c: &Counts, elapsed: Duration) {
    let rate = c.ended() as f64 / elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "{mode}: {} sent in {:.3}s ({rate:.0} msg/s): {} acknowledged ({} degraded), {} failed, {} dispatched, {} unresolved; \
         latency ms p50 {} p99 {} max {}",
        c.ended(),
        elapsed.as_secs_f64(),
        c.acknowledged(),
        c.degraded,
        c.failed,
        c.dispatched,
        c.unresolved,
        ms(c.latency.quantile(0.5)),
        ms(c.latency.quantile(0.99)),
        ms(c.latency.max()),
    );
}
