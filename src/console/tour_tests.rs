//! The guided tour driven by keys through the real keymap and run loop (a
//! fake producer records what each step sends), and the narration panel's
//! snapshots at 80x24 and 120x40 on the fixed clock.

use std::sync::Arc;

use super::app::{Focus, Overlay};
use super::harness::Harness;
use super::keymap::Context;
use super::ui::tests::{draw, empty_app, t0};
use rmq_engine::producer::ProducerCommand;
use rmq_model::message::Mode;

/// What one step handed the producer, in a few words.
fn sent(h: &mut Harness) -> Vec<String> {
    h.commands()
        .into_iter()
        .map(|c| match c {
            ProducerCommand::Send { mode, draft, .. } => format!(
                "send {} {}",
                mode.as_str(),
                String::from_utf8_lossy(&draft.body)
            ),
            ProducerCommand::Burst(b) => format!(
                "burst {} ×{} verify={} {}",
                b.mode.as_str(),
                b.count,
                b.verify,
                String::from_utf8_lossy(&b.draft.body)
            ),
            other => format!("{other:?}"),
        })
        .collect()
}

/// The console on the built-in tour: `D` from the mode bar.
fn touring(w: u16, h: u16) -> Harness {
    let mut h = Harness::new(empty_app(), w, h);
    h.press("esc");
    assert_eq!(h.app().focus, Focus::ModeBar);
    h.press("D");
    h
}

#[test]
fn d_opens_the_tour_and_the_arrows_enter_and_esc_walk_it() {
    let mut h = touring(80, 24);
    assert_eq!(h.app().context(), Context::Tour);
    h.assert_shows("Tour 1/7 · One sync message");
    h.assert_shows("Watch: The row turns OK");
    assert_eq!(sent(&mut h), ["send sync hello from the tour: sync"]);
    // The footer offers the tour's keys, from the keymap.
    h.assert_shows("→ next");

    h.press("right");
    h.assert_shows("Tour 2/7 · One async message");
    assert_eq!(sent(&mut h), ["send async hello from the tour: async"]);
    h.press("right");
    h.assert_shows("Tour 3/7");
    // A one-way goes as a burst, so its landed count is read.
    assert_eq!(
        sent(&mut h),
        ["burst oneway ×1 verify=true hello from the tour: one-way"]
    );

    // Back: the step is shown again without sending again.
    h.press("left");
    h.assert_shows("Tour 2/7");
    h.assert_shows("Sends 1 × Async");
    assert!(sent(&mut h).is_empty());
    // Enter runs its sends again.
    h.press("enter");
    assert_eq!(sent(&mut h), ["send async hello from the tour: async"]);
    h.assert_shows("Sent 2 times: 1 × Async");

    // Editing the step's message shows the composer; Esc brings the
    // narration back.
    h.press("e");
    assert_eq!(h.app().context(), Context::Edit);
    h.assert_shows("Composer");
    assert!(!h.screen().contains("Tour 2/7"));
    h.press("esc");
    assert_eq!(h.app().context(), Context::Tour);
    h.assert_shows("Tour 2/7");

    h.press("left").press("left");
    h.assert_shows("Tour 1/7");
    assert!(h.app().notice.as_ref().unwrap().text.contains("first step"));

    // Esc leaves the tour with the console as it is: the composer holds
    // the last step's message, in its mode.
    h.press("esc");
    assert!(h.app().tour.is_none());
    // The keyboard stays where it was (the mode bar, since the edit).
    assert_eq!(h.app().context(), Context::ModeBar);
    assert_eq!(h.app().mode, Mode::Async);
    assert_eq!(
        h.app().composer.body.lines()[0],
        "hello from the tour: async"
    );
    assert!(!h.screen().contains("Tour 1/7"));
    assert!(sent(&mut h).is_empty());
}

#[test]
fn the_compare_step_runs_the_comparison_and_esc_comes_back_to_the_tour() {
    let tour = crate::tour::parse(
        "title = \"Slides\"\ntopic = \"slides\"\n\
         [[step]]\ntitle = \"Hello\"\nnarration = \"Nothing is sent yet.\"\n\
         [[step]]\ntitle = \"All three\"\nnarration = \"Side by side.\"\ncompare = { count = 3 }\n\
         [[step]]\ntitle = \"Order\"\nnarration = \"One queue.\"\n\
         send = { mode = \"async\", type = \"fifo k1\", count = 4, body = \"o\" }\n",
        "slides.toml",
        t0(),
    )
    .expect("parses");
    let mut app = empty_app();
    app.tour_source = Some(Arc::new(tour));
    let mut h = Harness::new(app, 120, 40);
    h.press("esc").press("D");
    h.assert_shows("Tour 1/3 · Hello")
        .assert_shows("Sends nothing");
    assert!(sent(&mut h).is_empty());

    h.press("l");
    assert_eq!(
        sent(&mut h),
        [format!("burst sync ×3 verify=false {}", "x".repeat(128))]
    );
    assert!(matches!(h.app().overlay, Overlay::Compare));
    assert!(h.app().compare_timeline, "the modes side by side in time");
    // On a tall screen the narration stays above the compare view.
    h.assert_shows("Tour 2/3 · All three")
        .assert_shows("Compare the modes");
    h.press("esc");
    assert_eq!(h.app().context(), Context::Tour);
    // While the comparison runs the next step's burst waits, said so.
    h.press("right");
    assert!(sent(&mut h).is_empty());
    h.assert_shows("a burst is already running");
    h.press("left");
    let id = h.app().burst.as_ref().expect("the comparison's burst").id;
    h.emit(rmq_model::events::ProducerEvent::BurstFinished {
        id,
        submitted: 0,
        cancelled: true,
    });
    assert!(!h.app().compare_running());

    // FIFO goes sync whatever the step says, as the composer sends it.
    h.press("right");
    h.press("enter");
    assert_eq!(sent(&mut h), ["burst sync ×4 verify=false o"]);
    h.press("right");
    assert!(
        h.app()
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("the last step; Esc leaves"),
        "{:?}",
        h.app().notice
    );
}

#[test]
fn the_tour_keys_are_rebindable() {
    let mut app = empty_app();
    let mut keys = std::collections::BTreeMap::new();
    keys.insert("tour".to_string(), "F2".to_string());
    keys.insert("tour_next".to_string(), "n".to_string());
    app.keymap.apply_overrides(&keys).expect("valid overrides");
    let mut h = Harness::new(app, 80, 24);
    h.press("esc").press("f2");
    h.assert_shows("Tour 1/7");
    h.press("n");
    h.assert_shows("Tour 2/7");
    h.assert_shows("n next");
}

fn panel(w: u16, ht: u16, step: usize) -> String {
    let mut app = empty_app();
    app.focus = Focus::ModeBar;
    app.step(super::app::Action::Key(super::keymap::Bind::Tour));
    if step > 0 {
        // Straight to the step, as if walked to, and run.
        app.tour.as_mut().expect("on").step = step;
        app.step(super::app::Action::Key(super::keymap::Bind::TourAgain));
    }
    draw(&app, w, ht)
}

#[test]
fn narration_panel_80x24() {
    insta::assert_snapshot!(panel(80, 24, 0));
}

#[test]
fn narration_panel_120x40() {
    insta::assert_snapshot!(panel(120, 40, 0));
}

#[test]
fn narration_panel_transaction_step_80x24() {
    insta::assert_snapshot!(panel(80, 24, 4));
}
