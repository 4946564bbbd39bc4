//! What the screen shows of issue 27's frictions: every key of a burst,
//! the msgId whole or not at all, the wide view, the width shared by need,
//! problems wrapped, one pane at 80x24, "+N more", whole hints, the
//! message log, the filter and pause markers, and the built-in themes
//! (readable text, one selection style, one background).

use std::path::Path;
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

use super::tests::{busy_app, draw, empty_app, in_log, t0};
use crate::console::app::{Action, App, Focus};
use crate::console::harness::Harness;
use crate::theme::{Styles, builtin_names, load_styles};
use rmq_model::events::ProducerEvent;
use rmq_model::message::{Draft, Mode};

/// A burst's rows: keys `order-1` … `order-20`.
fn burst_app() -> App {
    let mut app = empty_app();
    for seq in 1..=20 {
        app.step(Action::Producer(ProducerEvent::Submitted {
            seq,
            mode: Mode::Async,
            draft: Arc::new(Draft {
                topic: "TopicTest".into(),
                tag: Some("tagA".into()),
                keys: vec![format!("order-{seq}")],
                body: b"{}".to_vec(),
                ..Default::default()
            }),
            at: t0(),
        }));
    }
    app.focus = Focus::Log;
    app
}

#[test]
fn a_bursts_rows_show_every_key_at_80_columns() {
    let screen = draw(&burst_app(), 80, 24);
    assert!(screen.contains("TopicTest/tagA/order-17 "), "{screen}");
    assert!(!screen.contains("order-1…"), "{screen}");
}

#[test]
fn the_msg_id_is_whole_or_not_there() {
    let mut app = busy_app();
    app.focus = Focus::Log;
    let id = rmq_model::fixtures::receipt(1).msg_id;
    // 120 columns: whole, after every key.
    let screen = draw(&app, 120, 40);
    assert!(
        screen.contains(&format!("TopicTest/tagA/k1 other  {id}")),
        "{screen}"
    );
    // 80: the keys keep their room and no cut id is shown.
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("TopicTest/tagA/k1 other"), "{screen}");
    assert!(!screen.contains("7F00000100"), "a cut msgId:\n{screen}");
}

#[test]
fn the_wide_view_shows_every_field_on_a_second_line() {
    let mut h = in_log(busy_app());
    h.press("w");
    let id = rmq_model::fixtures::receipt(1).msg_id;
    h.assert_shows(&format!("msgId {id}"))
        .assert_shows("region=eu")
        .assert_shows("body hello⏎world");
    insta::assert_snapshot!("results_wide_80x24", h.screen());
    h.press("w");
    assert!(!h.screen().contains("region=eu"));
}

#[test]
fn at_200_columns_a_row_carries_every_field() {
    let mut app = busy_app();
    app.focus = Focus::Log;
    let screen = draw(&app, 200, 50);
    let id = rmq_model::fixtures::receipt(1).msg_id;
    let row = screen.lines().find(|l| l.contains("#1 ")).unwrap();
    assert!(
        row.contains(&format!(
            "TopicTest/tagA/k1 other  {id}  broker-a:1@41  hello⏎world"
        )),
        "{row}"
    );
}

#[test]
fn the_composer_takes_the_width_the_counters_do_not_need() {
    let app = busy_app();
    // 120: the composer runs the full width, the counters are a strip.
    let p = super::layout(Rect::new(0, 0, 120, 40), &app);
    assert_eq!(p.composer.width, 120);
    assert_eq!(p.counters.height, 4);
    // 200: side by side, the counters as wide as their table.
    let p = super::layout(Rect::new(0, 0, 200, 50), &app);
    assert_eq!(p.counters.width, super::counters::pane_width(&app));
    assert_eq!(p.composer.width, 200 - p.counters.width);
    assert!(p.composer.width > 120, "{p:?}");
}

/// `typed` in the type row, then the mode `mode_key` from the mode bar.
fn type_row(typed: &str, mode_key: &str) -> Harness {
    let mut h = Harness::new(empty_app(), 120, 40);
    h.press("shift-tab").press("shift-tab").press("shift-tab");
    assert_eq!(h.app().focus, Focus::Type);
    h.type_text(typed).press("esc").press(mode_key);
    h
}

#[test]
fn composer_problems_wrap_instead_of_being_cut() {
    let h = type_row("fifo order-1", "2");
    let app = h.app();
    // FIFO asked in async goes sync: the type row's note says so, in full.
    let err = app.composer.notes.get(&Focus::Type).expect("a note");
    assert!(err.contains("sent sync"), "{err}");
    let screen = draw(app, 120, 40);
    // Every word of it on the screen, whatever the width.
    for word in err.split(' ') {
        assert!(screen.contains(word), "{word} missing:\n{screen}");
    }
    assert!(!screen.contains("af…"), "{screen}");
    insta::assert_snapshot!("composer_problem_wraps_120x40", screen);
}

#[test]
fn eighty_by_twenty_four_shows_one_pane_at_a_time() {
    let mut app = busy_app();
    let composing = draw(&app, 80, 24);
    assert!(
        composing.contains("Composer ─ Ctrl-T results"),
        "{composing}"
    );
    assert!(!composing.contains("Results ("), "{composing}");
    app.focus = Focus::Log;
    let reading = draw(&app, 80, 24);
    assert!(!reading.contains("Composer"), "{reading}");
    insta::assert_snapshot!("single_pane_results_80x24", reading);
    // The mode line is one line, cut between words.
    let p = super::layout(Rect::new(0, 0, 80, 24), &app);
    assert_eq!(p.mode_bar.height, 1);
    let mode = reading
        .lines()
        .find(|l| l.contains("Mode [1 Sync]"))
        .unwrap();
    assert!(mode.contains("msgId…"), "{mode}");
}

#[test]
fn a_field_that_scrolls_says_how_much_it_hides() {
    let mut h = Harness::new(empty_app(), 80, 24);
    h.press("tab").press("tab").press("tab").press("tab");
    assert_eq!(h.app().focus, Focus::Body);
    let body: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
    h.paste(&body.join("\n"));
    let shown = h.screen();
    let hidden = h.app().composer.body.lines().len();
    assert_eq!(hidden, 30);
    assert!(shown.contains(" more"), "{shown}");
    let n: usize = shown
        .lines()
        .find_map(|l| l.split('+').nth(1)?.split(" more").next()?.parse().ok())
        .expect("a +N more marker");
    assert!(n > 0 && n < 30, "{n}");
}

#[test]
fn hints_and_notices_are_whole_at_80_columns() {
    for focus in [Focus::Topic, Focus::ModeBar, Focus::Log] {
        let mut app = busy_app();
        app.focus = focus;
        let screen = draw(&app, 80, 24);
        let footer = screen.lines().last().unwrap().trim_matches('"').trim_end();
        assert!(
            footer.ends_with("help") || footer.ends_with("quit"),
            "{focus:?}: {footer}"
        );
    }
    let mut h = in_log(busy_app());
    h.press("esc");
    let long = "the broker refused the message: CODE: 14 DESC: service not available now, \
                maybe disk full, CL: 0.95 CQ: 0.95 INDEX: 0.95, stop writing";
    h.lp.app.warn(long.into());
    h.press("k");
    let status = h.screen().lines().rev().nth(1).unwrap().to_string();
    assert!(status.contains("m more"), "{status}");
    h.press("m");
    h.assert_shows("stop writing");
    insta::assert_snapshot!("message_log_80x24", h.screen());
}

#[test]
fn the_results_title_says_filter_pause_and_new_rows() {
    let mut h = Harness::new(burst_app(), 120, 40);
    h.press("/").type_text("order-1").press("enter");
    h.press("j");
    h.emit(ProducerEvent::Submitted {
        seq: 21,
        mode: Mode::Sync,
        draft: Arc::new(Draft {
            topic: "TopicTest".into(),
            keys: vec!["order-19".into()],
            body: b"{}".to_vec(),
            ..Default::default()
        }),
        at: t0(),
    });
    insta::assert_snapshot!("results_filtered_paused_120x40", h.screen());
    h.assert_shows("1 new ↑");
}

#[test]
fn help_in_a_text_field_lists_the_editing_keys() {
    let mut h = Harness::new(empty_app(), 80, 24);
    h.press("esc").press("?");
    // Help from the mode bar: its keys. From a field, the field's keys.
    h.press("esc").press("i");
    assert_eq!(h.app().focus, Focus::Topic);
    h.lp.app.overlay = crate::console::app::Overlay::Help;
    let screen = draw(h.app(), 120, 40);
    assert!(
        screen.contains("Ctrl-K") && screen.contains("delete to end of line"),
        "{screen}"
    );
    assert!(screen.contains("undo (not kill-line)"), "{screen}");
    assert!(
        !screen.contains("redo"),
        "Ctrl-R restarts the producer:\n{screen}"
    );
    insta::assert_snapshot!("help_text_field_120x40", screen);
}

fn styled(app: &App, styles: &Styles, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| super::render(f, app, styles)).unwrap();
    term
}

fn themes() -> Vec<(&'static str, Styles)> {
    builtin_names()
        .into_iter()
        .map(|n| (n, load_styles(n, Path::new("/nonexistent")).unwrap()))
        .collect()
}

/// `busy_app` on the results log, the second row selected, a notice.
fn themed_app() -> App {
    let mut app = busy_app();
    app.focus = Focus::Log;
    app.selected = 1;
    app.warn("a warning to read".into());
    app
}

#[test]
fn a_snapshot_per_builtin_theme() {
    for (name, styles) in themes() {
        let term = styled(&themed_app(), &styles, 80, 24);
        insta::assert_debug_snapshot!(format!("theme_{name}_80x24"), term.backend().buffer());
    }
}

#[test]
fn no_theme_draws_text_in_colour_8_and_the_selection_is_one_style() {
    for (name, styles) in themes() {
        let term = styled(&themed_app(), &styles, 80, 24);
        let buf = term.backend().buffer();
        for cell in buf.content.iter().filter(|c| !c.symbol().trim().is_empty()) {
            assert!(
                !matches!(cell.fg, Color::DarkGray | Color::Indexed(8)),
                "{name}: `{}` in colour 8",
                cell.symbol()
            );
        }
        // The selected row (the second results line): every cell alike.
        let row = (0..buf.area.height)
            .find(|y| {
                (0..80)
                    .map(|x| buf[(x, *y)].symbol())
                    .collect::<String>()
                    .contains("#4 ")
            })
            .unwrap();
        let cells: Vec<_> = (1..79).map(|x| &buf[(x, row)]).collect();
        let first = (cells[0].fg, cells[0].bg, cells[0].modifier);
        assert!(
            cells.iter().all(|c| (c.fg, c.bg, c.modifier) == first),
            "{name}: the selected row mixes styles"
        );
        assert!(
            first.2.contains(Modifier::REVERSED) || first.1 != Color::Reset,
            "{name}: the selection does not stand out"
        );
    }
}

#[test]
fn the_screen_and_its_pop_ups_share_one_background() {
    for (name, styles) in themes() {
        let mut app = themed_app();
        app.overlay = crate::console::app::Overlay::Help;
        let term = styled(&app, &styles, 120, 40);
        let buf = term.backend().buffer();
        let base = styles.base.bg.unwrap_or(Color::Reset);
        // Outside the selected row and the badges, every cell is on the
        // theme's background (the terminal's own for `reset`).
        let odd = buf
            .content
            .iter()
            .filter(|c| c.bg != base && !c.modifier.contains(Modifier::REVERSED))
            .filter(|c| styles.selection.bg != Some(c.bg))
            .count();
        assert_eq!(odd, 0, "{name}: {odd} cells on another background");
    }
    // Default: the terminal's own background, nothing painted.
    let default = load_styles("default", Path::new("/nonexistent")).unwrap();
    assert_eq!(default.base.bg, Some(Color::Reset));
}
