//! Snapshots of the compare form and view at 80x24 and 120x40, with the
//! fixed clock and results of `ui::tests` and `compare::tests`.

use crate::console::app::{Action, App, CompareForm, Overlay};
use crate::console::harness::Harness;
use crate::console::keymap::{Bind, Context};
use crate::console::ui::tests::{draw, empty_app, t0};
use rmq_engine::compare::fixtures::sample_driver;

fn viewing(modes_done: usize) -> App {
    let mut app = empty_app();
    app.compare = Some(sample_driver(modes_done));
    app.overlay = Overlay::Compare;
    app.step(Action::Tick(t0()));
    app
}

#[test]
fn compare_view_done_80x24() {
    insta::assert_snapshot!(draw(&viewing(3), 80, 24));
}

#[test]
fn compare_view_done_120x40() {
    insta::assert_snapshot!(draw(&viewing(3), 120, 40));
}

#[test]
fn compare_view_running_80x24() {
    let app = viewing(1);
    assert!(app.compare_running());
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn compare_form_80x24() {
    let mut app = empty_app();
    let mut form = CompareForm::new("TopicTest");
    form.pacing = crate::console::app::line_input("fast");
    form.validate(4 * 1024 * 1024);
    app.overlay = Overlay::CompareForm(Box::new(form));
    insta::assert_snapshot!(draw(&app, 80, 24));
}

#[test]
fn compare_form_protected_120x40() {
    let mut app = empty_app();
    app.current = 3;
    // Opened with the keyboard still in the topic field, as the snapshot
    // shows it: there `c` is typed, so no key opens the form.
    app.step(Action::Key(Bind::Compare));
    let mut h = Harness::new(app, 120, 40);
    assert_eq!(h.app().context(), Context::CompareForm);
    h.press("enter");
    assert_eq!(h.app().context(), Context::Confirm);
    let app = h.app();
    insta::assert_snapshot!(draw(app, 120, 40));
}

/// The view's border and the footer offer only what a key would do now:
/// cancel while the comparison runs, copy and "again" once it is over.
#[test]
fn the_hints_offer_cancel_while_running_and_copy_once_done() {
    let mut app = viewing(1);
    // The running mode's burst, as `start_compare` records it.
    app.burst = Some(crate::console::app::BurstState {
        id: 1,
        submitted: 0,
        total: 200,
    });
    let running = draw(&app, 120, 40);
    assert_eq!(
        running.matches("x cancel").count(),
        2,
        "border and footer once each:\n{running}"
    );
    let done = draw(&viewing(3), 120, 40);
    for (screen, has, lacks) in [
        (&running, "x cancel", "y copy table"),
        (&done, "y copy table", "x cancel"),
    ] {
        assert!(screen.contains(has), "{screen}");
        assert!(!screen.contains(lacks), "{screen}");
    }
    assert!(done.contains("c again"), "{done}");
    assert!(!running.contains("c again"), "{running}");
}
