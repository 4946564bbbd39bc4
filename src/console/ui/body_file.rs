//! The load-body prompt: the path typed, what a file's body becomes (text
//! into the body, other bytes kept as they are), the profile's maximum,
//! Tab's choices and why the last read was refused.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::results::cut;
use crate::console::app::{App, BodyFileView};
use crate::console::keymap::Context;
use crate::theme::Styles;

pub fn render(frame: &mut Frame, area: Rect, app: &App, v: &BodyFileView, s: &Styles) {
    let block = super::frame::block(
        Span::styled(" Load the body from a file ", s.accent),
        s.border_focus,
    );
    let inner = super::frame::draw(
        frame,
        area,
        super::frame::hinted(block, app, Context::ImportPath, s, area.width),
    );
    let width = inner.width as usize;
    let mut lines = vec![
        Line::from(vec![
            Span::styled("path: ", s.muted),
            Span::styled(v.path.clone(), s.text),
            Span::styled("▏", s.accent),
        ]),
        Line::styled(
            format!(
                "at most {} bytes (the profile's maximum); text replaces the body, other bytes are sent as they are",
                app.max_message_bytes()
            ),
            s.muted,
        ),
    ];
    if v.reading {
        lines.push(Line::styled(format!("reading {}…", v.path.trim()), s.muted));
    }
    if let Some(e) = &v.error {
        lines.push(Line::styled(e.clone(), s.error));
    }
    if !v.choices.is_empty() {
        lines.push(Line::styled(
            format!("{} choices:", v.choices.len()),
            s.muted,
        ));
        for c in &v.choices {
            lines.push(Line::styled(cut(&format!("  {c}"), width), s.text));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
