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
    let endpoint = Span::styled(format!(" @ {}  ", app.profile().endpoint), s.text);
    let up = Span::styled(format!("  {}", uptime(app)), s.muted);
    let width = |sp: &[&Span]| -> usize { sp.iter().map(|x| x.content.chars().count()).sum() };
    let profile = profile_span(app, s);
    let badges: Vec<&Span> = spans.iter().collect();
    // Everything before the notice, and the notice's `  │ ` separator.
    let fixed = width(&badges) + width(&[&profile, &endpoint, &up]) + conn.chars().count() + 4;
    let squeezed = app
        .notice
        .as_ref()
        .is_some_and(|n| fixed + n.text.chars().count() > info.width as usize);
    spans.push(profile);
    if squeezed {
        // A notice needs the room more than the endpoint and uptime,
        // which the picker and the counters still show.
        spans.push(Span::raw("  "));
        spans.push(Span::styled(conn, cstyle));
    } else {
        spans.extend([endpoint, Span::styled(conn, cstyle), up]);
    }
    if let Some(n) = &app.notice {
        let style = match n.level {
            Level::Info => s.text,
            Level::Warn => s.warning,
            Level::Error => s.error,
        };
        spans.push(Span::styled("  │ ", s.muted));
        let used: usize = spans.iter().map(|sp| sp.content.chars().count()).sum();
        let room = (info.width as usize).saturating_sub(used);
        if n.text.chars().count() <= room {
            spans.push(Span::styled(n.text.clone(), style));
        } else {
            // Cut, and where to read it whole.
            let key = app
                .keymap
                .key_for(app.context(), Bind::Messages)
                .or_else(|| app.keymap.key_for(Context::Global, Bind::Messages))
                .unwrap_or_else(|| Bind::Messages.name().into());
            let more = format!(" {key} more");
            let keep = room.saturating_sub(more.chars().count());
            spans.push(Span::styled(super::results::cut(&n.text, keep), style));
            spans.push(Span::styled(more, s.accent));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), info);

    let mut offers: Vec<(Bind, String, String, Style)> = app
        .keymap
        .hints_where(app.context(), |b| app.bind_live(b))
        .into_iter()
        .map(|h| {
            // A running burst's cancel stands out: it is there only while one runs.
            let label = if h.bind == Bind::CancelBurst {
                s.warning
            } else {
                s.muted
            };
            (h.bind, h.key, format!(" {}  ", h.label), label)
        })
        .collect();
    merge_picks(&mut offers);
    if app.context() == Context::Edit {
        // New operators learn here where the rest of the keys are.
        for h in app
            .keymap
            .hints_where(Context::ModeBar, |b| b == Bind::Help)
        {
            offers.push((
                h.bind,
                format!("│ {} then {}", leave_key(app), h.key),
                format!(" {}  ", h.label),
                s.muted,
            ));
        }
    }
    // Whole hints only: drop from the end what does not fit, keeping help,
    // quit and a running burst's cancel (help lists the rest).
    let width = |o: &[(Bind, String, String, Style)]| -> usize {
        o.iter()
            .map(|(_, k, l, _)| k.chars().count() + l.chars().count())
            .sum()
    };
    // The last hint's trailing gap may fall off the edge.
    while width(&offers).saturating_sub(2) > hints.width as usize {
        let Some(i) = offers
            .iter()
            .rposition(|(b, ..)| !matches!(b, Bind::Help | Bind::Quit | Bind::CancelBurst))
        else {
            break;
        };
        offers.remove(i);
    }
    let mut hs = Vec::new();
    for (_, key, label, style) in offers {
        hs.push(Span::styled(key, s.accent));
        hs.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(hs)), hints);
}

/// The key that leaves a text field, for "Esc then ? help".
fn leave_key(app: &App) -> String {
    app.keymap
        .key_for(Context::Edit, Bind::LeaveField)
        .unwrap_or_else(|| Bind::LeaveField.name().into())
}

/// The three mode picks side by side with one modifier (`Alt-1 sync
/// Alt-2 async Alt-3 oneway`) read as one hint: `Alt-1/2/3
/// sync/async/oneway`, so 80 columns keep all three.
fn merge_picks(offers: &mut Vec<(Bind, String, String, Style)>) {
    let picks = [Bind::PickSync, Bind::PickAsync, Bind::PickOneway];
    let Some(i) = offers.iter().position(|o| o.0 == Bind::PickSync) else {
        return;
    };
    let Some(group) = offers.get(i..i + 3) else {
        return;
    };
    if group.iter().map(|o| o.0).ne(picks) {
        return;
    }
    let Some((prefix, _)) = group[0].1.rsplit_once('-') else {
        return;
    };
    let mut tails = Vec::new();
    for o in group {
        match o.1.rsplit_once('-') {
            Some((p, tail)) if p == prefix => tails.push(tail.to_string()),
            _ => return,
        }
    }
    let labels: Vec<&str> = group.iter().map(|o| o.2.trim()).collect();
    let merged = (
        Bind::PickSync,
        format!("{prefix}-{}", tails.join("/")),
        format!(" {}  ", labels.join("/")),
        group[0].3,
    );
    offers.splice(i..i + 3, [merged]);
}
