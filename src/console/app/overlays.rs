//! The overlays (help, entry detail, repeat form, protected-send
//! confirmation, profile picker): what each holds and the keys while one is
//! open, since an open overlay owns the keyboard.

use std::sync::Arc;

use super::{App, Effect, LogEntry, RepeatForm, RepeatSpec};
use crate::message::{Draft, Mode};

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

impl App {
    /// Sends what the confirmation box holds.
    pub(super) fn confirmed(&mut self) -> Option<Effect> {
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::Confirm(c) => self.emit(c.pending),
            _ => None,
        }
    }
}
