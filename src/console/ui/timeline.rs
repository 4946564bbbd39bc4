//! The timeline: sends as bars in time, one lane per mode, so a room sees
//! why the modes differ. Time runs left to right over a window; a send is a
//! bar from its submit to its end: sync bars form a staircase (one after
//! the other), async bars overlap up to the window and end in a callback
//! mark (`◆`), one-way sends are ticks (`╵`) with no end, because nothing
//! answers; a failure ends in `✗` in the failure colour, a send still open
//! runs dotted to the window's end. When the sends do not each fit on a row
//! of their own, the lane shows columns instead (`▁`…`█`): how many were in
//! flight on average for sync and async (one scale for both, so async's
//! window towers over sync's one at a time), sends per column for one-way;
//! from the ring or, for a long comparison, from the run's counts.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::console::app::timeline::{End, Mark, Timeline};
use crate::theme::Styles;
use rmq_engine::ledger::fmt_latency;
use rmq_model::message::Mode;

/// The lane labels' width.
const LABEL: u16 = 8;
const EIGHTHS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The stretch of time drawn, microseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub to: i64,
}

fn mode_style(mode: Mode, s: &Styles) -> Style {
    match mode {
        Mode::Sync => s.sync,
        Mode::Async => s.async_,
        Mode::Oneway => s.oneway,
    }
}

/// What one lane shows.
enum Lane {
    /// Each send on its own row (`row`): nothing overlaps.
    Bars(Vec<(Mark, u16)>),
    /// Per column: how many were in flight on average (sync and async),
    /// or how many were sent (one-way, which is never in flight), and
    /// whether any failed.
    Columns(Vec<(f64, bool)>),
}

pub fn render(frame: &mut Frame, area: Rect, tl: &Timeline, w: Window, s: &Styles) {
    if area.width <= LABEL + 4 || area.height < 4 {
        return;
    }
    let buf = frame.buffer_mut();
    let graph_w = area.width - LABEL;
    let lane_h = ((area.height - 1) / 3).max(1);
    let span = (w.to - w.from).max(1);
    let col = |t: i64| -> u16 {
        (((t - w.from).clamp(0, span) as i128 * i128::from(graph_w - 1)) / i128::from(span)) as u16
    };
    let lanes: Vec<(Mode, Lane)> = Mode::ALL
        .into_iter()
        .map(|m| (m, lane(tl, m, w, graph_w, lane_h, &col)))
        .collect();
    // One scale for sync and async, so async's window towers over sync's
    // one-at-a-time; one-way counts sends, on its own scale.
    let top = |oneway: bool| {
        lanes
            .iter()
            .filter(|(m, _)| (*m == Mode::Oneway) == oneway)
            .filter_map(|(_, l)| match l {
                Lane::Columns(c) => c.iter().map(|(n, _)| *n).reduce(f64::max),
                Lane::Bars(_) => None,
            })
            .reduce(f64::max)
            .unwrap_or(1.0)
            .max(f64::MIN_POSITIVE)
    };
    let (top_flight, top_sent) = (top(false), top(true));
    for (i, (mode, lane)) in lanes.iter().enumerate() {
        let y0 = area.y + i as u16 * lane_h;
        let x0 = area.x + LABEL;
        let style = mode_style(*mode, s);
        buf.set_string(area.x, y0, mode.label(), style);
        match lane {
            Lane::Bars(marks) => {
                if lane_h > 1 {
                    buf.set_string(area.x, y0 + 1, format!("{} sent", marks.len()), s.muted);
                }
                for (m, row) in marks {
                    draw_bar(buf, x0, y0 + row, m, &col, style, s);
                }
            }
            Lane::Columns(cols) => {
                let top = if *mode == Mode::Oneway {
                    top_sent
                } else {
                    top_flight
                };
                let peak = cols.iter().map(|(n, _)| *n).fold(0.0, f64::max);
                if lane_h > 1 {
                    // The peak, so the scale can be read: "16 fly" is
                    // async's window, in flight at once.
                    let label = match (*mode, peak) {
                        (Mode::Oneway, p) => format!("{p:.0}/col"),
                        (_, p) if p < 9.95 => format!("{p:.1} fly"),
                        (_, p) => format!("{p:.0} fly"),
                    };
                    let label: String = label.chars().take(usize::from(LABEL)).collect();
                    buf.set_string(area.x, y0 + 1, label, s.muted);
                }
                for (c, &(n, failed)) in cols.iter().enumerate() {
                    draw_column(buf, x0 + c as u16, y0, lane_h, n / top, failed, style, s);
                }
            }
        }
    }
    // The axis: time from the window's start.
    let y = area.y + 3 * lane_h;
    if y < area.y + area.height {
        let line: String = "─".repeat(graph_w as usize);
        buf.set_string(area.x + LABEL, y, &line, s.muted);
        buf.set_string(area.x, y, "time", s.muted);
        buf.set_string(area.x + LABEL, y, "0", s.muted);
        let total = fmt_latency(std::time::Duration::from_micros(span as u64));
        let end = area.x + area.width - total.chars().count() as u16;
        buf.set_string(end, y, &total, s.muted);
        let half = fmt_latency(std::time::Duration::from_micros(span as u64 / 2));
        let mid = area.x + LABEL + graph_w / 2 - half.chars().count() as u16 / 2;
        if graph_w > 24 {
            buf.set_string(mid, y, &half, s.muted);
        }
    }
}

/// Bars when every send gets a row of its own, columns otherwise.
fn lane(
    tl: &Timeline,
    mode: Mode,
    w: Window,
    graph_w: u16,
    lane_h: u16,
    col: &impl Fn(i64) -> u16,
) -> Lane {
    if tl.complete_since(w.from) {
        let marks = tl.spans(mode, w.from, w.to);
        if let Some(rows) = rows(&marks, lane_h, col) {
            return Lane::Bars(marks.into_iter().zip(rows).collect());
        }
    }
    let col_us = ((w.to - w.from).max(1) as f64) / f64::from(graph_w);
    Lane::Columns(
        tl.columns(mode, w.from, w.to, usize::from(graph_w))
            .iter()
            .map(|t| (t.level(mode, col_us), t.failed > 0))
            .collect(),
    )
}

/// A row for each send such that none overlaps another on its row, trying
/// the row after the last one first (so sends one after the other make a
/// staircase); `None` when the lane has too few rows.
fn rows(marks: &[Mark], lane_h: u16, col: &impl Fn(i64) -> u16) -> Option<Vec<u16>> {
    let mut free_from: Vec<Option<u16>> = vec![None; usize::from(lane_h)];
    let mut last = lane_h - 1;
    let mut out = Vec::with_capacity(marks.len());
    for m in marks {
        let c0 = col(m.start);
        let c1 = match m.end {
            Some((end, _)) => col(end).max(c0),
            None => col(i64::MAX / 4),
        };
        let row = (1..=lane_h)
            .map(|k| (last + k) % lane_h)
            .find(|&r| free_from[usize::from(r)].is_none_or(|f| f < c0))?;
        free_from[usize::from(row)] = Some(c1);
        last = row;
        out.push(row);
    }
    Some(out)
}

fn draw_bar(
    buf: &mut Buffer,
    x0: u16,
    y: u16,
    m: &Mark,
    col: &impl Fn(i64) -> u16,
    style: Style,
    s: &Styles,
) {
    let c0 = col(m.start);
    match m.end {
        None => {
            // Still open: dotted to the window's end, no end mark.
            let c1 = col(i64::MAX / 4);
            for c in c0..=c1 {
                buf.set_string(x0 + c, y, "┄", s.muted);
            }
        }
        Some((_, End::Dispatched)) => {
            buf.set_string(x0 + c0, y, "╵", style);
        }
        Some((end, how)) => {
            let c1 = col(end).max(c0);
            for c in c0..c1 {
                buf.set_string(x0 + c, y, "━", style);
            }
            let (mark, mstyle) = match (how, m.mode) {
                (End::Failed, _) => ("✗", s.error),
                (_, Mode::Async) => ("◆", style),
                _ => ("┫", style),
            };
            buf.set_string(x0 + c1, y, mark, mstyle);
        }
    }
}

/// One column of a lane: `level` of the lane's height (0..=1), the top
/// cell in the failure colour when any send in it failed.
#[allow(clippy::too_many_arguments)]
fn draw_column(
    buf: &mut Buffer,
    x: u16,
    y0: u16,
    h: u16,
    level: f64,
    failed: bool,
    style: Style,
    s: &Styles,
) {
    if level <= 0.0 {
        return;
    }
    // In eighths of a cell, at least one so a single send shows.
    let eighths = ((level.min(1.0) * f64::from(h) * 8.0).ceil() as u16).max(1);
    let full = eighths / 8;
    let part = usize::from(eighths % 8);
    let bottom = y0 + h - 1;
    for r in 0..full.min(h) {
        buf.set_string(x, bottom - r, "█", style);
    }
    if part > 0 && full < h {
        buf.set_string(x, bottom - full, EIGHTHS[part - 1].to_string(), style);
    }
    if failed {
        let y = bottom - full.min(h - 1);
        let ch = buf[(x, y)].symbol().to_string();
        buf.set_string(x, y, ch, s.error);
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
