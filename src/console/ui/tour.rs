//! The guided tour's narration panel: which step of how many, what the step
//! shows, what to watch, and what it sends; above the counters and results
//! where the step's rows appear.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::app::{App, TourState};
use crate::console::keymap::Context;
use crate::theme::Styles;
use crate::tour::StepAction;

/// The panel's lines for an inner width of `width`.
fn lines(t: &TourState, width: usize, s: &Styles) -> Vec<Line<'static>> {
    let step = &t.tour.steps[t.step];
    let mut out: Vec<Line<'static>> = super::wrap::wrap(&step.narration, width)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, s.text)))
        .collect();
    if let Some(watch) = &step.watch {
        // "Watch: " leads the first line; the rest wrap under it.
        let text = format!("Watch: {watch}");
        for (i, l) in super::wrap::wrap(&text, width).into_iter().enumerate() {
            let line = match l.strip_prefix("Watch:").filter(|_| i == 0) {
                Some(rest) => Line::from(vec![
                    Span::styled("Watch:", s.accent),
                    Span::styled(rest.to_string(), s.text),
                ]),
                None => Line::from(Span::styled(l, s.text)),
            };
            out.push(line);
        }
    }
    out.push(Line::from(Span::styled(sends_line(t, width), s.muted)));
    out
}

/// What the step sends, in one line (cut to the width: the composer above
/// or the rows below show it whole).
fn sends_line(t: &TourState, width: usize) -> String {
    let topic = &t.tour.topic;
    let what = match &t.tour.steps[t.step].action {
        StepAction::Nothing => return "Sends nothing".to_string(),
        StepAction::Send(x) => format!(
            "{} × {} · {} · \"{}\" → {topic}",
            x.count,
            x.mode.label(),
            x.type_row,
            x.body
        ),
        StepAction::Compare {
            count,
            body_bytes,
            pacing,
        } => format!(
            "{count} × {body_bytes} B in each mode (the compare view){} → {topic}",
            pacing.map_or(String::new(), |p| format!(", one-way paced {p}/s"))
        ),
    };
    // The state first: a long body is what the width cuts.
    let what = match t.runs[t.step] {
        0 => format!("Not sent yet: {what}"),
        1 => format!("Sends {what}"),
        n => format!("Sent {n} times: {what}"),
    };
    if what.chars().count() > width {
        let cut: String = what.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        what
    }
}

/// Rows the panel needs at `width` columns, borders included: the lines
/// `lines` makes, counted without styling them.
pub fn height(app: &App, width: u16) -> u16 {
    app.tour.as_ref().map_or(0, |t| {
        let w = width.saturating_sub(2) as usize;
        let step = &t.tour.steps[t.step];
        let watch = step
            .watch
            .as_ref()
            .map_or(0, |x| super::wrap::wrap(&format!("Watch: {x}"), w).len());
        (super::wrap::wrap(&step.narration, w).len() + watch + 1 + 2) as u16
    })
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, s: &Styles) {
    let Some(t) = &app.tour else { return };
    let step = &t.tour.steps[t.step];
    let title = format!(
        " Tour {}/{} · {} ",
        t.step + 1,
        t.tour.steps.len(),
        step.title
    );
    let focused = app.context() == Context::Tour;
    let block = super::frame::block(
        Span::styled(title, s.accent),
        if focused { s.border_focus } else { s.border },
    )
    .title(Line::from(Span::styled(format!(" {} ", t.tour.title), s.muted)).right_aligned());
    let block = if focused {
        super::frame::hinted(block, app, Context::Tour, s, area.width)
    } else {
        block
    };
    let inner = super::frame::draw(frame, area, block);
    frame.render_widget(Paragraph::new(lines(t, inner.width as usize, s)), inner);
}
