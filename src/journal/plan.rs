//! Which journal a command writes to, decided once from the config and the
//! target (`Plan`), and the small handle the headless commands record
//! through (`Sink`), which knows the profile's name and the send options.

use std::sync::Arc;

use super::{Entry, Journal, Options, Settings};
use crate::config::{Config, Profile};
use crate::message::{Completion, Draft, Mode};
use crate::producer::ProducerSettings;

/// The journal a run writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The profile's name as records show it (`sandbox`, `--namesrv`, or a
    /// config profile's).
    pub profile: String,
    /// `None`: this run keeps no journal (`journal = false`, `--no-journal`).
    pub settings: Option<Settings>,
}

impl Plan {
    /// The config's journal keys, and the profile's `journal` switch.
    pub fn new(config: &Config, profile_name: &str, profile: Option<&Profile>) -> Plan {
        let on = profile.is_none_or(|p| p.journal);
        Plan {
            profile: profile_name.to_string(),
            settings: on.then(|| settings_of(config)),
        }
    }

    pub fn off(mut self) -> Plan {
        self.settings = None;
        self
    }

    /// Starts the writer (nothing when the journal is off).
    pub fn sink(&self, producer: &ProducerSettings, mode: Mode) -> Sink {
        Sink {
            journal: self.settings.clone().map(Journal::start),
            profile: self.profile.as_str().into(),
            options: Options::of(producer, mode),
        }
    }
}

/// Where the config says the journal lives and how it rotates.
pub fn settings_of(config: &Config) -> Settings {
    let d = Settings::default();
    Settings {
        dir: d.dir,
        max_bytes: config.journal_max_bytes.unwrap_or(d.max_bytes),
        keep: config.journal_keep.unwrap_or(d.keep),
    }
}

/// A headless run's journal.
pub struct Sink {
    journal: Option<Journal>,
    profile: Arc<str>,
    options: Options,
}

impl Sink {
    /// A sink that keeps nothing.
    pub fn none() -> Sink {
        Sink {
            journal: None,
            profile: "".into(),
            options: Options::default(),
        }
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
