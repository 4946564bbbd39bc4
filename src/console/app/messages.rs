//! The message log: every notice, warning and refusal the status bar has
//! shown, kept in full with its time (the status bar shows only the latest,
//! cut to the width), bounded, newest first; and the keys of its overlay.

use std::collections::VecDeque;

use chrono::{DateTime, Local};

use super::{App, Level, Overlay};
use crate::console::keymap::Bind;

/// How many messages the log keeps: a long session's worth of refusals and
/// warnings (a burst adds one or two), small enough to never matter.
pub const MESSAGES_KEPT: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub at: DateTime<Local>,
    pub level: Level,
    pub text: String,
}

/// Newest first, at most `MESSAGES_KEPT`; `dropped` counts what fell off.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    list: VecDeque<Message>,
    pub dropped: u64,
}

impl Messages {
    pub fn push(&mut self, m: Message) {
        // The same text again (a key pressed twice) is one line, timed anew.
        if self
            .list
            .front()
            .is_some_and(|f| f.text == m.text && f.level == m.level)
        {
            self.list[0].at = m.at;
            return;
        }
        self.list.push_front(m);
        if self.list.len() > MESSAGES_KEPT {
            self.list.pop_back();
            self.dropped += 1;
        }
    }

    pub fn list(&self) -> &VecDeque<Message> {
        &self.list
    }
}

impl App {
    pub(super) fn open_messages(&mut self) {
        self.overlay = Overlay::Messages { scroll: 0 };
    }

    /// A key while the message log is open.
    pub(super) fn messages_key(&mut self, bind: Bind) {
        let last = self.messages.list().len().saturating_sub(1);
        let Overlay::Messages { scroll } = &mut self.overlay else {
            return;
        };
        match bind {
            Bind::Close | Bind::Messages => self.overlay = Overlay::None,
            Bind::ScrollDown => *scroll = (*scroll + 1).min(last),
            Bind::ScrollUp => *scroll = scroll.saturating_sub(1),
            Bind::PageDown => *scroll = (*scroll + 10).min(last),
            Bind::PageUp => *scroll = scroll.saturating_sub(10),
            Bind::ScrollTop => *scroll = 0,
            Bind::ScrollBottom => *scroll = last,
            _ => {}
        }
    }
}
