//! The quit question: what quitting now would lose, and the y/n keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::console::app::App;
use crate::console::keymap::Context;
use crate::theme::Styles;

pub fn render(frame: &mut Frame, area: Rect, app: &App, lost: &[String], s: &Styles) {
    let block = super::frame::block(Span::styled(" Quit? ", s.warning), s.border_focus);
    let block = super::frame::hinted(block, app, Context::Confirm, s, area.width);
    let mut lines = vec![Line::styled("Quitting now:", s.text)];
    lines.extend(
        lost.iter()
            .map(|l| Line::styled(format!("• {l}"), s.warning)),
    );
    if lost.is_empty() {
        lines.push(Line::styled("• nothing would be lost any more", s.text));
    }
    let inner = super::frame::draw(frame, area, block);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Rows the question needs at `width`: each line wrapped, the borders.
pub fn height(lost: &[String], width: u16) -> u16 {
    let w = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lost
        .iter()
        .map(|l| (l.chars().count() + 2).div_ceil(w))
        .sum::<usize>()
        .max(1);
    u16::try_from(rows + 3).unwrap_or(u16::MAX)
}
