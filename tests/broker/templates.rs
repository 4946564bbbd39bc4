//! Templates in the body and properties (issue 29, item 3) on the sandbox:
//! `send --count 100` with `{n}` and `{uuid}` in the body and `{n}` in a
//! property stores 100 distinct bodies, `{n}` = 1..100 once each, read
//! back with a consumer; `--no-expand` stores the text as written.

use std::collections::BTreeSet;
use std::time::Duration;

use cheetah_string::CheetahString;
use rmq_engine::runtime::Runtime;
use rmq_sandbox::SandboxOptions;
use rocketmq_model::common::message::MessageTrait;

use crate::common::*;
use crate::seed::{Seeded, seeded_topic};

#[test]
fn a_templated_burst_of_100_stores_100_distinct_bodies_numbered_1_to_100() {
    let Seeded(sb, _, home, rt, topic) = seeded_topic("tmpl", 4);
    let out = binary(home.path())
        .args(["send", "--namesrv", &sb.namesrv_addr, "--topic", &topic])
        .args(["--body", r#"{"n":{n},"id":"{uuid}","at":"{now}"}"#])
        .args(["--property", "n={n}", "--property", "size={pick:S|M|L}"])
        .args([
            "--key-template",
            "t-{n}",
            "--mode",
            "async",
            "--count",
            "100",
        ])
        .args(["--quiet"])
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let got = rt.block_on(read_back(&rt, &sb.namesrv_addr, &topic, 100));
    let bodies: BTreeSet<Vec<u8>> = got
        .iter()
        .map(|m| m.body().map(|b| b.to_vec()).unwrap_or_default())
        .collect();
    assert_eq!(bodies.len(), 100, "100 distinct bodies of {}", got.len());
    let mut ns = Vec::new();
    let mut ids = BTreeSet::new();
    for m in &got {
        let body = m.body().map(|b| b.to_vec()).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
        let n = v["n"].as_u64().expect("n is a number");
        ns.push(n);
        ids.insert(v["id"].as_str().expect("id").to_string());
        assert!(
            chrono::DateTime::parse_from_rfc3339(v["at"].as_str().unwrap()).is_ok(),
            "{{now}} is RFC 3339: {v}"
        );
        let prop = |name: &str| {
            m.get_user_property(CheetahString::from(name))
                .map(|p| p.to_string())
        };
        assert_eq!(
            prop("n"),
            Some(n.to_string()),
            "the property expands with the body"
        );
        assert!(
            matches!(prop("size").as_deref(), Some("S" | "M" | "L")),
            "{:?}",
            prop("size")
        );
        let keys = m.get_keys().map(|k| k.to_string());
        assert_eq!(keys, Some(format!("t-{n}")));
    }
    ns.sort_unstable();
    assert_eq!(
        ns,
        (1..=100).collect::<Vec<u64>>(),
        "{{n}} = 1..100, one of each"
    );
    assert_eq!(ids.len(), 100, "a fresh {{uuid}} per message");

    // --no-expand: the body and properties go as written.
    let raw = unique("tmplraw");
    rt.block_on(create_topic(&rt, &sb.namesrv_addr, &raw, 1, 1));
    let out = binary(home.path())
        .args(["send", "--namesrv", &sb.namesrv_addr, "--topic", &raw])
        .args(["--body", "n={n}", "--property", "p={uuid}", "--no-expand"])
        .args(["--count", "2", "--quiet"])
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = rt.block_on(read_back(&rt, &sb.namesrv_addr, &raw, 2));
    assert_eq!(got.len(), 2);
    for m in &got {
        assert_eq!(m.body().as_deref(), Some(&b"n={n}"[..]));
        let p = m.get_user_property(CheetahString::from("p"));
        assert_eq!(p.map(|p| p.to_string()).as_deref(), Some("{uuid}"));
    }
}

/// A wrong placeholder in `send`'s body, a property or the key template,
/// or in a line of `replay --expand`, is refused with the field, the
/// placeholder and its position: exit 2, before a sandbox starts (no
/// config here, so one would stand in).
#[test]
fn a_wrong_placeholder_is_refused_with_its_position_before_anything_starts() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("r.jsonl");
    std::fs::write(
        &file,
        "{\"topic\":\"t\",\"body\":\"ok {n}\"}\n{\"topic\":\"t\",\"body\":\"x {nope}\"}\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["send", "--topic", "t", "--body", r#"{"qty":{rand:5..1}}"#],
            "body: {rand:5..1} at column 8: the range is empty (--no-expand sends",
        ),
        (
            &[
                "send",
                "--topic",
                "t",
                "--body",
                "x",
                "--property",
                "p={pick}",
            ],
            "property p: {pick} at column 1: write {pick:a|b|c}",
        ),
        (
            &[
                "send",
                "--topic",
                "t",
                "--body",
                "x",
                "--key-template",
                "k-{seq",
            ],
            "--key-template: {seq at column 3: not closed",
        ),
        (
            &["replay", file, "--expand"],
            ":2: body: {nope} at column 3: unknown placeholder",
        ),
    ];
    for (args, want) in cases {
        let out = binary(home.path()).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert!(
        !home
            .path()
            .join(".local/state/rmq-console/sandboxes")
            .exists(),
        "no sandbox started"
    );
    // Without --expand the same replay file is valid: byte for byte.
    let out = binary(home.path())
        .args(["replay", file, "--dry-run"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `replay --expand` expands each line's body and properties (`{n}`
/// counting the replay's messages in file order); without it the same file
/// is stored byte for byte.
#[test]
fn replay_expands_only_when_asked() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (expanded, raw) = (unique("rexp"), unique("rraw"));
    let file = home.path().join("r.jsonl");
    let line = r#"{"topic":"T","body":"m{n}-{uuid}","properties":{"n":"{n}"}}"#;
    std::fs::write(&file, format!("{line}\n{line}\n{line}\n")).unwrap();
    for (topic, flags) in [(&expanded, &["--expand"][..]), (&raw, &[][..])] {
        rt.block_on(create_topic(&rt, &sb.namesrv_addr, topic, 1, 1));
        let out = binary(home.path())
            .args([
                "replay",
                file.to_str().unwrap(),
                "--namesrv",
                &sb.namesrv_addr,
            ])
            .args(["--topic", topic, "--quiet"])
            .args(flags)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let bodies = |topic: &str| -> Vec<(String, String)> {
        let got = rt.block_on(read_back(&rt, &sb.namesrv_addr, topic, 3));
        let mut v: Vec<(String, String)> = got
            .iter()
            .map(|m| {
                let body = m.body().map(|b| b.to_vec()).unwrap_or_default();
                let body = String::from_utf8_lossy(&body);
                let n = m.get_user_property(CheetahString::from("n"));
                (
                    body.into_owned(),
                    n.map(|p| p.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let got = bodies(&expanded);
    assert_eq!(got.len(), 3, "{got:?}");
    for (i, (body, n)) in got.iter().enumerate() {
        let want = format!("m{}-", i + 1);
        assert!(
            body.starts_with(&want) && body.len() == want.len() + 32,
            "{body}"
        );
        assert_eq!(n, &(i + 1).to_string());
    }
    let got = bodies(&raw);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got.iter().all(|(b, n)| b == "m{n}-{uuid}" && n == "{n}"),
        "byte for byte: {got:?}"
    );
}

/// The same through the console's keys: a body with `{n}` and `{uuid}`,
/// the repeat form (`r`, count 100, Enter), the burst's summary row; the
/// broker holds 100 distinct bodies with `{n}` = 1..100 once each, and the
/// composer still holds the template, not an expansion.
#[test]
fn a_console_repeat_burst_of_100_expands_n_and_uuid_in_the_body() {
    let Seeded(sb, _, home, rt, topic) = seeded_topic("tmplconsole", 4);
    let tmux = Tmux::console_on(home.path(), &sb.namesrv_addr, 120);
    // The keyboard starts in the topic; the body is four fields down.
    tmux.literal(&topic);
    tmux.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tmux.literal(r#"{"n":{n},"id":"{uuid}"}"#);
    tmux.keys(&["Escape", "r"]);
    tmux.wait_for("the repeat form", Duration::from_secs(10), |s| {
        s.contains("preview")
    });
    // The count field has the keyboard: clear it, type 100, start.
    tmux.keys(&["C-c"]);
    tmux.literal("100");
    tmux.wait_for("the preview of message 3", Duration::from_secs(10), |s| {
        s.contains(r#"{"n":3,"id":""#)
    });
    tmux.keys(&["Enter"]);
    let done = tmux.wait_for("the burst's summary", Duration::from_secs(60), |s| {
        s.contains("burst #1 done: 100 sent")
    });
    assert!(done.contains("100 ok"), "{done}");
    assert!(
        done.contains(r#"{"n":{n},"id":"{uuid}"}"#),
        "the composer keeps the template: {done}"
    );

    let got = rt.block_on(read_back(&rt, &sb.namesrv_addr, &topic, 100));
    let mut ns = Vec::new();
    let mut ids = BTreeSet::new();
    for m in &got {
        let body = m.body().map(|b| b.to_vec()).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
        ns.push(v["n"].as_u64().expect("n is a number"));
        let id = v["id"].as_str().expect("id").to_string();
        assert_eq!(id.len(), 32, "{id}");
        ids.insert(id);
    }
    ns.sort_unstable();
    assert_eq!(
        ns,
        (1..=100).collect::<Vec<u64>>(),
        "{{n}} is 1..100 once each"
    );
    assert_eq!(ids.len(), 100, "100 distinct uuids");

    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("EXIT=0")
    });
    sb.stop();
}
