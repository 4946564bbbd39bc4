//! The overlays (help, entry detail, repeat form, protected-send
//! confirmation, profile picker): what each holds and the keys while one is
//! open, since an open overlay owns the keyboard.

use std::sync::Arc;

use super::{App, CompareForm, Effect, Level, LogEntry, RepeatForm, RepeatSpec};
use crate::console::keymap::Bind;
use rmq_model::message::{Draft, Mode};

/// A send waiting for the operator's y/n on a protected profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSend {
    pub mode: Mode,
    pub draft: Arc<Draft>,
    pub repeat: Option<RepeatSpec>,
}

impl PendingSend {
    pub fn count(&self) -> u64 {
        // A batch uses one sequence number per message.
        self.repeat.as_ref().map_or(1, |r| r.count) * self.draft.kind.messages()
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
    /// The history pane (journal records).
    History(Box<super::HistoryView>),
    /// The import dialog.
    Import(Box<super::ImportView>),
    /// The compare form (and, on a protected profile, its question).
    CompareForm(Box<CompareForm>),
    /// The compare view over `App::compare`.
    Compare,
}

impl App {
    /// Sends what the confirmation box holds.
    pub(super) fn confirmed(&mut self) -> Option<Effect> {
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::Confirm(c) => {
                self.remember_draft(&c.pending.draft);
                self.emit(c.pending)
            }
            _ => None,
        }
    }

    /// A key while an overlay is open: `Some` with what it did (the overlay
    /// owns the keyboard, so keys it does not use do nothing), `None` when
    /// no overlay is open. Ctrl-C quits from anywhere.
    pub(super) fn overlay_key(&mut self, bind: Bind) -> Option<Option<Effect>> {
        let last_profile = self.profiles.len().saturating_sub(1);
        match (&mut self.overlay, bind) {
            (_, Bind::QuitNow) => Some(self.quit()),
            (Overlay::CompareForm(_) | Overlay::Compare, _) => Some(self.compare_key(bind)),
            (Overlay::Help, Bind::Close) => {
                self.overlay = Overlay::None;
                Some(None)
            }
            (Overlay::Help, _) => Some(None),
            (Overlay::Detail { .. }, Bind::Close) => {
                self.overlay = Overlay::None;
                Some(None)
            }
            (Overlay::Detail { scroll, .. }, Bind::ScrollDown) => {
                *scroll = scroll.saturating_add(1);
                Some(None)
            }
            (Overlay::Detail { scroll, .. }, Bind::ScrollUp) => {
                *scroll = scroll.saturating_sub(1);
                Some(None)
            }
            (Overlay::Detail { entry, .. }, Bind::CopyMsgId) => {
                let id = entry.msg_id().map(str::to_string);
                Some(self.copy(id))
            }
            (Overlay::Detail { .. }, _) => Some(None),
            (Overlay::Repeat(_), Bind::Close) => {
                self.overlay = Overlay::None;
                Some(None)
            }
            (Overlay::Repeat(form), Bind::FocusNext | Bind::FocusPrev) => {
                form.step(bind == Bind::FocusNext);
                Some(None)
            }
            (Overlay::Repeat(form), Bind::Submit | Bind::Send) => {
                let Some(spec) = form.validate() else {
                    self.notice(Level::Warn, "fix the repeat form first");
                    return Some(None);
                };
                Some(self.start_send(Some(spec)))
            }
            (Overlay::Repeat(_), _) => Some(None),
            (Overlay::Confirm(c), Bind::Yes) if c.typed.is_none() => Some(self.confirmed()),
            (Overlay::Confirm(c), Bind::Submit) if c.typed.is_some() => {
                if c.topic_matches() {
                    return Some(self.confirmed());
                }
                let topic = c.pending.draft.topic.clone();
                self.notice(
                    Level::Warn,
                    format!("type the topic exactly ({topic}) to start the burst"),
                );
                Some(None)
            }
            (Overlay::Confirm(_), Bind::No | Bind::Close) => {
                self.overlay = Overlay::None;
                self.notice(Level::Info, "not sent");
                Some(None)
            }
            (Overlay::Confirm(_), _) => Some(None),
            (Overlay::Picker { .. }, Bind::Close) => {
                self.overlay = Overlay::None;
                Some(None)
            }
            (Overlay::Picker { cursor }, Bind::ScrollDown) => {
                *cursor = (*cursor + 1).min(last_profile);
                Some(None)
            }
            (Overlay::Picker { cursor }, Bind::ScrollUp) => {
                *cursor = cursor.saturating_sub(1);
                Some(None)
            }
            (Overlay::Picker { cursor }, Bind::Submit) => {
                let i = *cursor;
                Some(self.choose_profile(i))
            }
            (Overlay::Picker { .. }, _) => Some(None),
            (Overlay::History(_), _) => Some(self.history_key(bind)),
            (Overlay::Import(_), _) => Some(self.import_key(bind)),
            (Overlay::None, _) => None,
        }
    }
}
