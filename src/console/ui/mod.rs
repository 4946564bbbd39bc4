//! Drawing: `render(frame, &App, &Styles)` and the layout it shares with the
//! run loop's mouse hit-testing. Reads state only; no clock, no I/O.

mod body;
mod body_file;
mod compare;
mod composer;
mod counters;
mod detail;
mod fetch;
mod frame;
mod group;
mod help;
mod history;
mod import;
mod messages;
mod mode_bar;
mod palette;
mod picker;
mod quit;
mod repeat;
mod results;
mod saved;
mod status;
pub mod timeline;
mod tour;
mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::app::{App, Focus, Overlay};
use crate::theme::Styles;

/// Where each pane sits for a given terminal size. A pane not on screen
/// has an empty `Rect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub composer: Rect,
    pub counters: Rect,
    pub mode_bar: Rect,
    pub log: Rect,
    pub status: Rect,
    /// The guided tour's narration panel, where the composer was.
    pub tour: Rect,
}

/// Below this width or height one pane at a time: the composer, or (while
/// the results log has the keyboard) the counters and results, as
/// lazygit's narrow layout does; `switch_pane` flips between them.
pub const SINGLE_PANE_BELOW: (u16, u16) = (100, 28);
/// The counters sit beside the composer only from this width: their table
/// needs about 72 columns and the composer, with its problems wrapped
/// under the fields, about 80; below it the composer takes the full width
/// and the counters a strip above the results.
pub const SIDE_BY_SIDE_FROM: u16 = 152;

/// Whether the screen shows one pane at a time.
pub fn single_pane(area: Rect) -> bool {
    area.width < SINGLE_PANE_BELOW.0 || area.height < SINGLE_PANE_BELOW.1
}

pub fn layout(area: Rect, app: &App) -> Panes {
    let none = Rect::default();
    // Editing the step's message (`e`, Ctrl-T) shows the composer; Esc
    // brings the narration back.
    if app.tour.is_some() && !app.focus.is_text() {
        return tour_layout(area, app);
    }
    if single_pane(area) {
        let [main, mode_bar, status] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(2),
        ])
        .areas(area);
        // The mode bar belongs to the message being composed (its mode,
        // its refusals); the results show once the log has the keys.
        if app.focus != Focus::Log {
            return Panes {
                composer: main,
                counters: none,
                mode_bar,
                log: none,
                status,
                tour: none,
            };
        }
        let [counters, log] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(main);
        return Panes {
            composer: none,
            counters,
            mode_bar,
            log,
            status,
            tour: none,
        };
    }
    let top_h = (area.height / 3).clamp(12, 16);
    if area.width >= SIDE_BY_SIDE_FROM && area.height >= 30 {
        let [top, mode_bar, log, status] = Layout::vertical([
            Constraint::Length(top_h),
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(2),
        ])
        .areas(area);
        let [composer, counters] = Layout::horizontal([
            Constraint::Min(40),
            Constraint::Length(counters::pane_width(app)),
        ])
        .areas(top);
        return Panes {
            composer,
            counters,
            mode_bar,
            log,
            status,
            tour: none,
        };
    }
    let [composer, mode_bar, counters, log, status] = Layout::vertical([
        Constraint::Length(top_h),
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    Panes {
        composer,
        counters,
        mode_bar,
        log,
        status,
        tour: none,
    }
}

/// A guided tour: its narration panel where the composer was (the step
/// fills the composer, but the room watches the rows), then the counters
/// and the results, at every size. The panel takes what its text needs, at
/// most half the screen; the composer is back once the tour is left.
fn tour_layout(area: Rect, app: &App) -> Panes {
    let need = tour::height(app, area.width);
    let h = need.min(area.height / 2).max(3);
    let [tour, counters, log, mode_bar, status] = Layout::vertical([
        Constraint::Length(h),
        Constraint::Length(4),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(area);
    Panes {
        composer: Rect::default(),
        counters,
        mode_bar,
        log,
        status,
        tour,
    }
}

/// Which pane a mouse click at (col, row) lands on.
pub fn hit_test(area: Rect, app: &App, col: u16, row: u16) -> Option<Focus> {
    let p = layout(area, app);
    let pos = ratatui::layout::Position::new(col, row);
    if p.composer.contains(pos) {
        return Some(composer::field_at(p.composer, app, row).unwrap_or(Focus::Topic));
    }
    if p.mode_bar.contains(pos) {
        return Some(Focus::ModeBar);
    }
    if p.log.contains(pos) {
        return Some(Focus::Log);
    }
    None
}

/// Which results-log entry a click on screen row `row` lands on, using the
/// same scroll rule as the results pane.
pub fn log_index_at(area: Rect, app: &App, row: u16) -> Option<usize> {
    let inner = ratatui::widgets::Block::bordered().inner(layout(area, app).log);
    if row < inner.y || row >= inner.y + inner.height {
        return None;
    }
    results::row_at(app, inner.height as usize, (row - inner.y) as usize)
}

pub fn render(frame: &mut Frame, app: &App, styles: &Styles) {
    let area = frame.area();
    frame.render_widget(ratatui::widgets::Block::new().style(styles.base), area);
    let p = layout(area, app);
    if !p.composer.is_empty() {
        composer::render(frame, p.composer, app, styles, single_pane(area));
    }
    mode_bar::render(frame, p.mode_bar, app, styles);
    if !p.counters.is_empty() {
        counters::render(frame, p.counters, app, styles);
    }
    if !p.log.is_empty() {
        results::render(frame, p.log, app, styles);
    }
    if !p.tour.is_empty() {
        tour::render(frame, p.tour, app, styles);
    }
    status::render(frame, p.status, app, styles);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(frame, centered(area, 80, 26), app, styles),
        Overlay::Detail {
            entry,
            scroll,
            body_view,
        } => detail::render(
            frame,
            centered(area, 100, 30),
            app,
            entry,
            (*scroll, *body_view),
            styles,
        ),
        Overlay::Repeat(form) => repeat::render(frame, centered(area, 72, 13), app, form, styles),
        Overlay::Confirm(c) => {
            let h = if c.typed.is_some() { 10 } else { 8 } + u16::from(c.invalid_json.is_some());
            repeat::render_confirm(frame, centered(area, 60, h), app, c, styles)
        }
        Overlay::Picker { cursor } => {
            // Rows, header, two lines for a wrapped error, borders.
            let h = app.profiles.len() as u16 + 5;
            picker::render(frame, centered(area, 76, h), app, *cursor, styles)
        }
        Overlay::History(h) => history::render(frame, centered(area, 118, 36), app, h, styles),
        Overlay::Import(v) => import::render(frame, centered(area, 118, 36), app, v, styles),
        Overlay::Fetch(v) => fetch::render(frame, centered(area, 118, 36), app, v, styles),
        Overlay::SaveAs(n) => saved::render_save_as(frame, centered(area, 64, 4), app, n, styles),
        Overlay::Saved(v) => saved::render(frame, centered(area, 100, 24), app, v, styles),
        Overlay::Palette(pal) => palette::render(frame, centered(area, 90, 20), app, pal, styles),
        Overlay::BodyFile(v) => {
            // Prompt, note, error, up to eight choices, borders.
            let h = (v.choices.len().min(8) as u16) + 8;
            body_file::render(frame, centered(area, 90, h), app, v, styles)
        }
        Overlay::CompareForm(form) => {
            compare::render_form(frame, centered(area, 78, 9), app, form, styles)
        }
        Overlay::Messages { scroll } => {
            messages::render(frame, centered(area, 110, 30), app, *scroll, styles)
        }
        Overlay::Compare => {
            // Everything above the status bar, which keeps the hints.
            let h = area
                .height
                .saturating_sub(p.status.height)
                .max(area.height.min(12));
            // On a tall screen a tour's narration stays above the view.
            let top = if area.height >= 36 { p.tour.height } else { 0 };
            compare::render_view(
                frame,
                Rect::new(area.x, area.y + top, area.width, h.saturating_sub(top)),
                app,
                styles,
            )
        }
        Overlay::ConfirmQuit => {
            // Read now, so the numbers move while the question is open.
            let lost = app.at_stake();
            let w = area.width.min(76);
            quit::render(
                frame,
                centered(area, w, quit::height(&lost, w)),
                app,
                &lost,
                styles,
            )
        }
    }
    paint_base(frame, styles);
}

/// The terminal's own background everywhere unless the theme sets one:
/// then every cell still on the terminal's colours (what `Clear` leaves
/// under a pop-up, a gap between spans) takes the theme's, so the main
/// screen and the pop-ups are painted alike.
fn paint_base(frame: &mut Frame, styles: &Styles) {
    use ratatui::style::Color;
    let (fg, bg) = (styles.base.fg, styles.base.bg);
    if fg.is_none_or(|c| c == Color::Reset) && bg.is_none_or(|c| c == Color::Reset) {
        return;
    }
    for cell in frame.buffer_mut().content.iter_mut() {
        if let Some(bg) = bg.filter(|_| cell.bg == Color::Reset) {
            cell.bg = bg;
        }
        if let Some(fg) = fg.filter(|_| cell.fg == Color::Reset) {
            cell.fg = fg;
        }
    }
}

/// A selected row in the selection style alone: its cells' own colours
/// would otherwise stay (a cyan state on a cyan bar reads as nothing).
pub fn selected<'a>(line: Line<'a>, s: &Styles) -> Line<'a> {
    Line::from(
        line.spans
            .into_iter()
            .map(|sp| Span::styled(sp.content, s.selection))
            .collect::<Vec<_>>(),
    )
    .style(s.selection)
}

/// A box of at most `w`x`h`, centred, cleared underneath.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    // A margin of a column or two would show slivers of the panes under
    // the overlay (a border, a mode letter): take the whole width then.
    let w = if area.width.saturating_sub(w) < 4 {
        area.width
    } else {
        w
    };
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub use rmq_engine::ledger::fmt_latency;

#[cfg(test)]
mod body_tests;
#[cfg(test)]
mod repeat_tests;
#[cfg(test)]
mod screen_tests;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod types_tests;
