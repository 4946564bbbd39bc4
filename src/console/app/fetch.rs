//! The fetch overlay's state and keys (`f`): the form (locator, topic,
//! window, max) with the locator's live classification, the request handed
//! to the run loop (`Effect::Fetch`, answered by `Action::Fetched`), and
//! the list of what the broker stored: cursor, selection, filter, detail
//! with its body view. Loading into the composer and resending live in
//! `fetch_send`. No I/O here: the classification needs no network.

use std::collections::BTreeSet;

use chrono::{DateTime, Local};
use rmq_fetch::{Answer, Request, Stored};

use super::{App, BodyView, Effect, Effects, Level, Overlay, RATES};
use crate::console::filter::{Field, Query};
use crate::console::keymap::Bind;

/// The form's fields, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FetchField {
    #[default]
    Locator,
    Topic,
    Window,
    Max,
}

impl FetchField {
    pub const ORDER: [FetchField; 4] = [Self::Locator, Self::Topic, Self::Window, Self::Max];

    pub fn label(self) -> &'static str {
        match self {
            Self::Locator => "locator",
            Self::Topic => "topic",
            Self::Window => "since",
            Self::Max => "max",
        }
    }
}

/// The `field:` names the list's filter knows.
pub const FETCH_FIELDS: [&str; 6] = ["topic", "tag", "key", "id", "prop", "body"];

#[derive(Debug, Clone)]
pub struct FetchView {
    pub field: FetchField,
    pub locator: String,
    pub topic: String,
    /// `--since` grammar, optionally `SINCE..UNTIL`; empty: the locator's
    /// default window.
    pub window: String,
    pub max: String,
    /// The form has the keyboard (before the first answer, and after `f`).
    pub editing: bool,
    /// What the form's request was taken to be, or why it cannot be looked
    /// up: worked out on every edit, without the network.
    pub check: Result<String, String>,
    /// The fetch the loop runs for this view, and what it was taken to be.
    pub pending: Option<(u64, String)>,
    /// The last answer, and what its request was taken to be.
    pub answer: Option<Answer>,
    pub asked: String,
    /// The last fetch failed as a whole (no name server, bad input found
    /// once the route was known).
    pub error: Option<String>,
    pub filter: String,
    pub filtering: bool,
    /// The filter's problem (an unknown `field:`), shown under it.
    pub filter_error: Option<String>,
    /// Indices into the answer's messages that the filter keeps.
    matching: Vec<usize>,
    /// Index into `shown()`.
    pub cursor: usize,
    /// Indices into the answer's messages.
    pub selected: BTreeSet<usize>,
    pub detail: bool,
    pub body_view: BodyView,
    /// First line of the detail shown.
    pub scroll: u16,
    /// A resend on a protected profile waits for `yes`: how many.
    pub confirm: Option<usize>,
    /// The list is a tail of this topic (newest first), which `F` follows.
    pub tail: Option<String>,
    pub following: bool,
    /// The follow request out, and when the last one went.
    pub follow_pending: Option<u64>,
    pub last_poll: Option<DateTime<Local>>,
    /// Index into `RATES`.
    pub rate: usize,
    /// The group lens (`d`), kept while the list shows what one of its
    /// rows opened, so Esc goes back to it.
    pub lens: Option<Box<super::GroupView>>,
    /// The list shows the newest first (a group's retry or dead letters
    /// opened from the lens).
    pub newest_first: bool,
    /// `o`: which groups consumed a message (the one it names).
    pub consumed: Option<super::Consumed>,
}

impl FetchView {
    pub fn new(topic: &str) -> Self {
        Self {
            topic: topic.to_string(),
            editing: true,
            check: Err("type a locator".into()),
            rate: 2,
            field: FetchField::Locator,
            locator: String::new(),
            window: String::new(),
            max: String::new(),
            pending: None,
            answer: None,
            asked: String::new(),
            error: None,
            filter: String::new(),
            filtering: false,
            filter_error: None,
            matching: Vec::new(),
            cursor: 0,
            selected: BTreeSet::new(),
            detail: false,
            body_view: BodyView::Text,
            scroll: 0,
            confirm: None,
            tail: None,
            following: false,
            follow_pending: None,
            last_poll: None,
            lens: None,
            newest_first: false,
            consumed: None,
        }
    }

    pub fn value(&self, f: FetchField) -> &str {
        match f {
            FetchField::Locator => &self.locator,
            FetchField::Topic => &self.topic,
            FetchField::Window => &self.window,
            FetchField::Max => &self.max,
        }
    }

    fn value_mut(&mut self, f: FetchField) -> &mut String {
        match f {
            FetchField::Locator => &mut self.locator,
            FetchField::Topic => &mut self.topic,
            FetchField::Window => &mut self.window,
            FetchField::Max => &mut self.max,
        }
    }

    /// The form as a request, checked as headless `fetch` checks it.
    pub fn request(&self, now: DateTime<Local>) -> Result<Request, String> {
        let locator = rmq_fetch::locator::parse(&self.locator)?;
        let topic = Some(self.topic.trim().to_string()).filter(|t| !t.is_empty());
        let window = match self.window.trim() {
            "" => None,
            w => {
                let (since, until) = match w.split_once("..") {
                    Some((s, u)) => (s.trim(), Some(u.trim()).filter(|u| !u.is_empty())),
                    None => (w, None),
                };
                Some(rmq_fetch::window::window(
                    Some(since),
                    until,
                    rmq_fetch::window::DEFAULT_SINCE,
                    now,
                )?)
            }
        };
        let max = match self.max.trim() {
            "" => None,
            m => match m.parse::<usize>() {
                Ok(n) if n > 0 => Some(n),
                _ => return Err(format!("max: `{m}` is not a positive number")),
            },
        };
        let request = Request {
            locator,
            topic,
            window,
            max,
        };
        // The library speaks headless flags; here the topic is a field.
        request
            .check()
            .map_err(|e| e.replace("give --topic", "fill in the topic"))?;
        Ok(request)
    }

    pub fn rate(&self) -> u32 {
        RATES[self.rate.min(RATES.len() - 1)]
    }

    pub fn messages(&self) -> &[Stored] {
        self.answer.as_ref().map_or(&[], |a| &a.messages)
    }

    /// The messages the filter keeps, with their indices.
    pub fn shown(&self) -> Vec<(usize, &Stored)> {
        let all = self.messages();
        self.matching.iter().map(|&i| (i, &all[i])).collect()
    }

    pub fn current(&self) -> Option<&Stored> {
        let i = *self.matching.get(self.cursor)?;
        self.messages().get(i)
    }

    /// The selected messages, or the cursor's when none is selected, in
    /// list order.
    pub fn chosen(&self) -> Vec<&Stored> {
        if self.selected.is_empty() {
            self.current().into_iter().collect()
        } else {
            let all = self.messages();
            self.selected.iter().filter_map(|&i| all.get(i)).collect()
        }
    }

    /// Parses the filter and works out which messages it keeps; a filter
    /// that does not parse keeps every message and says why.
    pub fn set_filter(&mut self, filter: String) {
        let query = Query::parse(&filter, &FETCH_FIELDS);
        self.filter_error = query.as_ref().err().cloned();
        let query = query.unwrap_or_default();
        self.matching = (0..self.messages().len())
            .filter(|&i| query.matches(&fields(&self.messages()[i])))
            .collect();
        self.filter = filter;
        self.cursor = 0;
    }
}

/// A stored message as the filter sees it.
fn fields(m: &Stored) -> Vec<Field<'_>> {
    let mut f = vec![
        Field::plain("topic", m.topic.as_str()),
        Field::plain("topic", m.target_topic()),
        Field::plain("id", m.offset_msg_id.as_str()),
    ];
    if let Some(t) = m.tag() {
        f.push(Field::plain("tag", t));
    }
    if let Some(u) = m.uniq_key() {
        f.push(Field::plain("id", u));
    }
    for k in m.keys() {
        f.push(Field::plain("key", k));
    }
    for (k, v) in m.user_properties() {
        f.push(Field::plain("prop", format!("{k}={v}")));
    }
    if let Ok(text) = std::str::from_utf8(&m.body) {
        f.push(Field::named("body", text));
    }
    f
}

impl App {
    /// `f`: the form, the topic taken from the composer (or the last form's
    /// values when the overlay is open).
    pub(super) fn open_fetch(&mut self) {
        if self.quitting.is_some() {
            return;
        }
        if let Overlay::Fetch(v) = &mut self.overlay {
            v.editing = true;
            v.detail = false;
            v.confirm = None;
            return;
        }
        let topic = self.composer.topic.lines()[0].clone();
        let mut view = FetchView::new(&topic);
        view.check = view.request(self.now).map(|r| describe(&r));
        self.overlay = Overlay::Fetch(Box::new(view));
    }

    /// A key typed into the form or the filter.
    pub(super) fn fetch_input(&mut self, input: ratatui_textarea::Input) {
        use ratatui_textarea::Key;
        let now = self.now;
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        if v.filtering {
            let mut filter = v.filter.clone();
            match input.key {
                Key::Char(c) if !input.ctrl && !input.alt => filter.push(c),
                Key::Backspace => {
                    filter.pop();
                }
                _ => return,
            }
            v.set_filter(filter);
            return;
        }
        let field = v.field;
        let text = v.value_mut(field);
        match input.key {
            Key::Char(c) if !input.ctrl && !input.alt => text.push(c),
            Key::Backspace => {
                text.pop();
            }
            _ => return,
        }
        v.check = v.request(now).map(|r| describe(&r));
    }

    /// Text pasted into the form (an id copied from a log, say): one line.
    pub(super) fn fetch_paste(&mut self, text: &str) {
        let now = self.now;
        if let Overlay::Fetch(v) = &mut self.overlay
            && v.editing
        {
            let line = text.lines().next().unwrap_or("").trim();
            v.value_mut(v.field).push_str(line);
            v.check = v.request(now).map(|r| describe(&r));
        }
    }

    /// A key while the overlay is open.
    pub(super) fn fetch_key(&mut self, bind: Bind, fx: &mut Effects) {
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        if v.filtering {
            if bind == Bind::Close {
                v.filtering = false;
            }
            return;
        }
        if v.editing {
            match bind {
                Bind::Close if v.answer.is_some() || v.error.is_some() => v.editing = false,
                Bind::Close => self.overlay = Overlay::None,
                Bind::FocusNext | Bind::FocusPrev => {
                    let i = FetchField::ORDER.iter().position(|f| *f == v.field);
                    let step = if bind == Bind::FocusNext { 1 } else { 3 };
                    v.field = FetchField::ORDER[(i.unwrap_or(0) + step) % 4];
                }
                Bind::Submit => self.start_fetch(fx),
                _ => {}
            }
            return;
        }
        let shown = v.shown().len();
        match bind {
            Bind::Close if v.confirm.is_some() => v.confirm = None,
            Bind::Close if v.detail => v.detail = false,
            // A list opened from the group lens goes back to it.
            Bind::Close if v.lens.is_some() => {
                if let Some(l) = v.lens.as_deref_mut() {
                    l.showing = true;
                }
            }
            Bind::Close => self.overlay = Overlay::None,
            Bind::ScrollDown if v.detail => v.scroll = v.scroll.saturating_add(1),
            Bind::ScrollUp if v.detail => v.scroll = v.scroll.saturating_sub(1),
            Bind::ScrollDown => v.cursor = (v.cursor + 1).min(shown.saturating_sub(1)),
            Bind::ScrollUp => v.cursor = v.cursor.saturating_sub(1),
            Bind::OpenDetail => {
                v.detail = !v.detail && shown > 0;
                v.scroll = 0;
            }
            Bind::BodyView => {
                v.body_view = v.body_view.next();
                v.scroll = 0;
            }
            Bind::FilterHistory => {
                v.filtering = true;
                v.detail = false;
            }
            Bind::ToggleSelect => {
                if let Some(&(i, _)) = v.shown().get(v.cursor)
                    && !v.selected.remove(&i)
                {
                    v.selected.insert(i);
                }
                v.cursor = (v.cursor + 1).min(shown.saturating_sub(1));
            }
            Bind::Fetch => {
                v.editing = true;
                v.detail = false;
            }
            Bind::CopyMsgId => {
                let id = v.current().map(|m| m.offset_msg_id.clone());
                self.copy(id, fx);
            }
            Bind::ExportResults => self.export_fetched(fx),
            Bind::RateUp => v.rate = (v.rate + 1).min(RATES.len() - 1),
            Bind::RateDown => v.rate = v.rate.saturating_sub(1),
            Bind::CancelBurst => self.cancel_pacer(),
            Bind::LoadDraft => self.load_fetched(),
            Bind::Resend => self.resend_fetched(false, fx),
            Bind::Tail => self.open_tail(fx),
            Bind::Follow => self.toggle_follow(),
            Bind::Yes => self.resend_fetched(true, fx),
            Bind::GroupLens => self.open_group_lens(),
            Bind::ConsumedBy => self.ask_consumed_by(fx),
            _ => {}
        }
    }

    /// Enter in the form: the request to the loop. A fetch already running
    /// is replaced: the loop drops its future (nothing was written), and
    /// its answer, should it still arrive, is ignored by its id.
    fn start_fetch(&mut self, fx: &mut Effects) {
        let now = self.now;
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        let request = match v.request(now) {
            Ok(r) => r,
            Err(why) => {
                v.check = Err(why.clone());
                self.notice(Level::Warn, format!("fetch: {why}"));
                return;
            }
        };
        self.next_fetch_id += 1;
        let id = self.next_fetch_id;
        let what = describe(&request);
        v.supersede();
        v.pending = Some((id, what.clone()));
        v.editing = false;
        v.error = None;
        v.tail = None;
        v.newest_first = false;
        v.following = false;
        v.follow_pending = None;
        self.notice(Level::Info, format!("fetching: {what}…"));
        fx.push_back(Effect::Fetch { id, request });
    }

    /// The loop's answer to `Effect::Fetch` number `id`.
    pub(super) fn fetched(&mut self, id: u64, result: Result<Answer, String>) {
        let Overlay::Fetch(v) = &mut self.overlay else {
            // The overlay was closed meanwhile: nobody asked any more.
            return;
        };
        let Some((pending, what)) = v.pending.take_if(|(p, _)| *p == id) else {
            return;
        };
        let _ = pending;
        v.asked = what;
        v.selected.clear();
        v.detail = false;
        v.confirm = None;
        match result {
            Ok(mut answer) => {
                if v.tail.is_some() || v.newest_first {
                    // Newest first: follow slides new ones in at the top.
                    answer.messages.reverse();
                }
                let summary = answer.summary();
                let partial = answer.completeness.is_partial();
                let denied = answer.completeness.denied.as_ref().map(|d| d.to_string());
                v.answer = Some(answer);
                v.error = None;
                let filter = v.filter.clone();
                v.set_filter(filter);
                if let Some(d) = denied {
                    self.notice(Level::Error, format!("fetch: {d}"));
                } else if partial {
                    self.notice(Level::Warn, format!("fetch: partial: {summary}"));
                } else {
                    self.notice(Level::Info, format!("fetch: {summary}"));
                }
            }
            Err(why) => {
                v.error = Some(why.clone());
                v.editing = true;
                self.notice(Level::Error, format!("fetch failed: {why}"));
            }
        }
    }

    /// `E`: the selected (or all) messages, in the replay format.
    fn export_fetched(&mut self, fx: &mut Effects) {
        let Overlay::Fetch(v) = &self.overlay else {
            return;
        };
        let chosen: Vec<&Stored> = if v.selected.is_empty() {
            v.shown().into_iter().map(|(_, m)| m).collect()
        } else {
            v.chosen()
        };
        if chosen.is_empty() {
            self.notice(Level::Info, "nothing to export: no messages fetched");
            return;
        }
        let lines = chosen.iter().map(|m| m.replay_line().to_string()).collect();
        fx.push_back(Effect::ExportFetched(lines));
    }
}

/// What a tail is, as the operator reads it.
pub fn describe_tail(topic: &str, n: usize) -> String {
    format!("tail {topic}: the newest {n} across its queues, newest first")
}

/// What a request was taken to be, as the operator reads it.
pub fn describe(r: &Request) -> String {
    let what = r.check().unwrap_or_else(|e| e);
    match &r.topic {
        Some(t) if !what.contains(t.as_str()) => format!("{what} (topic {t})"),
        _ => what,
    }
}
