//! Decides where the session sends: `--sandbox`, `--namesrv`, `--profile`, or
//! the config's default profile, falling back to a private sandbox when no
//! config exists; turns a profile into `ProducerSettings` (the producer's
//! defaults, what the profile sets, credentials from the environment);
//! prepares what the console needs from the config (theme, key bindings),
//! the same way for a start and for `check-config`.
//! Runs before the runtime starts, because entering a network namespace
//! must happen while the process has a single thread.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::cli::TargetArgs;
use crate::config::{self, Config, ConfigError, Profile};
use crate::console::keymap::Keymap;
use crate::endpoint;
use crate::producer::{Credentials, ProducerSettings};
use crate::sandbox::{Sandbox, SandboxOptions, netns, registry};
use crate::theme::{self, Styles};

/// A resolved target. Holds the sandbox (when one was started), which stops
/// when this is dropped.
pub struct Target {
    pub settings: ProducerSettings,
    pub profile: String,
    /// What the status bar shows.
    pub endpoint: String,
    pub sandbox: Option<Sandbox>,
    /// The profile's own settings (protected, defaults, colour), when the
    /// target came from one.
    pub profile_config: Option<Profile>,
    /// The loaded config file, if any (theme, keys, results capacity).
    pub config: Config,
    /// This process lives in a loopback-only network namespace made for its
    /// sandbox: no other broker can be reached from here.
    pub loopback_only: bool,
    /// What the operator must be told before anything else (headless:
    /// stderr; console: the status bar).
    pub warnings: Vec<String>,
}

/// Moves the process into a loopback-only network namespace for a sandbox.
/// Where the machine does not allow it, the sandbox still runs on the host
/// network, and the `Err` says so in words for the operator.
pub fn isolate_for_sandbox() -> Result<netns::Isolation, String> {
    match netns::isolate() {
        Ok(i) => {
            tracing::info!(?i, "sandbox network isolation");
            Ok(i)
        }
        Err(e) => {
            let why = format!(
                "no loopback-only network namespace ({e:#}); the sandbox shares the host network \
                 and its name server probes this machine's own address"
            );
            tracing::warn!("{why}");
            Err(why)
        }
    }
}

fn sandbox_target(config: Config) -> Result<Target> {
    let isolation = isolate_for_sandbox();
    let sandbox = Sandbox::start(&SandboxOptions::default()).context("starting the sandbox")?;
    let mut settings = ProducerSettings::new(sandbox.namesrv_addr.clone());
    settings.producer_group = format!("rmq-console-sandbox-{}", std::process::id());
    Ok(Target {
        endpoint: sandbox.namesrv_addr.clone(),
        settings,
        profile: "sandbox".into(),
        sandbox: Some(sandbox),
        profile_config: None,
        config,
        loopback_only: isolation.is_ok(),
        warnings: isolation.err().into_iter().collect(),
    })
}

/// Loads the config file when there is one; no file is an empty config.
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    match config::locate(path)? {
        Some(p) => config::load(&p),
        None => Ok(Config::default()),
    }
}

/// `rmq-console check-config`: the same checks as a start, nothing started.
pub fn check_config(
    path: Option<&Path>,
    theme_flag: Option<&str>,
) -> Result<std::process::ExitCode> {
    match config::locate(path)? {
        Some(p) => print!("{}", check_file(&p, theme_flag, &theme::user_dir())?),
        None => println!(
            "no config file (looked at $RMQ_CONSOLE_CONFIG and {}); the sandbox will be used",
            crate::paths::config_dir().join("config.toml").display()
        ),
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `check-config` on one file: what a console start prepares (`prepare`)
/// plus every profile's credentials, not only the starting one's. Returns
/// the report: `path: ok`, then one line per profile, `*` marking the one a
/// start picks.
pub fn check_file(path: &Path, theme_flag: Option<&str>, themes_dir: &Path) -> Result<String> {
    let cfg = config::load(path)?;
    prepare(&cfg, theme_flag, themes_dir)?;
    for profile in &cfg.profiles {
        producer_settings(profile).with_context(|| cfg.origin.clone())?;
    }
    let mut report = format!("{}: ok\n", path.display());
    let startup = cfg.startup_profile().map(|p| p.name.as_str());
    for profile in &cfg.profiles {
        let _ = writeln!(
            report,
            "{} {:<16} {}{}",
            if Some(profile.name.as_str()) == startup {
                "*"
            } else {
                " "
            },
            profile.name,
            profile.endpoint.name_servers,
            if profile.protected {
                "  (protected)"
            } else {
                ""
            }
        );
    }
    Ok(report)
}

/// What a console start checks and builds from the config before anything
/// runs; `check-config` runs it too, so the two cannot disagree. The theme
/// is `--theme`, else the config's, else "default" (the config's is checked
/// even when `--theme` wins), looked up in `themes_dir` before the
/// built-ins; `[keys]` must apply to the default keymap. Errors about the
/// file name its line.
pub fn prepare(config: &Config, theme_flag: Option<&str>, themes_dir: &Path) -> Result<Styles> {
    let configured = match &config.theme {
        Some(name) => Some(
            theme::load_styles(name, themes_dir)
                .map_err(|e| config.error_at(config.theme_line, format!("theme: {e:#}")))?,
        ),
        None => None,
    };
    let styles = match (theme_flag, configured) {
        (Some(name), _) => {
            theme::load_styles(name, themes_dir).with_context(|| format!("theme `{name}`"))?
        }
        (None, Some(styles)) => styles,
        (None, None) => theme::load_styles("default", themes_dir)?,
    };
    check_key_overrides(config)?;
    Ok(styles)
}

/// A profile's producer settings: the producer's own defaults
/// (`ProducerSettings::new`, the one place they live) with what the profile
/// sets on top, and credentials read from the environment variables it
/// names. A named variable that is unset or empty is an error naming the
/// variable and the profile; secrets never appear in messages.
pub fn producer_settings(profile: &Profile) -> Result<ProducerSettings> {
    producer_settings_with(profile, &|name| std::env::var(name).ok())
}

/// `producer_settings` with the environment supplied, for tests.
pub fn producer_settings_with(
    p: &Profile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProducerSettings> {
    let read = |var: &str, key: &str| -> Result<String> {
        match env(var) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => bail!(
                "profile \"{}\": environment variable {var} ({key}) is not set",
                p.name
            ),
        }
    };
    let credentials = match (&p.access_key_env, &p.secret_key_env) {
        (Some(ak), Some(sk)) => Some(Credentials {
            access_key: read(ak, "access-key-env")?,
            secret_key: read(sk, "secret-key-env")?,
            security_token: match &p.security_token_env {
                Some(var) => Some(read(var, "security-token-env")?),
                None => None,
            },
        }),
        // The config loader rejects half pairs; this guards hand-built profiles.
        (Some(_), None) | (None, Some(_)) => bail!(
            "profile \"{}\": access-key-env and secret-key-env must be set together",
            p.name
        ),
        (None, None) => None,
    };
    let mut s = ProducerSettings::new(p.endpoint.name_servers.clone());
    s.namespace = p.endpoint.namespace.clone();
    s.credentials = credentials;
    if let Some(ms) = p.send_timeout_ms {
        s.send_timeout = Duration::from_millis(ms);
    }
    s.retry_times_sync = p.retry_times_sync.unwrap_or(s.retry_times_sync);
    s.retry_times_async = p.retry_times_async.unwrap_or(s.retry_times_async);
    s.retry_another_broker = p.retry_another_broker.unwrap_or(s.retry_another_broker);
    s.max_message_bytes = p.max_message_bytes.unwrap_or(s.max_message_bytes);
    s.async_inflight = p.async_inflight.unwrap_or(s.async_inflight);
    s.transaction_policy = p.transaction_policy.unwrap_or(s.transaction_policy);
    s.transaction_check_default = p
        .transaction_check_default
        .unwrap_or(s.transaction_check_default);
    Ok(s)
}

pub fn resolve(args: &TargetArgs, config_path: Option<&Path>) -> Result<Target> {
    resolve_with(args, load_config(config_path)?)
}

/// `resolve` on a config already loaded (the console prepares it first, so
/// that a bad theme or key binding fails before a sandbox starts).
pub fn resolve_with(args: &TargetArgs, config: Config) -> Result<Target> {
    if args.sandbox {
        return sandbox_target(config);
    }
    if let Some(addr) = &args.namesrv {
        let ep = endpoint::parse(addr).map_err(|e| anyhow::anyhow!("--namesrv: {e}"))?;
        // A headless sandbox in its own namespace serves this address only
        // from inside that namespace: join it.
        if let Some(entry) = registry::find(&ep.name_servers) {
            netns::join(entry.pid).with_context(|| {
                format!(
                    "joining the network namespace of the sandbox (pid {})",
                    entry.pid
                )
            })?;
            tracing::info!(pid = entry.pid, "joined the sandbox's network namespace");
        }
        let mut settings = ProducerSettings::new(ep.name_servers.clone());
        settings.namespace = ep.namespace;
        return Ok(Target {
            settings,
            profile: "--namesrv".into(),
            endpoint: addr.clone(),
            sandbox: None,
            profile_config: None,
            config,
            loopback_only: false,
            warnings: Vec::new(),
        });
    }
    let profile = match &args.profile {
        Some(name) => match config.profile(name) {
            Some(p) => p.clone(),
            None => {
                let known: Vec<&str> = config.profiles.iter().map(|p| p.name.as_str()).collect();
                match &config.path {
                    Some(path) => bail!(
                        "--profile {name}: {} has no such profile (profiles: {})",
                        path.display(),
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                    None => bail!("--profile {name}: there is no config file to define it"),
                }
            }
        },
        None => match config.startup_profile() {
            Some(p) => p.clone(),
            None => return sandbox_target(config),
        },
    };
    let settings = producer_settings(&profile).with_context(|| config.origin.clone())?;
    Ok(Target {
        settings,
        profile: profile.name.clone(),
        endpoint: profile.endpoint.name_servers.clone(),
        sandbox: None,
        profile_config: Some(profile),
        config,
        loopback_only: false,
        warnings: Vec::new(),
    })
}

/// The console's session for a target: the styles `prepare` made from its
/// config (`NO_COLOR` wins), key overrides and profile options.
pub fn session(t: &Target, styles: Styles) -> crate::console::Session {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (profiles, current) = profile_choices(t, no_color);
    crate::console::Session {
        profiles,
        current,
        styles: if no_color { Styles::no_color() } else { styles },
        key_overrides: t.config.keys.clone(),
        results_capacity: t.config.results_capacity,
        warnings: t.warnings.clone(),
        journal: crate::journal::settings_of(&t.config),
    }
}

/// Bad `[keys]` entries fail here, before the terminal is touched, with the
/// config file and line of the offending entry (the keymap's message starts
/// with the entry, `name = "value"`).
fn check_key_overrides(config: &Config) -> Result<(), ConfigError> {
    let Err(e) = Keymap::default().apply_overrides(&config.keys) else {
        return Ok(());
    };
    let line = config
        .keys
        .keys()
        .find(|name| e.starts_with(&format!("{name} = ")))
        .and_then(|name| config.key_lines.get(name).copied());
    Err(config.error_at(line, format!("[keys]: {e}")))
}

/// Why a real profile cannot be chosen in a sandbox session.
pub const UNREACHABLE_FROM_SANDBOX: &str = "not reachable from this session: it runs in the \
     sandbox's loopback-only network; start rmq-console without --sandbox to use this profile";

/// The picker's list: every config profile in file order (one whose
/// credentials are missing is listed with the reason), then the sandbox or
/// `--namesrv` target when the session started on one. Returns the index of
/// the profile the session started on.
fn profile_choices(t: &Target, no_color: bool) -> (Vec<crate::console::ProfileChoice>, usize) {
    use crate::console::ProfileChoice;
    let started = t.profile_config.as_ref().map(|p| p.name.as_str());
    let mut choices: Vec<ProfileChoice> = t
        .config
        .profiles
        .iter()
        .map(|p| ProfileChoice {
            name: p.name.clone(),
            endpoint: p.endpoint.name_servers.clone(),
            protected: p.protected,
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
