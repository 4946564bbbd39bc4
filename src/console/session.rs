//! What `main` hands the console (`Session`), built from a resolved target:
//! the styles, key overrides, journal settings, and the profile picker's
//! list (every config profile, then the sandbox or `--namesrv` target).

use std::collections::BTreeMap;

use super::app::ProfileChoice;
use crate::target::{Target, producer_settings};
use crate::theme::{self, Styles};

/// What `main` hands the console.
pub struct Session {
    /// Every target the picker offers; the console starts on `current`.
    pub profiles: Vec<ProfileChoice>,
    /// Index into `profiles` of the active one; its settings must be `Ok`.
    pub current: usize,
    pub styles: Styles,
    pub key_overrides: BTreeMap<String, String>,
    pub results_capacity: usize,
    pub leave_field_after_send: bool,
    /// Shown in the status bar and the log when the console opens.
    pub warnings: Vec<String>,
    /// Where the journal is kept.
    pub journal: rmq_journal::Settings,
    /// The saved messages folder (beside the config file; `--messages`
    /// sets it after).
    pub messages_dir: std::path::PathBuf,
    /// `rmq-console demo`: the tour the console opens on.
    pub tour: Option<std::sync::Arc<crate::tour::Tour>>,
}

/// The console's session for a target: the styles `prepare` made from its
/// config (`NO_COLOR` wins), key overrides and profile options.
pub fn for_target(t: &Target, styles: Styles) -> Session {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (profiles, current) = profile_choices(t, no_color);
    Session {
        profiles,
        current,
        styles: if no_color { Styles::no_color() } else { styles },
        key_overrides: t.config.keys.clone(),
        results_capacity: t.config.results_capacity,
        leave_field_after_send: t.config.leave_field_after_send,
        warnings: t.warnings.clone(),
        messages_dir: crate::collection::dir(None, t.config.path.as_deref()),
        journal: crate::journal_plan::settings_of(&t.config),
        tour: None,
    }
}

/// Why a real profile cannot be chosen in a sandbox session.
pub const UNREACHABLE_FROM_SANDBOX: &str = "not reachable from this session: it runs in the \
     sandbox's loopback-only network; start rmq-console without --sandbox to use this profile";

/// The picker's list: every config profile in file order (one whose
/// credentials are missing is listed with the reason), then the sandbox or
/// `--namesrv` target when the session started on one. Returns the index of
/// the profile the session started on.
fn profile_choices(t: &Target, no_color: bool) -> (Vec<ProfileChoice>, usize) {
    let started = t.profile_config.as_ref().map(|p| p.name.as_str());
    let mut choices: Vec<ProfileChoice> = t
        .config
        .profiles
        .iter()
        .map(|p| ProfileChoice {
            name: p.name.clone(),
            endpoint: p.endpoint.name_servers.clone(),
            protected: p.protected,
            confirm_invalid_json: p.confirm_invalid_json,
            // The config loader has validated the colour already.
            color: p
                .color
                .as_deref()
                .filter(|_| !no_color)
                .and_then(|c| theme::parse_color(c).ok()),
            default_topic: p.default_topic.clone(),
            default_tag: p.default_tag.clone(),
            // The starting profile keeps exactly what `resolve` built.
            settings: if Some(p.name.as_str()) == started {
                Ok(t.settings.clone())
            } else if t.loopback_only {
                // Its broker is outside this process's network namespace.
                Err(UNREACHABLE_FROM_SANDBOX.to_string())
            } else {
                producer_settings(p).map_err(|e| format!("{e:#}"))
            },
            sandbox: false,
            journal: p.journal,
        })
        .collect();
    let current = match started.and_then(|n| choices.iter().position(|c| c.name == n)) {
        Some(i) => i,
        None => {
            // The sandbox (only if this process started one) or --namesrv.
            choices.push(ProfileChoice {
                name: t.profile.clone(),
                endpoint: t.endpoint.clone(),
                protected: false,
                confirm_invalid_json: true,
                color: None,
                // A first-time operator on the sandbox can send at once.
                default_topic: t.sandbox.is_some().then(|| "demo-topic".to_string()),
                default_tag: None,
                settings: Ok(t.settings.clone()),
                sandbox: t.sandbox.is_some(),
                journal: true,
            });
            choices.len() - 1
        }
    };
    (choices, current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use rmq_engine::producer::ProducerSettings;

    fn target(loopback_only: bool) -> Target {
        let config = config::load_str(
            "[[profile]]\nname = \"prod\"\nendpoint = \"10.0.0.1:9876\"\n",
            "test.toml",
        )
        .expect("valid config");
        Target {
            settings: ProducerSettings::new("127.0.0.1:1"),
            profile: "sandbox".into(),
            endpoint: "127.0.0.1:1".into(),
            sandbox: None,
            profile_config: None,
            config,
            loopback_only,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_sandbox_session_marks_real_profiles_unreachable() {
        let (choices, current) = profile_choices(&target(true), true);
        assert_eq!(choices[current].name, "sandbox");
        let prod = choices.iter().find(|c| c.name == "prod").unwrap();
        assert_eq!(
            prod.settings.as_ref().err().map(String::as_str),
            Some(UNREACHABLE_FROM_SANDBOX)
        );
        assert!(UNREACHABLE_FROM_SANDBOX.contains("without --sandbox"));
        // On the host network the same profile can be chosen.
        let (choices, _) = profile_choices(&target(false), true);
        let prod = choices.iter().find(|c| c.name == "prod").unwrap();
        assert!(prod.settings.is_ok());
    }
}
