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

/// `topic/tag/keys` (every key, space separated, as the composer takes
/// them), parts omitted when empty, cut to `max` chars.
pub fn target(e: &LogEntry, max: usize) -> String {
    let Some(d) = &e.draft else {
        return "-".into();
    };
    let mut t = d.topic.clone();
    if let Some(tag) = &d.tag {
        t.push('/');
        t.push_str(tag);
    }
    if !d.keys.is_empty() {
        t.push('/');
        t.push_str(&d.keys.join(" "));
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
/// the numbers: the seq column fits the largest seq shown; the
/// topic/tag/keys column gets all of its text when the width allows (keys
/// come before the fixed fields); the msgId and broker:queue@offset follow
/// only where they fit whole (a cut id identifies nothing; Enter, `y` and
/// the wide view have it), and what is left shows the body.
struct Columns {
    seq: usize,
    target: usize,
    /// The row's width inside the pane.
    width: usize,
    /// The wide view: a second line carries the body.
    wide: bool,
}

const TIME_W: usize = 12;
/// Mode, outcome label and latency columns with their gaps.
const MIDDLE_W: usize = 7 + 10 + 12;
const MIN_TARGET: usize = 12;

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
        .map(|e| target(e, usize::MAX).chars().count())
        .max()
        .unwrap_or(0);
    Columns {
        seq,
        target: natural.min(inner_w.saturating_sub(prefix).max(MIN_TARGET)),
        width: inner_w,
        wide: false,
    }
}

/// The body as one line (newlines shown as ⏎), for a row's spare width.
fn body_preview(e: &LogEntry) -> Option<String> {
    let d = e.draft.as_ref()?;
    let text = String::from_utf8_lossy(&d.body);
    Some(text.replace('\n', "⏎"))
}

fn width_of(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.content.chars().count()).sum()
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
    if let Some(from) = app.resent_from.get(&e.seq).or(app.sources.get(&e.seq)) {
        // A resend is this row, not a row of its own; the record's id
        // where it fits (the detail view has it always).
        let long = format!("  resent {from}");
        let text = if width_of(&spans) + long.chars().count() <= cols.width {
            long
        } else {
            "  resent".into()
        };
        spans.push(Span::styled(text, s.muted));
    }
    if let Some((id, at)) = ack_tail(e)
        && width_of(&spans) + id.chars().count() <= cols.width
    {
        // Where the queue offset fits too, after the id it belongs to.
        let with_at = width_of(&spans) + id.chars().count() + at.chars().count() <= cols.width;
        spans.push(Span::styled(id, s.text));
        if with_at {
            spans.push(Span::styled(at, s.muted));
        }
    }
    let room = cols.width.saturating_sub(width_of(&spans) + 2);
    match &e.kind {
        EntryKind::Completed {
            outcome: Outcome::Failed(f),
            ..
        } => spans.push(Span::styled(format!("  {}", cut(&f.reason, room)), s.error)),
        EntryKind::NotSent(why) => {
            spans.push(Span::styled(format!("  {}", cut(why, room)), s.error))
        }
        // Spare width shows what was sent.
        _ if room >= 8 && !cols.wide => {
            if let Some(b) = body_preview(e) {
                spans.push(Span::styled(format!("  {}", cut(&b, room)), s.muted));
            }
        }
        _ => {}
    }
    Line::from(spans)
}

/// The wide view's second line: every field the row leaves out, whole
/// (cut only at the pane's edge).
fn wide_line(e: &LogEntry, s: &Styles) -> Line<'static> {
    let indent = " ".repeat(TIME_W + 1);
    let mut spans = vec![Span::raw(indent)];
    if let EntryKind::Completed {
        outcome: Outcome::Acknowledged(r),
        ..
    } = &e.kind
    {
        spans.push(Span::styled(format!("msgId {}", r.msg_id), s.text));
        spans.push(Span::styled(
            format!("  {}:{}@{}", r.broker, r.queue_id, r.queue_offset),
            s.muted,
        ));
        spans.push(Span::styled(
            format!("  offsetMsgId {}", r.offset_msg_id),
            s.muted,
        ));
    }
    match &e.kind {
        EntryKind::Completed {
            outcome: Outcome::Failed(f),
            ..
        } => spans.push(Span::styled(f.reason.clone(), s.error)),
        EntryKind::NotSent(why) => spans.push(Span::styled(why.clone(), s.error)),
        _ => {}
    }
    if let Some(d) = &e.draft {
        spans.push(Span::styled(format!("  {}", d.kind.as_str()), s.text));
        for (k, v) in &d.properties {
            spans.push(Span::styled(format!("  {k}={v}"), s.text));
        }
        if let Some(b) = body_preview(e) {
            spans.push(Span::styled(format!("  body {b}"), s.muted));
        }
    }
    spans.push(Span::styled(format!("  profile {}", e.profile), s.muted));
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

/// Screen lines per row: two in the wide view.
fn lines_per_row(app: &App) -> usize {
    if app.view.wide { 2 } else { 1 }
}

/// The first row on screen for a pane `height` lines high: where the
/// operator left it while paused, moved only as far as keeps the selected
/// row in sight. Mouse hit-testing uses the same rule.
pub fn offset(app: &App, height: usize) -> usize {
    let fit = (height / lines_per_row(app)).max(1);
    app.view
        .top
        .max((app.selected + 1).saturating_sub(fit))
        .min(app.selected)
}

/// Which row a click on the pane's `line` (0 = first inside) lands on.
pub fn row_at(app: &App, height: usize, line: usize) -> Option<usize> {
    let i = offset(app, height) + line / lines_per_row(app);
    (i < app.rows().len()).then_some(i)
}

fn title(app: &App, shown: usize, s: &Styles) -> Vec<Span<'static>> {
    let all = app.log.shown().len();
    let what = if app.log.raw_view {
        "Events"
    } else {
        "Results"
    };
    let count = if app.view.query.is_empty() {
        format!("{shown}")
    } else {
        format!("{shown} of {all} match")
    };
    let every = if app.log.raw_view {
        ", every event"
    } else {
        ""
    };
    let mut spans = vec![Span::raw(format!(
        " {what} ({count}, newest first{every}) "
    ))];
    if let Some(b) = &app.burst {
        spans.push(Span::raw(format!(
            "─ burst #{}: {}/{} ",
            b.id, b.submitted, b.total
        )));
    }
    if app.log.dropped > 0 {
        spans.push(Span::styled(
            format!(
                "─ {} older dropped, newest {} kept ",
                app.log.dropped,
                app.log.capacity()
            ),
            s.warning,
        ));
    }
    if !app.view.following(app.selected) {
        let key = app
            .keymap
            .key_for(Context::Log, Bind::ScrollTop)
            .unwrap_or_else(|| Bind::ScrollTop.name().into());
        let new = match app.view.new_above {
            0 => String::new(),
            n => format!("{n} new ↑ · "),
        };
        spans.push(Span::styled(
            format!("─ paused: {new}{key} follows "),
            s.warning,
        ));
    }
    spans
}

/// The filter line on the bottom border: what is typed, and why it does
/// not parse.
fn filter_line(app: &App, s: &Styles) -> Option<Line<'static>> {
    let v = &app.view;
    if !v.filtering && v.filter_text.is_empty() {
        return None;
    }
    let cursor = if v.filtering { "▏" } else { "" };
    let mut spans = vec![Span::styled(
        format!(" /{}{cursor} ", v.filter_text),
        s.accent,
    )];
    if let Some(e) = &v.filter_error {
        spans.push(Span::styled(format!("{e} "), s.error));
    } else if v.filtering {
        spans.push(Span::styled(
            "text, or field:value (key: msgid: status: mode: seq: type: prop: …) ",
            s.muted,
        ));
    }
    Some(Line::from(spans))
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    if app.view.timeline {
        return render_timeline(frame, area, app, s);
    }
    let focused = app.focus == Focus::Log || app.view.filtering;
    let rows = app.rows();
    let title_style = if focused { s.accent } else { s.text };
    let title: Vec<Span> = title(app, rows.len(), s)
        .into_iter()
        .map(|sp| {
            if sp.style == ratatui::style::Style::default() {
                sp.style(title_style)
            } else {
                sp
            }
        })
        .collect();
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(if focused { s.border_focus } else { s.border })
        .title(Line::from(title));
    if let Some(l) = filter_line(app, s) {
        block = block.title_bottom(l);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        let text = if app.log.shown().is_empty() {
            let key = app
                .keymap
                .key_for(Context::Edit, Bind::Send)
                .unwrap_or_else(|| Bind::Send.name().into());
            vec![
                Line::styled("No sends yet.", s.muted),
                Line::styled(
                    format!("Type a topic and a body, pick a mode, press {key} to send."),
                    s.muted,
                ),
            ]
        } else {
            vec![Line::styled(
                "No row matches the filter (Esc in the filter clears it).",
                s.muted,
            )]
        };
        frame.render_widget(Paragraph::new(text), inner);
        return;
    }
    let height = inner.height as usize;
    let offset = offset(app, height);
    let fit = (height / lines_per_row(app)).max(1);
    let visible: Vec<&LogEntry> = rows.iter().skip(offset).take(fit).copied().collect();
    let mut cols = columns(&visible, inner.width as usize);
    cols.wide = app.view.wide;
    let mut lines: Vec<Line> = Vec::new();
    for (i, e) in visible.into_iter().enumerate() {
        let mut these = vec![line(app, e, &cols, s)];
        if app.view.wide && !matches!(e.kind, EntryKind::Note(_)) {
            these.push(wide_line(e, s));
        } else if app.view.wide {
            these.push(Line::raw(""));
        }
        let selected = focused && offset + i == app.selected;
        lines.extend(
            these
                .into_iter()
                .map(|l| if selected { super::selected(l, s) } else { l }),
        );
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// How many of the newest sends the results pane's timeline spans (at
/// most `TIMELINE_SPAN` back): a few sends fill the width, a burst shows
/// the burst.
const TIMELINE_SENDS: usize = 400;
const TIMELINE_SPAN_US: i64 = 60_000_000;

/// The results pane as a timeline of what was sent lately.
fn render_timeline(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let focused = app.focus == Focus::Log;
    // Up to now while sends are open (the bars grow), else to the last
    // end: the sends fill the width instead of shrinking as time passes.
    let now = app.now.timestamp_micros();
    let to = if app.in_flight_total() > 0 {
        now
    } else {
        app.timeline.latest().unwrap_or(now)
    };
    let from = app
        .timeline
        .recent_start(TIMELINE_SENDS)
        .unwrap_or(to)
        .max(to - TIMELINE_SPAN_US);
    let key = app
        .keymap
        .key_for(Context::Log, Bind::Timeline)
        .unwrap_or_default();
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(if focused { s.border_focus } else { s.border })
        .title(Span::styled(
            format!(" Timeline of the latest sends ({key} rows) "),
            if focused { s.accent } else { s.text },
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if to <= from {
        frame.render_widget(
            Paragraph::new(Line::styled("No sends yet.", s.muted)),
            inner,
        );
        return;
    }
    super::timeline::render(
        frame,
        inner,
        &app.timeline,
        super::timeline::Window { from, to },
        s,
    );
}
