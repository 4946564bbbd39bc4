//! The journal: an append-only history of every send (JSON Lines in the
//! state dir, rotated by size), written by a thread of its own off the UI
//! and send paths, and read back across rotated files for `history`, the
//! console's history pane and replay. A send is written ahead (`submitted`,
//! before it leaves) and again with its outcome; readers fold the two
//! (`fold`). A record is written whole or not at all, under an exclusive
//! lock, so consoles running at once never interleave.

mod ahead;
pub mod export;
mod files;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod fold;
mod lines;
mod reader;
mod record;
mod sink;
mod tail;
mod writer;

pub mod replay;

#[cfg(test)]
mod ahead_tests;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use lines::{Lines, Next};
pub use reader::{Read, for_each_record, read_dir};
pub use record::{
    Entry, Options, Record, TxDecision, encode_body, properties_object, spec_of, state_name,
};
pub use sink::Sink;
pub use tail::read_newest;
pub use writer::{CLOSE_WAIT, Flusher, Journal, LOCK_NAME, LOCK_WAIT};

/// Default size at which the current file is rotated (`journal-max-bytes`).
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Default number of rotated files kept besides the current one
/// (`journal-keep`).
pub const DEFAULT_KEEP: usize = 4;

/// The current file's name; rotated ones are `journal.1.jsonl` (newest) to
/// `journal.<keep>.jsonl` (oldest).
pub const CURRENT: &str = "journal.jsonl";

/// `~/.local/state/rmq-console/journal` (respects `XDG_STATE_HOME`).
pub fn default_dir() -> PathBuf {
    rmq_model::paths::state_dir().join("journal")
}

/// Where and how a journal is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub keep: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dir: default_dir(),
            max_bytes: DEFAULT_MAX_BYTES,
            keep: DEFAULT_KEEP,
        }
    }
}

/// The path of the `n`th file: 0 is the current one, 1.. are rotated.
pub fn file_path(dir: &std::path::Path, n: usize) -> PathBuf {
    if n == 0 {
        dir.join(CURRENT)
    } else {
        dir.join(format!("journal.{n}.jsonl"))
    }
}
