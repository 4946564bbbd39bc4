//! The mode bar: Sync / Async / One-way with the selected one highlighted and
//! the one-line guarantee of the selected mode.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

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
    spans.push(Span::styled(app.mode.guarantee(), mode_style(s, app.mode)));
    frame.render_widget(
        Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }),
        area,
    );
}
