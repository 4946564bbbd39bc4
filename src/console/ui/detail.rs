//! The detail view of one results-log entry: every receipt field, the full
//! error with its broker code, and the message as sent.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt_latency;
use crate::console::app::{App, BodyView, EntryKind, LogEntry};
use crate::console::keymap::{Bind, Context};
use crate::theme::Styles;
use rmq_model::message::Outcome;

fn kv(k: &str, v: impl Into<String>, s: &Styles) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:<15}"), s.muted),
        Span::styled(v.into(), s.text),
    ])
}

pub fn lines(app: &App, e: &LogEntry, view: BodyView, s: &Styles) -> Vec<Line<'static>> {
    let (label, style) = super::results::outcome(e, s);
    let head = match e.kind {
        // A console note has no seq or mode of its own.
        EntryKind::Note(_) => Line::styled("console note", s.accent),
        _ => Line::from(vec![
            Span::styled(format!("#{} {} ", e.seq, e.mode.label()), s.accent),
            Span::styled(label, style),
        ]),
    };
    let mut out = vec![
        head,
        kv("at", app.fmt_datetime(e.at), s),
        kv("profile", e.profile.clone(), s),
    ];
    // A resend from the history pane or an import names its record (the
    // history's detail of that record lists this send back).
    if let Some(r) = app.resent_from.get(&e.seq) {
        out.push(kv("resent from", format!("record {r}"), s));
    }
    match &e.kind {
        EntryKind::Completed {
            outcome,
            submitted_at,
            latency,
        } => {
            out.push(kv("submitted", app.fmt_datetime(*submitted_at), s));
            out.push(kv("latency", fmt_latency(*latency), s));
            match outcome {
                Outcome::Acknowledged(r) => {
                    out.push(kv("status", r.status.to_string(), s));
                    out.push(kv("msgId", r.msg_id.as_str(), s));
                    out.push(kv("offsetMsgId", r.offset_msg_id.as_str(), s));
                    out.push(kv("broker", r.broker.clone(), s));
                    out.push(kv("queueId", r.queue_id.to_string(), s));
                    out.push(kv("queueOffset", r.queue_offset.to_string(), s));
                    out.push(kv(
                        "transactionId",
                        r.transaction_id.clone().unwrap_or_else(|| "-".into()),
                        s,
                    ));
                    out.push(kv(
                        "regionId",
                        r.region_id.clone().unwrap_or_else(|| "-".into()),
                        s,
                    ));
                }
                Outcome::Failed(f) => {
                    out.push(kv(
                        "code",
                        f.code.map_or_else(|| "- (no broker response)".into(), |c| c.to_string()),
                        s,
                    ));
                    out.push(Line::styled("error", s.muted));
                    for l in f.reason.lines() {
                        out.push(Line::styled(format!("  {l}"), s.error));
                    }
                }
                Outcome::Dispatched => out.push(Line::styled(
                    "one-way: handed to the connection; the broker never answers, delivery is unverified",
                    s.muted,
                )),
                Outcome::Unresolved => out.push(Line::styled(
                    "still in flight when the producer shut down",
                    s.warning,
                )),
            }
        }
        EntryKind::NotSent(why) => out.push(kv("not sent", why.clone(), s)),
        EntryKind::Note(text) => out.push(Line::styled(text.clone(), s.text)),
        EntryKind::Queued => out.push(Line::styled(
            "waiting for a slot in the async in-flight window",
            s.muted,
        )),
        EntryKind::Submitted => out.push(Line::styled(
            "handed to the client library; the outcome follows on its own line",
            s.muted,
        )),
    }
    out.push(Line::raw(""));
    match &e.draft {
        None => out.push(Line::styled("message as sent: not known", s.muted)),
        Some(d) => {
            out.push(Line::styled("message as sent", s.accent));
            out.push(kv("topic", d.topic.clone(), s));
            out.push(kv("tag", d.tag.clone().unwrap_or_else(|| "-".into()), s));
            out.push(kv("keys", d.keys.join(" "), s));
            if d.kind != rmq_model::types::MessageType::Normal {
                out.push(kv("type", rmq_model::types::describe(&d.kind), s));
            }
            if let (
                rmq_model::types::MessageType::Delayed(delay),
                EntryKind::Completed { submitted_at, .. },
            ) = (&d.kind, &e.kind)
            {
                out.push(kv(
                    "visible at",
                    app.fmt_datetime(delay.visible_at(*submitted_at)),
                    s,
                ));
            }
            if let Some(tx) = app.typed.tx.get(&e.seq) {
                let (label, _) = tx.label();
                let mut state = format!("{label} (transaction {})", tx.transaction_id);
                let summary = tx.summary();
                if !summary.is_empty() {
                    state.push_str(&format!(" · {summary}"));
                }
                if let Some((_, why)) = &tx.last_check {
                    state.push_str(&format!(" · last check-back answered: {why}"));
                }
                out.push(kv("transaction", state, s));
            }
            for (k, v) in &d.properties {
                out.push(kv("property", format!("{k}={v}"), s));
            }
            let key = app
                .keymap
                .key_for(Context::Detail, Bind::BodyView)
                .unwrap_or_default();
            out.push(kv("body", super::body::header(&d.body, view, &key), s));
            for l in super::body::body_lines(&d.body, view) {
                out.push(Line::styled(format!("  {l}"), s.text));
            }
        }
    }
    out
}

/// The entry in full from `scroll` (rows), its body in `view`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    e: &LogEntry,
    (scroll, view): (u16, BodyView),
    s: &Styles,
) {
    let block = super::frame::block(
        Span::styled(format!(" Entry #{} ", e.seq), s.accent),
        s.border_focus,
    );
    let inner = super::frame::draw(
        frame,
        area,
        super::frame::hinted(block, app, Context::Detail, s, area.width),
    );
    let key = app
        .keymap
        .key_for(Context::Detail, Bind::ScrollDown)
        .unwrap_or_default();
    let page = super::body::page(
        lines(app, e, view, s),
        inner.width as usize,
        inner.height as usize,
        scroll as usize,
        &key,
        s,
    );
    frame.render_widget(Paragraph::new(page), inner);
}
