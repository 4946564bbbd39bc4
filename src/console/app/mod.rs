//! The console's whole state and its one transition function,
//! `App::update(action, &mut effects)`. Pure: no terminal, no clock, no
//! channels; the run loop feeds it actions (keys, producer events, ticks,
//! signals, resizes, the answers of work done off the loop), carries out
//! the effects it pushes onto the loop's queue, in order, and stops when it
//! asks to exit. Each job lives in its own module.

mod action;
mod body_edit;
mod body_view;
mod bursts;
mod compare;
pub mod complete;
mod composer;
mod context;
pub mod draft_toml;
mod drafts;
mod fetch;
mod fetch_groups;
mod fetch_send;
mod fetch_tail;
mod history;
mod import;
pub mod json_body;
mod keys;
mod leaving;
mod lifecycle;
mod log;
mod messages;
mod overlays;
mod palette;
mod profile;
mod repeat;
mod restart;
mod results_view;
mod saved_messages;
mod sends;
pub use rmq_engine::timeline;
mod tour;
mod transactions;

pub use transactions::{BROKER_CHECK_MAX, TxDecision, TxState, TxTone, TypedRows};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Local};

use super::keymap::{Bind, Context, Keymap};
use super::stats::Rate;
use rmq_engine::ledger::{Counts, Ledger};
use rmq_model::events::Connection;
// The `update()` tests below reach these through `super::*`.
#[cfg(test)]
use rmq_engine::producer::ProducerCommand;
#[cfg(test)]
use rmq_model::events::ProducerEvent;
use rmq_model::message::{Draft, Mode, Seq};

pub use action::{Action, Effect, Effects};
pub use body_edit::{BodyFileView, EditTarget};
pub use body_view::BodyView;
pub use compare::{CompareField, CompareForm, MAX_COMPARE};
pub use composer::{BinaryBody, Composer, Focus, line_input, parse_properties};
pub use fetch::{FetchField, FetchView};
pub use fetch_groups::{Consumed, GroupView, LensRow};
pub use fetch_send::FetchedDraft;
pub use history::{HISTORY_LIMIT, HistoryView, record_body};
pub use import::{ImportView, Pacer, RATES, confirm_text as import_confirm_text};
pub use leaving::Tally;
pub use lifecycle::{Quitting, Switching};
pub use log::{EntryKind, LogEntry, ResultsLog};
pub use messages::{MESSAGES_KEPT, Message, Messages};
pub use overlays::{Confirm, Overlay, PendingSend};
pub use palette::{PALETTE_MAX, Palette, PaletteItem, PaletteLine};
pub use profile::ProfileChoice;
pub use repeat::{MAX_BURST, RepeatField, RepeatForm, RepeatSpec};
pub use results_view::{RESULT_FIELDS, ResultsView};
pub use saved_messages::{Naming, SavedOp, SavedView};
pub use sends::BurstState;
pub use tour::TourState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

/// What the App is built with.
pub struct AppConfig {
    /// Must be non-empty; `current` must index a usable (`Ok`) choice.
    pub profiles: Vec<ProfileChoice>,
    pub current: usize,
    pub results_capacity: usize,
    pub keymap: Keymap,
    /// Move the keyboard to the results log after a send from a field.
    pub leave_after_send: bool,
}

pub struct App {
    pub profiles: Vec<ProfileChoice>,
    /// Index into `profiles` of the active profile (see `profile()`).
    pub current: usize,
    pub keymap: Keymap,

    pub now: DateTime<Local>,
    /// Times are shown in this zone when set (tests), else in local time.
    pub display_offset: Option<FixedOffset>,

    pub mode: Mode,
    pub focus: Focus,
    pub composer: Composer,
    pub overlay: Overlay,
    pub notice: Option<Notice>,

    pub log: ResultsLog,
    /// Index into `rows()` (the shown log, filtered) of the highlighted line.
    pub selected: usize,
    /// Filter, follow/pause and width of the results pane.
    pub view: ResultsView,
    /// Every notice, kept (the status bar shows the latest).
    pub messages: Messages,
    /// After a send the keyboard leaves the text field for the results
    /// log (`leave-field-after-send`), so the next `j` scrolls.
    pub leave_after_send: bool,
    /// The text field the keyboard last left: `edit` and `switch_pane`
    /// go back to it (after a send, the body being varied).
    pub last_field: Focus,

    /// Per-send accounting of the active profile's producer: the only
    /// place send counts change.
    pub ledger: Ledger,
    /// Submissions per second, per mode and all together.
    pub rates: [Rate; 3],
    pub rate: Rate,
    pub connection: Connection,
    pub producer_started: Option<DateTime<Local>>,
    pub producer_alive: bool,
    pub burst: Option<BurstState>,

    pub next_seq: Seq,
    next_burst_id: u64,
    /// Drafts of sends not yet completed, so their result lines can show them.
    in_flight: HashMap<Seq, Arc<Draft>>,
    /// Resends not yet completed: the journal record each came from.
    pub sources: HashMap<Seq, String>,
    /// An import being sent at a rate.
    pub pacer: Option<Pacer>,
    /// The journal record each resend of this session came from (kept for
    /// the detail view; at most `HISTORY_LIMIT`).
    pub resent_from: HashMap<Seq, String>,
    /// The send whose journal record the history should open on (`seq`,
    /// msgId), once it is read.
    history_target: Option<(Seq, Option<String>)>,
    /// The last draft sent to each topic, oldest first.
    pub last_drafts: Vec<Draft>,
    /// The topic whose last draft the restore key would bring back.
    pub offered: Option<String>,

    pub quitting: Option<Quitting>,
    pub switching: Option<Switching>,
    /// A terminating signal has arrived: the console is ending (see
    /// `lifecycle`).
    signalled: bool,
    /// Set when the console should end; the loop stops once it is.
    should_exit: bool,
    /// From `Stopped`; `None` if the producer never reported.
    pub unresolved: Option<Vec<(Seq, Mode)>>,
    /// Set by `update` when the screen must be redrawn.
    dirty: bool,
    /// The last (or running) comparison of the modes.
    pub compare: Option<rmq_engine::compare::Driver>,
    /// The comparisons' sends, counted apart from `ledger`: they are not
    /// the session's counters (the compare view has its own rows), but
    /// each still ends once, journaled, and counts at exit.
    pub compare_ledger: Ledger,
    /// The sequence numbers and burst ids the last comparison reserved.
    pub compare_seqs: std::ops::Range<Seq>,
    pub compare_ids: std::ops::Range<u64>,
    /// Comparisons started this session (their summary rows are numbered).
    pub comparisons: u64,
    /// When sends started and ended, for the timeline.
    pub timeline: timeline::Timeline,
    /// How far the help overlay is scrolled (when its keys do not fit).
    pub help_scroll: usize,
    /// How many of the newest journal records the history pane reads.
    pub history_limit: usize,
    /// The compare view shows the timeline where the histograms were
    /// (when the screen is too short for both).
    pub compare_timeline: bool,
    /// Transactions' states and delayed rows' countdown.
    pub typed: TypedRows,
    /// What ledgers since replaced or reset had counted (a profile switch,
    /// the reset key): the session's summary adds the current ledger.
    pub earlier: Tally,
    /// The repeat form as last submitted or closed: it opens with these
    /// values again (and they outlive a restart).
    pub last_repeat: Option<Box<RepeatForm>>,
    /// The bursts whose outcomes are still being counted for their summary.
    pub bursts: Vec<bursts::BurstTally>,
    /// The number of the last `Effect::Fetch`.
    next_fetch_id: u64,
    /// A stored message loaded into the composer, until its send.
    pub fetched_draft: Option<FetchedDraft>,
    /// The groups the lens was asked for this session, newest first.
    pub recent_groups: Vec<String>,
    /// The saved messages folder as the loop last listed it (`None` until
    /// the picker or the palette first asks).
    pub saved: Option<crate::collection::Listing>,
    /// The saved message last loaded or saved: the save prompt offers it.
    pub saved_name: Option<String>,
    /// The guided tour on screen, if one is.
    pub tour: Option<TourState>,
    /// The tour the tour key opens: `demo FILE`'s, else the built-in one
    /// (read when first asked for).
    pub tour_source: Option<Arc<crate::tour::Tour>>,
    /// The body last sent although it was not valid JSON: not asked about
    /// again while it is unchanged.
    json_accepted: Option<Vec<String>>,
}

impl App {
    /// Panics when `cfg.current` does not index `cfg.profiles` (the run
    /// loop checks before building the App).
    pub fn new(cfg: AppConfig, now: DateTime<Local>) -> Self {
        let first = &cfg.profiles[cfg.current];
        let composer = Composer::new(
            first.default_topic.as_deref().unwrap_or(""),
            first.default_tag.as_deref().unwrap_or(""),
        );
        let mut app = Self {
            profiles: cfg.profiles,
            current: cfg.current,
            keymap: cfg.keymap,
            now,
            display_offset: None,
            mode: Mode::Sync,
            focus: Focus::Topic,
            composer,
            overlay: Overlay::None,
            notice: None,
            log: ResultsLog::new(cfg.results_capacity),
            selected: 0,
            view: ResultsView::default(),
            messages: Messages::default(),
            leave_after_send: cfg.leave_after_send,
            last_field: Focus::Topic,
            ledger: Ledger::new(),
            rates: Default::default(),
            rate: Rate::default(),
            connection: Connection::Starting,
            producer_started: Some(now),
            producer_alive: true,
            burst: None,
            next_seq: 1,
            next_burst_id: 1,
            in_flight: HashMap::new(),
            sources: HashMap::new(),
            pacer: None,
            last_drafts: Vec::new(),
            history_target: None,
            resent_from: HashMap::new(),
            offered: None,
            quitting: None,
            switching: None,
            signalled: false,
            should_exit: false,
            unresolved: None,
            dirty: true,
            compare: None,
            compare_ledger: Ledger::new(),
            compare_seqs: 0..0,
            compare_ids: 0..0,
            comparisons: 0,
            timeline: Default::default(),
            help_scroll: 0,
            history_limit: HISTORY_LIMIT,
            compare_timeline: false,
            typed: TypedRows::default(),
            earlier: Tally::default(),
            last_repeat: None,
            bursts: Vec::new(),
            next_fetch_id: 0,
            fetched_draft: None,
            recent_groups: Vec::new(),
            saved: None,
            saved_name: None,
            tour: None,
            tour_source: None,
            json_accepted: None,
        };
        app.composer.validate(app.max_message_bytes());
        app
    }

    /// Whether the console should end now (the loop stops).
    pub fn exit_requested(&self) -> bool {
        self.should_exit
    }

    /// Whether something visible changed since the last frame.
    pub fn needs_draw(&self) -> bool {
        self.dirty
    }

    /// The loop has drawn the App as it is (or tried to, on a terminal
    /// that has gone).
    pub fn drawn(&mut self) {
        self.dirty = false;
    }

    /// The active profile.
    pub fn profile(&self) -> &ProfileChoice {
        &self.profiles[self.current]
    }

    /// The largest body the active profile accepts.
    pub fn max_message_bytes(&self) -> usize {
        self.current_settings().map_or(0, |s| s.max_message_bytes)
    }

    /// How long a shutdown waits for sends in flight: the active profile's
    /// send timeout.
    pub fn grace(&self) -> Duration {
        self.current_settings()
            .map_or(Duration::ZERO, |s| s.send_timeout)
    }

    pub fn stats(&self, mode: Mode) -> &Counts {
        self.ledger.counts(mode)
    }

    /// Sends still open: the session's and a comparison's.
    pub fn in_flight_total(&self) -> u64 {
        self.ledger.open_total() + self.compare_ledger.open_total()
    }

    /// Whether `seq` is a comparison's send (counted in `compare_ledger`).
    pub(super) fn is_compare_seq(&self, seq: Seq) -> bool {
        self.compare_seqs.contains(&seq) || self.compare_ledger.mode_of(seq).is_some()
    }

    pub fn selected_entry(&self) -> Option<&LogEntry> {
        // Asked on every arriving row (`deciding`): no list of rows built.
        let shown = self.log.shown();
        if self.view.query.is_empty() {
            return shown.get(self.selected);
        }
        shown
            .iter()
            .filter(|e| self.row_matches(e))
            .nth(self.selected)
    }

    /// Sends that ended unresolved this session (the producer's report, a
    /// death, a deadline), and any still open.
    pub fn unresolved_count(&self) -> u64 {
        let ended: u64 = Mode::ALL
            .iter()
            .map(|m| self.ledger.counts(*m).unresolved + self.compare_ledger.counts(*m).unresolved)
            .sum();
        let listed = self.unresolved.as_ref().map_or(0, |l| l.len() as u64);
        ended.max(listed) + self.in_flight_total()
    }

    pub fn uptime(&self) -> Option<Duration> {
        let started = self.producer_started?;
        (self.now - started).to_std().ok()
    }

    /// What the clock contributes to the screen; a tick redraws only when
    /// this changes, so an idle console draws nothing.
    pub(super) fn clock_view(&self) -> (u64, i64) {
        let minutes = self.uptime().map_or(0, |u| u.as_secs() / 60);
        let sec = self.now.timestamp();
        let recent = self
            .rate
            .last_second()
            .is_some_and(|last| sec - last <= super::stats::WINDOW as i64 + 1);
        let live =
            recent || self.quitting.is_some() || self.switching.is_some() || self.counting_down();
        (minutes, if live { sec } else { 0 })
    }

    /// The status bar's notice, kept in the message log too.
    pub(super) fn notice(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        self.messages.push(Message {
            at: self.now,
            level,
            text: text.clone(),
        });
        self.notice = Some(Notice { level, text });
    }

    /// Folds one action in; pushes what the loop must do onto `fx`.
    pub fn update(&mut self, action: Action, fx: &mut Effects) {
        if let Action::Tick(now) = action {
            let before = self.clock_view();
            self.now = now;
            if self.clock_view() != before {
                self.dirty = true;
            }
            // The producer's worst case for a shutdown with this grace, and
            // slack: waiting less would cut sends off unreported.
            let bound = rmq_engine::producer::shutdown_bound(self.grace()) + Duration::from_secs(2);
            if let Some(q) = &self.quitting
                && !self.should_exit
                && (now - q.since).to_std().unwrap_or_default() > bound
            {
                // The producer did not report in time; do not hang the exit,
                // and leave what is still open unresolved, with its record.
                self.end_open_unresolved(fx);
                self.should_exit = true;
                self.dirty = true;
            }
            if !self.leaving()
                && let Some(sw) = &self.switching
                && (now - sw.since).to_std().unwrap_or_default() > bound
            {
                // Same for a switch: the new profile must not wait forever
                // on a stuck old producer.
                self.dirty = true;
                self.finish_switch(None, fx);
                return;
            }
            // A big body's JSON check, once per tick while it changes.
            if self.composer.refresh_json() {
                self.dirty = true;
            }
            let asked = fx.len();
            self.pace(fx);
            self.follow_tick(fx);
            if fx.len() > asked {
                self.dirty = true;
            }
            return;
        }
        self.dirty = true;
        match action {
            Action::Tick(_) => {}
            Action::Key(bind) => self.on_key(bind, fx),
            Action::Edit(input) => self.on_edit(input),
            Action::Producer(ev) => {
                self.timeline.observe(&ev);
                let comparing = self.compare_running();
                let next = self.compare_event(&ev);
                self.on_event(ev, fx);
                if comparing && !self.compare_running() {
                    // After the event's own notice, which this one outranks.
                    self.compare_ended();
                }
                // After the event's own effect (its journal entry, say),
                // each in the queue on its own.
                fx.extend(next);
            }
            Action::SubmitFailed {
                first_seq,
                count,
                mode,
                burst,
                error,
            } => {
                if burst.is_some() {
                    self.compare_lost(burst);
                }
                self.submit_failed(first_seq, count, mode, burst, error, fx);
            }
            Action::ProducerDied(why) => {
                self.compare_lost(None);
                self.producer_died(why, fx);
            }
            Action::ProducerRestarted => {
                self.producer_alive = true;
                self.connection = Connection::Starting;
                self.producer_started = Some(self.now);
                self.notice(Level::Info, "producer restarted");
            }
            Action::FocusPane(f) => {
                if matches!(self.overlay, Overlay::None) {
                    self.leave_text_to(f);
                }
            }
            Action::Wheel(n) => self.scroll(n as i64),
            Action::SelectLine(i) => {
                if matches!(self.overlay, Overlay::None) && i < self.rows().len() {
                    self.leave_text_to(Focus::Log);
                    self.selected = i;
                }
            }
            Action::Paste(text) => self.on_paste(&text),
            Action::HistoryLoaded {
                records,
                warnings,
                unflushed,
                older_unread,
            } => {
                self.history_loaded(records, warnings, unflushed, older_unread);
            }
            Action::ImportLoaded { path, parsed } => self.import_loaded(&path, parsed, fx),
            Action::PathEntries { typed, entries } => {
                if matches!(self.overlay, Overlay::BodyFile(_)) {
                    self.body_file_completed(&typed, &entries);
                } else {
                    self.import_completed(&typed, &entries);
                }
            }
            Action::Edited { target, result } => self.edited(target, result),
            Action::BodyRead { path, result } => self.body_read(&path, result),
            Action::RecentImports(list) => self.import_recent(list),
            Action::Exported(Ok(text)) => self.notice(Level::Info, text),
            Action::Exported(Err(text)) => self.notice(Level::Error, text),
            Action::JournalProblem(text) => {
                self.push_note(text.clone());
                self.notice(Level::Warn, text);
            }
            Action::Signal(sig) => self.on_signal(sig, fx),
            Action::SignalDeadline => {
                tracing::warn!("the producer did not report within its grace; quitting");
                self.end_open_unresolved(fx);
                self.should_exit = true;
            }
            Action::Fetched { id, result } => self.fetched(id, result),
            Action::Followed { id, result } => self.followed(id, result),
            Action::GroupLens { id, result } => self.group_lens_answered(id, result),
            Action::ConsumedBy { id, result } => self.consumed_by_answered(id, result),
            Action::SavedDone { said, listing } => self.saved_done(said, listing),
            // Drawn again at the new size.
            Action::Resize => {}
            Action::TerminalLost(why) => self.terminal_lost(why, fx),
        }
    }

    pub(super) fn key_for(&self, bind: Bind) -> String {
        self.keymap
            .key_for(Context::Global, bind)
            .unwrap_or_else(|| bind.name().to_string())
    }
}

#[cfg(test)]
impl App {
    /// `update` with a queue of its own, for tests that look at what one
    /// action asks for.
    pub fn step(&mut self, action: Action) -> Vec<Effect> {
        let mut fx = Effects::new();
        self.update(action, &mut fx);
        fx.into()
    }
}

/// The effect an action asked for, if any; panics when it asked for more.
#[cfg(test)]
pub fn one(fx: Vec<Effect>) -> Option<Effect> {
    assert!(fx.len() <= 1, "more than one effect: {fx:?}");
    fx.into_iter().next()
}

#[cfg(test)]
mod body_tests;
#[cfg(test)]
mod counters_tests;
#[cfg(test)]
mod fetch_groups_tests;
#[cfg(test)]
mod fetch_tests;
#[cfg(test)]
mod journal_tests;
#[cfg(test)]
mod leaving_tests;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod saved_tests;
#[cfg(test)]
mod template_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod types_tests;
#[cfg(test)]
mod view_tests;
