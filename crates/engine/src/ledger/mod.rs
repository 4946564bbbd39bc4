//! The send ledger: per-send accounting (accepted, queued, in flight, and how
//! each send ended) per mode, for the console and the headless commands alike.
//! It is the only place those counts change.
//!
//! The rules it keeps, in one place so both sides agree:
//!
//! - **Exactly once.** Every sequence number ends in exactly one of ok,
//!   degraded, failed, dispatched or unresolved. A second outcome for a
//!   sequence number that has ended, or a late `Queued`/`Submitted` for it, is
//!   refused ([`Refused`]), logged, and counted nowhere. Ended sequence numbers
//!   are kept as ranges, so the memory grows with the gaps between them, not
//!   with the number of sends.
//! - **Taking a send on.** [`Ledger::accept`] takes on a single send before
//!   it goes to the producer; a sequence number the ledger first hears of in
//!   an event (a burst's, chosen by the producer task) is taken on there.
//!   [`Ledger::withdraw`] forgets a send whose command never reached the
//!   producer (the channel was full or closed): it was never a send.
//! - **One classification** ([`Class::of`]). An acknowledgement with status
//!   `SendOk` is *ok*. An acknowledgement with any other status
//!   (`FlushDiskTimeout`, `FlushSlaveTimeout`, `SlaveNotAvailable`) is
//!   *degraded*: the broker stored the message, but not as durably as asked.
//!   It counts as acknowledged, never as ok, and it is not what the mode
//!   promises, so a headless run with a degraded send does not pass and the
//!   console shows it apart.
//! - **Latency** goes into the mode's bounded [`Histogram`] once per send that
//!   was handed to the client and got an answer (or, one-way, was dispatched).
//!   Sends that ended without reaching the client, and unresolved ones, have
//!   no round trip to measure.
//! - **Producer gone.** When the producer stops or dies, every send still open
//!   ends as unresolved ([`Ledger::end_open`]); nothing is zeroed away.
//! - **One-way shortfall** ([`Landing::judge`]): what landed is how far the
//!   topic's queue max offsets moved while the burst ran. Fewer than were
//!   dispatched is a shortfall; as many or more passes (anyone else sending to
//!   the topic moves the offsets too, so the check is one-way); offsets that
//!   could not be read are never a pass.
//!
//! Use: `accept` a single send before its command goes out (`withdraw` it if
//! the command is refused), `apply` every `ProducerEvent` as it arrives,
//! `end_open` when the producer dies without `Stopped`, and read `counts`.
//! A burst needs nothing up front: its sends are taken on as they are
//! reported. The calls return `Err(Refused)` for a report that changed
//! nothing; callers use that to skip a second result line, nothing more.

mod histogram;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

pub use histogram::Histogram;

use rmq_model::events::ProducerEvent;
use rmq_model::message::{Completion, Mode, Outcome, Seq};

/// How a send ended, the one classification both the console and the
/// headless commands count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Acknowledged with `SendOk`.
    Ok,
    /// Acknowledged with another status: stored, but not as durably as asked.
    Degraded,
    Failed,
    /// One-way: handed to the connection; the broker never answers.
    Dispatched,
    /// Still in flight when the producer stopped.
    Unresolved,
}

impl Class {
    pub fn of(outcome: &Outcome) -> Class {
        match outcome {
            Outcome::Acknowledged(r) if r.status.is_ok() => Class::Ok,
            Outcome::Acknowledged(_) => Class::Degraded,
            Outcome::Failed(_) => Class::Failed,
            Outcome::Dispatched => Class::Dispatched,
            Outcome::Unresolved => Class::Unresolved,
        }
    }

    /// Whether this is the end the mode promises when all goes well.
    pub fn is_expected_for(self, mode: Mode) -> bool {
        matches!(
            (mode, self),
            (Mode::Sync | Mode::Async, Class::Ok) | (Mode::Oneway, Class::Dispatched)
        )
    }
}

/// One mode's counts. Gauges (`waiting`, `queued`, `in_flight`) go up and
/// down; everything else only grows. For every mode:
/// `accepted == waiting + queued + in_flight + ended()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Sends taken on.
    pub accepted: u64,
    /// Gauge: taken on, nothing heard from the producer about it yet.
    pub waiting: u64,
    /// Gauge: waiting for a slot in the async window.
    pub queued: u64,
    /// Gauge: handed to the client, outcome still to come.
    pub in_flight: u64,
    /// Handed to the client library, ever.
    pub submitted: u64,
    pub ok: u64,
    pub degraded: u64,
    pub failed: u64,
    pub dispatched: u64,
    pub unresolved: u64,
    /// Submit to outcome of each answered (or dispatched) send.
    pub latency: Histogram,
}

impl Counts {
    /// Stored by the broker, whatever the status.
    pub fn acknowledged(&self) -> u64 {
        self.ok + self.degraded
    }

    /// Sends that have their one outcome.
    pub fn ended(&self) -> u64 {
        self.ok + self.degraded + self.failed + self.dispatched + self.unresolved
    }

    /// Sends the producer has taken up: in flight or ended (what the console
    /// calls "sent").
    pub fn sent(&self) -> u64 {
        self.in_flight + self.ended()
    }

    /// Taken on and not yet ended.
    pub fn open(&self) -> u64 {
        self.waiting + self.queued + self.in_flight
    }

    /// Sends that ended the way `mode` promises.
    pub fn as_promised(&self, mode: Mode) -> u64 {
        match mode {
            Mode::Sync | Mode::Async => self.ok,
            Mode::Oneway => self.dispatched,
        }
    }

    /// Ended otherwise than `mode` promises (degraded, failed, unresolved, or
    /// an outcome of the wrong kind for the mode).
    pub fn unexpected(&self, mode: Mode) -> u64 {
        self.ended() - self.as_promised(mode)
    }

    fn count(&mut self, class: Class) {
        match class {
            Class::Ok => self.ok += 1,
            Class::Degraded => self.degraded += 1,
            Class::Failed => self.failed += 1,
            Class::Dispatched => self.dispatched += 1,
            Class::Unresolved => self.unresolved += 1,
        }
    }
}

/// Why the ledger would not take a report. Refusals are logged and change
/// no count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `accept` of a sequence number the ledger already knows.
    AlreadyKnown(Seq),
    /// A report about a sequence number that has its outcome already.
    AlreadyEnded(Seq),
    /// A report that goes backwards (`Queued` or `Submitted` after
    /// `Submitted`), or `withdraw` of a send the producer has reported on.
    OutOfOrder(Seq),
    /// `withdraw` of a sequence number the ledger does not hold open.
    Unknown(Seq),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::AlreadyKnown(s) => write!(f, "send #{s} was taken on already"),
            Refused::AlreadyEnded(s) => write!(f, "send #{s} has its outcome already"),
            Refused::OutOfOrder(s) => write!(f, "report for send #{s} out of order"),
            Refused::Unknown(s) => write!(f, "send #{s} is not open"),
        }
    }
}

/// How a one-way burst landed, judged from the queue offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    /// At least as many landed as were dispatched.
    Complete { dispatched: u64, landed: i64 },
    /// Fewer landed than were dispatched: the broker dropped `missing`.
    Shortfall {
        dispatched: u64,
        landed: i64,
        missing: u64,
    },
    /// The offsets could not be read; not a pass.
    Unknown { dispatched: u64, why: String },
}

impl Landing {
    /// The one shortfall rule (see the module doc).
    pub fn judge(dispatched: u64, landed: &Result<i64, String>) -> Landing {
        match landed {
            Ok(n) => {
                let want = i64::try_from(dispatched).unwrap_or(i64::MAX);
                if *n >= want {
                    Landing::Complete {
                        dispatched,
                        landed: *n,
                    }
                } else {
                    Landing::Shortfall {
                        dispatched,
                        landed: *n,
                        missing: u64::try_from(want - (*n).max(0)).unwrap_or(u64::MAX),
                    }
                }
            }
            Err(why) => Landing::Unknown {
                dispatched,
                why: why.clone(),
            },
        }
    }

    pub fn passed(&self) -> bool {
        matches!(self, Landing::Complete { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Waiting,
    Queued,
    InFlight,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    mode: Mode,
    stage: Stage,
}

/// Sequence numbers as disjoint half-open ranges `start..end`, merged when
/// they touch: sends end roughly in order, so this stays a handful of ranges.
#[derive(Debug, Clone, Default)]
struct SeqSet(BTreeMap<Seq, Seq>);

impl SeqSet {
    fn contains(&self, seq: Seq) -> bool {
        self.0
            .range(..=seq)
            .next_back()
            .is_some_and(|(_, &end)| seq < end)
    }

    fn insert(&mut self, seq: Seq) {
        if self.contains(seq) {
            return;
        }
        let (mut start, mut end) = (seq, seq.saturating_add(1));
        if let Some((&s, &e)) = self.0.range(..seq).next_back()
            && e == seq
        {
            start = s;
        }
        if let Some(e) = self.0.remove(&end) {
            end = e;
        }
        self.0.insert(start, end);
    }

    #[cfg(test)]
    fn ranges(&self) -> usize {
        self.0.len()
    }
}

/// The per-send accounting of one producer's sends (the console starts a
/// new ledger with each profile).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    counts: [Counts; 3],
    open: HashMap<Seq, Open>,
    ended: SeqSet,
    refused: u64,
    landing: Option<Landing>,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn counts(&self, mode: Mode) -> &Counts {
        &self.counts[mode.index()]
    }

    /// Sends taken on and not yet ended, all modes.
    pub fn open_total(&self) -> u64 {
        self.counts.iter().map(Counts::open).sum()
    }

    /// Reports refused so far (each one logged when it came).
    pub fn refused(&self) -> u64 {
        self.refused
    }

    /// The last one-way landing judged.
    pub fn landing(&self) -> Option<&Landing> {
        self.landing.as_ref()
    }

    /// The mode of an open send.
    pub fn mode_of(&self, seq: Seq) -> Option<Mode> {
        self.open.get(&seq).map(|o| o.mode)
    }

    /// Whether `seq` has its outcome.
    pub fn has_ended(&self, seq: Seq) -> bool {
        self.ended.contains(seq)
    }

    /// Takes on a send before its command goes to the producer.
    pub fn accept(&mut self, seq: Seq, mode: Mode) -> Result<(), Refused> {
        if self.open.contains_key(&seq) {
            return self.refuse(Refused::AlreadyKnown(seq));
        }
        if self.ended.contains(seq) {
            return self.refuse(Refused::AlreadyEnded(seq));
        }
        self.take_on(seq, mode);
        Ok(())
    }

    /// Forgets a send whose command never reached the producer; returns the
    /// mode it was taken on in. Only a send the producer has not reported on
    /// can be withdrawn; its sequence number cannot be used again.
    pub fn withdraw(&mut self, seq: Seq) -> Result<Mode, Refused> {
        match self.open.get(&seq) {
            Some(o) if o.stage == Stage::Waiting => {
                let mode = o.mode;
                self.open.remove(&seq);
                let c = &mut self.counts[mode.index()];
                c.waiting -= 1;
                c.accepted -= 1;
                self.ended.insert(seq);
                Ok(mode)
            }
            Some(_) => self.refuse(Refused::OutOfOrder(seq)),
            None if self.ended.contains(seq) => self.refuse(Refused::AlreadyEnded(seq)),
            None => self.refuse(Refused::Unknown(seq)),
        }
    }

    /// The producer put an async send in the queue for a window slot.
    pub fn queued(&mut self, seq: Seq, mode: Mode) -> Result<(), Refused> {
        let open = self.open_for(seq, mode)?;
        match open.stage {
            Stage::Waiting => self.move_to(seq, Stage::Queued),
            Stage::Queued => {}
            Stage::InFlight => return self.refuse(Refused::OutOfOrder(seq)),
        }
        Ok(())
    }

    /// The producer handed a send to the client library.
    pub fn submitted(&mut self, seq: Seq, mode: Mode) -> Result<(), Refused> {
        let open = self.open_for(seq, mode)?;
        if open.stage == Stage::InFlight {
            return self.refuse(Refused::OutOfOrder(seq));
        }
        self.move_to(seq, Stage::InFlight);
        self.counts[open.mode.index()].submitted += 1;
        Ok(())
    }

    /// A send's outcome: counted once, refused if the send has one already.
    pub fn complete(&mut self, c: &Completion) -> Result<Class, Refused> {
        let open = self.open_for(c.seq, c.mode)?;
        self.open.remove(&c.seq);
        self.ended.insert(c.seq);
        let class = Class::of(&c.outcome);
        let counts = &mut self.counts[open.mode.index()];
        match open.stage {
            Stage::Waiting => counts.waiting -= 1,
            Stage::Queued => counts.queued -= 1,
            Stage::InFlight => {
                counts.in_flight -= 1;
                if class != Class::Unresolved {
                    counts.latency.record(c.latency);
                }
            }
        }
        counts.count(class);
        Ok(class)
    }

    /// The producer is gone (stopped or died): every send still open ends as
    /// unresolved. Returns them in sequence order.
    /// The sends still open, by sequence number.
    pub fn open_sends(&self) -> Vec<(Seq, Mode)> {
        let mut open: Vec<(Seq, Mode)> = self.open.iter().map(|(s, o)| (*s, o.mode)).collect();
        open.sort();
        open
    }

    pub fn end_open(&mut self) -> Vec<(Seq, Mode)> {
        let mut gone: Vec<(Seq, Mode)> = self.open.iter().map(|(s, o)| (*s, o.mode)).collect();
        gone.sort();
        for &(seq, mode) in &gone {
            let c = Completion::instant(seq, mode, Outcome::Unresolved);
            // Open by construction, so never refused.
            let _ = self.complete(&c);
        }
        gone
    }

    /// Starts the counts over (the console's reset key): what ended so far
    /// and the latencies are forgotten; sends still open stay open, each
    /// counted once where it ends, so nothing is lost or counted twice.
    pub fn reset_totals(&mut self) {
        for c in &mut self.counts {
            *c = Counts {
                accepted: c.open(),
                waiting: c.waiting,
                queued: c.queued,
                in_flight: c.in_flight,
                submitted: c.in_flight,
                ..Counts::default()
            };
        }
        self.landing = None;
    }

    /// Judges and keeps a one-way burst's landing.
    pub fn landed(&mut self, dispatched: u64, landed: &Result<i64, String>) -> &Landing {
        self.landing.insert(Landing::judge(dispatched, landed))
    }

    /// Folds one producer event into the counts. `Stopped` ends every open
    /// send as unresolved (those it lists have usually ended already through
    /// their own `Completed`, which is not a refusal).
    pub fn apply(&mut self, event: &ProducerEvent) -> Result<(), Refused> {
        match event {
            ProducerEvent::Queued { seq, mode, .. } => self.queued(*seq, *mode),
            ProducerEvent::Submitted { seq, mode, .. } => self.submitted(*seq, *mode),
            ProducerEvent::Completed(c) => self.complete(c).map(|_| ()),
            ProducerEvent::OnewayLanded {
                dispatched, landed, ..
            } => {
                self.landed(*dispatched, landed);
                Ok(())
            }
            ProducerEvent::Stopped { .. } => {
                let gone = self.end_open();
                if !gone.is_empty() {
                    tracing::warn!(
                        count = gone.len(),
                        "sends the producer never reported ended as unresolved"
                    );
                }
                Ok(())
            }
            ProducerEvent::Connection(_)
            | ProducerEvent::BurstProgress { .. }
            | ProducerEvent::BurstFinished { .. }
            | ProducerEvent::Transaction(_) => Ok(()),
        }
    }

    fn take_on(&mut self, seq: Seq, mode: Mode) -> Open {
        let open = Open {
            mode,
            stage: Stage::Waiting,
        };
        self.open.insert(seq, open);
        let c = &mut self.counts[mode.index()];
        c.accepted += 1;
        c.waiting += 1;
        open
    }

    /// The open entry for a report about `seq`, taking the send on if this is
    /// the first the ledger hears of it.
    fn open_for(&mut self, seq: Seq, mode: Mode) -> Result<Open, Refused> {
        if let Some(open) = self.open.get(&seq) {
            if open.mode != mode {
                tracing::warn!(
                    seq,
                    taken_on = %open.mode,
                    reported = %mode,
                    "report names another mode; counted in the mode it was taken on in"
                );
            }
            return Ok(*open);
        }
        if self.ended.contains(seq) {
            return self.refuse(Refused::AlreadyEnded(seq));
        }
        Ok(self.take_on(seq, mode))
    }

    fn move_to(&mut self, seq: Seq, stage: Stage) {
        let Some(open) = self.open.get_mut(&seq) else {
            return;
        };
        let c = &mut self.counts[open.mode.index()];
        match open.stage {
            Stage::Waiting => c.waiting -= 1,
            Stage::Queued => c.queued -= 1,
            Stage::InFlight => c.in_flight -= 1,
        }
        match stage {
            Stage::Waiting => c.waiting += 1,
            Stage::Queued => c.queued += 1,
            Stage::InFlight => c.in_flight += 1,
        }
        open.stage = stage;
    }

    fn refuse<T>(&mut self, why: Refused) -> Result<T, Refused> {
        self.refused += 1;
        tracing::warn!("send ledger: {why}; ignored");
        Err(why)
    }
}

#[cfg(test)]
mod tests;

/// Compact latency, three significant digits at most: `850µs`, `6.59ms`,
/// `12.3ms`, `250ms`, `6.59s`, `29.3s`, `312s`; one spelling for the
/// console's panes, the comparison table and `bench` (a `6593ms` beside a
/// `29.3s` read as two scales).
pub fn fmt_latency(d: std::time::Duration) -> String {
    let us = d.as_micros();
    let ms = us as f64 / 1000.0;
    let s = d.as_secs_f64();
    match us {
        0..1_000 => format!("{us}µs"),
        1_000..10_000 => format!("{ms:.2}ms"),
        10_000..100_000 => format!("{ms:.1}ms"),
        100_000..1_000_000 => format!("{}ms", us / 1000),
        1_000_000..10_000_000 => format!("{s:.2}s"),
        10_000_000..100_000_000 => format!("{s:.1}s"),
        _ => format!("{}s", d.as_secs()),
    }
}
