//! Snapshot tests of each pane and the full screen on `TestBackend`, with a
//! fixed clock and a fixed display zone so they pass in any TZ.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Local, TimeZone};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use ratatui::style::Color;

use crate::console::app::ProfileChoice;
use crate::console::app::{Action, App, AppConfig, Focus, Overlay};
use crate::console::harness::Harness;
use crate::console::keymap::Keymap;
use crate::theme::Styles;
use rmq_engine::producer::ProducerSettings;
use rmq_model::events::{Connection, ProducerEvent};
use rmq_model::fixtures::receipt;
use rmq_model::message::{Completion, Draft, Failure, Mode, Outcome};

pub fn t0() -> DateTime<Local> {
    Local.timestamp_millis_opt(1_700_000_000_123).unwrap()
}

fn at(ms: i64) -> DateTime<Local> {
    t0() + chrono::Duration::milliseconds(ms)
}

fn settings(addr: &str) -> ProducerSettings {
    let mut st = ProducerSettings::new(addr);
    st.send_timeout = Duration::from_secs(3);
    st
}

/// Two config profiles (one unusable), the sandbox the session started on,
/// and a protected production profile with a marker colour.
pub fn profiles() -> Vec<ProfileChoice> {
    let base = ProfileChoice {
        name: String::new(),
        endpoint: String::new(),
        protected: false,
        confirm_invalid_json: true,
        color: None,
        default_topic: None,
        default_tag: None,
        settings: Ok(settings("127.0.0.1:9876")),
        sandbox: false,
        journal: true,
    };
    vec![
        ProfileChoice {
            name: "staging".into(),
            endpoint: "10.0.0.5:9876".into(),
            default_topic: Some("StagingTopic".into()),
            default_tag: Some("stg".into()),
            settings: Ok(settings("10.0.0.5:9876")),
            ..base.clone()
        },
        ProfileChoice {
            name: "cloud".into(),
            endpoint: "rmq-cn-x.cn-hangzhou.rmq.aliyuncs.com:8080".into(),
            settings: Err(
                "profile \"cloud\": environment variable RMQ_AK (access-key-env) is not set".into(),
            ),
            ..base.clone()
        },
        ProfileChoice {
            name: "sandbox".into(),
            endpoint: "127.0.0.1:9876".into(),
            default_topic: Some("TopicTest".into()),
            sandbox: true,
            ..base.clone()
        },
        ProfileChoice {
            name: "production".into(),
            endpoint: "10.1.0.1:9876;10.1.0.2:9876".into(),
            protected: true,
            confirm_invalid_json: true,
            color: Some(Color::Red),
            default_topic: Some("Orders".into()),
            settings: Ok(settings("10.1.0.1:9876;10.1.0.2:9876")),
            ..base
        },
    ]
}

pub fn empty_app() -> App {
    let mut app = App::new(
        AppConfig {
            profiles: profiles(),
            current: 2,
            results_capacity: 1000,
            keymap: Keymap::default(),
            leave_after_send: true,
        },
        t0() - chrono::Duration::seconds(7 * 60 + 5),
    );
    app.display_offset = Some(FixedOffset::east_opt(0).unwrap());
    app.step(Action::Tick(t0()));
    app
}

/// `empty_app` with a body typed: a message ready to send.
pub fn ready_app() -> App {
    let mut app = empty_app();
    app.composer.body = ratatui_textarea::TextArea::new(vec!["hello".into()]);
    // An edit that types nothing checks the composer again.
    app.step(Action::Edit(ratatui_textarea::Input::default()));
    app
}

/// `app` on the harness (80x24) with the keyboard on the results log.
pub fn in_log(mut app: App) -> Harness {
    app.focus = Focus::Log;
    Harness::new(app, 80, 24)
}

fn draft(key: &str) -> Arc<Draft> {
    Arc::new(Draft {
        topic: "TopicTest".into(),
        tag: Some("tagA".into()),
        keys: vec![key.into(), "other".into()],
        properties: vec![("region".into(), "eu".into())],
        body: b"hello\nworld".to_vec(),
        kind: Default::default(),
    })
}

fn ev(app: &mut App, e: ProducerEvent) {
    app.step(Action::Producer(e));
}

fn done(seq: u64, mode: Mode, outcome: Outcome, sub: i64, lat: i64) -> ProducerEvent {
    ProducerEvent::Completed(Completion {
        seq,
        mode,
        outcome,
        submitted_at: at(sub),
        completed_at: at(sub + lat),
        latency: Duration::from_millis(lat as u64),
    })
}

fn submitted(seq: u64, mode: Mode, ms: i64) -> ProducerEvent {
    ProducerEvent::Submitted {
        seq,
        mode,
        draft: draft(&format!("k{seq}")),
        at: at(ms),
    }
}

/// One send per mode, an async callback, a failure and one still in flight.
pub fn busy_app() -> App {
    let mut app = empty_app();
    ev(&mut app, ProducerEvent::Connection(Connection::Ready));
    ev(&mut app, submitted(1, Mode::Sync, -3000));
    ev(
        &mut app,
        done(1, Mode::Sync, Outcome::Acknowledged(receipt(1)), -3000, 12),
    );
    ev(
        &mut app,
        ProducerEvent::Queued {
            seq: 2,
            mode: Mode::Async,
            at: at(-2500),
        },
    );
    ev(&mut app, submitted(2, Mode::Async, -2490));
    ev(
        &mut app,
        done(2, Mode::Async, Outcome::Acknowledged(receipt(2)), -2490, 31),
    );
    ev(&mut app, submitted(3, Mode::Oneway, -2000));
    ev(
        &mut app,
        done(3, Mode::Oneway, Outcome::Dispatched, -2000, 1),
    );
    ev(&mut app, submitted(4, Mode::Sync, -1500));
    ev(
        &mut app,
        done(
            4,
            Mode::Sync,
            Outcome::Failed(Failure {
                reason: "CODE: 17 DESC: topic[Nope] not exist, apply first please!".into(),
                code: Some(17),
            }),
            -1500,
            8,
        ),
    );
    ev(&mut app, submitted(5, Mode::Async, -200));
    app.composer.body = ratatui_textarea::TextArea::new(vec!["hello".into(), "world".into()]);
    app.step(Action::Edit(ratatui_textarea::Input::default()));
    app.step(Action::Tick(t0()));
    app
}

pub fn draw(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| super::render(f, app, &Styles::no_color()))
        .unwrap();
    term.backend().to_string()
}

fn draw_pane(w: u16, h: u16, f: impl FnOnce(&mut ratatui::Frame, Rect)) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|frame| {
        let area = frame.area();
        f(frame, area)
    })
    .unwrap();
    term.backend().to_string()
}

#[test]
fn full_screen_80x24() {
    insta::assert_snapshot!(draw(&busy_app(), 80, 24));
}

#[test]
fn full_screen_120x40() {
    insta::assert_snapshot!(draw(&busy_app(), 120, 40));
}

#[test]
fn full_screen_empty_80x24() {
    insta::assert_snapshot!(draw(&empty_app(), 80, 24));
}

#[test]
fn pane_composer_with_errors() {
    let mut app = empty_app();
    for c in "!x".chars() {
        app.step(Action::Edit(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    app.focus = Focus::Props;
    for c in "KEYS=x".chars() {
        app.step(Action::Edit(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    let s = Styles::no_color();
    insta::assert_snapshot!(draw_pane(80, 12, |f, a| super::composer::render(
        f, a, &app, &s, false
    )));
}

#[test]
fn pane_mode_bar() {
    let mut app = empty_app();
    // Render reads state; the key that sets it is the App's business.
    app.mode = Mode::Async;
    let s = Styles::no_color();
    insta::assert_snapshot!(draw_pane(80, 2, |f, a| super::mode_bar::render(
        f, a, &app, &s
    )));
}

#[test]
fn pane_results() {
    let mut h = in_log(busy_app());
    h.press("j");
    let app = h.app();
    let s = Styles::no_color();
    insta::assert_snapshot!(draw_pane(120, 9, |f, a| super::results::render(
        f, a, app, &s
    )));
}

#[test]
fn pane_counters() {
    let app = busy_app();
    let s = Styles::no_color();
    insta::assert_snapshot!(draw_pane(80, 4, |f, a| super::counters::render(
        f, a, &app, &s
    )));
}

#[test]
fn pane_status() {
    let app = busy_app();
    let s = Styles::no_color();
    insta::assert_snapshot!(draw_pane(80, 2, |f, a| super::status::render(
        f, a, &app, &s
    )));
}

#[test]
fn overlay_help() {
    let mut h = in_log(busy_app());
    h.press("?");
    let app = h.app();
    insta::assert_snapshot!(draw(app, 80, 24));
}

#[test]
fn overlay_detail() {
    let mut h = in_log(busy_app());
    // One row per send, newest first: 3 = #2, acknowledged by callback.
    for _ in 0..3 {
        h.press("j");
    }
    h.press("enter");
    let app = h.app();
    insta::assert_snapshot!(draw(app, 120, 40));
}

#[test]
fn overlay_repeat_form() {
    let mut app = busy_app();
    app.focus = Focus::ModeBar;
    let mut h = Harness::new(app, 80, 24);
    // `x` cancels a burst on the mode bar; in the form it is typed.
    h.press("r").press("tab").press("x");
    let app = h.app();
    insta::assert_snapshot!(draw(app, 80, 24));
}

#[test]
fn overlay_confirm() {
    let mut app = busy_app();
    app.profiles[app.current].protected = true;
    // Ctrl-S sends from the composer's text field too.
    assert!(app.takes_text());
    let mut h = Harness::new(app, 80, 24);
    h.press("ctrl-s");
    let app = h.app();
    insta::assert_snapshot!(draw(app, 80, 24));
}

#[test]
fn render_is_stable_under_no_color_and_colour() {
    // The coloured palette must draw the same characters.
    let app = busy_app();
    let mut a = Terminal::new(TestBackend::new(80, 24)).unwrap();
    a.draw(|f| super::render(f, &app, &Styles::fallback()))
        .unwrap();
    assert_eq!(a.backend().to_string(), draw(&app, 80, 24));
}

#[test]
fn odd_sizes_do_not_panic_and_clicks_find_panes() {
    let mut app = busy_app();
    for (w, h) in [(20, 5), (40, 10), (79, 23), (200, 60), (1, 1)] {
        let _ = draw(&app, w, h);
    }
    // Rows found on the screen drawn, so the layout can change.
    let row_of = |app: &App, w: u16, h: u16, text: &str| {
        draw(app, w, h)
            .lines()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("{text} not on screen")) as u16
    };
    for (w, h) in [(120, 40), (80, 24)] {
        let area = Rect::new(0, 0, w, h);
        assert_eq!(super::hit_test(area, &app, 10, 1), Some(Focus::Topic));
        let body = row_of(&app, w, h, " Body ");
        assert_eq!(super::hit_test(area, &app, 10, body), Some(Focus::Body));
        let mode = row_of(&app, w, h, "Mode [1 Sync]");
        assert_eq!(super::hit_test(area, &app, 10, mode), Some(Focus::ModeBar));
    }
    // 120x40 shows the results under the composer.
    let area = Rect::new(0, 0, 120, 40);
    let second = row_of(&app, 120, 40, "#4 ");
    assert_eq!(super::hit_test(area, &app, 10, second), Some(Focus::Log));
    assert_eq!(super::log_index_at(area, &app, second), Some(1));
    assert_eq!(super::log_index_at(area, &app, 3), None);
    // At 80x24 the results replace the composer once the log has the keys.
    let area = Rect::new(0, 0, 80, 24);
    app.focus = Focus::Log;
    let second = row_of(&app, 80, 24, "#4 ");
    assert_eq!(super::hit_test(area, &app, 10, second), Some(Focus::Log));
    assert_eq!(super::log_index_at(area, &app, second), Some(1));
    app.focus = Focus::Topic;
    // The loop draws the help on a 30x8 terminal.
    app.focus = Focus::Log;
    let mut h = Harness::new(app, 30, 8);
    h.press("?");
    assert!(matches!(h.app().overlay, Overlay::Help));
}

/// Opens the picker from the results log, cursor on `i`.
fn open_picker(h: &mut Harness, i: usize) {
    assert_eq!(h.app().focus, Focus::Log);
    h.press("p");
    for _ in 0..h.app().profiles.len() {
        h.press("k");
    }
    for _ in 0..i {
        h.press("j");
    }
    assert!(matches!(h.app().overlay, Overlay::Picker { cursor } if cursor == i));
}

#[test]
fn overlay_picker() {
    let mut h = in_log(busy_app());
    open_picker(&mut h, 1);
    // Choosing the unusable profile shows why and keeps the picker open.
    h.press("enter");
    let app = h.app();
    insta::assert_snapshot!(draw(app, 80, 24));
}

/// Switches to profile `i` from the results log: the old producer is told
/// to shut down, reports `Stopped`, and the loop starts the new one.
fn switch_to(h: &mut Harness, i: usize) {
    open_picker(h, i);
    h.press("enter");
    h.emit(ProducerEvent::Stopped { unresolved: vec![] });
    assert_eq!(h.app().current, i);
    assert_eq!(h.producers.len(), 2, "the new profile's producer started");
}

#[test]
fn pane_status_switching() {
    let mut h = in_log(busy_app());
    open_picker(&mut h, 0);
    h.press("enter");
    let app = h.app();
    let s = Styles::no_color();
    insta::assert_snapshot!(draw_pane(80, 2, |f, a| super::status::render(
        f, a, app, &s
    )));
}

/// The marker colour is the point here, so the snapshot is the buffer's
/// `Debug` form, which lists every style run with its colours.
#[test]
fn pane_status_profile_colour() {
    let mut h = in_log(empty_app());
    switch_to(&mut h, 3);
    let app = h.app();
    let mut term = Terminal::new(TestBackend::new(80, 2)).unwrap();
    term.draw(|f| {
        let area = f.area();
        super::status::render(f, area, app, &Styles::fallback())
    })
    .unwrap();
    insta::assert_snapshot!(format!("{:?}", term.backend().buffer()));
}

#[test]
fn overlay_confirm_burst() {
    let mut h = in_log(busy_app());
    switch_to(&mut h, 3);
    h.press("shift-tab");
    assert_eq!(h.app().focus, Focus::ModeBar);
    h.press("r").press("enter");
    h.type_text("Ord");
    let app = h.app();
    insta::assert_snapshot!(draw(app, 80, 24));
}

#[test]
fn large_counts_keep_their_columns_apart() {
    let mut app = busy_app();
    let ok = |seq| {
        Action::Producer(done(
            seq,
            Mode::Async,
            Outcome::Acknowledged(receipt(seq)),
            0,
            1,
        ))
    };
    for seq in 100..300_099 {
        app.step(ok(seq));
    }
    for seq in 400_000..412_345 {
        app.step(Action::Producer(done(
            seq,
            Mode::Async,
            Outcome::Failed(Failure {
                reason: "x".into(),
                code: None,
            }),
            0,
            1,
        )));
    }
    let s = Styles::no_color();
    let screen = draw_pane(80, 4, |f, a| super::counters::render(f, a, &app, &s));
    let row = screen.lines().nth(2).unwrap();
    assert!(row.contains(" 312346 300000 12345 "), "{row}");
}

/// One acknowledged send with a large seq and offset, and a long key.
fn big_numbers_app() -> App {
    let mut app = empty_app();
    let seq = 300_001;
    let mut draft = (*draft("order-2024-000000300001")).clone();
    draft.tag = Some("payments".into());
    app.step(Action::Producer(ProducerEvent::Submitted {
        seq,
        mode: Mode::Async,
        draft: Arc::new(draft),
        at: at(-10),
    }));
    let mut r = receipt(seq);
    r.queue_id = 1;
    r.queue_offset = 75012;
    app.step(Action::Producer(done(
        seq,
        Mode::Async,
        Outcome::Acknowledged(r),
        -10,
        4,
    )));
    app
}

#[test]
fn results_columns_follow_the_width_and_the_numbers() {
    let app = big_numbers_app();
    let s = Styles::no_color();
    let screen = draw_pane(120, 4, |f, a| super::results::render(f, a, &app, &s));
    let row = screen.lines().nth(1).unwrap();
    assert!(row.contains("#300001 "), "{row}");
    // Keys come first: every key whole; the msgId does not fit whole
    // beside them, so it is left out rather than cut (its offset with it).
    assert!(
        row.contains("TopicTest/payments/order-2024-000000300001 other "),
        "{row}"
    );
    assert!(!row.contains("7F00") && !row.contains("broker-a"), "{row}");
    // Where the width allows, both, whole.
    let screen = draw_pane(160, 4, |f, a| super::results::render(f, a, &app, &s));
    let row = screen.lines().nth(1).unwrap();
    let whole = format!(
        "order-2024-000000300001 other  {}  broker-a:1@75012",
        receipt(300_001).msg_id
    );
    assert!(row.contains(&whole), "{row}");

    // Without an acknowledgement to make room for, the whole target shows.
    let mut app = empty_app();
    let mut d = (*draft("order-2024-000000300001")).clone();
    d.tag = Some("payments".into());
    app.step(Action::Producer(ProducerEvent::Submitted {
        seq: 7,
        mode: Mode::Sync,
        draft: Arc::new(d),
        at: t0(),
    }));
    let screen = draw_pane(120, 4, |f, a| super::results::render(f, a, &app, &s));
    assert!(
        screen.contains("TopicTest/payments/order-2024-000000300001 "),
        "{screen}"
    );
}

#[test]
fn no_color_theme_paints_no_profile_marker() {
    let mut h = in_log(empty_app());
    switch_to(&mut h, 3);
    let app = h.app();
    let mut term = Terminal::new(TestBackend::new(80, 2)).unwrap();
    term.draw(|f| {
        let area = f.area();
        super::status::render(f, area, app, &Styles::no_color())
    })
    .unwrap();
    let buf = term.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.bg == Color::Reset && c.fg == Color::Reset),
        "{buf:?}"
    );
}

/// The footer offers `x cancel burst` only where `x` reaches the burst: in
/// the log and the mode bar, not in a text field, where `x` is typed.
#[test]
fn the_burst_hint_shows_only_where_its_key_cancels_the_burst() {
    let mut app = busy_app();
    app.burst = Some(crate::console::app::BurstState {
        id: 7,
        submitted: 10,
        total: 100,
    });
    for (focus, shown) in [
        (Focus::Log, true),
        (Focus::ModeBar, true),
        (Focus::Topic, false),
        (Focus::Body, false),
    ] {
        app.focus = focus;
        let screen = draw(&app, 120, 40);
        let footer = screen.lines().last().unwrap();
        assert_eq!(
            footer.contains("x cancel burst"),
            shown,
            "{focus:?}: {footer}"
        );
    }
}

/// `[keys]` reaches the footer: the rebound keys are the ones it offers,
/// the burst's cancel included, and the text field's pointer to the modes.
#[test]
fn the_footer_follows_a_keys_override() {
    let mut app = busy_app();
    let overrides = [
        ("cancel_burst", "ctrl-x"),
        ("help", "f1"),
        ("mode_sync", "!"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .into();
    app.keymap.apply_overrides(&overrides).unwrap();
    app.burst = Some(crate::console::app::BurstState {
        id: 7,
        submitted: 10,
        total: 100,
    });
    app.focus = Focus::Log;
    let screen = draw(&app, 120, 40);
    let footer = screen.lines().last().unwrap();
    assert!(footer.starts_with("\"Ctrl-X cancel burst  "), "{footer}");
    assert!(
        footer.contains("F1 help") && !footer.contains("? help"),
        "{footer}"
    );
    app.focus = Focus::Body;
    let screen = draw(&app, 120, 40);
    let footer = screen.lines().last().unwrap();
    assert!(
        footer.contains("Alt-1/2/3 sync/async/oneway") && footer.contains("then F1 help"),
        "{footer}"
    );
    assert!(!footer.contains("cancel burst"), "{footer}");
}

/// More keys than two columns hold at 80x24: the help says so and `j`
/// scrolls both columns until the last key shows; nothing is cut off.
#[test]
fn help_that_does_not_fit_scrolls_and_says_how_much_is_below() {
    let mut app = empty_app();
    app.focus = Focus::Log;
    let mut h = Harness::new(app, 80, 24);
    h.press("?");
    let first = h.screen();
    assert!(first.contains("more row(s)"), "{first}");
    assert!(!first.contains("import a replay file"), "{first}");
    for _ in 0..30 {
        h.press("j");
    }
    let last = h.screen();
    assert!(last.contains("import a replay file"), "{last}");
    assert!(last.contains("k scrolls back"), "{last}");
    h.press("esc").press("?");
    assert!(h.screen().contains("more row(s)"), "opens at the top again");
}
