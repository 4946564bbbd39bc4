//! The compare form and the compare view: progress, the side-by-side table,
//! a latency histogram per mode over the same buckets (`BarChart`), and a
//! line per mode on what it guarantees.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Block, Borders, Paragraph, Wrap};

use crate::console::app::{App, CompareField, CompareForm};
use crate::console::keymap::{Bind, Context};
use crate::theme::Styles;
use rmq_engine::compare::{self, ModeResult};
use rmq_model::message::Mode;

pub fn render_form(frame: &mut Frame, area: Rect, app: &App, form: &CompareForm, s: &Styles) {
    let ctx = if form.confirming.is_some() {
        Context::Confirm
    } else {
        Context::CompareForm
    };
    let border = if form.confirming.is_some() {
        s.error
    } else {
        s.border_focus
    };
    let title = Span::styled(
        " Compare the modes: the same burst in sync, async, one-way ",
        s.accent,
    );
    let block = super::frame::hinted(super::frame::block(title, border), app, ctx, s, area.width);
    let inner = super::frame::draw(frame, area, block);
    let rows: [Rect; 6] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    for (f, row) in CompareField::ORDER.into_iter().zip(rows) {
        let [l, field, err] = Layout::horizontal([
            Constraint::Length(9),
            Constraint::Min(8),
            Constraint::Length(if form.errors.contains_key(&f) { 36 } else { 0 }),
        ])
        .areas(row);
        let focused = form.focus == f && form.confirming.is_none();
        let label_style = if focused {
            s.accent.patch(s.selection)
        } else {
            s.text
        };
        frame.render_widget(Span::styled(f.label(), label_style), l);
        let placeholder = (f == CompareField::Pacing).then_some("empty = unpaced");
        super::repeat::form_field(frame, form.field(f), focused, placeholder, field, s);
        if let Some(e) = form.errors.get(&f) {
            frame.render_widget(Paragraph::new(Span::styled(format!(" {e}"), s.error)), err);
        }
    }
    let note = match &form.confirming {
        Some(spec) => Line::styled(
            format!(
                "Protected profile {}: send 3 × {} = {} messages to {}? {}",
                app.profile().name,
                spec.count,
                spec.total(),
                spec.topic,
                app.keymap
                    .confirm_hint(Context::Confirm, Bind::Yes, Bind::No)
            ),
            s.warning,
        ),
        None => Line::styled(
            "sends 3 × count; one-way is counted from the queue offsets",
            s.muted,
        ),
    };
    frame.render_widget(Paragraph::new(note).wrap(Wrap { trim: true }), rows[5]);
}

fn mode_style(mode: Mode, s: &Styles) -> Style {
    match mode {
        Mode::Sync => s.sync,
        Mode::Async => s.async_,
        Mode::Oneway => s.oneway,
    }
}

/// What the first line says: where the run is, or how it ended.
fn status_line(app: &App, s: &Styles) -> Line<'static> {
    let Some(d) = &app.compare else {
        return Line::styled("no comparison yet", s.muted);
    };
    let what = d.spec().header();
    if d.is_done() {
        let how = if d.was_cancelled() || d.results().iter().any(|r| r.cancelled) {
            Span::styled("stopped early  ", s.warning)
        } else {
            Span::styled("done  ", s.success)
        };
        return Line::from(vec![how, Span::styled(what, s.muted)]);
    }
    let p = d.progress();
    let pct = p.ended * 100 / p.total.max(1);
    Line::from(vec![
        Span::styled(
            format!("running {} ({}/{}) ", p.mode.label(), p.stage + 1, p.stages),
            s.accent,
        ),
        Span::styled(format!("{}/{} ({pct}%)  ", p.ended, p.total), s.text),
        Span::styled(what, s.muted),
    ])
}

pub fn render_view(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let block = super::frame::block(
        Span::styled(" Compare the modes ", s.accent),
        s.border_focus,
    );
    let inner = super::frame::draw(
        frame,
        area,
        super::frame::hinted(block, app, Context::Compare, s, area.width),
    );
    let rows: Vec<ModeResult> = app
        .compare
        .as_ref()
        .map(compare::Driver::results)
        .unwrap_or_default();
    let table = compare::table_body(&rows);
    let table_h = table.lines().count() as u16;
    // Under the table: what each mode's figures measure and what it
    // guarantees.
    let guarantees: Vec<Line> = match app.compare.as_ref().map(compare::Driver::spec) {
        Some(spec) => Mode::ALL
            .iter()
            .map(|m| {
                Line::from(vec![
                    Span::styled(format!("{:<7}", m.as_str()), mode_style(*m, s)),
                    Span::styled(compare::meaning(*m, spec), s.muted),
                ])
            })
            .collect(),
        None => Vec::new(),
    };
    let [status, table_area, hist, guar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(table_h),
        Constraint::Min(3),
        Constraint::Length(guarantees.len() as u16),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(status_line(app, s)), status);
    let table_lines: Vec<Line> = table
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let style = match rows.get(i.wrapping_sub(1)) {
                _ if i == 0 => s.muted,
                Some(r) => mode_style(r.mode, s),
                None => s.muted,
            };
            Line::styled(l.to_string(), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(table_lines), table_area);
    frame.render_widget(Paragraph::new(guarantees), guar);
    // Both when there is room; otherwise `T` picks which.
    match (timeline_window(app), hist.height >= TIMELINE_AND_HISTOGRAMS) {
        (Some(w), true) => {
            let [h, t] =
                Layout::vertical([Constraint::Percentage(45), Constraint::Min(4)]).areas(hist);
            render_histograms(frame, h, &rows, s);
            render_timeline(frame, t, app, w, s);
        }
        (Some(w), false) if app.compare_timeline => render_timeline(frame, hist, app, w, s),
        _ => render_histograms(frame, hist, &rows, s),
    }
}

/// The histograms' area must be this tall for the timeline to go under
/// them.
const TIMELINE_AND_HISTOGRAMS: u16 = 22;

/// The comparison's time: from its start to its last send's end, or to
/// now while it runs, so the timeline follows the run.
fn timeline_window(app: &App) -> Option<super::timeline::Window> {
    let run = app.timeline.run()?;
    let running = app.compare_running();
    let to = if running {
        app.now.timestamp_micros()
    } else {
        run.last
    };
    (to > run.origin).then_some(super::timeline::Window {
        from: run.origin,
        to,
    })
}

fn render_timeline(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    w: super::timeline::Window,
    s: &Styles,
) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(s.border)
        .title(Span::styled(
            " Timeline: each send from submit to its end ",
            s.accent,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    super::timeline::render(frame, inner, &app.timeline, w, s);
}

/// One horizontal bar chart per mode, side by side, over the same buckets
/// and the same scale.
fn render_histograms(frame: &mut Frame, area: Rect, rows: &[ModeResult], s: &Styles) {
    let max_buckets = area.height.saturating_sub(2).max(1) as usize;
    let buckets = compare::shared_buckets(rows, max_buckets);
    let columns: [Rect; 3] = Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(area);
    let counts: Vec<Vec<u64>> = rows
        .iter()
        .map(|r| compare::bucket_counts(&r.counts.latency, &buckets))
        .collect();
    let top = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    for (i, mode) in Mode::ALL.into_iter().enumerate() {
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(s.border)
            .title(Span::styled(
                format!(" {} latency ", mode.label()),
                mode_style(mode, s),
            ));
        let row = rows.iter().position(|r| r.mode == mode);
        let Some(row) = row.filter(|_| !buckets.is_empty()) else {
            frame.render_widget(
                Paragraph::new(Line::styled("no latencies yet", s.muted)).block(block),
                columns[i],
            );
            continue;
        };
        let bars: Vec<Bar> = buckets
            .iter()
            .zip(&counts[row])
            .map(|(b, n)| {
                Bar::with_label(format!("{:>7}", b.label()), *n)
                    .text_value(n.to_string())
                    .style(mode_style(mode, s))
                    .value_style(s.text)
            })
            .collect();
        let chart = BarChart::horizontal(bars)
            .block(block)
            .bar_width(1)
            .bar_gap(0)
            .max(top)
            .label_style(s.muted);
        frame.render_widget(chart, columns[i]);
    }
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
