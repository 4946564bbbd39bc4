//! The fetch overlay's keys, driven through the real keymap and run loop
//! (`Harness`): the live classification, the request handed to the loop,
//! an answer's rows and completeness, loading into the composer (banner,
//! type row, journal source), resending at a rate (protected question,
//! dead letters aimed at their origin, refused targets), body views,
//! export, and the screens at 80x24 and 120x40.

use super::*;
use crate::console::harness::Harness;
use crate::console::ui::tests::{draw, in_log, ready_app, t0};
use rmq_fetch::{Completeness, Locator, Stored};
use rmq_model::message::{Completion, Outcome, Receipt, SendStatus};

pub(super) fn stored(topic: &str, offset: i64, body: &[u8]) -> Stored {
    Stored {
        topic: topic.into(),
        broker: "broker-a".into(),
        queue_id: 1,
        queue_offset: offset,
        commit_log_offset: 1000 + offset,
        offset_msg_id: format!("7F000001000088B1{:016X}", 1000 + offset),
        store_ms: t0().timestamp_millis() - 60_000 + offset,
        born_ms: t0().timestamp_millis() - 60_001 + offset,
        born_host: "127.0.0.1:50000".into(),
        store_host: "127.0.0.1:10911".into(),
        properties: vec![
            ("KEYS".into(), format!("o-{offset}")),
            ("TAGS".into(), "paid".into()),
            ("UNIQ_KEY".into(), format!("0E86651437B3000{offset}")),
            ("region".into(), "eu".into()),
        ],
        body: body.to_vec(),
        ..Default::default()
    }
}

pub(super) fn dead_letter() -> Stored {
    let mut m = stored("%DLQ%billing", 7, b"{\"order\":1842}");
    m.reconsume_times = 17;
    m.properties.push(("RETRY_TOPIC".into(), "orders".into()));
    m.properties.push(("__SHARDINGKEY".into(), "o-7".into()));
    m
}

pub(super) fn answer(messages: Vec<Stored>, capped: bool) -> rmq_fetch::Answer {
    let mut c = Completeness::default();
    c.ask("broker-a");
    c.answer("broker-a");
    c.ask("broker-b");
    if capped {
        c.cap("broker-a", 64);
        c.refuse("broker-b", "index rebuilding, try later");
    } else {
        c.answer("broker-b");
    }
    rmq_fetch::Answer {
        messages,
        completeness: c,
    }
}

pub(super) fn view(app: &App) -> &FetchView {
    match &app.overlay {
        Overlay::Fetch(v) => v,
        _ => panic!("the fetch overlay is not open"),
    }
}

/// `f`, a locator typed, Enter: the request the loop is handed.
fn fetch_typed(h: &mut Harness, locator: &str) -> (u64, rmq_fetch::Request) {
    h.press("f").type_text(locator);
    let fx = h.press_keeping_effects("enter");
    match fx.into_iter().find(|e| matches!(e, Effect::Fetch { .. })) {
        Some(Effect::Fetch { id, request }) => (id, request),
        other => panic!("expected a fetch, got {other:?}"),
    }
}

/// The overlay open on `messages`, as an answer to `key:o-1`.
pub(super) fn with_answer(app: App, messages: Vec<Stored>, capped: bool) -> Harness {
    let mut h = in_log(app);
    let (id, _) = fetch_typed(&mut h, "key:o-1");
    h.answer(Action::Fetched {
        id,
        result: Ok(answer(messages, capped)),
    });
    h
}

#[test]
fn a_typed_locator_is_classified_live_without_the_network() {
    let mut h = in_log(ready_app());
    h.press("f");
    assert_eq!(h.app().context(), Context::FetchForm);
    assert_eq!(view(h.app()).topic, "TopicTest", "from the composer");
    h.type_text("key:o-1");
    assert!(h.screen().contains("→ key o-1"), "{}", h.screen());
    // An offset id decodes to its store host and commit-log offset.
    for _ in 0.."key:o-1".len() {
        h.press("backspace");
    }
    h.type_text("7F000001000088B100000000000003E8");
    let check = view(h.app()).check.clone();
    assert!(
        check.as_ref().is_ok_and(|c| c.contains("127.0.0.1:34993")),
        "{check:?}"
    );
    // A key needs a topic: said next to the locator.
    for _ in 0..32 {
        h.press("backspace");
    }
    h.type_text("key:o-1").press("tab");
    for _ in 0.."TopicTest".len() {
        h.press("backspace");
    }
    assert!(view(h.app()).check.is_err());
    assert!(
        h.screen()
            .contains("✗ a key is looked up in one topic's index: fill in the topic"),
        "{}",
        h.screen()
    );
}

#[test]
fn enter_hands_the_loop_the_request_and_a_bad_one_stays_in_the_form() {
    let mut h = in_log(ready_app());
    let (id, request) = fetch_typed(&mut h, "key:o-1");
    assert_eq!(request.locator, Locator::Key("o-1".into()));
    assert_eq!(request.topic.as_deref(), Some("TopicTest"));
    assert_eq!(request.max, None);
    assert_eq!(view(h.app()).pending.as_ref().map(|p| p.0), Some(id));
    // A window and max typed in their fields (Tab moves between them).
    h.press("esc");
    let mut h = in_log(ready_app());
    h.press("f").type_text("tag:paid");
    h.press("tab")
        .press("tab")
        .type_text("2h")
        .press("tab")
        .type_text("5");
    let fx = h.press_keeping_effects("enter");
    let Some(Effect::Fetch { request, .. }) =
        fx.into_iter().find(|e| matches!(e, Effect::Fetch { .. }))
    else {
        panic!("no fetch");
    };
    assert_eq!(request.max, Some(5));
    let w = request.window.expect("a window");
    assert_eq!(
        w.begin_ms,
        (t0() - chrono::Duration::hours(2)).timestamp_millis()
    );
    // Bad input: no effect, the reason in the form.
    let mut h = in_log(ready_app());
    h.press("f")
        .type_text("tag:paid")
        .press("tab")
        .press("tab")
        .press("tab");
    h.type_text("zero");
    let fx = h.press_keeping_effects("enter");
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Fetch { .. })),
        "{fx:?}"
    );
    assert!(
        h.screen().contains("max: `zero` is not a positive number"),
        "{}",
        h.screen()
    );
}

#[test]
fn the_loop_without_a_fetcher_answers_with_why() {
    let mut h = in_log(ready_app());
    h.press("f").type_text("key:o-1").press("enter");
    let v = view(h.app());
    assert_eq!(v.pending, None);
    assert_eq!(
        v.error.as_deref(),
        Some("fetching is not available in this session")
    );
    assert!(v.editing, "back in the form");
}

#[test]
fn an_answer_lists_its_rows_and_says_how_complete_it_is() {
    let h = with_answer(
        ready_app(),
        vec![
            stored("TopicTest", 1, b"one"),
            stored("TopicTest", 2, b"two"),
        ],
        true,
    );
    assert_eq!(h.app().context(), Context::Fetch);
    let screen = draw(h.app(), 120, 40);
    assert!(screen.contains("Fetched (2, PARTIAL)"), "{screen}");
    assert!(
        screen.contains("cap 64 reached on broker-a: there may be more"),
        "{screen}"
    );
    assert!(screen.contains("broker-b: index rebuilding"), "{screen}");
    assert!(
        screen.contains("broker-a:1@2 TopicTest/paid  o-2  two"),
        "{screen}"
    );
    assert_eq!(h.app().notice.as_ref().unwrap().level, Level::Warn);
}

#[test]
fn a_replaced_fetch_answer_is_ignored() {
    let mut h = in_log(ready_app());
    let (first, _) = fetch_typed(&mut h, "key:o-1");
    let fx = h.press_keeping_effects("f");
    assert!(fx.iter().all(|e| !matches!(e, Effect::Fetch { .. })));
    let fx = h.press_keeping_effects("enter");
    let Some(Effect::Fetch { id: second, .. }) =
        fx.into_iter().find(|e| matches!(e, Effect::Fetch { .. }))
    else {
        panic!("no second fetch");
    };
    assert_ne!(first, second);
    h.answer(Action::Fetched {
        id: first,
        result: Ok(answer(vec![stored("TopicTest", 1, b"old")], false)),
    });
    assert!(view(h.app()).answer.is_none(), "the old answer is dropped");
    h.answer(Action::Fetched {
        id: second,
        result: Ok(answer(vec![stored("TopicTest", 2, b"new")], false)),
    });
    assert_eq!(view(h.app()).messages()[0].body, b"new");
}

#[test]
fn load_aims_a_dead_letter_at_its_topic_with_a_banner_and_a_type_row() {
    let mut h = with_answer(ready_app(), vec![dead_letter()], false);
    h.start_journal(&[]);
    h.press("l");
    let app = h.app();
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.composer.topic.lines()[0], "orders");
    assert_eq!(app.composer.tag.lines()[0], "paid");
    assert_eq!(app.composer.keys.lines()[0], "o-7");
    assert_eq!(app.composer.props.lines(), ["region=eu"]);
    assert_eq!(app.composer.body.lines(), ["{\"order\":1842}"]);
    assert_eq!(app.composer.kind_text.lines()[0], "fifo o-7");
    assert_eq!(app.focus, Focus::Type, "the type row to check");
    let notice = &app.notice.as_ref().unwrap().text;
    assert!(
        notice.contains("from %DLQ%billing (origin topic orders, reconsumed 17×)"),
        "{notice}"
    );
    let screen = draw(app, 120, 40);
    assert!(
        screen.contains("from %DLQ%billing (origin topic orders, reconsumed 17×)"),
        "{screen}"
    );
    // The send carries the source; the banner has done its job.
    h.press("ctrl-s");
    let seq = match h.commands().as_slice() {
        [ProducerCommand::Send { seq, draft, .. }] => {
            assert_eq!(draft.topic, "orders");
            *seq
        }
        other => panic!("{other:?}"),
    };
    assert!(h.app().fetched_draft.is_none());
    h.emit(ProducerEvent::Completed(Completion {
        seq,
        mode: h.app().mode,
        outcome: Outcome::Acknowledged(Receipt {
            status: SendStatus::SendOk,
            msg_id: "ID9".into(),
            offset_msg_id: "OFF9".into(),
            broker: "broker-a".into(),
            queue_id: 0,
            queue_offset: 1,
            transaction_id: None,
            region_id: None,
        }),
        submitted_at: t0(),
        completed_at: t0(),
        latency: std::time::Duration::from_millis(1),
    }));
    let journal = h.journal_records();
    assert_eq!(
        journal.last().and_then(|r| r.source.clone()),
        Some(format!("fetch:{}", dead_letter().offset_msg_id))
    );
    assert!(!draw(h.app(), 120, 40).contains("reconsumed 17×"));
}

#[test]
fn esc_out_of_the_composer_dismisses_the_banner_but_keeps_the_source() {
    let mut m = dead_letter();
    m.properties.retain(|(k, _)| k != "__SHARDINGKEY");
    let mut h = with_answer(ready_app(), vec![m], false);
    h.press("l");
    assert_eq!(h.app().focus, Focus::Body);
    h.press("esc");
    let f = h.app().fetched_draft.clone().expect("still loaded");
    assert_eq!(f.banner, None);
    assert!(f.source.starts_with("fetch:7F000001"));
}

#[test]
fn a_binary_body_is_loaded_as_its_bytes() {
    let mut h = with_answer(
        ready_app(),
        vec![stored("TopicTest", 1, &[0xff, 0x00, 0x41])],
        false,
    );
    h.press("l");
    assert!(matches!(h.app().overlay, Overlay::None), "loaded");
    let b = h.app().composer.binary.clone().expect("held as bytes");
    assert!(b.from.starts_with("7F000001"), "{}", b.from);
    assert_eq!(h.app().composer.draft().unwrap().body, [0xff, 0x00, 0x41]);
    h.assert_shows("binary body: 3 bytes");
}

#[test]
fn resend_paces_the_selection_through_the_producer_with_its_source() {
    let mut h = with_answer(
        ready_app(),
        vec![
            stored("TopicTest", 1, b"one"),
            dead_letter(),
            stored("%RETRY%billing", 3, b"no origin"),
        ],
        false,
    );
    // All three selected; the retry copy without RETRY_TOPIC has no
    // origin to go back to and is refused, said in the results log.
    h.press("space").press("space").press("space");
    h.press("R");
    h.advance(chrono::Duration::seconds(5));
    let sends: Vec<(String, String)> = h
        .commands()
        .into_iter()
        .filter_map(|c| match c {
            ProducerCommand::Send { seq, draft, .. } => Some((
                draft.topic.clone(),
                h.app().sources.get(&seq).cloned().unwrap_or_default(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        sends,
        [
            (
                "TopicTest".to_string(),
                format!("fetch:{}", stored("TopicTest", 1, b"").offset_msg_id)
            ),
            (
                "orders".to_string(),
                format!("fetch:{}", dead_letter().offset_msg_id)
            ),
        ]
    );
    let screen = draw(h.app(), 120, 40);
    assert!(screen.contains("not resent"), "{screen}");
    // Once acknowledged, the message's detail names its resend.
    let seq = h
        .app()
        .sources
        .iter()
        .find(|(_, s)| s.contains("00000000000003EF"))
        .map(|(q, _)| *q)
        .unwrap();
    h.emit(ProducerEvent::Completed(Completion {
        seq,
        mode: h.app().mode,
        outcome: Outcome::Failed(rmq_model::message::Failure {
            reason: "timed out".into(),
            code: None,
        }),
        submitted_at: t0(),
        completed_at: t0(),
        latency: std::time::Duration::from_millis(1),
    }));
    h.press("k").press("enter");
    let screen = draw(h.app(), 120, 40);
    assert!(
        screen.contains(&format!("resent as     #{seq}")),
        "{screen}"
    );
}

#[test]
fn resend_on_a_protected_profile_asks_first() {
    let mut app = ready_app();
    app.profiles[app.current].protected = true;
    let mut h = with_answer(app, vec![dead_letter()], false);
    h.press("R");
    assert!(h.commands().is_empty());
    assert_eq!(view(h.app()).confirm, Some(1));
    let notice = &h.app().notice.as_ref().unwrap().text;
    assert!(
        notice.contains("to orders on PROTECTED profile"),
        "{notice}"
    );
    h.press("esc");
    assert_eq!(view(h.app()).confirm, None);
    h.press("Y");
    assert!(h.commands().is_empty(), "nothing to confirm");
    h.press("R").press("Y");
    assert!(matches!(
        h.commands().as_slice(),
        [ProducerCommand::Send { draft, .. }] if draft.topic == "orders"
    ));
}

#[test]
fn b_cycles_the_body_view_and_nothing_is_cut_silently() {
    let body: Vec<u8> = (0..=255u8).collect();
    let mut h = with_answer(ready_app(), vec![stored("TopicTest", 1, &body)], false);
    h.press("enter");
    let screen = h.screen();
    assert!(screen.contains("not UTF-8 text"), "{screen}");
    h.press("b").press("b");
    assert_eq!(view(h.app()).body_view, BodyView::Hex);
    let screen = h.screen();
    assert!(screen.contains("+"), "{screen}");
    assert!(screen.contains("more line(s)"), "{screen}");
    // Scrolled to the end, the last bytes are there.
    for _ in 0..40 {
        h.press("j");
    }
    let screen = draw(h.app(), 120, 40);
    assert!(screen.contains("000000f0  f0 f1"), "{screen}");
}

#[test]
fn the_filter_and_export_work_on_the_list() {
    let mut h = with_answer(
        ready_app(),
        vec![
            stored("TopicTest", 1, b"one"),
            stored("TopicTest", 2, b"two"),
        ],
        false,
    );
    h.press("/").type_text("key:o-2").press("enter");
    assert_eq!(view(h.app()).shown().len(), 1);
    h.press("E");
    let files: Vec<_> = std::fs::read_dir(h.exports.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "only what the filter keeps");
    assert_eq!(lines[0]["body"], "two");
    assert_eq!(lines[0]["topic"], "TopicTest");
}

#[test]
fn fetch_screens() {
    let mut h = in_log(ready_app());
    h.press("f").type_text("key:o-1");
    insta::assert_snapshot!("fetch_form_80x24", draw(h.app(), 80, 24));
    insta::assert_snapshot!("fetch_form_120x40", draw(h.app(), 120, 40));
    let mut h = with_answer(
        ready_app(),
        vec![stored("TopicTest", 1, b"one"), dead_letter()],
        true,
    );
    insta::assert_snapshot!("fetch_partial_80x24", draw(h.app(), 80, 24));
    insta::assert_snapshot!("fetch_partial_120x40", draw(h.app(), 120, 40));
    h.press("j").press("enter").press("b");
    insta::assert_snapshot!("fetch_detail_json_120x40", draw(h.app(), 120, 40));
    h.press("b");
    insta::assert_snapshot!("fetch_detail_hex_80x24", draw(h.app(), 80, 24));
}

#[test]
fn t_tails_the_composer_topic_and_f_follows_while_the_overlay_is_open() {
    let mut h = in_log(ready_app());
    let fx = h.press_keeping_effects("t");
    let Some(Effect::Tail { id, topic, n }) =
        fx.into_iter().find(|e| matches!(e, Effect::Tail { .. }))
    else {
        panic!("no tail");
    };
    assert_eq!((topic.as_str(), n), ("TopicTest", 20));
    // Oldest first from the fetcher; newest first on the screen.
    h.answer(Action::Fetched {
        id,
        result: Ok(answer(
            vec![
                stored("TopicTest", 1, b"one"),
                stored("TopicTest", 2, b"two"),
            ],
            false,
        )),
    });
    assert_eq!(view(h.app()).messages()[0].body, b"two");
    assert!(draw(h.app(), 120, 40).contains("Tail TopicTest (2, newest first)"));
    // F: a follow request on the next clock tick, one at a time.
    h.press("j").press("space");
    h.press("F");
    let mut fx = h.answer_keeping_effects(Action::Tick(t0() + chrono::Duration::seconds(1)));
    let Some(Effect::Follow { id }) = fx.pop() else {
        panic!("no follow");
    };
    let again = h.answer_keeping_effects(Action::Tick(t0() + chrono::Duration::seconds(3)));
    assert!(again.is_empty(), "one follow at a time: {again:?}");
    h.answer(Action::Followed {
        id,
        result: Ok(answer(vec![stored("TopicTest", 3, b"three")], false)),
    });
    let v = view(h.app());
    assert_eq!(v.messages()[0].body, b"three", "slid in at the top");
    assert_eq!(
        v.current().unwrap().body,
        b"one",
        "the cursor stays on its message"
    );
    assert_eq!(v.chosen()[0].body, b"one", "so does the selection");
    assert!(draw(h.app(), 120, 40).contains("(3, newest first, following"));
    // Closed, the overlay asks for nothing more.
    h.press("esc");
    let fx = h.answer_keeping_effects(Action::Tick(t0() + chrono::Duration::seconds(10)));
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::Follow { .. })),
        "{fx:?}"
    );
}

/// A publish-only credential (every broker answered code 16 "Permission
/// was denied"): the overlay says whose credential may not read which
/// topic, then the broker's words; the notice is an error, not a partial
/// list.
#[test]
fn a_publish_only_credential_is_said_plainly_in_the_overlay() {
    let mut h = in_log(ready_app());
    let (id, _) = fetch_typed(&mut h, "key:o-1");
    let mut c = Completeness::default();
    c.ask("broker-a");
    c.refuse(
        "broker-a",
        rmq_fetch::denied::no_permission("Permission was denied"),
    );
    let asker = rmq_fetch::Asker {
        profile: "payments".into(),
        access_key: Some("payments-producer".into()),
    };
    c.denied = rmq_fetch::denied::explain(&asker, Some("TopicTest"), &c.refused);
    h.answer(Action::Fetched {
        id,
        result: Ok(rmq_fetch::Answer {
            messages: vec![],
            completeness: c,
        }),
    });
    let screen = draw(h.app(), 120, 40);
    assert!(
        screen.contains(
            "✗ profile payments's credential (AccessKey …ucer) may not read topic TopicTest"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("broker-a answered \"Permission was denied\" (code 16)"),
        "{screen}"
    );
    assert!(!screen.contains("payments-producer"), "{screen}");
    let notice = h.app().notice.as_ref().unwrap();
    assert_eq!(notice.level, Level::Error);
    assert!(
        notice.text.contains("may not read topic TopicTest"),
        "{}",
        notice.text
    );
    insta::assert_snapshot!("fetch_denied_80x24", draw(h.app(), 80, 24));
    insta::assert_snapshot!("fetch_denied_120x40", screen);
}
