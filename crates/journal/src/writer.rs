//! The journal's writer: a thread of its own that turns entries into JSON
//! lines, batches them, and appends each batch under an exclusive `flock` on
//! `journal.lock` with `O_APPEND`, rotating by size while it holds the lock.
//! The send path only `try_send`s an entry into a bounded channel: a slow or
//! broken disk costs it nothing, and what could not be written is reported
//! as a problem (the console's notice, headless's warning), never an error
//! that stops sending. Nothing here waits without a bound: the lock is tried
//! for `LOCK_WAIT` (another process holding it keeps the batch waiting, and
//! says so), a flush is answered within the caller's bound (`Flusher`), and
//! `close`/drop give the thread `CLOSE_WAIT`, then report what was not
//! written.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{Entry, Options, Record, Settings, file_path};
pub(crate) use crate::files::rotated_files;
use crate::files::{Flock, Locked, ends_with_newline, open_current, rotate};
use rmq_model::message::Seq;

/// The longest a record waits in memory before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// How long one write tries for the journal lock before it gives up, keeps
/// its batch for the next flush and says so. Short enough that a `close`
/// or the history pane still answers promptly, long enough to ride out
/// another writer's batch (milliseconds) many times over.
pub const LOCK_WAIT: Duration = Duration::from_millis(1500);
/// How long `close` and drop wait for the writer thread: one lock wait and
/// a batch's write, with room to spare.
pub const CLOSE_WAIT: Duration = Duration::from_secs(3);
/// How often what was written is also forced to the disk (`fdatasync`):
/// what a power cut can lose. A write reaches the kernel at once (what a
/// killed process cannot lose); the sync runs on the writer thread after a
/// write has been answered, so a send waits for it only when its record
/// comes in while a sync runs. Measured within `bench`'s noise
/// (docs/performance.md).
pub const SYNC_EVERY: Duration = Duration::from_secs(1);
/// Entries waiting for the writer; past this the send path drops them (and
/// says so) rather than wait.
const CAPACITY: usize = 65_536;
/// A batch is written early once it is this big.
const BATCH_BYTES: usize = 1 << 20;
/// While the lock is held elsewhere the batch grows in memory up to this;
/// records past it are dropped (and counted) so a lock held for hours
/// cannot take the process's memory with it.
const MAX_WAITING_BYTES: usize = 64 << 20;
/// How often an idle writer looks whether it was told to close while a
/// `Flusher` still holds the channel open.
const IDLE_POLL: Duration = Duration::from_millis(100);

pub(crate) enum Msg {
    Entry(Box<Entry>),
    /// Records written ahead of sends (`crate::ahead`): written at once,
    /// then `done` is called.
    Ahead(Box<crate::ahead::Batch>),
    /// Write what waits; answered with why not, if it could not.
    Flush(mpsc::Sender<Result<(), String>>),
}

/// What the writer thread and the handles share.
#[derive(Default)]
pub(crate) struct Shared {
    /// Records accepted into the channel.
    pub(crate) handed: AtomicU64,
    /// Records on disk.
    written: AtomicU64,
    /// Records dropped because the channel was full.
    pub(crate) dropped: AtomicU64,
    /// Set by `close`: the writer finishes once the channel is drained,
    /// even if a `Flusher` still holds a sender.
    closing: AtomicBool,
    /// Why the last write failed (cleared when one succeeds).
    last_error: Mutex<Option<String>>,
}

impl Shared {
    fn unwritten(&self) -> u64 {
        let handed = self.handed.load(Ordering::SeqCst);
        let written = self.written.load(Ordering::SeqCst);
        handed.saturating_sub(written) + self.dropped.load(Ordering::SeqCst)
    }
}

/// A running journal writer. Dropping it writes what is waiting (within
/// `CLOSE_WAIT`) and stops the thread.
pub struct Journal {
    tx: Option<SyncSender<Msg>>,
    problems: Mutex<Receiver<String>>,
    problem_tx: mpsc::Sender<String>,
    /// Disconnects when the writer thread ends, however it ends.
    done: Option<Receiver<()>>,
    session: String,
    dir: PathBuf,
    shared: Arc<Shared>,
}

/// Asks the writer to write what waits, from any thread (the console's
/// history read runs off the UI loop with one).
pub struct Flusher {
    tx: SyncSender<Msg>,
}

impl Flusher {
    /// Writes everything handed over so far and waits, at most `within`,
    /// until it is in the file (no fsync). `Err` says why not (the lock held
    /// elsewhere, the writer behind or gone).
    pub fn flush_within(&self, within: Duration) -> Result<(), String> {
        let (ack_tx, ack_rx) = mpsc::channel();
        match self.tx.try_send(Msg::Flush(ack_tx)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(format!(
                    "journal: the writer is {CAPACITY} records behind; not everything is written yet"
                ));
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err("journal: the writer has stopped".into());
            }
        }
        match ack_rx.recv_timeout(within) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "journal: not written within {:.1}s; records are still waiting",
                within.as_secs_f64()
            )),
            Err(RecvTimeoutError::Disconnected) => Err("journal: the writer has stopped".into()),
        }
    }
}

impl Journal {
    /// Starts the writer for `settings.dir`. Creating the directory may
    /// fail; that is reported as a problem and records are dropped until a
    /// write succeeds (sending goes on either way).
    pub fn start(settings: Settings) -> Journal {
        let (tx, rx) = mpsc::sync_channel(CAPACITY);
        let (problem_tx, problems) = mpsc::channel();
        let (done_tx, done) = mpsc::channel::<()>();
        let session = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        let dir = settings.dir.clone();
        let shared = Arc::new(Shared::default());
        let writer = Writer::new(
            settings,
            session.clone(),
            problem_tx.clone(),
            shared.clone(),
        );
        std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || {
                // Dropped when the thread ends, panic included: `stop`
                // waits on that, never on a join that could block.
                let _done = done_tx;
                writer.run(rx)
            })
            .expect("spawning the journal thread");
        Journal {
            tx: Some(tx),
            problems: Mutex::new(problems),
            problem_tx,
            done: Some(done),
            session,
            dir,
            shared,
        }
    }

    /// The id the record of send `seq` gets.
    pub fn id_for(&self, seq: Seq) -> String {
        record_id(&self.session, seq)
    }

    /// This writer's session, the first part of every id it gives
    /// (`record_id`).
    pub fn session(&self) -> &str {
        &self.session
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Hands an entry to the writer without waiting.
    pub fn record(&self, entry: Entry) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(Msg::Entry(Box::new(entry))) {
            Ok(()) => {
                self.shared.handed.fetch_add(1, Ordering::SeqCst);
            }
            Err(TrySendError::Full(_)) => {
                let n = self.shared.dropped.fetch_add(1, Ordering::SeqCst);
                if n == 0 {
                    let _ = self.problem_tx.send(format!(
                        "journal: the writer is {CAPACITY} records behind; records are being dropped (sending goes on)"
                    ));
                }
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// The producer task's way to write sends ahead into this journal, each
    /// record naming `profile` and carrying the options of its mode.
    pub fn write_ahead(
        &self,
        profile: &str,
        options: [Options; 3],
    ) -> Option<std::sync::Arc<dyn rmq_model::ahead::WriteAhead>> {
        let tx = self.tx.clone()?;
        Some(std::sync::Arc::new(crate::ahead::Handle::new(
            tx,
            self.shared.clone(),
            self.problem_tx.clone(),
            profile,
            options,
        )))
    }

    /// A handle that asks for a flush from another thread.
    pub fn flusher(&self) -> Option<Flusher> {
        self.tx.as_ref().map(|tx| Flusher { tx: tx.clone() })
    }

    /// Writes everything handed over so far and waits, at most `within`,
    /// until it is in the file (no fsync); `Err` says why it is not.
    pub fn flush_within(&self, within: Duration) -> Result<(), String> {
        match self.flusher() {
            Some(f) => f.flush_within(within),
            None => Ok(()),
        }
    }

    /// `flush_within(CLOSE_WAIT)`, for callers that can afford that wait
    /// (never the UI loop).
    pub fn flush(&self) -> Result<(), String> {
        self.flush_within(CLOSE_WAIT)
    }

    /// A problem the writer met since the last call (each reported once
    /// until writing works again).
    pub fn problem(&self) -> Option<String> {
        self.problems.lock().ok()?.try_recv().ok()
    }

    /// Records handed over (or dropped) and not in the file yet.
    pub fn unwritten(&self) -> u64 {
        self.shared.unwritten()
    }

    /// Writes what is waiting, stops the thread (waiting at most
    /// `CLOSE_WAIT`) and returns every problem not yet taken, ending with
    /// how many records were not written, if any.
    pub fn close(mut self) -> Vec<String> {
        let report = self.stop();
        let mut out = Vec::new();
        while let Some(p) = self.problem() {
            out.push(p);
        }
        out.extend(report);
        out
    }

    /// Stops the writer within `CLOSE_WAIT`; says what was not written.
    fn stop(&mut self) -> Option<String> {
        let done = self.done.take()?;
        self.shared.closing.store(true, Ordering::SeqCst);
        drop(self.tx.take());
        let finished = !matches!(
            done.recv_timeout(CLOSE_WAIT),
            Err(RecvTimeoutError::Timeout)
        );
        let unwritten = self.shared.unwritten();
        if unwritten == 0 {
            return None;
        }
        let why = if finished {
            self.shared
                .last_error
                .lock()
                .ok()
                .and_then(|e| e.clone())
                .unwrap_or_else(|| "the writer stopped".into())
        } else {
            // Left behind: the process is about to end, and a writer stuck
            // in the kernel must not keep it.
            format!("the writer did not finish within {}s", CLOSE_WAIT.as_secs())
        };
        let msg = format!("journal: {unwritten} record(s) were not written ({why})");
        tracing::warn!("{msg}");
        Some(msg)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The lock file every writer of a journal directory takes.
pub const LOCK_NAME: &str = "journal.lock";

pub fn record_id(session: &str, seq: Seq) -> String {
    format!("{session}-{seq}")
}

/// The batch waiting to be written: whole JSON lines and how many.
#[derive(Default)]
struct Batch {
    lines: Vec<u8>,
    count: u64,
}

struct Writer {
    settings: Settings,
    session: String,
    problems: mpsc::Sender<String>,
    shared: Arc<Shared>,
    /// Set while writing fails, so a problem is reported once.
    failing: bool,
    /// Records lost since writing started failing.
    lost: u64,
    /// Set while the lock is held elsewhere: the batch waits for the next
    /// flush instead of being tried on every record.
    locked_out: bool,
    lock: Option<File>,
    /// Written since the last `fdatasync`, and when that was.
    unsynced: bool,
    last_sync: Instant,
}

impl Writer {
    fn new(
        settings: Settings,
        session: String,
        problems: mpsc::Sender<String>,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            settings,
            session,
            problems,
            shared,
            failing: false,
            lost: 0,
            locked_out: false,
            lock: None,
            unsynced: false,
            last_sync: Instant::now(),
        }
    }

    fn run(mut self, rx: Receiver<Msg>) {
        let mut batch = Batch {
            lines: Vec::with_capacity(64 * 1024),
            count: 0,
        };
        // When the waiting batch is to be written.
        let mut due: Option<Instant> = None;
        loop {
            let wait = due.map_or(IDLE_POLL, |t| t.saturating_duration_since(Instant::now()));
            match rx.recv_timeout(wait) {
                Ok(Msg::Entry(e)) => {
                    self.add(&mut batch, &e);
                    due.get_or_insert_with(|| Instant::now() + FLUSH_EVERY);
                    // Failures here and below reach the operator through
                    // the problem channel; only a flush's caller waits on one.
                    // A batch that is due is written here too: under a
                    // steady stream `recv_timeout` never times out.
                    let full = batch.lines.len() >= BATCH_BYTES && !self.locked_out;
                    if full || due.is_some_and(|t| t <= Instant::now()) {
                        let _ = self.write(&mut batch);
                    }
                }
                Ok(Msg::Flush(ack)) => {
                    let r = self.write(&mut batch);
                    let _ = ack.send(r);
                }
                Ok(Msg::Ahead(a)) => {
                    let crate::ahead::Batch {
                        sends,
                        state,
                        profile,
                        options,
                        done,
                    } = *a;
                    for send in &sends {
                        let id = record_id(&self.session, send.seq);
                        let rec = Record::ahead(
                            send,
                            state,
                            &profile,
                            options[send.mode.index()].clone(),
                            id,
                        );
                        self.push(&mut batch, &rec);
                    }
                    // The send waits for this: written now (to the kernel,
                    // which keeps it if the process dies), unless the lock
                    // is known to be held elsewhere: then the records wait
                    // with the batch and the send goes on.
                    let r = if self.locked_out {
                        Err("journal: locked by another process; written later".into())
                    } else {
                        self.write(&mut batch)
                    };
                    if let Some(done) = done {
                        done(r);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.shared.closing.load(Ordering::SeqCst) {
                        // Drained: `close` is waiting, a `Flusher` may still
                        // hold the channel open.
                        let _ = self.write(&mut batch);
                        self.sync();
                        return;
                    }
                    if due.is_some_and(|t| t <= Instant::now()) {
                        let _ = self.write(&mut batch);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.write(&mut batch);
                    self.sync();
                    return;
                }
            }
            if self.unsynced && self.last_sync.elapsed() >= SYNC_EVERY {
                self.sync();
            }
            // A batch kept (the lock held elsewhere) is tried again at the
            // next flush, not at once.
            due = match due {
                _ if batch.lines.is_empty() => None,
                Some(t) if t > Instant::now() => Some(t),
                _ => Some(Instant::now() + FLUSH_EVERY),
            };
        }
    }

    fn add(&mut self, batch: &mut Batch, e: &Entry) {
        let id = record_id(&self.session, e.completion.seq);
        let rec = Record::from_entry(e, id);
        self.push(batch, &rec);
    }

    fn push(&mut self, batch: &mut Batch, rec: &Record) {
        if self.locked_out && batch.lines.len() >= MAX_WAITING_BYTES {
            self.lost += 1;
            if self.lost == 1 {
                let _ = self.problems.send(format!(
                    "journal: {} MiB waiting for the lock; further records are dropped (sending goes on)",
                    MAX_WAITING_BYTES >> 20
                ));
            }
            return;
        }
        let before = batch.lines.len();
        if serde_json::to_writer(&mut batch.lines, &rec).is_ok() {
            batch.lines.push(b'\n');
            batch.count += 1;
        } else {
            batch.lines.truncate(before);
        }
    }

    /// Writes the batch and empties it, or reports why not: a lock held
    /// elsewhere keeps the batch for the next try, any other failure loses
    /// it (counted).
    fn write(&mut self, batch: &mut Batch) -> Result<(), String> {
        if batch.lines.is_empty() {
            return Ok(());
        }
        let result = self.append(&batch.lines);
        let (why, msg) = match result {
            Ok(()) => {
                self.unsynced = true;
                self.shared.written.fetch_add(batch.count, Ordering::SeqCst);
                if self.locked_out {
                    let _ = self.problems.send(format!(
                        "journal: the lock is free again; {} waiting record(s) written",
                        batch.count
                    ));
                }
                if self.failing || self.lost > 0 {
                    tracing::info!(lost = self.lost, "journal: writing works again");
                    let _ = self.problems.send(format!(
                        "journal: writing works again ({} record(s) were not journaled)",
                        self.lost
                    ));
                }
                self.failing = false;
                self.locked_out = false;
                self.lost = 0;
                if let Ok(mut e) = self.shared.last_error.lock() {
                    *e = None;
                }
                batch.lines.clear();
                batch.count = 0;
                return Ok(());
            }
            Err(e) if e.downcast_ref::<Locked>().is_some() => {
                let why = format!(
                    "journal locked by another process ({})",
                    self.settings.dir.join(LOCK_NAME).display()
                );
                let msg = format!("{why}; {} record(s) waiting", batch.count);
                tracing::warn!("{msg}");
                if !self.locked_out {
                    let _ = self.problems.send(msg.clone());
                }
                self.locked_out = true;
                (why, msg)
            }
            Err(e) => {
                self.lost += batch.count;
                self.lock = None;
                tracing::warn!("journal: {e:#}");
                if !self.failing {
                    let _ = self.problems.send(format!(
                        "journal: {e:#}; records are not being kept (sending goes on)"
                    ));
                }
                self.failing = true;
                batch.lines.clear();
                batch.count = 0;
                let msg = format!("journal: {e:#}");
                (msg.clone(), msg)
            }
        };
        // Kept for `close`'s count of what was not written.
        if let Ok(mut e) = self.shared.last_error.lock() {
            *e = Some(why);
        }
        Err(msg)
    }

    /// Forces what was written to the disk (`SYNC_EVERY`). A failure is
    /// logged only: the records are written, just not yet durable.
    fn sync(&mut self) {
        if !self.unsynced {
            return;
        }
        self.unsynced = false;
        self.last_sync = Instant::now();
        let path = file_path(&self.settings.dir, 0);
        if let Err(e) = File::open(&path).and_then(|f| f.sync_data()) {
            tracing::warn!("journal: cannot sync {}: {e}", path.display());
        }
    }

    fn lock_file(&mut self) -> Result<&File> {
        if self.lock.is_none() {
            let dir = &self.settings.dir;
            if !dir.is_dir() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                    .with_context(|| format!("cannot set the mode of {}", dir.display()))?;
            }
            let path = dir.join(LOCK_NAME);
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            self.lock = Some(f);
        }
        Ok(self.lock.as_ref().expect("just set"))
    }

    /// Appends whole lines under the lock, rotating before a line that
    /// would take the current file past the size limit.
    fn append(&mut self, lines: &[u8]) -> Result<()> {
        let (dir, max, keep) = (
            self.settings.dir.clone(),
            self.settings.max_bytes.max(1),
            self.settings.keep,
        );
        let lock = self.lock_file()?;
        let _held = Flock::exclusive(lock, LOCK_WAIT)?;
        let path = file_path(&dir, 0);
        let mut file = open_current(&path)?;
        let mut size = file.metadata()?.len();
        // A crash may have left a torn line at the end: start on a line of
        // our own so it stays a single bad line.
        if size > 0 && !ends_with_newline(&mut file)? {
            file.write_all(b"\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
            size += 1;
        }
        let mut start = 0;
        let mut at = 0;
        while at < lines.len() {
            let end = lines[at..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(lines.len(), |p| at + p + 1);
            let pending = (at - start) as u64;
            if size + pending > 0 && size + pending + (end - at) as u64 > max {
                file.write_all(&lines[start..at])
                    .with_context(|| format!("cannot write {}", path.display()))?;
                // Renamed away next: `sync` only knows the current file.
                let _ = file.sync_data();
                drop(file);
                rotate(&dir, keep)?;
                file = open_current(&path)?;
                size = 0;
                start = at;
            }
            at = end;
        }
        file.write_all(&lines[start..])
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}
