//! The results log: newest first, one line per producer event, scrolled so
//! the selected line stays visible.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::fmt_latency;
use super::mode_bar::mode_style;
use crate::console::app::{App, EntryKind, Focus, LogEntry};
use crate::message::{Mode, Outcome};
use crate::theme::Styles;

/// `topic/tag/key`, parts omitted when empty, cut to `max` chars.
pub fn target(e: &LogEntry, max: usize) -> String {
    let Some(d) = &e.draft else {
        return "-".into();
    };
    let mut t = d.topic.clone();
    if let Some(tag) = &d.tag {
        t.push('/');
        t.push_str(tag);
    }
    if let Some(k) = d.first_key() {
        t.push('/');
        t.push_str(k);
    }
    cut(&t, max)
}

pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Outcome label and its style.
pub fn outcome(e: &LogEntry, s: &Styles) -> (String, Style) {
    match &e.kind {
        EntryKind::Queued => ("QUEUED".into(), s.warning),
        EntryKind::Submitted => ("IN FLIGHT".into(), s.muted),
        EntryKind::NotSent(_) => ("NOT SENT".into(), s.error),
        EntryKind::Note(_) => ("NOTE".into(), s.accent),
        EntryKind::Completed { outcome, .. } => match outcome {
            Outcome::Acknowledged(r) if r.status == "SendOk" => ("OK SendOk".into(), s.success),
            Outcome::Acknowledged(r) => (format!("OK {}", r.status), s.warning),
            Outcome::Failed(_) => ("FAILED".into(), s.error),
            Outcome::Dispatched => ("DISPATCHED".into(), s.oneway),
            Outcome::Unresolved => ("UNRESOLVED".into(), s.warning),
        },
    }
}

fn line(app: &App, e: &LogEntry, width: u16, s: &Styles) -> Line<'static> {
    if let EntryKind::Note(text) = &e.kind {
        // Not a send: no seq, mode or outcome columns.
        return Line::from(vec![
            Span::styled(app.fmt_time(e.at), s.muted),
            Span::styled(format!(" ── {text}"), s.accent),
        ]);
    }
    let (label, lstyle) = outcome(e, s);
    let lat = match &e.kind {
        // The callback line says how long after the submit it came.
        EntryKind::Completed { latency, .. } if e.mode == Mode::Async => {
            format!("cb {}", fmt_latency(*latency))
        }
        EntryKind::Completed { latency, .. } => fmt_latency(*latency),
        _ => String::new(),
    };
    // At 120 columns the msgId and broker:queue@offset must still fit.
    let target_w = if width >= 130 { 24 } else { 18 };
    let mut spans = vec![
        Span::styled(app.fmt_time(e.at), s.muted),
        Span::styled(format!(" #{:<4} ", e.seq), s.text),
        Span::styled(format!("{:<6} ", e.mode.as_str()), mode_style(s, e.mode)),
        Span::styled(format!("{label:<10}"), lstyle),
        Span::styled(format!(" {lat:>9}  "), s.text),
        Span::styled(format!("{:<w$}", target(e, target_w), w = target_w), s.text),
    ];
    match &e.kind {
        EntryKind::Completed {
            outcome: Outcome::Acknowledged(r),
            ..
        } => {
            spans.push(Span::styled(format!("  {}", r.msg_id), s.text));
            spans.push(Span::styled(
                format!("  {}:{}@{}", r.broker, r.queue_id, r.queue_offset),
                s.muted,
            ));
        }
        EntryKind::Completed {
            outcome: Outcome::Failed(f),
            ..
        } => spans.push(Span::styled(format!("  {}", f.reason), s.error)),
        EntryKind::NotSent(why) => spans.push(Span::styled(format!("  {why}"), s.error)),
        _ => {}
    }
    Line::from(spans)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let focused = app.focus == Focus::Log;
    let mut title = format!(" Results ({}, newest first) ", app.log.len());
    if let Some(b) = &app.burst {
        title.push_str(&format!("─ burst #{}: {}/{} ", b.id, b.submitted, b.total));
    }
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(if focused { s.border_focus } else { s.border })
        .title(Span::styled(title, if focused { s.accent } else { s.text }));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.log.is_empty() {
        let key = app
            .keymap
            .hints(crate::console::keymap::Context::Edit)
            .first()
            .map_or("Ctrl-S".to_string(), |(k, _)| k.clone());
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled("No sends yet.", s.muted),
                Line::styled(
                    format!("Type a topic and a body, pick a mode, press {key} to send."),
                    s.muted,
                ),
            ]),
            inner,
        );
        return;
    }
    let rows = inner.height as usize;
    let offset = (app.selected + 1).saturating_sub(rows);
    let lines: Vec<Line> = app
        .log
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, e)| {
            let l = line(app, e, area.width, s);
            if focused && i == app.selected {
                l.patch_style(s.selection)
            } else {
                l
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
