//! The history pane's state and keys: journal records newest first, a
//! filter typed over every field an operator has in hand (topic, tag, keys,
//! msgId, offset msgId, `#seq`, properties, type and decision, outcome,
//! body text), a record's
//! detail, selection, loading a record into the composer, and resending the
//! selected records as they were, at a rate (`+`/`-`, `x` cancels), after
//! a confirmation on a protected profile. Records are read by the run loop (`Effect::LoadHistory`) and
//! arrive as `Action::HistoryLoaded`; this module does no I/O.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{App, Effect, Effects, Focus, Level, Overlay, RATES};
use crate::console::keymap::{Bind, Context};
use rmq_journal::Record;

/// At most this many records are held by the pane (the newest), more by
/// this many each time the operator asks for older ones, up to
/// `HISTORY_MAX`.
pub const HISTORY_LIMIT: usize = 10_000;
/// The most the pane ever holds: older records are `history`'s to stream.
pub const HISTORY_MAX: usize = 100_000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryView {
    /// Newest first.
    pub records: Vec<Record>,
    /// How many records the journal held: more than `records` when only
    /// the newest `HISTORY_LIMIT` are kept.
    pub total: usize,
    /// The journal holds older records that were not read (the pane
    /// reads the newest from the end; counting the rest would mean reading
    /// them).
    pub older_unread: bool,
    /// Lines of the journal that could not be read (`FILE:LINE: ...`).
    pub warnings: Vec<String>,
    pub filter: String,
    /// Indices into `records` that the filter keeps, newest first: worked
    /// out when the filter changes (`set_filter`), not on every frame,
    /// because matching lowercases every field of up to 10,000 records.
    matching: Vec<usize>,
    /// The filter is being typed.
    pub filtering: bool,
    /// Index into `shown()`.
    pub cursor: usize,
    /// Ids of selected records.
    pub selected: BTreeSet<String>,
    /// The cursor's record is shown in full.
    pub detail: bool,
    /// The detail's first row, and how it shows the body.
    pub scroll: u16,
    pub body_view: super::BodyView,
    /// A resend on a protected profile waits for `y`.
    pub confirm: Option<usize>,
    /// Resend rate: index into `RATES`.
    pub rate: usize,
}

impl HistoryView {
    pub fn new(records: Vec<Record>, warnings: Vec<String>) -> Self {
        Self::with_limit(records, warnings, HISTORY_LIMIT)
    }

    /// Keeps the newest `limit` of `records` (oldest first).
    pub fn with_limit(mut records: Vec<Record>, warnings: Vec<String>, limit: usize) -> Self {
        let total = records.len();
        records.reverse();
        records.truncate(limit);
        let mut view = Self {
            records,
            total,
            warnings,
            rate: 3,
            ..Default::default()
        };
        view.set_filter(String::new());
        view
    }

    /// Sets the filter, works out which records it keeps, and puts the
    /// cursor back on the newest of them.
    pub fn set_filter(&mut self, filter: String) {
        let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
        self.matching = (0..self.records.len())
            .filter(|&i| words.iter().all(|w| matches(&self.records[i], w)))
            .collect();
        self.filter = filter;
        self.cursor = 0;
    }

    pub fn rate(&self) -> u32 {
        RATES[self.rate.min(RATES.len() - 1)]
    }

    /// Records the filter keeps (every word must match somewhere),
    /// newest first.
    pub fn shown(&self) -> Vec<&Record> {
        self.matching.iter().map(|&i| &self.records[i]).collect()
    }

    pub fn current(&self) -> Option<&Record> {
        self.matching.get(self.cursor).map(|&i| &self.records[i])
    }

    /// The selected records, or the cursor's when none is selected, oldest
    /// first (the order they were sent in).
    pub fn to_resend(&self) -> Vec<&Record> {
        let mut out: Vec<&Record> = if self.selected.is_empty() {
            self.current().into_iter().collect()
        } else {
            self.records
                .iter()
                .filter(|r| self.selected.contains(&r.id))
                .collect()
        };
        out.reverse();
        out
    }
}

/// Whether `word` (lower case) is in the record: `#42` is send 42 exactly;
/// any other word is looked for in the topic, tag, keys, msgId, offset
/// msgId, transaction id, properties (`key=value`), type (`tx commit`,
/// `fifo KEY`), a transaction's decision and who made it (`rollback`,
/// `operator`), mode, profile, the record it was resent from,
/// the outcome (state, status, error) and the body text. Ids are what an
/// operator has in hand after an incident, so they must be findable.
pub fn matches(r: &Record, word: &str) -> bool {
    if let Some(seq) = word.strip_prefix('#').and_then(|n| n.parse::<u64>().ok()) {
        return r.seq == seq;
    }
    let has = |s: &str| s.to_lowercase().contains(word);
    has(&r.topic)
        || r.tag.as_deref().is_some_and(has)
        || r.keys.iter().any(|k| has(k))
        || r.msg_id.as_deref().is_some_and(has)
        || r.offset_msg_id.as_deref().is_some_and(has)
        || r.transaction_id.as_deref().is_some_and(has)
        || r.properties.iter().any(|(k, v)| has(&format!("{k}={v}")))
        || r.kind.as_deref().is_some_and(has)
        || r.decision.as_deref().is_some_and(has)
        || r.decided_by.as_deref().is_some_and(has)
        || has(r.mode.as_str())
        || has(&r.profile)
        || r.source.as_deref().is_some_and(has)
        || has(&r.state)
        || r.status.as_deref().is_some_and(has)
        || r.error.as_deref().is_some_and(has)
        || r.body.as_deref().is_some_and(has)
}

impl App {
    /// `H`: ask the loop for the journal.
    pub(super) fn open_history(&mut self, fx: &mut Effects) {
        if self.quitting.is_some() {
            return;
        }
        self.history_target = None;
        self.history_limit = HISTORY_LIMIT;
        self.notice(Level::Info, "reading the journal…");
        fx.push_back(Effect::LoadHistory);
    }

    /// From a result row: the history opened on that send's record, in
    /// full.
    pub(super) fn open_record(&mut self, fx: &mut Effects) {
        let Some(e) = self
            .selected_entry()
            .filter(|e| !matches!(e.kind, super::EntryKind::Note(_)))
        else {
            self.notice(Level::Info, "select a send's row first");
            return;
        };
        let seq = e.seq;
        let msg_id = e.msg_id().map(str::to_string);
        self.open_history(fx);
        self.history_target = Some((seq, msg_id));
    }

    /// The loop read the journal.
    pub(super) fn history_loaded(
        &mut self,
        records: Vec<Record>,
        warnings: Vec<String>,
        unflushed: Option<String>,
        older_unread: bool,
    ) {
        self.notice = None;
        if let Some(why) = unflushed {
            // Says more than an unreadable line: sends are missing.
            self.notice(
                Level::Warn,
                format!("history: the newest sends are not shown: {why}"),
            );
        } else if let Some(w) = warnings.first() {
            self.notice(
                Level::Warn,
                format!("history: {} unreadable line(s), first: {w}", warnings.len()),
            );
        }
        // Asked for older records: the filter typed stays.
        let filter = match &self.overlay {
            Overlay::History(h) => h.filter.clone(),
            _ => String::new(),
        };
        let mut view = HistoryView::with_limit(records, warnings, self.history_limit);
        view.older_unread = older_unread;
        if !filter.is_empty() {
            view.set_filter(filter);
        }
        if let Some((seq, msg_id)) = self.history_target.take() {
            // The msgId is unique; a seq is unique only within a session,
            // and this session's records are the newest.
            let at = view.shown().iter().position(|r| match &msg_id {
                Some(id) => r.msg_id.as_deref() == Some(id.as_str()),
                None => r.seq == seq,
            });
            match at {
                Some(i) => {
                    view.cursor = i;
                    view.detail = true;
                }
                None => self.notice(
                    Level::Warn,
                    format!(
                        "#{seq}: no journal record among the {} kept (journal off, or not written yet)",
                        view.records.len()
                    ),
                ),
            }
        }
        self.overlay = Overlay::History(Box::new(view));
    }

    /// A key typed while the filter is being edited.
    pub(super) fn history_filter_input(&mut self, input: ratatui_textarea::Input) {
        use ratatui_textarea::Key;
        let Overlay::History(h) = &mut self.overlay else {
            return;
        };
        let mut filter = h.filter.clone();
        match input.key {
            Key::Char(c) if !input.ctrl && !input.alt => filter.push(c),
            Key::Backspace => {
                filter.pop();
            }
            _ => return,
        }
        h.set_filter(filter);
    }

    /// A key while the history pane is open.
    pub(super) fn history_key(&mut self, bind: Bind, fx: &mut Effects) {
        let Overlay::History(h) = &mut self.overlay else {
            return;
        };
        if h.filtering {
            if bind == Bind::Close {
                h.filtering = false;
            }
            return;
        }
        let shown = h.shown().len();
        match bind {
            Bind::Close if h.confirm.is_some() => h.confirm = None,
            Bind::Close if h.detail => h.detail = false,
            Bind::Close => self.overlay = Overlay::None,
            // In the detail they scroll a long record; the list's cursor
            // stays on it.
            Bind::ScrollDown if h.detail => h.scroll = h.scroll.saturating_add(1),
            Bind::ScrollUp if h.detail => h.scroll = h.scroll.saturating_sub(1),
            Bind::ScrollDown => h.cursor = (h.cursor + 1).min(shown.saturating_sub(1)),
            Bind::ScrollUp => h.cursor = h.cursor.saturating_sub(1),
            Bind::OpenDetail => {
                h.detail = !h.detail && shown > 0;
                h.scroll = 0;
                h.body_view = h.current().map_or_else(Default::default, |r| {
                    super::BodyView::for_body(&record_body(r))
                });
            }
            Bind::BodyView if h.detail => {
                h.body_view = h.body_view.next();
                h.scroll = 0;
            }
            // Older than the pane read: read again, further back.
            Bind::OlderRecords if h.older_unread && self.history_limit < HISTORY_MAX => {
                self.history_limit = (self.history_limit + HISTORY_LIMIT).min(HISTORY_MAX);
                let n = self.history_limit;
                self.notice(Level::Info, format!("reading the {n} newest records…"));
                fx.push_back(Effect::LoadHistory);
            }
            Bind::OlderRecords => {
                let why = if h.older_unread {
                    format!(
                        "the pane holds at most {HISTORY_MAX} records: `rmq-console history` streams them all"
                    )
                } else {
                    "the journal holds no older records".to_string()
                };
                self.notice(Level::Info, why);
            }
            Bind::FilterHistory => {
                h.filtering = true;
                h.detail = false;
            }
            Bind::ToggleSelect => {
                if let Some(id) = h.current().map(|r| r.id.clone())
                    && !h.selected.remove(&id)
                {
                    h.selected.insert(id);
                }
                h.cursor = (h.cursor + 1).min(shown.saturating_sub(1));
            }
            Bind::LoadDraft => {
                if let Some(r) = h.current().cloned() {
                    self.load_record(&r);
                }
            }
            Bind::RateUp => h.rate = (h.rate + 1).min(RATES.len() - 1),
            Bind::RateDown => h.rate = h.rate.saturating_sub(1),
            Bind::CancelBurst => self.cancel_pacer(),
            Bind::Resend => self.resend(false, fx),
            Bind::Yes => self.resend(true, fx),
            _ => {}
        }
    }

    /// Puts a record's message into the composer (and its mode on the mode
    /// bar), ready to edit and send.
    pub(super) fn load_record(&mut self, r: &Record) {
        let d = r.draft();
        // The composer no longer holds a fetched message.
        self.fetched_draft = None;
        let body = String::from_utf8_lossy(&d.body).into_owned();
        self.composer
            .fill(&d, r.kind.as_deref().unwrap_or(""), &body);
        self.composer.validate(self.max_message_bytes());
        self.mode = r.mode;
        self.composer
            .validate_kind(self.mode, self.max_message_bytes(), self.now);
        self.overlay = Overlay::None;
        self.focus = Focus::Body;
        let lossy = r.body.is_none() && r.body_base64.is_some();
        self.notice(
            if lossy { Level::Warn } else { Level::Info },
            if lossy {
                format!(
                    "loaded record {} (its body is not text: shown lossily)",
                    r.id
                )
            } else {
                format!("loaded record {} into the composer", r.id)
            },
        );
    }

    /// `R` (and `y` to confirm on a protected profile): resends the
    /// selected records as they were, each in its own mode; each result
    /// carries the record it came from.
    fn resend(&mut self, confirmed: bool, fx: &mut Effects) {
        let (protected, name) = (self.profile().protected, self.profile().name.clone());
        let blocked = self.quitting.is_some() || !self.producer_alive || self.switching.is_some();
        let Overlay::History(h) = &mut self.overlay else {
            return;
        };
        let records: Vec<Record> = h.to_resend().into_iter().cloned().collect();
        if records.is_empty() || (confirmed && h.confirm != Some(records.len())) {
            return;
        }
        if blocked {
            self.notice(Level::Warn, "the producer is not ready; nothing resent");
            return;
        }
        if protected && !confirmed {
            h.confirm = Some(records.len());
            let answer = self
                .keymap
                .confirm_hint(Context::History, Bind::Yes, Bind::Close);
            self.notice(
                Level::Warn,
                format!(
                    "resend {} record(s) to PROTECTED profile {name}? {answer}",
                    records.len()
                ),
            );
            return;
        }
        h.confirm = None;
        h.selected.clear();
        let rate = RATES[h.rate.min(RATES.len() - 1)];
        let items = records
            .iter()
            .map(|r| (Arc::new(r.draft()), r.mode, Some(r.id.clone())))
            .collect();
        self.start_pacer(items, rate, fx);
    }

    /// `E`: the results log's completed sends, for the loop to write as
    /// JSON Lines and CSV.
    pub(super) fn export_results(&mut self, fx: &mut Effects) {
        let entries: Vec<rmq_journal::Entry> = self
            .log
            .shown()
            .iter()
            .rev()
            .filter_map(|e| match &e.kind {
                super::EntryKind::Completed {
                    outcome,
                    submitted_at,
                    latency,
                } => Some(rmq_journal::Entry {
                    completion: rmq_model::message::Completion {
                        seq: e.seq,
                        mode: e.mode,
                        outcome: outcome.clone(),
                        submitted_at: *submitted_at,
                        completed_at: e.at,
                        latency: *latency,
                    },
                    draft: e.draft.clone(),
                    profile: e.profile.as_str().into(),
                    // What the journal has for it: the export used to say 0/0.
                    options: self.options_of(&e.profile, e.mode),
                    source: self.resent_from.get(&e.seq).cloned(),
                    tx: None,
                }),
                _ => None,
            })
            .collect();
        if entries.is_empty() {
            self.notice(Level::Info, "nothing to export: no completed sends yet");
            return;
        }
        fx.push_back(Effect::Export(entries));
    }
}

/// A record's body as the bytes that were sent (`body_base64` for one that
/// is not text).
pub fn record_body(r: &Record) -> Vec<u8> {
    use base64::Engine;
    match (&r.body, &r.body_base64) {
        (Some(b), _) => b.clone().into_bytes(),
        (_, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
