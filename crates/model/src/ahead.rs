//! The write-ahead handshake between the producer task and the journal:
//! before a send is handed to the client, its `submitted` record is put in
//! the journal file, so a process killed with sends in flight still leaves
//! a row for every send that may have left. Here only the vocabulary; the
//! engine calls it and the journal answers it, neither knowing the other.

use std::sync::Arc;

use chrono::{DateTime, Local};

use crate::message::{Draft, Mode, Seq};

/// One send about to be handed to the client.
#[derive(Debug, Clone)]
pub struct Ahead {
    pub seq: Seq,
    pub mode: Mode,
    pub draft: Arc<Draft>,
    pub at: DateTime<Local>,
}

/// Called once the records are in the file (`Ok`) or could not be put
/// there now (`Err`, why: the journal said so to the operator already).
pub type AheadDone = Box<dyn FnOnce(Result<(), String>) + Send>;

/// Where the producer task writes ahead. Implemented by the journal.
pub trait WriteAhead: Send + Sync {
    /// Writes a `submitted` record for each send, then calls `done`. Never
    /// waits itself: the caller decides how long a send may wait for `done`.
    fn submitted(&self, sends: Vec<Ahead>, done: AheadDone);
    /// These sends were written ahead but never handed to the client (a
    /// burst stopped first): their records say so.
    fn withdrawn(&self, sends: Vec<Ahead>);
}
