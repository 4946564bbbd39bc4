//! `rmq-console fetch LOCATOR...` and `rmq-console dlq GROUP`.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use rmq_engine::producer::ProducerSettings;
use rmq_engine::runtime::Runtime;
use rmq_fetch::{Answer, Locator, Request, locator};

use super::{bad_input, finish, print, print_lines, say, with_fetcher};
use crate::cli::{DlqArgs, FetchArgs, ReplayArgs};
use crate::journal_plan::Plan;

/// The most locators read from standard input.
const MAX_STDIN_LOCATORS: usize = 10_000;

/// Every locator is read and checked before anything is asked, so a typo
/// in the tenth is not found after nine lookups.
pub fn fetch(
    rt: &Runtime,
    settings: ProducerSettings,
    profile: &str,
    args: FetchArgs,
) -> Result<ExitCode> {
    let words = match words(&args.locators) {
        Ok(w) => w,
        Err(e) => return Ok(bad_input("fetch", &e)),
    };
    let window = match (&args.window.since, &args.window.until) {
        (None, None) => None,
        (since, until) => match rmq_fetch::window::window(
            since.as_deref(),
            until.as_deref(),
            rmq_fetch::window::DEFAULT_SINCE,
            chrono::Local::now(),
        ) {
            Ok(w) => Some(w),
            Err(e) => return Ok(bad_input("fetch", &e)),
        },
    };
    let mut requests = Vec::new();
    for w in &words {
        let locator = match locator::parse(w) {
            Ok(l) => l,
            Err(e) => return Ok(bad_input("fetch", &e)),
        };
        let request = Request {
            locator,
            topic: args.topic.clone(),
            window: window.clone(),
            max: args.max.map(|m| m as usize),
        };
        match request.check() {
            Ok(taken) => requests.push((request, format!("{w}: taken as {taken}"))),
            Err(e) => return Ok(bad_input("fetch", &format!("{w}: {e}"))),
        }
    }
    for (_, taken) in &requests {
        say("fetch", taken);
    }
    let requests: Vec<Request> = requests.into_iter().map(|(r, _)| r).collect();
    with_fetcher(rt, &settings, profile, "fetch", async |fetcher| {
        let mut all = Answer::default();
        for r in &requests {
            match fetcher.fetch(r).await {
                Ok(a) => all.merge(a),
                Err(e) => {
                    say("fetch", &format!("{}: {e:#}", r.locator));
                    // Bad input found out from the route: exit 2, as before it.
                    let code = if e.downcast_ref::<rmq_fetch::Unusable>().is_some() {
                        2
                    } else {
                        1
                    };
                    return Ok(ExitCode::from(code));
                }
            }
        }
        all.dedup();
        if !args.consumed_by {
            print(&all)?;
            return Ok(finish("fetch", &all));
        }
        // One question per message (bounded by `--max` and the timeouts);
        // a message whose groups cannot be read makes the answer partial.
        let mut lines = Vec::with_capacity(all.messages.len());
        let mut completeness = std::mem::take(&mut all.completeness);
        for m in &all.messages {
            let mut line = m.replay_line();
            match fetcher.consumed_by(m).await {
                Ok(c) => {
                    line["consumed_by"] = c.to_json();
                    completeness.merge(c.completeness);
                }
                Err(e) => completeness.refuse(
                    &m.broker,
                    format!("which groups consumed {}: {e:#}", m.offset_msg_id),
                ),
            }
            lines.push(line);
        }
        all.completeness = completeness;
        print_lines(&lines)?;
        Ok(finish("fetch", &all))
    })
}

/// The locators of the command line, `-` replaced by standard input's
/// lines (blank ones skipped).
fn words(args: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for a in args {
        if a != "-" {
            out.push(a.clone());
            continue;
        }
        let mut text = String::new();
        std::io::stdin()
            .lock()
            .take(16 * 1024 * 1024)
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read locators from standard input: {e}"))?;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if out.len() >= MAX_STDIN_LOCATORS {
                return Err(format!(
                    "more than {MAX_STDIN_LOCATORS} locators on standard input"
                ));
            }
            out.push(line.to_string());
        }
    }
    if out.is_empty() {
        return Err("no locator given".into());
    }
    Ok(out)
}

/// `rmq-console dlq GROUP [--retry] [--max N]`: the group's queue, each
/// dead letter aimed back at its original topic. `--resend` sends them
/// again through `replay` itself (its checks refuse a `%DLQ%`/`%RETRY%`
/// target, its journal records each with `source: fetch:<offset msgId>`).
pub fn dlq(
    rt: &Runtime,
    settings: ProducerSettings,
    journal: Plan,
    args: DlqArgs,
) -> Result<ExitCode> {
    if args.group.trim().is_empty() || args.group.contains(char::is_whitespace) {
        return Ok(bad_input("dlq", "the consumer group is one word"));
    }
    let locator = if args.retry {
        Locator::Retry(args.group.clone())
    } else {
        Locator::Dlq(args.group.clone())
    };
    let request = Request {
        locator,
        topic: None,
        window: None,
        max: args.max.map(|m| m as usize),
    };
    let mut found = None;
    let code = with_fetcher(rt, &settings, &journal.profile, "dlq", async |fetcher| {
        let answer = match fetcher.fetch(&request).await {
            Ok(a) => a,
            Err(e) => {
                say("dlq", &format!("{e:#}"));
                return Ok(ExitCode::from(1));
            }
        };
        if !args.resend {
            print(&answer)?;
        }
        let code = finish("dlq", &answer);
        found = Some(answer);
        Ok(code)
    })?;
    let Some(answer) = found.filter(|a| args.resend && !a.messages.is_empty()) else {
        return Ok(code);
    };
    resend(rt, settings, journal, &args, &answer)
}

/// The fetched messages as a replay file of their own (private, removed
/// after), replayed.
fn resend(
    rt: &Runtime,
    settings: ProducerSettings,
    journal: Plan,
    args: &DlqArgs,
    answer: &Answer,
) -> Result<ExitCode> {
    let mut file = tempfile::NamedTempFile::new().context("a file for the messages to resend")?;
    for m in &answer.messages {
        writeln!(file, "{}", m.replay_line()).context("writing the messages to resend")?;
    }
    file.flush().context("writing the messages to resend")?;
    say(
        "dlq",
        &format!(
            "resending {} message(s) to {}{}",
            answer.messages.len(),
            args.to_topic
                .as_deref()
                .unwrap_or("each one's original topic"),
            if args.dry_run {
                " (dry run: nothing is sent)"
            } else {
                ""
            }
        ),
    );
    let replay_args = ReplayArgs {
        file: file.path().to_path_buf(),
        mode: None,
        rate: args.rate,
        dry_run: args.dry_run,
        skip_invalid: false,
        topic: args.to_topic.clone(),
        quiet: false,
        no_journal: false,
        transaction: None,
        // Fetched messages go again byte for byte.
        expand: false,
        // A protected profile's --yes was asked for before the sandbox
        // started (main.rs).
        yes: true,
    };
    if args.dry_run {
        return crate::headless::replay::dry_run(
            &replay_args,
            settings.max_message_bytes,
            settings.transaction_policy,
        );
    }
    let parsed = match crate::headless::replay::prepare(&replay_args, &settings)? {
        Ok(parsed) => parsed,
        Err(code) => return Ok(code),
    };
    crate::headless::replay::replay(rt, settings, journal, replay_args, parsed)
}
