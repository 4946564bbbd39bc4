//! The file the console keeps across restarts in its state folder: the
//! composer's draft and the repeat form's last values (`App::kept`),
//! written whole on exit (atomically: never half a file) and read at the
//! next start.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// More than any draft the profiles allow (64 MiB bodies at most) plus its
/// JSON escaping: a bigger file is not ours to load.
const MAX_BYTES: u64 = 160 * 1024 * 1024;

/// `~/.local/state/rmq-console/console.json`.
pub fn path() -> PathBuf {
    rmq_model::paths::state_dir().join("console.json")
}

/// What the last session kept, `None` when there is no file.
pub fn read(path: &Path) -> Result<Option<Value>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut text = String::new();
    file.take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("reading {}", path.display()))?;
    if text.len() as u64 > MAX_BYTES {
        bail!(
            "{} is larger than {MAX_BYTES} bytes; not read",
            path.display()
        );
    }
    let v = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok(Some(v))
}

/// Replaces the file with `v`, whole.
pub fn write(path: &Path, v: &Value) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let bytes = serde_json::to_vec(v).context("writing the console's state as JSON")?;
    rmq_model::fsutil::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_value_reads_back_and_a_missing_or_broken_file_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state").join("console.json");
        assert!(read(&p).unwrap().is_none(), "no file: nothing kept");
        let v = serde_json::json!({"version": 1, "draft": {"topic": "Orders"}});
        write(&p, &v).unwrap();
        assert_eq!(read(&p).unwrap(), Some(v));
        std::fs::write(&p, "{half").unwrap();
        assert!(format!("{:#}", read(&p).unwrap_err()).contains("parsing"));
    }
}
