//! Message types through the binary, end to end on a real broker:
//! transactions decided by hand in the console (one row each, check-backs
//! counted on it, read back by message id), and FIFO asked in one-way going
//! sync with a notice (`send`, `replay`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rmq_engine::runtime::Runtime;
use rmq_sandbox::SandboxOptions;

use crate::common::*;

/// The lines of the results pane that mention `what`.
fn lines_with(screen: &str, what: &str) -> String {
    screen
        .lines()
        .filter(|l| l.contains(what))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A transaction decided by hand: sent with the type row set to `tx`, its
/// row PENDING until the operator decides; the broker checks back meanwhile
/// (answered unknown, not decided yet, counted on the row); `C` on the row
/// commits it and the row says COMMITTED, by whom and after how long.
#[test]
fn console_transaction_decided_by_hand() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmux = Tmux::console_on_own_sandbox(home.path(), tmp.path());
    tmux.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tmux.literal("decided by hand");
    tmux.keys(&["Tab"]);
    tmux.literal("tx");
    tmux.keys(&["Escape", "s"]);
    let pending = tmux.wait_for("the pending row", Duration::from_secs(30), |s| {
        s.contains("PENDING") && s.contains("commit/rollback/unknown")
    });
    eprintln!("--- pending row:\n{}", lines_with(&pending, "PENDING"));
    // Past transactionTimeout (3 s on the sandbox) the broker asks; the
    // check-back is counted on the transaction's own row.
    let checked = tmux.wait_for("a check-back on the row", Duration::from_secs(30), |s| {
        s.contains("×, last UNKNOWN")
    });
    eprintln!("--- checked row:\n{}", lines_with(&checked, "#1"));
    assert!(
        !checked.contains("CHECK-BACK"),
        "no row of its own: {checked}"
    );
    // After a send the keyboard is on the results log; the pending row is
    // the newest and stays selected: C decides #1.
    tmux.keys(&["C"]);
    let decided = tmux.wait_for("the commit", Duration::from_secs(30), |s| {
        s.contains("committed by operator after")
    });
    eprintln!("--- decided:\n{}", lines_with(&decided, "#1"));
    assert!(decided.contains("COMMITTED"), "{decided}");
    assert!(!decided.contains("OK SendOk"), "{decided}");
    tmux.keys(&["q"]);
    tmux.wait_for("the console to exit", Duration::from_secs(15), |s| {
        s.contains("EXIT=0")
    });
}

/// Issue 27, item 1, end to end on a real broker: two transactions left
/// PENDING in the console (`--namesrv`, policy "ask"); `q` meanwhile asks
/// first; while the broker's check-backs arrive, `X` on the selected one
/// (the newest, #2) rolls it back and `C` on #1 commits it. Read back with
/// a consumer by message id (the journal gives each row's id): #1's message
/// is consumed once, #2's never.
#[test]
fn console_two_transactions_decided_by_hand_read_back_by_msg_id() {
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let topic = unique("txhand");
    let tmux = Tmux::start(
        home.path(),
        &format!(
            "HOME={home} TMPDIR={tmp}",
            home = home.path().display(),
            tmp = tmp.path().display()
        ),
        &format!("--namesrv {}", sb.namesrv_addr),
        120,
    );
    tmux.wait_for("the console", Duration::from_secs(60), |s| {
        s.contains("Composer")
    });
    tmux.literal(&topic);
    tmux.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tmux.literal("tx-a");
    tmux.keys(&["Tab"]);
    tmux.literal("tx");
    tmux.keys(&["Escape", "s"]);
    tmux.wait_for("#1 pending", Duration::from_secs(30), |s| {
        s.lines().any(|l| l.contains("#1") && l.contains("PENDING"))
    });
    // The second with another body: `i` goes back to the field last left
    // (the type row), Shift-Tab to the body above it.
    tmux.keys(&["i", "BTab"]);
    tmux.literal("-b");
    tmux.keys(&["Escape", "s"]);
    let pending = tmux.wait_for("#2 pending", Duration::from_secs(30), |s| {
        s.lines().any(|l| l.contains("#2") && l.contains("PENDING"))
    });
    eprintln!("--- two pending:\n{}", lines_with(&pending, "PENDING"));
    // q asks, naming them; n stays.
    tmux.keys(&["q"]);
    let asked = tmux.wait_for("the quit question", Duration::from_secs(10), |s| {
        s.contains("Quit?") && s.contains("2 transaction(s) not settled at the broker")
    });
    eprintln!("--- quit question:\n{}", lines_with(&asked, "•"));
    tmux.keys(&["n"]);
    // Check-backs arrive on both rows while the operator decides.
    let checked = tmux.wait_for("check-backs on the rows", Duration::from_secs(30), |s| {
        s.lines()
            .filter(|l| l.contains("PENDING") && l.contains("checked "))
            .count()
            >= 2
    });
    assert!(
        !checked.contains("CHECK-BACK"),
        "no rows of their own: {checked}"
    );
    // The newest row (#2) is selected on entering the log: X rolls it back.
    tmux.keys(&["X"]);
    tmux.wait_for("#2 rolled back", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains("#2") && l.contains("rolled back by operator"))
    });
    tmux.keys(&["j", "C"]);
    let decided = tmux.wait_for("#1 committed", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains("#1") && l.contains("committed by operator"))
    });
    eprintln!("--- decided:\n{}", lines_with(&decided, "by operator"));
    for l in decided.lines().filter(|l| l.contains("by operator")) {
        assert!(!l.contains("OK SendOk"), "{l}");
    }
    // Nothing at stake any more: q quits at once, and says what it did.
    tmux.keys(&["q"]);
    let exit = tmux.wait_for("the console to exit", Duration::from_secs(15), |s| {
        s.contains("EXIT=0")
    });
    assert!(exit.contains("rmq-console: sent 2: 2 ok"), "{exit}");
    // Each row's message id, from the journal.
    let journal = home
        .path()
        .join(".local/state/rmq-console/journal/journal.jsonl");
    let ids: HashMap<u64, String> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        // A send is written ahead (no id yet), then with its outcome.
        .filter_map(|v| Some((v["seq"].as_u64()?, v["msg_id"].as_str()?.to_string())))
        .collect();
    let (committed, rolled_back) = (ids[&1].clone(), ids[&2].clone());
    let rt = Runtime::new().unwrap();
    let counts = rt.block_on(async {
        let (client, consumer) = fresh_consumer(&rt, &sb.namesrv_addr, &topic).await;
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut settle_until: Option<Instant> = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        // Until the committed one is read, then 5 s more (check rounds are
        // 1 s apart: long enough for a rolled-back one to surface).
        while Instant::now() < deadline && settle_until.is_none_or(|t| Instant::now() < t) {
            for m in consumer.poll_with_timeout(500).await {
                let id = rocketmq_model::common::message::message_client_id_setter::MessageClientIDSetter::get_uniq_id(&m)
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                *counts.entry(id).or_default() += 1;
            }
            if settle_until.is_none() && counts.contains_key(&committed) {
                settle_until = Some(Instant::now() + Duration::from_secs(5));
            }
        }
        consumer.shutdown().await;
        let _ = client.shutdown().await;
        counts
    });
    rt.shutdown();
    eprintln!(
        "FIGURES read back by msg id: {counts:?} (committed {committed}, rolled back {rolled_back})"
    );
    assert_eq!(counts.get(&committed), Some(&1), "the committed one, once");
    assert_eq!(counts.get(&rolled_back), None, "the rolled-back one, never");
}

/// Issue 27, item 6: FIFO asked for in one-way (`send --mode oneway`, and a
/// replay line's `"mode":"oneway"`) is sent sync with a notice, not
/// refused: acknowledged by the broker and read back.
#[test]
fn fifo_asked_in_oneway_goes_sync_with_a_notice_headless_and_in_replay() {
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let topic = unique("fifosync");
    let out = binary(home.path())
        .args(["send", "--namesrv", &sb.namesrv_addr, "--topic", &topic])
        .args([
            "--body",
            "fifo-send",
            "--sharding-key",
            "k",
            "--mode",
            "oneway",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "--- $ rmq-console send --sharding-key k --mode oneway (exit {:?})\n{stdout}{stderr}",
        out.status.code()
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("notice: --sharding-key: sent sync: FIFO keeps order only for sync sends"),
        "{stderr}"
    );
    let line: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        (line["mode"].as_str(), line["state"].as_str()),
        (Some("sync"), Some("acknowledged"))
    );

    let file = home.path().join("fifo.jsonl");
    std::fs::write(
        &file,
        format!("{{\"topic\":\"{topic}\",\"body\":\"fifo-replay\",\"type\":\"fifo k\",\"mode\":\"oneway\"}}\n"),
    )
    .unwrap();
    let out = binary(home.path())
        .args([
            "replay",
            file.to_str().unwrap(),
            "--namesrv",
            &sb.namesrv_addr,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr
            .contains(":1: notice: sent sync: FIFO keeps order only for sync sends (asked oneway)"),
        "{stderr}"
    );
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(
        (line["mode"].as_str(), line["state"].as_str()),
        (Some("sync"), Some("acknowledged"))
    );

    let rt = Runtime::new().unwrap();
    let got = rt.block_on(read_back(&rt, &sb.namesrv_addr, &topic, 2));
    rt.shutdown();
    let mut bodies: Vec<String> = got
        .iter()
        .map(|m| String::from_utf8_lossy(m.body().as_deref().unwrap_or_default()).into_owned())
        .collect();
    bodies.sort();
    assert_eq!(bodies, ["fifo-replay", "fifo-send"]);
}
