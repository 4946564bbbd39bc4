//! Text from the data made safe to print on a terminal: control characters
//! (an ESC starts a terminal escape sequence) written as `\u001b`, the way
//! JSON writes them.

use std::borrow::Cow;

/// `s` with every control character escaped as `\uXXXX`, except those in
/// `keep` (a CSV cell keeps its line breaks and tabs; an error line keeps
/// none). Borrows when there is nothing to escape.
pub fn escape_controls<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| c.is_control() && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && !keep.contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_kept_ones_pass() {
        assert!(matches!(escape_controls("plain é", &[]), Cow::Borrowed(_)));
        assert_eq!(escape_controls("a\x1b[2Jb", &[]), "a\\u001b[2Jb");
        assert_eq!(
            escape_controls("x\ny\tz\u{9b}", &['\n', '\t']),
            "x\ny\tz\\u009b"
        );
        assert_eq!(escape_controls("x\ny", &[]), "x\\u000ay");
    }
}
