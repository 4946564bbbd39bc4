//! Logs go to a file, never to the terminal: the console owns the screen and
//! the headless commands own stdout. `RMQ_CONSOLE_LOG` sets the filter.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, Result};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; returns the log file's path.
pub fn init() -> Result<PathBuf> {
    let dir = crate::paths::state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("rmq-console.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
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
