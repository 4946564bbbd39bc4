//! The journal's files as the writer handles them: the current file opened
//! for appending, rotation by the directory's listing, and the exclusive
//! lock taken with a deadline. Apart from the writer thread's logic
//! (`writer`) so each stays one job.

use std::fs::File;
use std::io::{Read as _, Seek, SeekFrom};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::file_path;

/// The lock is held by another process (kept apart from other failures:
/// the batch is kept, not lost).
#[derive(Debug)]
pub(crate) struct Locked;

impl std::fmt::Display for Locked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "locked by another process")
    }
}

impl std::error::Error for Locked {}

pub(crate) fn open_current(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

pub(crate) fn ends_with_newline(f: &mut File) -> Result<bool> {
    let mut last = [0u8; 1];
    f.seek(SeekFrom::End(-1))?;
    f.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Shifts each rotated file that exists, `journal.N` to `journal.N+1`
/// (removing those that would pass `keep`), and the current file to
/// `journal.1`. Called with the lock held. Works from the directory's
/// listing, so its cost is the files there, not `keep` (counting to a huge
/// `keep` once spun for hours with the lock held).
pub(crate) fn rotate(dir: &Path, keep: usize) -> Result<()> {
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    };
    let mut rotated = rotated_files(dir).context("rotating the journal")?;
    // Newest last, so each rename goes to a name already moved on.
    rotated.sort_unstable_by(|a, b| b.cmp(a));
    for n in rotated {
        if n >= keep {
            gone(std::fs::remove_file(file_path(dir, n))).context("rotating the journal")?;
        } else {
            gone(std::fs::rename(file_path(dir, n), file_path(dir, n + 1)))
                .context("rotating the journal")?;
        }
    }
    if keep == 0 {
        gone(std::fs::remove_file(file_path(dir, 0))).context("rotating the journal")?;
    } else {
        gone(std::fs::rename(file_path(dir, 0), file_path(dir, 1)))
            .context("rotating the journal")?;
    }
    Ok(())
}

/// The numbers of the rotated files in `dir` (`journal.N.jsonl`, N ≥ 1).
pub(crate) fn rotated_files(dir: &Path) -> std::io::Result<Vec<usize>> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_prefix("journal.")?
                .strip_suffix(".jsonl")?
                .parse()
                .ok()
        })
        .filter(|n| *n >= 1)
        .collect())
}

/// An exclusive `flock`, released on drop.
pub(crate) struct Flock<'a>(&'a File);

impl<'a> Flock<'a> {
    /// Tries without blocking, backing off from 5 ms to 100 ms between
    /// tries, until `within` has passed: a blocking `flock` would hang the
    /// writer, and with it `close`, for as long as another process likes.
    pub(crate) fn exclusive(f: &'a File, within: Duration) -> Result<Self> {
        let until = Instant::now() + within;
        let mut pause = Duration::from_millis(5);
        loop {
            // SAFETY: flock on a file descriptor we own for the call's length.
            let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                return Ok(Flock(f));
            }
            let e = std::io::Error::last_os_error();
            match e.kind() {
                std::io::ErrorKind::Interrupted => continue,
                std::io::ErrorKind::WouldBlock => {
                    let now = Instant::now();
                    if now >= until {
                        return Err(Locked.into());
                    }
                    std::thread::sleep(pause.min(until - now));
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                _ => return Err(e).context("locking the journal"),
            }
        }
    }
}

impl Drop for Flock<'_> {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe {
            libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
        }
    }
}
