//! `ShortStr`: an immutable string held inline up to 38 bytes and read as
//! `&str`, for the receipt's message ids (32 hex digits each, more than
//! the 23 bytes `CheetahString` holds inline).
//!
//! A receipt is made once per send, in the client library's callback for
//! async, and dropped by the console's reader hundreds at a time: its
//! strings as `String`s were allocations freed in batches larger than
//! malloc's per-thread cache (docs/performance.md, issue 30).

use std::fmt;
use std::ops::Deref;

/// Bytes held without an allocation: a 32-digit message id with room to
/// spare, in 40 bytes in all (a `String` takes 24 and an allocation).
const INLINE: usize = 38;

#[derive(Clone)]
pub struct ShortStr(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<str>),
}

impl ShortStr {
    pub fn new(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut buf = [0; INLINE];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            // Fits: `INLINE` is below 256.
            let len = s.len() as u8;
            ShortStr(Repr::Inline { len, buf })
        } else {
            ShortStr(Repr::Heap(s.into()))
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, buf } => {
                // Copied from a `&str` whole, so a valid UTF-8 prefix.
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }
}

impl Default for ShortStr {
    fn default() -> Self {
        ShortStr::new("")
    }
}

impl Deref for ShortStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for ShortStr {
    fn from(s: &str) -> Self {
        ShortStr::new(s)
    }
}

impl From<String> for ShortStr {
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            ShortStr::new(&s)
        } else {
            ShortStr(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl PartialEq for ShortStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ShortStr {}

impl PartialEq<str> for ShortStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ShortStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<ShortStr> for str {
    fn eq(&self, other: &ShortStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<ShortStr> for &str {
    fn eq(&self, other: &ShortStr) -> bool {
        *self == other.as_str()
    }
}

impl fmt::Display for ShortStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for ShortStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for ShortStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_strings_read_back_as_they_were_given() {
        let id = "7F0000010A8C18B4AAC2176B8AF30000";
        let long = "x".repeat(INLINE + 1);
        for s in ["", "broker-a", "DefaultRegion", id, &long, "ünïcödé"] {
            let short = ShortStr::from(s);
            assert_eq!(short.as_str(), s);
            assert_eq!(short, ShortStr::from(s.to_string()));
            assert_eq!(short.to_string(), s);
            assert_eq!(format!("{short:?}"), format!("{s:?}"));
        }
        assert!(
            matches!(ShortStr::from(id).0, Repr::Inline { .. }),
            "no allocation"
        );
        assert!(matches!(ShortStr::from(long.as_str()).0, Repr::Heap(_)));
        assert_eq!(format!("{:>10}", ShortStr::from("abc")), "       abc");
    }

    #[test]
    fn it_takes_forty_bytes_and_an_option_of_it_no_more() {
        assert_eq!(std::mem::size_of::<ShortStr>(), 40);
        assert_eq!(std::mem::size_of::<Option<ShortStr>>(), 40);
    }
}
