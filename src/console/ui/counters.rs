//! The counters pane: per mode sent / ok / failed / in flight, latency
//! quantiles from the histogram, current rate and a sends-per-second
//! sparkline.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline};

use super::fmt_latency;
use super::mode_bar::mode_style;
use crate::console::app::App;
use crate::message::Mode;
use crate::theme::Styles;

fn lat(d: Option<std::time::Duration>) -> String {
    d.map_or_else(|| "-".to_string(), fmt_latency)
}

/// `first` heads the mode column: the profile name where the pane has no
/// title to carry it (narrow layout), so the counters always say whose
/// they are.
fn rows(app: &App, s: &Styles, first: Option<&str>) -> Vec<Line<'static>> {
    let now = app.now.timestamp();
    let head = match first {
        Some(p) => Span::styled(format!("{:<8}", super::results::cut(p, 7)), s.accent),
        None => Span::styled(format!("{:<8}", "mode"), s.muted),
    };
    let mut lines = vec![Line::from(vec![
        head,
        Span::styled(
            format!(
                "{:>6}{:>6}{:>5}{:>6}{:>5} {:>7}{:>7}{:>7}",
                "sent", "ok", "fail", "infl", "/s", "p50", "p99", "max"
            ),
            s.muted,
        ),
    ])];
    for m in Mode::ALL {
        let st = app.stats(m);
        let infl = if st.queued > 0 {
            format!("{}+{}q", st.in_flight(), st.queued)
        } else {
            st.in_flight().to_string()
        };
        let fail = st.failed + st.unresolved;
        let mut spans = vec![
            Span::styled(format!("{:<8}", m.label()), mode_style(s, m)),
            Span::styled(format!("{:>6}", st.sent), s.text),
            Span::styled(
                format!("{:>6}", st.ok + st.degraded),
                if st.degraded > 0 {
                    s.warning
                } else {
                    s.success
                },
            ),
            Span::styled(
                format!("{fail:>5}"),
                if fail > 0 { s.error } else { s.text },
            ),
            Span::styled(format!("{infl:>6}"), s.text),
            Span::styled(format!("{:>5} ", st.rate.current(now)), s.text),
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

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let now = app.now.timestamp();
    let rate_title = format!("all/s {}", app.rate.current(now));
    let table_w = 70u16;
    if area.height >= 8 {
        // Wide layout: a bordered pane, table on top, sparkline below.
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(s.border)
            .title(Span::styled(
                format!(" Counters · {} ", app.profile),
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
        frame.render_widget(Paragraph::new(rows(app, s, Some(&app.profile))), table);
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
