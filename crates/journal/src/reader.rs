//! Reading the journal back: every file, oldest rotated one first, each line
//! a record. A line that does not parse (the torn end of a write cut short
//! by a crash), or one longer than the cap, is skipped with a warning naming
//! its file and line; an over-long line is never held (`Lines`).

use std::path::Path;

use super::{Record, file_path};

/// What `read_dir` found.
#[derive(Debug, Default)]
pub struct Read {
    /// Oldest first.
    pub records: Vec<Record>,
    /// `FILE:LINE: skipped: why`, one per bad line.
    pub warnings: Vec<String>,
    /// `read_newest` stopped at its limit with older lines left unread:
    /// the journal holds more than `records` (how many more is not known,
    /// since counting them would mean reading them).
    pub older_unread: bool,
}

/// Reads every journal file in `dir`, oldest first, holding every record,
/// one per send (its latest state, `fold::latest`): for tests and small
/// journals (`history` streams with `for_each_record` and `fold::Folding`,
/// the console's pane reads the newest only, `read_newest`). Lines are
/// capped for the largest body a profile may allow. A missing directory is
/// an empty journal.
pub fn read_dir(dir: &Path) -> std::io::Result<Read> {
    let cap = crate::replay::line_cap(rmq_model::limits::MAX_MESSAGE_BYTES as usize);
    let mut out = Read::default();
    for_each_record(dir, cap, |r| {
        match r {
            Ok(rec) => out.records.push(rec),
            Err(w) => out.warnings.push(w),
        }
        Ok(())
    })?;
    out.records = crate::fold::latest(out.records);
    Ok(out)
}

/// Every record of the journal in `dir`, oldest first, handed to `each`
/// one at a time (`Err`: the warning for a line skipped); one line of at
/// most `max_line` bytes is held at a time. A missing directory is an empty
/// journal.
pub fn for_each_record(
    dir: &Path,
    max_line: usize,
    mut each: impl FnMut(Result<Record, String>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut rotated = match crate::writer::rotated_files(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    rotated.sort_unstable_by(|a, b| b.cmp(a));
    rotated.push(0);
    for n in rotated {
        let path = file_path(dir, n);
        match std::fs::File::open(&path) {
            Ok(f) => read_file(&path, std::io::BufReader::new(f), max_line, &mut each)?,
            // Rotated away by another process while we listed.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn read_file(
    path: &Path,
    r: impl std::io::BufRead,
    max_line: usize,
    each: &mut impl FnMut(Result<Record, String>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut lines = crate::Lines::new(r, max_line);
    while let Some(next) = lines.next_line()? {
        let got = match next {
            crate::Next::TooLong(n) => {
                lines.skip_rest()?;
                Err(format!(
                    "{}:{n}: skipped: a line longer than {max_line} bytes",
                    path.display()
                ))
            }
            crate::Next::Line(_, line) if line.iter().all(u8::is_ascii_whitespace) => continue,
            crate::Next::Line(n, line) => serde_json::from_slice::<Record>(line)
                .map_err(|e| format!("{}:{n}: skipped: {e}", path.display())),
        };
        each(got)?;
    }
    Ok(())
}
