//! Compare view: `update` with no terminal.

use std::sync::Arc;
use std::time::Duration;

use ratatui_textarea::{Input, Key};

use super::*;
use crate::console::app::{Action, Effect, EntryKind};
use crate::console::ui::tests::{empty_app, t0};
use rmq_engine::producer::BurstSpec;
use rmq_model::fixtures::receipt;
use rmq_model::message::{Completion, Outcome, Seq};

#[track_caller]
fn key(app: &mut App, b: Bind) -> Vec<Effect> {
    let ctx = app.context();
    assert!(
        app.keymap.help_entries(ctx).iter().any(|(_, x)| *x == b),
        "no key produces {} in {}",
        b.name(),
        ctx.label()
    );
    app.step(Action::Key(b))
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        let key = if c == '\u{8}' {
            Key::Backspace
        } else {
            Key::Char(c)
        };
        app.step(Action::Edit(Input {
            key,
            ..Default::default()
        }));
    }
}

#[track_caller]
fn burst(fx: Vec<Effect>) -> BurstSpec {
    match fx.as_slice() {
        [Effect::Submit(ProducerCommand::Burst(b))] => b.clone(),
        other => panic!("expected a burst, got {other:?}"),
    }
}

/// The producer's events for a whole burst; the effects the App returned.
fn play(app: &mut App, b: &BurstSpec, cancelled_after: Option<u64>) -> Vec<Effect> {
    let mut fx = vec![];
    let mut journaled = 0;
    let n = cancelled_after.unwrap_or(b.count);
    // Every send of a comparison is journaled like any other; the test
    // counts those and returns the rest.
    let mut feed = |app: &mut App, ev: ProducerEvent| {
        for e in app.step(Action::Producer(ev)) {
            match e {
                Effect::Journal(_) => journaled += 1,
                e => fx.push(e),
            }
        }
    };
    let finished = |n| ProducerEvent::BurstFinished {
        id: b.id,
        submitted: n,
        cancelled: cancelled_after.is_some(),
    };
    // As the producer does it: an async burst has submitted its last send
    // (and says it has finished) before that send's callback arrives.
    let finish_early = b.mode == Mode::Async && n > 0;
    for i in 0..n {
        let seq: Seq = b.first_seq + i;
        if finish_early && i + 1 == n {
            feed(app, finished(n));
        }
        feed(
            app,
            ProducerEvent::Submitted {
                seq,
                mode: b.mode,
                draft: b.draft.clone(),
                at: t0(),
            },
        );
        let outcome = if b.mode == Mode::Oneway {
            Outcome::Dispatched
        } else {
            Outcome::Acknowledged(receipt(seq))
        };
        feed(
            app,
            ProducerEvent::Completed(Completion {
                seq,
                mode: b.mode,
                outcome,
                submitted_at: t0(),
                completed_at: t0() + chrono::Duration::microseconds(300 + i as i64),
                latency: Duration::from_micros(300 + i),
            }),
        );
    }
    if b.verify {
        feed(
            app,
            ProducerEvent::OnewayLanded {
                id: b.id,
                topic: b.draft.topic.clone(),
                dispatched: n,
                landed: Ok(n as i64),
            },
        );
    }
    if !finish_early {
        feed(app, finished(n));
    }
    assert_eq!(
        journaled, n,
        "every completed send of the comparison is journaled"
    );
    fx
}

fn open_form(app: &mut App) {
    app.focus = crate::console::app::Focus::Log;
    assert!(key(app, Bind::Compare).is_empty());
    assert_eq!(app.context(), Context::CompareForm);
}

#[test]
fn c_opens_the_form_and_enter_runs_the_modes_one_after_the_other() {
    let mut app = empty_app();
    app.next_seq = 10;
    open_form(&mut app);
    let Overlay::CompareForm(form) = &app.overlay else {
        panic!("form")
    };
    assert_eq!(form.topic.lines()[0], "TopicTest", "the composer's topic");
    // Count 1000 → 3.
    typ(&mut app, "\u{8}\u{8}\u{8}\u{8}3");
    let sync = burst(key(&mut app, Bind::Submit));
    assert_eq!((sync.mode, sync.count, sync.first_seq), (Mode::Sync, 3, 10));
    assert_eq!(sync.draft.body.len(), 128);
    assert_eq!(app.context(), Context::Compare);
    assert_eq!(app.next_seq, 19, "3 × 3 sequence numbers reserved");
    assert!(app.compare_running());

    let fx = play(&mut app, &sync, None);
    let [Effect::Submit(ProducerCommand::Burst(asy))] = fx.as_slice() else {
        panic!("async follows sync: {fx:?}")
    };
    assert_eq!((asy.mode, asy.first_seq), (Mode::Async, 13));
    assert_eq!(app.burst.as_ref().map(|b| b.id), Some(asy.id));
    let asy = asy.clone();
    let fx = play(&mut app, &asy, None);
    let [Effect::Submit(ProducerCommand::Burst(ow))] = fx.as_slice() else {
        panic!("one-way follows async: {fx:?}")
    };
    assert_eq!(
        (ow.mode, ow.rate, ow.verify),
        (Mode::Oneway, Some(5000), true)
    );
    let ow = ow.clone();
    assert!(play(&mut app, &ow, None).is_empty());
    assert!(!app.compare_running());
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("comparison done")
    );
    // The session's counters did not count the comparison's sends.
    assert_eq!(app.stats(Mode::Async).ok, 0);

    let fx = key(&mut app, Bind::CopyTable);
    let [Effect::Copy(text)] = fx.as_slice() else {
        panic!("y copies the table")
    };
    assert!(
        text.starts_with("3 × 128 B to TopicTest, async window 128"),
        "{text}"
    );
    assert_eq!(
        text.lines().count(),
        1 + 1 + 3 + 1 + 3,
        "what was compared, column names, rows, the pacing note, what each measures"
    );
    assert!(text.contains("3 (100%)"), "one-way landed: {text}");
    // The view closes; `c` opens the form again with the same values.
    assert!(key(&mut app, Bind::Close).is_empty());
    open_form(&mut app);
    let Overlay::CompareForm(form) = &app.overlay else {
        panic!("form")
    };
    assert_eq!(form.count.lines()[0], "3");
}

#[test]
fn the_burst_key_cancels_the_comparison_after_the_running_mode() {
    let mut app = empty_app();
    open_form(&mut app);
    let sync = burst(key(&mut app, Bind::Submit));
    let [Effect::Submit(ProducerCommand::CancelBurst { id })] =
        key(&mut app, Bind::CancelBurst)[..]
    else {
        panic!("x cancels the running burst")
    };
    assert_eq!(id, sync.id);
    let fx = play(&mut app, &sync, Some(2));
    assert!(fx.is_empty(), "no async after a cancel: {fx:?}");
    assert!(!app.compare_running());
    assert!(app.notice.as_ref().unwrap().text.contains("stopped early"));
    // Outside the view the same key still reaches the comparison.
    let mut app = empty_app();
    open_form(&mut app);
    burst(key(&mut app, Bind::Submit));
    key(&mut app, Bind::Close);
    assert!(matches!(
        key(&mut app, Bind::CancelBurst).as_slice(),
        [Effect::Submit(ProducerCommand::CancelBurst { .. })]
    ));
}

#[test]
fn a_protected_profile_asks_before_sending_three_times_n() {
    let mut app = empty_app();
    app.current = 3;
    assert!(app.profile().protected);
    open_form(&mut app);
    assert!(key(&mut app, Bind::Submit).is_empty(), "asks first");
    assert_eq!(app.context(), Context::Confirm);
    assert!(key(&mut app, Bind::No).is_empty());
    assert_eq!(app.context(), Context::CompareForm, "back to the form");
    assert!(key(&mut app, Bind::Submit).is_empty());
    let b = burst(key(&mut app, Bind::Yes));
    assert_eq!((b.mode, b.count), (Mode::Sync, 1000));
}

#[test]
fn a_bad_form_says_why_next_to_the_field_and_sends_nothing() {
    let mut app = empty_app();
    open_form(&mut app);
    typ(&mut app, "\u{8}\u{8}\u{8}\u{8}0");
    assert!(key(&mut app, Bind::Submit).is_empty());
    let Overlay::CompareForm(form) = &app.overlay else {
        panic!("form stays open")
    };
    assert!(form.errors[&CompareField::Count].contains("1 to"));
    assert_eq!(app.next_seq, 1, "nothing reserved");
    assert!(app.compare.is_none());
}

#[test]
fn a_refused_burst_or_a_dead_producer_ends_the_comparison() {
    let mut app = empty_app();
    open_form(&mut app);
    let sync = burst(key(&mut app, Bind::Submit));
    app.step(Action::SubmitFailed {
        first_seq: Some(sync.first_seq),
        count: sync.count,
        mode: Some(sync.mode),
        burst: Some(sync.id),
        error: rmq_engine::producer::SubmitError::Full,
    });
    assert!(!app.compare_running());
    let mut app = empty_app();
    open_form(&mut app);
    burst(key(&mut app, Bind::Submit));
    app.step(Action::ProducerDied("gone".into()));
    assert!(!app.compare_running());
    // Nothing to start on a dead producer.
    open_form(&mut app);
    assert!(key(&mut app, Bind::Submit).is_empty());
    assert!(app.compare.as_ref().is_some_and(|d| d.is_done()));
    let _ = Arc::new(());
}

/// A burst's events with real times: sync one after the other, async up to
/// 8 in flight, one-way paced; returns when its last send ended (µs after
/// `t0`).
fn play_timed(app: &mut App, b: &BurstSpec, start_us: i64) -> (Vec<Effect>, i64) {
    let mut fx = vec![];
    let at = |us: i64| t0() + chrono::Duration::microseconds(us);
    let mut feed = |app: &mut App, ev: ProducerEvent| {
        fx.extend(
            app.step(Action::Producer(ev))
                .into_iter()
                .filter(|e| !matches!(e, Effect::Journal(_))),
        );
    };
    let mut ends: Vec<i64> = Vec::new();
    let mut t = start_us;
    for i in 0..b.count {
        let seq: Seq = b.first_seq + i;
        let (start, lat) = match b.mode {
            Mode::Sync => (t, 600),
            Mode::Async => {
                let s = if i >= 8 {
                    t.max(ends[i as usize - 8])
                } else {
                    t
                };
                (s, 2_500 + (i as i64 % 5) * 300)
            }
            Mode::Oneway => (t, 40),
        };
        let end = start + lat;
        ends.push(end);
        t = match b.mode {
            Mode::Sync => end + 50,
            Mode::Async => start + 60,
            Mode::Oneway => start + 200,
        };
        let outcome = match b.mode {
            Mode::Oneway => Outcome::Dispatched,
            _ => Outcome::Acknowledged(receipt(seq)),
        };
        feed(
            app,
            ProducerEvent::Submitted {
                seq,
                mode: b.mode,
                draft: b.draft.clone(),
                at: at(start),
            },
        );
        feed(
            app,
            ProducerEvent::Completed(Completion {
                seq,
                mode: b.mode,
                outcome,
                submitted_at: at(start),
                completed_at: at(end),
                latency: Duration::from_micros(lat as u64),
            }),
        );
    }
    if b.verify {
        feed(
            app,
            ProducerEvent::OnewayLanded {
                id: b.id,
                topic: b.draft.topic.clone(),
                dispatched: b.count,
                landed: Ok(b.count as i64),
            },
        );
    }
    feed(
        app,
        ProducerEvent::BurstFinished {
            id: b.id,
            submitted: b.count,
            cancelled: false,
        },
    );
    (fx, ends.into_iter().max().unwrap_or(start_us))
}

/// After a comparison the view draws its sends in time under the table
/// (120x40), or instead of the histograms on `T` where both do not fit
/// (80x24).
#[test]
fn the_compare_view_shows_the_run_as_a_timeline() {
    let mut app = empty_app();
    open_form(&mut app);
    typ(&mut app, "\u{8}\u{8}\u{8}\u{8}24");
    let mut b = burst(key(&mut app, Bind::Submit));
    let mut t = 0;
    for _ in 0..3 {
        let (fx, end) = play_timed(&mut app, &b, t);
        t = end + 200;
        match fx.as_slice() {
            [Effect::Submit(ProducerCommand::Burst(next))] => b = next.clone(),
            [] => break,
            other => panic!("{other:?}"),
        }
    }
    assert!(!app.compare_running());
    let wide = crate::console::ui::tests::draw(&app, 120, 40);
    assert!(wide.contains("Timeline"), "{wide}");
    assert!(wide.contains("Sync latency"), "both fit at 120x40:\n{wide}");
    insta::assert_snapshot!("compare_timeline_120x40", wide);
    let narrow = crate::console::ui::tests::draw(&app, 80, 24);
    assert!(
        !narrow.contains("Timeline") && narrow.contains("T timeline"),
        "{narrow}"
    );
    key(&mut app, Bind::Timeline);
    let narrow = crate::console::ui::tests::draw(&app, 80, 24);
    assert!(
        narrow.contains("Timeline") && !narrow.contains("Sync latency"),
        "{narrow}"
    );
    insta::assert_snapshot!("compare_timeline_80x24", narrow);
    // `s` saves it for slides: the loop writes what the key hands it.
    let fx = key(&mut app, Bind::SaveChart);
    let [Effect::SaveChart(svg)] = fx.as_slice() else {
        panic!("s saves the comparison: {fx:?}")
    };
    let doc = roxmltree::Document::parse(svg).expect("an SVG");
    assert!(
        doc.descendants()
            .any(|n| n.text() == Some("Timeline: each send from submit to its end"))
    );
}

#[test]
fn a_comparisons_sends_stay_out_of_the_counters_and_the_results_log_but_one_summary_row() {
    let mut app = empty_app();
    open_form(&mut app);
    typ(&mut app, "\u{8}\u{8}\u{8}\u{8}4");
    let mut next = burst(key(&mut app, Bind::Submit));
    loop {
        let fx = play(&mut app, &next, None);
        match fx.as_slice() {
            [Effect::Submit(ProducerCommand::Burst(b))] => next = b.clone(),
            [] => break,
            other => panic!("{other:?}"),
        }
    }
    assert!(!app.compare_running());
    for mode in Mode::ALL {
        let c = app.stats(mode);
        assert_eq!(
            (c.ended(), c.open()),
            (0, 0),
            "{mode:?}: the session's counters leave the comparison out"
        );
    }
    let rows: Vec<String> = app
        .log
        .shown()
        .iter()
        .map(|e| match &e.kind {
            EntryKind::Note(t) => t.clone(),
            other => panic!("a comparison's send has a row: {other:?}"),
        })
        .collect();
    assert_eq!(rows.len(), 1, "one summary row: {rows:?}");
    let row = &rows[0];
    assert!(row.starts_with("comparison #1 done: Sync 4 ok"), "{row}");
    assert!(row.contains("Async 4 ok"), "{row}");
    assert!(row.contains("One-way 4 dispatched, 4 landed"), "{row}");
    // Each send still counts where a session's account is asked for.
    assert_eq!(app.session_tally().sent, 12);
    assert_eq!(app.in_flight_total(), 0);
}

#[test]
fn a_comparisons_sends_still_open_when_the_producer_dies_end_unresolved_in_the_journal() {
    let mut app = empty_app();
    open_form(&mut app);
    typ(&mut app, "\u{8}\u{8}\u{8}\u{8}2");
    let sync = burst(key(&mut app, Bind::Submit));
    app.step(Action::Producer(ProducerEvent::Submitted {
        seq: sync.first_seq,
        mode: Mode::Sync,
        draft: sync.draft.clone(),
        at: t0(),
    }));
    assert_eq!(
        app.in_flight_total(),
        1,
        "open, though not a session counter"
    );
    assert_eq!(app.stats(Mode::Sync).open(), 0);
    let fx = app.step(Action::ProducerDied("boom".into()));
    let journaled = fx
        .iter()
        .filter(|e| matches!(e, Effect::Journal(j) if j.completion.seq == sync.first_seq))
        .count();
    assert_eq!(journaled, 1, "the open send ends once, journaled: {fx:?}");
    assert_eq!(app.in_flight_total(), 0);
    assert_eq!(app.unresolved_count(), 1);
}
