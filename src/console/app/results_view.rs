//! How the operator looks at the results log, apart from what it holds
//! (`log.rs`): the `/` filter (the grammar of `console::filter`), following
//! the newest row or paused where the operator scrolled (with how many rows
//! arrived above since), the wide toggle, and the notice when rows start
//! to fall off past the capacity.

use std::borrow::Cow;

use super::{App, EntryKind, Level, LogEntry, TxState};
use crate::console::filter::{Field, Query};
use crate::console::keymap::{Bind, Context};
use rmq_model::message::Outcome;

/// The names `field:` may use in the results filter.
pub const RESULT_FIELDS: &[&str] = &[
    "topic", "tag", "key", "msgid", "status", "mode", "seq", "type", "prop", "body", "profile",
    "reason", "broker", "queue", "offset",
];

#[derive(Debug, Clone, Default)]
pub struct ResultsView {
    /// The filter as typed.
    pub filter_text: String,
    /// The last filter text that parsed; rows are filtered by it.
    pub query: Query,
    /// Why the typed filter does not parse (the previous one still holds).
    pub filter_error: Option<String>,
    /// The filter line has the keyboard.
    pub filtering: bool,
    /// The first row on screen while paused (index into the rows shown);
    /// kept in state so arriving rows do not move what the operator reads.
    pub top: usize,
    /// Rows that arrived above the screen while paused.
    pub new_above: usize,
    /// Every field of a row, on a second line under it.
    pub wide: bool,
    /// The results pane draws the sends in time instead of rows.
    pub timeline: bool,
}

impl ResultsView {
    /// Following: the newest row is selected and on screen; new rows
    /// arrive under the operator's eyes.
    pub fn following(&self, selected: usize) -> bool {
        selected == 0 && self.top == 0
    }
}

/// What `status:` and a plain word see of a row's state.
fn status(e: &LogEntry, tx: Option<&TxState>) -> String {
    // A transaction's row says where its decision is (pending, committed,
    // rollback), not the half message's outcome.
    if let Some(t) = tx.filter(|_| !matches!(e.kind, EntryKind::Note(_))) {
        return t.label().0.trim_end_matches('…').to_lowercase();
    }
    match (&e.kind, tx) {
        (EntryKind::Queued, _) => "queued".into(),
        (EntryKind::Submitted, _) => "in flight".into(),
        (EntryKind::NotSent(_), _) => "not sent".into(),
        (EntryKind::Note(_), _) => "note".into(),
        (EntryKind::Completed { outcome, .. }, _) => match outcome {
            Outcome::Acknowledged(r) => format!("ok {}", r.status),
            Outcome::Failed(_) => "failed".into(),
            Outcome::Dispatched => "dispatched".into(),
            Outcome::Unresolved => "unresolved".into(),
        },
    }
}

/// A results row as the filter sees it.
pub fn fields<'a>(e: &'a LogEntry, tx: Option<&TxState>) -> Vec<Field<'a>> {
    let mut f = vec![
        Field::plain("status", status(e, tx)),
        Field::named("mode", e.mode.as_str()),
        Field::named("seq", e.seq.to_string()),
        Field::named("profile", e.profile.as_str()),
    ];
    if let Some(d) = &e.draft {
        f.push(Field::plain("topic", d.topic.as_str()));
        if let Some(tag) = &d.tag {
            f.push(Field::plain("tag", tag.as_str()));
        }
        f.extend(d.keys.iter().map(|k| Field::plain("key", k.as_str())));
        f.push(Field::named("type", d.kind.as_str()));
        f.extend(
            d.properties
                .iter()
                .map(|(k, v)| Field::named("prop", format!("{k}={v}"))),
        );
        f.push(Field::named("body", String::from_utf8_lossy(&d.body)));
    }
    match &e.kind {
        EntryKind::Completed {
            outcome: Outcome::Acknowledged(r),
            ..
        } => {
            f.push(Field::plain("msgid", r.msg_id.as_str()));
            f.push(Field::plain("msgid", r.offset_msg_id.as_str()));
            f.push(Field::named("broker", r.broker.as_str()));
            f.push(Field::named("queue", r.queue_id.to_string()));
            f.push(Field::named("offset", r.queue_offset.to_string()));
        }
        EntryKind::Completed {
            outcome: Outcome::Failed(why),
            ..
        } => f.push(Field::named("reason", why.reason.as_str())),
        EntryKind::NotSent(why) => f.push(Field::named("reason", why.as_str())),
        EntryKind::Note(text) => f.push(Field::plain("note", Cow::Borrowed(text.as_str()))),
        _ => {}
    }
    f
}

impl App {
    /// The rows the results pane lists (the filter applied), newest first;
    /// `selected` indexes this.
    pub fn rows(&self) -> Vec<&LogEntry> {
        let shown = self.log.shown();
        if self.view.query.is_empty() {
            return shown.iter().collect();
        }
        shown.iter().filter(|e| self.row_matches(e)).collect()
    }

    pub(super) fn row_matches(&self, e: &LogEntry) -> bool {
        self.view
            .query
            .matches(&fields(e, self.typed.tx.get(&e.seq)))
    }

    /// A line was added at the top of the shown list (`added`), and maybe
    /// one fell off the bottom: keep what the operator reads in place
    /// while paused, count the new rows, and say once when the capacity
    /// starts dropping rows.
    /// `pinned`: the selected row is a transaction being decided, which
    /// must not move under the operator's keys even while following.
    pub(super) fn rows_changed(&mut self, added: bool, dropped_before: u64, pinned: bool) {
        let visible = added
            && self
                .log
                .shown()
                .front()
                .is_some_and(|e| self.row_matches(e));
        if visible && (pinned || !self.view.following(self.selected)) {
            self.selected += 1;
            self.view.top += 1;
            self.view.new_above += 1;
        }
        // Rows only shrink when one fell off: only then count them (with a
        // filter, counting reads every row, and this runs per event).
        if self.log.dropped != dropped_before {
            let len = if self.view.query.is_empty() {
                self.log.shown().len()
            } else {
                self.rows().len()
            };
            self.selected = self.selected.min(len.saturating_sub(1));
            self.view.top = self.view.top.min(self.selected);
        }
        if dropped_before == 0 && self.log.dropped > 0 {
            let key = self
                .keymap
                .key_for(Context::Log, Bind::History)
                .unwrap_or_else(|| Bind::History.name().into());
            self.notice(
                Level::Warn,
                format!(
                    "the results log keeps the newest {} rows: older ones leave the screen \
                     (the journal keeps them; {key} opens the history)",
                    self.log.capacity()
                ),
            );
        }
    }

    /// Moves the selection; scrolling back to the newest row follows
    /// again.
    pub(super) fn scroll(&mut self, by: i64) {
        let max = self.rows().len().saturating_sub(1) as i64;
        self.selected = (self.selected as i64 + by).clamp(0, max) as usize;
        self.view.top = self.view.top.min(self.selected);
        self.view.new_above = self.view.new_above.min(self.view.top);
        if self.selected == 0 {
            self.follow();
        }
    }

    /// Back to the newest row, following.
    pub(super) fn follow(&mut self) {
        self.selected = 0;
        self.view.top = 0;
        self.view.new_above = 0;
    }

    /// The oldest row (paused there).
    pub(super) fn scroll_bottom(&mut self) {
        let last = self.rows().len().saturating_sub(1);
        if last == 0 {
            return self.follow();
        }
        self.selected = last;
    }

    pub(super) fn open_results_filter(&mut self) {
        self.view.filtering = true;
    }

    /// A key typed into the filter line.
    pub(super) fn results_filter_input(&mut self, input: ratatui_textarea::Input) {
        use ratatui_textarea::Key;
        let mut text = self.view.filter_text.clone();
        match input.key {
            Key::Char('u') if input.ctrl => text.clear(),
            Key::Char(c) if !input.ctrl && !input.alt => text.push(c),
            Key::Backspace => {
                text.pop();
            }
            _ => return,
        }
        self.set_results_filter(text);
    }

    pub(super) fn set_results_filter(&mut self, text: String) {
        match Query::parse(&text, RESULT_FIELDS) {
            Ok(q) => {
                self.view.query = q;
                self.view.filter_error = None;
            }
            Err(e) => self.view.filter_error = Some(e),
        }
        self.view.filter_text = text;
        // A new set of rows: start again at its newest.
        self.follow();
    }

    /// A key while the filter line has the keyboard: Enter keeps the
    /// filter, Esc drops it.
    pub(super) fn results_filter_key(&mut self, bind: Bind) {
        match bind {
            Bind::Submit => self.view.filtering = false,
            Bind::Close => {
                self.view.filtering = false;
                self.set_results_filter(String::new());
            }
            _ => {}
        }
    }
}
