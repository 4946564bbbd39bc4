//! The import dialog: the path prompt, then the file's messages with the
//! invalid lines and their reasons, the rate, and the progress of a send.

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
    let inner = super::frame::draw(frame, area, super::frame::hinted(block, app, ctx, s));
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
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let send = app
        .keymap
        .key_for(Context::Import, Bind::QuickSend)
        .unwrap_or_default();
    let mut status = vec![Span::styled(
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
    if let Some(pc) = &app.pacer {
        status.push(Span::styled(
            format!(
                " · sent {}/{}, {} ok, {} failed{}",
                pc.sent,
                pc.total,
                pc.succeeded,
                pc.failed,
                if pc.cancelled { ", cancelled" } else { "" }
            ),
            if pc.failed > 0 { s.warning } else { s.success },
        ));
    }
    lines.push(Line::from(status));
    if let Some(n) = v.confirm {
        lines.push(Line::styled(
            format!(
                "send {n} message(s) to PROTECTED profile {}? {}",
                app.profile().name,
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
            "{mark} line {:<4} {:<6} {what}  {}  {body}",
            item.line,
            mode,
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
