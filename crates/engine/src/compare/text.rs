//! The comparison as plain text: the table (`bench`, the console's copy),
//! the buckets the three histograms share, and the text histogram
//! (`bench --histogram`).

use std::fmt::Write as _;
use std::time::Duration;

use super::{CompareSpec, ModeResult, meaning};
use crate::ledger::Histogram;

/// Compact latency (`ledger::fmt_latency`); `-` for none.
pub fn fmt_latency(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".into(), crate::ledger::fmt_latency)
}

/// `12,345`: rates and counts read at a glance.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What the landed column says for one mode.
fn landed_cell(r: &ModeResult) -> String {
    match (&r.landed, r.landed_pct()) {
        (None, _) => "-".into(),
        (Some(Ok(n)), Some(p)) if p >= 100.0 => format!("{} (100%)", grouped((*n).max(0) as u64)),
        (Some(Ok(n)), Some(p)) => format!("{} ({p:.1}%)", grouped((*n).max(0) as u64)),
        (Some(Ok(n)), None) => grouped((*n).max(0) as u64),
        (Some(Err(_)), _) => "unknown".into(),
    }
}

/// What was compared, the side-by-side table, one row per mode, then one
/// line per mode on what its figures measure and what it guarantees.
/// `sent = ok + fail + disp` on every row; `landed` is read from the
/// topic's queue offsets (one-way only). 78 columns wide for counts up to
/// 10,000, so it fits the console's compare view at 80x24.
pub fn table_text(rows: &[ModeResult], spec: &CompareSpec) -> String {
    let mut out = format!("{}\n", spec.header());
    out.push_str(&table_body(rows));
    for r in rows {
        let _ = writeln!(out, "{:<7}{}", r.mode.as_str(), meaning(r.mode, spec));
    }
    out
}

/// The table without the guarantee lines: the header, a row per mode, and
/// a footnote when a mode stopped early.
pub fn table_body(rows: &[ModeResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<7}{:>7}{:>7}{:>5}{:>7}{:>8}{:>7}{:>7}{:>7}  landed",
        "mode", "sent", "ok", "fail", "disp", "msg/s", "p50", "p99", "max"
    );
    for r in rows {
        let dash = |n: u64, show: bool| if show { grouped(n) } else { "-".into() };
        let oneway = r.mode == rmq_model::message::Mode::Oneway;
        let l = &r.counts.latency;
        let mut mode = r.mode.as_str().to_string();
        if r.cancelled {
            mode.push('*');
        }
        if r.paced.is_some() {
            mode.push('~');
        }
        let _ = writeln!(
            out,
            "{:<7}{:>7}{:>7}{:>5}{:>7}{:>8}{:>7}{:>7}{:>7}  {}",
            mode,
            grouped(r.sent()),
            dash(r.ok(), !oneway || r.ok() > 0),
            grouped(r.failed()),
            dash(r.dispatched(), oneway || r.dispatched() > 0),
            r.msgs_per_sec()
                .map_or("-".into(), |v| grouped(v.round() as u64)),
            fmt_latency(l.quantile(0.5)),
            fmt_latency(l.quantile(0.99)),
            fmt_latency(l.max()),
            landed_cell(r),
        );
    }
    if rows.iter().any(|r| r.cancelled) {
        out.push_str("* stopped before its count\n");
    }
    if let Some(rate) = rows.iter().find_map(|r| r.paced) {
        let _ = writeln!(
            out,
            "~ paced at {}/s: its msg/s is the pace, not what the mode can do",
            grouped(u64::from(rate))
        );
    }
    out
}

/// One histogram bucket: latencies in `lo..hi` microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub lo_us: u64,
    pub hi_us: u64,
}

impl Bucket {
    /// `<256µs` for an open-ended first bucket, else its lower bound.
    pub fn label(&self) -> String {
        let d = Duration::from_micros(self.hi_us);
        if self.lo_us == 0 {
            format!("<{}", fmt_latency(Some(d)))
        } else {
            format!("≥{}", fmt_latency(Some(Duration::from_micros(self.lo_us))))
        }
    }
}

/// Buckets shared by every mode's histogram, from the fastest to the
/// slowest latency of any mode, at most `max`: powers of two of
/// microseconds, split in halves, quarters or eighths while that still
/// fits, so the chart uses the rows it has (everything below the first
/// bucket is folded into an open-ended first bucket).
pub fn shared_buckets(rows: &[ModeResult], max: usize) -> Vec<Bucket> {
    let mut used = [false; 64];
    for r in rows {
        for (k, n) in r.counts.latency.octave_counts().iter().enumerate() {
            used[k] |= *n > 0;
        }
    }
    let (Some(lo), Some(hi)) = (used.iter().position(|u| *u), used.iter().rposition(|u| *u)) else {
        return vec![];
    };
    let max = max.max(1);
    let octaves = hi + 1 - lo;
    // Splits per octave: the finest of 8, 4, 2, 1 that fits; below 8 µs
    // the histogram counts whole microseconds, so an octave there splits
    // at most into 2^k.
    let per = [8u64, 4, 2]
        .into_iter()
        .find(|&p| octaves * p as usize <= max)
        .unwrap_or(1);
    let mut edges: Vec<u64> = Vec::new();
    let first_oct = lo.max((hi + 1).saturating_sub(max));
    for k in first_oct..=hi {
        let base = 1u64 << k;
        let splits = per.min(base.max(1));
        for j in 0..splits {
            edges.push(base + base * j / splits);
        }
    }
    edges.push(1u64 << (hi + 1).min(63));
    let mut out: Vec<Bucket> = edges
        .windows(2)
        .map(|w| Bucket {
            lo_us: w[0],
            hi_us: w[1],
        })
        .collect();
    // Octave 0 holds 0 µs too; a first bucket past the fastest latency
    // holds everything below it.
    if first_oct > lo || first_oct == 0 {
        out[0].lo_us = 0;
    }
    out
}

/// How many of `h`'s latencies fall in each bucket (everything below the
/// first bucket counts in it).
pub fn bucket_counts(h: &Histogram, buckets: &[Bucket]) -> Vec<u64> {
    buckets
        .iter()
        .map(|b| h.count_between(b.lo_us, b.hi_us))
        .collect()
}

/// Each mode's latency histogram over the same buckets, as text bars
/// scaled to the largest bucket of any mode.
pub fn histogram_text(rows: &[ModeResult], max_buckets: usize) -> String {
    const BAR: usize = 40;
    let buckets = shared_buckets(rows, max_buckets);
    let mut out = String::new();
    if buckets.is_empty() {
        out.push_str("latency histogram: no latencies measured\n");
        return out;
    }
    let counts: Vec<Vec<u64>> = rows
        .iter()
        .map(|r| bucket_counts(&r.counts.latency, &buckets))
        .collect();
    let top = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let _ = writeln!(
        out,
        "latency histogram (submit to outcome; the same buckets for every mode)"
    );
    for (r, counts) in rows.iter().zip(&counts) {
        let _ = writeln!(out, "{}", r.mode.as_str());
        for (b, n) in buckets.iter().zip(counts) {
            let len = (*n as usize * BAR).div_ceil(top as usize);
            let _ = writeln!(
                out,
                "  {:>8} {:<BAR$} {}",
                b.label(),
                "█".repeat(len),
                grouped(*n)
            );
        }
    }
    out
}
