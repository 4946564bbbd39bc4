//! Decides where the session sends: `--sandbox`, `--namesrv`, `--profile`, or
//! the config's default profile, falling back to a private sandbox when no
//! config exists. Runs before the runtime starts, because entering a network
//! namespace must happen while the process has a single thread.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::TargetArgs;
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
}

/// Moves the process into a loopback-only network namespace for a sandbox.
/// Where the machine does not allow it, the sandbox still runs, and the log
/// says the name server may probe the host's own address.
pub fn isolate_for_sandbox() -> Option<netns::Isolation> {
    match netns::isolate() {
        Ok(i) => {
            tracing::info!(?i, "sandbox network isolation");
            Some(i)
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "no loopback-only namespace; sandbox shares the host network");
            None
        }
    }
}

fn sandbox_target() -> Result<Target> {
    isolate_for_sandbox();
    let sandbox = Sandbox::start(&SandboxOptions::default()).context("starting the sandbox")?;
    let mut settings = ProducerSettings::new(sandbox.namesrv_addr.clone());
    settings.producer_group = format!("rmq-console-sandbox-{}", std::process::id());
    Ok(Target {
        endpoint: sandbox.namesrv_addr.clone(),
        settings,
        profile: "sandbox".into(),
        sandbox: Some(sandbox),
    })
}

pub fn resolve(
    args: &TargetArgs,
    config_path: Option<&Path>,
    _interactive: bool,
) -> Result<Target> {
    if args.sandbox {
        return sandbox_target();
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
        });
    }
    let _ = config_path;
    if let Some(name) = &args.profile {
        bail!("profile `{name}`: config profiles are not available yet");
    }
    sandbox_target()
}
