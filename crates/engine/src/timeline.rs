//! The timeline's memory: when each send started and how it ended, per
//! mode, as a bounded ring of the newest sends, and for a marked run (a
//! comparison) per-mode counts over time that cover the whole run however
//! long it is. Fed from the producer's events (the console) or from the
//! completions (`bench`); the console's timeline pane and the comparison's
//! SVG draw it. Feeding is a push or two per event: the fold must not get
//! slower.

use std::collections::VecDeque;

use chrono::{DateTime, Local};

use crate::producer::ProducerEvent;
use rmq_model::message::{Completion, Mode, Outcome, Seq};

/// How many start and end marks the ring keeps (two per send).
pub const RING: usize = 32_768;
/// How many time buckets a run's counts have, per mode.
pub const BUCKETS: usize = 1024;

/// How a send ended, as the timeline colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Acknowledged with a success status.
    Ok,
    /// Failed, or acknowledged with a non-OK status (not stored as asked).
    Failed,
    /// One-way: handed to the socket, no answer will come.
    Dispatched,
}

/// One mark in the ring: a send started (`end: None`), or ended (with the
/// start it had, which the completion carries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub seq: Seq,
    pub mode: Mode,
    /// Microseconds since the epoch.
    pub start: i64,
    pub end: Option<(i64, End)>,
}

/// Sends per mode over a run's time, in buckets that double in width when
/// the run outgrows them, so the whole run is always covered in bounded
/// memory (the ring alone would forget a long run's beginning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCounts {
    /// The run's start, microseconds since the epoch.
    pub origin: i64,
    /// Microseconds per bucket.
    pub width: i64,
    /// Sends that started in each bucket, per mode (`Mode::index`).
    pub started: [Vec<u32>; 3],
    /// Of those, the ones that failed.
    pub failed: [Vec<u32>; 3],
    /// Time in flight, in microseconds, spread over the buckets each send
    /// was in flight in: over a column, busy time / the column's time is
    /// how many were in flight on average.
    pub busy: [Vec<u64>; 3],
    /// The latest start or end seen, microseconds since the epoch.
    pub last: i64,
}

impl RunCounts {
    fn new(origin: i64) -> Self {
        Self {
            origin,
            width: 1_000,
            started: std::array::from_fn(|_| vec![0; BUCKETS]),
            failed: std::array::from_fn(|_| vec![0; BUCKETS]),
            busy: std::array::from_fn(|_| vec![0; BUCKETS]),
            last: origin,
        }
    }

    fn add(&mut self, mode: Mode, start: i64, end: i64, failed: bool) {
        self.last = self.last.max(end).max(start);
        let at = (start - self.origin).max(0);
        while at / self.width >= BUCKETS as i64 {
            self.widen();
        }
        let b = (at / self.width) as usize;
        self.started[mode.index()][b] += 1;
        // Each bucket gets the part of the send it holds; the loop is as
        // long as the send is in buckets, which the widening keeps short
        // for all but timeouts.
        let busy = &mut self.busy[mode.index()];
        let (a, z) = (
            start - self.origin,
            (end - self.origin).max(start - self.origin),
        );
        let mut bucket = b;
        while bucket < BUCKETS {
            let lo = (bucket as i64 * self.width).max(a);
            let hi = ((bucket as i64 + 1) * self.width).min(z);
            if hi <= lo {
                break;
            }
            busy[bucket] += (hi - lo) as u64;
            bucket += 1;
        }
        if failed {
            self.failed[mode.index()][b] += 1;
        }
    }

    /// Twice as wide: each bucket is the sum of two.
    fn widen(&mut self) {
        fn halve<T: Copy + Default + std::ops::Add<Output = T>>(v: &mut [T]) {
            for i in 0..BUCKETS / 2 {
                v[i] = v[2 * i] + v[2 * i + 1];
            }
            v[BUCKETS / 2..].fill(T::default());
        }
        self.started
            .iter_mut()
            .chain(self.failed.iter_mut())
            .for_each(|v| halve(v));
        self.busy.iter_mut().for_each(|v| halve(v));
        self.width *= 2;
    }

    /// Sends of `mode` that started in `[from, to)`, at the buckets'
    /// resolution: how many, how many failed, and the time anything was in
    /// flight in that stretch (µs).
    pub fn count(&self, mode: Mode, from: i64, to: i64) -> Tally {
        let first = ((from - self.origin).max(0) / self.width) as usize;
        let last = ((to - self.origin).max(0) / self.width) as usize;
        let range = first.min(BUCKETS)..last.min(BUCKETS);
        let sum = |v: &Vec<u32>| v[range.clone()].iter().map(|&n| u64::from(n)).sum();
        Tally {
            started: sum(&self.started[mode.index()]),
            failed: sum(&self.failed[mode.index()]),
            busy_us: self.busy[mode.index()][range.clone()].iter().sum(),
        }
    }
}

/// Per column: sends started, failed, and time in flight, each send's
/// time spread over the columns it spans. O(sends + columns): a partial
/// column at each end is added directly, the whole columns between through
/// a difference array.
fn tally_columns(marks: &[Mark], from: i64, to: i64, n: usize) -> Vec<Tally> {
    let col_us = (to - from).max(1) as f64 / n as f64;
    let mut out = vec![Tally::default(); n];
    let mut part = vec![0f64; n];
    let mut whole = vec![0i64; n + 1];
    for m in marks {
        let Some((end, how)) = m.end else { continue };
        let at = |t: i64| ((t - from) as f64 / col_us).clamp(0.0, n as f64);
        let (a, b) = (at(m.start), at(end));
        if m.start >= from {
            let c = (a as usize).min(n - 1);
            out[c].started += 1;
            out[c].failed += u64::from(how == End::Failed);
        }
        let (ca, cb) = (a.floor() as usize, b.floor() as usize);
        if ca >= n {
            continue;
        }
        if ca == cb.min(n - 1) && cb < n {
            part[ca] += b - a;
        } else {
            part[ca] += (ca + 1) as f64 - a;
            if cb < n {
                part[cb] += b - cb as f64;
            }
            whole[ca + 1] += 1;
            whole[cb.min(n)] -= 1;
        }
    }
    let mut covering = 0;
    for (c, t) in out.iter_mut().enumerate() {
        covering += whole[c];
        t.busy_us = ((part[c] + covering as f64) * col_us) as u64;
    }
    out
}

/// What happened in a stretch of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub started: u64,
    pub failed: u64,
    /// Time anything was in flight in the stretch, microseconds summed
    /// over the sends.
    pub busy_us: u64,
}

impl Tally {
    /// What a column of `col_us` microseconds shows: how many were in
    /// flight on average for sync and async, how many were sent for
    /// one-way (never in flight long enough to show).
    pub fn level(&self, mode: Mode, col_us: f64) -> f64 {
        if mode == Mode::Oneway {
            self.started as f64
        } else {
            self.busy_us as f64 / col_us.max(f64::MIN_POSITIVE)
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Oldest first.
    marks: VecDeque<Mark>,
    /// The oldest start the ring has forgotten: the ring is complete only
    /// for windows that begin after it.
    forgotten_until: Option<i64>,
    /// The marked run (a comparison), if one was marked.
    run: Option<RunCounts>,
}

impl Timeline {
    /// A run starts now (a comparison): its counts cover it from here.
    pub fn mark_run(&mut self, at: DateTime<Local>) {
        self.run = Some(RunCounts::new(at.timestamp_micros()));
    }

    pub fn run(&self) -> Option<&RunCounts> {
        self.run.as_ref()
    }

    /// Takes in what a producer event says about a send's start or end.
    pub fn observe(&mut self, ev: &ProducerEvent) {
        match ev {
            ProducerEvent::Submitted { seq, mode, at, .. } => self.push(Mark {
                seq: *seq,
                mode: *mode,
                start: at.timestamp_micros(),
                end: None,
            }),
            ProducerEvent::Completed(c) => self.completed(c),
            _ => {}
        }
    }

    /// Takes in a send's end (the start it had comes with it).
    pub fn completed(&mut self, c: &Completion) {
        let end = match &c.outcome {
            Outcome::Acknowledged(r) if r.status.is_ok() => End::Ok,
            Outcome::Dispatched => End::Dispatched,
            _ => End::Failed,
        };
        let (start, stop) = (
            c.submitted_at.timestamp_micros(),
            c.completed_at.timestamp_micros(),
        );
        if let Some(run) = &mut self.run
            && start >= run.origin
        {
            run.add(c.mode, start, stop, end == End::Failed);
        }
        self.push(Mark {
            seq: c.seq,
            mode: c.mode,
            start,
            end: Some((stop.max(start), end)),
        });
    }

    fn push(&mut self, m: Mark) {
        if self.marks.len() == RING
            && let Some(old) = self.marks.pop_front()
        {
            self.forgotten_until = Some(self.forgotten_until.unwrap_or(old.start).max(old.start));
        }
        self.marks.push_back(m);
    }

    /// Whether the ring still holds every send that started at or after
    /// `from`.
    pub fn complete_since(&self, from: i64) -> bool {
        self.forgotten_until.is_none_or(|f| f < from)
    }

    /// The sends of `mode` that overlap `[from, to]`, oldest first: ended
    /// ones with their end, open ones (started, no end yet) with `None`.
    pub fn spans(&self, mode: Mode, from: i64, to: i64) -> Vec<Mark> {
        let ended: std::collections::HashSet<Seq> = self
            .marks
            .iter()
            .filter(|m| m.end.is_some() && m.mode == mode)
            .map(|m| m.seq)
            .collect();
        self.marks
            .iter()
            .filter(|m| m.mode == mode)
            .filter(|m| match m.end {
                Some((end, _)) => end >= from && m.start <= to,
                // A start whose end is also in the ring is drawn by the end.
                None => !ended.contains(&m.seq) && m.start <= to,
            })
            .copied()
            .collect()
    }

    /// What `mode` did in each of `n` columns over `[from, to]`: from the
    /// ring when it still holds the stretch, else from the marked run's
    /// counts; all zero when neither covers it.
    pub fn columns(&self, mode: Mode, from: i64, to: i64, n: usize) -> Vec<Tally> {
        if n == 0 {
            return Vec::new();
        }
        if self.complete_since(from) {
            return tally_columns(&self.spans(mode, from, to), from, to, n);
        }
        match &self.run {
            Some(run) => {
                let span = (to - from).max(1);
                let at = |c: i64| from + span * c / n as i64;
                (0..n as i64)
                    .map(|c| run.count(mode, at(c), at(c + 1)))
                    .collect()
            }
            None => vec![Tally::default(); n],
        }
    }

    /// The start of the oldest of the newest `n` marks: where a window
    /// showing what was sent lately begins.
    pub fn recent_start(&self, n: usize) -> Option<i64> {
        self.marks.iter().rev().take(n).map(|m| m.start).min()
    }

    /// The time the newest mark reaches, microseconds since the epoch.
    pub fn latest(&self) -> Option<i64> {
        self.marks
            .iter()
            .rev()
            .take(256)
            .map(|m| m.end.map_or(m.start, |(e, _)| e))
            .max()
    }
}

/// Sends with made-up times, for the timeline's tests and the ones of
/// what draws it.
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures {
    use chrono::{DateTime, Local, TimeZone};
    use std::time::Duration;

    use crate::producer::ProducerEvent;
    use rmq_model::message::{Completion, Failure, Mode, Outcome, Seq};

    /// `us` microseconds after a fixed moment.
    pub fn at(us: i64) -> DateTime<Local> {
        Local.timestamp_micros(1_800_000_000_000_000 + us).unwrap()
    }

    /// Send `seq` of `mode` from `start_us` to `end_us`: acknowledged (or
    /// dispatched, one-way) when `ok`, else failed.
    pub fn done(seq: Seq, mode: Mode, start_us: i64, end_us: i64, ok: bool) -> ProducerEvent {
        let outcome = match (mode, ok) {
            (Mode::Oneway, true) => Outcome::Dispatched,
            (_, true) => Outcome::Acknowledged(rmq_model::fixtures::receipt(seq)),
            (_, false) => Outcome::Failed(Failure {
                reason: "timeout".into(),
                code: None,
            }),
        };
        ProducerEvent::Completed(Completion {
            seq,
            mode,
            outcome,
            submitted_at: at(start_us),
            completed_at: at(end_us),
            latency: Duration::from_micros((end_us - start_us) as u64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{at, done};
    use super::*;

    #[test]
    fn an_ended_send_replaces_its_start_and_an_open_one_stays_open() {
        let mut t = Timeline::default();
        let draft = std::sync::Arc::new(rmq_model::message::Draft::default());
        for seq in [1, 2] {
            t.observe(&ProducerEvent::Submitted {
                seq,
                mode: Mode::Async,
                draft: draft.clone(),
                at: at(seq as i64 * 10),
            });
        }
        t.observe(&done(1, Mode::Async, 10, 500, true));
        let from = at(0).timestamp_micros();
        let spans = t.spans(Mode::Async, from, from + 1_000);
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].seq, 2, "the open one, by its start");
        assert!(spans[0].end.is_none());
        assert_eq!(spans[1].end.map(|(_, e)| e), Some(End::Ok));
        assert!(t.spans(Mode::Sync, from, from + 1_000).is_empty());
    }

    #[test]
    fn a_run_is_counted_whole_however_long_in_bounded_buckets() {
        let mut t = Timeline::default();
        t.mark_run(at(0));
        // 100,000 sends over 100 s: the ring forgets, the counts do not.
        for i in 0..100_000u64 {
            let s = i as i64 * 1_000;
            t.observe(&done(i + 1, Mode::Sync, s, s + 500, i % 1000 != 0));
        }
        let run = t.run().unwrap();
        let origin = run.origin;
        let all = run.count(Mode::Sync, origin, origin + 200_000_000);
        assert_eq!((all.started, all.failed), (100_000, 100));
        assert_eq!(all.busy_us, 100_000 * 500, "every send's time in flight");
        assert!(
            run.width * BUCKETS as i64 >= 100_000_000,
            "widened to cover the run"
        );
        assert!(!t.complete_since(origin), "the ring forgot the start");
        assert!(t.complete_since(origin + 90_000_000));
        assert_eq!(t.marks.len(), RING);
    }
}
