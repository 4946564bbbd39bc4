//! The results log's export (`E`): the completed sends the log holds, as
//! JSON Lines (journal records, so the file is also a replay file) and CSV,
//! written whole (temp file + rename) into the state dir's `exports/`.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Local};

use crate::headless::history::{write_csv, write_jsonl};
use crate::journal::{Entry, Journal, Record};

/// Writes both files; returns what to tell the operator.
pub fn write(
    dir: &Path,
    journal: Option<&Journal>,
    entries: &[Entry],
    now: DateTime<Local>,
) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let records: Vec<Record> = entries
        .iter()
        .map(|e| {
            let id = journal.map_or_else(
                || format!("results-{}", e.completion.seq),
                |j| j.id_for(e.completion.seq),
            );
            Record::from_entry(e, id)
        })
        .collect();
    let refs: Vec<&Record> = records.iter().collect();
    let stem = dir.join(format!("results-{}", now.format("%Y%m%d-%H%M%S")));
    let (jsonl, csv) = (stem.with_extension("jsonl"), stem.with_extension("csv"));
    let mut buf = Vec::new();
    write_jsonl(&mut buf, &refs)?;
    crate::fsutil::write_atomic(&jsonl, &buf)?;
    let mut buf = Vec::new();
    write_csv(&mut buf, &refs)?;
    crate::fsutil::write_atomic(&csv, &buf)?;
    Ok(format!(
        "exported {} result(s) to {} and .csv",
        records.len(),
        jsonl.display()
    ))
}
