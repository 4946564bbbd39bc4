//! `rmq-console replay FILE`: validates the whole replay file first (every
//! bad line as `FILE:LINE: reason`; a line longer than
//! `rmq_journal::replay::line_cap` ends the read, and at most
//! `rmq_journal::replay::MAX_BYTES` of messages are held), then sends each
//! message in its mode at the asked rate through one producer task, one
//! JSON line per message on stdout like `send`, a progress bar on stderr
//! when it is a terminal, and a summary per mode. `--dry-run` streams
//! instead, holding nothing. Exit 0 when every message ended as its mode
//! promises, 1 otherwise, 2 for a file that did not validate.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{close_journals, completion_json, interrupt, join_within, print_summary, signal_grace};
use crate::cli::ReplayArgs;
use crate::journal_plan::Plan;
use crate::signals::Signals;
use rmq_engine::ledger::Ledger;
use rmq_engine::producer::{self, ProducerCommand, ProducerSettings};
use rmq_engine::runtime::Runtime;
use rmq_journal::replay::{Invalid, Item, Line, Parsed, line_json};
use rmq_model::events::ProducerEvent;
use rmq_model::message::{Draft, Mode, Seq};
use rmq_model::template::{Ctx, DraftTemplate, Rng};
use rmq_model::types::{MessageType, TxPolicy};

/// One message to send: seq, mode, draft, file line, source record.
type Planned = (Seq, Mode, Arc<Draft>, usize, Option<String>);

/// Reads the file (`-`: standard input) and validates every line.
pub fn load(args: &ReplayArgs, max_body: usize) -> Result<Parsed> {
    rmq_journal::replay::read(&args.file, args.topic.as_deref(), max_body)
        .map_err(anyhow::Error::msg)
}

/// The mode a message goes in: `--mode`, else the line's, else sync; a
/// type that is always sent sync (FIFO, transaction, batch) goes sync
/// whatever was asked (`sync_notes` says so).
fn mode_of(args: &ReplayArgs, item: &rmq_journal::replay::Item) -> Mode {
    let asked = args.mode.or(item.mode).unwrap_or(Mode::Sync);
    rmq_model::validate::send_mode(&item.draft.kind, asked)
}

/// `FILE:LINE: notice: sent sync: …` for each line whose type goes sync
/// in another mode than its own (or `--mode`) asks for; at most `MAX_NOTES`
/// lines and how many more.
fn sync_notes(parsed: &Parsed, args: &ReplayArgs) -> Vec<String> {
    const MAX_NOTES: usize = 10;
    let all: Vec<String> = parsed
        .items
        .iter()
        .filter_map(|item| {
            let asked = args.mode.or(item.mode).unwrap_or(Mode::Sync);
            let note = rmq_model::validate::sync_note(&item.draft.kind, asked)?;
            let line = format!(
                "{}:{}: notice: {note} (asked {asked})",
                parsed.origin, item.line
            );
            Some(rmq_model::text::escape_controls(&line, &[]).into_owned())
        })
        .collect();
    let more = all.len().saturating_sub(MAX_NOTES);
    let mut shown: Vec<String> = all.into_iter().take(MAX_NOTES).collect();
    if more > 0 {
        shown.push(format!("replay: notice: {more} more line(s) sent sync"));
    }
    shown
}

/// A transaction whose line does not decide it would wait for an operator
/// a script does not have: `--transaction` decides it, or the profile's
/// `transaction-policy` will; otherwise the line is invalid, with its
/// number, instead of a replay that never ends.
fn decide_item(mut item: Item, args: &ReplayArgs, policy: TxPolicy) -> Result<Item, Invalid> {
    if let MessageType::Transaction { decide: None } = item.draft.kind {
        match (args.transaction, policy.decision()) {
            (Some(choice), _) => {
                item.draft.kind = MessageType::Transaction {
                    decide: Some(choice),
                }
            }
            (None, Some(_)) => {}
            (None, None) => {
                return Err(Invalid {
                    line: item.line,
                    reason: "type: a transaction with no decision would wait for an \
                             operator; write \"tx commit\", \"tx rollback\" or \"tx unknown\", \
                             or pass --transaction"
                        .into(),
                });
            }
        }
    }
    Ok(item)
}

/// The check above, on one line as it is read (the type was checked
/// when the line was parsed: no mode changes what it may carry), and with
/// `--expand` its body's and properties' templates.
fn check_item(item: Item, args: &ReplayArgs, policy: TxPolicy) -> Result<Item, Invalid> {
    if args.expand
        && let Err(reason) = DraftTemplate::parse(None, &item.draft, true)
    {
        return Err(Invalid {
            line: item.line,
            reason,
        });
    }
    decide_item(item, args, policy)
}

/// `--expand`: message `n` (from 1, in file order) of the replay, whose
/// sequence number is `seq`, with its placeholders expanded; else the line's
/// draft as it was read, byte for byte.
fn planned_draft(item: &Item, args: &ReplayArgs, seq: Seq, n: u64, rng: &mut Rng) -> Draft {
    // Checked by `check_item`; a line that does not parse is sent as read.
    let template = if args.expand {
        DraftTemplate::parse(None, &item.draft, true).ok().flatten()
    } else {
        None
    };
    match template {
        Some(t) => {
            let now = chrono::Utc::now();
            t.apply(&item.draft, &Ctx { seq, n, now }, rng)
        }
        None => item.draft.clone(),
    }
}

/// `check_item` over a whole file read.
fn check_all(parsed: &mut Parsed, args: &ReplayArgs, policy: TxPolicy) {
    let mut kept = Vec::new();
    for item in std::mem::take(&mut parsed.items) {
        match check_item(item, args, policy) {
            Ok(item) => kept.push(item),
            Err(bad) => parsed.invalid.push(bad),
        }
    }
    parsed.items = kept;
    parsed.invalid.sort_by_key(|i| i.line);
}

/// Lists the invalid lines on stderr; `Some(2)` when that ends the run.
fn report_invalid(parsed: &Parsed, args: &ReplayArgs) -> Option<ExitCode> {
    for p in parsed.problems() {
        eprintln!("{p}");
    }
    if parsed.invalid.is_empty() {
        return None;
    }
    let n = parsed.invalid.len();
    if args.skip_invalid {
        eprintln!(
            "replay: {n} invalid line(s) skipped; {} to send",
            parsed.items.len()
        );
        None
    } else {
        eprintln!(
            "replay: {n} invalid line(s); nothing sent (--skip-invalid sends the valid ones)"
        );
        Some(ExitCode::from(2))
    }
}

/// `--dry-run`: validates and prints what would be sent, then stops; no
/// broker needed. Streams: each line is printed (or its problem) as it is
/// read and none is held, so a file of any size or an endless standard
/// input runs in bounded memory until it ends, its reader goes away, or a
/// signal stops it.
pub fn dry_run(args: &ReplayArgs, max_body: usize, policy: TxPolicy) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut items, mut invalid) = (0u64, 0u64);
    rmq_journal::replay::for_each(
        &args.file,
        args.topic.as_deref(),
        max_body,
        |origin, line, _| {
            let checked = match line {
                Line::Item(item) => check_item(item, args, policy),
                Line::Invalid(bad) => Err(bad),
            };
            match checked {
                Ok(item) => {
                    items += 1;
                    let asked = args.mode.or(item.mode).unwrap_or(Mode::Sync);
                    if let Some(note) = rmq_model::validate::sync_note(&item.draft.kind, asked) {
                        // In order with the lines around it.
                        out.flush()
                            .map_err(|e| format!("writing standard output: {e}"))?;
                        let line =
                            format!("{origin}:{}: notice: {note} (asked {asked})", item.line);
                        eprintln!("{}", rmq_model::text::escape_controls(&line, &[]));
                    }
                    let mut v = line_json(&item.draft, Some(mode_of(args, &item)));
                    let o = v.as_object_mut().expect("object");
                    o.insert("line".into(), item.line.into());
                    if let Some(s) = &item.source {
                        o.insert("source".into(), s.clone().into());
                    }
                    writeln!(out, "{v}").map_err(|e| format!("writing standard output: {e}"))
                }
                Err(bad) => {
                    invalid += 1;
                    // In order with the lines around it.
                    out.flush()
                        .map_err(|e| format!("writing standard output: {e}"))?;
                    eprintln!("{}", bad.shown(origin));
                    Ok(())
                }
            }
        },
    )
    .map_err(anyhow::Error::msg)?;
    out.flush()?;
    drop(out);
    if invalid > 0 {
        if !args.skip_invalid {
            eprintln!(
                "replay: {invalid} invalid line(s); nothing sent (--skip-invalid sends the valid ones)"
            );
            return Ok(ExitCode::from(2));
        }
        eprintln!("replay: {invalid} invalid line(s) skipped; {items} to send");
    }
    eprintln!("replay: dry run: {items} message(s) would be sent");
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks the whole source before a sandbox starts or a producer
/// connects: `Ok(Err(code))` when that ends the run (invalid lines
/// without `--skip-invalid`: 2; nothing to send: 0).
pub fn prepare(
    args: &ReplayArgs,
    settings: &ProducerSettings,
) -> Result<std::result::Result<Parsed, ExitCode>> {
    let mut parsed = load(args, settings.max_message_bytes)?;
    check_all(&mut parsed, args, settings.transaction_policy);
    for n in sync_notes(&parsed, args) {
        eprintln!("{n}");
    }
    if let Some(code) = report_invalid(&parsed, args) {
        return Ok(Err(code));
    }
    if parsed.items.is_empty() {
        eprintln!("replay: nothing to send");
        return Ok(Err(ExitCode::SUCCESS));
    }
    Ok(Ok(parsed))
}

/// Sends what `prepare` read and checked (against the same profile).
pub fn replay(
    rt: &Runtime,
    settings: ProducerSettings,
    journal: Plan,
    args: ReplayArgs,
    parsed: Parsed,
) -> Result<ExitCode> {
    let journal = if args.no_journal {
        journal.off()
    } else {
        journal
    }
    .sink(&settings);
    let mut settings = settings;
    settings.write_ahead = journal.write_ahead();
    // Sequence numbers from 1 in file order; a batch of N uses N of them.
    let mut next: Seq = 1;
    let mut rng = Rng::from_entropy();
    let plan: Vec<Planned> = parsed
        .items
        .iter()
        .zip(1u64..)
        .map(|(item, n)| {
            let seq = next;
            next += item.draft.kind.messages();
            (
                seq,
                mode_of(&args, item),
                Arc::new(planned_draft(item, &args, seq, n, &mut rng)),
                item.line,
                item.source.clone(),
            )
        })
        .collect();
    // The item a sequence number belongs to: the last one starting at or
    // before it.
    let item_of = |seq: Seq| -> Option<&Planned> {
        let i = plan.partition_point(|p| p.0 <= seq);
        i.checked_sub(1).map(|i| &plan[i])
    };
    let total = next - 1;
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let quiet = args.quiet;
    let started = Instant::now();
    let (ledger, interrupted) = rt.block_on(async {
        let mut signals = Signals::new().context("installing signal handlers")?;
        let (handle, mut events, join) = producer::spawn(rt.context("producer"), settings.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let cmds: Vec<(Seq, Mode, Arc<Draft>)> =
            plan.iter().map(|(s, m, d, _, _)| (*s, *m, d.clone(), )).collect();
        let (h, flag, rate) = (handle.clone(), stop.clone(), args.rate);
        // Completed sequence numbers, for the submitter to wait on.
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<Seq>();
        // Sends go out from a task of their own so events are drained
        // while it waits for room, for its pace, or for a sync send's
        // answer (a sync message waits for its ack before the next one goes,
        // as sync means, which also keeps sync replays in file order).
        let mut submitter = tokio::spawn(async move {
            let mut pace = rate.map(|r| super::pace::Pace::new(r, tokio::time::Instant::now()));
            let mut n = 0u64;
            for (seq, mode, draft) in cmds {
                if let Some(p) = &mut pace {
                    p.tick().await;
                }
                if flag.load(Ordering::SeqCst)
                    || h.submit(ProducerCommand::Send { seq, mode, draft }).await.is_err()
                {
                    break;
                }
                n += 1;
                if mode == Mode::Sync {
                    while let Some(done) = done_rx.recv().await {
                        if done == seq {
                            break;
                        }
                    }
                }
            }
            n
        });
        let mut ledger = Ledger::new();
        let mut expected: Option<u64> = None;
        let mut interrupted = false;
        let mut decisions = std::collections::HashMap::new();
        let mut on_event = |evt: ProducerEvent, ledger: &mut Ledger| {
            let fresh = ledger.apply(&evt).is_ok();
            match evt {
                ProducerEvent::Connection(rmq_model::events::Connection::Failed(e)) => {
                    bar.suspend(|| eprintln!("rmq-console: {e}"));
                }
                ProducerEvent::Transaction(t) => super::burst::note_decision(&t, &mut decisions),
                ProducerEvent::Completed(c) if fresh => {
                    let _ = done_tx.send(c.seq);
                    let Some((_, _, draft, line, source)) = item_of(c.seq) else {
                        return;
                    };
                    journal.record(&c, Some(draft), source.clone(), decisions.remove(&c.seq));
                    if !quiet {
                        let mut v = completion_json(&c, Some(draft));
                        let o = v.as_object_mut().expect("object");
                        o.insert("line".into(), (*line).into());
                        if let Some(s) = source {
                            o.insert("source".into(), s.clone().into());
                        }
                        if let Some(id) = journal.id_for(c.seq) {
                            o.insert("record".into(), id.into());
                        }
                        let _ = writeln!(out, "{v}");
                    }
                    bar.inc(1);
                }
                _ => {}
            }
        };
        let ended = |l: &Ledger| Mode::ALL.iter().map(|m| l.counts(*m).ended()).sum::<u64>();
        while expected != Some(ended(&ledger)) {
            tokio::select! {
                n = &mut submitter, if expected.is_none() => {
                    expected = Some(n.unwrap_or(0));
                }
                sig = signals.recv(), if !interrupted => {
                    interrupted = true;
                    stop.store(true, Ordering::SeqCst);
                    bar.suspend(|| interrupt(sig, signal_grace(&settings), &signals));
                    let _ = handle.submit(ProducerCommand::Shutdown { grace: signal_grace(&settings) }).await;
                }
                evt = events.recv() => match evt {
                    None => break,
                    Some(ProducerEvent::Stopped { .. }) => break,
                    Some(evt) => on_event(evt, &mut ledger),
                }
            }
        }
        // One-way requests may still be queued on the connection; closing
        // it now would cancel them (BROKER-NOTES).
        if !interrupted && ledger.counts(Mode::Oneway).dispatched > 0 {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(1000)) => {}
                sig = signals.recv() => {
                    interrupted = true;
                    bar.suspend(|| interrupt(sig, signal_grace(&settings), &signals));
                }
            }
        }
        let grace = if interrupted {
            signal_grace(&settings)
        } else {
            settings.send_timeout
        };
        let _ = handle.submit(ProducerCommand::Shutdown { grace }).await;
        loop {
            let evt = tokio::select! {
                evt = events.recv() => evt,
                sig = signals.recv(), if !interrupted => {
                    interrupted = true;
                    bar.suspend(|| interrupt(sig, signal_grace(&settings), &signals));
                    continue;
                }
            };
            let Some(evt) = evt else { break };
            if matches!(evt, ProducerEvent::Stopped { .. }) {
                let _ = ledger.apply(&evt);
                break;
            }
            on_event(evt, &mut ledger);
        }
        join_within(join, &mut interrupted, &settings, &mut signals).await?;
        bar.finish_and_clear();
        out.flush()?;
        drop(out);
        for p in close_journals(vec![journal], interrupted, &mut signals).await {
            crate::signals::stderr_line(&format!("rmq-console: warning: {p}"));
        }
        Ok::<_, anyhow::Error>((ledger, interrupted))
    })?;
    let elapsed = started.elapsed();
    let mut ok = !interrupted;
    let mut ended = 0;
    for mode in Mode::ALL {
        let c = ledger.counts(mode);
        if c.accepted == 0 && c.ended() == 0 {
            continue;
        }
        print_summary(mode, c, elapsed);
        ok &= c.unexpected(mode) == 0;
        ended += c.ended();
    }
    ok &= ended == total;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmq_model::types::TxChoice;

    fn args(transaction: Option<TxChoice>) -> ReplayArgs {
        ReplayArgs {
            file: "f".into(),
            mode: None,
            rate: None,
            dry_run: false,
            skip_invalid: false,
            topic: None,
            quiet: false,
            no_journal: false,
            yes: false,
            expand: false,
            transaction,
        }
    }

    /// Line 2 is a transaction the journal recorded as decided in the
    /// console (`tx` alone); lines 1 and 3 say what they are.
    fn parsed() -> Parsed {
        let text = "{\"topic\":\"t\",\"body\":\"a\"}\n\
                    {\"topic\":\"t\",\"body\":\"x\",\"type\":\"tx\"}\n\
                    {\"topic\":\"t\",\"body\":\"b\",\"type\":\"tx rollback\"}\n";
        rmq_journal::replay::parse(text.as_bytes(), "f", None, 1 << 20)
    }

    fn decisions(p: &Parsed) -> Vec<(usize, Option<TxChoice>)> {
        p.items
            .iter()
            .filter_map(|i| match i.draft.kind {
                MessageType::Transaction { decide } => Some((i.line, decide)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_undecided_transaction_is_refused_with_its_line_unless_something_decides_it() {
        let mut p = parsed();
        check_all(&mut p, &args(None), TxPolicy::Ask);
        assert_eq!(p.invalid.len(), 1);
        assert_eq!(p.invalid[0].line, 2);
        assert!(p.problems()[0].starts_with("f:2: type: a transaction with no decision"));
        assert_eq!(decisions(&p), [(3, Some(TxChoice::Rollback))]);

        let mut p = parsed();
        check_all(&mut p, &args(Some(TxChoice::Commit)), TxPolicy::Ask);
        assert!(p.invalid.is_empty());
        assert_eq!(
            decisions(&p),
            [(2, Some(TxChoice::Commit)), (3, Some(TxChoice::Rollback))],
            "the flag decides only the lines that do not"
        );

        let mut p = parsed();
        check_all(&mut p, &args(None), TxPolicy::Rollback);
        assert!(p.invalid.is_empty(), "the profile's policy decides it");
        assert_eq!(decisions(&p), [(2, None), (3, Some(TxChoice::Rollback))]);
    }

    /// Issue 27, item 6: a FIFO line in one-way is sent sync with a notice
    /// naming its line, not refused.
    #[test]
    fn a_oneway_fifo_line_is_sent_sync_with_a_notice() {
        let text = "{\"topic\":\"t\",\"body\":\"a\",\"type\":\"fifo k\",\"mode\":\"oneway\"}\n\
                    {\"topic\":\"t\",\"body\":\"b\",\"mode\":\"oneway\"}\n";
        let p = rmq_journal::replay::parse(text.as_bytes(), "f", None, 1 << 20);
        assert!(p.invalid.is_empty(), "{:?}", p.problems());
        let a = args(None);
        assert_eq!(mode_of(&a, &p.items[0]), Mode::Sync);
        assert_eq!(mode_of(&a, &p.items[1]), Mode::Oneway);
        assert_eq!(
            sync_notes(&p, &a),
            ["f:1: notice: sent sync: FIFO keeps order only for sync sends (asked oneway)"]
        );
    }

    /// Issue 29, item 3: `--expand` checks each line's templates (a bad
    /// one is an invalid line, with its number) and expands them per
    /// message, `{n}` counting the replay's messages; without it every
    /// line goes byte for byte, placeholders and all.
    #[test]
    fn expand_checks_each_lines_templates_and_expands_them_per_message() {
        let text = "{\"topic\":\"t\",\"body\":\"n={n} s={seq}\",\"properties\":{\"p\":\"{n}\"}}\n\
                    {\"topic\":\"t\",\"body\":\"{rand:5..1}\"}\n\
                    {\"topic\":\"t\",\"body\":\"{{\\\"a\\\":{n}}\"}\n";
        let read = || rmq_journal::replay::parse(text.as_bytes(), "f", None, 1 << 20);
        let mut expand = args(None);
        expand.expand = true;
        let mut p = read();
        check_all(&mut p, &expand, TxPolicy::Ask);
        assert_eq!(
            p.problems(),
            ["f:2: body: {rand:5..1} at column 1: the range is empty"]
        );
        let mut rng = Rng::seeded(1);
        let sent: Vec<Draft> = p
            .items
            .iter()
            .zip(1..)
            .map(|(item, n)| planned_draft(item, &expand, 10 + n, n, &mut rng))
            .collect();
        assert_eq!(sent[0].body, b"n=1 s=11");
        assert_eq!(sent[0].properties, [("p".into(), "1".into())]);
        assert_eq!(sent[1].body, b"{\"a\":2}");

        let mut p = read();
        check_all(&mut p, &args(None), TxPolicy::Ask);
        assert!(p.invalid.is_empty(), "no --expand: nothing to check");
        let d = planned_draft(&p.items[0], &args(None), 1, 1, &mut rng);
        assert_eq!(d.body, b"n={n} s={seq}", "byte for byte");
    }
}
