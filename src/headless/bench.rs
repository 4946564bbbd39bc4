//! `rmq-console bench`: the modes side by side through the compare driver
//! (msg/s, latency, landed one-way messages), then FIFO and batch rows.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::burst::BurstRun;
use super::{close_journals, interrupt, join_within, ms, signal_grace};
use crate::cli::BenchArgs;
use crate::signals::Signals;
use rmq_engine::compare::{self, CompareSpec};
use rmq_engine::producer::{self, ProducerCommand, ProducerSettings};
use rmq_engine::runtime::Runtime;
use rmq_model::events::{Connection, ProducerEvent};
use rmq_model::message::{Completion, Draft, Mode};
use rmq_model::types::MessageType;

/// What `bench` checks in its input, before a sandbox starts or a
/// producer connects: the body size against the profile (before anything
/// is allocated) and the draft it would send.
pub fn check(args: &BenchArgs, max_body: usize) -> Result<()> {
    let body_bytes = usize::try_from(args.body_bytes)?;
    rmq_model::validate::body(body_bytes, max_body)
        .map_err(|e| anyhow::anyhow!("--body-bytes: {e}"))?;
    let spec = CompareSpec {
        topic: args.topic.clone(),
        count: args.count,
        body_bytes,
        oneway_rate: None,
        modes: args.modes.clone(),
        async_window: 0,
    };
    rmq_model::validate::draft(&spec.draft(), max_body).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
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
    check(&args, settings.max_message_bytes)?;
    let body_bytes = usize::try_from(args.body_bytes)?;
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
        async_window: settings.async_inflight,
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
    // The journal's cost shows in the numbers (its write-ahead included):
    // `--no-journal` to compare.
    let sink = journal.sink(&settings);
    settings.write_ahead = sink.write_ahead();
    let expected = spec.modes.len();
    let draft = spec.draft();
    let mut signals = rt
        .block_on(async { Signals::new() })
        .context("installing signal handlers")?;
    // Each send's start and end, for the SVG's timeline.
    let mut timeline = rmq_engine::timeline::Timeline::default();
    timeline.mark_run(chrono::Local::now());
    let run = rt.block_on(async {
        run_compare(rt, &settings, spec.clone(), &mut signals, |c, d| {
            timeline.completed(c);
            sink.record(c, d, None, None)
        })
        .await
    })?;
    if let Some(e) = &run.start_error {
        eprintln!("rmq-console: {e}");
    }
    let rows = run.rows;
    if args.json {
        for r in &rows {
            println!("{}", r.to_json());
        }
    } else {
        print!("{}", compare::table_text(&rows, &spec));
    }
    if args.histogram {
        println!();
        print!("{}", compare::histogram_text(&rows, 16));
    }
    if let Some(path) = &args.svg {
        let svg = crate::chart::comparison_svg(&spec, &rows, &timeline)?;
        crate::chart::write(path, &svg)?;
        eprintln!("bench: the comparison as an SVG: {}", path.display());
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
    let mut interrupted = run.interrupted;
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
            settings.max_message_bytes,
            chrono::Utc::now(),
        )
        .map_err(|e| anyhow::anyhow!("bench {name}: {e}"))?;
        let report = rt.block_on(BurstRun::new(typed, Mode::Sync, count).run(
            rt,
            &settings,
            &mut signals,
            |c, d, tx| sink.record(c, d, None, tx),
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
        interrupted |= report.interrupted;
        if report.interrupted {
            break;
        }
    }
    settings.write_ahead = None;
    for p in rt.block_on(close_journals(vec![sink], interrupted, &mut signals)) {
        crate::signals::stderr_line(&format!("rmq-console: warning: {p}"));
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
                interrupt(sig, signal_grace(settings), signals);
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
    let grace = if interrupted {
        signal_grace(settings)
    } else {
        settings.send_timeout
    };
    let _ = handle.submit(ProducerCommand::Shutdown { grace }).await;
    // Drain to the end so the client closes in order; what was still open
    // ends unresolved, and is journaled so.
    loop {
        let evt = tokio::select! {
            evt = events.recv() => evt,
            sig = signals.recv(), if !interrupted => {
                interrupted = true;
                interrupt(sig, signal_grace(settings), signals);
                continue;
            }
        };
        match evt {
            None | Some(ProducerEvent::Stopped { .. }) => break,
            Some(ProducerEvent::Completed(c)) => {
                let d = drafts.remove(&c.seq);
                on_completion(&c, d.as_ref());
            }
            Some(_) => {}
        }
    }
    join_within(join, &mut interrupted, settings, signals).await?;
    Ok(CompareRun {
        rows: driver.results(),
        start_error,
        interrupted,
    })
}
