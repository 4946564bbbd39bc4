//! The results log: newest first, one row per send (or, toggled, one line
//! per event), scrolled so the selected line stays visible; column widths
//! follow the terminal width and the numbers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::fmt_latency;
use super::mode_bar::mode_style;
use crate::console::app::{App, EntryKind, Focus, LogEntry, TxTone};
use crate::console::keymap::{Bind, Context};
use crate::theme::Styles;
use rmq_model::message::{Mode, Outcome};
use rmq_model::types::{MessageType, TxChoice, show_duration};

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
            Outcome::Acknowledged(r) if r.status.is_ok() => (format!("OK {}", r.status), s.success),
            Outcome::Acknowledged(r) => (format!("OK {}", r.status), s.warning),
            Outcome::Failed(_) => ("FAILED".into(), s.error),
            Outcome::Dispatched => ("DISPATCHED".into(), s.oneway),
            Outcome::Unresolved => ("UNRESOLVED".into(), s.warning),
        },
    }
}

/// Column widths for the lines on screen, from the terminal width and
/// the numbers: the seq column fits the largest seq shown, and the
/// topic/tag/key column gets what the acknowledgement's msgId and
/// broker:queue@offset leave (all of its text when nothing needs the room).
struct Columns {
    seq: usize,
    target: usize,
}

const TIME_W: usize = 12;
/// Mode, outcome label and latency columns with their gaps.
const MIDDLE_W: usize = 7 + 10 + 12;
const MIN_TARGET: usize = 12;
/// The topic/tag/key width when the tail cannot fit anyway.
const NARROW_TARGET: usize = 18;

fn ack_tail(e: &LogEntry) -> Option<(String, String)> {
    match &e.kind {
        EntryKind::Completed {
            outcome: Outcome::Acknowledged(r),
            ..
        } => Some((
            format!("  {}", r.msg_id),
            format!("  {}:{}@{}", r.broker, r.queue_id, r.queue_offset),
        )),
        _ => None,
    }
}

fn columns(visible: &[&LogEntry], inner_w: usize) -> Columns {
    let sends = visible
        .iter()
        .filter(|e| !matches!(e.kind, EntryKind::Note(_)));
    let seq = sends
        .clone()
        .map(|e| e.seq.to_string().len())
        .max()
        .unwrap_or(0)
        .max(4);
    let prefix = TIME_W + 2 + seq + 1 + MIDDLE_W;
    let natural = sends
        .clone()
        .map(|e| target(e, usize::MAX).chars().count())
        .max()
        .unwrap_or(0);
    let tail = sends
        .filter_map(|e| ack_tail(e).map(|(a, b)| a.chars().count() + b.chars().count()))
        .max()
        .unwrap_or(0);
    // Room for the acknowledgement's tail only where it can fit whole;
    // on a narrow screen the tail is cut at the edge instead.
    let target = if prefix + MIN_TARGET + tail <= inner_w {
        natural.min(inner_w - prefix - tail)
    } else {
        natural.min(NARROW_TARGET)
    };
    Columns { seq, target }
}

fn line(app: &App, e: &LogEntry, cols: &Columns, s: &Styles) -> Line<'static> {
    if let EntryKind::Note(text) = &e.kind {
        // Not a send: no seq, mode or outcome columns.
        return Line::from(vec![
            Span::styled(app.fmt_time(e.at), s.muted),
            Span::styled(format!(" ── {text}"), s.accent),
        ]);
    }
    let tx = app.typed.tx.get(&e.seq);
    let (label, lstyle) = match (tx, &e.kind) {
        // A failed half message is a failure like any other.
        (
            Some(_),
            EntryKind::Completed {
                outcome: Outcome::Failed(_),
                ..
            },
        )
        | (None, _) => outcome(e, s),
        // Never the half message's green OK: where the transaction stands.
        (Some(tx), _) => {
            let (label, tone) = tx.label();
            let style = match tone {
                TxTone::Waiting => s.warning,
                TxTone::Committed => s.success,
                TxTone::RolledBack => s.muted,
            };
            (label.into(), style)
        }
    };
    let lat = match &e.kind {
        // An async row says how long after the submit its callback came.
        EntryKind::Completed { latency, .. } if e.mode == Mode::Async => {
            format!("cb {}", fmt_latency(*latency))
        }
        EntryKind::Completed { latency, .. } => fmt_latency(*latency),
        _ => String::new(),
    };
    let tw = cols.target;
    let mut spans = vec![
        Span::styled(app.fmt_time(e.at), s.muted),
        Span::styled(format!(" #{:<w$} ", e.seq, w = cols.seq), s.text),
        Span::styled(format!("{:<6} ", e.mode.as_str()), mode_style(s, e.mode)),
        Span::styled(format!("{label:<10}"), lstyle),
        Span::styled(format!(" {lat:>9}  "), s.text),
        Span::styled(format!("{:<tw$}", target(e, tw)), s.text),
    ];
    // Before the msgId: on a narrow screen the type's state is what matters.
    spans.extend(type_tail(app, e, s));
    if let Some((id, at)) = ack_tail(e) {
        spans.push(Span::styled(id, s.text));
        spans.push(Span::styled(at, s.muted));
    }
    match &e.kind {
        EntryKind::Completed {
            outcome: Outcome::Failed(f),
            ..
        } => spans.push(Span::styled(format!("  {}", f.reason), s.error)),
        EntryKind::NotSent(why) => spans.push(Span::styled(format!("  {why}"), s.error)),
        _ => {}
    }
    Line::from(spans)
}

/// What the message type adds to a row: a transaction's state and the keys
/// that decide it, or when a delayed message becomes visible.
fn type_tail(app: &App, e: &LogEntry, s: &Styles) -> Option<Span<'static>> {
    if let Some(tx) = app.typed.tx.get(&e.seq) {
        let summary = tx.summary();
        let (text, style) = match tx.settled() {
            None => {
                let key = |b| {
                    app.keymap
                        .key_for(Context::Log, b)
                        .unwrap_or_else(|| b.name().into())
                };
                let keys = format!(
                    "{}/{}/{}: commit/rollback/unknown",
                    key(Bind::TxCommit),
                    key(Bind::TxRollback),
                    key(Bind::TxUnknown)
                );
                let text = if summary.is_empty() {
                    format!("  {keys} · tx {}", tx.transaction_id)
                } else {
                    format!("  {keys} · {summary}")
                };
                (text, s.warning)
            }
            Some(TxChoice::Commit) => (format!("  {summary}"), s.success),
            Some(_) => (format!("  {summary}"), s.text),
        };
        return Some(Span::styled(text, style));
    }
    let (
        Some(d),
        EntryKind::Completed {
            outcome: Outcome::Acknowledged(_),
            submitted_at,
            ..
        },
    ) = (&e.draft, &e.kind)
    else {
        return None;
    };
    let MessageType::Delayed(delay) = &d.kind else {
        return None;
    };
    let at = delay.visible_at(*submitted_at);
    let left = (at - app.now).num_milliseconds();
    Some(if left > 0 {
        let secs = (left + 999) / 1000;
        Span::styled(
            format!(
                "  visible in {} (at {})",
                show_duration(std::time::Duration::from_secs(secs as u64)),
                app.fmt_time(at)
            ),
            s.warning,
        )
    } else {
        Span::styled(format!("  visible since {}", app.fmt_time(at)), s.muted)
    })
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let focused = app.focus == Focus::Log;
    let shown = app.log.shown();
    let mut title = if app.log.raw_view {
        format!(" Events ({}, newest first, every event) ", shown.len())
    } else {
        format!(" Results ({}, newest first) ", shown.len())
    };
    if let Some(b) = &app.burst {
        title.push_str(&format!("─ burst #{}: {}/{} ", b.id, b.submitted, b.total));
    }
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(if focused { s.border_focus } else { s.border })
        .title(Span::styled(title, if focused { s.accent } else { s.text }));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if shown.is_empty() {
        let key = app
            .keymap
            .key_for(Context::Edit, Bind::Send)
            .unwrap_or_else(|| Bind::Send.name().into());
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
    let visible: Vec<&LogEntry> = shown.iter().skip(offset).take(rows).collect();
    let cols = columns(&visible, inner.width as usize);
    let lines: Vec<Line> = visible
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let l = line(app, e, &cols, s);
            if focused && offset + i == app.selected {
                l.patch_style(s.selection)
            } else {
                l
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
