//! `rmq-console history`: journal records across rotated files, filtered by
//! topic, key, age and outcome, as JSON Lines (each line a replay-file line)
//! or CSV (through the `csv` crate).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::{HistoryArgs, HistoryFormat};
use crate::journal::Record;

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

pub fn run(config: Option<&Path>, args: &HistoryArgs) -> Result<ExitCode> {
    let config = crate::target::load_config(config)?;
    let dir = crate::journal::settings_of(&config).dir;
    let filter = Filter {
        topic: args.topic.clone(),
        key: args.key.clone(),
        since: args.since.map(|d| {
            (chrono::Local::now() - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX))
                .fixed_offset()
        }),
        failed: args.failed,
    };
    let read = crate::journal::read_dir(&dir)
        .with_context(|| format!("reading the journal in {}", dir.display()))?;
    for w in &read.warnings {
        eprintln!("rmq-console: warning: {w}");
    }
    let records: Vec<&Record> = read.records.iter().filter(|r| filter.keeps(r)).collect();
    let stdout = std::io::stdout();
    let out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        HistoryFormat::Jsonl => write_jsonl(out, &records)?,
        HistoryFormat::Csv => write_csv(out, &records)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn write_jsonl(mut out: impl Write, records: &[&Record]) -> Result<()> {
    for r in records {
        serde_json::to_writer(&mut out, r)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// The CSV columns, one per record field; keys are space separated and
/// properties `name=value` pairs one per line within their cell.
pub const CSV_HEADER: [&str; 25] = [
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
];

pub fn write_csv(out: impl Write, records: &[&Record]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<String>| v.unwrap_or_default();
    for r in records {
        let props: Vec<String> = r
            .properties
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        w.write_record([
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
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Mode;

    fn record(seq: u64, topic: &str, state: &str) -> Record {
        Record {
            id: format!("s-{seq}"),
            source: (seq == 2).then(|| "old-1".to_string()),
            profile: "p".into(),
            mode: Mode::Sync,
            seq,
            topic: topic.into(),
            tag: Some("t".into()),
            keys: vec!["k1".into(), format!("k{seq}")],
            properties: vec![("a".into(), "1,\"2\"".into()), ("b".into(), "x\ny".into())],
            body: (seq != 3).then(|| "line one\nline, \"two\"".into()),
            body_base64: (seq == 3).then(|| "/wCA".into()),
            kind: (seq == 2).then(|| "fifo order-2".into()),
            batch: None,
            options: Default::default(),
            state: state.into(),
            status: (state == "acknowledged").then(|| "SendOk".into()),
            msg_id: Some("M".into()),
            offset_msg_id: None,
            broker: Some("b".into()),
            queue_id: Some(1),
            queue_offset: Some(9),
            transaction_id: None,
            error: (state == "failed").then(|| "no route".into()),
            broker_code: (state == "failed").then_some(17),
            submitted_at: format!("2026-11-25T12:00:0{seq}.000+00:00"),
            completed_at: format!("2026-11-25T12:00:0{seq}.002+00:00"),
            callback_at: None,
            latency_ms: 2.5,
        }
    }

    fn records() -> Vec<Record> {
        vec![
            record(1, "a", "acknowledged"),
            record(2, "b", "failed"),
            record(3, "a", "acknowledged"),
        ]
    }

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
            assert_eq!(col("properties"), "a=1,\"2\"\nb=x\ny");
            assert_eq!(col("body"), r.body.clone().unwrap_or_default());
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
