//! Running headless sandboxes (`rmq-console sandbox`) leave a small file
//! naming their pid and name server address, so that a client started in
//! another shell with `--namesrv <that address>` can join the sandbox's
//! loopback-only network namespace instead of failing to connect.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub pid: u32,
    pub namesrv: String,
    /// Whether the sandbox runs in a network namespace of its own.
    pub own_netns: bool,
}

fn dir() -> PathBuf {
    rmq_model::paths::state_dir().join("sandboxes")
}

/// Records this process as a running sandbox; the file goes with the guard.
pub fn register(entry: &Entry) -> Result<Registration> {
    let dir = dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    prune(&dir);
    let path = dir.join(format!("{}.json", entry.pid));
    rmq_model::fsutil::write_atomic(&path, serde_json::to_string(entry)?.as_bytes())?;
    Ok(Registration { path })
}

pub struct Registration {
    path: PathBuf,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Removes entries left by sandboxes that were killed before they could
/// remove their own.
fn prune(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
        let pid = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<Entry>(&text).ok())
            .map(|e| e.pid);
        if let Some(pid) = pid
            && !super::process_alive(pid as i32)
        {
            tracing::info!(path = %path.display(), pid, "removed the registry entry of a killed sandbox");
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The running sandbox (if any) that serves `namesrv` from its own namespace.
pub fn find(namesrv: &str) -> Option<Entry> {
    let entries = std::fs::read_dir(dir()).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| serde_json::from_str::<Entry>(&text).ok())
        .find(|e| e.namesrv == namesrv && e.own_netns && super::process_alive(e.pid as i32))
}
