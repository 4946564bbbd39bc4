//! The vocabulary between the run loop and the App: `Action`, everything
//! that can happen to the console, and `Effect`, what `update` asks the
//! loop to do (in order, on the `Effects` queue).

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Local};
use ratatui_textarea::Input;

use super::*;
use crate::console::keymap::Bind;
use rmq_engine::producer::{ProducerCommand, SubmitError};
use rmq_model::events::ProducerEvent;
use rmq_model::message::{Mode, Seq};

/// Everything that can happen to the console.
#[derive(Debug, Clone)]
pub enum Action {
    Key(Bind),
    /// A key typed into the focused text field or form field.
    Edit(Input),
    /// The loop's clock; render shows times relative to this.
    Tick(DateTime<Local>),
    Producer(ProducerEvent),
    /// A command the UI tried to hand to the producer did not get there.
    SubmitFailed {
        first_seq: Option<Seq>,
        count: u64,
        /// The mode the command was sent in (`None` for control commands).
        mode: Option<Mode>,
        /// The burst's id when the command started one.
        burst: Option<u64>,
        error: SubmitError,
    },
    /// The producer task ended without `Stopped` (panic or abort).
    ProducerDied(String),
    /// The loop spawned a fresh producer task.
    ProducerRestarted,
    /// Mouse click on a pane.
    FocusPane(Focus),
    /// Mouse wheel over the log: positive scrolls to older entries.
    Wheel(i32),
    /// Mouse click on a results-log line (index into `log`).
    SelectLine(usize),
    /// Text pasted in one piece (bracketed paste) into the focused field.
    Paste(String),
    /// The journal could not keep records (or works again).
    JournalProblem(String),
    /// The loop read the journal for the history pane (oldest first).
    HistoryLoaded {
        records: Vec<rmq_journal::Record>,
        warnings: Vec<String>,
        /// Why the sends waiting in the journal's writer could not be
        /// written before the read (another process holds the lock): the
        /// newest are missing from `records`.
        unflushed: Option<String>,
        /// The journal holds older records than these, not read.
        older_unread: bool,
    },
    /// The results export was written (what to say) or failed (why).
    Exported(Result<String, String>),
    /// The loop read and validated the import dialog's file (`path` as
    /// it was asked for).
    ImportLoaded {
        path: String,
        parsed: Result<rmq_journal::replay::Parsed, String>,
    },
    /// The loop listed the folder the import prompt's `typed` path names.
    PathEntries {
        typed: String,
        entries: Vec<complete::Entry>,
    },
    /// The loop read the recently imported paths (newest first).
    RecentImports(Vec<String>),
    /// A terminating signal arrived (SIGHUP, SIGTERM, SIGQUIT, SIGINT).
    Signal(&'static str),
    /// The shutdown a signal started has run to its deadline
    /// (`Effect::SignalDeadline`).
    SignalDeadline,
    /// The loop's answer to `Effect::Fetch` number `id`: what the broker
    /// stored, or why the lookup failed as a whole.
    Fetched {
        id: u64,
        result: Result<rmq_fetch::Answer, String>,
    },
    /// The loop's answer to `Effect::Follow` number `id`: what was stored
    /// since the last tail or follow.
    Followed {
        id: u64,
        result: Result<rmq_fetch::Answer, String>,
    },
    /// The loop's answer to `Effect::GroupLens` number `id`.
    GroupLens {
        id: u64,
        result: Result<rmq_fetch::GroupLens, String>,
    },
    /// The loop's answer to `Effect::ConsumedBy` number `id`.
    ConsumedBy {
        id: u64,
        result: Result<rmq_fetch::ConsumedBy, String>,
    },
    /// The loop's answer to `Effect::Saved`: what it did (`None` for a
    /// listing) and the folder as it is now.
    SavedDone {
        said: Option<Result<String, String>>,
        listing: Result<crate::collection::Listing, String>,
    },
    /// The terminal changed size.
    Resize,
    /// The loop ran the editor on `Effect::Editor`'s text: the text saved,
    /// or why it is not used (no editor set, a failed exit).
    Edited {
        target: EditTarget,
        result: Result<String, String>,
    },
    /// The loop read the load-body prompt's file (`path` as asked for).
    BodyRead {
        path: String,
        result: Result<Vec<u8>, String>,
    },
    /// Drawing failed (why): the terminal is gone.
    TerminalLost(String),
}

/// What the loop must do for the App.
#[derive(Debug)]
pub enum Effect {
    Submit(ProducerCommand),
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    RestartProducer,
    /// Spawn a producer for the (already switched to) active profile; the
    /// old one has stopped or is abandoned.
    StartProducer,
    /// Hand a completed send to the journal's writer.
    Journal(Box<rmq_journal::Entry>),
    /// Read the journal and answer with `Action::HistoryLoaded`.
    LoadHistory,
    /// Write these results as JSON Lines and CSV files (off the loop);
    /// answer with `Action::Exported`.
    Export(Vec<rmq_journal::Entry>),
    /// Read and validate a replay file; answer with `Action::ImportLoaded`.
    ReadImport {
        path: String,
        max_body: usize,
    },
    /// List the folder `typed` names; answer with `Action::PathEntries`.
    ListPath(String),
    /// Read the recently imported paths; answer with `Action::RecentImports`.
    LoadRecentImports,
    /// Put this path first in the recently imported list.
    RememberImport(String),
    /// Write the comparison's SVG into the exports folder (off the loop);
    /// answer with `Action::Exported`.
    SaveChart(String),
    /// Look this up with the session's fetcher (started on first use), off
    /// the loop; a fetch still running is dropped. Answer with
    /// `Action::Fetched`.
    Fetch {
        id: u64,
        request: rmq_fetch::Request,
    },
    /// Tail `topic` (its newest `n` across queues) with the fetcher;
    /// answer with `Action::Fetched`.
    Tail {
        id: u64,
        topic: String,
        n: usize,
    },
    /// What was stored since the last tail; answer with `Action::Followed`.
    Follow {
        id: u64,
    },
    /// A consumer group's lens (lag per queue, retry and dead-letter
    /// depth) with the fetcher; answer with `Action::GroupLens`.
    GroupLens {
        id: u64,
        group: String,
    },
    /// Which groups consumed `message`; answer with `Action::ConsumedBy`.
    ConsumedBy {
        id: u64,
        message: Box<rmq_fetch::Stored>,
    },
    /// Write these replay-format lines as a JSON Lines file (off the
    /// loop); answer with `Action::Exported`.
    ExportFetched(Vec<String>),
    /// Open `text` in `$VISUAL`/`$EDITOR` with the terminal suspended;
    /// answer with `Action::Edited`.
    Editor {
        target: EditTarget,
        text: String,
    },
    /// Read the body file at `path`, at most `max` bytes; answer with
    /// `Action::BodyRead`.
    ReadBody {
        path: String,
        max: usize,
    },
    /// Answer with `Action::SignalDeadline` once this long has passed.
    SignalDeadline(Duration),
    /// List, save, rename or delete in the saved messages folder (off the
    /// loop); answer with `Action::SavedDone`.
    Saved(SavedOp),
    /// End the run with this error.
    Fail(String),
}

impl Effect {
    /// Whether the loop still carries this out once the App has asked to
    /// exit: what records the session (a journal entry, a copy the operator
    /// asked for), the producer's shutdown and a failure. The rest would
    /// start work nobody is left to see: a send to a producer that has
    /// stopped, a new producer, a read.
    pub fn outlasts_exit(&self) -> bool {
        matches!(
            self,
            Effect::Journal(_)
                | Effect::Copy(_)
                | Effect::Submit(ProducerCommand::Shutdown { .. })
                | Effect::Fail(_)
        )
    }
}

/// What `update` asks of the loop, in the order asked. One flat queue for a
/// whole wake-up: the loop applies it from the front until it is empty, and
/// what an effect feeds back into `update` joins the back. Flat, so that no
/// effect travels inside another where a filter could drop both.
pub type Effects = VecDeque<Effect>;
