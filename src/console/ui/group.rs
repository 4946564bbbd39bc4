//! The group lens (`d` in the fetch overlay): the group prompt with the
//! groups asked for before, then what the brokers count for the group:
//! lag per queue (broker max, the group's offset, lag, last consumed),
//! totals, the retry and dead-letter rows, and how complete the answer is
//! (brokers asked and answered, each refusal in the broker's words).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::results::cut;
use crate::console::app::{App, FetchView, GroupView, LensRow};
use crate::theme::Styles;

pub fn render(frame: &mut Frame, area: Rect, app: &App, lens: &GroupView, s: &Styles) {
    let ctx = app.context();
    let title = match &lens.answer {
        Some(a) if a.completeness.is_partial() => format!(" Group {} (PARTIAL) ", a.group),
        Some(a) => format!(" Group {} ", a.group),
        None => " Consumer group lens ".to_string(),
    };
    let title = Span::styled(title, s.accent);
    let block = super::frame::hinted(
        super::frame::block(title, s.border_focus),
        app,
        ctx,
        s,
        area.width,
    );
    let inner = super::frame::draw(frame, area, block);
    let width = inner.width as usize;
    let mut lines = head(app, lens, s);
    let Some(a) = &lens.answer else {
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    // As wide as the longest topic, within reason: the numbers matter.
    let tw = a
        .queues
        .iter()
        .map(|q| q.topic.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, 40);
    let bw = a
        .queues
        .iter()
        .map(|q| q.broker.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    lines.push(Line::styled(
        cut(
            &format!(
                "{:<tw$} {:<bw$} {:>5} {:>9} {:>9} {:>7}  last consumed",
                "topic", "broker", "queue", "max", "group at", "lag"
            ),
            width,
        ),
        s.muted,
    ));
    let rows = lens.rows();
    let room = (inner.height as usize).saturating_sub(lines.len());
    let offset = (lens.cursor + 1).saturating_sub(room);
    for (n, row) in rows.iter().enumerate().skip(offset).take(room) {
        let text = match *row {
            LensRow::Queue(i) => {
                let q = &a.queues[i];
                format!(
                    "{:<tw$} {:<bw$} {:>5} {:>9} {:>9} {:>7}  {}",
                    q.topic,
                    q.broker,
                    q.queue,
                    q.broker_offset,
                    q.consumer_offset,
                    q.lag(),
                    when(app, q.last_ms)
                )
            }
            LensRow::Retry => format!(
                "retry  {:<20} {} stored   (Enter: newest first)",
                a.retry.topic, a.retry
            ),
            LensRow::Dlq => format!(
                "DLQ    {:<20} {} stored   (Enter: newest first)",
                a.dlq.topic, a.dlq
            ),
        };
        let style = match row {
            LensRow::Queue(i) if a.queues[*i].lag() > 0 => s.text,
            LensRow::Queue(_) => s.muted,
            LensRow::Dlq if a.dlq.stored.unwrap_or(0) > 0 => s.error,
            _ => s.text,
        };
        let line = Line::styled(cut(&text, width), style);
        lines.push(if n == lens.cursor {
            super::selected(line, s)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The prompt (or the group asked for), the state of the lookup, the
/// totals and how complete the answer is.
fn head<'a>(app: &App, lens: &GroupView, s: &Styles) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    if lens.prompting {
        let recent = if app.recent_groups.is_empty() {
            "the consumer group whose lag to show".to_string()
        } else {
            format!("recent: {}", app.recent_groups.join(", "))
        };
        out.push(Line::from(vec![
            Span::styled("▸ group   ", s.accent),
            Span::styled(lens.group.clone(), s.text),
            Span::styled("▏", s.accent),
            Span::styled(format!("  {recent}"), s.muted),
        ]));
    }
    if lens.pending.is_some() {
        out.push(Line::styled(
            format!("asking the brokers about group {}…", lens.group),
            s.accent,
        ));
    } else if let Some(why) = &lens.error {
        out.push(Line::styled(format!("failed: {why}"), s.error));
    }
    let Some(a) = &lens.answer else {
        return out;
    };
    let c = &a.completeness;
    let style = if c.is_partial() { s.error } else { s.muted };
    out.push(Line::styled(a.summary(), s.text));
    let n = c.asked.len();
    out.push(Line::styled(
        format!(
            "asked {n} broker{}, answered {}",
            if n == 1 { "" } else { "s" },
            c.answered.len()
        ),
        style,
    ));
    for (b, why) in &c.refused {
        out.push(Line::styled(format!("  {b}: {why}"), style));
    }
    for note in &c.notes {
        out.push(Line::styled(format!("note: {note}"), s.muted));
    }
    out
}

/// A store time in the list's format; `-` for never.
fn when(app: &App, ms: i64) -> String {
    if ms <= 0 {
        return "-".into();
    }
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| match app.display_offset {
            Some(o) => t.with_timezone(&o).format("%m-%d %H:%M:%S").to_string(),
            None => t
                .with_timezone(&chrono::Local)
                .format("%m-%d %H:%M:%S")
                .to_string(),
        })
        .unwrap_or_default()
}

/// `o`'s answer for the message in the detail, as lines to put under its
/// ids (nothing when `o` was asked about another message).
pub fn consumed_lines<'a>(v: &FetchView, offset_msg_id: &str, s: &Styles) -> Vec<Line<'a>> {
    use crate::console::app::Consumed;
    let Some(c) = &v.consumed else {
        return Vec::new();
    };
    if c.offset_msg_id() != offset_msg_id {
        return Vec::new();
    }
    let label = |text: String, style| {
        Line::from(vec![
            Span::styled(format!("{:<14}", "consumed"), s.muted),
            Span::styled(text, style),
        ])
    };
    match c {
        Consumed::Loading { .. } => vec![label("asking the broker…".into(), s.accent)],
        Consumed::Failed { why, .. } => vec![label(format!("failed: {why}"), s.error)],
        Consumed::Done(d) => {
            let mut out: Vec<Line> = d
                .lines()
                .into_iter()
                .map(|l| {
                    let style = if l.starts_with("consumed by") {
                        s.success
                    } else {
                        s.text
                    };
                    label(l, style)
                })
                .collect();
            // Always how complete: a group missing from a list that
            // looks whole would read as "nobody consumed it".
            out.push(if d.completeness.is_partial() {
                label(format!("partial: {}", d.completeness), s.error)
            } else {
                label(d.completeness.to_string(), s.muted)
            });
            out
        }
    }
}
