//! The guided tour end to end: `rmq-console demo` (the built-in tour) in a
//! 120x40 tmux pane on a sandbox, each step walked with → and its narration
//! and outcome read from the screen, the transaction committed with C, then
//! what the tour stored read back with a consumer.

use std::collections::HashMap;
use std::time::Duration;

use rmq_engine::runtime::Runtime;
use rmq_sandbox::SandboxOptions;

use crate::common::*;

const TOPIC: &str = "rmq-console-tour";

/// The screen's line that holds `what`, for a failure's message.
fn line_with<'a>(screen: &'a str, what: &str) -> &'a str {
    screen.lines().find(|l| l.contains(what)).unwrap_or("")
}

#[test]
fn demo_walks_the_built_in_tour_each_step_acknowledged_and_read_back() {
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        home.path(),
        &format!(
            "HOME={home} TMPDIR={tmp}",
            home = home.path().display(),
            tmp = tmp.path().display()
        ),
        &format!("demo --namesrv {}", sb.namesrv_addr),
        120,
    );
    let wait = Duration::from_secs(30);

    // 1. One sync message: the narration, then its acknowledgement fields.
    let s = tmux.wait_for("step 1 acknowledged", Duration::from_secs(60), |s| {
        s.contains("Tour 1/7 · One sync message") && line_with(s, "#1 ").contains("OK SendOk")
    });
    assert!(
        s.contains("Sync: the call returns only once the broker"),
        "{s}"
    );
    assert!(s.contains("Watch: The row turns OK"), "{s}");
    assert!(
        line_with(&s, "#1 ").contains("broker-a:"),
        "queue and offset: {s}"
    );

    // 2. One async message: acknowledged through its callback.
    tmux.keys(&["Right"]);
    let s = tmux.wait_for("step 2 acknowledged", wait, |s| {
        s.contains("Tour 2/7 · One async message") && line_with(s, "#2 ").contains("OK SendOk")
    });
    assert!(line_with(&s, "#2 ").contains(" cb "), "the callback: {s}");

    // 3. One one-way message: dispatched, then the landed count.
    tmux.keys(&["Right"]);
    let s = tmux.wait_for("step 3 landed", wait, |s| {
        s.contains("Tour 3/7 · One one-way message")
            && s.contains("1 of 1 one-way messages landed in rmq-console-tour")
    });
    assert!(line_with(&s, "#3 ").contains("DISPATCHED"), "{s}");
    assert!(s.contains("cannot know whether it was stored"), "{s}");

    // 4. A burst of each mode: the compare view under the narration.
    tmux.keys(&["Right"]);
    let s = tmux.wait_for("the comparison done", Duration::from_secs(120), |s| {
        s.contains("Tour 4/7") && s.contains("done  200 × 128 B to rmq-console-tour")
    });
    for mode in ["sync ", "async ", "oneway~"] {
        let row = line_with(&s, mode);
        assert!(row.contains(" 200 "), "{mode}: {row}\n{s}");
    }
    tmux.keys(&["Escape"]);
    let s = tmux.wait_for("the comparison's summary row", wait, |s| {
        s.contains("comparison #1 done: Sync 200 ok")
    });
    assert!(s.contains("Async 200 ok"), "{s}");

    // 5. A transaction, decided here: PENDING until C.
    tmux.keys(&["Right"]);
    tmux.wait_for("the pending transaction", wait, |s| {
        s.contains("Tour 5/7") && s.lines().any(|l| l.contains("PENDING"))
    });
    tmux.keys(&["C"]);
    tmux.wait_for("the commit", wait, |s| {
        s.contains("committed by operator after")
    });

    // 6. A delayed message counting down.
    tmux.keys(&["Right"]);
    let s = tmux.wait_for("the countdown", wait, |s| {
        s.contains("Tour 6/7") && s.contains("visible in ")
    });
    assert!(line_with(&s, "visible in ").contains("OK SendOk"), "{s}");

    // 7. A FIFO key: five acknowledged, one burst.
    tmux.keys(&["Right"]);
    let s = tmux.wait_for("the FIFO burst", wait, |s| {
        s.contains("Tour 7/7") && s.contains("5 sent in Sync") && s.contains("5 ok")
    });
    assert!(s.contains("rmq-console-tour/order-42"), "{s}");

    // Esc leaves the tour; the composer is back as the tour left it.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the console without the tour", wait, |s| {
        !s.contains("Tour 7/7") && s.contains("left the tour")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", wait, |s| s.contains("EXIT=0"));

    // What the tour stored, read back: each step's message(s), FIFO's on
    // one queue; the delayed one arrives 20 s after its send.
    let rt = Runtime::new().unwrap();
    let got = rt.block_on(read_back(&rt, &sb.namesrv_addr, TOPIC, 610));
    rt.shutdown();
    let mut bodies: HashMap<String, usize> = HashMap::new();
    let mut fifo_queues = std::collections::BTreeSet::new();
    for m in &got {
        let body = String::from_utf8_lossy(m.body().as_deref().unwrap_or_default()).into_owned();
        if body.starts_with("order-42") {
            fifo_queues.insert(m.queue_id());
        }
        *bodies.entry(body).or_default() += 1;
    }
    let count = |b: &str| bodies.get(b).copied().unwrap_or(0);
    eprintln!("FIGURES tour read back: {} messages", got.len());
    assert_eq!(count("hello from the tour: sync"), 1);
    assert_eq!(count("hello from the tour: async"), 1);
    assert_eq!(count("hello from the tour: one-way"), 1);
    assert_eq!(count("a transaction from the tour"), 1, "committed");
    assert_eq!(count("delivered 20 s after the send"), 1);
    assert_eq!(count("order-42: the next step of the order"), 5);
    assert_eq!(fifo_queues.len(), 1, "one queue: {fifo_queues:?}");
    assert!(
        count(&"x".repeat(128)) >= 400,
        "the comparison's sync and async"
    );
}
