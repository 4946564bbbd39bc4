//! Headless commands for scripts: `send` (one JSON line per message and a
//! summary) and `bench` (per-mode throughput and latency). Both drive the same
//! producer task as the console.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::cli::{BenchArgs, MessageArgs, SendArgs};
use crate::signals::Signals;
use rmq_engine::compare::{self, CompareSpec};
use rmq_engine::ledger::{Counts, Landing, Ledger};
use rmq_engine::producer::{self, BurstSpec, ProducerCommand, ProducerSettings};
use rmq_engine::runtime::Runtime;
use rmq_model::events::{Connection, ProducerEvent};
use rmq_model::message::{Completion, Draft, Mode, Outcome};
use rmq_model::types::{Delay, MessageType};

pub mod history;
pub mod replay;

/// Builds the draft from the command line; the body comes from `--body`,
/// `--body-file` (`-` is standard input) or standard input, in that order.
/// `max_bytes` is the profile's largest message, as in the console; no more
/// than one byte past it is ever read.
pub fn draft_from_args(m: &MessageArgs, max_bytes: usize) -> Result<Draft> {
    let body = if let Some(b) = &m.body {
        b.clone().into_bytes()
    } else if let Some(path) = &m.body_file {
        rmq_model::body::read_file(path, max_bytes)?
    } else if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        // Waiting on a terminal for a body nobody knows to type looks like a hang.
        bail!("no body: give --body TEXT or --body-file PATH, or pipe it in");
    } else {
        rmq_model::body::read_bounded(std::io::stdin().lock(), max_bytes, "standard input")?
    };
    let draft = Draft {
        topic: m.topic.clone(),
        tag: m.tag.clone(),
        keys: m.keys.clone(),
        properties: m.properties.clone(),
        body,
        kind: Default::default(),
    };
    rmq_model::validate::draft(&draft, max_bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(draft)
}

/// One JSON object per completed send.
pub fn completion_json(c: &Completion, draft: Option<&Draft>) -> serde_json::Value {
    let mut v = json!({
        "seq": c.seq,
        "mode": c.mode,
        "state": match &c.outcome {
            Outcome::Acknowledged(_) => "acknowledged",
            Outcome::Failed(_) => "failed",
            Outcome::Dispatched => "dispatched",
            Outcome::Unresolved => "unresolved",
        },
        "submitted_at": c.submitted_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        "latency_ms": c.latency.as_secs_f64() * 1000.0,
    });
    let obj = v.as_object_mut().expect("json object");
    let done_key = if c.mode == Mode::Async {
        "callback_at"
    } else {
        "completed_at"
    };
    obj.insert(
        done_key.into(),
        json!(
            c.completed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
        ),
    );
    match &c.outcome {
        Outcome::Acknowledged(r) => {
            obj.insert("status".into(), json!(r.status));
            obj.insert("msg_id".into(), json!(r.msg_id));
            obj.insert("offset_msg_id".into(), json!(r.offset_msg_id));
            obj.insert("broker".into(), json!(r.broker));
            obj.insert("queue_id".into(), json!(r.queue_id));
            obj.insert("queue_offset".into(), json!(r.queue_offset));
            if let Some(t) = &r.transaction_id {
                obj.insert("transaction_id".into(), json!(t));
            }
        }
        Outcome::Failed(f) => {
            obj.insert("error".into(), json!(f.reason));
            if let Some(code) = f.code {
                obj.insert("broker_code".into(), json!(code));
            }
        }
        Outcome::Dispatched => {
            obj.insert("delivery".into(), json!("unverified"));
        }
        Outcome::Unresolved => {}
    }
    if let Some(d) = draft {
        type_fields(obj, c, d);
        obj.insert("topic".into(), json!(d.topic));
        if let Some(t) = &d.tag {
            obj.insert("tag".into(), json!(t));
        }
        if !d.keys.is_empty() {
            obj.insert("keys".into(), json!(d.keys));
        }
    }
    v
}

/// The message type of the `send` flags.
fn message_type(t: &crate::cli::TypeArgs) -> Result<MessageType> {
    let delay = match (&t.delay_level, &t.deliver_in, &t.deliver_at) {
        (Some(n), _, _) => Some(Delay::Level(*n)),
        (_, Some(d), _) => Some(Delay::In(*d)),
        (_, _, Some(at)) => Some(Delay::At(
            rmq_model::types::parse_time(at, chrono::Local::now())
                .map_err(|e| anyhow::anyhow!("--deliver-at: {e}"))?,
        )),
        _ => None,
    };
    rmq_model::types::from_flags(t.sharding_key.as_deref(), delay, t.transaction, t.batch)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The flag an error about the type belongs next to.
fn type_flag(kind: &MessageType) -> &'static str {
    match kind {
        MessageType::Normal => "--mode",
        MessageType::Fifo { .. } => "--sharding-key",
        MessageType::Delayed(Delay::Level(_)) => "--delay-level",
        MessageType::Delayed(Delay::In(_)) => "--deliver-in",
        MessageType::Delayed(Delay::At(_)) => "--deliver-at",
        MessageType::Transaction { .. } => "--transaction",
        MessageType::Batch { .. } => "--batch",
    }
}

/// What a JSON line says about the message type (nothing for normal ones).
fn type_fields(obj: &mut serde_json::Map<String, serde_json::Value>, c: &Completion, d: &Draft) {
    match &d.kind {
        MessageType::Normal => return,
        MessageType::Fifo { sharding_key } => {
            obj.insert("sharding_key".into(), json!(sharding_key));
        }
        MessageType::Delayed(delay) => {
            obj.insert("delay".into(), json!(delay.describe()));
            if matches!(c.outcome, Outcome::Acknowledged(_)) {
                let at = delay.visible_at(c.submitted_at);
                obj.insert(
                    "visible_at".into(),
                    json!(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)),
                );
            }
        }
        MessageType::Transaction { .. } => {}
        MessageType::Batch { size } => {
            obj.insert("batch".into(), json!(size));
        }
    }
    obj.insert("type".into(), json!(d.kind.as_str()));
}

/// One JSON line per transaction event (after the send lines).
pub fn transaction_json(t: &rmq_model::events::TxEvent) -> serde_json::Value {
    use rmq_model::events::TxEvent;
    let at = |t: &chrono::DateTime<chrono::Local>| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    };
    match t {
        TxEvent::Pending {
            seq,
            transaction_id,
            at: when,
        } => json!({"event": "transaction-pending", "seq": seq,
                    "transaction_id": transaction_id, "at": at(when)}),
        TxEvent::Decided {
            seq,
            choice,
            by,
            at_check_back,
            at: when,
        } => json!({"event": "transaction-decided", "seq": seq, "decision": choice.as_str(),
                    "by": by, "at_check_back": at_check_back, "at": at(when)}),
        TxEvent::CheckBack {
            seq,
            transaction_id,
            answer,
            reason,
            at: when,
        } => json!({"event": "check-back", "seq": seq, "transaction_id": transaction_id,
                    "answer": answer.as_str(), "reason": reason, "at": at(when)}),
    }
}

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

/// Sends `count` messages in `mode` through a fresh producer task and waits
/// for every outcome. `on_completion` sees each completion as it arrives.
#[allow(clippy::too_many_arguments)]
pub async fn run_burst(
    rt: &Runtime,
    settings: &ProducerSettings,
    draft: Draft,
    mode: Mode,
    count: u64,
    rate: Option<u32>,
    key_template: Option<String>,
    linger: Duration,
    verify: bool,
    signals: &mut Signals,
    mut on_completion: impl FnMut(&Completion, Option<&Arc<Draft>>),
) -> Result<RunReport> {
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
    // Phase 1: until every submitted send has an outcome (or Ctrl-C).
    while expected != Some(ledger.counts(mode).ended()) {
        tokio::select! {
            sig = signals.recv(), if !interrupted => {
                interrupted = true;
                interrupt(sig, settings.send_timeout, signals);
                let _ = handle.submit(ProducerCommand::Shutdown { grace: settings.send_timeout }).await;
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
                            on_completion(&c, d.as_ref());
                            last_outcome = Instant::now();
                        }
                        ProducerEvent::OnewayLanded { landed: l, .. } => landed = Some(l),
                        ProducerEvent::Transaction(t) => transactions.push(t),
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
                interrupt(sig, settings.send_timeout, signals);
            }
        }
    }
    let _ = handle
        .submit(ProducerCommand::Shutdown {
            grace: settings.send_timeout,
        })
        .await;
    loop {
        let evt = tokio::select! {
            evt = events.recv() => evt,
            sig = signals.recv(), if !interrupted => {
                interrupted = true;
                interrupt(sig, settings.send_timeout, signals);
                continue;
            }
        };
        let Some(evt) = evt else { break };
        let fresh = ledger.apply(&evt).is_ok();
        match evt {
            ProducerEvent::Completed(c) if fresh => {
                let d = drafts.remove(&c.seq);
                on_completion(&c, d.as_ref());
            }
            ProducerEvent::Transaction(t) => transactions.push(t),
            ProducerEvent::Stopped { .. } => break,
            _ => {}
        }
    }
    if let Err(e) = join.await {
        bail!("the producer task ended abnormally: {e}");
    }
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

/// The first signal: say so, and let a second one end the process at once.
fn interrupt(sig: &str, grace: Duration, signals: &Signals) {
    if sig == "SIGHUP" {
        crate::signals::detach_from_terminal();
    }
    tracing::warn!("{sig}: stopping; waiting up to {grace:?} for sends in flight");
    crate::signals::stderr_line(&format!(
        "rmq-console: {sig}: stopping; waiting up to {grace:?} for sends in flight (again to quit now)"
    ));
    signals.restore_defaults();
}

pub fn send(
    rt: &Runtime,
    mut settings: ProducerSettings,
    journal: crate::journal_plan::Plan,
    args: SendArgs,
) -> Result<ExitCode> {
    if let Some(n) = args.async_inflight {
        settings.async_inflight = usize::try_from(n)?;
    }
    let draft = draft_from_args(&args.message, settings.max_message_bytes)?;
    if let Some(notice) = rmq_model::body::binary_notice(&draft.body) {
        crate::signals::stderr_line(&format!("rmq-console: notice: {notice}"));
    }
    if let Some(t) = &args.key_template {
        rmq_model::template::validate(t).map_err(|e| anyhow::anyhow!("--key-template: {e}"))?;
    }
    let mut draft = draft;
    draft.kind = message_type(&args.kind)?;
    rmq_model::validate::kind(
        &draft.kind,
        &draft,
        args.mode,
        settings.max_message_bytes,
        chrono::Utc::now(),
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", type_flag(&draft.kind)))?;
    if args.verify && args.mode != Mode::Oneway {
        bail!(
            "--verify is for --mode oneway; sync and async sends are verified by the broker's answer"
        );
    }
    let journal = if args.no_journal {
        journal.off()
    } else {
        journal
    }
    .sink(&settings, args.mode);
    // For a send that ended before the producer reported its draft.
    let sent = Arc::new(draft.clone());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let quiet = args.quiet;
    let messages = args.count * draft.kind.messages();
    let report = rt.block_on(async {
        let mut signals = Signals::new().context("installing signal handlers")?;
        run_burst(
            rt,
            &settings,
            draft,
            args.mode,
            args.count,
            args.rate,
            args.key_template.clone(),
            Duration::from_millis(args.linger_ms),
            args.verify,
            &mut signals,
            |c, d| {
                journal.record(c, Some(d.unwrap_or(&sent)), None);
                if !quiet {
                    let _ = writeln!(out, "{}", completion_json(c, d.map(|d| &**d)));
                }
            },
        )
        .await
    })?;
    if !quiet {
        for t in &report.transactions {
            writeln!(out, "{}", transaction_json(t))?;
        }
    }
    out.flush()?;
    drop(out);
    for p in journal.close() {
        eprintln!("rmq-console: warning: {p}");
    }
    if let Some(e) = &report.start_error {
        eprintln!("rmq-console: {e}");
    }
    let counts = report.counts();
    print_summary(args.mode, counts, report.elapsed);
    let landed_ok = match report.ledger.landing() {
        Some(
            l @ (Landing::Complete { dispatched, landed }
            | Landing::Shortfall {
                dispatched, landed, ..
            }),
        ) => {
            eprintln!(
                "verify: {landed} of {dispatched} one-way messages landed in {} (from queue max offsets)",
                args.message.topic
            );
            l.passed()
        }
        Some(Landing::Unknown { why, .. }) => {
            eprintln!("verify: could not count what landed: {why}");
            false
        }
        // Asked to verify and never told: that is not a pass.
        None => !args.verify || counts.dispatched == 0,
    };
    let all_ok = counts.unexpected(args.mode) == 0 && counts.ended() == messages;
    Ok(if all_ok && landed_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Milliseconds with microsecond digits, or `-` when nothing was measured.
fn ms(d: Option<Duration>) -> String {
    d.map_or("-".to_string(), |d| {
        format!("{:.3}", d.as_secs_f64() * 1000.0)
    })
}

fn print_summary(mode: Mode, c: &Counts, elapsed: Duration) {
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

pub fn bench(
    rt: &Runtime,
    mut settings: ProducerSettings,
    journal: crate::journal_plan::Plan,
    args: BenchArgs,
) -> Result<ExitCode> {
    if let Some(n) = args.async_inflight {
        settings.async_inflight = usize::try_from(n)?;
    }
    // Checked against the profile before anything is allocated.
    let body_bytes = usize::try_from(args.body_bytes)?;
    rmq_model::validate::body(body_bytes, settings.max_message_bytes)
        .map_err(|e| anyhow::anyhow!("--body-bytes: {e}"))?;
    let mut modes = args.modes.clone();
    // Each mode once, in the order given: the comparison counts per mode.
    let mut seen = [false; 3];
    modes.retain(|m| !std::mem::replace(&mut seen[m.index()], true));
    let spec = CompareSpec {
        topic: args.topic.clone(),
        count: args.count,
        body_bytes,
        oneway_rate: (args.oneway_rate > 0).then_some(args.oneway_rate),
        modes,
    };
    rmq_model::validate::draft(&spec.draft(), settings.max_message_bytes)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let journal = if args.no_journal {
        journal.off()
    } else {
        journal
    };
    if journal.settings.is_none() {
        eprintln!("journal: off");
    }
    // The journal's cost shows in the numbers: `--no-journal` to compare.
    let sinks: Vec<_> = Mode::ALL
        .iter()
        .map(|&m| journal.sink(&settings, m))
        .collect();
    let expected = spec.modes.len();
    let draft = spec.draft();
    let mut signals = rt
        .block_on(async { Signals::new() })
        .context("installing signal handlers")?;
    let run = rt.block_on(async {
        run_compare(rt, &settings, spec, &mut signals, |c, d| {
            sinks[c.mode.index()].record(c, d, None)
        })
        .await
    })?;
    for sink in sinks {
        for p in sink.close() {
            eprintln!("rmq-console: warning: {p}");
        }
    }
    if let Some(e) = &run.start_error {
        eprintln!("rmq-console: {e}");
    }
    let rows = run.rows;
    if args.json {
        for r in &rows {
            println!("{}", r.to_json());
        }
    } else {
        print!("{}", compare::table_text(&rows));
    }
    if args.histogram {
        println!();
        print!("{}", compare::histogram_text(&rows, 16));
    }
    let mut ok = !run.interrupted
        && rows.len() == expected
        && rows
            .iter()
            .all(|r| r.counts.unexpected(r.mode) == 0 && r.sent() == r.requested && !r.cancelled);
    // Message types where throughput means something: FIFO (sync, one
    // sharding key, so one queue in order) and batch (sync, `batch_size`
    // per request; latency is per request). Not after an interrupted run.
    let types: &[String] = if run.interrupted { &[] } else { &args.types };
    let mut type_header = false;
    for name in types {
        let (kind, count) = match name.as_str() {
            "fifo" => (
                MessageType::Fifo {
                    sharding_key: "bench-fifo".into(),
                },
                args.count,
            ),
            _ => (
                MessageType::Batch {
                    size: args.batch_size,
                },
                (args.count / u64::from(args.batch_size)).max(1),
            ),
        };
        let typed = Draft {
            kind,
            ..draft.clone()
        };
        rmq_model::validate::kind(
            &typed.kind,
            &typed,
            Mode::Sync,
            settings.max_message_bytes,
            chrono::Utc::now(),
        )
        .map_err(|e| anyhow::anyhow!("bench {name}: {e}"))?;
        let report = rt.block_on(run_burst(
            rt,
            &settings,
            typed,
            Mode::Sync,
            count,
            None,
            None,
            Duration::ZERO,
            false,
            &mut signals,
            |_, _| {},
        ))?;
        let t = report.counts();
        let secs = report.elapsed.as_secs_f64();
        let rate = t.ended() as f64 / secs.max(1e-9);
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "type": name,
                    "sent": t.ended(),
                    "failed": t.failed + t.unresolved,
                    "seconds": secs,
                    "msgs_per_sec": rate.round(),
                    "p50_ms": ms(t.latency.quantile(0.5)),
                    "p99_ms": ms(t.latency.quantile(0.99)),
                    "max_ms": ms(t.latency.max()),
                })
            );
        } else {
            if !type_header {
                type_header = true;
                println!();
                println!("type     sent    fail  seconds   msg/s      p50_ms   p99_ms   max_ms");
            }
            println!(
                "{:<8} {:<7} {:<5} {:<9.3} {:<10.0} {:<8} {:<8} {}",
                name,
                t.ended(),
                t.failed + t.unresolved,
                secs,
                rate,
                ms(t.latency.quantile(0.5)),
                ms(t.latency.quantile(0.99)),
                ms(t.latency.max()),
            );
        }
        ok &= t.unexpected(Mode::Sync) == 0 && !report.interrupted;
        if report.interrupted {
            break;
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A comparison run headless: its rows, and how it ended.
pub struct CompareRun {
    pub rows: Vec<compare::ModeResult>,
    pub start_error: Option<String>,
    /// A signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT) ended the run early.
    pub interrupted: bool,
}

/// Runs a comparison through one producer task: the same bursts, in the
/// same order, driven by the same [`compare::Driver`] as the console's
/// compare view. The first signal cancels the running burst and stops; a
/// second one ends the process.
pub async fn run_compare(
    rt: &Runtime,
    settings: &ProducerSettings,
    spec: CompareSpec,
    signals: &mut Signals,
    mut on_completion: impl FnMut(&Completion, Option<&Arc<Draft>>),
) -> Result<CompareRun> {
    let (handle, mut events, join) = producer::spawn(rt.context("producer"), settings.clone());
    let mut driver = compare::Driver::new(spec, 1, 1);
    let mut drafts = std::collections::HashMap::new();
    let mut start_error = None;
    let mut interrupted = false;
    if let Some(first) = driver.start() {
        handle
            .submit(ProducerCommand::Burst(first))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    while !driver.is_done() {
        tokio::select! {
            sig = signals.recv(), if !interrupted => {
                interrupted = true;
                interrupt(sig, settings.send_timeout, signals);
                if let Some(id) = driver.cancel() {
                    let _ = handle.submit(ProducerCommand::CancelBurst { id }).await;
                }
            }
            evt = events.recv() => {
                let Some(evt) = evt else {
                    driver.abort();
                    break;
                };
                match &evt {
                    ProducerEvent::Connection(Connection::Failed(e)) => {
                        start_error = Some(e.clone());
                    }
                    ProducerEvent::Submitted { seq, draft, .. } => {
                        drafts.insert(*seq, draft.clone());
                    }
                    ProducerEvent::Completed(c) => {
                        let d = drafts.remove(&c.seq);
                        on_completion(c, d.as_ref());
                    }
                    _ => {}
                }
                if let compare::Step::Start(next) = driver.on_event(&evt) {
                    handle
                        .submit(ProducerCommand::Burst(next))
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
            }
        }
    }
    let _ = handle
        .submit(ProducerCommand::Shutdown {
            grace: settings.send_timeout,
        })
        .await;
    // Drain to the end so the client closes in order.
    while let Some(evt) = events.recv().await {
        if matches!(evt, ProducerEvent::Stopped { .. }) {
            break;
        }
    }
    if let Err(e) = join.await {
        bail!("the producer task ended abnormally: {e}");
    }
    Ok(CompareRun {
        rows: driver.results(),
        start_error,
        interrupted,
    })
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use chrono::{Local, TimeZone};

    use super::*;
    use rmq_model::message::{Failure, Receipt};

    /// The JSON type of a value, as a script reading the line sees it.
    fn kind(v: &serde_json::Value) -> &'static str {
        match v {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "bool",
            serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            serde_json::Value::Number(_) => "float",
            serde_json::Value::String(_) => "string",
            serde_json::Value::Array(_) => "array",
            serde_json::Value::Object(_) => "object",
        }
    }

    /// Field, type and value of each line; times are checked to be RFC 3339
    /// with milliseconds and shown by type only (they follow the local zone).
    fn contract(lines: &[(&str, serde_json::Value)]) -> String {
        let mut out = String::new();
        for (name, v) in lines {
            writeln!(out, "## {name}").unwrap();
            for (k, field) in v.as_object().expect("one object per line") {
                if k.ends_with("_at") {
                    let text = field.as_str().expect("times are strings");
                    chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
                    assert_eq!(text.len(), "2026-11-25T12:00:00.250+00:00".len(), "{text}");
                    writeln!(out, "{k}: string (RFC 3339, ms)").unwrap();
                } else {
                    writeln!(out, "{k}: {} = {field}", kind(field)).unwrap();
                }
            }
        }
        out
    }

    fn completion(seq: u64, mode: Mode, outcome: Outcome) -> Completion {
        let at = Local.timestamp_millis_opt(1_795_000_000_250).unwrap();
        Completion {
            seq,
            mode,
            outcome,
            submitted_at: at,
            completed_at: at + chrono::Duration::microseconds(1500),
            latency: Duration::from_micros(1500),
        }
    }

    #[test]
    fn send_refuses_a_body_over_the_profile_limit_as_the_console_does() {
        let args = MessageArgs {
            topic: "T".into(),
            tag: None,
            keys: vec![],
            properties: vec![],
            body: Some("12345".into()),
            body_file: None,
        };
        assert!(draft_from_args(&args, 5).is_ok());
        let err = draft_from_args(&args, 4).unwrap_err().to_string();
        assert!(err.starts_with("body:"), "{err}");
    }

    #[test]
    fn json_lines_keep_their_fields_and_types() {
        let draft = Draft {
            topic: "orders".into(),
            tag: Some("created".into()),
            keys: vec!["k1".into(), "k2".into()],
            properties: vec![("a".into(), "b".into())],
            body: b"hello".to_vec(),
            kind: Default::default(),
        };
        let receipt = Receipt {
            status: "SendOk".into(),
            msg_id: "7F0000010001".into(),
            offset_msg_id: "7F00000100002A9F".into(),
            broker: "broker-a".into(),
            queue_id: 3,
            queue_offset: 75012,
            transaction_id: None,
            region_id: None,
        };
        let degraded = Receipt {
            status: "FlushDiskTimeout".into(),
            transaction_id: Some("TX1".into()),
            ..receipt.clone()
        };
        let failure = Failure {
            reason: "authentication failed".into(),
            code: Some(16),
        };
        let plain = Draft {
            tag: None,
            keys: vec![],
            ..draft.clone()
        };
        let lines = [
            (
                "sync acknowledged",
                completion_json(
                    &completion(1, Mode::Sync, Outcome::Acknowledged(receipt)),
                    Some(&draft),
                ),
            ),
            (
                "async acknowledged, degraded, transactional",
                completion_json(
                    &completion(2, Mode::Async, Outcome::Acknowledged(degraded)),
                    Some(&plain),
                ),
            ),
            (
                "sync failed by the broker",
                completion_json(
                    &completion(3, Mode::Sync, Outcome::Failed(failure)),
                    Some(&plain),
                ),
            ),
            (
                "oneway dispatched",
                completion_json(
                    &completion(4, Mode::Oneway, Outcome::Dispatched),
                    Some(&plain),
                ),
            ),
            (
                "async unresolved, draft unknown",
                completion_json(&completion(5, Mode::Async, Outcome::Unresolved), None),
            ),
        ];
        insta::assert_snapshot!("json_lines", contract(&lines));
    }
}
