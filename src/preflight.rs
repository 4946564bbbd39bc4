//! What a start checks before anything runs, and `check-config`, which runs
//! the same checks so the two cannot disagree: the theme, the `[keys]`
//! overrides and every profile's credentials, each error naming its line.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use crate::config::{self, Config, ConfigError};
use crate::console::keymap::Keymap;
use crate::target::producer_settings;
use crate::theme::{self, Styles};

/// `rmq-console check-config`: the same checks as a start, nothing started.
/// The saved messages folder (`--messages`, else beside the config file)
/// is checked too: every file must read, each error `FILE:LINE: reason`.
pub fn check_config(
    path: Option<&Path>,
    theme_flag: Option<&str>,
    messages: Option<&Path>,
) -> Result<std::process::ExitCode> {
    let located = config::locate(path)?;
    match &located {
        Some(p) => print!("{}", check_file(p, theme_flag, &theme::user_dir())?),
        None => println!(
            "no config file (looked at $RMQ_CONSOLE_CONFIG and {}); the sandbox will be used",
            rmq_model::paths::config_dir().join("config.toml").display()
        ),
    }
    let dir = crate::collection::dir(messages, located.as_deref());
    let n = crate::collection::check(&dir)?;
    println!("{}: {n} saved message(s) ok", dir.display());
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
