//! The help overlay: every binding of the current focus context plus the
//! global ones, straight from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::app::{App, Focus};
use crate::console::keymap::Context;
use crate::theme::Styles;

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    // Help is opened from a pane; show that pane's keys, not the overlay's.
    let ctx = match app.focus {
        Focus::ModeBar => Context::ModeBar,
        Focus::Log => Context::Log,
        _ => Context::Edit,
    };
    let entries = app.keymap.help_entries(ctx);
    let name_w = entries
        .iter()
        .map(|(_, b)| b.name().chars().count())
        .max()
        .unwrap_or(8);
    let key_w = entries
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(4)
        .min(18);
    let desc_w = entries
        .iter()
        .map(|(_, b)| b.describe().chars().count())
        .max()
        .unwrap_or(10);
    let inner_h = area.height.saturating_sub(2) as usize;
    let two_columns = entries.len() > inner_h.max(1);
    let col_w = if two_columns {
        area.width.saturating_sub(2) as usize / 2
    } else {
        area.width.saturating_sub(2) as usize
    };
    // A cut-off name is worse than none: narrow screens show key and meaning.
    let show_names = key_w + desc_w + name_w + 3 <= col_w;
    // The help's own offers (closing it), then what its names are for.
    let close: String = app
        .keymap
        .hints_where(Context::Help, |b| app.bind_live(b))
        .into_iter()
        .map(|h| format!("{} {} · ", h.key, h.label))
        .collect();
    let hint = if show_names {
        format!(" {close}names on the right are for [keys] in the config ")
    } else {
        format!(" {close}")
    };
    let block = super::frame::block(
        Span::styled(format!(" Keys: {} ", ctx.label()), s.accent),
        s.border_focus,
    )
    .title_bottom(Span::styled(hint, s.muted))
    // Up here rather than as a last line, so 80x24 keeps one column.
    .title(Line::styled(" mouse: click focuses, wheel scrolls ", s.muted).right_aligned());
    // The action's name is what `[keys]` in the config file rebinds.
    let mut lines: Vec<Line> = entries
        .into_iter()
        .map(|(k, b)| {
            let mut spans = vec![
                Span::styled(format!(" {k:<key_w$} "), s.accent),
                Span::styled(format!("{:<desc_w$} ", b.describe()), s.text),
            ];
            if show_names {
                spans.push(Span::styled(b.name(), s.muted));
            }
            Line::from(spans)
        })
        .collect();
    if ctx == Context::Edit {
        // The field's own editing keys: not actions, but keys all the same.
        lines.push(Line::styled(" in a text field:", s.muted));
        lines.extend(app.keymap.editing_help().into_iter().map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<key_w$} "), s.accent),
                Span::styled(what, s.text),
            ])
        }));
    }
    // Two columns when one does not fit (80x24); when two do not either,
    // both scroll together (j/k) and the border says how much is below.
    let rows = inner_h.max(1);
    let half = lines.len().div_ceil(2);
    let hidden = half.saturating_sub(rows);
    let scroll = app.help_scroll.min(hidden);
    let block = if hidden > 0 {
        let below = hidden - scroll;
        block.title_bottom(
            Line::styled(
                if below > 0 {
                    format!(" j/k scroll: {below} more row(s) ")
                } else {
                    " k scrolls back ".to_string()
                },
                s.warning,
            )
            .right_aligned(),
        )
    } else if !show_names {
        block.title_bottom(
            Line::styled(" a wider terminal also shows the [keys] names ", s.muted).right_aligned(),
        )
    } else {
        block
    };
    let inner = super::frame::draw(frame, area, block);
    if lines.len() <= rows {
        frame.render_widget(Paragraph::new(lines), inner);
    } else {
        let right = lines.split_off(half.max(lines.len().saturating_sub(rows)));
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        let window = |v: Vec<Line<'static>>| -> Vec<Line<'static>> {
            v.into_iter().skip(scroll).take(rows).collect()
        };
        frame.render_widget(Paragraph::new(window(lines)), a);
        frame.render_widget(Paragraph::new(window(right)), b);
    }
}
