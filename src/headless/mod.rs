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
    // A running burst gets `grace` to stop, then the sends in flight get
    // `grace`: the producer's worst case.
    let bound = rmq_engine::producer::shutdown_bound(grace);
    tracing::warn!("{sig}: stopping; waiting up to {bound:?} for sends in flight");
    crate::signals::stderr_line(&format!(
        "rmq-console: {sig}: stopping; waiting up to {bound:?} for sends in flight (again to quit now)"
    ));
    signals.restore_defaults();
}

/// The most a headless command waits, after a signal, for sends in flight
/// (the send timeout when it is shorter), as the console does: a send
/// timeout can be minutes, and an operator who asked to stop should not
/// wait that long. Sends still open then end unresolved (printed,
/// journaled, counted in the summary).
const SIGNAL_GRACE: Duration = Duration::from_secs(1);

/// The grace a signalled command gives its producer (`SIGNAL_GRACE`).
pub(super) fn signal_grace(settings: &rmq_engine::producer::ProducerSettings) -> Duration {
    settings.send_timeout.min(SIGNAL_GRACE)
}

/// How long a command waits for the producer task to close its client
/// once every send has its outcome (a frozen broker can hold the client's
/// shutdown for good); past it the task is left to the runtime's
/// background shutdown.
pub(super) const CLIENT_CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Waits for the producer task to end, at most `CLIENT_CLOSE_WAIT`, still
/// answering signals: the first one says so, a second ends the process.
pub(super) async fn join_within(
    mut join: tokio::task::JoinHandle<()>,
    interrupted: &mut bool,
    settings: &rmq_engine::producer::ProducerSettings,
    signals: &mut Signals,
) -> anyhow::Result<()> {
    let until = tokio::time::Instant::now() + CLIENT_CLOSE_WAIT;
    loop {
        tokio::select! {
            r = &mut join => {
                return r.map_err(|e| anyhow::anyhow!("the producer task ended abnormally: {e}"));
            }
            () = tokio::time::sleep_until(until) => {
                tracing::warn!("the producer's client did not close within {CLIENT_CLOSE_WAIT:?}; leaving it");
                join.abort();
                return Ok(());
            }
            sig = signals.recv(), if !*interrupted => {
                *interrupted = true;
                interrupt(sig, signal_grace(settings), signals);
            }
        }
    }
}

/// Closes the journals (each within `rmq_journal::CLOSE_WAIT`) while
/// signals are still answered: the first one says what is being waited
/// for, a second ends the process. Afterwards every signal ends the process
/// at once: nothing is left that an orderly stop would save.
pub(super) async fn close_journals(
    sinks: Vec<rmq_journal::Sink>,
    interrupted: bool,
    signals: &mut Signals,
) -> Vec<String> {
    let mut closing = tokio::task::spawn_blocking(move || {
        sinks
            .into_iter()
            .flat_map(rmq_journal::Sink::close)
            .collect::<Vec<_>>()
    });
    let mut told = interrupted;
    let problems = loop {
        tokio::select! {
            r = &mut closing => break r.unwrap_or_default(),
            sig = signals.recv(), if !told => {
                told = true;
                if sig == "SIGHUP" {
                    crate::signals::detach_from_terminal();
                }
                crate::signals::stderr_line(&format!(
                    "rmq-console: {sig}: writing the journal (at most {}s; again to quit now)",
                    rmq_journal::CLOSE_WAIT.as_secs()
                ));
                signals.restore_defaults();
            }
        }
    };
    signals.restore_defaults();
    problems
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
