//! `rmq-console send`: one message, or a burst of it, one JSON line per
//! message on stdout and a summary on stderr; exit 0 only when every message
//! reached its mode's expected end state.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::burst::BurstRun;
use super::draft::{draft_from_args, message_type, type_flag};
use super::json::{completion_json, transaction_json};
use super::{close_journals, print_summary};
use crate::cli::SendArgs;
use crate::signals::Signals;
use rmq_engine::ledger::Landing;
use rmq_engine::producer::ProducerSettings;
use rmq_engine::runtime::Runtime;
use rmq_model::message::Mode;

/// Everything `send` checks in its input, before a sandbox starts or a
/// producer connects: the draft (its body read, from standard input too),
/// the key template, the type against the mode, `--verify`.
/// A saved message (`--message`, from the `messages` folder) brings its
/// own type; the type flags are refused with it.
pub fn prepare(
    args: &SendArgs,
    max_body: usize,
    messages: &std::path::Path,
) -> Result<rmq_model::message::Draft> {
    let mut draft = draft_from_args(&args.message, max_body, messages)?;
    if let Some(notice) = rmq_model::body::binary_notice(&draft.body) {
        crate::signals::stderr_line(&format!("rmq-console: notice: {notice}"));
    }
    if let Some(t) = &args.key_template {
        rmq_model::template::parse_keys(t).map_err(|e| anyhow::anyhow!("--key-template: {e}"))?;
    }
    // What an error about the type is next to: the flag, or the saved message.
    let flag = match &args.message.message {
        Some(name) => format!("--message {name}: type"),
        None => {
            draft.kind = message_type(&args.kind)?;
            type_flag(&draft.kind).to_string()
        }
    };
    if !args.no_expand {
        rmq_model::template::DraftTemplate::parse(None, &draft, true).map_err(|e| {
            anyhow::anyhow!("{e} (--no-expand sends the body and properties as written)")
        })?;
    }
    rmq_model::validate::kind(&draft.kind, &draft, max_body, chrono::Utc::now())
        .map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
    // FIFO, transactions and batches go sync whatever --mode asks, and say so.
    if let Some(note) = rmq_model::validate::sync_note(&draft.kind, args.mode) {
        crate::signals::stderr_line(&format!("rmq-console: notice: {flag}: {note}"));
    }
    let mode = rmq_model::validate::send_mode(&draft.kind, args.mode);
    if args.verify && mode != Mode::Oneway {
        bail!(
            "--verify is for --mode oneway; sync and async sends are verified by the broker's answer"
        );
    }
    Ok(draft)
}

/// Sends `draft` (from `prepare`, checked against the same profile).
pub fn send(
    rt: &Runtime,
    mut settings: ProducerSettings,
    journal: crate::journal_plan::Plan,
    args: SendArgs,
    draft: rmq_model::message::Draft,
) -> Result<ExitCode> {
    if let Some(n) = args.async_inflight {
        settings.async_inflight = usize::try_from(n)?;
    }
    // What `prepare` said: an always-sync type goes sync.
    let mut args = args;
    args.mode = rmq_model::validate::send_mode(&draft.kind, args.mode);
    let journal = if args.no_journal {
        journal.off()
    } else {
        journal
    }
    .sink(&settings);
    // For a send that ended before the producer reported its draft.
    let sent = Arc::new(draft.clone());
    let topic = draft.topic.clone();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let quiet = args.quiet;
    let messages = args.count * draft.kind.messages();
    settings.write_ahead = journal.write_ahead();
    let report = rt.block_on(async {
        let mut signals = Signals::new().context("installing signal handlers")?;
        let burst = BurstRun {
            rate: args.rate,
            key_template: args.key_template.clone(),
            expand_message: !args.no_expand,
            linger: Duration::from_millis(args.linger_ms),
            verify: args.verify,
            ..BurstRun::new(draft, args.mode, args.count)
        };
        let report = burst
            .run(rt, &settings, &mut signals, |c, d, tx| {
                if !quiet {
                    let mut v = completion_json(c, d.map(|d| &**d));
                    // A transaction's line says how it was decided, as its
                    // record does.
                    if let (Some(t), Some(o)) = (&tx, v.as_object_mut()) {
                        o.insert("decision".into(), t.name().into());
                        o.insert("decided_by".into(), t.by.clone().into());
                    }
                    let _ = writeln!(out, "{v}");
                }
                journal.record(c, Some(d.unwrap_or(&sent)), None, tx);
            })
            .await?;
        if !quiet {
            for t in &report.transactions {
                writeln!(out, "{}", transaction_json(t))?;
            }
        }
        out.flush()?;
        drop(out);
        // The producer keeps a handle on the journal; it has ended.
        settings.write_ahead = None;
        for p in close_journals(vec![journal], report.interrupted, &mut signals).await {
            crate::signals::stderr_line(&format!("rmq-console: warning: {p}"));
        }
        anyhow::Ok(report)
    })?;
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
                "verify: {landed} of {dispatched} one-way messages landed in {topic} (from queue max offsets)"
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
