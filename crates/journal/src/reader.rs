//! Reading the journal back: every file, oldest rotated one first, each line
//! a record. A line that does not parse (the torn end of a write cut short
//! by a crash) is skipped with a warning naming its file and line.

use std::io::BufRead;
use std::path::Path;

use super::{Record, file_path};

/// What `read_dir` found.
#[derive(Debug, Default)]
pub struct Read {
    /// Oldest first.
    pub records: Vec<Record>,
    /// `FILE:LINE: skipped: why`, one per bad line.
    pub warnings: Vec<String>,
}

/// Reads every journal file in `dir`, oldest first, one record per send
/// (its latest state, `fold::latest`). A missing directory is an empty
/// journal.
pub fn read_dir(dir: &Path) -> std::io::Result<Read> {
    let mut rotated = match crate::writer::rotated_files(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Read::default()),
        Err(e) => return Err(e),
    };
    rotated.sort_unstable_by(|a, b| b.cmp(a));
    rotated.push(0);
    let mut out = Read::default();
    for n in rotated {
        let path = file_path(dir, n);
        match std::fs::File::open(&path) {
            Ok(f) => read_file(&path, std::io::BufReader::new(f), &mut out)?,
            // Rotated away by another process while we listed.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    out.records = crate::fold::latest(out.records);
    Ok(out)
}

fn read_file(path: &Path, r: impl BufRead, out: &mut Read) -> std::io::Result<()> {
    for (i, line) in r.split(b'\n').enumerate() {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Record>(&line) {
            Ok(rec) => out.records.push(rec),
            Err(e) => out
                .warnings
                .push(format!("{}:{}: skipped: {e}", path.display(), i + 1)),
        }
    }
    Ok(())
}
