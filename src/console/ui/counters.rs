//! The counters pane: per mode sent / ok / failed / in flight, latency
//! quantiles from the histogram, current rate and a sends-per-second
//! sparkline.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

use super::mode_bar::mode_style;
use crate::console::app::App;
use crate::theme::Styles;
use rmq_engine::compare::fmt_latency as lat;
use rmq_model::message::Mode;

/// Default widths of the count columns (sent, ok, fail, infl, /s); a
/// column widens when a number needs it, so there is always a space
/// between two numbers.
const COUNT_W: [usize; 5] = [6, 6, 5, 6, 5];
const COUNT_HEAD: [&str; 5] = ["sent", "ok", "fail", "infl", "/s"];

/// The count cells of one mode, in `COUNT_HEAD` order.
fn count_cells(app: &App, m: Mode) -> [String; 5] {
    let st = app.stats(m);
    // Taken on and not queued: on its way to the client or in flight.
    let going = st.waiting + st.in_flight;
    let infl = if st.queued > 0 {
        format!("{going}+{}q", st.queued)
    } else {
        going.to_string()
    };
    [
        st.sent().to_string(),
        (st.acknowledged() + st.dispatched).to_string(),
        (st.failed + st.unresolved).to_string(),
        infl,
        app.rates[m.index()]
            .current(app.now.timestamp())
            .to_string(),
    ]
}

fn all_cells(app: &App) -> Vec<[String; 5]> {
    Mode::ALL.iter().map(|m| count_cells(app, *m)).collect()
}

fn widths(cells: &[[String; 5]]) -> [usize; 5] {
    let mut w = COUNT_W;
    for row in cells {
        for (i, c) in row.iter().enumerate() {
            w[i] = w[i].max(c.chars().count() + 1);
        }
    }
    w
}

/// `first` heads the mode column: the profile name where the pane has no
/// title to carry it (narrow layout), so the counters always say whose
/// they are.
fn rows(app: &App, s: &Styles, first: Option<&str>) -> Vec<Line<'static>> {
    let cells = all_cells(app);
    let w = widths(&cells);
    let head = match first {
        Some(p) => Span::styled(format!("{:<8}", super::results::cut(p, 7)), s.accent),
        None => Span::styled(format!("{:<8}", "mode"), s.muted),
    };
    let mut header: String = COUNT_HEAD
        .iter()
        .zip(w)
        .map(|(h, w)| format!("{h:>w$}"))
        .collect();
    header.push_str(&format!(" {:>7}{:>7}{:>7}", "p50", "p99", "max"));
    let mut lines = vec![Line::from(vec![head, Span::styled(header, s.muted)])];
    for (m, c) in Mode::ALL.into_iter().zip(cells) {
        let st = app.stats(m);
        let fail = st.failed + st.unresolved;
        let [sent, ok, failed, infl, rate] = c;
        let mut spans = vec![
            Span::styled(format!("{:<8}", m.label()), mode_style(s, m)),
            Span::styled(format!("{sent:>w$}", w = w[0]), s.text),
            Span::styled(
                format!("{ok:>w$}", w = w[1]),
                if st.degraded > 0 {
                    s.warning
                } else {
                    s.success
                },
            ),
            Span::styled(
                format!("{failed:>w$}", w = w[2]),
                if fail > 0 { s.error } else { s.text },
            ),
            Span::styled(format!("{infl:>w$}", w = w[3]), s.text),
            Span::styled(format!("{rate:>w$} ", w = w[4]), s.text),
        ];
        if m == Mode::Oneway {
            spans.push(Span::styled("dispatched, delivery unverified", s.muted));
        } else {
            spans.push(Span::styled(
                format!(
                    "{:>7}{:>7}{:>7}",
                    lat(st.latency.quantile(0.5)),
                    lat(st.latency.quantile(0.99)),
                    lat(st.latency.max())
                ),
                s.text,
            ));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// The table's width: the mode column, the count columns and the widest
/// tail (the one-way note).
fn table_width(app: &App) -> u16 {
    let counts: usize = widths(&all_cells(app)).iter().sum();
    u16::try_from(8 + counts + 1 + "dispatched, delivery unverified".len() + 2).unwrap_or(u16::MAX)
}

/// The bordered pane's width beside the composer: the table and its
/// borders, no more (the sparkline fits under the table).
pub fn pane_width(app: &App) -> u16 {
    table_width(app).saturating_add(2)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let now = app.now.timestamp();
    let rate_title = format!("all/s {}", app.rate.current(now));
    let table_w = table_width(app).max(70);
    if area.height >= 8 {
        // Wide layout: a bordered pane, table on top, sparkline below.
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(s.border)
            .title(Span::styled(
                format!(" Counters · {} ", app.profile().name),
                s.text,
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [table, gap, title, spark] = Layout::vertical([
            Constraint::Length(4),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(inner);
        let _ = gap;
        frame.render_widget(Paragraph::new(rows(app, s, None)), table);
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{rate_title}  (last {}s)", spark.width),
                s.muted,
            )),
            title,
        );
        let data = app.rate.series(now, spark.width as usize);
        frame.render_widget(Sparkline::default().data(&data).style(s.accent), spark);
    } else {
        let [table, right] = Layout::horizontal([
            Constraint::Length(table_w.min(area.width)),
            Constraint::Min(0),
        ])
        .areas(area);
        frame.render_widget(
            Paragraph::new(rows(app, s, Some(&app.profile().name))),
            table,
        );
        if right.width > 4 {
            let [title, spark] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(right);
            frame.render_widget(
                Paragraph::new(Span::styled(format!(" {rate_title}"), s.muted)),
                title,
            );
            let spark = Rect {
                x: spark.x + 1,
                width: spark.width - 1,
                ..spark
            };
            let data = app.rate.series(now, spark.width as usize);
            frame.render_widget(Sparkline::default().data(&data).style(s.accent), spark);
        }
    }
}
