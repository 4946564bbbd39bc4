//! End to end: the binary in a pseudo-terminal (tmux), on its own sandbox,
//! driven by keys and read from the screen.

use std::time::Duration;

use crate::common::*;

/// End to end: the binary in a pseudo-terminal, started with an empty HOME
/// on its own sandbox; a message is typed and sent in each mode, and the
/// screen shows the three outcomes and the counters.
#[test]
fn console_sends_in_each_mode_end_to_end() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmux = Tmux::console_on_own_sandbox(home.path(), tmp.path());

    // The sandbox starts with a topic filled in, so a newcomer can send at once.
    assert!(tmux.screen().contains("demo-topic"), "{}", tmux.screen());
    tmux.keys(&["Tab"]);
    tmux.literal("paid");
    tmux.keys(&["Tab"]);
    tmux.literal("order-1 user-9");
    tmux.keys(&["Tab"]);
    tmux.literal("region=eu");
    tmux.keys(&["Tab"]);
    tmux.literal("héllo from the e2e test");
    tmux.keys(&["C-s"]);
    tmux.wait_for("the sync acknowledgement", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(" sync ") && l.contains("OK SendOk"))
    });
    // The send moved the keyboard to the results log. Esc and 2 in one
    // write, as a slow SSH link delivers them (read as Alt-2): picks Async.
    tmux.cmd(&["send-keys", "-t", "e2e", "Escape", "2"]);
    tmux.keys(&["C-s"]);
    tmux.wait_for("the async callback", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(" async ") && l.contains("OK SendOk") && l.contains("cb "))
    });
    tmux.keys(&["3", "s"]);
    let screen = tmux.wait_for("the one-way dispatch", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(" oneway ") && l.contains("DISPATCHED"))
    });
    let _ = std::fs::write(root.join("target/e2e-screen.txt"), &screen);
    // mode, sent, ok, fail per row of the counters pane.
    assert_eq!(
        row(&screen, "Sync").get(1..4),
        Some(&["1", "1", "0"][..]),
        "{screen}"
    );
    assert_eq!(
        row(&screen, "Async").get(1..4),
        Some(&["1", "1", "0"][..]),
        "{screen}"
    );
    assert_eq!(
        row(&screen, "One-way").get(1..4),
        Some(&["1", "1", "0"][..]),
        "{screen}"
    );
    assert!(
        screen.contains("delivery unverified"),
        "one-way is honest about delivery"
    );

    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("EXIT=0")
    });
}

/// SIGHUP (the SSH connection dropped: tmux kills the pane's processes with
/// it) or SIGTERM to a console with async sends in flight: it shuts the
/// producer down with a short grace, logs the unresolved sends, stops its
/// sandbox and removes the store, within the send timeout plus a second.
fn console_ends_in_order_on(sig: i32, name: &str) {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmux = Tmux::console_on_own_sandbox(home.path(), tmp.path());
    let shell: u32 = tmux
        .cmd(&["list-panes", "-t", "e2e", "-F", "#{pane_pid}"])
        .trim()
        .parse()
        .expect("pane pid");
    let console = *children_of(shell).first().expect("the console runs");
    let servers = servers_of(console);
    assert_eq!(servers.len(), 2, "{servers:?}");
    let store: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(store.len(), 1, "one sandbox store: {store:?}");

    // One acknowledged async send warms the route and opens the async
    // window; then the broker is frozen so the next ones stay in flight.
    tmux.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tmux.literal("warm-up");
    tmux.keys(&["Escape", "2", "s"]);
    tmux.wait_for("the first callback", Duration::from_secs(30), |s| {
        s.contains("OK SendOk")
    });
    let (broker, _) = *servers.iter().find(|(_, k)| *k == "broker").unwrap();
    signal(broker, libc::SIGSTOP);
    tmux.keys(&["s", "s", "s"]);
    tmux.wait_for(
        "three async sends in flight",
        Duration::from_secs(10),
        |s| row(s, "Async").get(4) == Some(&"3"),
    );

    let signalled = std::time::Instant::now();
    if sig == libc::SIGHUP {
        // What an SSH disconnect does: the pane and its terminal go away.
        tmux.cmd(&["kill-session", "-t", "e2e"]);
    } else {
        signal(console, sig);
    }
    wait_until("the console to exit", Duration::from_secs(10), || {
        !alive(console)
    });
    let took = signalled.elapsed();
    eprintln!("{name}: the console exited {took:?} after the signal");
    // The sandbox's default send timeout is 3 s.
    assert!(
        took < Duration::from_secs(4),
        "{name}: exited in {took:?}, within the send timeout plus a second"
    );
    for (pid, kind) in &servers {
        assert!(!alive(*pid), "{name}: the {kind} ({pid}) is gone");
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{name}: no store left: {left:?}");
    let log = std::fs::read_to_string(home.path().join(".local/state/rmq-console/rmq-console.log"))
        .unwrap();
    assert!(log.contains(&format!("{name}: shutting down")), "{log}");
    assert!(
        log.contains("3 send(s) unresolved at exit: #2 async, #3 async, #4 async"),
        "{name}: the log lists the unresolved sends:\n{log}"
    );
}

#[test]
fn sighup_ends_the_console_in_order() {
    console_ends_in_order_on(libc::SIGHUP, "SIGHUP");
}

#[test]
fn sigterm_ends_the_console_in_order() {
    console_ends_in_order_on(libc::SIGTERM, "SIGTERM");
}

/// The compare view as an operator runs it: `c`, a count, Enter, in a
/// console with its journal on (the default). Each mode's burst starts after
/// the one before has ended, and the table adds up. A journal entry for the
/// async burst's last callback once crowded out the one-way burst, and the
/// view waited for it for ever.
#[test]
fn console_compares_the_modes_end_to_end() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmux = Tmux::console_on_own_sandbox(home.path(), tmp.path());
    tmux.keys(&["Escape", "c"]);
    tmux.wait_for("the compare form", Duration::from_secs(10), |s| {
        s.contains("Compare the modes")
    });
    // The count field has focus and holds 1000.
    tmux.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    tmux.literal("300");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the comparison's end", Duration::from_secs(60), |s| {
        s.contains("comparison done")
    });
    // mode, sent, ok, fail, dispatched.
    assert_eq!(
        row(&screen, "sync").get(1..4),
        Some(&["300", "300", "0"][..]),
        "{screen}"
    );
    assert_eq!(
        row(&screen, "async").get(1..4),
        Some(&["300", "300", "0"][..]),
        "{screen}"
    );
    let oneway = row(&screen, "oneway");
    assert_eq!(
        oneway.get(1..5),
        Some(&["300", "-", "0", "300"][..]),
        "{screen}"
    );
    // landed: "N (P%)" with 0 < N <= 300.
    let landed: u64 = oneway
        .iter()
        .rev()
        .nth(1)
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("landed in {oneway:?}"));
    assert!(0 < landed && landed <= 300, "{screen}");
    // The session's counters behind the view leave the comparison's sends
    // out; the results log has its one summary row instead of 900 rows.
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("the counters", Duration::from_secs(10), |s| {
        !s.contains("Compare the modes")
    });
    assert_eq!(
        row(&screen, "Sync").get(1..3),
        Some(&["0", "0"][..]),
        "{screen}"
    );
    assert!(
        screen.contains("comparison #1 done: Sync 300 ok"),
        "{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("EXIT=0")
    });
    // And the journal holds every one of them, once, with its outcome:
    // two lines each, the one written before it left and its outcome.
    let journal = home
        .path()
        .join(".local/state/rmq-console/journal/journal.jsonl");
    let text = std::fs::read_to_string(&journal).expect("the journal");
    assert_eq!(text.lines().count(), 1800, "{}", journal.display());
    let read = rmq_journal::read_dir(journal.parent().unwrap()).expect("the journal reads");
    assert_eq!(read.records.len(), 900);
    assert!(read.records.iter().all(rmq_journal::Record::has_outcome));
}
