//! The message log overlay: every notice, warning and refusal with its
//! time and level, newest first, wrapped so each is read in full.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::app::{App, Level, MESSAGES_KEPT};
use crate::console::keymap::Context;
use crate::theme::Styles;

pub fn render(frame: &mut Frame, area: Rect, app: &App, scroll: usize, s: &Styles) {
    let list = app.messages.list();
    let mut title = format!(" Messages ({}, newest first", list.len());
    if app.messages.dropped > 0 {
        title.push_str(&format!(
            "; {} older dropped, {MESSAGES_KEPT} kept",
            app.messages.dropped
        ));
    }
    title.push_str(") ");
    let block = super::frame::hinted(
        super::frame::block(Span::styled(title, s.accent), s.border_focus),
        app,
        Context::Messages,
        s,
        area.width,
    );
    let inner = super::frame::draw(frame, area, block);
    if list.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("No notices yet.", s.muted)),
            inner,
        );
        return;
    }
    // `12:00:00.000 WARN  ` then the text, wrapped under itself.
    let head_w = 12 + 1 + 5 + 1;
    let text_w = (inner.width as usize).saturating_sub(head_w).max(10);
    let mut lines = Vec::new();
    for m in list.iter().skip(scroll) {
        let (word, style) = match m.level {
            Level::Info => ("info", s.text),
            Level::Warn => ("WARN", s.warning),
            Level::Error => ("ERROR", s.error),
        };
        for (i, part) in super::wrap::wrap(&m.text, text_w).into_iter().enumerate() {
            let head = if i == 0 {
                vec![
                    Span::styled(app.fmt_time(m.at), s.muted),
                    Span::styled(format!(" {word:<5} "), style),
                ]
            } else {
                vec![Span::raw(" ".repeat(head_w))]
            };
            let mut spans = head;
            spans.push(Span::styled(part, style));
            lines.push(Line::from(spans));
        }
        if lines.len() >= inner.height as usize {
            break;
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
