//! Running headless sandboxes (`rmq-console sandbox`) leave a small file
//! naming their pid and name server address, so that a client started in
//! another shell with `--namesrv <that address>` can join the sandbox's
//! loopback-only network namespace instead of failing to connect. Each
//! entry carries its process's start time too: a pid alone may name
//! another process by now (the sandbox was killed and the pid reused), and
//! joining that one's namespace would send to whatever it serves.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub pid: u32,
    pub namesrv: String,
    /// Whether the sandbox runs in a network namespace of its own.
    pub own_netns: bool,
    /// The process's start time (`/proc/PID/stat`, clock ticks since
    /// boot): with the pid, what names that process and no later one.
    /// Entries written without it are never joined.
    #[serde(default)]
    pub started: Option<u64>,
}

impl Entry {
    /// The process this entry names is still running: its pid is alive and
    /// started when the entry says.
    pub fn still_running(&self) -> bool {
        self.started.is_some() && start_time(self.pid) == self.started
    }
}

/// When process `pid` started (`/proc/PID/stat` field 22, clock ticks since
/// boot); `None` when there is no such process.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces
    // and parentheses itself: the fields after it start past the last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    // `rest` starts at field 3 (state); field 22 is 19 further on.
    rest.split_whitespace().nth(19)?.parse().ok()
}

fn dir() -> PathBuf {
    rmq_model::paths::state_dir().join("sandboxes")
}

/// Records this process as a running sandbox; the file goes with the guard.
pub fn register(entry: &Entry) -> Result<Registration> {
    register_in(&dir(), entry)
}

fn register_in(dir: &std::path::Path, entry: &Entry) -> Result<Registration> {
    let dir = dir.to_path_buf();
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
/// remove their own: their process is gone, or its pid now names another
/// process (or the entry cannot say which process it was).
fn prune(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
        let entry = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<Entry>(&text).ok());
        if let Some(e) = entry
            && !e.still_running()
        {
            tracing::info!(path = %path.display(), pid = e.pid, "removed the registry entry of a sandbox no longer running");
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The running sandbox (if any) that serves `namesrv` from its own
/// namespace; an entry whose pid now names another process is not it.
pub fn find(namesrv: &str) -> Option<Entry> {
    find_in(&dir(), namesrv)
}

fn find_in(dir: &std::path::Path, namesrv: &str) -> Option<Entry> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| serde_json::from_str::<Entry>(&text).ok())
        .find(|e| e.namesrv == namesrv && e.own_netns && e.still_running())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: u32, started: Option<u64>) -> Entry {
        Entry {
            pid,
            namesrv: "127.0.0.1:9876".into(),
            own_netns: true,
            started,
        }
    }

    /// An entry naming a live pid that started at another time is a pid
    /// reused by another process: not found, and pruned at the next
    /// registration; so is an entry that cannot say when its process
    /// started. On main any live pid was joined.
    #[test]
    fn a_reused_pid_is_not_the_sandbox() {
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        let started = start_time(me);
        assert!(started.is_some(), "this process has a start time");
        let write = |name: &str, e: &Entry| {
            std::fs::write(dir.path().join(name), serde_json::to_string(e).unwrap()).unwrap()
        };
        write("reused.json", &entry(me, started.map(|t| t + 1)));
        write("old.json", &entry(me, None));
        assert_eq!(find_in(dir.path(), "127.0.0.1:9876"), None);
        let old = serde_json::json!({"pid": me, "namesrv": "127.0.0.1:9876", "own_netns": true});
        std::fs::write(dir.path().join("old.json"), old.to_string()).unwrap();
        assert_eq!(
            find_in(dir.path(), "127.0.0.1:9876"),
            None,
            "an entry from before"
        );

        let ours = entry(me, started);
        let reg = register_in(dir.path(), &ours).unwrap();
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, [format!("{me}.json")], "the others were pruned");
        assert_eq!(find_in(dir.path(), "127.0.0.1:9876"), Some(ours));
        drop(reg);
        assert_eq!(find_in(dir.path(), "127.0.0.1:9876"), None);
    }

    #[test]
    fn a_live_process_has_a_start_time_and_no_process_has_none() {
        assert!(start_time(std::process::id()).is_some());
        assert_eq!(start_time(u32::MAX), None);
    }
}
