//! The status bar: profile, endpoint, connection, producer uptime, sandbox
//! marker, the latest notice, and key hints generated from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::app::{App, Level};
use crate::console::keymap::{Bind, Context};
use crate::theme::Styles;
use rmq_model::events::Connection;

pub fn uptime(app: &App) -> String {
    match app.uptime() {
        None => "-".into(),
        Some(d) => {
            let m = d.as_secs() / 60;
            if m >= 60 {
                format!("up {}h{:02}m", m / 60, m % 60)
            } else {
                format!("up {m}m")
            }
        }
    }
}

/// Black or white, whichever reads better on `bg`.
fn text_on(bg: Color) -> Color {
    let dark = match bg {
        Color::Rgb(r, g, b) => (299 * r as u32 + 587 * g as u32 + 114 * b as u32) / 1000 < 140,
        Color::Indexed(i) => i < 7 || (16..232).contains(&i) && (i - 16) / 36 < 3,
        Color::Black
        | Color::Red
        | Color::Blue
        | Color::Magenta
        | Color::DarkGray
        | Color::LightBlue
        | Color::Reset => true,
        _ => false,
    };
    if dark { Color::White } else { Color::Black }
}

/// The profile name, on the profile's marker colour when it has one.
fn profile_span(app: &App, s: &Styles) -> Span<'static> {
    let name = &app.profile().name;
    match app.profile().color {
        // A theme without colours (NO_COLOR) gets no marker colour either:
        // the marker is the theme's highlight instead.
        Some(_) if s.accent.fg.is_none() => {
            Span::styled(format!(" {name} "), s.accent.patch(s.selection))
        }
        Some(bg) => Span::styled(
            format!(" {name} "),
            Style::default()
                .bg(bg)
                .fg(text_on(bg))
                .add_modifier(Modifier::BOLD),
        ),
        None => Span::styled(name.clone(), s.accent),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let [info, hints] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let (conn, cstyle) = match (&app.connection, app.producer_alive) {
        (_, _) if app.quitting.is_none() && app.switching.is_some() => (
            format!(
                "switching to {}…",
                app.switching
                    .as_ref()
                    .and_then(|sw| app.profiles.get(sw.to))
                    .map_or("?", |p| p.name.as_str())
            ),
            s.warning,
        ),
        (_, _) if app.quitting.is_some() => (
            format!("quitting, {} in flight", app.in_flight_total()),
            s.warning,
        ),
        (Connection::Starting, true) => ("○ connecting".to_string(), s.warning),
        (Connection::Ready, true) => ("● ready".to_string(), s.success),
        (Connection::Failed(_), _) => ("✗ failed".to_string(), s.error),
        (Connection::Unreachable(_), true) => ("✗ unreachable".to_string(), s.error),
        (Connection::Stopped, _) | (_, false) => ("■ stopped".to_string(), s.error),
    };
    let mut spans = Vec::new();
    if app.profile().sandbox {
        spans.push(Span::styled(" SANDBOX ", s.warning.patch(s.selection)));
        spans.push(Span::raw(" "));
    }
    if app.profile().protected {
        spans.push(Span::styled(" PROTECTED ", s.error.patch(s.selection)));
        spans.push(Span::raw(" "));
    }
    if !app.profile().journal {
        spans.push(Span::styled(" JOURNAL OFF ", s.warning.patch(s.selection)));
        spans.push(Span::raw(" "));
    }
    spans.extend([
        profile_span(app, s),
        Span::styled(format!(" @ {}  ", app.profile().endpoint), s.text),
        Span::styled(conn, cstyle),
        Span::styled(format!("  {}", uptime(app)), s.muted),
    ]);
    if let Some(n) = &app.notice {
        let style = match n.level {
            Level::Info => s.text,
            Level::Warn => s.warning,
            Level::Error => s.error,
        };
        spans.push(Span::styled("  │ ", s.muted));
        spans.push(Span::styled(n.text.clone(), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), info);

    let mut hs = Vec::new();
    for h in app.keymap.hints_where(app.context(), |b| app.bind_live(b)) {
        // A running burst's cancel stands out: it is there only while one runs.
        let label = if h.bind == Bind::CancelBurst {
            s.warning
        } else {
            s.muted
        };
        hs.push(Span::styled(h.key, s.accent));
        hs.push(Span::styled(format!(" {}  ", h.label), label));
    }
    if app.context() == Context::Edit {
        // New operators learn here how to reach the mode keys.
        hs.push(Span::styled("│ then ", s.muted));
        let modes = |b| {
            matches!(
                b,
                Bind::ModeSync | Bind::ModeAsync | Bind::ModeOneway | Bind::Help
            )
        };
        for h in app.keymap.hints_where(Context::ModeBar, modes) {
            hs.push(Span::styled(h.key, s.accent));
            hs.push(Span::styled(format!(" {}  ", h.label), s.muted));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(hs)), hints);
}
