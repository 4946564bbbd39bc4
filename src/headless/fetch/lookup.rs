//! `rmq-console fetch LOCATOR...` and `rmq-console dlq GROUP`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Result;
use rmq_engine::producer::ProducerSettings;
use rmq_engine::runtime::Runtime;
use rmq_fetch::{Answer, Locator, Request, locator};

use super::{bad_input, finish, print, say, with_fetcher};
use crate::cli::{DlqArgs, FetchArgs};

/// The most locators read from standard input.
const MAX_STDIN_LOCATORS: usize = 10_000;

/// Every locator is read and checked before anything is asked, so a typo
/// in the tenth is not found after nine lookups.
pub fn fetch(rt: &Runtime, settings: ProducerSettings, args: FetchArgs) -> Result<ExitCode> {
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
            Ok(taken) => say("fetch", &format!("{w}: taken as {taken}")),
            Err(e) => return Ok(bad_input("fetch", &format!("{w}: {e}"))),
        }
        requests.push(request);
    }
    with_fetcher(rt, &settings, "fetch", async |fetcher| {
        let mut all = Answer::default();
        for r in &requests {
            match fetcher.fetch(r).await {
                Ok(a) => all.merge(a),
                Err(e) => {
                    say("fetch", &format!("{}: {e:#}", r.locator));
                    return Ok(ExitCode::from(1));
                }
            }
        }
        all.dedup();
        print(&all)?;
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
/// dead letter aimed back at its original topic.
pub fn dlq(rt: &Runtime, settings: ProducerSettings, args: DlqArgs) -> Result<ExitCode> {
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
    with_fetcher(rt, &settings, "dlq", async |fetcher| {
        let answer = match fetcher.fetch(&request).await {
            Ok(a) => a,
            Err(e) => {
                say("dlq", &format!("{e:#}"));
                return Ok(ExitCode::from(1));
            }
        };
        print(&answer)?;
        Ok(finish("dlq", &answer))
    })
}
