//! `rmq-console group GROUP [--json]`: the console's group lens on the
//! command line: lag per queue of each topic the group holds offsets for,
//! the totals, its retry and dead-letter depth, and how complete the
//! answer is (stderr). Exit 0 answered, 3 the group holds no offset, 4
//! partial, 1 no broker answered, 2 bad input.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use rmq_engine::producer::ProducerSettings;
use rmq_engine::runtime::Runtime;
use rmq_fetch::GroupLens;
use serde_json::json;

use super::{NOT_FOUND, PARTIAL, bad_input, say, with_fetcher};
use crate::cli::GroupArgs;

pub fn group(
    rt: &Runtime,
    settings: ProducerSettings,
    profile: &str,
    args: GroupArgs,
) -> Result<ExitCode> {
    if let Err(why) = rmq_fetch::group::check_group(&args.group) {
        return Ok(bad_input("group", &why));
    }
    with_fetcher(rt, &settings, profile, "group", async |fetcher| {
        let lens = match fetcher.group_lens(&args.group).await {
            Ok(l) => l,
            Err(e) => {
                say("group", &format!("{e:#}"));
                return Ok(ExitCode::from(1));
            }
        };
        let text = if args.json {
            format!("{}\n", to_json(&lens))
        } else {
            table(&lens)
        };
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        let c = &lens.completeness;
        for n in &c.notes {
            say("group", n);
        }
        say("group", &format!("{}; {c}", lens.summary()));
        Ok(if c.answered.is_empty() && !c.refused.is_empty() {
            say("group", "error: no broker answered");
            ExitCode::from(1)
        } else if c.is_partial() {
            ExitCode::from(PARTIAL)
        } else if lens.no_offsets() {
            ExitCode::from(NOT_FOUND)
        } else {
            ExitCode::SUCCESS
        })
    })
}

/// The lens as one JSON object.
pub fn to_json(lens: &GroupLens) -> serde_json::Value {
    let c = &lens.completeness;
    json!({
        "group": lens.group,
        "queues": lens.queues.iter().map(|q| json!({
            "topic": q.topic,
            "broker": q.broker,
            "queue": q.queue,
            "broker_offset": q.broker_offset,
            "consumer_offset": q.consumer_offset,
            "lag": q.lag(),
            "last_consumed_ms": q.last_ms,
        })).collect::<Vec<_>>(),
        "total_lag": lens.total_lag(),
        "retry": {"topic": lens.retry.topic, "stored": lens.retry.stored},
        "dlq": {"topic": lens.dlq.topic, "stored": lens.dlq.stored},
        "asked": c.asked,
        "answered": c.answered,
        "refused": c.refused.iter().map(|(b, why)| json!({"broker": b, "reason": why})).collect::<Vec<_>>(),
    })
}

/// The lens as the console shows it, as plain text.
fn table(lens: &GroupLens) -> String {
    let tw = lens
        .queues
        .iter()
        .map(|q| q.topic.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = format!(
        "{:<tw$} {:<10} {:>5} {:>9} {:>9} {:>7}\n",
        "topic", "broker", "queue", "max", "group at", "lag"
    );
    for q in &lens.queues {
        out.push_str(&format!(
            "{:<tw$} {:<10} {:>5} {:>9} {:>9} {:>7}\n",
            q.topic,
            q.broker,
            q.queue,
            q.broker_offset,
            q.consumer_offset,
            q.lag()
        ));
    }
    out.push_str(&format!("retry {} {}\n", lens.retry.topic, lens.retry));
    out.push_str(&format!("DLQ {} {}\n", lens.dlq.topic, lens.dlq));
    rmq_model::text::escape_controls(&out, &['\n']).into_owned()
}
