//! The profile picker: every profile the session can switch to, with its
//! endpoint and PROTECTED marker, or why it cannot be used.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::results::cut;
use crate::console::app::App;
use crate::console::keymap::Context;
use crate::theme::Styles;

pub fn render(frame: &mut Frame, area: Rect, app: &App, cursor: usize, s: &Styles) {
    let hints: Vec<String> = app
        .keymap
        .hints_where(Context::Picker, |b| app.bind_live(b))
        .into_iter()
        .map(|h| format!("{} {}", h.key, h.label))
        .collect();
    let block = super::frame::block(Span::styled(" Switch profile ", s.accent), s.border_focus)
        .title_bottom(Span::styled(format!(" {} ", hints.join(" · ")), s.muted));
    let inner = super::frame::draw(frame, area, block);
    let name_w = app
        .profiles
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 20);
    let width = inner.width as usize;
    let mut lines = vec![Line::styled(
        format!("   {:<name_w$}  {}", "profile", "endpoint"),
        s.muted,
    )];
    for (i, p) in app.profiles.iter().enumerate() {
        // Text markers as well as colour, so NO_COLOR still shows them.
        let pointer = if i == cursor { "▸" } else { " " };
        let active = if i == app.current { "*" } else { " " };
        let mut spans = vec![
            Span::styled(format!("{pointer}{active} "), s.accent),
            Span::styled(
                format!("{:<name_w$}  ", cut(&p.name, name_w)),
                if i == app.current { s.accent } else { s.text },
            ),
        ];
        let used = 3 + name_w + 2;
        let rest = width.saturating_sub(used);
        match &p.settings {
            Err(e) => spans.push(Span::styled(cut(e, rest), s.error)),
            Ok(_) => {
                let mut tail = String::new();
                if p.sandbox {
                    tail.push_str(" SANDBOX");
                }
                if p.protected {
                    tail.push_str(" PROTECTED");
                }
                let ep_w = rest.saturating_sub(tail.len());
                spans.push(Span::styled(
                    format!("{:<ep_w$}", cut(&p.endpoint, ep_w)),
                    s.text,
                ));
                if p.sandbox {
                    spans.push(Span::styled(" SANDBOX", s.warning));
                }
                if p.protected {
                    spans.push(Span::styled(" PROTECTED", s.error));
                }
            }
        }
        let line = Line::from(spans);
        lines.push(if i == cursor {
            super::selected(line, s)
        } else {
            line
        });
    }
    let footer = match (
        &app.switching,
        app.profiles.get(cursor).map(|p| &p.settings),
    ) {
        (Some(sw), _) => Line::styled(
            format!("switching to {}…", app.profiles[sw.to].name),
            s.warning,
        ),
        // The row may have cut the reason; here it is whole.
        (None, Some(Err(e))) => Line::styled(e.clone(), s.error),
        (None, _) => Line::styled(
            "* = active · switching drains the current producer first",
            s.muted,
        ),
    };
    lines.push(footer);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
