//! The fetch overlay: the form (locator with its live classification,
//! topic, window, max), how complete the last answer is, the messages the
//! broker stored (store time, queue@offset, topic/tag, keys, body), and the
//! cursor's message in full with its body as text, pretty JSON or hex +
//! base64: every byte, scrolled, with a "+N more" marker when it does not
//! fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::results::cut;
use crate::console::app::{App, BodyView, FetchField, FetchView};
use crate::console::keymap::{Bind, Context};
use crate::theme::Styles;
use rmq_fetch::Stored;

pub fn render(frame: &mut Frame, area: Rect, app: &App, v: &FetchView, s: &Styles) {
    if let Some(lens) = v.lens.as_deref().filter(|l| l.showing) {
        return super::group::render(frame, area, app, lens, s);
    }
    let ctx = app.context();
    let title = Span::styled(format!(" {} ", title(v)), s.accent);
    let block = super::frame::hinted(
        super::frame::block(title, s.border_focus),
        app,
        ctx,
        s,
        area.width,
    );
    let inner = super::frame::draw(frame, area, block);
    let width = inner.width as usize;
    let mut lines = wrapped(form(app, v, s), width);
    if v.detail
        && let Some(m) = v.current()
    {
        let body_key = app
            .keymap
            .key_for(Context::Fetch, Bind::BodyView)
            .unwrap_or_default();
        let mut all = detail(m, v.body_view, &body_key, s);
        // `o`: which groups consumed it, under its ids.
        for (i, line) in super::group::consumed_lines(v, &m.offset_msg_id, s)
            .into_iter()
            .enumerate()
        {
            all.insert(1 + i, line);
        }
        // The other way: this session's sends of it (their journal records
        // carry `source: fetch:<offset msgId>`).
        let source = format!("fetch:{}", m.offset_msg_id);
        let mut resent: Vec<u64> = app
            .resent_from
            .iter()
            .filter(|(_, src)| **src == source)
            .map(|(seq, _)| *seq)
            .collect();
        resent.sort_unstable();
        if !resent.is_empty() {
            let seqs: Vec<String> = resent.iter().map(|q| format!("#{q}")).collect();
            all.insert(
                1,
                Line::from(vec![
                    Span::styled(format!("{:<14}", "resent as"), s.muted),
                    Span::styled(seqs.join(" "), s.text),
                ]),
            );
        }
        let rows = (inner.height as usize).saturating_sub(lines.len());
        let key = app
            .keymap
            .key_for(Context::Fetch, Bind::ScrollDown)
            .unwrap_or_default();
        lines.extend(super::body::page(
            all,
            width,
            rows,
            v.scroll as usize,
            &key,
            s,
        ));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let shown = v.shown();
    if v.answer.is_some() && shown.is_empty() {
        lines.push(Line::styled(
            if v.messages().is_empty() {
                "nothing found"
            } else {
                "no message matches the filter"
            },
            s.muted,
        ));
    }
    let rows = (inner.height as usize).saturating_sub(lines.len());
    let offset = (v.cursor + 1).saturating_sub(rows);
    for (n, (i, m)) in shown.iter().enumerate().skip(offset).take(rows) {
        let mark = if v.selected.contains(i) { "●" } else { " " };
        let at = chrono::DateTime::from_timestamp_millis(m.store_ms)
            .map(|t| match app.display_offset {
                Some(o) => t.with_timezone(&o).format("%m-%d %H:%M:%S").to_string(),
                None => t
                    .with_timezone(&chrono::Local)
                    .format("%m-%d %H:%M:%S")
                    .to_string(),
            })
            .unwrap_or_default();
        let what = match m.tag() {
            Some(t) => format!("{}/{t}", m.topic),
            None => m.topic.clone(),
        };
        let body = match std::str::from_utf8(&m.body) {
            Ok(t) => t.replace('\n', "⏎"),
            Err(_) => format!("({} bytes binary)", m.body.len()),
        };
        let text = format!(
            "{mark} {at} {}:{}@{} {what}  {}  {body}",
            m.broker,
            m.queue_id,
            m.queue_offset,
            m.keys().join(" ")
        );
        let line = Line::styled(cut(&text, width), s.text);
        lines.push(if n == v.cursor {
            super::selected(line, s)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `lines` with each one-style line longer than `width` broken between
/// words, so what was asked and how complete the answer is are read
/// whole (a broker's refusal can be long); lines of several styles (the
/// form's fields) are short and stay as they are.
fn wrapped<'a>(lines: Vec<Line<'a>>, width: usize) -> Vec<Line<'a>> {
    lines
        .into_iter()
        .flat_map(|line| match line.spans.as_slice() {
            [span] if line.width() > width => super::wrap::wrap(&span.content, width)
                .into_iter()
                .map(|t| Line::from(Span::styled(t, span.style)).style(line.style))
                .collect(),
            _ => vec![line],
        })
        .collect()
}

/// The form's lines, the classification, the answer's completeness and
/// the filter.
fn form<'a>(app: &App, v: &FetchView, s: &Styles) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    // Once answered, the form folds into the line saying what was asked
    // (`f` opens it again): the list gets the room.
    let fields: &[FetchField] = if v.editing { &FetchField::ORDER } else { &[] };
    for &f in fields {
        let focused = v.editing && v.field == f;
        let hint = match f {
            FetchField::Locator if v.locator.is_empty() => {
                "id, key:K, tag:T, TOPIC@BROKER:Q:OFFSET, Q@OFFSET, dlq:G, retry:G"
            }
            FetchField::Window if v.window.is_empty() => "2h, 3d, 10:00, 2026-12-06 10:00[..UNTIL]",
            FetchField::Max if v.max.is_empty() => "the locator's default",
            _ => "",
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("{}{:<8}", if focused { "▸ " } else { "  " }, f.label()),
                if focused { s.accent } else { s.muted },
            ),
            Span::styled(v.value(f).to_string(), s.text),
            Span::styled(if focused { "▏" } else { "" }, s.accent),
            Span::styled(hint, s.muted),
        ]));
        if f == FetchField::Locator {
            out.push(match &v.check {
                Ok(what) => Line::styled(format!("          → {what}"), s.success),
                Err(why) => Line::styled(format!("          ✗ {why}"), s.error),
            });
        }
    }
    if let Some((_, what)) = &v.pending {
        out.push(Line::styled(format!("fetching: {what}…"), s.accent));
    } else if let Some(why) = &v.error {
        out.push(Line::styled(format!("failed: {why}"), s.error));
    } else if let Some(a) = &v.answer {
        let style = if a.completeness.is_partial() {
            s.error
        } else {
            s.muted
        };
        let c = &a.completeness;
        let n = c.asked.len();
        out.push(Line::styled(
            format!(
                "{}: found {} · asked {n} broker{}, answered {}",
                v.asked,
                a.messages.len(),
                if n == 1 { "" } else { "s" },
                c.answered.len()
            ),
            style,
        ));
        // A refusal for want of rights first, in plain words (whose
        // credential, which topic), then the broker's.
        if let Some(d) = &c.denied {
            out.push(Line::styled(format!("✗ {}", d.headline()), s.error));
            out.push(Line::styled(format!("  {}", d.hint()), s.error));
            out.push(Line::styled(format!("  {}", d.broker_said()), style));
        }
        // One line each: a refusal is the broker's own words.
        for (b, cap) in &c.capped {
            out.push(Line::styled(
                format!("  cap {cap} reached on {b}: there may be more (narrow the window)"),
                style,
            ));
        }
        for (b, why) in &c.refused {
            // Said above already.
            if c.denied.as_ref().is_some_and(|d| d.brokers.contains(b)) {
                continue;
            }
            out.push(Line::styled(format!("  {b}: {why}"), style));
        }
        for n in &c.notes {
            out.push(Line::styled(format!("note: {n}"), s.muted));
        }
    }
    if let Some(n) = v.confirm {
        out.push(Line::styled(
            format!(
                "resend {n} message(s) to PROTECTED profile {}? {}",
                app.profile().name,
                app.keymap
                    .confirm_hint(Context::Fetch, Bind::Yes, Bind::Close)
            ),
            s.error,
        ));
    }
    if v.answer.is_some() {
        let mut spans = vec![
            Span::styled("filter: ", s.muted),
            Span::styled(v.filter.clone(), s.text),
            Span::styled(if v.filtering { "▏" } else { "" }, s.accent),
        ];
        if let Some(e) = &v.filter_error {
            spans.push(Span::styled(format!("  {e}"), s.error));
        }
        let mut pace = format!("   resend rate {}/s", v.rate());
        if let Some(pc) = &app.pacer {
            pace.push_str(&format!(" · {}", super::import::progress(pc)));
        }
        spans.push(Span::styled(pace, s.muted));
        out.push(Line::from(spans));
    }
    out
}

/// The pane's title: found, of which the filter keeps, selected.
fn title(v: &FetchView) -> String {
    let Some(a) = &v.answer else {
        return "Fetch from the broker".into();
    };
    let found = a.messages.len();
    let mut t = match &v.tail {
        Some(topic) => format!("Tail {topic} ({found}, newest first"),
        None if v.newest_first => format!("Fetched ({found}, newest first"),
        None => format!("Fetched ({found}"),
    };
    if v.following {
        t.push_str(", following");
    }
    if !v.filter.is_empty() {
        t.push_str(&format!(", {} match", v.shown().len()));
    }
    if !v.selected.is_empty() {
        t.push_str(&format!(", {} selected", v.selected.len()));
    }
    let c = &a.completeness;
    if c.denied.is_some() && c.answered.is_empty() {
        // Not a list cut short: none could be read.
        t.push_str(", REFUSED");
    } else if c.is_partial() {
        t.push_str(", PARTIAL");
    }
    t.push(')');
    t
}

/// One stored message in full, its body in `view`.
fn detail<'a>(m: &Stored, view: BodyView, key: &str, s: &Styles) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let mut field = |name: &str, value: String| {
        out.push(Line::from(vec![
            Span::styled(format!("{name:<14}"), s.muted),
            Span::styled(value, s.text),
        ]));
    };
    field("offset msgId", m.offset_msg_id.clone());
    if let Some(u) = m.uniq_key() {
        field("unique key", u.to_string());
    }
    field(
        "position",
        format!(
            "{} queue {}@{} (commit log {})",
            m.broker, m.queue_id, m.queue_offset, m.commit_log_offset
        ),
    );
    field("topic", m.topic.clone());
    if m.is_copy() || m.target_topic() != m.topic {
        field("resends to", m.target_topic().to_string());
    }
    if let Some(t) = m.tag() {
        field("tag", t.to_string());
    }
    let keys = m.keys();
    if !keys.is_empty() {
        field("keys", keys.join(" "));
    }
    let ms = |t: i64| {
        chrono::DateTime::from_timestamp_millis(t)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default()
    };
    field("stored", ms(m.store_ms));
    field(
        "born",
        format!("{} ({} ms before)", ms(m.born_ms), m.store_ms - m.born_ms),
    );
    field(
        "hosts",
        format!("born {} · store {}", m.born_host, m.store_host),
    );
    field("reconsumed", m.reconsume_times.to_string());
    for (k, v) in m.user_properties() {
        field("property", format!("{k}={v}"));
    }
    for (k, v) in m.system_properties() {
        field("system", format!("{k}={v} (not copied)"));
    }
    field("body", super::body::header(&m.body, view, key));
    for line in super::body::body_lines(&m.body, view) {
        out.push(Line::styled(line, s.text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    /// The answer's summary (`peek of GROUP's next unconsumed: … found 2 ·
    /// asked 1 broker, answered 1`) ran past 118 columns and was cut.
    #[test]
    fn a_long_summary_is_broken_between_words_and_kept_whole() {
        let long = "peek of it_billing_14969_40's next unconsumed: it_lens_14969_38 broker-a queue 0 @ 4: found 1 · asked 1 broker, answered 1";
        let style = Style::new().bold();
        let field = Line::from(vec![Span::raw("  topic   "), Span::raw("orders")]);
        let out = wrapped(vec![Line::styled(long, style), field.clone()], 60);
        assert!(out.len() > 2, "{out:?}");
        let text: Vec<String> = out[..out.len() - 1].iter().map(|l| l.to_string()).collect();
        assert!(text.iter().all(|t| t.chars().count() <= 60), "{text:?}");
        assert_eq!(text.join(" "), long, "every word, in order");
        assert!(out[..out.len() - 1].iter().all(|l| l.style == style));
        assert_eq!(out.last(), Some(&field), "a line of several spans stays");
    }
}
