//! The small files the console reads and writes for the operator's prompts,
//! off the run loop's thread: a folder's entries for path completion and
//! the list of recently imported files (in the state directory), and the
//! saved messages folder's listing and changes.

use std::path::{Path, PathBuf};

use super::app::complete::{Entry, split};

/// How many recently imported paths are kept.
pub const RECENT_KEEP: usize = 10;

/// Expands a leading `~/` the way the import's read does.
pub fn expand(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(rest),
        None => PathBuf::from(path),
    }
}

/// The entries of the folder `typed` names (the current folder when it
/// names none), at most `limit` of them: a folder of a million files must
/// not stall the completion. An unreadable folder has none.
pub fn entries(typed: &str, limit: usize) -> Vec<Entry> {
    let (dir, _) = split(typed);
    let dir = if dir.is_empty() {
        PathBuf::from(".")
    } else {
        expand(dir)
    };
    let Ok(read) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    read.filter_map(Result::ok)
        .take(limit)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            // Follows links: a link to a folder completes as a folder.
            let dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
            Some(Entry { name, dir })
        })
        .collect()
}

/// The recently imported paths, newest first (none when the file is
/// missing or unreadable: it is a convenience, never an error).
pub fn read_recent(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .map(|text| parse_recent(&text))
        .unwrap_or_default()
}

fn parse_recent(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(RECENT_KEEP)
        .map(str::to_string)
        .collect()
}

/// Puts `path` first in the recent list (once), keeping `RECENT_KEEP`,
/// written whole or not at all.
pub fn remember(file: &Path, path: &str) -> anyhow::Result<()> {
    let mut list = read_recent(file);
    list.retain(|p| p != path);
    list.insert(0, path.to_string());
    list.truncate(RECENT_KEEP);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = list.join("\n");
    text.push('\n');
    rmq_model::fsutil::write_atomic(file, text.as_bytes())
}

/// Carries out a saved messages request in `dir` and answers with what
/// was done (or why not) and the folder's listing after it.
pub fn saved_op(dir: &Path, op: super::app::SavedOp) -> super::app::Action {
    use super::app::SavedOp;
    use crate::collection;
    let said = match op {
        SavedOp::List => None,
        SavedOp::Save(m) => Some(
            collection::save(dir, &m)
                .map(|f| format!("saved `{}` as {}", m.name, f.display()))
                .map_err(|e| format!("saving `{}` failed: {e:#}", m.name)),
        ),
        SavedOp::Rename { file, name } => Some(
            collection::rename(dir, &file, &name)
                .map(|f| format!("renamed to `{name}` ({})", f.display()))
                .map_err(|e| format!("renaming failed: {e:#}")),
        ),
        SavedOp::Delete(file) => Some(
            collection::delete(&file)
                .map(|()| format!("deleted {}", file.display()))
                .map_err(|e| format!("{e:#}")),
        ),
    };
    let listing = collection::list(dir).map_err(|e| format!("{e:#}"));
    super::app::Action::SavedDone { said, listing }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remember_puts_a_path_first_once_and_keeps_ten() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state").join("recent-imports");
        for i in 0..12 {
            remember(&file, &format!("f{i}.jsonl")).unwrap();
        }
        remember(&file, "f5.jsonl").unwrap();
        let list = read_recent(&file);
        assert_eq!(list.len(), RECENT_KEEP);
        assert_eq!(list[0], "f5.jsonl");
        assert_eq!(list[1], "f11.jsonl");
        assert_eq!(list.iter().filter(|p| *p == "f5.jsonl").count(), 1);
    }

    #[test]
    fn entries_lists_a_folder_and_marks_subfolders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("a.jsonl"), "").unwrap();
        let typed = format!("{}/", dir.path().display());
        let mut got = entries(&typed, 100);
        got.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(
            got,
            [
                Entry {
                    name: "a.jsonl".into(),
                    dir: false
                },
                Entry {
                    name: "sub".into(),
                    dir: true
                }
            ]
        );
        assert!(entries("/no/such/folder/x", 100).is_empty());
    }
}
