//! The repeat form (count, rate, key template, mode, a preview of the
//! first three messages' keys and body) and the protected-profile
//! confirmation box.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::console::app::{App, Confirm, RepeatField, RepeatForm};
use crate::console::keymap::Context;
use crate::theme::Styles;
use rmq_model::template::{Ctx, PLACEHOLDERS, Rng};

/// The preview's random source: fixed, so the same form draws the same
/// preview (render is a function of state); the burst draws its own.
const PREVIEW_SEED: u64 = 29;

/// Rows of the preview: the first three messages.
const PREVIEW_ROWS: u64 = 3;

pub fn render(frame: &mut Frame, area: Rect, app: &App, form: &RepeatForm, s: &Styles) {
    let block = super::frame::block(Span::styled(" Repeat ", s.accent), s.border_focus);
    let inner = super::frame::draw(
        frame,
        area,
        super::frame::hinted(block, app, Context::Repeat, s, area.width),
    );
    // The last rows take what is left: the hint wraps rather than being cut.
    let rows: [Rect; 7] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(PREVIEW_ROWS as u16),
        Constraint::Min(1),
    ])
    .areas(inner);
    preview(frame, rows[4].union(rows[5]), app, form, s);
    let fields = [
        (RepeatField::Count, "count"),
        (RepeatField::Rate, "msg/s"),
        (RepeatField::Template, "keys"),
        (RepeatField::Mode, "mode"),
    ];
    for ((f, label), row) in fields.into_iter().zip(rows) {
        let [l, field, mark] = Layout::horizontal([
            Constraint::Length(7),
            Constraint::Min(8),
            Constraint::Length(if form.errors.contains_key(&f) { 2 } else { 0 }),
        ])
        .areas(row);
        let focused = form.focus == f;
        frame.render_widget(
            Span::styled(
                label,
                if focused {
                    s.accent.patch(s.selection)
                } else {
                    s.text
                },
            ),
            l,
        );
        let placeholder = match f {
            RepeatField::Rate => Some("empty = unlimited"),
            RepeatField::Template => Some("none (the composer has no keys)"),
            _ => None,
        };
        form_field(frame, form.field(f), focused, placeholder, field, s);
        if form.errors.contains_key(&f) {
            frame.render_widget(Span::styled(" !", s.error), mark);
        }
    }
    // The focused field's problem (else the first), whole, in the row
    // under the fields: beside a field it was cut to 30 columns.
    let problem = form
        .errors
        .get(&form.focus)
        .map(|e| (form.focus, e))
        .or_else(|| {
            fields
                .iter()
                .find_map(|(f, _)| form.errors.get(f).map(|e| (*f, e)))
        });
    let problem = problem
        .map(|(f, e)| {
            let label = fields.iter().find(|(g, _)| *g == f).map_or("", |(_, l)| *l);
            format!("{label}: {e}")
        })
        .or_else(|| form.message_error().map(str::to_string));
    if let Some(p) = problem {
        let hint_and_problem = Paragraph::new(vec![Line::styled(p, s.error)])
            .wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(hint_and_problem, rows[6]);
        return;
    }
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!(
                "keys, body, properties: {} ({{n}} counts 1..N in this burst; {{{{ is a literal {{)",
                PLACEHOLDERS.join(" ")
            ),
            s.muted,
        ))
        .wrap(ratatui::widgets::Wrap { trim: true }),
        rows[6],
    );
}

/// The first three messages as the burst will expand them: keys, then the
/// body on one line, cut to the width. Nothing when a template is wrong
/// (the problem shows below instead).
fn preview(frame: &mut Frame, area: Rect, app: &App, form: &RepeatForm, s: &Styles) {
    let mut lines = vec![Line::styled("preview", s.muted)];
    let message = match &form.message {
        Some(Ok(t)) => t.as_ref(),
        Some(Err(_)) => return,
        None => None,
    };
    if form.errors.contains_key(&RepeatField::Template) {
        return;
    }
    let width = usize::from(area.width);
    let mut rng = Rng::seeded(PREVIEW_SEED);
    // A batch takes a sequence number per copy, as the burst does.
    let per = form.seqs_per_message;
    for i in 0..PREVIEW_ROWS {
        let ctx = Ctx {
            seq: app.next_seq + i * per,
            n: i + 1,
            now: app.now.with_timezone(&chrono::Utc),
        };
        let keys = match &form.keys {
            Some(t) => {
                let mut k = String::new();
                t.expand_into(&mut k, &ctx, &mut rng, width);
                k
            }
            None => String::new(),
        };
        let body = message
            .and_then(|t| t.preview_body(&ctx, &mut rng, width))
            .unwrap_or_else(|| form.body_start.clone());
        let keys = if keys.trim().is_empty() {
            "(no keys)".to_string()
        } else {
            keys
        };
        let row = format!("{}  {keys}  {}", i + 1, body.replace('\n', "⏎"));
        let row = rmq_model::text::escape_controls(&row, &[]);
        lines.push(Line::styled(super::results::cut(&row, width), s.text));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

pub fn render_confirm(frame: &mut Frame, area: Rect, app: &App, c: &Confirm, s: &Styles) {
    let p = &c.pending;
    let protected = app.profile().protected;
    let block = super::frame::block(
        Span::styled(
            if protected {
                " Protected profile: confirm "
            } else {
                " Invalid JSON: confirm "
            },
            s.error,
        ),
        s.error,
    );
    let count = p.count();
    let mut lines = vec![
        Line::from(vec![
            Span::styled("profile  ", s.muted),
            Span::styled(app.profile().name.clone(), s.accent),
        ]),
        Line::from(vec![
            Span::styled("topic    ", s.muted),
            Span::styled(p.draft.topic.clone(), s.text),
        ]),
        Line::from(vec![
            Span::styled("count    ", s.muted),
            Span::styled(
                format!(
                    "{count} message{} in {} mode",
                    if count == 1 { "" } else { "s" },
                    p.mode.label()
                ),
                s.text,
            ),
        ]),
    ];
    if let Some(j) = &c.invalid_json {
        lines.push(Line::from(vec![
            Span::styled("body     ", s.muted),
            Span::styled(j.clone(), s.warning),
        ]));
    }
    lines.push(Line::raw(""));
    match &c.typed {
        None => lines.push(Line::styled(
            format!(
                "{} {}",
                if c.invalid_json.is_some() {
                    "Send invalid JSON?"
                } else {
                    "Send?"
                },
                app.keymap
                    .hint_line_where(Context::Confirm, |b| app.bind_live(b))
            ),
            s.warning,
        )),
        Some(typed) => {
            // A burst: the topic typed back, so Enter alone cannot fire it.
            let (mark, style) = if c.topic_matches() {
                ("  ✓ matches", s.success)
            } else {
                ("", s.text)
            };
            lines.push(Line::styled(
                format!(
                    "Type the topic back: {}",
                    app.keymap
                        .hint_line_where(Context::ConfirmTopic, |b| app.bind_live(b))
                ),
                s.warning,
            ));
            lines.push(Line::from(vec![
                Span::styled("topic?   ", s.muted),
                Span::styled(format!("{typed}▏"), s.text.patch(s.selection)),
                Span::styled(mark, style),
            ]));
        }
    }
    let inner = super::frame::draw(frame, area, block);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// One text field of a small form (the repeat and compare forms): the
/// cursor shows only on the focused field, and an empty field may say what
/// empty means.
pub(super) fn form_field(
    frame: &mut Frame,
    field: &ratatui_textarea::TextArea<'static>,
    focused: bool,
    placeholder: Option<&str>,
    area: Rect,
    s: &Styles,
) {
    let mut ta = field.clone();
    ta.set_style(s.text);
    ta.set_cursor_line_style(Style::default());
    ta.set_cursor_style(if focused {
        s.selection
    } else {
        Style::default()
    });
    if let Some(p) = placeholder {
        ta.set_placeholder_text(p);
        ta.set_placeholder_style(s.muted);
    }
    frame.render_widget(&ta, area);
}
