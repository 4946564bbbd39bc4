//! Decides where the session sends: `--sandbox`, `--namesrv`, `--profile`, or
//! the config's default profile, falling back to a private sandbox when no
//! config exists (`settings` turns a profile into the producer's settings).
//! Runs before the runtime starts, because entering a network namespace
//! must happen while the process has a single thread.

mod settings;

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::TargetArgs;
use crate::config::{self, Config, Profile};
use rmq_engine::producer::ProducerSettings;
use rmq_model::endpoint;
use rmq_sandbox::{Sandbox, SandboxOptions, netns, registry};

pub use settings::{producer_settings, producer_settings_with};

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

/// The profile `--profile` names, else the config's startup profile;
/// `None` when a sandbox stands in (no config, or none to start on).
fn find_profile<'c>(args: &TargetArgs, config: &'c Config) -> Result<Option<&'c Profile>> {
    let Some(name) = &args.profile else {
        return Ok(config.startup_profile());
    };
    if let Some(p) = config.profile(name) {
        return Ok(Some(p));
    }
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

/// Where a headless command will send, known before anything starts (no
/// sandbox, no namespace, no connection): the settings its input is
/// checked against and whether the profile is protected. Checking first
/// means a bad draft or an unconfirmed protected profile ends the command
/// before a sandbox costs seconds or a message leaves.
pub struct Preview {
    pub profile: String,
    pub settings: ProducerSettings,
    pub protected: bool,
}

pub fn preview(args: &TargetArgs, config: &Config) -> Result<Preview> {
    if args.sandbox || args.namesrv.is_some() {
        let profile = if args.sandbox { "sandbox" } else { "--namesrv" };
        return Ok(Preview {
            profile: profile.into(),
            settings: ProducerSettings::new(""),
            protected: false,
        });
    }
    Ok(match find_profile(args, config)? {
        Some(p) => Preview {
            profile: p.name.clone(),
            settings: producer_settings(p).with_context(|| config.origin.clone())?,
            protected: p.protected,
        },
        None => Preview {
            profile: "sandbox".into(),
            settings: ProducerSettings::new(""),
            protected: false,
        },
    })
}

/// Refuses a protected profile unless `--yes` confirmed it: a script has no
/// one to ask, and a headless command never stops to ask (its standard
/// input may be the data).
pub fn confirm_protected(preview: &Preview, yes: bool, what: &str) -> Result<()> {
    if preview.protected && !yes {
        bail!(
            "profile {} is protected: {what} needs --yes to confirm (the console asks instead); nothing sent",
            preview.profile
        );
    }
    Ok(())
}

pub fn resolve(args: &TargetArgs, config_path: Option<&Path>) -> Result<Target> {
    resolve_with(args, config::load_or_default(config_path)?)
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
            netns::join_checked(entry.pid, || entry.still_running()).with_context(|| {
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
    let Some(profile) = find_profile(args, &config)?.cloned() else {
        return sandbox_target(config);
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
