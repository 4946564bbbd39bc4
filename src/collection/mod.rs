//! Saved messages: the folder of message files (one TOML file each, beside
//! `config.toml` or wherever `--messages` points), how a name becomes a file
//! name, and listing, finding, saving, renaming and deleting them. Every
//! write goes to a temp file renamed over the target.

pub mod format;
pub mod set;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub use format::Saved;

/// Files read from a folder at most; the rest are left out, and said so.
pub const MAX_FILES: usize = 500;
/// A file larger than this is refused unread: a body at the largest
/// message size, as base64, and room for the other fields.
pub const MAX_FILE_BYTES: u64 = rmq_model::limits::MAX_MESSAGE_BYTES / 3 * 4 + (1 << 20);
/// Longest file name made from a message name (before `.toml`).
const MAX_STEM: usize = 64;

/// The folder: `--messages DIR`, else `messages/` beside the config file in
/// use, else beside where the config file would be.
pub fn dir(flag: Option<&Path>, config_file: Option<&Path>) -> PathBuf {
    if let Some(d) = flag {
        return d.to_path_buf();
    }
    match config_file.and_then(Path::parent) {
        Some(parent) => parent.join("messages"),
        None => rmq_model::paths::config_dir().join("messages"),
    }
}

/// The file name a message name is saved under: lower-case ASCII letters,
/// digits, `-`, `_` and `.` kept, every other run of characters one `-`,
/// no leading or trailing `-`/`.`, at most 64 characters; `message` when
/// nothing is left. The name itself is kept inside the file, so
/// "Order created / EU" is `order-created-eu.toml` and still shows as typed.
pub fn file_stem(name: &str) -> String {
    let mut stem = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            stem.push(c);
        } else if !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem: String = stem
        .trim_matches(['-', '.'])
        .chars()
        .take(MAX_STEM)
        .collect();
    let stem = stem.trim_end_matches(['-', '.']).to_string();
    if stem.is_empty() {
        "message".into()
    } else {
        stem
    }
}

/// One file of the folder: the message, or why it cannot be read
/// (`FILE:LINE: reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub file: PathBuf,
    pub saved: Result<Saved, String>,
}

impl Entry {
    /// The message's name, or the file's when it is broken.
    pub fn name(&self) -> String {
        match &self.saved {
            Ok(s) => s.name.clone(),
            Err(_) => self
                .file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// What a folder holds: its entries by name, and how many files were left
/// out past `MAX_FILES`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub left_out: usize,
}

fn read_entry(file: &Path) -> Entry {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let origin = file.display().to_string();
    let saved = read_text(file)
        .map_err(|e| format!("{origin}: {e:#}"))
        .and_then(|text| format::parse(&text, &origin, &stem).map_err(|e| e.to_string()));
    Entry {
        file: file.to_path_buf(),
        saved,
    }
}

fn read_text(file: &Path) -> Result<String> {
    let meta = std::fs::metadata(file).context("cannot read it")?;
    if meta.len() > MAX_FILE_BYTES {
        bail!(
            "{} bytes; a message file holds at most {MAX_FILE_BYTES}",
            meta.len()
        );
    }
    let bytes = std::fs::read(file).context("cannot read it")?;
    String::from_utf8(bytes).context("not UTF-8 text")
}

/// Every `*.toml` of `dir` (no folder yet: nothing saved), read and sorted
/// by name; hidden files (a write's temp file) are skipped.
pub fn list(dir: &Path) -> Result<Listing> {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Listing::default()),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot list the messages folder {}", dir.display()));
        }
    };
    let mut files: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                && p.is_file()
        })
        .collect();
    files.sort();
    let left_out = files.len().saturating_sub(MAX_FILES);
    files.truncate(MAX_FILES);
    let mut entries: Vec<Entry> = files.iter().map(|f| read_entry(f)).collect();
    entries.sort_by_key(|e| e.name().to_lowercase());
    Ok(Listing { entries, left_out })
}

/// The message called `name` (its `name` field, else its file name).
pub fn find(dir: &Path, name: &str) -> Result<Saved> {
    let listing = list(dir)?;
    let hit = listing
        .entries
        .iter()
        .find(|e| matches!(&e.saved, Ok(s) if s.name == name))
        .or_else(|| {
            listing
                .entries
                .iter()
                .find(|e| e.file.file_stem().is_some_and(|s| s == name))
        });
    match hit {
        Some(Entry { saved: Ok(s), .. }) => Ok(s.clone()),
        Some(Entry { saved: Err(e), .. }) => bail!("{e}"),
        None => {
            let names: Vec<String> = listing.entries.iter().map(Entry::name).collect();
            bail!(
                "no saved message `{name}` in {} ({})",
                dir.display(),
                if names.is_empty() {
                    "it holds none".to_string()
                } else {
                    format!("saved: {}", names.join(", "))
                }
            )
        }
    }
}

/// Saves `m`: over the file that already holds its name, else as a new
/// file named from it (`-2`, `-3`, … when another name made the same file
/// name). Returns the file written.
pub fn save(dir: &Path, m: &Saved) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the messages folder {}", dir.display()))?;
    let listing = list(dir)?;
    let same = listing
        .entries
        .iter()
        .find(|e| matches!(&e.saved, Ok(s) if s.name == m.name))
        .map(|e| e.file.clone());
    let file = match same {
        Some(f) => f,
        None => free_file(dir, &file_stem(&m.name)),
    };
    rmq_model::fsutil::write_atomic(&file, format::to_toml(m).as_bytes())?;
    Ok(file)
}

fn free_file(dir: &Path, stem: &str) -> PathBuf {
    let mut file = dir.join(format!("{stem}.toml"));
    let mut n = 2;
    while file.exists() {
        file = dir.join(format!("{stem}-{n}.toml"));
        n += 1;
    }
    file
}

/// Gives the message in `file` a new name: written to its new file first,
/// the old one removed after, so a failure leaves at least one copy.
pub fn rename(dir: &Path, file: &Path, new_name: &str) -> Result<PathBuf> {
    let new_name = new_name.trim();
    if new_name.is_empty() {
        bail!("a saved message needs a name");
    }
    let entry = read_entry(file);
    let mut saved = entry.saved.map_err(|e| anyhow::anyhow!("{e}"))?;
    let listing = list(dir)?;
    if listing
        .entries
        .iter()
        .any(|e| e.file != file && matches!(&e.saved, Ok(s) if s.name == new_name))
    {
        bail!("a saved message is already called `{new_name}`");
    }
    saved.name = new_name.to_string();
    let stem = file_stem(new_name);
    let target = if file
        .file_stem()
        .is_some_and(|s| s.to_string_lossy() == stem)
    {
        file.to_path_buf()
    } else {
        free_file(dir, &stem)
    };
    rmq_model::fsutil::write_atomic(&target, format::to_toml(&saved).as_bytes())?;
    if target != file {
        std::fs::remove_file(file)
            .with_context(|| format!("renamed, but cannot remove {}", file.display()))?;
    }
    Ok(target)
}

/// Removes a message's file.
pub fn delete(file: &Path) -> Result<()> {
    std::fs::remove_file(file).with_context(|| format!("cannot delete {}", file.display()))
}

/// `check-config` on the folder: every file must read, and no two may
/// share a name. The first problem is the error (`FILE:LINE: reason`); on
/// success, how many messages it holds.
pub fn check(dir: &Path) -> Result<usize> {
    let listing = list(dir)?;
    let mut seen: Vec<(&str, &Path)> = Vec::new();
    for e in &listing.entries {
        match &e.saved {
            Err(why) => bail!("{why}"),
            Ok(s) => {
                if let Some((_, other)) = seen.iter().find(|(n, _)| *n == s.name) {
                    bail!(
                        "{}: name `{}` is also the name of {}",
                        e.file.display(),
                        s.name,
                        other.display()
                    );
                }
                seen.push((&s.name, &e.file));
            }
        }
    }
    if listing.left_out > 0 {
        bail!(
            "{}: more than {MAX_FILES} message files; {} are not read",
            dir.display(),
            listing.left_out
        );
    }
    Ok(listing.entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmq_model::message::Draft;

    fn msg(name: &str) -> Saved {
        Saved {
            name: name.into(),
            draft: Draft {
                topic: "T".into(),
                tag: None,
                keys: vec![],
                properties: vec![],
                body: b"hello".to_vec(),
                kind: Default::default(),
            },
            type_row: String::new(),
        }
    }

    #[test]
    fn names_become_safe_file_names() {
        assert_eq!(file_stem("Order created / EU"), "order-created-eu");
        assert_eq!(file_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_stem("refund: bad amount!"), "refund-bad-amount");
        assert_eq!(file_stem("日本"), "message");
        assert_eq!(file_stem(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn save_find_rename_delete_in_a_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("messages");
        assert!(list(&dir).unwrap().entries.is_empty());
        let a = save(&dir, &msg("Order created")).unwrap();
        assert_eq!(a, dir.join("order-created.toml"));
        // Another name that makes the same file name gets its own file.
        let b = save(&dir, &msg("order  created")).unwrap();
        assert_eq!(b, dir.join("order-created-2.toml"));
        // Saving a name again replaces its file.
        let mut again = msg("Order created");
        again.draft.body = b"v2".to_vec();
        assert_eq!(save(&dir, &again).unwrap(), a);
        assert_eq!(find(&dir, "Order created").unwrap().draft.body, b"v2");
        assert_eq!(
            find(&dir, "order-created-2").unwrap().name,
            "order  created"
        );
        let err = rename(&dir, &b, "Order created").unwrap_err().to_string();
        assert!(err.contains("already called"), "{err}");
        let c = rename(&dir, &b, "refund").unwrap();
        assert!(!b.exists());
        assert_eq!(find(&dir, "refund").unwrap().draft.body, b"hello");
        delete(&c).unwrap();
        let err = find(&dir, "refund").unwrap_err().to_string();
        assert!(err.contains("saved: Order created"), "{err}");
        assert_eq!(check(&dir).unwrap(), 1);
    }
}
