//! Which journal a command writes to, decided once from the config and the
//! target (`Plan`), and the send options its records carry, read off the
//! producer's settings (`options`). The journal crate knows neither the
//! config nor the producer; this is where the two meet it.

use rmq_engine::producer::ProducerSettings;
use rmq_journal::{Journal, Options, Settings, Sink};
use rmq_model::message::Mode;

use crate::config::{Config, Profile};

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

    /// Starts the writer (nothing when the journal is off). Its
    /// `Sink::write_ahead` goes into the producer's settings.
    pub fn sink(&self, producer: &ProducerSettings) -> Sink {
        Sink::new(
            self.settings.clone().map(Journal::start),
            &self.profile,
            Mode::ALL.map(|m| options(producer, m)),
        )
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

/// The send options a record keeps for a send in `mode` by a producer
/// started with `s`.
pub fn options(s: &ProducerSettings, mode: Mode) -> Options {
    Options {
        send_timeout_ms: u64::try_from(s.send_timeout.as_millis()).unwrap_or(u64::MAX),
        retry_times: match mode {
            Mode::Async => s.retry_times_async,
            _ => s.retry_times_sync,
        },
        async_inflight: s.async_inflight,
    }
}
