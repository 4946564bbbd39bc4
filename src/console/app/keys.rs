//! Keys outside overlays: what each bound action does to the App.

use super::{App, Effect, Focus, Level, Overlay};
use crate::console::keymap::Bind;
use crate::message::Mode;
use crate::producer::ProducerCommand;

impl App {
    pub(super) fn on_key(&mut self, bind: Bind) -> Option<Effect> {
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
                    // A raw submit line: copy the id its send got.
                    e.msg_id()
                        .or_else(|| self.log.msg_id_of(e.seq))
                        .map(str::to_string)
                });
                self.copy(id)
            }
            Bind::ToggleRaw => {
                self.toggle_raw();
                None
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

    pub(super) fn set_mode(&mut self, mode: Mode) -> Option<Effect> {
        self.mode = mode;
        None
    }

    pub(super) fn copy(&mut self, id: Option<String>) -> Option<Effect> {
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
}
