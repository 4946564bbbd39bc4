//! The last draft sent to each topic, offered again when that topic is
//! typed into the composer (a notice names the key that restores it), so a
//! message sent an hour ago is one key away.

use super::{App, Focus, Level};
use crate::console::keymap::{Bind, Context};
use rmq_model::message::Draft;

/// Topics remembered at most (the oldest is forgotten first).
pub const LAST_DRAFTS: usize = 64;

impl App {
    /// Remembers what was just sent to its topic.
    pub(super) fn remember_draft(&mut self, d: &Draft) {
        self.last_drafts.retain(|x| x.topic != d.topic);
        self.last_drafts.push(d.clone());
        if self.last_drafts.len() > LAST_DRAFTS {
            self.last_drafts.remove(0);
        }
    }

    /// After the topic field changed: offers the topic's last draft when
    /// it differs from what the composer holds.
    pub(super) fn offer_last_draft(&mut self) {
        let topic = self.composer.topic.lines()[0].trim().to_string();
        let last = self.last_drafts.iter().find(|d| d.topic == topic);
        let differs = last.is_some_and(|d| self.composer.draft().as_ref() != Some(d));
        let was = self.offered.take();
        if differs {
            let key = self
                .keymap
                .key_for(Context::Edit, Bind::RestoreDraft)
                .unwrap_or_else(|| Bind::RestoreDraft.name().into());
            self.notice(
                Level::Info,
                format!("{topic}: last draft sent there is kept; {key} restores it"),
            );
            self.offered = Some(topic);
        } else if was.is_some() {
            self.notice = None;
        }
    }

    /// The restore key: the offered draft back into the composer.
    pub(super) fn restore_draft(&mut self) {
        let Some(topic) = self.offered.take() else {
            self.notice(Level::Info, "no earlier draft for this topic");
            return;
        };
        let Some(d) = self.last_drafts.iter().find(|d| d.topic == topic).cloned() else {
            return;
        };
        let mut r = rmq_journal::Record::from_entry(
            &rmq_journal::Entry {
                completion: rmq_model::message::Completion::instant(
                    0,
                    self.mode,
                    rmq_model::message::Outcome::Unresolved,
                ),
                draft: Some(std::sync::Arc::new(d)),
                profile: "".into(),
                options: Default::default(),
                source: None,
                tx: None,
            },
            String::new(),
        );
        r.mode = self.mode;
        let focus = self.focus;
        self.load_record(&r);
        self.focus = if focus.is_text() { focus } else { Focus::Body };
        self.notice(
            Level::Info,
            format!("restored the last draft sent to {topic}"),
        );
    }
}
