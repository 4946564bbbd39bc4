//! Lines read with a length cap, from files and pipes alike: a line is held
//! only up to the cap, so a 3 GB line or an endless pipe never fills
//! memory. Replay sources and the journal's forward reader go through it.

use std::io::{BufRead, ErrorKind};

/// What `Lines::next_line` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Next<'a> {
    /// A whole line (its 1-based number), without its line feed.
    Line(usize, &'a [u8]),
    /// A line longer than the cap: what was read of it is dropped and the
    /// rest is left unread (`skip_rest` reads past it, holding none of it).
    TooLong(usize),
}

pub struct Lines<R> {
    r: R,
    cap: usize,
    number: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    pub fn new(r: R, cap: usize) -> Self {
        Self {
            r,
            cap,
            number: 0,
            buf: Vec::new(),
        }
    }

    /// The next line; `None` at the end. A last line without a line feed
    /// is a line.
    pub fn next_line(&mut self) -> std::io::Result<Option<Next<'_>>> {
        self.buf.clear();
        let mut started = false;
        loop {
            let avail = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                if !started {
                    return Ok(None);
                }
                self.number += 1;
                return Ok(Some(Next::Line(self.number, &self.buf)));
            }
            started = true;
            let end = avail.iter().position(|b| *b == b'\n');
            let take = end.unwrap_or(avail.len());
            if self.buf.len() + take > self.cap {
                self.number += 1;
                self.buf = Vec::new();
                return Ok(Some(Next::TooLong(self.number)));
            }
            self.buf.extend_from_slice(&avail[..take]);
            self.r.consume(take + usize::from(end.is_some()));
            if end.is_some() {
                self.number += 1;
                return Ok(Some(Next::Line(self.number, &self.buf)));
            }
        }
    }

    /// Reads past the rest of the line `next_line` found too long.
    pub fn skip_rest(&mut self) -> std::io::Result<()> {
        loop {
            let avail = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                return Ok(());
            }
            match avail.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    self.r.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let n = avail.len();
                    self.r.consume(n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_up_to_the_cap_pass_and_longer_ones_are_skipped_unheld() {
        let text = b"ab\n\nabcdef\nxyz\nabcd";
        let mut l = Lines::new(std::io::BufReader::with_capacity(2, &text[..]), 4);
        assert_eq!(l.next_line().unwrap(), Some(Next::Line(1, b"ab")));
        assert_eq!(l.next_line().unwrap(), Some(Next::Line(2, b"")));
        assert_eq!(l.next_line().unwrap(), Some(Next::TooLong(3)));
        l.skip_rest().unwrap();
        assert_eq!(l.next_line().unwrap(), Some(Next::Line(4, b"xyz")));
        assert_eq!(
            l.next_line().unwrap(),
            Some(Next::Line(5, b"abcd")),
            "no line feed"
        );
        assert_eq!(l.next_line().unwrap(), None);
    }

    /// An endless line is found too long after `cap` bytes, whatever
    /// follows.
    #[test]
    fn an_endless_line_ends_at_the_cap() {
        let mut l = Lines::new(std::io::BufReader::new(std::io::repeat(b'x')), 1 << 20);
        assert_eq!(l.next_line().unwrap(), Some(Next::TooLong(1)));
    }
}
