//! `rmq-console history`: journal records across rotated files, filtered by
//! topic, key, age and outcome, as JSON Lines (each line a replay-file line)
//! or CSV (through the `csv` crate), streamed record by record.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::{HistoryArgs, HistoryFormat};
use rmq_journal::Record;
use rmq_journal::export::{csv_writer, write_csv_row, write_jsonl};

/// The filters `history` takes, for the console's pane as well.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub topic: Option<String>,
    pub key: Option<String>,
    /// Submitted at or after this moment.
    pub since: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub failed: bool,
}

impl Filter {
    pub fn keeps(&self, r: &Record) -> bool {
        if self.topic.as_ref().is_some_and(|t| *t != r.topic) {
            return false;
        }
        if self.key.as_ref().is_some_and(|k| !r.keys.contains(k)) {
            return false;
        }
        if let Some(since) = self.since {
            match chrono::DateTime::parse_from_rfc3339(&r.submitted_at) {
                Ok(at) if at >= since => {}
                _ => return false,
            }
        }
        !(self.failed && r.succeeded())
    }
}

/// Where the records go, in the asked format.
enum Out<W: std::io::Write> {
    Csv(Box<csv::Writer<W>>),
    Jsonl(W),
}

pub fn run(config: Option<&Path>, args: &HistoryArgs) -> Result<ExitCode> {
    let config = crate::config::load_or_default(config)?;
    let dir = crate::journal_plan::settings_of(&config).dir;
    let filter = Filter {
        topic: args.topic.clone(),
        key: args.key.clone(),
        // `parse_duration` keeps `d` within 100 years, so neither step
        // can overflow; the fallbacks only keep that promise local.
        since: args.since.map(|d| {
            let back = chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero());
            chrono::Local::now().checked_sub_signed(back).map_or(
                chrono::DateTime::<chrono::Utc>::MIN_UTC.fixed_offset(),
                |t| t.fixed_offset(),
            )
        }),
        failed: args.failed,
    };
    // Streamed: one line held at a time, so a journal of any size (or a
    // 3 GB line in it, skipped with a warning) costs no more memory than
    // its longest allowed line: the largest body a profile allows.
    let max_body = config
        .profiles
        .iter()
        .filter_map(|p| p.max_message_bytes)
        .chain([rmq_engine::producer::ProducerSettings::new("").max_message_bytes])
        .max()
        .unwrap_or_default();
    let cap = rmq_journal::replay::line_cap(max_body);
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut out = match args.format {
        HistoryFormat::Csv => Out::Csv(Box::new(csv_writer(stdout)?)),
        HistoryFormat::Jsonl => Out::Jsonl(stdout),
    };
    let mut failed = None;
    // One row per send in its latest state (a send is written ahead and
    // again when it ends); a send whose outcome never came is shown last.
    let mut folding = rmq_journal::fold::Folding::default();
    let mut write = |rec: &rmq_journal::Record| -> Result<()> {
        if !filter.keeps(rec) {
            return Ok(());
        }
        match &mut out {
            Out::Csv(w) => write_csv_row(w, rec),
            Out::Jsonl(w) => write_jsonl(w, &[rec]),
        }
    };
    rmq_journal::for_each_record(&dir, cap, |r| {
        let rec = match r {
            Ok(rec) => rec,
            Err(w) => {
                eprintln!(
                    "rmq-console: warning: {}",
                    rmq_model::text::escape_controls(&w, &[])
                );
                return Ok(());
            }
        };
        let Some(rec) = folding.push(rec) else {
            return Ok(());
        };
        let written = write(&rec);
        // A closed stdout ends the read too.
        written.map_err(|e| {
            let io = std::io::Error::other(format!("{e:#}"));
            failed = Some(e);
            io
        })
    })
    .map_err(|e| match failed.take() {
        Some(write) => write.context("writing standard output"),
        None => anyhow::Error::from(e),
    })
    .with_context(|| format!("reading the journal in {}", dir.display()))?;
    for rec in folding.finish() {
        write(&rec).context("writing standard output")?;
    }
    match &mut out {
        Out::Csv(w) => w.flush()?,
        Out::Jsonl(w) => std::io::Write::flush(w)?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmq_journal::fixtures::records;

    #[test]
    fn filters_by_topic_key_age_and_failure() {
        let rs = records();
        let seqs =
            |f: &Filter| -> Vec<u64> { rs.iter().filter(|r| f.keeps(r)).map(|r| r.seq).collect() };
        assert_eq!(seqs(&Filter::default()), [1, 2, 3]);
        let topic = Filter {
            topic: Some("a".into()),
            ..Default::default()
        };
        assert_eq!(seqs(&topic), [1, 3]);
        let key = Filter {
            key: Some("k2".into()),
            ..Default::default()
        };
        assert_eq!(seqs(&key), [2]);
        let failed = Filter {
            failed: true,
            ..Default::default()
        };
        assert_eq!(seqs(&failed), [2]);
        let since = Filter {
            since: chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:02.000+00:00").ok(),
            ..Default::default()
        };
        assert_eq!(seqs(&since), [2, 3]);
        assert_eq!(
            crate::cli::parse_duration("10m").unwrap(),
            std::time::Duration::from_secs(600)
        );
        assert!(crate::cli::parse_duration("10y").is_err());
    }
}
