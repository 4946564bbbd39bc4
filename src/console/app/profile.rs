//! One entry of the profile picker: everything the console needs to switch
//! to a profile without reading the config or the environment again.

use rmq_engine::producer;

/// One entry of the profile picker: everything the console needs to switch
/// to it without reading config or the environment again.
#[derive(Debug, Clone)]
pub struct ProfileChoice {
    pub name: String,
    /// What the status bar and the picker show.
    pub endpoint: String,
    /// Every send asks for a confirmation showing profile, topic, count.
    pub protected: bool,
    /// A body that looks like JSON but does not parse asks before it is
    /// sent (`confirm-invalid-json = false` in the profile turns it off).
    pub confirm_invalid_json: bool,
    /// Status-bar marker colour, so production looks different.
    pub color: Option<ratatui::style::Color>,
    pub default_topic: Option<String>,
    pub default_tag: Option<String>,
    /// `Err` says why it cannot be used (e.g. a missing environment
    /// variable); the picker shows it and choosing it changes nothing.
    pub settings: Result<producer::ProducerSettings, String>,
    /// The sandbox this process started (only then is it a choice).
    pub sandbox: bool,
    /// Sends on this profile go to the journal (`journal = false` in the
    /// profile turns it off; the status bar says so).
    pub journal: bool,
}
