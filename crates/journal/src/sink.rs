//! The small handle the headless commands record through (`Sink`): the
//! journal's writer when there is one, the profile's name and the send
//! options every record of the run carries.

use std::sync::Arc;

use super::{Entry, Journal, Options};
use rmq_model::message::{Completion, Draft};

/// A headless run's journal.
pub struct Sink {
    journal: Option<Journal>,
    profile: Arc<str>,
    options: Options,
}

impl Sink {
    /// A sink writing to `journal` (none: keeps nothing), every record
    /// naming `profile` and carrying `options`.
    pub fn new(journal: Option<Journal>, profile: &str, options: Options) -> Sink {
        Sink {
            journal,
            profile: profile.into(),
            options,
        }
    }

    /// A sink that keeps nothing.
    pub fn none() -> Sink {
        Sink::new(None, "", Options::default())
    }

    pub fn is_on(&self) -> bool {
        self.journal.is_some()
    }

    pub fn record(&self, c: &Completion, draft: Option<&Arc<Draft>>, source: Option<String>) {
        if let Some(j) = &self.journal {
            j.record(Entry {
                completion: c.clone(),
                draft: draft.cloned(),
                profile: self.profile.clone(),
                options: self.options.clone(),
                source,
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
