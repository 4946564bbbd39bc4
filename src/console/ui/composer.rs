//! The composer pane: topic, tag, keys, the message type, properties and
//! body, each with its validation problem shown beside it (the type row
//! shows what the type means when it has no problem).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui_textarea::TextArea;

use crate::console::app::{App, Focus};
use crate::theme::Styles;

const LABEL_W: u16 = 8;

/// Composer height for the stacked (narrow) layout.
pub fn composer_height(screen_h: u16) -> u16 {
    (screen_h.saturating_sub(15)).clamp(7, 12)
}

fn rows(inner: Rect) -> [Rect; 6] {
    let rest = inner.height.saturating_sub(4);
    let props = (rest * 2 / 5).max(1);
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(props),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner)
}

const FIELDS: [Focus; 6] = [
    Focus::Topic,
    Focus::Tag,
    Focus::Keys,
    Focus::Props,
    Focus::Body,
    Focus::Type,
];

pub fn field_at(area: Rect, _app: &App, row: u16) -> Option<Focus> {
    let inner = Block::bordered().inner(area);
    rows(inner)
        .iter()
        .zip(FIELDS)
        .find(|(r, _)| row >= r.y && row < r.y + r.height)
        .map(|(_, f)| f)
}

fn placeholder(f: Focus) -> &'static str {
    match f {
        Focus::Topic => "topic name, e.g. TopicTest",
        Focus::Tag => "optional tag",
        Focus::Keys => "optional keys, space separated",
        Focus::Type => "normal · fifo KEY · delay 3|90s|at 17:00 · tx · batch N",
        Focus::Props => "optional key=value, one per line",
        _ => "message body (multi-line)",
    }
}

fn human_bytes(n: usize) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let in_composer = app.focus.is_text();
    let c = &app.composer;
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(if in_composer {
            s.border_focus
        } else {
            s.border
        })
        .title(Span::styled(
            " Composer ",
            if in_composer { s.accent } else { s.text },
        ));
    // Multi-line fields have no room beside them; their problem goes on the
    // bottom border, else the body size against the limit. The focused
    // field's problem goes there first, in full: beside a one-line field it
    // may have been cut.
    let focused_err = c
        .errors
        .get(&app.focus)
        .filter(|_| app.focus.is_text())
        .map(|e| (&app.focus, e));
    let bottom = focused_err.or_else(|| {
        [Focus::Props, Focus::Body]
            .iter()
            .find_map(|f| c.errors.get(f).map(|e| (f, e)))
    });
    block = match bottom {
        Some((f, e)) => block.title_bottom(Span::styled(format!(" {}: {e} ", f.label()), s.error)),
        None => block.title_bottom(Span::styled(
            format!(
                " body {} / {} ",
                human_bytes(c.body_bytes()),
                human_bytes(app.max_message_bytes())
            ),
            s.muted,
        )),
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);

    for (row, f) in rows(inner).into_iter().zip(FIELDS) {
        if row.height == 0 {
            continue;
        }
        let focused = app.focus == f && app.takes_text();
        let err = c.errors.get(&f);
        let label_style = if app.focus == f {
            s.accent.patch(s.selection)
        } else if err.is_some() {
            s.error
        } else {
            s.text
        };
        let [label, rest] =
            Layout::horizontal([Constraint::Length(LABEL_W), Constraint::Min(1)]).areas(row);
        let mark = if err.is_some() { "!" } else { " " };
        // A text marker too, so focus shows without colour (NO_COLOR).
        let pointer = if app.focus == f { "▸" } else { " " };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(pointer, s.accent),
                Span::styled(format!("{:<5}", f.label()), label_style),
                Span::styled(mark, s.error),
            ])),
            label,
        );
        let field_area = match err {
            Some(e) if !matches!(f, Focus::Props | Focus::Body) => {
                let w = (e.chars().count() as u16 + 2).min(rest.width / 2);
                let [field, msg] =
                    Layout::horizontal([Constraint::Min(1), Constraint::Length(w)]).areas(rest);
                let shown = super::results::cut(e, w.saturating_sub(1) as usize);
                frame.render_widget(
                    Paragraph::new(Span::styled(format!(" {shown}"), s.error)),
                    msg,
                );
                field
            }
            // What the type means (and that it goes sync), how many keys.
            None if let Some(about) = c.notes.get(&f) => {
                let w = (about.chars().count() as u16 + 2).min(rest.width / 2);
                let [field, msg] =
                    Layout::horizontal([Constraint::Min(1), Constraint::Length(w)]).areas(rest);
                let shown = super::results::cut(about, w.saturating_sub(1) as usize);
                frame.render_widget(
                    Paragraph::new(Span::styled(format!(" {shown}"), s.accent)),
                    msg,
                );
                field
            }
            _ => rest,
        };
        if let Some(area_src) = c.field(f) {
            let mut ta: TextArea<'_> = area_src.clone();
            ta.set_style(s.text);
            ta.set_cursor_line_style(Style::default());
            ta.set_placeholder_text(placeholder(f));
            ta.set_placeholder_style(s.muted);
            ta.set_cursor_style(if focused {
                s.selection
            } else {
                Style::default()
            });
            frame.render_widget(&ta, field_area);
        }
    }
}
