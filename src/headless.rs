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
use crate::message::{Completion, Draft, Mode, Outcome};
use crate::producer::{
    self, BurstSpec, Connection, ProducerCommand, ProducerEvent, ProducerSettings,
};
use crate::runtime::Runtime;
use crate::signals::Signals;

/// Builds the draft from the command line; the body comes from `--body`,
/// `--body-file` or standard input, in that order.
pub fn draft_from_args(m: &MessageArgs) -> Result<Draft> {
    let body = if let Some(b) = &m.body {
        b.clone().into_bytes()
    } else if let Some(path) = &m.body_file {
        std::fs::read(path).with_context(|| format!("reading the body from {}", path.display()))?
    } else if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        // Waiting on a terminal for a body nobody knows to type looks like a hang.
        bail!("no body: give --body TEXT or --body-file PATH, or pipe it in");
    } else {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .context("reading the body from standard input")?;
        buf
    };
    let draft = Draft {
        topic: m.topic.clone(),
        tag: m.tag.clone(),
        keys: m.keys.clone(),
        properties: m.properties.clone(),
        body,
    };
    crate::validate::draft(&draft, usize::MAX).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(draft)
}

/// Latency and outcome tally of a run.
#[derive(Debug, Default)]
pub struct Tally {
    pub acknowledged: u64,
    pub failed: u64,
    pub dispatched: u64,
    pub unresolved: u64,
    /// Microseconds, one per completion.
    pub latencies_us: Vec<u64>,
    pub unexpected: u64,
}

impl Tally {
    fn add(&mut self, c: &Completion) {
        match &c.outcome {
            Outcome::Acknowledged(_) => self.acknowledged += 1,
            Outcome::Failed(_) => self.failed += 1,
            Outcome::Dispatched => self.dispatched += 1,
            Outcome::Unresolved => self.unresolved += 1,
        }
        if !c.outcome.is_expected_for(c.mode) {
            self.unexpected += 1;
        }
        if !matches!(c.outcome, Outcome::Unresolved) {
            self.latencies_us
                .push(u64::try_from(c.latency.as_micros()).unwrap_or(u64::MAX));
        }
    }

    pub fn total(&self) -> u64 {
        self.acknowledged + self.failed + self.dispatched + self.unresolved
    }

    /// Latency at quantile `q` (0..=1), in microseconds.
    pub fn quantile_us(&mut self, q: f64) -> Option<u64> {
        if self.latencies_us.is_empty() {
            return None;
        }
        self.latencies_us.sort_unstable();
        let idx = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        self.latencies_us.get(idx).copied()
    }
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

/// Result of one headless run.
pub struct RunReport {
    pub tally: Tally,
    pub elapsed: Duration,
    pub start_error: Option<String>,
    /// One-way `--verify`: messages that landed in the topic's queues, or
    /// why they could not be counted.
    pub landed: Option<Result<i64, String>>,
    /// A signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT) ended the run early.
    pub interrupted: bool,
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
    mut on_completion: impl FnMut(&Completion, Option<&Draft>),
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
    let mut tally = Tally::default();
    let mut drafts = std::collections::HashMap::new();
    let mut expected: Option<u64> = None;
    let mut start_error = None;
    let mut interrupted = false;
    // Time of the last outcome: the throughput window, which excludes the
    // offset probe that follows a verified one-way burst.
    let mut last_outcome = started;
    let mut landed = None;
    // Phase 1: until every submitted send has an outcome (or Ctrl-C).
    while expected != Some(tally.total()) {
        tokio::select! {
            sig = signals.recv(), if !interrupted => {
                interrupted = true;
                interrupt(sig, settings.send_timeout, signals);
                let _ = handle.submit(ProducerCommand::Shutdown { grace: settings.send_timeout }).await;
            }
            evt = events.recv() => match evt {
                None => break,
                Some(ProducerEvent::Connection(Connection::Failed(e))) => start_error = Some(e),
                Some(ProducerEvent::Submitted { seq, draft, .. }) => { drafts.insert(seq, draft); }
                Some(ProducerEvent::Completed(c)) => {
                    let d = drafts.remove(&c.seq);
                    on_completion(&c, d.as_deref());
                    tally.add(&c);
                    last_outcome = Instant::now();
                }
                Some(ProducerEvent::OnewayLanded { landed: l, .. }) => landed = Some(l),
                Some(ProducerEvent::BurstFinished { submitted, .. }) => expected = Some(submitted),
                Some(ProducerEvent::Stopped { .. }) => break,
                Some(_) => {}
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
        match evt {
            ProducerEvent::Completed(c) => {
                let d = drafts.remove(&c.seq);
                on_completion(&c, d.as_deref());
                tally.add(&c);
            }
            ProducerEvent::Stopped { .. } => break,
            _ => {}
        }
    }
    if let Err(e) = join.await {
        bail!("the producer task ended abnormally: {e}");
    }
    Ok(RunReport {
        tally,
        elapsed: last_outcome - started,
        start_error,
        landed,
        interrupted,
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

pub fn send(rt: &Runtime, mut settings: ProducerSettings, args: SendArgs) -> Result<ExitCode> {
    if let Some(n) = args.async_inflight {
        settings.async_inflight = usize::try_from(n)?;
    }
    let draft = draft_from_args(&args.message)?;
    if let Some(t) = &args.key_template {
        crate::template::validate(t).map_err(|e| anyhow::anyhow!("--key-template: {e}"))?;
    }
    if args.verify && args.mode != Mode::Oneway {
        bail!(
            "--verify is for --mode oneway; sync and async sends are verified by the broker's answer"
        );
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let quiet = args.quiet;
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
                if !quiet {
                    let _ = writeln!(out, "{}", completion_json(c, d));
                }
            },
        )
        .await
    })?;
    out.flush()?;
    drop(out);
    let RunReport {
        mut tally,
        elapsed,
        start_error,
        landed,
        ..
    } = report;
    if let Some(e) = &start_error {
        eprintln!("rmq-console: {e}");
    }
    print_summary(args.mode, &mut tally, elapsed);
    let landed_ok = match &landed {
        Some(Ok(n)) => {
            eprintln!(
                "verify: {n} of {} one-way messages landed in {} (from queue max offsets)",
                tally.dispatched, args.message.topic
            );
            *n >= i64::try_from(tally.dispatched).unwrap_or(i64::MAX)
        }
        Some(Err(e)) => {
            eprintln!("verify: could not count what landed: {e}");
            false
        }
        // Asked to verify and never told: that is not a pass.
        None => !args.verify || tally.dispatched == 0,
    };
    let all_ok = tally.unexpected == 0 && tally.total() == args.count;
    Ok(if all_ok && landed_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_summary(mode: Mode, tally: &mut Tally, elapsed: Duration) {
    let rate = tally.total() as f64 / elapsed.as_secs_f64().max(1e-9);
    let (p50, p99, max) = (
        tally.quantile_us(0.5),
        tally.quantile_us(0.99),
        tally.quantile_us(1.0),
    );
    let ms = |v: Option<u64>| v.map_or("-".to_string(), |us| format!("{:.3}", us as f64 / 1000.0));
    eprintln!(
        "{mode}: {} sent in {:.3}s ({rate:.0} msg/s): {} acknowledged, {} failed, {} dispatched, {} unresolved; \
         latency ms p50 {} p99 {} max {}",
        tally.total(),
        elapsed.as_secs_f64(),
        tally.acknowledged,
        tally.failed,
        tally.dispatched,
        tally.unresolved,
        ms(p50),
        ms(p99),
        ms(max),
    );
}

pub fn bench(rt: &Runtime, mut settings: ProducerSettings, args: BenchArgs) -> Result<ExitCode> {
    if let Some(n) = args.async_inflight {
        settings.async_inflight = usize::try_from(n)?;
    }
    let draft = Draft {
        topic: args.topic.clone(),
        tag: Some("bench".into()),
        keys: vec![],
        properties: vec![],
        body: vec![b'x'; args.body_bytes],
    };
    println!("mode     count   seconds   msg/s      p50_ms   p99_ms   max_ms   failed  landed");
    let mut ok = true;
    let mut signals = rt
        .block_on(async { Signals::new() })
        .context("installing signal handlers")?;
    for mode in args.modes {
        let rate = (mode == Mode::Oneway).then_some(args.oneway_rate);
        let mut report = rt.block_on(run_burst(
            rt,
            &settings,
            draft.clone(),
            mode,
            args.count,
            rate,
            None,
            Duration::from_millis(1000),
            mode == Mode::Oneway,
            &mut signals,
            |_, _| {},
        ))?;
        let t = &mut report.tally;
        let secs = report.elapsed.as_secs_f64();
        let ms =
            |v: Option<u64>| v.map_or("-".to_string(), |us| format!("{:.3}", us as f64 / 1000.0));
        let (p50, p99, max) = (t.quantile_us(0.5), t.quantile_us(0.99), t.quantile_us(1.0));
        println!(
            "{:<8} {:<7} {:<9.3} {:<10.0} {:<8} {:<8} {:<8} {:<7} {}",
            mode.as_str(),
            t.total(),
            secs,
            t.total() as f64 / secs.max(1e-9),
            ms(p50),
            ms(p99),
            ms(max),
            t.failed + t.unresolved,
            match &report.landed {
                None => "-".to_string(),
                Some(Ok(n)) => n.to_string(),
                Some(Err(_)) => "unknown".to_string(),
            },
        );
        ok &= t.unexpected == 0 && !report.interrupted;
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
