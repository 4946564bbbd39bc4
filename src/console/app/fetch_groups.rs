//! Consumer groups in the fetch overlay: `d`, the group lens (a prompt for
//! the group, then its lag per queue with the totals, its retry and
//! dead-letter depth; Enter on a queue peeks its next unconsumed messages
//! from the group's offset, Enter on retry / DLQ lists them newest first,
//! both in the fetch list with its keys), and `o` on a fetched message,
//! which groups have consumed it. The lookups run on the fetch worker
//! (`Effect::GroupLens`, `Effect::ConsumedBy`); nothing here waits.

use rmq_fetch::{ConsumedBy, GroupLens, Locator, Request};

use super::fetch::{FetchView, describe};
use super::{App, Effect, Effects, Level, Overlay};
use crate::console::keymap::Bind;

/// How many unconsumed messages a peek reads at most.
pub const PEEK: usize = 20;
/// How many groups the prompt remembers (Tab cycles through them).
pub const RECENT_GROUPS: usize = 8;

/// The lens's state inside the fetch overlay.
#[derive(Debug, Clone, Default)]
pub struct GroupView {
    /// The group typed in the prompt.
    pub group: String,
    /// The prompt has the keyboard.
    pub prompting: bool,
    /// Which recent group Tab showed last.
    pub recent: Option<usize>,
    /// The lens (not the fetch list) is on screen.
    pub showing: bool,
    /// The lookup out: its id.
    pub pending: Option<u64>,
    pub answer: Option<GroupLens>,
    /// The last lookup failed as a whole (no name server).
    pub error: Option<String>,
    /// Index into `rows()`.
    pub cursor: usize,
}

/// A row of the lens: a queue (index into the answer's queues), then the
/// retry and dead-letter rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LensRow {
    Queue(usize),
    Retry,
    Dlq,
}

impl GroupView {
    pub fn rows(&self) -> Vec<LensRow> {
        let n = self.answer.as_ref().map_or(0, |a| a.queues.len());
        let mut rows: Vec<LensRow> = (0..n).map(LensRow::Queue).collect();
        if self.answer.is_some() {
            rows.extend([LensRow::Retry, LensRow::Dlq]);
        }
        rows
    }
}

/// `o`'s state: the lookup out for one message, or its answer.
#[derive(Debug, Clone)]
pub enum Consumed {
    Loading { id: u64, offset_msg_id: String },
    // Boxed: an answer is far larger than the other states.
    Done(Box<ConsumedBy>),
    Failed { offset_msg_id: String, why: String },
}

impl Consumed {
    /// The message it is about.
    pub fn offset_msg_id(&self) -> &str {
        match self {
            Consumed::Loading { offset_msg_id, .. } | Consumed::Failed { offset_msg_id, .. } => {
                offset_msg_id
            }
            Consumed::Done(c) => &c.offset_msg_id,
        }
    }
}

impl FetchView {
    pub fn lens_prompting(&self) -> bool {
        self.lens.as_ref().is_some_and(|l| l.prompting)
    }

    pub fn lens_showing(&self) -> bool {
        self.lens.as_ref().is_some_and(|l| l.showing)
    }

    /// Forgets what the worker was asked before: it runs one job at a time
    /// and drops the running one for a newer, so only the newest answers.
    pub(super) fn supersede(&mut self) {
        self.pending = None;
        self.follow_pending = None;
        if let Some(l) = self.lens.as_mut() {
            l.pending = None;
        }
        if matches!(self.consumed, Some(Consumed::Loading { .. })) {
            self.consumed = None;
        }
    }
}

impl App {
    /// `d`: the group prompt, with the last group typed.
    pub(super) fn open_group_lens(&mut self) {
        if self.quitting.is_some() {
            return;
        }
        if !matches!(self.overlay, Overlay::Fetch(_)) {
            let topic = self.composer.topic.lines()[0].clone();
            self.overlay = Overlay::Fetch(Box::new(FetchView::new(&topic)));
        }
        let last = self.recent_groups.first().cloned().unwrap_or_default();
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        v.editing = false;
        v.filtering = false;
        v.detail = false;
        v.following = false;
        let lens = v.lens.get_or_insert_with(Default::default);
        lens.prompting = true;
        lens.showing = true;
        lens.recent = None;
        if lens.group.is_empty() {
            lens.group = last;
        }
    }

    /// A key typed into the group prompt.
    pub(super) fn group_input(&mut self, input: ratatui_textarea::Input) {
        use ratatui_textarea::Key;
        let Some(lens) = self.lens_mut() else {
            return;
        };
        match input.key {
            Key::Char(c) if !input.ctrl && !input.alt => lens.group.push(c),
            Key::Backspace => {
                lens.group.pop();
            }
            _ => return,
        }
        lens.recent = None;
    }

    /// Text pasted into the group prompt: its first line.
    pub(super) fn group_paste(&mut self, text: &str) {
        if let Some(lens) = self.lens_mut() {
            lens.group
                .push_str(text.lines().next().unwrap_or("").trim());
        }
    }

    fn lens_mut(&mut self) -> Option<&mut GroupView> {
        match &mut self.overlay {
            Overlay::Fetch(v) => v.lens.as_deref_mut(),
            _ => None,
        }
    }

    /// A key while the prompt or the lens has the keyboard.
    pub(super) fn group_key(&mut self, bind: Bind, fx: &mut Effects) {
        let recent = self.recent_groups.clone();
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        let Some(lens) = v.lens.as_deref_mut() else {
            return;
        };
        if lens.prompting {
            match bind {
                Bind::Submit => self.ask_group(fx),
                // Back to the lens shown before, else out.
                Bind::Close if lens.answer.is_some() || lens.error.is_some() => {
                    lens.prompting = false
                }
                Bind::Close if v.answer.is_some() => v.lens = None,
                Bind::Close => self.overlay = super::Overlay::None,
                Bind::FocusNext | Bind::FocusPrev if !recent.is_empty() => {
                    let n = recent.len();
                    let i = match (lens.recent, bind) {
                        (None, _) => 0,
                        (Some(i), Bind::FocusNext) => (i + 1) % n,
                        (Some(i), _) => (i + n - 1) % n,
                    };
                    lens.recent = Some(i);
                    lens.group = recent[i].clone();
                }
                _ => {}
            }
            return;
        }
        let rows = lens.rows().len();
        match bind {
            Bind::ScrollDown => lens.cursor = (lens.cursor + 1).min(rows.saturating_sub(1)),
            Bind::ScrollUp => lens.cursor = lens.cursor.saturating_sub(1),
            Bind::Refresh => self.ask_group(fx),
            Bind::GroupLens => lens.prompting = true,
            Bind::OpenDetail => self.open_lens_row(fx),
            Bind::Fetch => {
                lens.showing = false;
                v.editing = true;
            }
            // Out of the lens, to the list under it (what a row opened,
            // or what was fetched before `d`), else out of the overlay.
            Bind::Close if v.answer.is_some() => v.lens = None,
            Bind::Close => self.overlay = super::Overlay::None,
            _ => {}
        }
    }

    /// Enter in the prompt, or `r`: the lens of the typed group, asked
    /// of the fetch worker.
    fn ask_group(&mut self, fx: &mut Effects) {
        self.next_fetch_id += 1;
        let id = self.next_fetch_id;
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        let group = v
            .lens
            .as_ref()
            .map(|l| l.group.trim().to_string())
            .unwrap_or_default();
        if let Err(why) = rmq_fetch::group::check_group(&group) {
            self.notice(Level::Warn, format!("group lens: {why}"));
            return;
        }
        v.supersede();
        let Some(lens) = v.lens.as_deref_mut() else {
            return;
        };
        lens.group = group.clone();
        lens.prompting = false;
        lens.showing = true;
        lens.pending = Some(id);
        lens.error = None;
        self.recent_groups.retain(|g| *g != group);
        self.recent_groups.insert(0, group.clone());
        self.recent_groups.truncate(RECENT_GROUPS);
        self.notice(Level::Info, format!("group lens: {group}…"));
        fx.push_back(Effect::GroupLens { id, group });
    }

    /// The worker's answer to `Effect::GroupLens` number `id`.
    pub(super) fn group_lens_answered(&mut self, id: u64, result: Result<GroupLens, String>) {
        let Some(lens) = self.lens_mut() else {
            return;
        };
        if lens.pending != Some(id) {
            return;
        }
        lens.pending = None;
        match result {
            Ok(answer) => {
                let summary = format!("{}; {}", answer.summary(), answer.completeness);
                let partial = answer.completeness.is_partial();
                lens.cursor = lens.cursor.min(answer.queues.len() + 1);
                lens.answer = Some(answer);
                lens.error = None;
                let level = if partial { Level::Warn } else { Level::Info };
                self.notice(level, format!("group lens: {summary}"));
            }
            Err(why) => {
                lens.error = Some(why.clone());
                self.notice(Level::Error, format!("group lens failed: {why}"));
            }
        }
    }

    /// Enter on a lens row: a queue's next unconsumed messages (a read
    /// from the group's offset, which commits nothing), or the retry / DLQ
    /// messages newest first, into the fetch list.
    fn open_lens_row(&mut self, fx: &mut Effects) {
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        let Some(lens) = v.lens.as_deref() else {
            return;
        };
        let (Some(answer), Some(row)) = (&lens.answer, lens.rows().get(lens.cursor).copied())
        else {
            return;
        };
        let request = match row {
            LensRow::Queue(i) => {
                let q = &answer.queues[i];
                if q.lag() == 0 {
                    let text = format!(
                        "{} {} queue {}: nothing unconsumed (the group is at {})",
                        q.topic, q.broker, q.queue, q.consumer_offset
                    );
                    self.notice(Level::Info, text);
                    return;
                }
                Request {
                    locator: Locator::Position {
                        topic: Some(q.topic.clone()),
                        broker: Some(q.broker.clone()),
                        queue: q.queue,
                        offset: q.consumer_offset,
                    },
                    topic: Some(q.topic.clone()),
                    window: None,
                    max: Some((q.lag() as usize).min(PEEK)),
                }
            }
            LensRow::Retry | LensRow::Dlq => {
                let group = answer.group.clone();
                let locator = if row == LensRow::Dlq {
                    Locator::Dlq(group)
                } else {
                    Locator::Retry(group)
                };
                Request {
                    locator,
                    topic: None,
                    window: None,
                    max: None,
                }
            }
        };
        let newest_first = !matches!(row, LensRow::Queue(_));
        self.next_fetch_id += 1;
        let id = self.next_fetch_id;
        let what = match row {
            LensRow::Queue(_) => format!(
                "peek of {}'s next unconsumed: {}",
                answer.group,
                describe(&request)
            ),
            _ => format!("{}, newest first", describe(&request)),
        };
        v.supersede();
        if let Some(l) = v.lens.as_deref_mut() {
            l.showing = false;
        }
        v.pending = Some((id, what.clone()));
        v.editing = false;
        v.error = None;
        v.tail = None;
        v.following = false;
        v.newest_first = newest_first;
        self.notice(Level::Info, format!("fetching: {what}…"));
        fx.push_back(Effect::Fetch { id, request });
    }

    /// `o`: which groups consumed the message under the cursor; the answer
    /// shows in its detail.
    pub(super) fn ask_consumed_by(&mut self, fx: &mut Effects) {
        self.next_fetch_id += 1;
        let id = self.next_fetch_id;
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        let Some(m) = v.current().cloned() else {
            self.notice(Level::Info, "no message under the cursor");
            return;
        };
        v.supersede();
        v.detail = true;
        v.scroll = 0;
        v.consumed = Some(Consumed::Loading {
            id,
            offset_msg_id: m.offset_msg_id.clone(),
        });
        fx.push_back(Effect::ConsumedBy {
            id,
            message: Box::new(m),
        });
    }

    /// The worker's answer to `Effect::ConsumedBy` number `id`.
    pub(super) fn consumed_by_answered(&mut self, id: u64, result: Result<ConsumedBy, String>) {
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        let Some(Consumed::Loading {
            id: pending,
            offset_msg_id,
        }) = &v.consumed
        else {
            return;
        };
        if *pending != id {
            return;
        }
        let offset_msg_id = offset_msg_id.clone();
        let (level, text) = match &result {
            Ok(c) if c.completeness.is_partial() => (
                Level::Warn,
                format!("consumed by: partial: {}", c.completeness),
            ),
            Ok(c) => (
                Level::Info,
                format!("consumed by: {}", c.lines().join("; ")),
            ),
            Err(why) => (Level::Error, format!("consumed by failed: {why}")),
        };
        v.consumed = Some(match result {
            Ok(c) => Consumed::Done(Box::new(c)),
            Err(why) => Consumed::Failed { offset_msg_id, why },
        });
        self.notice(level, text);
    }
}
