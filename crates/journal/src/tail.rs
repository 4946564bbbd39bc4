//! Reading the journal from its newest end: the newest records first, at
//! most as many as asked, read backwards in chunks from the end of the
//! current file and then of each rotated one, so the history pane's 10,000
//! never cost a read of a 3 GB journal. A line longer than the cap ends the
//! read where it is met (a warning): it is never held, and its start is not
//! looked for either, since that would mean reading all of it.

use std::io::{Read as _, Seek, SeekFrom};
use std::path::Path;

use super::{Read, Record, file_path};

/// Bytes read per step backwards.
const CHUNK: usize = 64 * 1024;

/// At most this many warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 100;

/// The newest `limit` records of the journal in `dir` (oldest first, as
/// `read_dir` gives them), reading no further back than that. A line that
/// does not parse is skipped with a warning naming the file and the byte
/// it starts at; a line over `max_line` bytes ends the read, with a warning
/// naming where it ends (`older_unread` is set).
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
        stopped: false,
    };
    for n in std::iter::once(0).chain(rotated) {
        if back.full() || back.stopped {
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
    // One row per send: a send is written ahead and again when it ends.
    back.out.records = crate::fold::latest(back.out.records);
    Ok(back.out)
}

struct Back {
    limit: usize,
    max_line: usize,
    /// Records newest first while reading.
    out: Read,
    unsaid: usize,
    /// A line over the cap was met: nothing older is read.
    stopped: bool,
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

    /// A line over the cap ends at byte `end` of `path`: the read stops.
    fn too_long(&mut self, path: &Path, end: u64) {
        let max = self.max_line;
        self.warn(format!(
            "{} byte {end}: a line longer than {max} bytes ends here; older records not read",
            path.display()
        ));
        self.stopped = true;
        self.out.older_unread = true;
    }

    /// Reads `f` backwards until it starts, enough records are read, or a
    /// line over the cap is met.
    fn file(&mut self, path: &Path, mut f: std::fs::File) -> std::io::Result<()> {
        let mut pos = f.metadata()?.len();
        // The end of a line whose start lies further back, as the pieces
        // read (the last piece is the earliest: copying the whole carry at
        // each chunk would cost the square of a long line), and where the
        // line ends.
        let mut carry: Vec<Vec<u8>> = Vec::new();
        let mut carry_len = 0;
        let mut line_end = pos;
        let mut chunk = vec![0u8; CHUNK];
        while pos > 0 {
            let start = pos.saturating_sub(CHUNK as u64);
            let len = (pos - start) as usize;
            f.seek(SeekFrom::Start(start))?;
            f.read_exact(&mut chunk[..len])?;
            pos = start;
            let mut end = len;
            while let Some(i) = chunk[..end].iter().rposition(|b| *b == b'\n') {
                if end - i - 1 + carry_len > self.max_line {
                    self.too_long(path, line_end);
                    return Ok(());
                }
                let line = joined(&chunk[i + 1..end], &carry);
                self.line(path, start + i as u64 + 1, &line);
                carry.clear();
                carry_len = 0;
                end = i;
                line_end = start + i as u64;
                if self.full() {
                    self.out.older_unread |= end > 0 || pos > 0;
                    return Ok(());
                }
            }
            if end + carry_len > self.max_line {
                self.too_long(path, line_end);
                return Ok(());
            }
            if end > 0 {
                carry.push(chunk[..end].to_vec());
                carry_len += end;
            }
        }
        // The file's first line.
        self.line(path, 0, &joined(&[], &carry));
        Ok(())
    }
}

/// A line from its first piece and the pieces read before it (backwards:
/// the last of `later` comes first).
fn joined(first: &[u8], later: &[Vec<u8>]) -> Vec<u8> {
    let mut line = Vec::with_capacity(first.len() + later.iter().map(Vec::len).sum::<usize>());
    line.extend_from_slice(first);
    for piece in later.iter().rev() {
        line.extend_from_slice(piece);
    }
    line
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
    /// rotated ones; a torn line is skipped with its byte; a line over the
    /// cap ends the read.
    #[test]
    fn the_newest_records_across_files_a_torn_line_skipped_a_long_one_ending_the_read() {
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

        // A line over the cap ends the read where it ends: what is newer
        // is read, what is older is said to be unread.
        let r = read_newest(dir.path(), 100, CHUNK).unwrap();
        assert_eq!(seqs(&r), [3, 4, 5]);
        assert!(r.older_unread);
        let long_end = line(1).len() + line(2).len() + long.len();
        let want = format!(
            "journal.1.jsonl byte {long_end}: a line longer than {CHUNK} bytes ends here; \
             older records not read"
        );
        assert!(
            r.warnings.iter().any(|w| w.contains(&want)),
            "{:?}",
            r.warnings
        );

        // Without it, every record, the same as reading forwards.
        let older = [line(1), line(2), line(3)].concat();
        std::fs::write(file_path(dir.path(), 1), older).unwrap();
        let r = read_newest(dir.path(), 100, CHUNK).unwrap();
        assert_eq!(seqs(&r), [1, 2, 3, 4, 5]);
        assert!(!r.older_unread);
        let all = crate::read_dir(dir.path()).unwrap();
        assert_eq!(seqs(&all), seqs(&r), "the same records as reading forwards");
    }

    /// A 3 GB line (a sparse file: no disk) before the newest records: the
    /// pane's read takes the records after it and reads no more of the line
    /// than the cap.
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
        // Asking for more than there are: the line ends the read after
        // 1 MiB of it, not 3 GB.
        let r = read_newest(dir.path(), 10_000, 1 << 20).unwrap();
        assert_eq!(r.records.len(), 5);
        assert!(r.older_unread);
        assert!(r.warnings[0].contains("a line longer than 1048576 bytes ends here"));
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
