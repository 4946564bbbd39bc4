//! The group lens (`d`) and `o` (which groups consumed a message), driven
//! through the real keymap and run loop: the prompt and its recent groups,
//! the request handed to the fetch worker, the lens's rows, totals and
//! completeness (loading, answer, no offsets, refusal, failure), Enter on
//! a queue (a peek from the group's offset) and on the DLQ (newest first),
//! Esc back to the lens, `o`'s answer in the detail, and the screens.

use super::fetch_tests::{answer, stored, view, with_answer};
use super::*;
use crate::console::harness::Harness;
use crate::console::ui::tests::{draw, in_log, ready_app, t0};
use rmq_fetch::group::{Consumption, Depth, QueueLag};
use rmq_fetch::{Completeness, ConsumedBy, GroupLens, Locator};

fn lens_of(app: &App) -> &GroupView {
    view(app).lens.as_deref().expect("the lens is open")
}

/// `d`, `group` typed, Enter: the id of the lookup handed to the worker.
fn ask(h: &mut Harness, group: &str) -> u64 {
    h.press("d").type_text(group);
    let fx = h.press_keeping_effects("enter");
    match fx
        .into_iter()
        .find(|e| matches!(e, Effect::GroupLens { .. }))
    {
        Some(Effect::GroupLens { id, group: asked }) => {
            assert_eq!(asked, group);
            id
        }
        other => panic!("expected a group lens, got {other:?}"),
    }
}

fn queue(topic: &str, queue: i32, broker_offset: i64, consumer_offset: i64) -> QueueLag {
    QueueLag {
        topic: topic.into(),
        broker: "broker-a".into(),
        queue,
        broker_offset,
        consumer_offset,
        last_ms: if consumer_offset > 0 {
            t0().timestamp_millis() - 5_000
        } else {
            0
        },
    }
}

/// billing: 4 queues of TopicTest (lag 6 on queue 1), retry 2, DLQ 3;
/// broker-b refused when `partial`.
fn billing(partial: bool) -> GroupLens {
    let mut c = Completeness::default();
    c.ask("broker-a");
    c.answer("broker-a");
    if partial {
        c.ask("broker-b");
        c.refuse(
            "broker-b",
            "refused, no permission (code 16) [no SUB on billing]",
        );
    }
    GroupLens {
        group: "billing".into(),
        queues: vec![
            queue("TopicTest", 0, 5, 5),
            queue("TopicTest", 1, 17, 11),
            queue("TopicTest", 2, 4, 4),
            queue("TopicTest", 3, 0, 0),
        ],
        retry: Depth {
            topic: "%RETRY%billing".into(),
            stored: Some(2),
        },
        dlq: Depth {
            topic: "%DLQ%billing".into(),
            stored: Some(3),
        },
        completeness: c,
    }
}

/// The lens of billing on screen.
fn with_lens(partial: bool) -> Harness {
    let mut h = in_log(ready_app());
    let id = ask(&mut h, "billing");
    h.answer(Action::GroupLens {
        id,
        result: Ok(billing(partial)),
    });
    h
}

#[test]
fn d_asks_for_a_group_and_hands_the_worker_the_lookup() {
    let mut h = in_log(ready_app());
    h.press("d");
    assert_eq!(h.app().context(), Context::GroupForm);
    let id = ask_typed(&mut h, "billing");
    let lens = lens_of(h.app());
    assert_eq!(lens.pending, Some(id));
    assert_eq!(h.app().context(), Context::Group);
    assert!(
        draw(h.app(), 120, 40).contains("asking the brokers about group billing…"),
        "{}",
        draw(h.app(), 120, 40)
    );
    // A name the broker would refuse is said, and nothing is asked.
    let mut h = in_log(ready_app());
    h.press("d").type_text("bill ing");
    let fx = h.press_keeping_effects("enter");
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::GroupLens { .. })),
        "{fx:?}"
    );
    let notice = &h.app().notice.as_ref().unwrap().text;
    assert!(notice.contains("found ` `"), "{notice}");
}

#[test]
fn the_lens_lists_lag_per_queue_the_totals_and_how_complete_it_is() {
    let h = with_lens(true);
    let screen = draw(h.app(), 120, 40);
    assert!(screen.contains("Group billing (PARTIAL)"), "{screen}");
    assert!(
        screen.contains("lag 6 over 4 queues of 1 topic; retry 2; DLQ 3"),
        "{screen}"
    );
    assert!(screen.contains("asked 2 brokers, answered 1"), "{screen}");
    assert!(
        screen.contains("broker-b: refused, no permission (code 16)"),
        "{screen}"
    );
    // topic, broker, queue, broker max, group at, lag.
    let row = screen
        .lines()
        .find(|l| l.contains("TopicTest") && l.contains(" 17 "))
        .unwrap_or_else(|| panic!("no queue 1 row: {screen}"));
    let cells: Vec<&str> = row
        .split_whitespace()
        .map(|c| c.trim_matches(['│', '"']))
        .collect();
    assert!(
        cells
            .windows(6)
            .any(|w| w == ["TopicTest", "broker-a", "1", "17", "11", "6"]),
        "{row}"
    );
    assert!(screen.contains("%DLQ%billing"), "{screen}");
    assert_eq!(h.app().notice.as_ref().unwrap().level, Level::Warn);
}

#[test]
fn a_group_without_offsets_and_a_failed_lookup_say_so() {
    let mut h = in_log(ready_app());
    let id = ask(&mut h, "ghost");
    let mut c = Completeness::default();
    c.ask("broker-a");
    c.answer("broker-a");
    h.answer(Action::GroupLens {
        id,
        result: Ok(GroupLens {
            group: "ghost".into(),
            retry: Depth {
                topic: "%RETRY%ghost".into(),
                stored: None,
            },
            dlq: Depth {
                topic: "%DLQ%ghost".into(),
                stored: None,
            },
            completeness: c,
            ..Default::default()
        }),
    });
    let screen = draw(h.app(), 120, 40);
    assert!(
        screen.contains("group ghost has no consumer offsets"),
        "{screen}"
    );
    assert!(screen.contains("none (never created)"), "{screen}");
    // `r` asks again; a failure as a whole is said in the lens.
    let fx = h.press_keeping_effects("r");
    let Some(Effect::GroupLens { id, .. }) = fx
        .into_iter()
        .find(|e| matches!(e, Effect::GroupLens { .. }))
    else {
        panic!("r asked nothing");
    };
    h.answer(Action::GroupLens {
        id,
        result: Err("reading the cluster's brokers: connection refused".into()),
    });
    assert!(
        draw(h.app(), 120, 40)
            .contains("failed: reading the cluster's brokers: connection refused")
    );
    assert_eq!(h.app().notice.as_ref().unwrap().level, Level::Error);
}

#[test]
fn enter_on_a_queue_peeks_from_the_group_offset_and_esc_comes_back() {
    let mut h = with_lens(false);
    // Queue 0 has nothing unconsumed: said, not asked.
    let fx = h.press_keeping_effects("enter");
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::Fetch { .. })),
        "{fx:?}"
    );
    assert!(
        h.app()
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("nothing unconsumed"),
        "{:?}",
        h.app().notice
    );
    h.press("j");
    let fx = h.press_keeping_effects("enter");
    let Some(Effect::Fetch { id, request }) =
        fx.into_iter().find(|e| matches!(e, Effect::Fetch { .. }))
    else {
        panic!("no peek");
    };
    assert_eq!(
        request.locator,
        Locator::Position {
            topic: Some("TopicTest".into()),
            broker: Some("broker-a".into()),
            queue: 1,
            offset: 11,
        }
    );
    assert_eq!(request.max, Some(6), "the lag, at most PEEK");
    h.answer(Action::Fetched {
        id,
        result: Ok(answer(vec![stored("TopicTest", 11, b"next")], false)),
    });
    assert_eq!(h.app().context(), Context::Fetch);
    assert!(draw(h.app(), 120, 40).contains("peek of billing's next unconsumed"));
    // The fetch list's keys work on it; Esc goes back to the lens.
    h.press("enter");
    assert!(view(h.app()).detail);
    h.press("esc").press("esc");
    assert_eq!(h.app().context(), Context::Group);
    assert_eq!(lens_of(h.app()).cursor, 1, "on the row it was");
    h.press("esc");
    assert_eq!(h.app().context(), Context::Fetch, "then the list");
    h.press("esc");
    assert!(matches!(h.app().overlay, Overlay::None));
}

#[test]
fn enter_on_the_dlq_lists_its_dead_letters_newest_first() {
    let mut h = with_lens(false);
    for _ in 0..5 {
        h.press("j");
    }
    let fx = h.press_keeping_effects("enter");
    let Some(Effect::Fetch { id, request }) =
        fx.into_iter().find(|e| matches!(e, Effect::Fetch { .. }))
    else {
        panic!("no listing");
    };
    assert_eq!(request.locator, Locator::Dlq("billing".into()));
    // Oldest first from the fetcher, newest first on the screen.
    h.answer(Action::Fetched {
        id,
        result: Ok(answer(
            vec![
                stored("%DLQ%billing", 1, b"older"),
                stored("%DLQ%billing", 2, b"newer"),
            ],
            false,
        )),
    });
    assert_eq!(view(h.app()).messages()[0].body, b"newer");
    assert!(draw(h.app(), 120, 40).contains("Fetched (2, newest first)"));
    // The retry row asks for the retry queue.
    h.press("esc").press("k");
    let fx = h.press_keeping_effects("enter");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Fetch { request, .. }
            if request.locator == Locator::Retry("billing".into()))),
        "{fx:?}"
    );
}

#[test]
fn the_prompt_remembers_the_last_group_and_tab_cycles_the_recent_ones() {
    let mut h2 = in_log(ready_app());
    ask(&mut h2, "billing");
    h2.press("d");
    for _ in 0.."billing".len() {
        h2.press("backspace");
    }
    let id = ask_typed(&mut h2, "audit");
    assert_ne!(id, 0);
    h2.press("esc");
    assert!(matches!(h2.app().overlay, Overlay::None));
    h2.press("d");
    assert_eq!(lens_of(h2.app()).group, "audit", "the last group asked");
    h2.press("tab");
    assert_eq!(lens_of(h2.app()).group, "audit");
    h2.press("tab");
    assert_eq!(lens_of(h2.app()).group, "billing");
    assert!(draw(h2.app(), 120, 40).contains("recent: audit, billing"));
}

/// Enter after `group` is typed into the open prompt.
fn ask_typed(h: &mut Harness, group: &str) -> u64 {
    h.type_text(group);
    let fx = h.press_keeping_effects("enter");
    match fx
        .into_iter()
        .find(|e| matches!(e, Effect::GroupLens { .. }))
    {
        Some(Effect::GroupLens { id, .. }) => id,
        other => panic!("expected a group lens, got {other:?}"),
    }
}

fn consumed(m: &rmq_fetch::Stored, partial: bool) -> ConsumedBy {
    let mut c = Completeness::default();
    c.ask("broker-a");
    c.answer("broker-a");
    if partial {
        c.refuse("broker-a (group audit)", "no permission (code 16)");
    }
    ConsumedBy {
        offset_msg_id: m.offset_msg_id.clone(),
        topic: m.topic.clone(),
        queue_offset: m.queue_offset,
        groups: vec![
            ("billing".into(), Consumption::Consumed { offset: 41 }),
            ("audit".into(), Consumption::NotYet { offset: 12 }),
            ("late".into(), Consumption::NoOffset),
        ],
        completeness: c,
    }
}

#[test]
fn o_asks_which_groups_consumed_the_message_and_the_detail_says() {
    let mut h = with_answer(
        ready_app(),
        vec![
            stored("TopicTest", 17, b"one"),
            stored("TopicTest", 18, b"two"),
        ],
        false,
    );
    let fx = h.press_keeping_effects("o");
    let Some(Effect::ConsumedBy { id, message }) = fx
        .into_iter()
        .find(|e| matches!(e, Effect::ConsumedBy { .. }))
    else {
        panic!("o asked nothing");
    };
    assert_eq!(message.queue_offset, 17);
    assert!(view(h.app()).detail, "the detail opens");
    assert!(draw(h.app(), 120, 40).contains("asking the broker…"));
    // A stale answer (another id) is ignored.
    h.answer(Action::ConsumedBy {
        id: id + 100,
        result: Ok(consumed(&message, false)),
    });
    assert!(matches!(
        view(h.app()).consumed,
        Some(Consumed::Loading { .. })
    ));
    h.answer(Action::ConsumedBy {
        id,
        result: Ok(consumed(&message, false)),
    });
    let screen = draw(h.app(), 120, 40);
    assert!(
        screen.contains("consumed      consumed by billing (offset 41 > 17)"),
        "{screen}"
    );
    assert!(screen.contains("not yet by audit (at 12)"), "{screen}");
    assert!(screen.contains("late: no offset on this queue"), "{screen}");
    // Another message's detail does not show it.
    h.press("esc").press("j").press("enter");
    let screen = draw(h.app(), 120, 40);
    assert!(screen.contains("o-18"), "{screen}");
    assert!(!screen.contains("consumed      consumed by"), "{screen}");
}

#[test]
fn o_says_a_refusal_and_a_failure() {
    let mut h = with_answer(ready_app(), vec![stored("TopicTest", 17, b"one")], false);
    let fx = h.press_keeping_effects("o");
    let Some(Effect::ConsumedBy { id, message }) = fx
        .into_iter()
        .find(|e| matches!(e, Effect::ConsumedBy { .. }))
    else {
        panic!("o asked nothing");
    };
    h.answer(Action::ConsumedBy {
        id,
        result: Ok(consumed(&message, true)),
    });
    let screen = draw(h.app(), 120, 40);
    assert!(
        screen
            .contains("partial: asked 1 broker, answered 1; broker-a (group audit): no permission"),
        "{screen}"
    );
    assert_eq!(h.app().notice.as_ref().unwrap().level, Level::Warn);
    let fx = h.press_keeping_effects("o");
    let Some(Effect::ConsumedBy { id, .. }) = fx
        .into_iter()
        .find(|e| matches!(e, Effect::ConsumedBy { .. }))
    else {
        panic!("o asked nothing");
    };
    h.answer(Action::ConsumedBy {
        id,
        result: Err("topic TopicTest has no broker broker-a any more".into()),
    });
    assert!(draw(h.app(), 120, 40).contains("failed: topic TopicTest has no broker"));
}

#[test]
fn group_screens() {
    let mut h = in_log(ready_app());
    h.press("d").type_text("billing");
    insta::assert_snapshot!("group_prompt_80x24", draw(h.app(), 80, 24));
    let mut h = with_lens(true);
    h.press("j");
    insta::assert_snapshot!("group_lens_80x24", draw(h.app(), 80, 24));
    insta::assert_snapshot!("group_lens_120x40", draw(h.app(), 120, 40));
    let mut h = with_answer(ready_app(), vec![stored("TopicTest", 17, b"one")], false);
    let fx = h.press_keeping_effects("o");
    let Some(Effect::ConsumedBy { id, message }) = fx
        .into_iter()
        .find(|e| matches!(e, Effect::ConsumedBy { .. }))
    else {
        panic!("o asked nothing");
    };
    h.answer(Action::ConsumedBy {
        id,
        result: Ok(consumed(&message, false)),
    });
    insta::assert_snapshot!("consumed_by_80x24", draw(h.app(), 80, 24));
    insta::assert_snapshot!("consumed_by_120x40", draw(h.app(), 120, 40));
}

#[test]
fn the_loop_without_a_fetcher_answers_the_lens_and_o_with_why() {
    // The loop applies the effects (no fetcher in tests): each lookup is
    // answered in its own kind, so neither stays "asking…" for ever.
    let mut h = in_log(ready_app());
    h.press("d").type_text("billing").press("enter");
    let lens = lens_of(h.app());
    assert_eq!(lens.pending, None);
    assert_eq!(
        lens.error.as_deref(),
        Some("fetching is not available in this session")
    );
    let mut h = with_answer(ready_app(), vec![stored("TopicTest", 17, b"one")], false);
    h.press("o");
    assert!(
        matches!(&view(h.app()).consumed, Some(Consumed::Failed { why, .. })
            if why == "fetching is not available in this session"),
        "{:?}",
        view(h.app()).consumed
    );
}
