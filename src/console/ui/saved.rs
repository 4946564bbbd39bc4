//! The saved messages overlays: the name prompt (saving the draft) and the
//! picker (name, topic and first body line of each, the `/` filter, the
//! rename prompt or the delete question at the bottom).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::results::cut;
use crate::collection::Entry;
use crate::console::app::{App, Naming, SavedView};
use crate::console::keymap::Context;
use crate::theme::Styles;

/// The name prompt: what is typed, and whether it replaces a saved one.
pub fn render_save_as(frame: &mut Frame, area: Rect, app: &App, n: &Naming, s: &Styles) {
    let block = super::frame::block(
        Span::styled(" Save the draft as ", s.accent),
        s.border_focus,
    );
    let block = super::frame::hinted(block, app, Context::SavedName, s, area.width);
    let inner = super::frame::draw(frame, area, block);
    let w = inner.width as usize;
    let exists = app.saved.as_ref().is_some_and(|l| {
        l.entries
            .iter()
            .any(|e| matches!(&e.saved, Ok(m) if m.name == n.text.trim()))
    });
    let lines = vec![
        Line::from(vec![
            Span::styled("name: ", s.muted),
            Span::styled(format!("{}▏", cut(&n.text, w.saturating_sub(8))), s.text),
        ]),
        if exists {
            Line::styled("replaces the saved message of this name", s.warning)
        } else {
            Line::styled(
                cut("a file in the messages folder (beside config.toml)", w),
                s.muted,
            )
        },
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The picker.
pub fn render(frame: &mut Frame, area: Rect, app: &App, v: &SavedView, s: &Styles) {
    let ctx = app.context();
    let block = super::frame::block(Span::styled(" Saved messages ", s.accent), s.border_focus);
    let block = super::frame::hinted(block, app, ctx, s, area.width);
    let inner = super::frame::draw(frame, area, block);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    let filter_style = if v.filtering { s.text } else { s.muted };
    lines.push(Line::from(vec![
        Span::styled("/ ", s.muted),
        Span::styled(
            format!("{}{}", v.filter, if v.filtering { "▏" } else { "" }),
            filter_style,
        ),
        Span::styled(
            v.filter_error
                .as_deref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default(),
            s.error,
        ),
    ]));
    let name_w = (w / 3).clamp(8, 28);
    let topic_w = (w / 4).clamp(6, 24);
    let body_w = w.saturating_sub(name_w + topic_w + 6);
    lines.push(Line::styled(
        format!("  {:<name_w$}  {:<topic_w$}  {}", "name", "topic", "body"),
        s.muted,
    ));
    let footer = 2;
    let room = (inner.height as usize).saturating_sub(lines.len() + footer);
    match &app.saved {
        None => lines.push(Line::styled("reading the messages folder…", s.muted)),
        Some(listing) => {
            let shown = v.shown(listing);
            if shown.is_empty() {
                let key = app
                    .keymap
                    .key_for(Context::Edit, crate::console::keymap::Bind::SaveMessage)
                    .unwrap_or_default();
                lines.push(Line::styled(
                    if listing.entries.is_empty() {
                        format!("no saved messages yet: {key} saves the composer's draft")
                    } else {
                        "nothing matches the filter".to_string()
                    },
                    s.muted,
                ));
            }
            let first = v.cursor.saturating_sub(room.saturating_sub(1));
            for (i, e) in shown.iter().enumerate().skip(first).take(room) {
                let pointer = if i == v.cursor { "▸ " } else { "  " };
                let mut spans = vec![
                    Span::styled(pointer, s.accent),
                    Span::styled(format!("{:<name_w$}  ", cut(&e.name(), name_w)), s.text),
                ];
                match &e.saved {
                    Ok(m) => {
                        // On one line: a pretty JSON body's first line is `{`.
                        let body = String::from_utf8(m.draft.body.clone())
                            .map(|b| b.split_whitespace().collect::<Vec<_>>().join(" "))
                            .unwrap_or_else(|_| format!("({} bytes, binary)", m.draft.body.len()));
                        spans.push(Span::styled(
                            format!("{:<topic_w$}  ", cut(&m.draft.topic, topic_w)),
                            s.text,
                        ));
                        spans.push(Span::styled(cut(&body, body_w), s.muted));
                    }
                    Err(why) => {
                        // The path is at the bottom; the row keeps the line and reason.
                        let prefix = format!("{}:", e.file.display());
                        let short = why
                            .strip_prefix(&prefix)
                            .map_or(why.clone(), |rest| format!("✗ line {rest}"));
                        spans.push(Span::styled(cut(&short, topic_w + 2 + body_w), s.error))
                    }
                }
                let line = Line::from(spans);
                lines.push(if i == v.cursor {
                    super::selected(line, s)
                } else {
                    line
                });
            }
        }
    }
    // The bottom: a rename being typed, the delete question, or the
    // highlighted file's path.
    while lines.len() < (inner.height as usize).saturating_sub(1) {
        lines.push(Line::raw(""));
    }
    let current = app
        .saved
        .as_ref()
        .and_then(|l| v.shown(l).get(v.cursor).map(|e| (*e).clone()));
    let bottom = if let Some(n) = &v.naming {
        Line::from(vec![
            Span::styled("new name: ", s.accent),
            Span::styled(format!("{}▏", n.text), s.text),
        ])
    } else if let Some(file) = &v.deleting {
        Line::styled(
            cut(
                &format!(
                    "delete {}? {}",
                    file.file_name()
                        .map(|f| f.to_string_lossy())
                        .unwrap_or_default(),
                    app.delete_question()
                ),
                w,
            ),
            s.warning,
        )
    } else {
        match current {
            Some(Entry {
                saved: Err(why), ..
            }) => Line::styled(cut(&why, w), s.error),
            Some(e) => Line::styled(cut(&e.file.display().to_string(), w), s.muted),
            None => Line::raw(""),
        }
    };
    lines.push(bottom);
    frame.render_widget(Paragraph::new(lines), inner);
}
