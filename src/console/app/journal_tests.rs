//! App tests for the journal and history jobs: `update` with no terminal.

use std::time::Duration;

use ratatui_textarea::TextArea;

use super::*;
use crate::console::ui::tests::{empty_app, t0};
use crate::message::{Completion, Outcome};

fn ready_app() -> App {
    let mut app = empty_app();
    app.composer.body = TextArea::new(vec!["hello".into()]);
    app.composer.validate(app.max_message_bytes());
    app
}

fn send_and_complete(app: &mut App) -> Option<Effect> {
    app.focus = Focus::Log;
    let Some(Effect::Submit(ProducerCommand::Send { seq, mode, .. })) =
        app.update(Action::Key(Bind::Send))
    else {
        panic!("a send");
    };
    app.update(Action::Producer(ProducerEvent::Completed(Completion {
        seq,
        mode,
        outcome: Outcome::Dispatched,
        submitted_at: t0(),
        completed_at: t0(),
        latency: Duration::from_millis(1),
    })))
}

#[test]
fn a_completed_send_goes_to_the_journal_with_its_draft_and_profile() {
    let mut app = ready_app();
    let Some(Effect::Journal(e)) = send_and_complete(&mut app) else {
        panic!("a journal entry")
    };
    assert_eq!(&*e.profile, "sandbox");
    let d = e.draft.expect("the draft as sent");
    assert_eq!(
        (d.topic.as_str(), d.body.as_slice()),
        ("TopicTest", &b"hello"[..])
    );
    assert_eq!(e.options.send_timeout_ms, 3000);
}

#[test]
fn a_profile_with_journal_off_keeps_nothing_and_says_so_in_a_problem_notice() {
    let mut app = ready_app();
    app.profiles[app.current].journal = false;
    assert!(send_and_complete(&mut app).is_none());
    app.update(Action::JournalProblem("journal: cannot create /x".into()));
    let n = app.notice.clone().expect("a notice");
    assert_eq!(
        (n.level, n.text.as_str()),
        (Level::Warn, "journal: cannot create /x")
    );
}

#[test]
fn the_status_bar_says_when_the_journal_is_off() {
    let mut app = ready_app();
    assert!(!crate::console::ui::tests::draw(&app, 120, 40).contains("JOURNAL OFF"));
    app.profiles[app.current].journal = false;
    assert!(crate::console::ui::tests::draw(&app, 120, 40).contains("JOURNAL OFF"));
}
