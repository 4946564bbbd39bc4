//! The overlays (help, entry detail, repeat form, protected-send
//! confirmation, profile picker): what each holds and the keys while one is
//! open, since an open overlay owns the keyboard.

use std::sync::Arc;

use super::{App, CompareForm, Effects, Level, LogEntry, RepeatForm, RepeatSpec};
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
    /// The body looks like JSON and does not parse (`JSON ✗ line:col:
    /// reason`): asked about before it is sent.
    pub invalid_json: Option<String>,
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
        /// How the message's body is shown (`body_view` switches).
        body_view: super::BodyView,
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
    /// The message log; `scroll` is the first message shown.
    Messages {
        scroll: usize,
    },
    /// `q` with work at stake: what quitting would lose (`App::at_stake`,
    /// read as it is drawn), y/n.
    ConfirmQuit,
    /// The fetch form and what the broker stored.
    Fetch(Box<super::FetchView>),
    /// Naming the composer's draft to save it.
    SaveAs(super::Naming),
    /// The saved messages picker.
    Saved(Box<super::SavedView>),
    /// The command palette.
    Palette(Box<super::Palette>),
    /// The load-body prompt: a file's path.
    BodyFile(Box<super::BodyFileView>),
}

impl App {
    /// Sends what the confirmation box holds.
    pub(super) fn confirmed(&mut self, fx: &mut Effects) {
        if let Overlay::Confirm(c) = std::mem::replace(&mut self.overlay, Overlay::None) {
            if c.invalid_json.is_some() {
                // Asked once: the same body is not asked about again.
                self.json_accepted = Some(self.composer.body.lines().to_vec());
            }
            self.remember_draft(&c.pending.draft);
            self.emit(c.pending, fx);
            self.leave_field();
        }
    }

    /// A key while an overlay is open: `true` when one is (it owns the
    /// keyboard, so keys it does not use do nothing), `false` when no
    /// overlay is open. Ctrl-C quits from anywhere.
    pub(super) fn overlay_key(&mut self, bind: Bind, fx: &mut Effects) -> bool {
        let last_profile = self.profiles.len().saturating_sub(1);
        match (&mut self.overlay, bind) {
            (_, Bind::QuitNow) => self.quit(fx),
            (Overlay::CompareForm(_) | Overlay::Compare, _) => self.compare_key(bind, fx),
            (Overlay::ConfirmQuit, _) => self.quit_question_key(bind, fx),
            (Overlay::Help, Bind::Close) => self.overlay = Overlay::None,
            // Bounded when drawn: the screen decides how much is hidden.
            (Overlay::Help, Bind::ScrollDown) => {
                self.help_scroll = self.help_scroll.saturating_add(1).min(200)
            }
            (Overlay::Help, Bind::ScrollUp) => {
                self.help_scroll = self.help_scroll.saturating_sub(1)
            }
            (Overlay::Help, _) => {}
            (Overlay::Detail { .. }, Bind::Close) => self.overlay = Overlay::None,
            (Overlay::Detail { scroll, .. }, Bind::ScrollDown) => {
                *scroll = scroll.saturating_add(1);
            }
            (Overlay::Detail { scroll, .. }, Bind::ScrollUp) => {
                *scroll = scroll.saturating_sub(1);
            }
            (
                Overlay::Detail {
                    body_view, scroll, ..
                },
                Bind::BodyView,
            ) => {
                *body_view = body_view.next();
                *scroll = 0;
            }
            (Overlay::Detail { entry, .. }, Bind::CopyMsgId) => {
                let id = entry.msg_id().map(str::to_string);
                self.copy(id, fx);
            }
            (Overlay::Detail { .. }, _) => {}
            (Overlay::Repeat(form), Bind::Close) => {
                // What was typed is kept for the next time the form opens.
                self.last_repeat = Some(form.clone());
                self.overlay = Overlay::None;
            }
            (Overlay::Repeat(form), Bind::FocusNext | Bind::FocusPrev) => {
                form.step(bind == Bind::FocusNext);
            }
            (Overlay::Repeat(form), Bind::Submit | Bind::Send) => match form.validate() {
                Some(spec) => {
                    self.last_repeat = Some(form.clone());
                    self.start_send(Some(spec), fx);
                }
                None => self.notice(Level::Warn, "fix the repeat form first"),
            },
            (Overlay::Repeat(_), _) => {}
            (Overlay::Confirm(c), Bind::Yes) if c.typed.is_none() => self.confirmed(fx),
            (Overlay::Confirm(c), Bind::Submit) if c.typed.is_some() => {
                if c.topic_matches() {
                    self.confirmed(fx);
                } else {
                    let topic = c.pending.draft.topic.clone();
                    self.notice(
                        Level::Warn,
                        format!("type the topic exactly ({topic}) to start the burst"),
                    );
                }
            }
            (Overlay::Confirm(_), Bind::No | Bind::Close) => {
                self.overlay = Overlay::None;
                self.notice(Level::Info, "not sent");
            }
            (Overlay::Confirm(_), _) => {}
            (Overlay::Picker { .. }, Bind::Close) => self.overlay = Overlay::None,
            (Overlay::Picker { cursor }, Bind::ScrollDown) => {
                *cursor = (*cursor + 1).min(last_profile);
            }
            (Overlay::Picker { cursor }, Bind::ScrollUp) => {
                *cursor = cursor.saturating_sub(1);
            }
            (Overlay::Picker { cursor }, Bind::Submit) => {
                let i = *cursor;
                self.choose_profile(i, fx);
            }
            (Overlay::Picker { .. }, _) => {}
            (Overlay::History(_), _) => self.history_key(bind, fx),
            (Overlay::BodyFile(_), _) => self.body_file_key(bind, fx),
            (Overlay::Import(_), _) => self.import_key(bind, fx),
            (Overlay::Messages { .. }, _) => self.messages_key(bind),
            (Overlay::Fetch(v), _) if v.lens_prompting() || v.lens_showing() => {
                self.group_key(bind, fx)
            }
            (Overlay::Fetch(_), _) => self.fetch_key(bind, fx),
            (Overlay::SaveAs(_), _) => self.save_as_key(bind, fx),
            (Overlay::Saved(_), _) => self.saved_key(bind, fx),
            (Overlay::Palette(_), _) => self.palette_key(bind, fx),
            (Overlay::None, _) => return false,
        }
        true
    }
}
