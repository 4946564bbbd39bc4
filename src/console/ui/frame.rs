//! The frame every overlay is drawn in: the screen under it cleared, a
//! border, a title at the top and, at the bottom, the keys its context
//! offers now (from the keymap, so a rebinding shows there too).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear};

use crate::console::app::App;
use crate::console::keymap::Context;
use crate::theme::Styles;

/// A bordered block titled `title`. Callers add to it (another title, a
/// bottom line) before `draw`.
pub fn block<'a>(title: Span<'a>, border: Style) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(border)
        .title(title)
}

/// `block`, with the hint line of `ctx` at the bottom: the keys that act
/// now (`App::bind_live`), as many whole hints as a border `width` wide
/// holds (its corners and a space each side left out).
pub fn hinted<'a>(block: Block<'a>, app: &App, ctx: Context, s: &Styles, width: u16) -> Block<'a> {
    let max = usize::from(width).saturating_sub(4);
    block.title_bottom(Span::styled(
        format!(
            " {} ",
            app.keymap.hint_line_fit(ctx, |b| app.bind_live(b), max)
        ),
        s.muted,
    ))
}

/// Clears `area`, draws `block` over it and returns the area inside.
pub fn draw(frame: &mut Frame, area: Rect, block: Block) -> Rect {
    frame.render_widget(Clear, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}
