//! The mode bar: Sync / Async / One-way with the selected one highlighted and
//! the one-line guarantee of the selected mode.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::app::{App, Focus};
use crate::theme::Styles;
use rmq_model::message::Mode;

pub fn mode_style(s: &Styles, m: Mode) -> ratatui::style::Style {
    match m {
        Mode::Sync => s.sync,
        Mode::Async => s.async_,
        Mode::Oneway => s.oneway,
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let focused = app.focus == Focus::ModeBar;
    let mut spans = vec![Span::styled(
        if focused { "▸Mode " } else { " Mode " },
        if focused {
            s.accent.patch(s.selection)
        } else {
            s.text
        },
    )];
    for (i, m) in Mode::ALL.into_iter().enumerate() {
        // Brackets mark the selection without relying on colour.
        let text = if m == app.mode {
            format!("[{} {}]", i + 1, m.label())
        } else {
            format!(" {} {} ", i + 1, m.label())
        };
        let style = if m == app.mode {
            mode_style(s, m).patch(s.selection)
        } else {
            s.muted
        };
        spans.push(Span::styled(text, style));
    }
    spans.push(Span::styled(" ", s.text));
    // One line: the guarantee up to the last word that fits (help and the
    // README have it whole).
    let used: usize = spans.iter().map(|sp| sp.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(used);
    spans.push(Span::styled(
        words_within(app.mode.guarantee(), room),
        mode_style(s, app.mode),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `text` whole if it fits `room`, else its first words and `…`.
fn words_within(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let next = if out.is_empty() {
            word.chars().count()
        } else {
            out.chars().count() + 1 + word.chars().count()
        };
        if next + 1 > room {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    let out = out.trim_end_matches([',', ':', ';']).to_string();
    if out.is_empty() {
        String::new()
    } else {
        out + "…"
    }
}
