//! Journal records written out: as JSON Lines (each line also a replay-file
//! line) and as CSV (through the `csv` crate), to any writer (`history`) or
//! as a pair of files written whole (the console's results export).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Local};

use crate::{Entry, Record};
use rmq_model::text::escape_controls;

pub fn write_jsonl(mut out: impl Write, records: &[&Record]) -> Result<()> {
    for r in records {
        serde_json::to_writer(&mut out, r)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// The CSV columns, one per record field; keys are space separated and
/// properties `name=value` pairs separated by an escaped line feed.
pub const CSV_HEADER: [&str; 27] = [
    "id",
    "source",
    "profile",
    "mode",
    "seq",
    "topic",
    "tag",
    "keys",
    "properties",
    "body",
    "body_base64",
    "state",
    "status",
    "msg_id",
    "offset_msg_id",
    "broker",
    "queue_id",
    "queue_offset",
    "error",
    "broker_code",
    "submitted_at",
    "completed_at",
    "callback_at",
    "latency_ms",
    "type",
    "decision",
    "decided_by",
];

/// Records as CSV with `CSV_HEADER`, one record per line. Control
/// characters other than tabs are escaped (`\u001b`, a line feed
/// `\u000a`): CSV goes to terminals and spreadsheets, where an ESC from a
/// body would run as an escape sequence, and to line-based tools (`grep`,
/// `wc -l`, `sort`), which a line break inside a cell would mislead.
pub fn write_csv(out: impl Write, records: &[&Record]) -> Result<()> {
    let mut w = csv_writer(out)?;
    for r in records {
        write_csv_row(&mut w, r)?;
    }
    w.flush()?;
    Ok(())
}

/// A CSV writer that has written `CSV_HEADER`, for rows written one at a
/// time (`write_csv_row`): `history` streams the journal through it.
pub fn csv_writer<W: Write>(out: W) -> Result<csv::Writer<W>> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    Ok(w)
}

/// One record as a CSV row, escaped as `write_csv` says.
pub fn write_csv_row<W: Write>(w: &mut csv::Writer<W>, r: &Record) -> Result<()> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<String>| v.unwrap_or_default();
    let props: Vec<String> = r
        .properties
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let row = [
        r.id.clone(),
        opt(&r.source),
        r.profile.clone(),
        r.mode.as_str().to_string(),
        r.seq.to_string(),
        r.topic.clone(),
        opt(&r.tag),
        r.keys.join(" "),
        props.join("\n"),
        opt(&r.body),
        opt(&r.body_base64),
        r.state.clone(),
        opt(&r.status),
        opt(&r.msg_id),
        opt(&r.offset_msg_id),
        opt(&r.broker),
        num(r.queue_id.map(|q| q.to_string())),
        num(r.queue_offset.map(|q| q.to_string())),
        opt(&r.error),
        num(r.broker_code.map(|c| c.to_string())),
        r.submitted_at.clone(),
        r.completed_at.clone(),
        opt(&r.callback_at),
        r.latency_ms.to_string(),
        opt(&r.kind),
        opt(&r.decision),
        opt(&r.decided_by),
    ];
    w.write_record(
        row.iter()
            .map(|cell| escape_controls(cell, &['\t']).into_owned()),
    )?;
    Ok(())
}

/// Writes both files; returns what to tell the operator. Each result gets
/// the id its send has in the journal of `session`
/// ([`crate::Journal::session`]), or `results-SEQ` when no journal is kept.
/// Takes the session rather than the journal so that it can run on a
/// thread of its own.
pub fn write_results(
    dir: &Path,
    session: Option<&str>,
    entries: &[Entry],
    now: DateTime<Local>,
) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let records: Vec<Record> = entries
        .iter()
        .map(|e| {
            let seq = e.completion.seq;
            let id = session.map_or_else(
                || format!("results-{seq}"),
                |s| crate::writer::record_id(s, seq),
            );
            Record::from_entry(e, id)
        })
        .collect();
    let refs: Vec<&Record> = records.iter().collect();
    let stem = dir.join(format!("results-{}", now.format("%Y%m%d-%H%M%S")));
    let (jsonl, csv) = (stem.with_extension("jsonl"), stem.with_extension("csv"));
    let mut buf = Vec::new();
    write_jsonl(&mut buf, &refs)?;
    rmq_model::fsutil::write_atomic(&jsonl, &buf)?;
    let mut buf = Vec::new();
    write_csv(&mut buf, &refs)?;
    rmq_model::fsutil::write_atomic(&csv, &buf)?;
    Ok(format!(
        "exported {} result(s) to {} and .csv",
        records.len(),
        jsonl.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::records;

    #[test]
    fn csv_parses_back_to_the_same_fields() {
        let rs = records();
        let refs: Vec<&Record> = rs.iter().collect();
        let mut buf = Vec::new();
        write_csv(&mut buf, &refs).unwrap();
        let mut rd = csv::Reader::from_reader(&buf[..]);
        assert_eq!(rd.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER);
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        for (row, r) in rows.iter().zip(&rs) {
            let col = |name: &str| &row[CSV_HEADER.iter().position(|h| *h == name).unwrap()];
            assert_eq!(col("id"), r.id);
            assert_eq!(col("topic"), r.topic);
            assert_eq!(col("keys"), r.keys.join(" "));
            assert_eq!(col("properties"), "a=1,\"2\"\\u000ab=x\\u000ay");
            // A line break is written escaped, as JSON writes controls.
            assert_eq!(
                col("body"),
                r.body.clone().unwrap_or_default().replace('\n', "\\u000a")
            );
            assert_eq!(
                col("body_base64"),
                r.body_base64.clone().unwrap_or_default()
            );
            assert_eq!(col("state"), r.state);
            assert_eq!(
                col("broker_code"),
                r.broker_code.map(|c| c.to_string()).unwrap_or_default()
            );
            assert_eq!(col("latency_ms").parse::<f64>().unwrap(), 2.5);
            assert_eq!(col("source"), r.source.clone().unwrap_or_default());
            assert_eq!(col("type"), r.kind.clone().unwrap_or_default());
        }
    }

    #[test]
    fn jsonl_parses_back_to_the_same_records() {
        let rs = records();
        let refs: Vec<&Record> = rs.iter().collect();
        let mut buf = Vec::new();
        write_jsonl(&mut buf, &refs).unwrap();
        let back: Vec<Record> = String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, rs);
    }

    #[test]
    fn csv_escapes_control_characters_and_line_feeds_but_keeps_tabs() {
        let mut rs = records();
        rs[0].body = Some("red \x1b[31m\r\nnext\tcol".into());
        let refs: Vec<&Record> = rs.iter().collect();
        let mut buf = Vec::new();
        write_csv(&mut buf, &refs).unwrap();
        assert!(!buf.contains(&0x1b), "no raw ESC reaches a terminal");
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.contains("red \\u001b[31m\\u000d\\u000anext\tcol"),
            "{text}"
        );
        // One record per line: a line break never splits a cell.
        assert_eq!(text.lines().count(), 1 + rs.len(), "{text}");
    }
}
