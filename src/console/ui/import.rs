//! The import dialog: the path prompt with Tab's choices and the recently
//! imported files, then the file's messages (with their type) and the
//! invalid lines with their reasons, the rate, and the progress of a send.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::results::cut;
use crate::console::app::{App, ImportView};
use crate::console::keymap::{Bind, Context};
use crate::theme::Styles;

pub fn render(frame: &mut Frame, area: Rect, app: &App, v: &ImportView, s: &Styles) {
    let ctx = if v.parsed.is_none() {
        Context::ImportPath
    } else {
        Context::Import
    };
    let block = super::frame::block(
        Span::styled(" Import a replay file ", s.accent),
        s.border_focus,
    );
    let inner = super::frame::draw(
        frame,
        area,
        super::frame::hinted(block, app, ctx, s, area.width),
    );
    let width = inner.width as usize;
    let mut lines = vec![Line::from(vec![
        Span::styled("path: ", s.muted),
        Span::styled(v.path.clone(), s.text),
        Span::styled(if v.parsed.is_none() { "▏" } else { "" }, s.accent),
    ])];
    let Some(p) = &v.parsed else {
        lines.push(Line::styled(
            "JSON Lines: topic, tag, keys, properties, body or body_base64, mode (a journal file is one)",
            s.muted,
        ));
        if !v.choices.is_empty() {
            lines.push(Line::styled(
                format!("{} choices:", v.choices.len()),
                s.muted,
            ));
            for c in &v.choices {
                lines.push(Line::styled(cut(&format!("  {c}"), width), s.text));
            }
        } else if !v.recent.is_empty() {
            lines.push(Line::styled("recent:", s.muted));
            for (i, r) in v.recent.iter().enumerate() {
                let line = Line::styled(cut(&format!("  {r}"), width), s.text);
                lines.push(if v.recent_at == Some(i) {
                    line.patch_style(s.selection)
                } else {
                    line
                });
            }
        }
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let send = app
        .keymap
        .key_for(Context::Import, Bind::QuickSend)
        .unwrap_or_default();
    let status = vec![Span::styled(
        format!(
            "{} message(s), {} invalid · rate {}/s · {send} sends {}",
            p.items.len(),
            p.invalid.len(),
            v.rate(),
            if v.selected.is_empty() {
                "all".to_string()
            } else {
                format!("{} selected", v.selected.len())
            }
        ),
        s.text,
    )];
    lines.push(Line::from(status));
    // Its own line: at 80 columns it would be cut off after the status.
    if let Some(pc) = app.pacer.as_ref().filter(|pc| v.ran || pc.active()) {
        let style = if pc.failed > 0 || pc.cancelled {
            s.warning
        } else if pc.active() {
            s.text
        } else {
            s.success
        };
        lines.push(Line::styled(cut(&progress(pc), width), style));
    }
    if let Some(n) = v.confirm {
        let question = crate::console::app::import_confirm_text(
            n,
            p.invalid.len(),
            app.profile()
                .protected
                .then_some(app.profile().name.as_str()),
        );
        lines.push(Line::styled(
            format!(
                "{question} {}",
                app.keymap
                    .confirm_hint(Context::Import, Bind::Yes, Bind::Close)
            ),
            s.error,
        ));
    }
    for i in &p.invalid {
        lines.push(Line::styled(
            cut(&format!("line {}: {}", i.line, i.reason), width),
            s.error,
        ));
    }
    let rows = (inner.height as usize).saturating_sub(lines.len());
    let offset = (v.cursor + 1).saturating_sub(rows);
    for (i, item) in p.items.iter().enumerate().skip(offset).take(rows) {
        let mark = if v.selected.contains(&i) { "●" } else { " " };
        let d = &item.draft;
        let mode = item.mode.map_or("-", |m| m.as_str());
        let body = String::from_utf8(d.body.clone())
            .map(|b| b.replace('\n', "⏎"))
            .unwrap_or_else(|_| "(binary)".into());
        let what = match &d.tag {
            Some(t) => format!("{}/{t}", d.topic),
            None => d.topic.clone(),
        };
        let text = format!(
            "{mark} line {:<4} {:<6} {:<11} {what}  {}  {body}",
            item.line,
            mode,
            d.kind.as_str(),
            d.keys.join(" ")
        );
        let line = Line::styled(cut(&text, width), s.text);
        lines.push(if i == v.cursor {
            super::selected(line, s)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A paced send's progress, from zero: what was handed to the producer,
/// how it ended, and what still waits.
pub fn progress(pc: &crate::console::app::Pacer) -> String {
    let waiting = pc.sent - pc.done();
    if pc.active() {
        format!(
            "sending: {}/{} submitted, {} ok, {} failed, {waiting} in flight",
            pc.sent, pc.total, pc.succeeded, pc.failed
        )
    } else {
        let not_sent = pc.total - pc.sent;
        format!(
            "done: {} ok, {} failed{}",
            pc.succeeded,
            pc.failed,
            if not_sent > 0 {
                format!(", {not_sent} not sent (cancelled)")
            } else {
                String::new()
            }
        )
    }
}
