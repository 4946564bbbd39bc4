//! Decides where the session sends: `--sandbox`, `--namesrv`, `--profile`, or
//! the config's default profile, falling back to a private sandbox when no
//! config exists. Runs before the runtime starts, because entering a network
//! namespace must happen while the process has a single thread.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::TargetArgs;
use crate::config::{self, Config, Profile};
use crate::endpoint;
use crate::producer::ProducerSettings;
use crate::sandbox::{Sandbox, SandboxOptions, netns, registry};

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
pub fn check_config(path: Option<&Path>) -> Result<std::process::ExitCode> {
    let Some(p) = config::locate(path)? else {
        println!(
            "no config file (looked at $RMQ_CONSOLE_CONFIG and {}); the sandbox will be used",
            crate::paths::config_dir().join("config.toml").display()
        );
        return Ok(std::process::ExitCode::SUCCESS);
    };
    let cfg = config::load(&p)?;
    for profile in &cfg.profiles {
        profile
            .producer_settings()
            .with_context(|| p.display().to_string())?;
    }
    println!("{}: ok", p.display());
    for profile in &cfg.profiles {
        let marker = if Some(&profile.name) == cfg.startup_profile().map(|p| &p.name) {
            "*"
        } else {
            " "
        };
        println!(
            "{marker} {:<16} {}{}",
            profile.name,
            profile.endpoint.name_servers,
            if profile.protected {
                "  (protected)"
            } else {
                ""
            }
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}

pub fn resolve(args: &TargetArgs, config_path: Option<&Path>) -> Result<Target> {
    let config = load_config(config_path)?;
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
    let settings = profile.producer_settings().with_context(|| {
        config
            .path
            .as_ref()
            .map_or_else(|| "config".to_string(), |p| p.display().to_string())
    })?;
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

/// The console's session for a target: theme (`--theme`, then the config's,
/// then the default; `NO_COLOR` wins), key overrides and profile options.
pub fn session(t: &Target, theme: Option<&str>) -> Result<crate::console::Session> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let styles = if no_color {
        crate::theme::Styles::no_color()
    } else {
        match theme.or(t.config.theme.as_deref()) {
            Some(name) => {
                crate::theme::load_styles(name).with_context(|| format!("theme `{name}`"))?
            }
            None => crate::theme::load_styles("default")?,
        }
    };
    check_key_overrides(&t.config)?;
    let (profiles, current) = profile_choices(t, no_color);
    Ok(crate::console::Session {
        profiles,
        current,
        styles,
        key_overrides: t.config.keys.clone(),
        results_capacity: t.config.results_capacity,
        warnings: t.warnings.clone(),
    })
}

/// Bad `[keys]` entries fail here, before the terminal is touched, with the
/// config file and line of the offending entry.
fn check_key_overrides(config: &Config) -> Result<()> {
    let Err(e) = crate::console::keymap::Keymap::default().apply_overrides(&config.keys) else {
        return Ok(());
    };
    let file = config
        .path
        .as_ref()
        .map_or_else(|| "config".to_string(), |p| p.display().to_string());
    let line = config
        .keys
        .keys()
        .find(|name| e.starts_with(&format!("{name} = ")))
        .and_then(|name| config.key_lines.get(name));
    match line {
        Some(line) => bail!("{file}:{line}: [keys]: {e}"),
        None => bail!("{file}: [keys]: {e}"),
    }
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
                .and_then(|c| crate::theme::parse_color(c).ok()),
            default_topic: p.default_topic.clone(),
            default_tag: p.default_tag.clone(),
            // The starting profile keeps exactly what `resolve` built.
            settings: if Some(p.name.as_str()) == started {
                Ok(t.settings.clone())
            } else if t.loopback_only {
                // Its broker is outside this process's network namespace.
                Err(UNREACHABLE_FROM_SANDBOX.to_string())
            } else {
                p.producer_settings().map_err(|e| format!("{e:#}"))
            },
            sandbox: false,
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
