//! The command palette: what is typed, then each matching line (an
//! action with its keys, a saved message, a profile), the highlighted one
//! marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::results::cut;
use crate::console::app::{App, Palette};
use crate::console::keymap::Context;
use crate::theme::Styles;

pub fn render(frame: &mut Frame, area: Rect, app: &App, p: &Palette, s: &Styles) {
    let title = format!(" Command palette · {} ", p.origin.label());
    let block = super::frame::block(Span::styled(title, s.accent), s.border_focus);
    let block = super::frame::hinted(block, app, Context::Palette, s, area.width);
    let inner = super::frame::draw(frame, area, block);
    let w = inner.width as usize;
    let all = app.palette_lines();
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", s.accent),
        Span::styled(format!("{}▏", p.text), s.text),
        Span::styled(
            format!(
                "  {} line{}",
                all.len(),
                if all.len() == 1 { "" } else { "s" }
            ),
            s.muted,
        ),
    ])];
    let room = (inner.height as usize).saturating_sub(1);
    let first = p.cursor.saturating_sub(room.saturating_sub(1));
    let keys_w = 12;
    let name_w = (w / 3).clamp(10, 26);
    let detail_w = w.saturating_sub(name_w + keys_w + 5);
    for (i, l) in all.iter().enumerate().skip(first).take(room) {
        let pointer = if i == p.cursor { "▸ " } else { "  " };
        let line = Line::from(vec![
            Span::styled(pointer, s.accent),
            Span::styled(format!("{:<name_w$} ", cut(&l.name, name_w)), s.text),
            Span::styled(format!("{:<detail_w$} ", cut(&l.detail, detail_w)), s.muted),
            Span::styled(format!("{:>keys_w$}", cut(&l.keys, keys_w)), s.accent),
        ]);
        lines.push(if i == p.cursor {
            super::selected(line, s)
        } else {
            line
        });
    }
    if all.is_empty() {
        lines.push(Line::styled("nothing matches", s.muted));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
