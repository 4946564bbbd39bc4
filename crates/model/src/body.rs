//! Reading a message body from a file or standard input: never more than the
//! profile's maximum plus one byte, whatever the source (a device such as
//! `/dev/zero` or an endless pipe cannot exhaust memory), and a note for the
//! operator when the bytes are not UTF-8 text.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Reads at most `max + 1` bytes of `source` (a body larger than `max` is an
/// error that says so without reading the rest). `what` names the source in
/// messages.
pub fn read_bounded(source: impl Read, max: usize, what: &str) -> Result<Vec<u8>> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut buf = Vec::new();
    source
        .take(limit)
        .read_to_end(&mut buf)
        .with_context(|| format!("reading the body from {what}"))?;
    if buf.len() > max {
        bail!(
            "body: {what} holds more than {max} bytes, the profile's maximum (reading stopped at {} bytes)",
            buf.len()
        );
    }
    Ok(buf)
}

/// The body from `path`, where `-` is standard input.
pub fn read_file(path: &Path, max: usize) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        return read_bounded(std::io::stdin().lock(), max, "standard input");
    }
    let file = std::fs::File::open(path)
        .with_context(|| format!("opening the body file {}", path.display()))?;
    read_bounded(file, max, &path.display().to_string())
}

/// For a body that is not UTF-8 text: what the operator is told (it is sent
/// as the bytes it is, and shown as hex, the first 32 bytes here).
pub fn binary_notice(body: &[u8]) -> Option<String> {
    let Err(e) = std::str::from_utf8(body) else {
        return None;
    };
    let shown = &body[..body.len().min(32)];
    Some(format!(
        "the body is not UTF-8 text (invalid byte at offset {}): it is sent as its {} bytes, unchanged; hex {}{}",
        e.valid_up_to(),
        body.len(),
        crate::message::hex(shown),
        if body.len() > shown.len() { "…" } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_or_endless_source_is_read_to_the_maximum_plus_one() {
        // /dev/zero never ends; neither does `repeat`.
        let e = read_file(Path::new("/dev/zero"), 1024)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("more than 1024 bytes") && e.contains("stopped at 1025"),
            "{e}"
        );
        let e = read_bounded(std::io::repeat(b'x'), 4 * 1024 * 1024, "a pipe")
            .unwrap_err()
            .to_string();
        assert!(e.contains("stopped at 4194305"), "{e}");
    }

    #[test]
    fn a_body_at_the_maximum_is_read_whole() {
        assert_eq!(read_bounded(&b"12345"[..], 5, "x").unwrap(), b"12345");
        assert!(read_bounded(&b"123456"[..], 5, "x").is_err());
        assert!(read_bounded(&b""[..], usize::MAX, "x").unwrap().is_empty());
    }

    #[test]
    fn binary_bodies_are_noticed_and_shown_as_hex() {
        assert_eq!(binary_notice("héllo".as_bytes()), None);
        let n = binary_notice(&[b'a', 0xff, 0x00]).unwrap();
        assert!(
            n.contains("offset 1") && n.contains("3 bytes") && n.contains("hex 61ff00"),
            "{n}"
        );
    }
}
