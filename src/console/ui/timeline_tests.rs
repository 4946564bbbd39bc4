//! Snapshots of the timeline at 80x24 and 120x40 on a fixed clock: a sync
//! staircase, async sends overlapping up to their window, a one-way burst,
//! a comparison with failures, and 100,000 sends drawn as counts.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::{Window, render};
use crate::console::app::timeline::Timeline;
use crate::theme::Styles;
use rmq_engine::timeline::fixtures::{at, done};
use rmq_model::message::{Mode, Seq};

/// The fixtures' fixed moment (`at(0)`), in microseconds.
const T0: i64 = 1_800_000_000_000_000;

fn draw(tl: &Timeline, from: i64, to: i64, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| {
        render(
            f,
            f.area(),
            tl,
            Window {
                from: T0 + from,
                to: T0 + to,
            },
            &Styles::no_color(),
        )
    })
    .unwrap();
    term.backend().to_string()
}

/// Sends of `mode` one after the other from `start`, each `lat` long with
/// `gap` between; returns the next free time.
fn serial(
    tl: &mut Timeline,
    seq: &mut Seq,
    mode: Mode,
    start: i64,
    n: u64,
    lat: i64,
    gap: i64,
) -> i64 {
    let mut t = start;
    for _ in 0..n {
        tl.observe(&done(*seq, mode, t, t + lat, true));
        *seq += 1;
        t += lat + gap;
    }
    t
}

/// Async sends with at most `window` in flight, each `lat` long, submitted
/// every `every` µs when the window allows; returns when the last ended.
fn windowed(
    tl: &mut Timeline,
    seq: &mut Seq,
    start: i64,
    n: usize,
    window: usize,
    lat: i64,
    every: i64,
) -> i64 {
    let mut ends: Vec<i64> = Vec::new();
    let mut t = start;
    for i in 0..n {
        if i >= window {
            t = t.max(ends[i - window]);
        }
        ends.push(t + lat);
        tl.observe(&done(*seq, Mode::Async, t, t + lat, true));
        *seq += 1;
        t += every;
    }
    ends.into_iter().max().unwrap_or(start)
}

fn both(name: &str, tl: &Timeline, from: i64, to: i64) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(tl, from, to, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), draw(tl, from, to, 120, 40));
}

#[test]
fn three_sync_sends_are_a_staircase() {
    let mut tl = Timeline::default();
    let mut seq = 1;
    let end = serial(&mut tl, &mut seq, Mode::Sync, 0, 3, 400, 30);
    let screen = draw(&tl, 0, end, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let ends: Vec<usize> = (0..3)
        .map(|r| {
            rows[r]
                .chars()
                .position(|c| c == '┫')
                .expect("an end mark per row")
        })
        .collect();
    assert!(
        ends[0] < ends[1] && ends[1] < ends[2],
        "one after the other: {ends:?}\n{screen}"
    );
    both("timeline_sync3", &tl, 0, end);
}

#[test]
fn async_sends_overlap_up_to_their_window() {
    let mut tl = Timeline::default();
    let mut seq = 1;
    let end = windowed(&mut tl, &mut seq, 0, 200, 16, 2_000, 20);
    let screen = draw(&tl, 0, end, 120, 40);
    assert!(
        screen.contains("16 fly"),
        "too many to draw one by one: in flight per column, peaking at the window:\n{screen}"
    );
    // Fewer, on a tall screen: the bars themselves, overlapping in time,
    // each ending in its callback.
    let mut few = Timeline::default();
    let mut seq = 1;
    let end_few = windowed(&mut few, &mut seq, 0, 12, 4, 2_000, 20);
    let screen = draw(&few, 0, end_few, 120, 40);
    assert_eq!(
        screen.matches('◆').count(),
        12,
        "a callback mark each:\n{screen}"
    );
    both("timeline_async12", &few, 0, end_few);
    both("timeline_async200", &tl, 0, end);
}

#[test]
fn a_one_way_burst_is_ticks_with_no_end() {
    let mut tl = Timeline::default();
    let mut seq = 1;
    let end = serial(&mut tl, &mut seq, Mode::Oneway, 0, 60, 30, 170);
    let screen = draw(&tl, 0, end, 120, 40);
    assert!(screen.contains('╵') && !screen.contains('┫') && !screen.contains('◆'));
    both("timeline_oneway", &tl, 0, end);
}

#[test]
fn a_comparison_with_failures_marks_them() {
    let mut tl = Timeline::default();
    tl.mark_run(at(0));
    let mut seq = 1;
    let mut t = 0;
    for i in 0..8u64 {
        let ok = i != 5;
        tl.observe(&done(seq, Mode::Sync, t, t + 600, ok));
        seq += 1;
        t += 650;
    }
    let mut ends = Vec::new();
    for i in 0..24u64 {
        let s = t + i as i64 * 300;
        let e = s + 1_800 + (i as i64 % 4) * 200;
        ends.push(e);
        tl.observe(&done(seq, Mode::Async, s, e, i % 11 != 3));
        seq += 1;
    }
    t = ends.into_iter().max().unwrap() + 100;
    let end = serial(&mut tl, &mut seq, Mode::Oneway, t, 30, 20, 180);
    let screen = draw(&tl, 0, end, 120, 40);
    assert_eq!(
        screen.matches('✗').count(),
        3,
        "each failure marked:\n{screen}"
    );
    both("timeline_mixed", &tl, 0, end);
}

#[test]
fn a_hundred_thousand_sends_are_drawn_as_counts() {
    let mut tl = Timeline::default();
    tl.mark_run(at(0));
    let mut seq = 1;
    let mut t = serial(&mut tl, &mut seq, Mode::Sync, 0, 33_334, 500, 100);
    t = windowed(&mut tl, &mut seq, t, 33_333, 128, 20_000, 40);
    let end = serial(&mut tl, &mut seq, Mode::Oneway, t, 33_333, 30, 170);
    assert!(!tl.complete_since(T0), "the ring forgot the run's start");
    let screen = draw(&tl, 0, end, 80, 24);
    assert!(screen.contains("/col"), "columns, not bars:\n{screen}");
    // Async's peak in flight is its window of 128 (to the resolution of
    // the run's buckets).
    let peak: f64 = screen
        .lines()
        .nth(8)
        .and_then(|l| l.split(" fly").next())
        .and_then(|n| n.trim_matches('"').trim().parse().ok())
        .expect("async's peak label");
    assert!((120.0..=136.0).contains(&peak), "{peak}\n{screen}");
    assert!(
        !screen.contains('━'),
        "no bar thinner than a cell:\n{screen}"
    );
    let sync_row = screen.lines().nth(7).unwrap_or_default().to_string();
    both("timeline_100k", &tl, 0, end);
    // The counts cover the whole run: sync's lane is filled at the left.
    let first_rows: Vec<&str> = screen.lines().take(7).collect();
    assert!(
        first_rows
            .iter()
            .any(|r| r.chars().nth(9).is_some_and(|c| c != ' ')),
        "the run's start is drawn:\n{screen}\n{sync_row}"
    );
}
