//! The signals that end a session — SIGINT, SIGTERM, SIGHUP (the terminal or
//! SSH connection went away) and SIGQUIT — as one stream, so that every
//! command ends in order instead of dying with sends in flight and a sandbox
//! store left behind. What a second signal means is the caller's choice.

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

pub struct Signals {
    /// `None`: a caller that handles no signals (a test, an embedding).
    streams: Option<[(Signal, &'static str); 4]>,
}

impl Signals {
    /// Installs the handlers (from then on these signals no longer kill the
    /// process). Call inside the runtime.
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            streams: Some([
                (signal(SignalKind::interrupt())?, "SIGINT"),
                (signal(SignalKind::terminate())?, "SIGTERM"),
                (signal(SignalKind::hangup())?, "SIGHUP"),
                (signal(SignalKind::quit())?, "SIGQUIT"),
            ]),
        })
    }

    /// A stream that never yields and changes no disposition.
    pub fn none() -> Self {
        Self { streams: None }
    }

    /// Gives the four signals back their default action, so that the next
    /// one ends the process at once: "a second Ctrl-C quits now" for
    /// commands that are busy shutting down in order and not listening.
    pub fn restore_defaults(&self) {
        if self.streams.is_none() {
            return;
        }
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
            // SAFETY: SIG_DFL is always a valid disposition.
            unsafe { libc::signal(sig, libc::SIG_DFL) };
        }
    }

    /// The next signal's name.
    pub async fn recv(&mut self) -> &'static str {
        let Some([(int, a), (term, b), (hup, c), (quit, d)]) = &mut self.streams else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => a,
            _ = term.recv() => b,
            _ = hup.recv() => c,
            _ = quit.recv() => d,
        }
    }
}

/// After SIGHUP the terminal is gone, and every write to it fails; some
/// writers treat that as fatal (`eprintln!` panics, as does ratatui's
/// `Terminal` drop when it cannot show the cursor). Points stdout and
/// stderr, where they are terminals, at /dev/null so the orderly shutdown
/// that follows can write whatever it likes; the log file still gets it all.
pub fn detach_from_terminal() {
    use std::os::fd::AsRawFd;
    let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") else {
        return;
    };
    for fd in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // A hung-up terminal no longer answers isatty (the ioctl fails with
        // EIO), so any character device counts; files and pipes are kept.
        // SAFETY: fstat into a zeroed stat, dup2 of a valid fd.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            if libc::fstat(fd, &mut st) == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFCHR {
                libc::dup2(null.as_raw_fd(), fd);
            }
        }
    }
}

/// Writes a line to stderr, ignoring failure: after SIGHUP the terminal is
/// gone and `eprintln!` would panic on the write error.
pub fn stderr_line(text: &str) {
    use std::io::Write;
    let _ = writeln!(io::stderr(), "{text}");
}
