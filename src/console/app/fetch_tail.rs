//! Tail and follow in the fetch overlay: `t` lists the newest messages of
//! the composer's topic across its queues (newest first), `F` toggles
//! following it: once a second, while the overlay is open, what was stored
//! since slides in at the top, at most `TAIL_KEEP` kept. Never joins a
//! consumer group, never commits (the fetcher pulls as `TOOLS_CONSUMER`).

use chrono::Duration;

use super::fetch::{FetchView, describe_tail};
use super::{App, Effect, Effects, Level, Overlay};

/// How many messages a tail lists first.
pub const TAIL_N: usize = 20;
/// At most this many messages are kept while following (the oldest go).
pub const TAIL_KEEP: usize = 1000;
/// How often a follow asks for what is new.
const FOLLOW_EVERY: Duration = Duration::seconds(1);

impl App {
    /// `t`: the composer's topic (or the form's, in the overlay), tailed.
    pub(super) fn open_tail(&mut self, fx: &mut Effects) {
        if self.quitting.is_some() {
            return;
        }
        let topic = match &self.overlay {
            Overlay::Fetch(v) => v.topic.trim().to_string(),
            _ => self.composer.topic.lines()[0].trim().to_string(),
        };
        if let Err(why) = rmq_model::validate::topic(&topic)
            && !topic.starts_with('%')
        {
            self.notice(Level::Warn, format!("tail: {why}"));
            return;
        }
        if !matches!(self.overlay, Overlay::Fetch(_)) {
            self.overlay = Overlay::Fetch(Box::new(FetchView::new(&topic)));
        }
        self.next_fetch_id += 1;
        let id = self.next_fetch_id;
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        let what = describe_tail(&topic, TAIL_N);
        v.topic = topic.clone();
        v.supersede();
        v.newest_first = false;
        v.pending = Some((id, what.clone()));
        v.editing = false;
        v.error = None;
        v.tail = Some(topic.clone());
        v.following = false;
        v.follow_pending = None;
        self.notice(Level::Info, format!("{what}…"));
        fx.push_back(Effect::Tail {
            id,
            topic,
            n: TAIL_N,
        });
    }

    /// `F`: follow the tail on or off.
    pub(super) fn toggle_follow(&mut self) {
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        if v.tail.is_none() || v.answer.is_none() {
            self.notice(Level::Info, "follow needs a tail first");
            return;
        }
        v.following = !v.following;
        v.last_poll = None;
        let text = if v.following {
            "following: new messages slide in at the top"
        } else {
            "follow stopped"
        };
        self.notice(Level::Info, text);
    }

    /// On the clock: a follow asks for what is new once a second, one
    /// request at a time, only while the overlay is open.
    pub(super) fn follow_tick(&mut self, fx: &mut Effects) {
        let now = self.now;
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        if !v.following
            || v.pending.is_some()
            || v.follow_pending.is_some()
            // A follow would drop the `o` lookup the worker runs.
            || matches!(v.consumed, Some(super::Consumed::Loading { .. }))
            || v.last_poll.is_some_and(|t| now - t < FOLLOW_EVERY)
        {
            return;
        }
        self.next_fetch_id += 1;
        let id = self.next_fetch_id;
        v.follow_pending = Some(id);
        v.last_poll = Some(now);
        fx.push_back(Effect::Follow { id });
    }

    /// The loop's answer to `Effect::Follow` number `id`.
    pub(super) fn followed(&mut self, id: u64, result: Result<rmq_fetch::Answer, String>) {
        let Overlay::Fetch(v) = &mut self.overlay else {
            return;
        };
        if v.follow_pending != Some(id) {
            return;
        }
        v.follow_pending = None;
        match result {
            Ok(new) => {
                let partial = new.completeness.is_partial().then(|| new.summary());
                v.slide_in(new.messages);
                if let Some(summary) = partial {
                    self.notice(Level::Warn, format!("follow: partial: {summary}"));
                }
            }
            Err(why) => {
                v.following = false;
                self.notice(Level::Error, format!("follow stopped: {why}"));
            }
        }
    }
}

impl FetchView {
    /// New messages (oldest first) at the top of a newest-first list; the
    /// cursor and the selection stay on the messages they were on.
    pub fn slide_in(&mut self, new: Vec<rmq_fetch::Stored>) {
        let Some(answer) = self.answer.as_mut() else {
            return;
        };
        let k = new.len();
        if k == 0 {
            return;
        }
        for m in new {
            answer.messages.insert(0, m);
        }
        answer.messages.truncate(TAIL_KEEP);
        let kept = answer.messages.len();
        self.selected = self
            .selected
            .iter()
            .map(|i| i + k)
            .filter(|&i| i < kept)
            .collect();
        let (cursor, detail) = (self.cursor, self.detail);
        let filter = self.filter.clone();
        self.set_filter(filter);
        // Left at the top, the cursor shows the newest; moved down, it
        // stays on its message.
        if cursor > 0 || detail {
            self.cursor = (cursor + k).min(self.shown().len().saturating_sub(1));
        }
        self.detail = detail;
    }
}
