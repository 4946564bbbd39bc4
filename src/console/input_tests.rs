//! Hostile and mistaken input through the real run loop (`harness`): huge
//! pastes, wire separators in fields, and terminals resized to nothing and
//! to very large in the middle of a burst. Each case: a message next to its
//! cause, nothing sent, the draft kept, and no panic.

use super::app::{App, Focus};
use super::harness::Harness;
use super::ui::tests::{empty_app, t0};
use rmq_engine::producer::{ProducerCommand, ProducerEvent};
use rmq_model::message::{Completion, Failure, Mode, Outcome};

/// The keyboard in the body field of `app`, "hello" typed.
fn in_body(app: App) -> Harness {
    let mut h = Harness::new(app, 80, 24);
    h.press("tab").press("tab").press("tab").press("tab");
    assert_eq!(h.app().focus, Focus::Body);
    h.type_text("hello");
    h
}

fn body(h: &Harness) -> String {
    h.app().composer.body.lines().join("\n")
}

#[test]
fn a_10_mb_paste_into_the_body_is_refused_whole_and_the_draft_kept() {
    let mut h = in_body(empty_app());
    let max = h.app().max_message_bytes();
    let paste = "x".repeat(10 * 1024 * 1024);
    let started = std::time::Instant::now();
    h.paste(&paste);
    let took = started.elapsed();
    assert_eq!(body(&h), "hello", "the draft is as it was");
    let err = h
        .app()
        .composer
        .errors
        .get(&Focus::Body)
        .expect("an error at the body");
    assert_eq!(
        err,
        &format!(
            "paste of 10485760 bytes refused: the body would be 10485765 bytes, at most {max} (unchanged)"
        )
    );
    h.assert_shows("paste of 10485760 bytes refused");
    // Checked once, not per byte: far below a second even in a debug build.
    assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    // The draft is still good: it sends, as composed.
    h.press("esc").press("s");
    match h.commands().as_slice() {
        [ProducerCommand::Send { draft, .. }] => assert_eq!(draft.body, b"hello"),
        other => panic!("{other:?}"),
    }
    // A paste that fits goes in, line breaks and all.
    let mut h = in_body(empty_app());
    h.paste(" world\r\nsecond line");
    assert_eq!(body(&h), "hello world\nsecond line");
    assert!(h.app().composer.errors.is_empty());
}

#[test]
fn a_paste_into_a_one_line_field_keeps_to_one_line() {
    let mut h = Harness::new(empty_app(), 80, 24);
    h.press("tab").press("tab");
    assert_eq!(h.app().focus, Focus::Keys);
    h.paste("order-1\norder-2");
    assert_eq!(h.app().composer.keys.lines(), ["order-1 order-2"]);
    h.paste(&"k".repeat(5000));
    let err = &h.app().composer.errors[&Focus::Keys];
    assert!(err.starts_with("paste of 5000 bytes refused"), "{err}");
    assert_eq!(h.app().composer.keys.lines(), ["order-1 order-2"]);
}

#[test]
fn a_property_separator_pasted_into_a_field_blocks_the_send() {
    let mut h = in_body(empty_app());
    // Props is the field before the body.
    h.press("shift-tab");
    assert_eq!(h.app().focus, Focus::Props);
    h.paste("region=eu\u{1}KEYS\u{2}evil");
    let err = &h.app().composer.errors[&Focus::Props];
    assert!(
        err.contains("U+0001 (RocketMQ's property separator)"),
        "{err}"
    );
    h.press("esc").press("s");
    assert!(h.commands().is_empty(), "nothing sent");
    let notice = &h.app().notice.as_ref().unwrap().text;
    assert!(notice.starts_with("not sent — Props: line 1:"), "{notice}");
    assert_eq!(body(&h), "hello", "the draft is kept");
}

/// A burst running while the terminal goes to 1x1, 20x5 and 500x200 (and
/// back): every frame draws without a panic, and the counters are right
/// when there is room to show them again.
#[test]
fn resizing_to_nothing_and_to_huge_in_a_burst_draws_every_frame() {
    let mut h = in_body(empty_app());
    h.press("esc").press("r").press("enter");
    let Some(ProducerCommand::Burst(b)) = h.commands().pop() else {
        panic!("a burst")
    };
    let sizes = [
        (1, 1),
        (20, 5),
        (500, 200),
        (0, 0),
        (80, 24),
        (1, 200),
        (500, 1),
    ];
    for seq in b.first_seq..b.first_seq + b.count {
        let (w, hh) = sizes[seq as usize % sizes.len()];
        h.resize(w, hh);
        h.emit(ProducerEvent::Submitted {
            seq,
            mode: b.mode,
            draft: b.draft.clone(),
            at: t0(),
        });
        h.emit(ProducerEvent::Completed(Completion::instant(
            seq,
            b.mode,
            Outcome::Failed(Failure {
                reason: "broker unreachable".into(),
                code: None,
            }),
        )));
    }
    h.emit(ProducerEvent::BurstFinished {
        id: b.id,
        submitted: b.count,
        cancelled: false,
    });
    h.resize(500, 200);
    let counts = h.app().ledger.counts(Mode::Sync);
    assert_eq!((counts.ended(), counts.failed), (b.count, b.count));
    h.assert_shows("Counters");
    h.resize(120, 40).assert_shows("p99");
}

/// Issue 27, item 8: the keys field is space separated by design, so
/// `order 1` is two keys, and the field says so beside it; a key quoted to
/// hold a space is refused inline with headless `send --key`'s reason,
/// nothing sent and the draft kept.
#[test]
fn a_key_with_a_space_is_refused_inline_and_a_split_is_never_silent() {
    let mut h = Harness::new(super::ui::tests::ready_app(), 120, 40);
    h.press("tab").press("tab");
    assert_eq!(h.app().focus, Focus::Keys);
    h.type_text("order 1");
    assert_eq!(h.app().composer.notes[&Focus::Keys], "2 keys: order · 1");
    h.assert_shows("2 keys: order · 1");
    h.press("ctrl-s");
    match h.commands().as_slice() {
        [ProducerCommand::Send { draft, .. }] => assert_eq!(draft.keys, ["order", "1"]),
        other => panic!("{other:?}"),
    }
    let mut h = Harness::new(super::ui::tests::ready_app(), 120, 40);
    h.press("tab").press("tab");
    h.type_text("\"order 1\"");
    let err = h.app().composer.errors[&Focus::Keys].clone();
    let headless = rmq_model::validate::key("order 1").unwrap_err();
    // The same reason as headless `send --key "order 1"`.
    assert!(
        err.contains(
            "contains whitespace: RocketMQ splits keys on spaces, so it would be stored as 2 keys"
        ),
        "{err}"
    );
    assert!(headless.contains("RocketMQ splits keys on spaces, so it would be stored as 2 keys"));
    h.assert_shows("contains whitespace");
    h.press("ctrl-s");
    assert!(h.commands().is_empty(), "nothing sent");
    assert_eq!(
        h.app().composer.keys.lines()[0],
        "\"order 1\"",
        "the draft kept"
    );
    assert!(
        h.app()
            .notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("not sent — Keys: key \"order 1\"")
    );
}
