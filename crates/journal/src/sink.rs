//! The small handle the headless commands record through (`Sink`): the
//! journal's writer when there is one, the profile's name and the send
//! options every record of the run carries.

use std::sync::Arc;

use super::{Entry, Journal, Options, TxDecision};
use rmq_model::ahead::WriteAhead;
use rmq_model::message::{Completion, Draft};

/// A headless run's journal.
pub struct Sink {
    journal: Option<Journal>,
    profile: Arc<str>,
    /// The send options of each mode (`Mode::index`).
    options: [Options; 3],
}

impl Sink {
    /// A sink writing to `journal` (none: keeps nothing), every record
    /// naming `profile` and carrying the `options` of its mode.
    pub fn new(journal: Option<Journal>, profile: &str, options: [Options; 3]) -> Sink {
        Sink {
            journal,
            profile: profile.into(),
            options,
        }
    }

    /// A sink that keeps nothing.
    pub fn none() -> Sink {
        Sink::new(None, "", Default::default())
    }

    pub fn is_on(&self) -> bool {
        self.journal.is_some()
    }

    /// What the producer task writes ahead through (none with no journal):
    /// give it to the producer's settings.
    pub fn write_ahead(&self) -> Option<Arc<dyn WriteAhead>> {
        self.journal
            .as_ref()
            .and_then(|j| j.write_ahead(&self.profile, self.options.clone()))
    }

    pub fn record(
        &self,
        c: &Completion,
        draft: Option<&Arc<Draft>>,
        source: Option<String>,
        tx: Option<TxDecision>,
    ) {
        if let Some(j) = &self.journal {
            j.record(Entry {
                completion: c.clone(),
                draft: draft.cloned(),
                profile: self.profile.clone(),
                options: self.options[c.mode.index()].clone(),
                source,
                tx,
            });
        }
    }

    /// The id the record of send `seq` gets (`None` with no journal).
    pub fn id_for(&self, seq: u64) -> Option<String> {
        self.journal.as_ref().map(|j| j.id_for(seq))
    }

    /// A problem met so far (reported once each).
    pub fn problem(&self) -> Option<String> {
        self.journal.as_ref().and_then(Journal::problem)
    }

    /// Writes what is waiting; returns the problems not yet taken.
    pub fn close(self) -> Vec<String> {
        self.journal.map(Journal::close).unwrap_or_default()
    }
}
