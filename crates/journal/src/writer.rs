//! The journal's writer: a thread of its own that turns entries into JSON
//! lines, batches them, and appends each batch under an exclusive `flock` on
//! `journal.lock` with `O_APPEND`, rotating by size while it holds the lock.
//! The send path only `try_send`s an entry into a bounded channel: a slow or
//! broken disk costs it nothing, and what could not be written is reported
//! as a problem (the console's notice, headless's warning), never an error
//! that stops sending.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{Entry, Record, Settings, file_path};
use rmq_model::message::Seq;

/// The longest a record waits in memory before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// Entries waiting for the writer; past this the send path drops them (and
/// says so) rather than wait.
const CAPACITY: usize = 65_536;
/// A batch is written early once it is this big.
const BATCH_BYTES: usize = 1 << 20;

enum Msg {
    Entry(Box<Entry>),
    Flush(mpsc::Sender<()>),
}

/// A running journal writer. Dropping it writes what is waiting and stops
/// the thread.
pub struct Journal {
    tx: Option<SyncSender<Msg>>,
    problems: Mutex<Receiver<String>>,
    problem_tx: mpsc::Sender<String>,
    thread: Option<JoinHandle<()>>,
    session: String,
    dir: PathBuf,
    dropped: std::sync::atomic::AtomicU64,
}

impl Journal {
    /// Starts the writer for `settings.dir`. Creating the directory may
    /// fail; that is reported as a problem and records are dropped until a
    /// write succeeds (sending goes on either way).
    pub fn start(settings: Settings) -> Journal {
        let (tx, rx) = mpsc::sync_channel(CAPACITY);
        let (problem_tx, problems) = mpsc::channel();
        let session = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        let dir = settings.dir.clone();
        let ptx = problem_tx.clone();
        let sess = session.clone();
        let thread = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || Writer::new(settings, sess, ptx).run(rx))
            .expect("spawning the journal thread");
        Journal {
            tx: Some(tx),
            problems: Mutex::new(problems),
            problem_tx,
            thread: Some(thread),
            session,
            dir,
            dropped: Default::default(),
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
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let n = self
                    .dropped
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n == 0 {
                    let _ = self.problem_tx.send(format!(
                        "journal: the writer is {CAPACITY} records behind; records are being dropped (sending goes on)"
                    ));
                }
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Writes everything handed over so far and waits until it is on disk
    /// (in the file; no fsync).
    pub fn flush(&self) {
        let Some(tx) = &self.tx else { return };
        let (ack_tx, ack_rx) = mpsc::channel();
        if tx.send(Msg::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv();
        }
    }

    /// A problem the writer met since the last call (each reported once
    /// until writing works again).
    pub fn problem(&self) -> Option<String> {
        self.problems.lock().ok()?.try_recv().ok()
    }

    /// Writes what is waiting, stops the thread and returns every problem
    /// not yet taken.
    pub fn close(mut self) -> Vec<String> {
        self.stop();
        let mut out = Vec::new();
        while let Some(p) = self.problem() {
            out.push(p);
        }
        out
    }

    fn stop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn record_id(session: &str, seq: Seq) -> String {
    format!("{session}-{seq}")
}

struct Writer {
    settings: Settings,
    session: String,
    problems: mpsc::Sender<String>,
    /// Set while writing fails, so a problem is reported once.
    failing: bool,
    /// Records lost since writing started failing.
    lost: u64,
    lock: Option<File>,
}

impl Writer {
    fn new(settings: Settings, session: String, problems: mpsc::Sender<String>) -> Self {
        Self {
            settings,
            session,
            problems,
            failing: false,
            lost: 0,
            lock: None,
        }
    }

    fn run(mut self, rx: Receiver<Msg>) {
        let mut lines: Vec<u8> = Vec::with_capacity(64 * 1024);
        let mut count = 0u64;
        let mut since: Option<Instant> = None;
        loop {
            let msg = match since {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(t) => rx.recv_timeout(FLUSH_EVERY.saturating_sub(t.elapsed())),
            };
            match msg {
                Ok(Msg::Entry(e)) => {
                    let id = record_id(&self.session, e.completion.seq);
                    let rec = Record::from_entry(&e, id);
                    if serde_json::to_writer(&mut lines, &rec).is_ok() {
                        lines.push(b'\n');
                        count += 1;
                    }
                    since.get_or_insert_with(Instant::now);
                    if lines.len() >= BATCH_BYTES {
                        self.write(&mut lines, &mut count);
                        since = None;
                    }
                }
                Ok(Msg::Flush(ack)) => {
                    self.write(&mut lines, &mut count);
                    since = None;
                    let _ = ack.send(());
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.write(&mut lines, &mut count);
                    since = None;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.write(&mut lines, &mut count);
                    return;
                }
            }
        }
    }

    /// Writes the batch (or reports why not) and empties it.
    fn write(&mut self, lines: &mut Vec<u8>, count: &mut u64) {
        if lines.is_empty() {
            return;
        }
        match self.append(lines) {
            Ok(()) => {
                if self.failing {
                    tracing::info!(lost = self.lost, "journal: writing works again");
                    let _ = self.problems.send(format!(
                        "journal: writing works again ({} record(s) were not journaled)",
                        self.lost
                    ));
                }
                self.failing = false;
                self.lost = 0;
            }
            Err(e) => {
                self.lost += *count;
                self.lock = None;
                tracing::warn!("journal: {e:#}");
                if !self.failing {
                    let _ = self.problems.send(format!(
                        "journal: {e:#}; records are not being kept (sending goes on)"
                    ));
                }
                self.failing = true;
            }
        }
        lines.clear();
        *count = 0;
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
            let path = dir.join("journal.lock");
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
        let _held = Flock::exclusive(lock)?;
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

fn open_current(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

fn ends_with_newline(f: &mut File) -> Result<bool> {
    let mut last = [0u8; 1];
    f.seek(SeekFrom::End(-1))?;
    f.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Shifts `journal.N` to `journal.N+1` (dropping the oldest beyond `keep`)
/// and the current file to `journal.1`. Called with the lock held.
fn rotate(dir: &Path, keep: usize) -> Result<()> {
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    };
    if keep == 0 {
        gone(std::fs::remove_file(file_path(dir, 0))).context("rotating the journal")?;
        return Ok(());
    }
    gone(std::fs::remove_file(file_path(dir, keep))).context("rotating the journal")?;
    for n in (0..keep).rev() {
        gone(std::fs::rename(file_path(dir, n), file_path(dir, n + 1)))
            .context("rotating the journal")?;
    }
    Ok(())
}

/// An exclusive `flock`, released on drop.
struct Flock<'a>(&'a File);

impl<'a> Flock<'a> {
    fn exclusive(f: &'a File) -> Result<Self> {
        loop {
            // SAFETY: flock on a file descriptor we own for the call's length.
            let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(Flock(f));
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e).context("locking the journal");
            }
        }
    }
}

impl Drop for Flock<'_> {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe {
            libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
        }
    }
}
