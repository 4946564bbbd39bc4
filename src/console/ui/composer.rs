//! The composer pane: topic, tag, keys, the message type, properties and
//! body, each with its validation problem shown beside it (the type row
//! shows what the type means when it has no problem).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui_textarea::TextArea;

use crate::console::app::{App, BinaryBody, Focus};
use crate::console::keymap::{Bind, Context};
use crate::theme::Styles;

const LABEL_W: u16 = 8;

/// The field rows inside the composer, above `notes` lines of wrapped
/// problems and hints: topic, tag and keys one line each, then properties
/// and body sharing the rest, the type last.
fn rows(inner: Rect, notes: u16) -> [Rect; 6] {
    let [fields, _] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(notes)]).areas(inner);
    let rest = fields.height.saturating_sub(4);
    let props = (rest * 2 / 5).max(1);
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(props),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(fields)
}

const FIELDS: [Focus; 6] = [
    Focus::Topic,
    Focus::Tag,
    Focus::Keys,
    Focus::Props,
    Focus::Body,
    Focus::Type,
];

pub fn field_at(area: Rect, app: &App, row: u16) -> Option<Focus> {
    let inner = Block::bordered().inner(area);
    let notes = notes(app, inner.width).len() as u16;
    rows(inner, note_height(inner, notes))
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

/// How a line under the fields is coloured.
#[derive(Clone, Copy)]
enum Tone {
    Error,
    Warn,
    Good,
    Note,
}

/// A binary body in place of the text: its size, where it came from, its
/// first bytes, and how to get the text area back.
fn binary_note(b: &BinaryBody, app: &App) -> String {
    let shown = &b.bytes[..b.bytes.len().min(16)];
    let key = app
        .keymap
        .key_for(Context::Edit, Bind::ClearField)
        .unwrap_or_else(|| Bind::ClearField.name().into());
    format!(
        "binary body: {} bytes from {}, sent unchanged (hex {}{}); {key} in the body drops it",
        b.bytes.len(),
        b.from,
        rmq_model::message::hex(shown),
        if b.bytes.len() > shown.len() {
            "…"
        } else {
            ""
        }
    )
}

/// What the composer says under its fields, in full: each field's
/// problem (the focused field's first), else its note (what the type means
/// and whether it goes sync, how many keys the keys field holds).
fn notes(app: &App, width: u16) -> Vec<(Tone, String)> {
    let c = &app.composer;
    let mut order: Vec<Focus> = FIELDS.to_vec();
    if let Some(i) = order.iter().position(|f| *f == app.focus) {
        let f = order.remove(i);
        order.insert(0, f);
    }
    let mut out = Vec::new();
    for f in order {
        if let Some(e) = c.errors.get(&f) {
            out.push((Tone::Error, format!("{}: {e}", f.label())));
        } else if let Some(note) = c.notes.get(&f) {
            // What the type means and that it goes sync, how many keys.
            out.push((Tone::Note, note.clone()));
        } else if f == Focus::Type && !c.kind_text.lines()[0].trim().is_empty() {
            out.push((Tone::Note, rmq_model::types::describe(&c.kind)));
        }
        if f == Focus::Body {
            if let Some(b) = &c.binary {
                out.push((Tone::Note, binary_note(b, app)));
            }
            // Beside a size error too: both can be true.
            match &c.json {
                Some(j) if j.is_valid() => out.push((Tone::Good, j.label())),
                Some(j) => out.push((Tone::Warn, j.label())),
                None => {}
            }
        }
    }
    out.into_iter()
        .flat_map(|(err, text)| {
            super::wrap::wrap(&text, width.saturating_sub(1) as usize)
                .into_iter()
                .enumerate()
                // Continuation lines indent under the text.
                .map(move |(i, l)| (err, if i == 0 { l } else { format!("  {l}") }))
        })
        .collect()
}

/// Lines the notes get: all they need, leaving the six field rows.
fn note_height(inner: Rect, wanted: u16) -> u16 {
    wanted.min(inner.height.saturating_sub(6))
}

/// Lines of a multi-line field beyond what its rows show.
fn hidden_lines(ta: &TextArea<'_>, rows: u16) -> usize {
    ta.lines().len().saturating_sub(rows as usize)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles, single: bool) {
    let in_composer = app.focus.is_text();
    let c = &app.composer;
    let mut title = vec![Span::styled(
        " Composer ",
        if in_composer { s.accent } else { s.text },
    )];
    if single {
        // One pane at a time: say how to reach the other.
        let key = app
            .keymap
            .key_for(Context::Global, Bind::SwitchPane)
            .unwrap_or_else(|| Bind::SwitchPane.name().into());
        title.push(Span::styled(format!("─ {key} results "), s.muted));
    }
    if let Some(banner) = app.fetched_draft.as_ref().and_then(|f| f.banner.as_ref()) {
        // A loaded dead letter: where it came from, until the next send.
        title.push(Span::styled(format!("─ {banner} "), s.error));
    }
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(if in_composer {
            s.border_focus
        } else {
            s.border
        })
        .title(Line::from(title))
        .title_bottom(Span::styled(
            format!(
                " body {} / {} ",
                human_bytes(c.body_bytes()),
                human_bytes(app.max_message_bytes())
            ),
            s.muted,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let notes = notes(app, inner.width);
    let note_h = note_height(inner, notes.len() as u16);
    let notes_area = Rect {
        y: inner.y + inner.height - note_h,
        height: note_h,
        ..inner
    };
    let lines: Vec<Line> = notes
        .iter()
        .take(note_h as usize)
        .map(|(tone, l)| {
            let style = match tone {
                Tone::Error => s.error,
                Tone::Warn => s.warning,
                Tone::Good => s.success,
                Tone::Note => s.accent,
            };
            Line::styled(format!(" {l}"), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), notes_area);

    for (row, f) in rows(inner, note_h).into_iter().zip(FIELDS) {
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
        let mut label_lines = vec![Line::from(vec![
            Span::styled(pointer, s.accent),
            Span::styled(format!("{:<5}", f.label()), label_style),
            Span::styled(mark, s.error),
        ])];
        if let Some(ta) = c.field(f)
            && row.height > 1
            && hidden_lines(ta, row.height) > 0
        {
            // A field that scrolls says how much it hides.
            let n = hidden_lines(ta, row.height);
            let more = if n < 100 {
                format!("+{n} more")
            } else {
                format!("+{n}")
            };
            label_lines.resize(row.height as usize - 1, Line::raw(""));
            label_lines.push(Line::styled(more, s.warning));
        }
        frame.render_widget(Paragraph::new(label_lines), label);
        if let Some(area_src) = c.field(f) {
            // A binary body hides the text it replaced (kept for Ctrl-C).
            let mut ta: TextArea<'_> = match (&c.binary, f) {
                (Some(_), Focus::Body) => TextArea::default(),
                _ => area_src.clone(),
            };
            ta.set_style(s.text);
            ta.set_cursor_line_style(Style::default());
            match (&c.binary, f) {
                (Some(b), Focus::Body) => ta.set_placeholder_text(format!(
                    "({} bytes of binary: see below)",
                    b.bytes.len()
                )),
                _ => ta.set_placeholder_text(placeholder(f)),
            }
            ta.set_placeholder_style(s.muted);
            ta.set_cursor_style(if focused {
                s.selection
            } else {
                Style::default()
            });
            frame.render_widget(&ta, rest);
        }
    }
}
