//! Logs go to a file, never to the terminal: the console owns the screen and
//! the headless commands own stdout. `RMQ_CONSOLE_LOG` sets the filter.
//! What reaches the log is safe to keep: never a secret, never a body (the
//! start line names the command and its options, not their values).

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, Result};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; returns the log file's path.
pub fn init() -> Result<PathBuf> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = rmq_model::paths::state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // The log names profiles, endpoints and topics: the operator's alone,
    // as the journal beside it. The folder too, so nobody lists it: only
    // the group's and others' bits are taken away (a folder the operator
    // made read-only stays so).
    let mode = std::fs::metadata(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode & 0o7700))
            .with_context(|| format!("making {} private", dir.display()))?;
    }
    let path = dir.join("rmq-console.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    // A log created before this (0644 under the usual umask) is narrowed.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("making {} private", path.display()))?;
    let filter = EnvFilter::try_from_env("RMQ_CONSOLE_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,rocketmq_client_rust=warn,rocketmq_transport=warn")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(path)
}

/// The subcommand's name for the start line (`console` without one).
pub fn command_name(command: Option<&crate::cli::Command>) -> &'static str {
    use crate::cli::Command;
    match command {
        None => "console",
        Some(Command::Send(_)) => "send",
        Some(Command::Sandbox(_)) => "sandbox",
        Some(Command::Bench(_)) => "bench",
        Some(Command::CheckConfig) => "check-config",
        Some(Command::Replay(_)) => "replay",
        Some(Command::History(_)) => "history",
        Some(Command::Fetch(_)) => "fetch",
        Some(Command::Tail(_)) => "tail",
        Some(Command::Dlq(_)) => "dlq",
        Some(Command::Group(_)) => "group",
        Some(Command::Demo(_)) => "demo",
        Some(Command::SandboxServer(_)) => "sandbox-server",
    }
}

/// The option names on a command line, without their values: `--body
/// TEXT`, `--body=TEXT` and `--acl-user AK:SK` give `--body` and
/// `--acl-user`. Only names the command line really has are kept, so no
/// value can pass as one; positional words and short options are left out,
/// and `--` ends the options.
pub fn option_names(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<String> {
    let known = known_options();
    let mut names = Vec::new();
    for arg in args {
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            break;
        }
        let Some(name) = arg.strip_prefix("--") else {
            continue;
        };
        let name = name.split('=').next().unwrap_or_default();
        if known.contains(name) {
            names.push(format!("--{name}"));
        }
    }
    names
}

/// Every long option name of every (sub)command.
fn known_options() -> std::collections::BTreeSet<String> {
    fn walk(cmd: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                out.insert(long.to_string());
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(
        &<crate::cli::Cli as clap::CommandFactory>::command(),
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_names_leave_every_value_out() {
        let args = [
            "sandbox",
            "--acl-user",
            "ak:TOP-SECRET",
            "--body=the body",
            "--body",
            "--not-an-option",
            "-x",
            "--weird name",
            "--",
            "--after",
        ]
        .map(std::ffi::OsString::from);
        let names = option_names(args);
        assert_eq!(names, ["--acl-user", "--body", "--body"]);
        let joined = names.join(" ");
        assert!(!joined.contains("SECRET") && !joined.contains("the body"));
    }
}
