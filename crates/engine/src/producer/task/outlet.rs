//! Where a send's outcome goes (`Outlet`) and the state the task shares
//! with the sends it spawns (`Shared`): the bookkeeping that makes each
//! sequence number end exactly once, and how a failure names its endpoint.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, NaiveTime, TimeDelta, Timelike};
use tokio::sync::{Semaphore, mpsc};

use crate::producer::client::Sender;
use crate::producer::transaction::{self, Book};
use crate::producer::{Connection, ProducerEvent, ProducerSettings};
use rmq_model::events::TxEvent;
use rmq_model::message::{Completion, Failure, Mode, Outcome, Seq};

use rocketmq_client_rust::ClientRuntime;
use rocketmq_runtime::ChildServiceContext;

/// State shared by the task and the sends it spawns.
pub(super) struct Shared {
    pub(super) sender: Option<Sender>,
    /// Why the producer could not start, failing every send with it.
    pub(super) start_error: Option<String>,
    /// Where outcomes go; an async send's callback holds it too.
    pub(super) outlet: Arc<Outlet>,
    pub(super) window: Arc<Semaphore>,
    /// The window opens to `async_inflight` after the first acknowledged
    /// async send (slow start): before the connection and route exist, a
    /// full window of requests overflows the client's admission queue
    /// (`transport.admission.queue_saturated`, seen with 128 on a cold start).
    pub(super) window_opening: Arc<Mutex<Option<usize>>>,
    pub(super) stopping: AtomicBool,
    /// For messages: which name servers were meant when a connection fails.
    pub(super) name_servers: Arc<str>,
    /// Async sends waiting in the lane for a slot.
    pub(super) lane_depth: AtomicUsize,
    pub(super) timeout_ms: u64,
    /// Scope and settings for the offset probes around verified one-way
    /// bursts; none without a RocketMQ client.
    pub(super) probe: Option<(ChildServiceContext, ProducerSettings)>,
    /// The decisions of this session's transactions.
    pub(super) book: Arc<Book>,
    /// The transactional producer, started on the first transactional send.
    pub(super) tx: tokio::sync::OnceCell<transaction::Started>,
    /// What the transactional producer is built on; none without a
    /// RocketMQ client.
    pub(super) tx_runtime: Option<(Arc<ClientRuntime>, ProducerSettings)>,
    /// The journal's write-ahead (`super::ahead`), if the session keeps one.
    pub(super) write_ahead: Option<Arc<dyn rmq_model::ahead::WriteAhead>>,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        sender: Option<Sender>,
        start_error: Option<String>,
        probe: Option<ChildServiceContext>,
        settings: &ProducerSettings,
        events: mpsc::Sender<ProducerEvent>,
        done: mpsc::UnboundedSender<Completion>,
        runtime: Option<Arc<ClientRuntime>>,
        notes: mpsc::UnboundedSender<TxEvent>,
    ) -> Arc<Self> {
        Arc::new(Shared {
            book: Arc::new(Book::new(settings, notes)),
            tx: tokio::sync::OnceCell::new(),
            tx_runtime: runtime.map(|rt| (rt, settings.clone())),
            write_ahead: settings.write_ahead.clone(),
            sender,
            start_error,
            outlet: Arc::new(Outlet::new(events, done)),
            window: Arc::new(Semaphore::new(1)),
            window_opening: Arc::new(Mutex::new(Some(
                settings
                    .async_inflight
                    .clamp(1, crate::producer::MAX_ASYNC_INFLIGHT)
                    - 1,
            ))),
            stopping: AtomicBool::new(false),
            lane_depth: AtomicUsize::new(0),
            name_servers: settings.name_servers.as_str().into(),
            probe: probe.map(|context| (context, settings.clone())),
            timeout_ms: u64::try_from(settings.send_timeout.as_millis()).unwrap_or(u64::MAX),
        })
    }

    pub(super) fn track(&self, seq: Seq, mode: Mode) {
        self.outlet.track(seq, mode);
    }

    /// A failure reason that names the endpoint when the connection failed.
    pub(super) fn failure(&self, f: Failure) -> Failure {
        name_endpoint(f, &self.name_servers)
    }

    pub(super) fn finish(&self, c: Completion) {
        self.outlet.finish(c);
    }

    /// `finish` for a single send that ends on its own task, into the
    /// places it reserved before it was sent: the outcome goes to the
    /// events channel from here, not through the task loop, so a sync
    /// send's outcome reaches the console in one hop instead of two, and
    /// without a wait (docs/performance.md). `None`: nobody listens.
    pub(super) fn finish_here(
        &self,
        room: Option<mpsc::PermitIterator<'_, ProducerEvent>>,
        c: Completion,
    ) {
        self.outlet.deliver(room, c);
        self.outlet.settled.notify_one();
    }

    pub(super) async fn emit(&self, e: ProducerEvent) {
        let _ = self.outlet.events.send(e).await;
    }

    /// `emit` of an event made once there is room for it, for the events
    /// of every send: made in place, it is not moved through the futures
    /// of the send on its way (a few hundred bytes each time).
    ///
    /// `reserve().await`, not `try_reserve`: like `send`, it counts against
    /// the task's cooperative budget, so a burst yields to the client's
    /// reader and the console's every so often. With `try_reserve` a burst
    /// with window room never yielded, and `bench`'s async p99 doubled.
    pub(super) async fn emit_with(&self, e: impl FnOnce() -> ProducerEvent) {
        if let Ok(room) = self.outlet.events.reserve().await {
            room.send(e());
        }
    }
}

/// Where outcomes go, and the bookkeeping that makes each sequence number
/// end exactly once. Apart from `Shared` because an async send's callback
/// keeps it: the callback must not keep the producer, whose last reference
/// the task needs at shutdown.
pub(super) struct Outlet {
    pub(super) events: mpsc::Sender<ProducerEvent>,
    /// To the task loop, which forwards what could not be forwarded where
    /// it ended.
    pub(super) done: mpsc::UnboundedSender<Completion>,
    /// Every sequence number submitted and not yet completed. Also held
    /// while an outcome and the connection change it implies are emitted,
    /// so two forwarders cannot report the changes out of order (one lock
    /// per outcome, not two).
    pub(super) pending: Mutex<Pending>,
    /// Told after an outcome was forwarded outside the task loop, so a
    /// shutdown waiting for `pending` to empty notices.
    pub(super) settled: tokio::sync::Notify,
    /// Whether the last word on the endpoints was good (an acknowledgement)
    /// rather than a connection failure or a timeout; changes are reported
    /// as `Connection::Unreachable` / `Ready`.
    pub(super) reachable: AtomicBool,
}

impl Outlet {
    pub(super) fn new(
        events: mpsc::Sender<ProducerEvent>,
        done: mpsc::UnboundedSender<Completion>,
    ) -> Self {
        Outlet {
            events,
            done,
            pending: Mutex::new(Pending::default()),
            settled: tokio::sync::Notify::new(),
            reachable: AtomicBool::new(true),
        }
    }

    pub(super) fn track(&self, seq: Seq, mode: Mode) {
        self.pending
            .lock()
            .expect("pending map poisoned")
            .insert(seq, mode);
    }

    pub(super) fn finish(&self, c: Completion) {
        // The receiver lives as long as the task loop; a closed channel
        // means the task is gone and nobody is left to tell.
        let _ = self.done.send(c);
    }

    /// Forwards an outcome from a place that cannot wait (an async send's
    /// callback, on the library's task): straight to the events channel
    /// when it has room, saving the task loop's wake-up, else through the
    /// loop, which waits for room.
    pub(super) fn finish_now(&self, c: Completion) {
        match self.events.try_reserve_many(self.places(&c.outcome)) {
            Ok(room) => self.deliver(Some(room), c),
            Err(mpsc::error::TrySendError::Closed(())) => self.deliver(None, c),
            Err(mpsc::error::TrySendError::Full(())) => return self.finish(c),
        }
        self.settled.notify_one();
    }

    pub(super) async fn forward(&self, c: Completion) {
        // Room for the outcome and the connection change it may imply comes
        // first, because waiting for it is the only wait here: a forward
        // cancelled there (a send aborted at shutdown while the console reads
        // slowly) leaves its seq pending, to be reported unresolved, instead
        // of taken out of `pending` and never reported. `None`: nobody
        // listens.
        let room = self.events.reserve_many(self.places(&c.outcome)).await.ok();
        self.deliver(room, c);
    }

    /// Places to reserve for an outcome: two when it would change what is
    /// known of the endpoints (the outcome, then the change), else one.
    /// Nearly every outcome is like the one before, and a second place
    /// reserved and given back costs a lock of the channel's semaphore
    /// per send (docs/performance.md). Read without the lock `deliver`
    /// holds, so another outcome may change the answer before `deliver`;
    /// `deliver` handles that.
    fn places(&self, outcome: &Outcome) -> usize {
        1 + usize::from(self.change_due(outcome))
    }

    /// Takes the send out of `pending` and emits its outcome, with the
    /// connection change it implies, into `room`.
    pub(super) fn deliver(
        &self,
        room: Option<mpsc::PermitIterator<'_, ProducerEvent>>,
        c: Completion,
    ) {
        // Held to the end: it orders the outcomes and their changes too.
        let mut pending = self.pending.lock().expect("pending map poisoned");
        if pending.remove(&c.seq).is_none() {
            tracing::warn!(seq = c.seq, "second outcome for one send ignored");
            return;
        }
        let Some(mut room) = room else {
            // Nobody listens; the state still follows the outcomes.
            self.change(&c.outcome);
            return;
        };
        // Two places, or one reserved when no change was due. Another
        // outcome may have changed the state since (under this lock, which
        // every change is made under): then the change takes a place
        // found now; when the console is so far behind that there is none,
        // the state stays as it was, so the next outcome of this kind
        // reserves two places and reports it.
        let completed = room.next().expect("a place reserved");
        let spare = room.next().or_else(|| {
            self.change_due(&c.outcome)
                .then(|| self.events.try_reserve().ok())
                .flatten()
        });
        let change = spare.as_ref().and_then(|_| self.change(&c.outcome));
        completed.send(ProducerEvent::Completed(c));
        if let (Some(place), Some(conn)) = (spare, change) {
            place.send(ProducerEvent::Connection(conn));
        }
    }

    /// Whether `outcome` changes what is known of the endpoints.
    fn change_due(&self, outcome: &Outcome) -> bool {
        let reachable = self.reachable.load(Ordering::SeqCst);
        match outcome {
            Outcome::Acknowledged(_) => !reachable,
            Outcome::Failed(f) => reachable && unreachable(f),
            _ => false,
        }
    }

    /// The change of what is known of the endpoints that `outcome` makes,
    /// now made.
    fn change(&self, outcome: &Outcome) -> Option<Connection> {
        match outcome {
            Outcome::Failed(f) if unreachable(f) => self
                .reachable
                .swap(false, Ordering::SeqCst)
                .then(|| Connection::Unreachable(f.reason.clone())),
            Outcome::Acknowledged(_) => {
                (!self.reachable.swap(true, Ordering::SeqCst)).then_some(Connection::Ready)
            }
            _ => None,
        }
    }
}

/// The sends submitted and not yet ended, by sequence number. Every send
/// goes in and out once, so the hash is on the path of each: sequence
/// numbers are the task's own counters, not input an attacker picks, so
/// SipHash's protection is not needed and a multiplication does.
pub(super) type Pending = HashMap<Seq, Mode, BuildHasherDefault<SeqHasher>>;

/// Fibonacci hashing of a sequence number: consecutive numbers spread over
/// the high bits, which the map's probing groups on.
#[derive(Default)]
pub(super) struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; this keeps any other key correct.
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// When a send was submitted: the wall-clock time the operator reads, and
/// the monotonic instant its completion time is measured from.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stamp {
    pub(super) at: DateTime<Local>,
    pub(super) mono: Instant,
}

/// How long a thread's clock anchor (`Stamp::now`) is used before the wall
/// clock is read again.
const ANCHOR_AGE: Duration = Duration::from_secs(1);

impl Stamp {
    /// Now, from one reading of the monotonic clock. The wall-clock time is
    /// this thread's anchor (a wall-clock reading and the instant it was
    /// taken at) moved on by the time since: reading the wall clock too and
    /// making a local date of it (chrono's `Utc::now`, a day count turned
    /// into a date) cost about 80 instructions a send more than this
    /// (docs/performance.md, fifth pass). The anchor is read again once it
    /// is a second old, so a step of the wall clock (NTP, the operator) or
    /// a daylight-saving change shows within a second; in between, the
    /// stamp misses only what the wall clock was slewed by in that second
    /// (ntpd slews at most 0.5 ms a second).
    pub(super) fn now() -> Self {
        thread_local! {
            static ANCHOR: std::cell::Cell<Option<Stamp>> = const { std::cell::Cell::new(None) };
        }
        let mono = Instant::now();
        let at = ANCHOR.with(|anchor| {
            Self::from_anchor(anchor.get(), mono).unwrap_or_else(|| {
                let fresh = Stamp {
                    at: Local::now(),
                    mono,
                };
                anchor.set(Some(fresh));
                fresh.at
            })
        });
        Stamp { at, mono }
    }

    /// The wall-clock time at `mono` by `anchor`, while the anchor is
    /// younger than `ANCHOR_AGE`; `None`: read the wall clock.
    fn from_anchor(anchor: Option<Stamp>, mono: Instant) -> Option<DateTime<Local>> {
        let a = anchor?;
        let since = mono
            .checked_duration_since(a.mono)
            .filter(|since| *since < ANCHOR_AGE)?;
        Some(a.after(since))
    }

    /// The wall-clock time `since` after the submission, in the
    /// submission's offset.
    fn after(&self, since: Duration) -> DateTime<Local> {
        const DAY: u64 = 86_400;
        const SECOND: u32 = 1_000_000_000;
        let start = self.at.naive_utc();
        let time = start.time();
        // Within the day, as nearly every send is, only the time of day
        // moves, added in whole numbers: chrono's duration arithmetic
        // (`overflowing_add_signed`, twice a send) is left to a day's
        // end and to a leap second (a nanosecond count past one second).
        let mut secs = u64::from(time.num_seconds_from_midnight()).saturating_add(since.as_secs());
        let mut nanos = time.nanosecond() + since.subsec_nanos();
        if nanos >= SECOND {
            secs += 1;
            nanos -= SECOND;
        }
        let within_day = (time.nanosecond() < SECOND && secs < DAY)
            .then(|| NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, nanos))
            .flatten()
            .map(|t| start.date().and_time(t));
        within_day
            .or_else(|| {
                TimeDelta::from_std(since)
                    .ok()
                    .and_then(|d| start.checked_add_signed(d))
            })
            .map_or_else(Local::now, |utc| {
                DateTime::from_naive_utc_and_offset(utc, *self.at.offset())
            })
    }
}

/// A send's outcome, timed: `started` is when the client was called (the
/// latency's start), `stamp` when it was submitted.
pub(super) fn completion(
    seq: Seq,
    mode: Mode,
    outcome: Outcome,
    started: Instant,
    stamp: Stamp,
) -> Completion {
    let now = Instant::now();
    let since_stamp = now.saturating_duration_since(stamp.mono);
    Completion {
        seq,
        mode,
        outcome,
        submitted_at: stamp.at,
        completed_at: stamp.after(since_stamp),
        latency: if started == stamp.mono {
            since_stamp
        } else {
            now.saturating_duration_since(started)
        },
    }
}

/// The library's connection errors do not say where it tried to connect,
/// nor whether it was the name server or the broker (whose address comes
/// from the route): say what is known. A response timeout says that the
/// endpoint did not answer, and that the send may still have been stored.
pub(super) fn name_endpoint(mut f: Failure, name_servers: &str) -> Failure {
    if f.code.is_none() && f.reason.starts_with("transport.connection") {
        f.reason = format!(
            "cannot reach the broker or the name server ({name_servers}): {}",
            f.reason
        );
    } else if f.code.is_none()
        && (f.reason.starts_with("transport.response.timeout") || f.reason.contains("timed out"))
    {
        f.reason = format!(
            "timed out: the endpoint did not answer within the send timeout (the message may still have been stored): {}",
            f.reason
        );
    }
    f
}

/// A failure that says the endpoints cannot be reached (as `name_endpoint`
/// words it), not one about the message.
pub(super) fn unreachable(f: &Failure) -> bool {
    f.code.is_none() && (f.reason.starts_with("cannot reach") || f.reason.starts_with("timed out"))
}

/// Ends a send that never reached the client because the task is stopping.
pub(super) fn not_sent(shared: &Shared, seq: Seq, mode: Mode) {
    let outcome = Outcome::Failed(Failure {
        reason: "not sent: the producer was shutting down".into(),
        code: None,
    });
    shared.finish(Completion::instant(seq, mode, outcome));
}

pub(super) fn not_started(shared: &Shared) -> Outcome {
    Outcome::Failed(Failure {
        reason: shared
            .start_error
            .clone()
            .unwrap_or_else(|| "producer is not running".into()),
        code: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn a_stamp_moves_its_anchor_on_and_reads_the_wall_clock_once_it_is_a_second_old() {
        let mono = Instant::now();
        let at = Local::now();
        let anchor = Some(Stamp { at, mono });
        let later = mono + Duration::from_millis(400);
        assert_eq!(
            Stamp::from_anchor(anchor, later),
            Some(at + TimeDelta::milliseconds(400))
        );
        assert_eq!(Stamp::from_anchor(anchor, mono + ANCHOR_AGE), None);
        assert_eq!(Stamp::from_anchor(None, later), None);
        // An instant before the anchor's (not on one thread, but checked).
        let ahead = Some(Stamp {
            at,
            mono: mono + Duration::from_millis(1),
        });
        assert_eq!(Stamp::from_anchor(ahead, mono), None);
        // On this thread: stamps agree with the wall clock, and with each
        // other as the monotonic clock does.
        let (a, b) = (Stamp::now(), Stamp::now());
        let off = (a.at - Local::now()).num_milliseconds().abs();
        assert!(off < 1_000, "{off} ms from the wall clock");
        let apart = (b.at - a.at).to_std().expect("in order");
        let drift = apart.abs_diff(b.mono - a.mono);
        assert!(drift < Duration::from_millis(5), "{drift:?}");
    }

    #[test]
    fn a_completion_is_timed_from_its_submission() {
        let at = Local::now();
        let Some(mono) = Instant::now().checked_sub(Duration::from_millis(250)) else {
            return; // a machine up for less than 250 ms
        };
        let stamp = Stamp { at, mono };
        let started = mono + Duration::from_millis(50);
        let c = completion(1, Mode::Sync, Outcome::Dispatched, started, stamp);
        assert_eq!(c.submitted_at, at);
        let took = (c.completed_at - c.submitted_at).to_std().unwrap();
        assert!(took >= Duration::from_millis(250), "{took:?}");
        // Measured from the submission's instant, so the two agree.
        assert_eq!(took, c.latency + Duration::from_millis(50));
        assert_eq!(c.completed_at.offset(), at.offset());
    }

    /// The time of day moves alone within the day; across midnight (UTC)
    /// the date moves too.
    #[test]
    fn a_completion_time_crosses_midnight() {
        // `after` reads only the wall-clock time.
        let mono = Instant::now();
        let offset = FixedOffset::east_opt(3600).expect("an offset");
        let utc = |s: &str| s.parse::<chrono::NaiveDateTime>().expect("a time");
        let at = |s: &str| DateTime::<Local>::from_naive_utc_and_offset(utc(s), offset);
        let ms = Duration::from_millis;
        for (start, since, end) in [
            ("2026-12-06T12:00:00", ms(250), "2026-12-06T12:00:00.250"),
            (
                "2026-12-06T23:59:59.900",
                ms(250),
                "2026-12-07T00:00:00.150",
            ),
            ("2026-12-31T23:59:59.999", ms(2), "2027-01-01T00:00:00.001"),
            // The nanoseconds carry into the second, and the second into
            // the next day.
            (
                "2026-12-06T12:00:00.999999999",
                Duration::from_nanos(1),
                "2026-12-06T12:00:01",
            ),
            ("2026-12-06T23:59:59", ms(999), "2026-12-06T23:59:59.999"),
            ("2026-12-06T23:59:59", ms(1000), "2026-12-07T00:00:00"),
        ] {
            let stamp = Stamp {
                at: at(start),
                mono,
            };
            let after = stamp.after(since);
            assert_eq!(after.naive_utc(), utc(end), "{start} + {since:?}");
            assert_eq!(after.offset(), &offset);
        }
        // A leap second (chrono's nanosecond past one second) goes the way
        // chrono adds.
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .expect("a leap second");
        let stamp = Stamp {
            at: DateTime::from_naive_utc_and_offset(leap, offset),
            mono,
        };
        let since = Duration::from_millis(250);
        let chrono = leap + TimeDelta::from_std(since).expect("a delta");
        assert_eq!(stamp.after(since).naive_utc(), chrono);
    }

    fn outlet(capacity: usize) -> (Outlet, mpsc::Receiver<ProducerEvent>) {
        let (events, rx) = mpsc::channel(capacity);
        let (done, _) = mpsc::unbounded_channel();
        (Outlet::new(events, done), rx)
    }

    fn acknowledged(seq: Seq) -> Completion {
        Completion::instant(
            seq,
            Mode::Async,
            Outcome::Acknowledged(rmq_model::fixtures::receipt(seq)),
        )
    }

    fn kinds(rx: &mut mpsc::Receiver<ProducerEvent>) -> Vec<String> {
        std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| match e {
                ProducerEvent::Completed(c) => format!("completed {}", c.seq),
                ProducerEvent::Connection(c) => format!("{c:?}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    /// An outcome reserves one place unless it changes the connection's
    /// state; when the state changed after the reservation (another
    /// outcome, in between), the change still goes out, in a place found
    /// then, or with the next outcome of its kind when there is none.
    #[test]
    fn a_connection_change_is_never_lost_when_one_place_was_reserved() {
        let (outlet, mut rx) = outlet(3);
        for seq in 1..=3 {
            outlet.track(seq, Mode::Async);
        }
        assert_eq!(outlet.places(&acknowledged(1).outcome), 1);
        // Reserved while reachable; an unreachable failure lands first.
        let room = outlet.events.try_reserve_many(1).expect("room");
        outlet.reachable.store(false, Ordering::SeqCst);
        outlet.deliver(Some(room), acknowledged(1));
        assert_eq!(kinds(&mut rx), ["completed 1", "Ready"]);
        assert!(outlet.reachable.load(Ordering::SeqCst));

        // The same, with the channel full but for the one place.
        outlet.reachable.store(false, Ordering::SeqCst);
        let hold = outlet.events.try_reserve_many(2).expect("room");
        let room = outlet.events.try_reserve_many(1).expect("room");
        outlet.deliver(Some(room), acknowledged(2));
        drop(hold);
        assert_eq!(kinds(&mut rx), ["completed 2"]);
        assert!(
            !outlet.reachable.load(Ordering::SeqCst),
            "left for the next"
        );
        assert_eq!(outlet.places(&acknowledged(3).outcome), 2);
        outlet.finish_now(acknowledged(3));
        assert_eq!(kinds(&mut rx), ["completed 3", "Ready"]);
    }

    #[test]
    fn the_pending_map_spreads_consecutive_sequence_numbers() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<SeqHasher>::default();
        // The map groups its probes by the hash's top 7 bits: consecutive
        // numbers must not share them.
        let tops: std::collections::HashSet<u64> =
            (1..=1024u64).map(|s| build.hash_one(s) >> 57).collect();
        assert!(tops.len() > 100, "{} of 128 top-bit patterns", tops.len());
        let mut pending = Pending::default();
        for s in 1..=100_000 {
            pending.insert(s, Mode::Async);
        }
        for s in (1..=100_000).step_by(2) {
            assert_eq!(pending.remove(&s), Some(Mode::Async));
        }
        assert_eq!(pending.len(), 50_000);
        assert!(pending.contains_key(&100_000) && !pending.contains_key(&99_999));
    }
}
