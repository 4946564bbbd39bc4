//! One-way `--verify` when the count cannot be made: the name server dies
//! in the middle of a paced one-way burst, so the probe's route lookup
//! after the burst fails. The operator is told it could not count, never
//! that nothing landed.

use std::time::Duration;

use rmq_sandbox::{SandboxOptions, Server};

use crate::common::*;

/// On main the failed lookup counted as offset 0: `verify: 0 of N one-way
/// messages landed` (or fewer than were sent), a loss report for messages
/// the broker stored.
#[test]
fn verify_says_it_could_not_count_when_the_route_lookup_fails() {
    let sb = start_sandbox(SandboxOptions::default());
    let topic = unique("verify");
    let home = tempfile::tempdir().unwrap();
    // The topic exists first, so the count before the burst is a real one.
    let first = binary(home.path())
        .args(["send", "--namesrv", &sb.namesrv_addr, "--topic", &topic])
        .args(["--body", "x", "--mode", "sync", "--no-journal"])
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let mut cmd = binary(home.path());
    cmd.args(["send", "--namesrv", &sb.namesrv_addr, "--topic", &topic])
        .args([
            "--body", "x", "--mode", "oneway", "--count", "200", "--rate", "100",
        ])
        .args(["--verify", "--no-journal"]);
    let mut send = LiveSend::start(cmd);
    send.until("the burst under way", Duration::from_secs(30), |v| {
        v["seq"].as_u64() >= Some(20)
    });
    signal(sb.pid(Server::Namesrv).unwrap(), libc::SIGKILL);
    let (status, stderr) = send.finish(Duration::from_secs(60));
    eprintln!("{stderr}");
    assert_eq!(status.code(), Some(1), "not a pass: {stderr}");
    assert!(
        stderr.contains("verify: could not count what landed"),
        "{stderr}"
    );
    assert!(!stderr.contains("landed in"), "no count was made: {stderr}");
    assert_eq!(
        send.states().get("dispatched"),
        Some(&200),
        "{:?}",
        send.states()
    );
}
