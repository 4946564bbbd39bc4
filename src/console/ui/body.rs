//! How a message body is shown wherever one is shown in full (the results
//! log's detail, the history's record, the fetched message): every byte,
//! as text with its newlines, as pretty JSON, or as hex + base64, and the
//! page of a long view with a "+N more" marker, so nothing is cut off
//! silently.

use base64::Engine;
use ratatui::text::{Line, Span};

use crate::console::app::BodyView;
use crate::console::app::json_body;
use crate::theme::Styles;

/// Every byte of `body` in `view`; a body that is not text or JSON says so
/// instead of showing something else.
pub fn body_lines(body: &[u8], view: BodyView) -> Vec<String> {
    match view {
        BodyView::Text => match std::str::from_utf8(body) {
            Ok(t) => t.split('\n').map(str::to_string).collect(),
            Err(e) => vec![format!("(not UTF-8 text: {e}; b shows hex)")],
        },
        // Re-indented as text: keys keep their order, numbers their digits.
        BodyView::Json => match std::str::from_utf8(body).ok().and_then(json_body::pretty) {
            Some(p) => p.lines().map(str::to_string).collect(),
            None => match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Err(e) => vec![format!("(not JSON: {e})")],
                Ok(_) => vec!["(not JSON: not UTF-8 text)".into()],
            },
        },
        BodyView::Hex => {
            let mut out: Vec<String> = body
                .chunks(16)
                .enumerate()
                .map(|(i, c)| {
                    let hex: Vec<String> = c.iter().map(|b| format!("{b:02x}")).collect();
                    let ascii: String = c
                        .iter()
                        .map(|&b| {
                            if b.is_ascii_graphic() || b == b' ' {
                                b as char
                            } else {
                                '.'
                            }
                        })
                        .collect();
                    format!("{:08x}  {:<47}  {ascii}", i * 16, hex.join(" "))
                })
                .collect();
            out.push("base64:".into());
            let b64 = base64::engine::general_purpose::STANDARD.encode(body);
            out.extend(
                b64.as_bytes()
                    .chunks(76)
                    .map(|c| String::from_utf8_lossy(c).into_owned()),
            );
            out
        }
    }
}

/// The header line of a body: its size, the form it is shown in and the
/// key that switches it.
pub fn header(body: &[u8], view: BodyView, key: &str) -> String {
    format!(
        "{} bytes, shown as {} ({key}: text / JSON / hex)",
        body.len(),
        view.label()
    )
}

/// `line` in rows of at most `width` characters, broken after a space
/// where there is one (a word longer than a row is split), styles kept:
/// what a wrapping paragraph draws, counted so the marker can be exact.
fn rows_of(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let chars: Vec<(char, ratatui::style::Style)> = line
        .spans
        .iter()
        .flat_map(|sp| sp.content.chars().map(move |c| (c, sp.style)))
        .collect();
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let rest = chars.len() - start;
        let end = if rest <= width {
            chars.len()
        } else {
            // After the last space that fits, else a hard split.
            chars[start..start + width]
                .iter()
                .rposition(|(c, _)| *c == ' ')
                .map_or(start + width, |i| start + i + 1)
        };
        let mut spans: Vec<Span<'static>> = Vec::new();
        for &(c, style) in &chars[start..end] {
            match spans.last_mut() {
                Some(last) if last.style == style => last.content.to_mut().push(c),
                _ => spans.push(Span::styled(c.to_string(), style)),
            }
        }
        out.push(Line::from(spans));
        if end >= chars.len() {
            return out;
        }
        start = end;
    }
}

/// The page of `all` that `rows` rows of `width` show from `scroll` (in
/// rows, past the end the last page stays full), with a last row saying
/// how many more rows follow and which key scrolls, when some do. The
/// scroll the page was drawn at comes back too.
pub fn page(
    all: Vec<Line<'static>>,
    width: usize,
    rows: usize,
    scroll: usize,
    key: &str,
    s: &Styles,
) -> Vec<Line<'static>> {
    let wrapped: Vec<Line<'static>> = all.into_iter().flat_map(|l| rows_of(l, width)).collect();
    let skip = scroll.min(wrapped.len().saturating_sub(rows));
    let left = wrapped.len() - skip;
    if left <= rows {
        return wrapped.into_iter().skip(skip).collect();
    }
    let shown = rows.saturating_sub(1);
    let mut out: Vec<Line<'static>> = wrapped.into_iter().skip(skip).take(shown).collect();
    out.push(Line::styled(
        format!("+{} more line(s) ({key} scrolls)", left - shown),
        s.accent,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_view_says_how_much_follows_and_its_last_page_stays_full() {
        let s = Styles::no_color();
        let all: Vec<Line> = (1..=10).map(|i| Line::raw(format!("l{i}"))).collect();
        let text = |p: Vec<Line>| -> Vec<String> { p.iter().map(|l| l.to_string()).collect() };
        assert_eq!(
            text(page(all.clone(), 20, 4, 0, "j", &s)),
            ["l1", "l2", "l3", "+7 more line(s) (j scrolls)"]
        );
        assert_eq!(
            text(page(all.clone(), 20, 4, 99, "j", &s)),
            ["l7", "l8", "l9", "l10"]
        );
        // A long line counts as the rows it is drawn on, broken after a
        // space where it can be.
        let long = vec![Line::raw("x".repeat(25)), Line::raw("end")];
        assert_eq!(
            text(page(long, 10, 3, 0, "j", &s)),
            [
                "x".repeat(10),
                "x".repeat(10),
                "+2 more line(s) (j scrolls)".into()
            ]
        );
        let words = vec![Line::raw("after 4.20s of waiting")];
        assert_eq!(
            text(page(words, 12, 5, 0, "j", &s)),
            ["after 4.20s ", "of waiting"]
        );
    }

    #[test]
    fn every_view_shows_every_byte() {
        assert_eq!(body_lines(b"a\nb", BodyView::Text), ["a", "b"]);
        assert_eq!(
            body_lines(br#"{"b":1,"a":2}"#, BodyView::Json),
            ["{", "  \"b\": 1,", "  \"a\": 2", "}"]
        );
        let hex = body_lines(&[0, 0xff, b'a'], BodyView::Hex);
        assert_eq!(hex[0], format!("00000000  {:<47}  ..a", "00 ff 61"));
        assert_eq!(hex[1..], ["base64:", "AP9h"]);
        assert!(body_lines(&[0xff], BodyView::Text)[0].starts_with("(not UTF-8 text"));
    }
}
