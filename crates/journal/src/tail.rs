//! Reading the journal from its newest end: the newest records first, at
//! most as many as asked, read backwards in chunks from the end of the
//! current file and then of each rotated one, so the history pane's 10,000
//! never cost a read of a 3 GB journal. A line longer than the cap is
//! passed over (a warning), never held.

use std::io::{Read as _, Seek, SeekFrom};
use std::path::Path;

use super::{Read, Record, file_path};

/// Bytes read per step backwards.
const CHUNK: usize = 64 * 1024;

/// At most this many warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 100;

/// The newest `limit` records of the journal in `dir` (oldest first, as
/// `read_dir` gives them), reading no further back than that. Lines over
/// `max_line` bytes and lines that do not parse are skipped with a warning
/// naming the file and the byte the line starts at.
pub fn read_newest(dir: &Path, limit: usize, max_line: usize) -> std::io::Result<Read> {
    let mut rotated = match crate::writer::rotated_files(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Read::default()),
        Err(e) => return Err(e),
    };
    // Newest first: the current file, then journal.1, journal.2, ...
    rotated.sort_unstable();
    let mut back = Back {
        limit,
        max_line,
        out: Read::default(),
        unsaid: 0,
    };
    for n in std::iter::once(0).chain(rotated) {
        if back.full() {
            back.out.older_unread = true;
            break;
        }
        let path = file_path(dir, n);
        match std::fs::File::open(&path) {
            Ok(f) => back.file(&path, f)?,
            // Rotated away by another process while we listed.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    if back.unsaid > 0 {
        let n = back.unsaid;
        back.out.warnings.push(format!("{n} more line(s) skipped"));
    }
    back.out.records.reverse();
    Ok(back.out)
}

struct Back {
    limit: usize,
    max_line: usize,
    /// Records newest first while reading.
    out: Read,
    unsaid: usize,
}

impl Back {
    fn full(&self) -> bool {
        self.out.records.len() >= self.limit
    }

    fn warn(&mut self, text: String) {
        if self.out.warnings.len() < MAX_WARNINGS {
            self.out.warnings.push(text);
        } else {
            self.unsaid += 1;
        }
    }

    /// One whole line, starting at byte `at` of `path`.
    fn line(&mut self, path: &Path, at: u64, line: &[u8]) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        match serde_json::from_slice::<Record>(line) {
            Ok(rec) => self.out.records.push(rec),
            Err(e) => self.warn(format!("{} byte {at}: skipped: {e}", path.display())),
        }
    }

    fn too_long(&mut self, path: &Path, at: u64) {
        let max = self.max_line;
        self.warn(format!(
            "{} byte {at}: skipped: a line longer than {max} bytes",
            path.display()
        ));
    }

    /// Reads `f` backwards until it starts or enough records are read.
    fn file(&mut self, path: &Path, mut f: std::fs::File) -> std::io::Result<()> {
        let mut pos = f.metadata()?.len();
        // The end of a line whose start lies further back.
        let mut carry: Vec<u8> = Vec::new();
        // That line is over the cap: its start is looked for, not kept.
        let mut skipping = false;
        let mut chunk = vec![0u8; CHUNK];
        while pos > 0 {
            let start = pos.saturating_sub(CHUNK as u64);
            let len = (pos - start) as usize;
            f.seek(SeekFrom::Start(start))?;
            f.read_exact(&mut chunk[..len])?;
            pos = start;
            let mut end = len;
            while let Some(i) = chunk[..end].iter().rposition(|b| *b == b'\n') {
                let at = start + i as u64 + 1;
                if skipping || end - i - 1 + carry.len() > self.max_line {
                    self.too_long(path, at);
                } else {
                    let mut line = chunk[i + 1..end].to_vec();
                    line.extend_from_slice(&carry);
                    self.line(path, at, &line);
                }
                carry.clear();
                skipping = false;
                end = i;
                if self.full() {
                    self.out.older_unread |= end > 0 || pos > 0;
                    return Ok(());
                }
            }
            if !skipping {
                if end + carry.len() > self.max_line {
                    skipping = true;
                    carry = Vec::new();
                } else {
                    let mut c = chunk[..end].to_vec();
                    c.extend_from_slice(&carry);
                    carry = c;
                }
            }
        }
        // The file's first line.
        if skipping {
            self.too_long(path, 0);
        } else {
            self.line(path, 0, &carry);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::record;
    use std::io::Write;

    fn line(seq: u64) -> String {
        serde_json::to_string(&record(seq, "t", "acknowledged")).unwrap() + "\n"
    }

    /// The newest records come from the current file first, then the
    /// rotated ones; a line over the cap and a torn one are skipped with
    /// their byte, and the records on both sides of them are read.
    #[test]
    fn the_newest_records_across_files_skipping_long_and_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(3 * CHUNK);
        let older = [line(1), line(2), format!("{long}\n"), line(3)].concat();
        std::fs::write(file_path(dir.path(), 1), older).unwrap();
        let current = [line(4), "{\"torn\n".into(), line(5)].concat();
        std::fs::write(file_path(dir.path(), 0), &current).unwrap();
        let seqs = |r: &Read| r.records.iter().map(|r| r.seq).collect::<Vec<_>>();

        let r = read_newest(dir.path(), 2, CHUNK).unwrap();
        assert_eq!(seqs(&r), [4, 5], "oldest first, the newest two");
        assert!(r.older_unread);
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        let torn_at = line(4).len();
        assert!(r.warnings[0].contains(&format!("journal.jsonl byte {torn_at}: skipped")));

        let r = read_newest(dir.path(), 100, CHUNK).unwrap();
        assert_eq!(seqs(&r), [1, 2, 3, 4, 5]);
        assert!(!r.older_unread);
        let long_at = line(1).len() + line(2).len();
        let want = format!("journal.1.jsonl byte {long_at}: skipped: a line longer than");
        assert!(
            r.warnings.iter().any(|w| w.contains(&want)),
            "{:?}",
            r.warnings
        );
        let all = crate::read_dir(dir.path()).unwrap();
        assert_eq!(seqs(&all), seqs(&r), "the same records as reading forwards");
    }

    /// A 3 GB line (a sparse file: no disk) before the newest records: the
    /// pane's read takes the records after it and never reads the line.
    /// `read_dir` on main held the whole line in memory.
    #[test]
    fn a_3_gb_line_before_the_newest_records_is_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_path(dir.path(), 0);
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(3 << 30).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"\n").unwrap();
        for seq in 1..=5 {
            f.write_all(line(seq).as_bytes()).unwrap();
        }
        let started = std::time::Instant::now();
        let r = read_newest(dir.path(), 5, 1 << 20).unwrap();
        assert_eq!(r.records.len(), 5);
        assert!(r.older_unread, "the 3 GB line is older and unread");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    /// Forwards too, a line over the cap is skipped, not held, with its
    /// line number; the records after it are read.
    #[test]
    fn reading_forwards_skips_a_line_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let text = [line(1), "y".repeat(5000) + "\n", line(2)].concat();
        std::fs::write(file_path(dir.path(), 0), text).unwrap();
        let mut got = Vec::new();
        crate::for_each_record(dir.path(), 4096, |r| {
            got.push(r.map(|r| r.seq));
            Ok(())
        })
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Ok(1));
        let w = got[1].clone().unwrap_err();
        assert!(
            w.ends_with("journal.jsonl:2: skipped: a line longer than 4096 bytes"),
            "{w}"
        );
        assert_eq!(got[2], Ok(2));
    }
}
