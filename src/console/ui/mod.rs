//! Drawing: `render(frame, &App, &Styles)` and the layout it shares with the
//! run loop's mouse hit-testing. Reads state only; no clock, no I/O.

mod compare;
mod composer;
mod counters;
mod detail;
mod frame;
mod help;
mod history;
mod import;
mod mode_bar;
mod picker;
mod quit;
mod repeat;
mod results;
mod status;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::app::{App, Focus, Overlay};
use crate::theme::Styles;

pub use composer::composer_height;

/// Where each pane sits for a given terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub composer: Rect,
    pub counters: Rect,
    pub mode_bar: Rect,
    pub log: Rect,
    pub status: Rect,
}

/// Wide screens put the counters beside the composer; narrow ones stack them
/// compactly so 80x24 still shows every pane.
pub fn layout(area: Rect) -> Panes {
    let wide = area.width >= 110 && area.height >= 30;
    let mode_h = if area.width >= 100 { 1 } else { 2 };
    if wide {
        let top_h = (area.height / 3).clamp(12, 16);
        let [top, mode_bar, log, status] = Layout::vertical([
            Constraint::Length(top_h),
            Constraint::Length(mode_h),
            Constraint::Min(3),
            Constraint::Length(2),
        ])
        .areas(area);
        let [composer, counters] =
            Layout::horizontal([Constraint::Min(40), Constraint::Length(72)]).areas(top);
        Panes {
            composer,
            counters,
            mode_bar,
            log,
            status,
        }
    } else {
        let comp_h = composer_height(area.height);
        let [composer, mode_bar, counters, log, status] = Layout::vertical([
            Constraint::Length(comp_h),
            Constraint::Length(mode_h),
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
        }
    }
}

/// Which pane a mouse click at (col, row) lands on.
pub fn hit_test(area: Rect, app: &App, col: u16, row: u16) -> Option<Focus> {
    let p = layout(area);
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
    let inner = ratatui::widgets::Block::bordered().inner(layout(area).log);
    if row < inner.y || row >= inner.y + inner.height {
        return None;
    }
    let offset = (app.selected + 1).saturating_sub(inner.height as usize);
    let i = offset + (row - inner.y) as usize;
    (i < app.log.shown().len()).then_some(i)
}

pub fn render(frame: &mut Frame, app: &App, styles: &Styles) {
    let area = frame.area();
    frame.render_widget(ratatui::widgets::Block::new().style(styles.base), area);
    let p = layout(area);
    composer::render(frame, p.composer, app, styles);
    mode_bar::render(frame, p.mode_bar, app, styles);
    counters::render(frame, p.counters, app, styles);
    results::render(frame, p.log, app, styles);
    status::render(frame, p.status, app, styles);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(frame, centered(area, 80, 26), app, styles),
        Overlay::Detail { entry, scroll } => {
            detail::render(frame, centered(area, 100, 30), app, entry, *scroll, styles)
        }
        Overlay::Repeat(form) => repeat::render(frame, centered(area, 64, 10), app, form, styles),
        Overlay::Confirm(c) => {
            let h = if c.typed.is_some() { 10 } else { 8 };
            repeat::render_confirm(frame, centered(area, 60, h), app, c, styles)
        }
        Overlay::Picker { cursor } => {
            // Rows, header, two lines for a wrapped error, borders.
            let h = app.profiles.len() as u16 + 5;
            picker::render(frame, centered(area, 76, h), app, *cursor, styles)
        }
        Overlay::History(h) => history::render(frame, centered(area, 118, 36), app, h, styles),
        Overlay::Import(v) => import::render(frame, centered(area, 118, 36), app, v, styles),
        Overlay::CompareForm(form) => {
            compare::render_form(frame, centered(area, 78, 9), app, form, styles)
        }
        Overlay::Compare => {
            // Everything above the status bar, which keeps the hints.
            let h = area
                .height
                .saturating_sub(p.status.height)
                .max(area.height.min(12));
            compare::render_view(frame, Rect::new(area.x, area.y, area.width, h), app, styles)
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
}

/// A box of at most `w`x`h`, centred, cleared underneath.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
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
pub(crate) mod tests;
#[cfg(test)]
mod types_tests;
