//! `fetch`, `tail`, `dlq` (and `group`, a consumer group's lag): what the broker stored, as JSON Lines in the
//! replay format (so `rmq-console fetch … | rmq-console replay -` resends
//! it), with what the input was taken to be and how complete the answer is
//! on stderr. What they share: the fetcher's settings from the target, the
//! output, and the exit code (0 found, 3 nothing found, 4 partial, 1
//! error or no broker answered, 2 bad input).

mod group;
mod lookup;
mod tail;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use rmq_engine::producer::ProducerSettings;
use rmq_engine::runtime::Runtime;
use rmq_fetch::{Answer, FetchSettings, Fetcher};

use crate::signals::stderr_line;

pub use group::group;
pub use lookup::{dlq, fetch};
pub use tail::tail;

/// Nothing matched.
pub const NOT_FOUND: u8 = 3;
/// A broker failed or refused, or a cap was reached: there may be more.
pub const PARTIAL: u8 = 4;
/// How long one request to a name server or broker may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The fetcher's settings for the session's target: same name servers,
/// namespace and credentials as the producer; `profile` names them in a
/// refusal.
fn settings(s: &ProducerSettings, profile: &str) -> FetchSettings {
    FetchSettings {
        name_servers: s.name_servers.clone(),
        namespace: s.namespace.clone(),
        credentials: s.credentials.clone(),
        timeout: TIMEOUT,
        profile: profile.to_string(),
    }
}

/// `rmq-console COMMAND: text`, control characters escaped (broker text and
/// locators are data).
fn say(command: &str, text: &str) {
    let line = format!("rmq-console {command}: {text}");
    stderr_line(&rmq_model::text::escape_controls(&line, &[]));
}

/// Bad input: the reason, exit 2.
fn bad_input(command: &str, why: &str) -> ExitCode {
    say(command, why);
    ExitCode::from(2)
}

/// Runs `body` with a started fetcher, stopping it after; a fetcher that
/// does not start is exit 1 with the reason.
fn with_fetcher(
    rt: &Runtime,
    settings: &ProducerSettings,
    profile: &str,
    command: &str,
    body: impl AsyncFnOnce(&Fetcher) -> Result<ExitCode>,
) -> Result<ExitCode> {
    // Boxed: the client library's futures are deep enough to overflow the
    // compiler's layout limit when nested in ours.
    rt.block_on(Box::pin(async {
        let fetcher = match Box::pin(Fetcher::start(
            rt.context("fetch"),
            &self::settings(settings, profile),
        ))
        .await
        {
            Ok(f) => f,
            Err(e) => {
                say(command, &format!("{e:#}"));
                return Ok(ExitCode::from(1));
            }
        };
        let code = Box::pin(body(&fetcher)).await;
        Box::pin(fetcher.stop()).await;
        code
    }))
}

/// Prints each message as a replay line on stdout.
fn print(answer: &Answer) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for m in &answer.messages {
        writeln!(out, "{}", m.replay_line())?;
    }
    out.flush()?;
    Ok(())
}

/// Prints JSON lines on stdout (replay lines with something added).
fn print_lines(lines: &[serde_json::Value]) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for l in lines {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    Ok(())
}

/// The notes, the summary line and the exit code: partial beats found and
/// not found (a list that may be incomplete is never "nothing").
fn finish(command: &str, answer: &Answer) -> ExitCode {
    for n in &answer.completeness.notes {
        say(command, n);
    }
    say(command, &answer.summary());
    let c = &answer.completeness;
    // A refusal for want of rights, in plain words: whose credential,
    // which topic, not accepted or publish-only.
    if let Some(d) = &c.denied {
        say(command, &d.to_string());
    }
    if c.answered.is_empty() && !c.refused.is_empty() {
        // Nobody answered: not a partial list, an error (the refusal above
        // says why: credentials, an unreachable broker). A publish-only
        // credential is this case too: nothing it can do here will read.
        say(command, "error: no broker answered");
        ExitCode::from(1)
    } else if c.is_partial() {
        say(
            command,
            "partial: a broker failed or refused, or a cap was reached; there may be more",
        );
        ExitCode::from(PARTIAL)
    } else if answer.messages.is_empty() {
        say(command, "nothing found");
        ExitCode::from(NOT_FOUND)
    } else {
        ExitCode::SUCCESS
    }
}
