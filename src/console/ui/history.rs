//! The history pane: journal records newest first (time, mode, outcome,
//! topic/tag, keys, body), the filter line, selection marks, and the
//! cursor's record in full when its detail is open.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::results::cut;
use crate::console::app::{App, BodyView, HistoryView, record_body};
use crate::console::keymap::{Bind, Context};
use crate::theme::Styles;
use rmq_journal::Record;
use rmq_model::message::SendStatus;

/// `HH:MM:SS.mmm` out of an RFC 3339 time as recorded.
fn clock(at: &str) -> &str {
    at.get(11..23).unwrap_or(at)
}

fn outcome(r: &Record) -> String {
    match (r.state.as_str(), &r.status) {
        ("acknowledged", _) if r.send_status().is_some_and(SendStatus::is_ok) => "OK".into(),
        ("acknowledged", Some(s)) => s.clone(),
        ("failed", _) => "FAILED".into(),
        ("dispatched", _) => "DISPATCHED".into(),
        (other, _) => other.to_uppercase(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, h: &HistoryView, s: &Styles) {
    let ctx = if h.filtering {
        Context::HistoryFilter
    } else {
        Context::History
    };
    let shown = h.shown();
    let title = Span::styled(format!(" {} ", title(h, shown.len())), s.accent);
    let block = super::frame::hinted(
        super::frame::block(title, s.border_focus),
        app,
        ctx,
        s,
        area.width,
    );
    let inner = super::frame::draw(frame, area, block);
    let width = inner.width as usize;
    let key = |b| app.keymap.key_for(Context::History, b).unwrap_or_default();
    let mut lines = vec![Line::from(vec![
        Span::styled("filter: ", s.muted),
        Span::styled(h.filter.clone(), s.text),
        Span::styled(if h.filtering { "▏" } else { "" }, s.accent),
        Span::styled(
            if h.filter.is_empty() && !h.filtering {
                format!(
                    "({} filters: key, msgId, #seq, prop=value, type, any text)",
                    key(Bind::FilterHistory)
                )
            } else {
                String::new()
            },
            s.muted,
        ),
    ])];
    let mut pace = format!(
        "resend rate {}/s ({}/{} change, {} cancels)",
        h.rate(),
        key(Bind::RateUp),
        key(Bind::RateDown),
        key(Bind::CancelBurst)
    );
    if let Some(pc) = &app.pacer {
        pace.push_str(&format!(" · {}", super::import::progress(pc)));
    }
    lines.push(Line::styled(pace, s.muted));
    if let Some(n) = h.confirm {
        lines.push(Line::styled(
            format!(
                "resend {n} record(s) to PROTECTED profile {}? {}",
                app.profile().name,
                app.keymap
                    .confirm_hint(Context::History, Bind::Yes, Bind::Close)
            ),
            s.error,
        ));
    }
    if h.detail
        && let Some(r) = h.current()
    {
        let mut all = detail(r, h.body_view, &key(Bind::BodyView), s);
        // The other way: this record's resends, from the journal.
        let resent: Vec<&str> = h
            .records
            .iter()
            .filter(|x| x.source.as_deref() == Some(r.id.as_str()))
            .map(|x| x.id.as_str())
            .collect();
        if !resent.is_empty() {
            all.push(Line::from(vec![
                Span::styled(format!("{:<13}", "resent as"), s.muted),
                Span::styled(resent.join(" "), s.text),
            ]));
        }
        let rows = (inner.height as usize).saturating_sub(lines.len());
        let more = key(Bind::ScrollDown);
        lines.extend(super::body::page(
            all,
            width,
            rows,
            h.scroll as usize,
            &more,
            s,
        ));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    if shown.is_empty() {
        lines.push(Line::styled(
            if h.records.is_empty() {
                "the journal is empty: sends are recorded here as they complete"
            } else {
                "no record matches the filter"
            },
            s.muted,
        ));
    }
    let rows = (inner.height as usize).saturating_sub(lines.len());
    let offset = (h.cursor + 1).saturating_sub(rows);
    for (i, r) in shown.iter().enumerate().skip(offset).take(rows) {
        let mark = if h.selected.contains(&r.id) {
            "●"
        } else {
            " "
        };
        let status = outcome(r);
        let status_style = if r.succeeded() { s.success } else { s.error };
        let what = match &r.tag {
            Some(t) => format!("{}/{t}", r.topic),
            None => r.topic.clone(),
        };
        let head = format!("{mark} {} {:<6} ", clock(&r.submitted_at), r.mode.as_str());
        let used = head.chars().count() + 11;
        let rest = width.saturating_sub(used);
        let body = r
            .body
            .as_deref()
            .map(|b| b.replace('\n', "⏎"))
            .unwrap_or_else(|| "(binary)".into());
        let text = format!("{what}  {}  {body}", r.keys.join(" "));
        let line = Line::from(vec![
            Span::styled(head, s.text),
            Span::styled(format!("{:<10} ", cut(&status, 10)), status_style),
            Span::styled(cut(&text, rest), s.text),
        ]);
        lines.push(if i == h.cursor {
            super::selected(line, s)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One record in full.
fn detail(r: &Record, view: BodyView, key: &str, s: &Styles) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut field = |name: &str, value: String| {
        out.push(Line::from(vec![
            Span::styled(format!("{name:<13}"), s.muted),
            Span::styled(value, s.text),
        ]));
    };
    field("record", r.id.clone());
    field("seq", format!("#{}", r.seq));
    if let Some(src) = &r.source {
        field("resent from", src.clone());
    }
    field("profile", r.profile.clone());
    field("mode", r.mode.label().to_string());
    field("outcome", outcome(r));
    if let Some(m) = &r.msg_id {
        field("msgId", m.clone());
    }
    if let Some(m) = &r.offset_msg_id {
        field("offset msgId", m.clone());
    }
    if let Some(t) = &r.transaction_id {
        field("transaction", t.clone());
    }
    if let Some(k) = &r.kind {
        field("type", k.clone());
    }
    if let (Some(b), Some(q), Some(o)) = (&r.broker, r.queue_id, r.queue_offset) {
        field("queue", format!("{b}:{q}@{o}"));
    }
    if let Some(e) = &r.error {
        let code = r
            .broker_code
            .map(|c| format!(" (broker code {c})"))
            .unwrap_or_default();
        field("error", format!("{e}{code}"));
    }
    if let Some(d) = &r.decision {
        let by = r
            .decided_by
            .as_ref()
            .map(|b| format!(" (by {b})"))
            .unwrap_or_default();
        field("decision", format!("{d}{by}"));
    }
    field("submitted", r.submitted_at.clone());
    if r.has_outcome() {
        field(
            if r.callback_at.is_some() {
                "callback"
            } else {
                "completed"
            },
            format!("{} ({:.1} ms)", r.completed_at, r.latency_ms),
        );
    } else {
        // Written ahead, and nothing after: the process ended first.
        field(
            "completed",
            "unknown: the process ended before the outcome (it may have been stored)".into(),
        );
    }
    field("topic", r.topic.clone());
    if let Some(t) = &r.tag {
        field("tag", t.clone());
    }
    if !r.keys.is_empty() {
        field("keys", r.keys.join(" "));
    }
    for (k, v) in &r.properties {
        field("property", format!("{k}={v}"));
    }
    if r.body.is_some() || r.body_base64.is_some() {
        // A body keeps its lines: each under the one before, not run
        // together on one line.
        let body = record_body(r);
        field("body", super::body::header(&body, view, key));
        for line in super::body::body_lines(&body, view) {
            out.push(Line::styled(format!("  {line}"), s.text));
        }
    }
    out
}

/// The pane's title: how many the filter keeps, of how many records kept,
/// and, when the journal holds more than are kept, that only the newest
/// are.
fn title(h: &HistoryView, shown: usize) -> String {
    let kept = h.records.len();
    let mut t = if h.filter.is_empty() {
        format!("History ({}", thousands(kept))
    } else {
        format!("History ({} of {} match", thousands(shown), thousands(kept))
    };
    if h.total > kept {
        t.push_str(&format!(
            ", the {} newest of {}",
            thousands(kept),
            thousands(h.total)
        ));
    } else if h.older_unread {
        t.push_str(&format!(
            ", the {} newest; older ones not read",
            thousands(kept)
        ));
    } else {
        t.push_str(", newest first");
    }
    if !h.selected.is_empty() {
        t.push_str(&format!(", {} selected", h.selected.len()));
    }
    t.push(')');
    t
}

/// `10677` as `10,677`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
