//! The console's whole state and its one transition function,
//! `App::update(Action) -> Option<Effect>`. Pure: no terminal, no clock, no
//! channels; the run loop feeds it actions (keys, producer events, ticks) and
//! carries out the effects it returns.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Local};
use ratatui_textarea::{CursorMove, Input, Key, TextArea};

use super::ProfileChoice;
use super::keymap::{Bind, Context, Keymap};
use super::stats::{ModeStats, Rate};
use crate::message::{Completion, Draft, Mode, Outcome, Seq};
use crate::producer::{
    BurstSpec, Connection, ProducerCommand, ProducerEvent, ProducerSettings, SubmitError,
};
use crate::{template, validate};

/// Focusable places, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Focus {
    Topic,
    Tag,
    Keys,
    Props,
    Body,
    ModeBar,
    Log,
}

impl Focus {
    pub const ORDER: [Focus; 7] = [
        Focus::Topic,
        Focus::Tag,
        Focus::Keys,
        Focus::Props,
        Focus::Body,
        Focus::ModeBar,
        Focus::Log,
    ];

    pub fn is_text(self) -> bool {
        !matches!(self, Focus::ModeBar | Focus::Log)
    }

    fn multi_line(self) -> bool {
        matches!(self, Focus::Props | Focus::Body)
    }

    fn step(self, forward: bool) -> Focus {
        let i = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let n = Focus::ORDER.len();
        Focus::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }

    pub fn label(self) -> &'static str {
        match self {
            Focus::Topic => "Topic",
            Focus::Tag => "Tag",
            Focus::Keys => "Keys",
            Focus::Props => "Props",
            Focus::Body => "Body",
            Focus::ModeBar => "Mode",
            Focus::Log => "Results",
        }
    }
}

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
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Queued,
    Submitted,
    Completed {
        outcome: Outcome,
        submitted_at: DateTime<Local>,
        latency: Duration,
    },
    /// The UI could not hand the send to the producer.
    NotSent(String),
    /// A console event in the log (profile switches), not a send.
    Note(String),
}

/// One line of the results log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: DateTime<Local>,
    pub seq: Seq,
    pub mode: Mode,
    pub kind: EntryKind,
    pub draft: Option<Arc<Draft>>,
    /// The profile the send went out under; results outlive a switch.
    pub profile: String,
}

impl LogEntry {
    pub fn msg_id(&self) -> Option<&str> {
        match &self.kind {
            EntryKind::Completed {
                outcome: Outcome::Acknowledged(r),
                ..
            } => Some(&r.msg_id),
            _ => None,
        }
    }
}

/// A single-line text input used by the composer and the repeat form.
pub fn line_input(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.set_max_histories(50);
    // Typing after a prefilled value extends it rather than prefixing it.
    t.move_cursor(CursorMove::End);
    t
}

pub struct Composer {
    pub topic: TextArea<'static>,
    pub tag: TextArea<'static>,
    pub keys: TextArea<'static>,
    pub props: TextArea<'static>,
    pub body: TextArea<'static>,
    pub errors: HashMap<Focus, String>,
}

impl Composer {
    fn new(topic: &str, tag: &str) -> Self {
        Self {
            topic: line_input(topic),
            tag: line_input(tag),
            keys: line_input(""),
            props: TextArea::default(),
            body: TextArea::default(),
            errors: HashMap::new(),
        }
    }

    pub fn field(&self, f: Focus) -> Option<&TextArea<'static>> {
        Some(match f {
            Focus::Topic => &self.topic,
            Focus::Tag => &self.tag,
            Focus::Keys => &self.keys,
            Focus::Props => &self.props,
            Focus::Body => &self.body,
            _ => return None,
        })
    }

    fn field_mut(&mut self, f: Focus) -> Option<&mut TextArea<'static>> {
        Some(match f {
            Focus::Topic => &mut self.topic,
            Focus::Tag => &mut self.tag,
            Focus::Keys => &mut self.keys,
            Focus::Props => &mut self.props,
            Focus::Body => &mut self.body,
            _ => return None,
        })
    }

    pub fn body_bytes(&self) -> usize {
        let lines = self.body.lines();
        lines.iter().map(String::len).sum::<usize>() + lines.len().saturating_sub(1)
    }

    /// Re-checks every field; errors are shown next to their field.
    /// The rules are `crate::validate`'s, shared with the headless CLI.
    fn validate(&mut self, max_body: usize) {
        let mut errors = HashMap::new();
        if let Err(e) = validate::topic(self.topic.lines()[0].trim()) {
            errors.insert(Focus::Topic, e);
        }
        if let Err(e) = validate::tag(self.tag.lines()[0].trim()) {
            errors.insert(Focus::Tag, e);
        }
        if let Err(e) = parse_properties(self.props.lines()) {
            errors.insert(Focus::Props, e);
        }
        if let Err(e) = validate::body(self.body_bytes(), max_body) {
            errors.insert(Focus::Body, e);
        }
        self.errors = errors;
    }

    /// The draft, or `None` when a field is invalid (see `errors`).
    pub fn draft(&self) -> Option<Draft> {
        if !self.errors.is_empty() {
            return None;
        }
        let tag = self.tag.lines()[0].trim().to_string();
        Some(Draft {
            topic: self.topic.lines()[0].trim().to_string(),
            tag: (!tag.is_empty()).then_some(tag),
            keys: self.keys.lines()[0]
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            properties: parse_properties(self.props.lines()).ok()?,
            body: self.body.lines().join("\n").into_bytes(),
        })
    }
}

/// `key=value` per line; blank lines are skipped; each pair is checked by
/// `validate::property` (reserved names, empty parts).
pub fn parse_properties(lines: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!("line {}: expected key=value", i + 1));
        };
        let k = k.trim();
        validate::property(k, v).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepeatField {
    Count,
    Rate,
    Template,
}

pub struct RepeatForm {
    pub focus: RepeatField,
    pub count: TextArea<'static>,
    pub rate: TextArea<'static>,
    pub template: TextArea<'static>,
    pub errors: HashMap<RepeatField, String>,
}

/// What the repeat form asks for, once valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatSpec {
    pub count: u64,
    pub rate: Option<u32>,
    pub key_template: Option<String>,
}

pub const MAX_BURST: u64 = 1_000_000;

impl RepeatForm {
    pub fn new() -> Self {
        let mut f = Self {
            focus: RepeatField::Count,
            count: line_input("10"),
            rate: line_input(""),
            template: line_input("demo-{seq}"),
            errors: HashMap::new(),
        };
        f.validate();
        f
    }

    pub fn field(&self, f: RepeatField) -> &TextArea<'static> {
        match f {
            RepeatField::Count => &self.count,
            RepeatField::Rate => &self.rate,
            RepeatField::Template => &self.template,
        }
    }

    fn focused_mut(&mut self) -> &mut TextArea<'static> {
        match self.focus {
            RepeatField::Count => &mut self.count,
            RepeatField::Rate => &mut self.rate,
            RepeatField::Template => &mut self.template,
        }
    }

    fn step(&mut self, forward: bool) {
        use RepeatField::*;
        self.focus = match (self.focus, forward) {
            (Count, true) | (Template, false) => Rate,
            (Rate, true) | (Count, false) => Template,
            (Template, true) | (Rate, false) => Count,
        };
    }

    fn validate(&mut self) -> Option<RepeatSpec> {
        self.errors.clear();
        let count = self.count.lines()[0].trim().to_string();
        let count = match count.parse::<u64>() {
            Ok(n) if (1..=MAX_BURST).contains(&n) => Some(n),
            _ => {
                self.errors.insert(
                    RepeatField::Count,
                    format!("a whole number from 1 to {MAX_BURST}"),
                );
                None
            }
        };
        let rate_text = self.rate.lines()[0].trim().to_string();
        let rate = if rate_text.is_empty() {
            Some(None)
        } else {
            match rate_text.parse::<u32>() {
                Ok(n) if n > 0 => Some(Some(n)),
                _ => {
                    self.errors.insert(
                        RepeatField::Rate,
                        "msg/s above 0, or empty for unlimited".into(),
                    );
                    None
                }
            }
        };
        let tpl = self.template.lines()[0].trim().to_string();
        if let Err(e) = template::validate(&tpl) {
            self.errors.insert(RepeatField::Template, e);
        }
        Some(RepeatSpec {
            count: count?,
            rate: rate?,
            key_template: (!tpl.is_empty()).then_some(tpl),
        })
        .filter(|_| self.errors.is_empty())
    }
}

impl Default for RepeatForm {
    fn default() -> Self {
        Self::new()
    }
}

/// A send waiting for the operator's y/n on a protected profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSend {
    pub mode: Mode,
    pub draft: Arc<Draft>,
    pub repeat: Option<RepeatSpec>,
}

impl PendingSend {
    pub fn count(&self) -> u64 {
        self.repeat.as_ref().map_or(1, |r| r.count)
    }
}

/// The protected-profile confirmation. A burst on a protected profile is
/// only accepted once the operator has typed its topic back, so a stray
/// Enter cannot fire thousands of messages at production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub pending: PendingSend,
    /// `Some` when the topic must be typed back: what has been typed.
    pub typed: Option<String>,
}

impl Confirm {
    pub fn topic_matches(&self) -> bool {
        self.typed
            .as_deref()
            .is_none_or(|t| t == self.pending.draft.topic)
    }
}

pub enum Overlay {
    None,
    Help,
    Detail {
        entry: Box<LogEntry>,
        scroll: u16,
    },
    Repeat(Box<RepeatForm>),
    Confirm(Confirm),
    /// The profile picker; `cursor` indexes `App::profiles`.
    Picker {
        cursor: usize,
    },
}

/// The old producer is draining before the new profile's one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switching {
    /// Index into `App::profiles`.
    pub to: usize,
    pub since: DateTime<Local>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurstState {
    pub id: u64,
    pub submitted: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quitting {
    pub since: DateTime<Local>,
    /// In flight (and queued) when quit was asked for.
    pub waiting: u64,
}

/// What the App is built with.
pub struct AppConfig {
    /// Must be non-empty; `current` must index a usable (`Ok`) choice.
    pub profiles: Vec<ProfileChoice>,
    pub current: usize,
    pub results_capacity: usize,
    pub keymap: Keymap,
}

pub struct App {
    pub profiles: Vec<ProfileChoice>,
    /// Index into `profiles` of the active profile; the fields below are
    /// copied from it on every switch.
    pub current: usize,
    pub profile: String,
    pub endpoint: String,
    pub sandbox: bool,
    pub protected: bool,
    pub profile_color: Option<ratatui::style::Color>,
    pub max_message_bytes: usize,
    pub grace: Duration,
    pub keymap: Keymap,

    pub now: DateTime<Local>,
    /// Times are shown in this zone when set (tests), else in local time.
    pub display_offset: Option<FixedOffset>,

    pub mode: Mode,
    pub focus: Focus,
    pub composer: Composer,
    pub overlay: Overlay,
    pub notice: Option<Notice>,

    /// Newest first.
    pub log: VecDeque<LogEntry>,
    pub capacity: usize,
    /// Index into `log` of the highlighted line.
    pub selected: usize,

    pub stats: [ModeStats; 3],
    pub rate: Rate,
    pub connection: Connection,
    pub producer_started: Option<DateTime<Local>>,
    pub producer_alive: bool,
    pub burst: Option<BurstState>,

    pub next_seq: Seq,
    next_burst_id: u64,
    /// Drafts of sends not yet completed, so their result lines can show them.
    in_flight: HashMap<Seq, Arc<Draft>>,
    queued: HashSet<Seq>,
    /// Seqs counted in `sent` and not yet completed, so each send is counted
    /// once even when it fails before it was ever submitted.
    counted: HashSet<Seq>,

    pub quitting: Option<Quitting>,
    pub switching: Option<Switching>,
    pub should_exit: bool,
    /// From `Stopped`; `None` if the producer never reported.
    pub unresolved: Option<Vec<(Seq, Mode)>>,
    /// Set by `update` when the screen must be redrawn.
    pub dirty: bool,
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
            profiles: Vec::new(),
            current: cfg.current,
            profile: String::new(),
            endpoint: String::new(),
            sandbox: false,
            protected: false,
            profile_color: None,
            max_message_bytes: 0,
            grace: Duration::ZERO,
            keymap: cfg.keymap,
            now,
            display_offset: None,
            mode: Mode::Sync,
            focus: Focus::Topic,
            composer: Composer::new("", ""),
            overlay: Overlay::None,
            notice: None,
            log: VecDeque::new(),
            capacity: cfg.results_capacity.max(1),
            selected: 0,
            stats: Default::default(),
            rate: Rate::default(),
            connection: Connection::Starting,
            producer_started: Some(now),
            producer_alive: true,
            burst: None,
            next_seq: 1,
            next_burst_id: 1,
            in_flight: HashMap::new(),
            queued: HashSet::new(),
            counted: HashSet::new(),
            quitting: None,
            switching: None,
            should_exit: false,
            unresolved: None,
            dirty: true,
        };
        app.composer = composer;
        app.profiles = cfg.profiles;
        app.adopt_profile(cfg.current);
        app.composer.validate(app.max_message_bytes);
        app
    }

    /// Makes `profiles[i]` the active profile: the fields the screen and
    /// the checks read. Counters and the composer are the caller's business.
    fn adopt_profile(&mut self, i: usize) {
        let c = &self.profiles[i];
        self.current = i;
        self.profile = c.name.clone();
        self.endpoint = c.endpoint.clone();
        self.sandbox = c.sandbox;
        self.protected = c.protected;
        self.profile_color = c.color;
        if let Ok(st) = &c.settings {
            self.max_message_bytes = st.max_message_bytes;
            self.grace = st.send_timeout;
        }
    }

    /// The active profile's producer settings (what the loop spawns with).
    pub fn current_settings(&self) -> Result<&ProducerSettings, &str> {
        match self.profiles.get(self.current).map(|c| &c.settings) {
            Some(Ok(s)) => Ok(s),
            Some(Err(e)) => Err(e),
            None => Err("no such profile"),
        }
    }

    /// The keymap context the keyboard is in right now.
    pub fn context(&self) -> Context {
        match &self.overlay {
            Overlay::Help => Context::Help,
            Overlay::Detail { .. } => Context::Detail,
            Overlay::Repeat(_) => Context::Repeat,
            Overlay::Confirm(c) if c.typed.is_some() => Context::ConfirmTopic,
            Overlay::Confirm(_) => Context::Confirm,
            Overlay::Picker { .. } => Context::Picker,
            Overlay::None if self.quitting.is_some() => Context::Quitting,
            Overlay::None if self.focus.is_text() => Context::Edit,
            Overlay::None if self.focus == Focus::ModeBar => Context::ModeBar,
            Overlay::None => Context::Log,
        }
    }

    /// Whether keys that no binding claims should be typed into a field.
    pub fn takes_text(&self) -> bool {
        matches!(
            self.context(),
            Context::Edit | Context::Repeat | Context::ConfirmTopic
        )
    }

    pub fn stats(&self, mode: Mode) -> &ModeStats {
        &self.stats[mode.index()]
    }

    pub fn in_flight_total(&self) -> u64 {
        self.stats.iter().map(|s| s.in_flight() + s.queued).sum()
    }

    pub fn selected_entry(&self) -> Option<&LogEntry> {
        self.log.get(self.selected)
    }

    /// How many sends stayed unresolved at exit.
    pub fn unresolved_count(&self) -> u64 {
        match &self.unresolved {
            Some(list) => list.len() as u64,
            None => self.in_flight_total(),
        }
    }

    pub fn uptime(&self) -> Option<Duration> {
        let started = self.producer_started?;
        (self.now - started).to_std().ok()
    }

    /// What the clock contributes to the screen; a tick redraws only when
    /// this changes, so an idle console draws nothing.
    fn clock_view(&self) -> (u64, i64) {
        let minutes = self.uptime().map_or(0, |u| u.as_secs() / 60);
        let sec = self.now.timestamp();
        let recent = self
            .rate
            .last_second()
            .is_some_and(|last| sec - last <= super::stats::WINDOW as i64 + 1);
        let live = recent || self.quitting.is_some() || self.switching.is_some();
        (minutes, if live { sec } else { 0 })
    }

    fn notice(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
    }

    pub fn update(&mut self, action: Action) -> Option<Effect> {
        if let Action::Tick(now) = action {
            let before = self.clock_view();
            self.now = now;
            if self.clock_view() != before {
                self.dirty = true;
            }
            if let Some(q) = &self.quitting
                && (now - q.since).to_std().unwrap_or_default()
                    > self.grace + Duration::from_secs(2)
            {
                // The producer did not report in time; do not hang the exit.
                self.should_exit = true;
                self.dirty = true;
            }
            if self.quitting.is_none()
                && let Some(sw) = &self.switching
                && (now - sw.since).to_std().unwrap_or_default()
                    > self.grace + Duration::from_secs(2)
            {
                // Same for a switch: the new profile must not wait forever
                // on a stuck old producer.
                self.dirty = true;
                return self.finish_switch(None);
            }
            return None;
        }
        self.dirty = true;
        match action {
            Action::Tick(_) => None,
            Action::Key(bind) => self.on_key(bind),
            Action::Edit(input) => {
                self.on_edit(input);
                None
            }
            Action::Producer(ev) => self.on_event(ev),
            Action::SubmitFailed {
                first_seq,
                count,
                mode,
                burst,
                error,
            } => {
                if self.quitting.is_some() {
                    // Shutdown could not be delivered: nothing to wait for.
                    self.should_exit = true;
                    return None;
                }
                if self.switching.is_some() && error == SubmitError::Closed {
                    // The old producer has ended already (its Shutdown or
                    // a cancel found the channel closed): start the new one.
                    return self.finish_switch(None);
                }
                if let Some(seq) = first_seq {
                    let draft = self.in_flight.remove(&seq);
                    let mut why = error.to_string();
                    if burst.is_some() {
                        why.push_str(&format!(" (burst of {count})"));
                    }
                    self.push(LogEntry {
                        at: self.now,
                        seq,
                        // The send's own mode: the operator may have
                        // picked another since.
                        mode: mode.unwrap_or(self.mode),
                        kind: EntryKind::NotSent(why),
                        draft,
                        profile: self.profile.clone(),
                    });
                }
                // A refused burst never runs, whatever its size.
                if burst.is_some() && self.burst.as_ref().map(|b| b.id) == burst {
                    self.burst = None;
                }
                self.notice(Level::Error, format!("not sent: {error}"));
                None
            }
            Action::ProducerDied(why) => {
                if self.switching.is_some() && self.quitting.is_none() {
                    // It was being shut down anyway; what it left in
                    // flight is unresolved, and the new profile starts.
                    tracing::warn!("old producer ended without Stopped: {why}");
                    return self.finish_switch(None);
                }
                self.producer_alive = false;
                self.connection = Connection::Failed(why.clone());
                for s in &mut self.stats {
                    // Queued sends were accepted too: they end unresolved
                    // like the ones in flight, not as nothing.
                    s.sent += s.queued;
                    s.queued = 0;
                    s.unresolved += s.in_flight();
                }
                self.in_flight.clear();
                self.queued.clear();
                self.counted.clear();
                self.burst = None;
                let key = self.key_for(Bind::RestartProducer);
                self.notice(
                    Level::Error,
                    format!("producer task died: {why} — {key} restarts it"),
                );
                if self.quitting.is_some() {
                    self.should_exit = true;
                }
                None
            }
            Action::ProducerRestarted => {
                self.producer_alive = true;
                self.connection = Connection::Starting;
                self.producer_started = Some(self.now);
                self.notice(Level::Info, "producer restarted");
                None
            }
            Action::FocusPane(f) => {
                if matches!(self.overlay, Overlay::None) {
                    self.focus = f;
                }
                None
            }
            Action::Wheel(n) => {
                self.scroll(n as i64);
                None
            }
            Action::SelectLine(i) => {
                if matches!(self.overlay, Overlay::None) && i < self.log.len() {
                    self.focus = Focus::Log;
                    self.selected = i;
                }
                None
            }
        }
    }

    fn key_for(&self, bind: Bind) -> String {
        self.keymap
            .help(Context::Global)
            .into_iter()
            .find(|(_, d)| *d == bind.describe())
            .map(|(k, _)| k)
            .unwrap_or_else(|| bind.name().to_string())
    }

    fn scroll(&mut self, by: i64) {
        let max = self.log.len().saturating_sub(1) as i64;
        self.selected = (self.selected as i64 + by).clamp(0, max) as usize;
    }

    fn on_key(&mut self, bind: Bind) -> Option<Effect> {
        let last_profile = self.profiles.len().saturating_sub(1);
        // Modal overlays first: they own the keyboard.
        match (&mut self.overlay, bind) {
            (_, Bind::QuitNow) => return self.quit(),
            (Overlay::Help, Bind::Close) => {
                self.overlay = Overlay::None;
                return None;
            }
            (Overlay::Help, _) => return None,
            (Overlay::Detail { .. }, Bind::Close) => {
                self.overlay = Overlay::None;
                return None;
            }
            (Overlay::Detail { scroll, .. }, Bind::ScrollDown) => {
                *scroll = scroll.saturating_add(1);
                return None;
            }
            (Overlay::Detail { scroll, .. }, Bind::ScrollUp) => {
                *scroll = scroll.saturating_sub(1);
                return None;
            }
            (Overlay::Detail { entry, .. }, Bind::CopyMsgId) => {
                let id = entry.msg_id().map(str::to_string);
                return self.copy(id);
            }
            (Overlay::Detail { .. }, _) => return None,
            (Overlay::Repeat(_), Bind::Close) => {
                self.overlay = Overlay::None;
                return None;
            }
            (Overlay::Repeat(form), Bind::FocusNext | Bind::FocusPrev) => {
                form.step(bind == Bind::FocusNext);
                return None;
            }
            (Overlay::Repeat(form), Bind::Submit | Bind::Send) => {
                let Some(spec) = form.validate() else {
                    self.notice(Level::Warn, "fix the repeat form first");
                    return None;
                };
                return self.start_send(Some(spec));
            }
            (Overlay::Repeat(_), _) => return None,
            (Overlay::Confirm(c), Bind::Yes) if c.typed.is_none() => {
                return self.confirmed();
            }
            (Overlay::Confirm(c), Bind::Submit) if c.typed.is_some() => {
                if c.topic_matches() {
                    return self.confirmed();
                }
                let topic = c.pending.draft.topic.clone();
                self.notice(
                    Level::Warn,
                    format!("type the topic exactly ({topic}) to start the burst"),
                );
                return None;
            }
            (Overlay::Confirm(_), Bind::No | Bind::Close) => {
                self.overlay = Overlay::None;
                self.notice(Level::Info, "not sent");
                return None;
            }
            (Overlay::Confirm(_), _) => return None,
            (Overlay::Picker { .. }, Bind::Close) => {
                self.overlay = Overlay::None;
                return None;
            }
            (Overlay::Picker { cursor }, Bind::ScrollDown) => {
                *cursor = (*cursor + 1).min(last_profile);
                return None;
            }
            (Overlay::Picker { cursor }, Bind::ScrollUp) => {
                *cursor = cursor.saturating_sub(1);
                return None;
            }
            (Overlay::Picker { cursor }, Bind::Submit) => {
                let i = *cursor;
                return self.choose_profile(i);
            }
            (Overlay::Picker { .. }, _) => return None,
            (Overlay::None, _) => {}
        }
        match bind {
            Bind::Send | Bind::QuickSend => self.start_send(None),
            Bind::Quit => self.quit(),
            Bind::QuitNow => self.quit(),
            Bind::FocusNext | Bind::FocusPrev => {
                self.focus = self.focus.step(bind == Bind::FocusNext);
                None
            }
            Bind::LeaveField => {
                self.focus = Focus::ModeBar;
                None
            }
            Bind::EditComposer => {
                self.focus = Focus::Topic;
                None
            }
            Bind::RestartProducer => {
                if self.producer_alive {
                    self.notice(Level::Info, "the producer is running");
                    None
                } else if self.quitting.is_some() {
                    None
                } else {
                    Some(Effect::RestartProducer)
                }
            }
            Bind::ModeSync => self.set_mode(Mode::Sync),
            Bind::ModeAsync => self.set_mode(Mode::Async),
            Bind::ModeOneway => self.set_mode(Mode::Oneway),
            Bind::ModePrev => self.set_mode(Mode::ALL[(self.mode.index() + 2) % 3]),
            Bind::ModeNext => self.set_mode(Mode::ALL[(self.mode.index() + 1) % 3]),
            Bind::Repeat => {
                if self.quitting.is_none() {
                    self.overlay = Overlay::Repeat(Box::default());
                }
                None
            }
            Bind::CancelBurst => match &self.burst {
                Some(b) => Some(Effect::Submit(ProducerCommand::CancelBurst { id: b.id })),
                None => {
                    self.notice(Level::Info, "no burst is running");
                    None
                }
            },
            Bind::ScrollDown => {
                self.scroll(1);
                None
            }
            Bind::ScrollUp => {
                self.scroll(-1);
                None
            }
            Bind::PageDown => {
                self.scroll(10);
                None
            }
            Bind::PageUp => {
                self.scroll(-10);
                None
            }
            Bind::ScrollTop => {
                self.selected = 0;
                None
            }
            Bind::OpenDetail => {
                if let Some(e) = self.selected_entry() {
                    self.overlay = Overlay::Detail {
                        entry: Box::new(e.clone()),
                        scroll: 0,
                    };
                }
                None
            }
            Bind::CopyMsgId => {
                let id = self.selected_entry().and_then(|e| {
                    e.msg_id().map(str::to_string).or_else(|| {
                        // A submit line: copy the id its result line got.
                        self.log
                            .iter()
                            .filter(|x| x.seq == e.seq)
                            .find_map(|x| x.msg_id().map(str::to_string))
                    })
                });
                self.copy(id)
            }
            Bind::Help => {
                self.overlay = Overlay::Help;
                None
            }
            Bind::SwitchProfile => {
                if self.quitting.is_none() {
                    self.overlay = Overlay::Picker {
                        cursor: self.current,
                    };
                }
                None
            }
            Bind::Close | Bind::Submit | Bind::Yes | Bind::No => None,
        }
    }

    /// Sends what the confirmation box holds.
    fn confirmed(&mut self) -> Option<Effect> {
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::Confirm(c) => self.emit(c.pending),
            _ => None,
        }
    }

    /// The picker's Enter. A different usable profile starts a switch: the
    /// old producer is told to shut down and the new one starts once it has
    /// reported `Stopped` (see `finish_switch`).
    fn choose_profile(&mut self, i: usize) -> Option<Effect> {
        let c = self.profiles.get(i)?;
        let name = c.name.clone();
        if let Err(e) = &c.settings {
            // The picker stays open so another profile can be chosen.
            self.notice(Level::Error, format!("cannot switch to {name}: {e}"));
            return None;
        }
        if self.quitting.is_some() {
            return None;
        }
        if self.switching.is_some() {
            self.notice(Level::Warn, "a profile switch is already under way");
            return None;
        }
        self.overlay = Overlay::None;
        if i == self.current {
            self.notice(Level::Info, format!("already on profile {name}"));
            return None;
        }
        self.switching = Some(Switching {
            to: i,
            since: self.now,
        });
        if !self.producer_alive {
            // Nothing to drain.
            return self.finish_switch(None);
        }
        let waiting = self.in_flight_total();
        let mut text = format!("switching to {name}…");
        if waiting > 0 {
            text.push_str(&format!(
                " waiting up to {}s for {waiting} in-flight send(s) on {}",
                self.grace.as_secs_f32(),
                self.profile
            ));
        }
        self.notice(Level::Info, text);
        Some(Effect::Submit(ProducerCommand::Shutdown {
            grace: self.grace,
        }))
    }

    /// The old producer is gone (`unresolved` from its `Stopped`, or `None`
    /// when it never reported): adopt the new profile and ask the loop to
    /// start its producer.
    fn finish_switch(&mut self, unresolved: Option<Vec<(Seq, Mode)>>) -> Option<Effect> {
        let sw = self.switching.take()?;
        let old = self.profile.clone();
        let lost = match &unresolved {
            Some(list) if !list.is_empty() => {
                let mut shown: Vec<String> = list
                    .iter()
                    .take(10)
                    .map(|(seq, mode)| format!("#{seq} {mode}"))
                    .collect();
                if list.len() > 10 {
                    shown.push("…".into());
                }
                Some((list.len() as u64, shown.join(", ")))
            }
            Some(_) => None,
            None => {
                let n = self.in_flight_total();
                (n > 0).then(|| (n, "the producer did not report them".to_string()))
            }
        };
        if let Some((n, detail)) = lost {
            tracing::warn!("profile {old}: {n} send(s) unresolved at switch: {detail}");
            self.push_note(format!(
                "{n} send(s) unresolved when leaving {old} ({detail})"
            ));
        }
        self.in_flight.clear();
        self.queued.clear();
        self.counted.clear();
        self.burst = None;
        self.adopt_profile(sw.to);
        // Counters and rate describe one profile's producer.
        self.stats = Default::default();
        self.rate = Rate::default();
        self.unresolved = None;
        self.connection = Connection::Starting;
        self.producer_alive = true;
        self.producer_started = Some(self.now);
        // Fill defaults only where the operator has typed nothing.
        let c = &self.profiles[sw.to];
        let (topic, tag) = (c.default_topic.clone(), c.default_tag.clone());
        if let Some(t) = topic
            && self.composer.topic.lines()[0].trim().is_empty()
        {
            self.composer.topic = line_input(&t);
        }
        if let Some(t) = tag
            && self.composer.tag.lines()[0].trim().is_empty()
        {
            self.composer.tag = line_input(&t);
        }
        self.composer.validate(self.max_message_bytes);
        let text = format!("switched to profile {}", self.profile);
        self.push_note(text.clone());
        self.notice(Level::Info, text);
        Some(Effect::StartProducer)
    }

    fn push_note(&mut self, text: String) {
        self.push(LogEntry {
            at: self.now,
            seq: 0,
            mode: self.mode,
            kind: EntryKind::Note(text),
            draft: None,
            profile: self.profile.clone(),
        });
    }

    fn set_mode(&mut self, mode: Mode) -> Option<Effect> {
        self.mode = mode;
        None
    }

    fn copy(&mut self, id: Option<String>) -> Option<Effect> {
        match id {
            Some(id) => {
                self.notice(Level::Info, format!("copied msgId {id}"));
                Some(Effect::Copy(id))
            }
            None => {
                self.notice(
                    Level::Warn,
                    "no msgId here (only acknowledged sends have one)",
                );
                None
            }
        }
    }

    fn quit(&mut self) -> Option<Effect> {
        if self.quitting.is_some() || !self.producer_alive {
            self.should_exit = true;
            return None;
        }
        self.overlay = Overlay::None;
        let waiting = self.in_flight_total();
        self.quitting = Some(Quitting {
            since: self.now,
            waiting,
        });
        if waiting == 0 {
            self.should_exit = true;
        } else {
            let key = self
                .keymap
                .hints(Context::Quitting)
                .first()
                .map_or("q".to_string(), |(k, _)| k.clone());
            self.notice(
                Level::Warn,
                format!(
                    "quitting: waiting up to {}s for {waiting} in-flight send(s); {key} again quits now",
                    self.grace.as_secs_f32()
                ),
            );
        }
        Some(Effect::Submit(ProducerCommand::Shutdown {
            grace: self.grace,
        }))
    }

    /// Validates and either asks for confirmation or emits the command.
    fn start_send(&mut self, repeat: Option<RepeatSpec>) -> Option<Effect> {
        if self.quitting.is_some() {
            self.notice(Level::Warn, "quitting; no new sends");
            return None;
        }
        if !self.producer_alive {
            let key = self.key_for(Bind::RestartProducer);
            self.notice(
                Level::Error,
                format!("the producer is not running; {key} restarts it"),
            );
            return None;
        }
        if let Some(sw) = &self.switching {
            let to = self.profiles[sw.to].name.clone();
            self.notice(
                Level::Warn,
                format!("switching to {to}; send again once it has started"),
            );
            return None;
        }
        if repeat.is_some() && self.burst.is_some() {
            self.notice(Level::Warn, "a burst is already running (x cancels it)");
            return None;
        }
        self.composer.validate(self.max_message_bytes);
        let Some(draft) = self.composer.draft() else {
            let mut problems: Vec<String> = Focus::ORDER
                .iter()
                .filter_map(|f| {
                    self.composer
                        .errors
                        .get(f)
                        .map(|e| format!("{}: {e}", f.label()))
                })
                .collect();
            problems.truncate(2);
            self.notice(Level::Error, format!("not sent — {}", problems.join("; ")));
            return None;
        };
        let pending = PendingSend {
            mode: self.mode,
            draft: Arc::new(draft),
            repeat,
        };
        if self.protected {
            let typed = pending.repeat.is_some().then(String::new);
            self.overlay = Overlay::Confirm(Confirm { pending, typed });
            return None;
        }
        self.overlay = Overlay::None;
        self.emit(pending)
    }

    fn emit(&mut self, p: PendingSend) -> Option<Effect> {
        let seq = self.next_seq;
        self.next_seq += p.count();
        match p.repeat {
            None => {
                self.in_flight.insert(seq, p.draft.clone());
                self.notice = None;
                Some(Effect::Submit(ProducerCommand::Send {
                    seq,
                    mode: p.mode,
                    draft: p.draft,
                }))
            }
            Some(r) => {
                let id = self.next_burst_id;
                self.next_burst_id += 1;
                self.burst = Some(BurstState {
                    id,
                    submitted: 0,
                    total: r.count,
                });
                self.notice(
                    Level::Info,
                    format!("burst #{id}: {} × {}", r.count, p.mode.label()),
                );
                Some(Effect::Submit(ProducerCommand::Burst(BurstSpec {
                    id,
                    mode: p.mode,
                    draft: p.draft,
                    count: r.count,
                    rate: r.rate,
                    key_template: r.key_template,
                    first_seq: seq,
                    // One-way has no other evidence of delivery.
                    verify: p.mode == Mode::Oneway,
                })))
            }
        }
    }

    fn on_edit(&mut self, input: Input) {
        if let Overlay::Confirm(Confirm {
            typed: Some(typed), ..
        }) = &mut self.overlay
        {
            match input.key {
                Key::Char(c) if !input.ctrl && !input.alt => typed.push(c),
                Key::Backspace => {
                    typed.pop();
                }
                _ => {}
            }
            return;
        }
        if let Overlay::Repeat(form) = &mut self.overlay {
            if input.key == Key::Enter {
                return;
            }
            form.focused_mut().input(input);
            form.validate();
            return;
        }
        if !matches!(self.overlay, Overlay::None) {
            return;
        }
        let focus = self.focus;
        if !focus.is_text() {
            return;
        }
        if input.key == Key::Enter && !focus.multi_line() {
            self.focus = focus.step(true);
            return;
        }
        if let Some(area) = self.composer.field_mut(focus) {
            area.input(input);
        }
        self.composer.validate(self.max_message_bytes);
    }

    fn push(&mut self, entry: LogEntry) {
        self.log.push_front(entry);
        if self.selected > 0 {
            // Keep the operator's line under the cursor while new ones arrive.
            self.selected += 1;
        }
        while self.log.len() > self.capacity {
            self.log.pop_back();
        }
        self.selected = self.selected.min(self.log.len().saturating_sub(1));
    }

    fn on_event(&mut self, ev: ProducerEvent) -> Option<Effect> {
        match ev {
            ProducerEvent::Connection(c) => {
                if c == Connection::Starting {
                    self.producer_started = Some(self.now);
                }
                if let Connection::Failed(why) = &c {
                    self.notice(Level::Error, format!("producer: {why}"));
                }
                self.connection = c;
            }
            ProducerEvent::Queued { seq, mode, at } => {
                if self.queued.insert(seq) {
                    self.stats[mode.index()].queued += 1;
                }
                let draft = self.in_flight.get(&seq).cloned();
                self.push(LogEntry {
                    at,
                    seq,
                    mode,
                    kind: EntryKind::Queued,
                    draft,
                    profile: self.profile.clone(),
                });
            }
            ProducerEvent::Submitted {
                seq,
                mode,
                draft,
                at,
            } => {
                let s = &mut self.stats[mode.index()];
                if self.queued.remove(&seq) {
                    s.queued = s.queued.saturating_sub(1);
                }
                if self.counted.insert(seq) {
                    s.sent += 1;
                }
                s.rate.record(at.timestamp());
                self.rate.record(at.timestamp());
                self.in_flight.insert(seq, draft.clone());
                self.push(LogEntry {
                    at,
                    seq,
                    mode,
                    kind: EntryKind::Submitted,
                    draft: Some(draft),
                    profile: self.profile.clone(),
                });
            }
            ProducerEvent::Completed(c) => self.on_completed(c),
            ProducerEvent::BurstProgress {
                id,
                submitted,
                total,
            } => {
                if let Some(b) = self.burst.as_mut().filter(|b| b.id == id) {
                    b.submitted = submitted;
                    b.total = total;
                }
            }
            ProducerEvent::BurstFinished {
                id,
                submitted,
                cancelled,
            } => {
                if self.burst.as_ref().is_some_and(|b| b.id == id) {
                    self.burst = None;
                }
                let how = if cancelled { "cancelled" } else { "finished" };
                // A one-way shortfall just reported for this burst matters more.
                let shortfall = self.notice.as_ref().is_some_and(|n| {
                    n.level == Level::Warn && n.text.starts_with(&format!("burst #{id}:"))
                });
                if !shortfall {
                    self.notice(
                        Level::Info,
                        format!("burst #{id} {how}: {submitted} submitted"),
                    );
                }
            }
            ProducerEvent::OnewayLanded {
                id,
                topic,
                dispatched,
                landed,
            } => {
                let (text, level) = match landed {
                    Ok(n) => (
                        format!(
                            "burst #{id}: {n} of {dispatched} one-way messages landed in {topic} (queue offsets)"
                        ),
                        if n < i64::try_from(dispatched).unwrap_or(i64::MAX) {
                            Level::Warn
                        } else {
                            Level::Info
                        },
                    ),
                    Err(e) => (
                        format!("burst #{id}: could not count one-way deliveries to {topic}: {e}"),
                        Level::Warn,
                    ),
                };
                self.push_note(text.clone());
                self.notice(level, text);
            }
            ProducerEvent::Stopped { unresolved } => {
                self.connection = Connection::Stopped;
                self.producer_alive = false;
                let switching = self.switching.is_some();
                if self.quitting.is_some() {
                    self.should_exit = true;
                } else if !switching {
                    let key = self.key_for(Bind::RestartProducer);
                    self.notice(
                        Level::Error,
                        format!("the producer stopped; {key} restarts it"),
                    );
                }
                for (seq, mode) in &unresolved {
                    self.in_flight.remove(seq);
                    let s = &mut self.stats[mode.index()];
                    if self.queued.remove(seq) {
                        s.queued = s.queued.saturating_sub(1);
                        s.sent += 1;
                        s.unresolved += 1;
                    } else if self.counted.remove(seq) {
                        s.unresolved += 1;
                    }
                }
                if switching && self.quitting.is_none() {
                    return self.finish_switch(Some(unresolved));
                }
                self.unresolved = Some(unresolved);
            }
        }
        None
    }

    fn on_completed(&mut self, c: Completion) {
        let s = &mut self.stats[c.mode.index()];
        if self.queued.remove(&c.seq) {
            s.queued = s.queued.saturating_sub(1);
        }
        if !self.counted.remove(&c.seq) {
            // Ended before it was submitted (queued, or refused at start):
            // it still counts as one send, now finished.
            s.sent += 1;
        }
        match &c.outcome {
            Outcome::Acknowledged(r) if r.status == "SendOk" => s.ok += 1,
            Outcome::Acknowledged(_) => s.degraded += 1,
            Outcome::Dispatched => s.ok += 1,
            Outcome::Failed(_) => s.failed += 1,
            Outcome::Unresolved => s.unresolved += 1,
        }
        if !matches!(c.outcome, Outcome::Unresolved) {
            s.latency.record(c.latency);
        }
        let draft = self.in_flight.remove(&c.seq);
        self.push(LogEntry {
            at: c.completed_at,
            seq: c.seq,
            mode: c.mode,
            kind: EntryKind::Completed {
                outcome: c.outcome,
                submitted_at: c.submitted_at,
                latency: c.latency,
            },
            draft,
            profile: self.profile.clone(),
        });
    }

    /// `HH:MM:SS.mmm` in the display zone.
    pub fn fmt_time(&self, t: DateTime<Local>) -> String {
        match self.display_offset {
            Some(off) => t.with_timezone(&off).format("%H:%M:%S%.3f").to_string(),
            None => t.format("%H:%M:%S%.3f").to_string(),
        }
    }

    pub fn fmt_datetime(&self, t: DateTime<Local>) -> String {
        match self.display_offset {
            Some(off) => t
                .with_timezone(&off)
                .format("%Y-%m-%d %H:%M:%S%.3f %:z")
                .to_string(),
            None => t.format("%Y-%m-%d %H:%M:%S%.3f %:z").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::ui::tests::{busy_app, empty_app, t0};
    use crate::message::{Failure, Receipt};

    /// `empty_app` with a body, so sends pass validation (RocketMQ refuses
    /// empty bodies).
    fn ready_app() -> App {
        let mut app = empty_app();
        app.composer.body = TextArea::new(vec!["hello".into()]);
        app.composer.validate(app.max_message_bytes);
        app
    }

    fn typ(app: &mut App, text: &str) {
        for c in text.chars() {
            let key = if c == '\n' { Key::Enter } else { Key::Char(c) };
            app.update(Action::Edit(Input {
                key,
                ..Default::default()
            }));
        }
    }

    fn key(app: &mut App, b: Bind) -> Option<Effect> {
        app.update(Action::Key(b))
    }

    fn sent(e: Option<Effect>) -> (Seq, Mode, Arc<Draft>) {
        match e {
            Some(Effect::Submit(ProducerCommand::Send { seq, mode, draft })) => (seq, mode, draft),
            other => panic!("expected a send, got {other:?}"),
        }
    }

    fn completion(seq: Seq, mode: Mode, outcome: Outcome) -> ProducerEvent {
        ProducerEvent::Completed(Completion {
            seq,
            mode,
            outcome,
            submitted_at: t0(),
            completed_at: t0(),
            latency: Duration::from_millis(5),
        })
    }

    fn ok() -> Outcome {
        Outcome::Acknowledged(Receipt {
            status: "SendOk".into(),
            msg_id: "ID1".into(),
            offset_msg_id: "OFF1".into(),
            broker: "b".into(),
            queue_id: 0,
            queue_offset: 1,
            transaction_id: None,
            region_id: None,
        })
    }

    #[test]
    fn mode_select_and_focus_cycle() {
        let mut app = empty_app();
        assert_eq!(app.focus, Focus::Topic);
        assert_eq!(app.context(), Context::Edit);
        key(&mut app, Bind::LeaveField);
        assert_eq!(app.focus, Focus::ModeBar);
        key(&mut app, Bind::ModeOneway);
        assert_eq!(app.mode, Mode::Oneway);
        key(&mut app, Bind::ModeNext);
        assert_eq!(app.mode, Mode::Sync);
        key(&mut app, Bind::ModeAsync);
        assert_eq!(app.mode, Mode::Async);
        key(&mut app, Bind::FocusNext);
        assert_eq!(app.focus, Focus::Log);
        key(&mut app, Bind::FocusNext);
        assert_eq!(app.focus, Focus::Topic, "Tab wraps around");
        key(&mut app, Bind::FocusPrev);
        assert_eq!(app.focus, Focus::Log);
        app.update(Action::FocusPane(Focus::Body));
        assert_eq!(app.focus, Focus::Body);
    }

    #[test]
    fn send_builds_the_draft_with_the_next_seq_and_mode() {
        let mut app = empty_app();
        key(&mut app, Bind::FocusNext);
        typ(&mut app, "tagA\nk1  k2\nregion=eu");
        key(&mut app, Bind::FocusNext);
        typ(&mut app, "hello\nworld");
        assert_eq!(app.focus, Focus::Body);
        let (seq, mode, draft) = sent(key(&mut app, Bind::Send));
        assert_eq!((seq, mode), (1, Mode::Sync));
        assert_eq!(
            *draft,
            Draft {
                topic: "TopicTest".into(),
                tag: Some("tagA".into()),
                keys: vec!["k1".into(), "k2".into()],
                properties: vec![("region".into(), "eu".into())],
                body: b"hello\nworld".to_vec(),
            }
        );
        key(&mut app, Bind::LeaveField);
        key(&mut app, Bind::ModeAsync);
        let (seq, mode, _) = sent(key(&mut app, Bind::QuickSend));
        assert_eq!((seq, mode), (2, Mode::Async));
    }

    #[test]
    fn invalid_fields_block_send_and_keep_the_draft() {
        let mut app = empty_app();
        typ(&mut app, "!");
        assert!(app.composer.errors.contains_key(&Focus::Topic));
        app.focus = Focus::Tag;
        typ(&mut app, "a||b");
        assert!(app.composer.errors.contains_key(&Focus::Tag));
        app.focus = Focus::Props;
        typ(&mut app, "novalue\nKEYS=x");
        assert_eq!(
            app.composer.errors.get(&Focus::Props).unwrap(),
            "line 1: expected key=value"
        );
        assert!(key(&mut app, Bind::Send).is_none());
        let n = app.notice.clone().unwrap();
        assert_eq!(n.level, Level::Error);
        assert!(n.text.contains("Topic"), "{}", n.text);
        assert_eq!(app.composer.topic.lines()[0], "TopicTest!");
        assert_eq!(app.composer.tag.lines()[0], "a||b");
        assert_eq!(app.next_seq, 1, "no seq used by a refused send");
        // Fix the props only: reserved key still reported.
        app.composer.props = TextArea::new(vec!["KEYS=x".into()]);
        typ(&mut app, "");
        app.update(Action::Edit(Input {
            key: Key::End,
            ..Default::default()
        }));
        assert!(app.composer.errors[&Focus::Props].contains("reserved"));
    }

    #[test]
    fn body_over_the_limit_is_refused() {
        let mut app = empty_app();
        app.max_message_bytes = 4;
        app.focus = Focus::Body;
        typ(&mut app, "hello");
        assert!(app.composer.errors[&Focus::Body].contains("at most 4"));
        assert!(key(&mut app, Bind::Send).is_none());
    }

    #[test]
    fn events_update_the_counters() {
        let mut app = empty_app();
        let ev = |app: &mut App, e| {
            app.update(Action::Producer(e));
        };
        ev(
            &mut app,
            ProducerEvent::Queued {
                seq: 1,
                mode: Mode::Async,
                at: t0(),
            },
        );
        assert_eq!(app.stats(Mode::Async).queued, 1);
        for (seq, mode) in [
            (1, Mode::Async),
            (2, Mode::Sync),
            (3, Mode::Oneway),
            (4, Mode::Sync),
        ] {
            ev(
                &mut app,
                ProducerEvent::Submitted {
                    seq,
                    mode,
                    draft: Arc::new(Draft::default()),
                    at: t0(),
                },
            );
        }
        assert_eq!(app.stats(Mode::Async).queued, 0);
        assert_eq!(app.stats(Mode::Async).in_flight(), 1);
        assert_eq!(app.in_flight_total(), 4);
        ev(&mut app, completion(1, Mode::Async, ok()));
        ev(&mut app, completion(2, Mode::Sync, ok()));
        ev(&mut app, completion(3, Mode::Oneway, Outcome::Dispatched));
        ev(
            &mut app,
            completion(
                4,
                Mode::Sync,
                Outcome::Failed(Failure {
                    reason: "no route".into(),
                    code: None,
                }),
            ),
        );
        let sync = app.stats(Mode::Sync);
        assert_eq!(
            (sync.sent, sync.ok, sync.failed, sync.in_flight()),
            (2, 1, 1, 0)
        );
        assert_eq!(app.stats(Mode::Oneway).ok, 1);
        assert_eq!(app.stats(Mode::Async).ok, 1);
        assert_eq!(sync.latency.count(), 2);
        assert_eq!(app.in_flight_total(), 0);
        assert_eq!(app.log.len(), 9);
        assert_eq!(app.rate.series(t0().timestamp() + 1, 1), vec![4]);
    }

    #[test]
    fn failure_before_submit_counts_once() {
        let mut app = empty_app();
        app.update(Action::Producer(ProducerEvent::Submitted {
            seq: 1,
            mode: Mode::Sync,
            draft: Arc::new(Draft::default()),
            at: t0(),
        }));
        let refused = Outcome::Failed(Failure {
            reason: "producer is not running".into(),
            code: None,
        });
        app.update(Action::Producer(completion(2, Mode::Sync, refused)));
        let s = app.stats(Mode::Sync);
        assert_eq!((s.sent, s.failed, s.in_flight()), (2, 1, 1));
        app.update(Action::Producer(completion(
            1,
            Mode::Sync,
            Outcome::Unresolved,
        )));
        app.update(Action::Producer(ProducerEvent::Stopped {
            unresolved: vec![(1, Mode::Sync)],
        }));
        let s = app.stats(Mode::Sync);
        assert_eq!(
            (s.sent, s.unresolved, s.in_flight()),
            (2, 1, 0),
            "not counted twice"
        );
    }

    #[test]
    fn ring_buffer_keeps_capacity_and_the_selected_line() {
        let mut app = empty_app();
        app.capacity = 3;
        for seq in 1..=5 {
            app.update(Action::Producer(ProducerEvent::Queued {
                seq,
                mode: Mode::Async,
                at: t0(),
            }));
        }
        assert_eq!(app.log.len(), 3);
        assert_eq!(app.log[0].seq, 5);
        app.focus = Focus::Log;
        key(&mut app, Bind::ScrollDown);
        key(&mut app, Bind::ScrollDown);
        key(&mut app, Bind::ScrollDown);
        assert_eq!(app.selected, 2, "clamped at the oldest line");
        key(&mut app, Bind::ScrollUp);
        assert_eq!(app.selected_entry().unwrap().seq, 4);
        app.update(Action::Producer(ProducerEvent::Queued {
            seq: 6,
            mode: Mode::Async,
            at: t0(),
        }));
        assert_eq!(
            app.selected_entry().unwrap().seq,
            4,
            "selection follows its line"
        );
        app.update(Action::Wheel(-5));
        assert_eq!(app.selected, 0);
    }

    #[test]
    fn detail_opens_closes_and_copies() {
        let mut app = busy_app();
        app.focus = Focus::Log;
        // 5: the async OK callback line.
        for _ in 0..5 {
            key(&mut app, Bind::ScrollDown);
        }
        key(&mut app, Bind::OpenDetail);
        assert!(matches!(app.overlay, Overlay::Detail { .. }));
        assert_eq!(app.context(), Context::Detail);
        match key(&mut app, Bind::CopyMsgId) {
            Some(Effect::Copy(id)) => assert!(id.ends_with('2')),
            other => panic!("{other:?}"),
        }
        key(&mut app, Bind::Close);
        assert!(matches!(app.overlay, Overlay::None));
        // On the submit line of #2, y copies the id its callback got.
        key(&mut app, Bind::ScrollDown);
        assert!(matches!(
            key(&mut app, Bind::CopyMsgId),
            Some(Effect::Copy(_))
        ));
        key(&mut app, Bind::ScrollTop);
        assert!(
            key(&mut app, Bind::CopyMsgId).is_none(),
            "#5 is still in flight"
        );
    }

    #[test]
    fn repeat_form_validates_and_starts_a_burst() {
        let mut app = ready_app();
        app.focus = Focus::ModeBar;
        key(&mut app, Bind::ModeAsync);
        key(&mut app, Bind::Repeat);
        assert_eq!(app.context(), Context::Repeat);
        typ(&mut app, "x");
        assert!(
            key(&mut app, Bind::Submit).is_none(),
            "count 10x is invalid"
        );
        let Overlay::Repeat(form) = &mut app.overlay else {
            panic!()
        };
        form.count = line_input("3");
        form.template = line_input("k-{id}");
        assert!(key(&mut app, Bind::Submit).is_none());
        let Overlay::Repeat(form) = &app.overlay else {
            panic!()
        };
        assert!(form.errors[&RepeatField::Template].contains("unknown placeholder"));
        let Overlay::Repeat(form) = &mut app.overlay else {
            panic!()
        };
        form.template = line_input("k-{seq}");
        key(&mut app, Bind::FocusNext);
        typ(&mut app, "50");
        match key(&mut app, Bind::Submit) {
            Some(Effect::Submit(ProducerCommand::Burst(b))) => {
                assert_eq!(
                    (b.count, b.rate, b.first_seq, b.mode),
                    (3, Some(50), 1, Mode::Async)
                );
                assert_eq!(b.key_template.as_deref(), Some("k-{seq}"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(app.next_seq, 4, "the burst reserved seqs 1..=3");
        assert!(matches!(app.overlay, Overlay::None));
        match key(&mut app, Bind::CancelBurst) {
            Some(Effect::Submit(ProducerCommand::CancelBurst { id: 1 })) => {}
            other => panic!("{other:?}"),
        }
        app.update(Action::Producer(ProducerEvent::BurstFinished {
            id: 1,
            submitted: 2,
            cancelled: true,
        }));
        assert!(app.burst.is_none());
    }

    #[test]
    fn oneway_landed_count_is_logged_and_shortfall_warned() {
        let mut app = ready_app();
        app.update(Action::Producer(ProducerEvent::OnewayLanded {
            id: 3,
            topic: "T".into(),
            dispatched: 100,
            landed: Ok(61),
        }));
        match &app.log.front().map(|e| &e.kind) {
            Some(EntryKind::Note(t)) => {
                assert_eq!(
                    t,
                    "burst #3: 61 of 100 one-way messages landed in T (queue offsets)"
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(app.notice.as_ref().map(|n| n.level), Some(Level::Warn));
        app.update(Action::Producer(ProducerEvent::BurstFinished {
            id: 3,
            submitted: 100,
            cancelled: false,
        }));
        assert_eq!(
            app.notice.as_ref().map(|n| n.level),
            Some(Level::Warn),
            "the finish notice does not hide the shortfall"
        );
    }

    #[test]
    fn protected_profile_confirms_first() {
        let mut app = ready_app();
        app.protected = true;
        assert!(key(&mut app, Bind::Send).is_none());
        assert_eq!(app.context(), Context::Confirm);
        assert!(key(&mut app, Bind::No).is_none());
        assert_eq!(app.next_seq, 1);
        key(&mut app, Bind::Send);
        let (seq, _, _) = sent(key(&mut app, Bind::Yes));
        assert_eq!(seq, 1);
    }

    #[test]
    fn quit_with_sends_in_flight_waits_for_stopped() {
        let mut app = busy_app();
        assert_eq!(app.in_flight_total(), 1);
        match key(&mut app, Bind::QuitNow) {
            Some(Effect::Submit(ProducerCommand::Shutdown { grace })) => {
                assert_eq!(grace, Duration::from_secs(3))
            }
            other => panic!("{other:?}"),
        }
        assert!(!app.should_exit);
        assert_eq!(app.context(), Context::Quitting);
        assert!(app.notice.as_ref().unwrap().text.contains("1 in-flight"));
        assert!(
            key(&mut app, Bind::Send).is_none(),
            "no sends while quitting"
        );
        app.update(Action::Producer(ProducerEvent::Stopped {
            unresolved: vec![(5, Mode::Async)],
        }));
        assert!(app.should_exit);
        assert_eq!(app.unresolved_count(), 1);
        assert_eq!(app.stats(Mode::Async).unresolved, 1);
    }

    #[test]
    fn second_quit_leaves_at_once_and_idle_quit_needs_no_wait() {
        let mut app = busy_app();
        key(&mut app, Bind::Quit);
        assert!(!app.should_exit);
        key(&mut app, Bind::Quit);
        assert!(app.should_exit);
        assert_eq!(app.unresolved_count(), 1);

        let mut idle = empty_app();
        assert!(matches!(
            key(&mut idle, Bind::Quit),
            Some(Effect::Submit(ProducerCommand::Shutdown { .. }))
        ));
        assert!(idle.should_exit);
    }

    #[test]
    fn producer_death_is_shown_and_restart_offered() {
        let mut app = busy_app();
        app.update(Action::ProducerDied("panicked: boom".into()));
        assert!(!app.producer_alive);
        assert!(app.notice.as_ref().unwrap().text.contains("Ctrl-R"));
        assert_eq!(app.stats(Mode::Async).unresolved, 1);
        assert!(key(&mut app, Bind::Send).is_none());
        assert!(matches!(
            key(&mut app, Bind::RestartProducer),
            Some(Effect::RestartProducer)
        ));
        app.update(Action::ProducerRestarted);
        assert!(app.producer_alive);
        assert!(matches!(key(&mut app, Bind::Send), Some(Effect::Submit(_))));
    }

    #[test]
    fn busy_channel_is_reported_not_waited_on() {
        let mut app = ready_app();
        let (seq, _, _) = sent(key(&mut app, Bind::Send));
        app.update(Action::SubmitFailed {
            first_seq: Some(seq),
            count: 1,
            mode: Some(Mode::Sync),
            burst: None,
            error: SubmitError::Full,
        });
        assert!(matches!(app.log[0].kind, EntryKind::NotSent(_)));
        assert!(app.notice.as_ref().unwrap().text.contains("busy"));
    }

    /// Opens the picker and moves its cursor to `i`.
    fn pick(app: &mut App, i: usize) {
        app.focus = Focus::Log;
        key(app, Bind::SwitchProfile);
        for _ in 0..app.profiles.len() {
            key(app, Bind::ScrollUp);
        }
        for _ in 0..i {
            key(app, Bind::ScrollDown);
        }
    }

    fn stopped(unresolved: Vec<(Seq, Mode)>) -> Action {
        Action::Producer(ProducerEvent::Stopped { unresolved })
    }

    #[test]
    fn picker_opens_moves_and_closes() {
        let mut app = empty_app();
        app.focus = Focus::ModeBar;
        key(&mut app, Bind::SwitchProfile);
        assert!(matches!(app.overlay, Overlay::Picker { cursor: 2 }));
        assert_eq!(app.context(), Context::Picker);
        assert!(!app.takes_text());
        key(&mut app, Bind::ScrollDown);
        key(&mut app, Bind::ScrollDown);
        assert!(
            matches!(app.overlay, Overlay::Picker { cursor: 3 }),
            "clamped at the last profile"
        );
        for _ in 0..5 {
            key(&mut app, Bind::ScrollUp);
        }
        assert!(matches!(app.overlay, Overlay::Picker { cursor: 0 }));
        assert!(key(&mut app, Bind::QuickSend).is_none(), "picker owns keys");
        assert_eq!(app.next_seq, 1);
        key(&mut app, Bind::Close);
        assert!(matches!(app.overlay, Overlay::None));
        assert_eq!(app.profile, "sandbox");
        // The current profile again: nothing happens.
        pick(&mut app, 2);
        assert!(key(&mut app, Bind::Submit).is_none());
        assert!(app.switching.is_none());
        assert!(app.notice.as_ref().unwrap().text.contains("already on"));
    }

    #[test]
    fn unusable_choice_shows_why_and_keeps_the_current_producer() {
        let mut app = ready_app();
        pick(&mut app, 1);
        assert!(key(&mut app, Bind::Submit).is_none(), "no shutdown sent");
        assert!(app.switching.is_none());
        assert_eq!((app.current, app.profile.as_str()), (2, "sandbox"));
        let n = app.notice.clone().unwrap();
        assert_eq!(n.level, Level::Error);
        assert!(
            n.text.contains("cloud") && n.text.contains("RMQ_AK"),
            "{}",
            n.text
        );
        assert!(matches!(app.overlay, Overlay::Picker { cursor: 1 }));
        key(&mut app, Bind::Close);
        assert!(matches!(key(&mut app, Bind::Send), Some(Effect::Submit(_))));
    }

    #[test]
    fn switching_with_sends_in_flight_drains_the_old_producer_first() {
        let mut app = busy_app();
        assert_eq!(app.in_flight_total(), 1);
        pick(&mut app, 0);
        match key(&mut app, Bind::Submit) {
            Some(Effect::Submit(ProducerCommand::Shutdown { grace })) => {
                assert_eq!(grace, Duration::from_secs(3), "the old profile's timeout")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(app.overlay, Overlay::None));
        assert_eq!(app.switching.as_ref().unwrap().to, 0);
        assert_eq!(app.profile, "sandbox", "still the old one while draining");
        assert!(
            app.notice
                .as_ref()
                .unwrap()
                .text
                .contains("switching to staging")
        );
        assert!(key(&mut app, Bind::Send).is_none(), "no sends mid-switch");
        assert_eq!(app.next_seq, 1);
        // The old producer reports its end; results keep the old profile.
        assert!(
            app.update(Action::Producer(completion(
                5,
                Mode::Async,
                Outcome::Unresolved
            )))
            .is_none()
        );
        assert_eq!(app.log[0].profile, "sandbox");
        assert!(matches!(
            app.update(stopped(vec![(5, Mode::Async)])),
            Some(Effect::StartProducer)
        ));
        assert!(app.switching.is_none());
        assert_eq!((app.current, app.profile.as_str()), (0, "staging"));
        assert_eq!(app.endpoint, "10.0.0.5:9876");
        assert!(!app.sandbox && app.producer_alive);
        assert_eq!(app.connection, Connection::Starting);
        for m in Mode::ALL {
            assert_eq!(app.stats(m).sent, 0, "counters belong to one profile");
        }
        assert_eq!(app.rate.last_second(), None);
        assert_eq!(app.in_flight_total(), 0);
        assert_eq!(
            app.unresolved, None,
            "the exit report is the new producer's"
        );
        match &app.log[0].kind {
            EntryKind::Note(t) => assert_eq!(t, "switched to profile staging"),
            other => panic!("{other:?}"),
        }
        assert_eq!(app.log[0].profile, "staging");
        match &app.log[1].kind {
            EntryKind::Note(t) => {
                assert_eq!(t, "1 send(s) unresolved when leaving sandbox (#5 async)")
            }
            other => panic!("{other:?}"),
        }
        // The typed topic stays; the empty tag takes the profile default.
        assert_eq!(app.composer.topic.lines()[0], "TopicTest");
        assert_eq!(app.composer.tag.lines()[0], "stg");
        let (seq, _, draft) = sent(key(&mut app, Bind::Send));
        assert_eq!((seq, draft.tag.as_deref()), (1, Some("stg")));
    }

    #[test]
    fn idle_switch_still_shuts_down_and_adopts_protection_and_colour() {
        let mut app = empty_app();
        app.composer.topic = line_input("");
        pick(&mut app, 3);
        assert!(matches!(
            key(&mut app, Bind::Submit),
            Some(Effect::Submit(ProducerCommand::Shutdown { .. }))
        ));
        assert!(matches!(
            app.update(stopped(vec![])),
            Some(Effect::StartProducer)
        ));
        assert_eq!(app.profile, "production");
        assert!(app.protected);
        assert_eq!(app.profile_color, Some(ratatui::style::Color::Red));
        assert_eq!(
            app.composer.topic.lines()[0],
            "Orders",
            "empty topic filled"
        );
        let notes: Vec<_> = app
            .log
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Note(_)))
            .collect();
        assert_eq!(notes.len(), 1, "nothing unresolved to report");
    }

    #[test]
    fn a_stuck_old_producer_does_not_block_the_switch() {
        let mut app = busy_app();
        pick(&mut app, 0);
        key(&mut app, Bind::Submit);
        assert!(
            app.update(Action::Tick(t0() + chrono::Duration::seconds(2)))
                .is_none()
        );
        assert!(app.switching.is_some());
        assert!(matches!(
            app.update(Action::Tick(t0() + chrono::Duration::seconds(6))),
            Some(Effect::StartProducer)
        ));
        assert_eq!(app.profile, "staging");
        match &app.log[1].kind {
            EntryKind::Note(t) => assert!(t.contains("did not report"), "{t}"),
            other => panic!("{other:?}"),
        }
        // A dead producer has nothing to drain: the switch is immediate.
        app.update(Action::ProducerDied("panicked: boom".into()));
        pick(&mut app, 2);
        assert!(matches!(
            key(&mut app, Bind::Submit),
            Some(Effect::StartProducer)
        ));
        assert_eq!(app.profile, "sandbox");
        assert!(app.producer_alive);
    }

    #[test]
    fn a_closed_channel_mid_switch_starts_the_new_producer() {
        let mut app = busy_app();
        pick(&mut app, 0);
        key(&mut app, Bind::Submit);
        // A full channel is not an end: keep waiting for Stopped.
        assert!(
            app.update(Action::SubmitFailed {
                first_seq: None,
                count: 0,
                mode: None,
                burst: None,
                error: SubmitError::Full,
            })
            .is_none()
        );
        assert!(app.switching.is_some());
        assert!(matches!(
            app.update(Action::SubmitFailed {
                first_seq: None,
                count: 0,
                mode: None,
                burst: None,
                error: SubmitError::Closed,
            }),
            Some(Effect::StartProducer)
        ));
        assert_eq!(app.profile, "staging");
    }

    #[test]
    fn quitting_mid_switch_exits_instead_of_starting_the_new_producer() {
        let mut app = busy_app();
        pick(&mut app, 0);
        key(&mut app, Bind::Submit);
        key(&mut app, Bind::QuitNow);
        assert!(app.update(stopped(vec![(5, Mode::Async)])).is_none());
        assert!(app.should_exit);
        assert_eq!(app.unresolved_count(), 1);
    }

    #[test]
    fn protected_burst_needs_the_topic_typed_back() {
        let mut app = ready_app();
        app.protected = true;
        app.focus = Focus::ModeBar;
        key(&mut app, Bind::Repeat);
        assert!(key(&mut app, Bind::Submit).is_none());
        assert_eq!(app.context(), Context::ConfirmTopic);
        assert!(app.takes_text(), "y and n are letters of the topic here");
        assert!(key(&mut app, Bind::Yes).is_none());
        assert!(key(&mut app, Bind::Submit).is_none(), "nothing typed yet");
        typ(&mut app, "topictest");
        assert!(key(&mut app, Bind::Submit).is_none(), "case matters");
        let n = app.notice.clone().unwrap();
        assert!(
            n.text.contains("type the topic exactly (TopicTest)"),
            "{}",
            n.text
        );
        assert!(matches!(app.overlay, Overlay::Confirm(_)), "still open");
        for _ in 0.."topictest".len() {
            app.update(Action::Edit(Input {
                key: Key::Backspace,
                ..Default::default()
            }));
        }
        typ(&mut app, "TopicTest");
        match key(&mut app, Bind::Submit) {
            Some(Effect::Submit(ProducerCommand::Burst(b))) => assert_eq!(b.count, 10),
            other => panic!("{other:?}"),
        }
        // Esc cancels without sending.
        app.burst = None;
        key(&mut app, Bind::Repeat);
        key(&mut app, Bind::Submit);
        key(&mut app, Bind::Close);
        assert!(matches!(app.overlay, Overlay::None));
        assert_eq!(app.next_seq, 11);
        // A single send keeps the y/n box.
        key(&mut app, Bind::QuickSend);
        assert_eq!(app.context(), Context::Confirm);
    }

    #[test]
    fn idle_ticks_do_not_redraw() {
        let mut app = empty_app();
        app.dirty = false;
        app.update(Action::Tick(t0() + chrono::Duration::seconds(1)));
        assert!(!app.dirty, "nothing visible changed");
        app.update(Action::Tick(t0() + chrono::Duration::seconds(60)));
        assert!(app.dirty, "the uptime minute changed");
    }
}
