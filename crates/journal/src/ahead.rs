//! The journal's side of the write-ahead (`rmq_model::ahead`): the handle
//! the producer task calls before a send leaves. It only hands the sends to
//! the writer thread, which turns them into `submitted` (or `withdrawn`)
//! records, writes them at once and answers; the task decides how long a
//! send waits for that answer.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, SyncSender, TrySendError};

use rmq_model::ahead::{Ahead, AheadDone, WriteAhead};

use crate::Options;
use crate::writer::{Msg, Shared};

/// Sends to write ahead, as the writer thread gets them.
pub(crate) struct Batch {
    pub(crate) sends: Vec<Ahead>,
    pub(crate) state: &'static str,
    pub(crate) profile: Arc<str>,
    /// The send options of each mode (`Mode::index`).
    pub(crate) options: Arc<[Options; 3]>,
    pub(crate) done: Option<AheadDone>,
}

/// The producer task's handle on the journal (`Journal::write_ahead`).
pub(crate) struct Handle {
    tx: SyncSender<Msg>,
    shared: Arc<Shared>,
    problems: mpsc::Sender<String>,
    profile: Arc<str>,
    options: Arc<[Options; 3]>,
}

impl Handle {
    pub(crate) fn new(
        tx: SyncSender<Msg>,
        shared: Arc<Shared>,
        problems: mpsc::Sender<String>,
        profile: &str,
        options: [Options; 3],
    ) -> Self {
        Self {
            tx,
            shared,
            problems,
            profile: profile.into(),
            options: Arc::new(options),
        }
    }

    fn hand(&self, sends: Vec<Ahead>, state: &'static str, done: Option<AheadDone>) {
        let n = sends.len() as u64;
        let batch = Batch {
            sends,
            state,
            profile: self.profile.clone(),
            options: self.options.clone(),
            done,
        };
        match self.tx.try_send(Msg::Ahead(Box::new(batch))) {
            Ok(()) => {
                self.shared.handed.fetch_add(n, Ordering::SeqCst);
            }
            Err(TrySendError::Full(Msg::Ahead(b))) => {
                // Never wait for a writer that is this far behind: the
                // send goes on, and the operator is told records are lost.
                if self.shared.dropped.fetch_add(n, Ordering::SeqCst) == 0 {
                    let _ = self.problems.send(
                        "journal: the writer is too far behind; records are being dropped (sending goes on)"
                            .into(),
                    );
                }
                if let Some(done) = b.done {
                    done(Err("journal: the writer is too far behind".into()));
                }
            }
            Err(TrySendError::Full(_)) => {}
            Err(TrySendError::Disconnected(Msg::Ahead(b))) => {
                if let Some(done) = b.done {
                    done(Err("journal: the writer has stopped".into()));
                }
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

impl WriteAhead for Handle {
    fn submitted(&self, sends: Vec<Ahead>, done: AheadDone) {
        self.hand(sends, "submitted", Some(done));
    }

    fn withdrawn(&self, sends: Vec<Ahead>) {
        self.hand(sends, "withdrawn", None);
    }
}
