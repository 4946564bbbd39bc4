//! Replay and history on a real broker: a file with good and bad lines is
//! validated before anything is sent, the good lines are stored exactly
//! (read back with a consumer and compared field by field), and a journal
//! exported with `history` replays to the same messages.

use cheetah_string::CheetahString;
use rmq_engine::runtime::Runtime;
use rmq_sandbox::SandboxOptions;
use rocketmq_model::common::message::MessageTrait;

use crate::common::*;

/// What a good line of the test file says, to compare with what was read.
struct Want {
    line: usize,
    tag: Option<&'static str>,
    keys: Option<&'static str>,
    props: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    state: &'static str,
}

const WANT: [Want; 4] = [
    Want {
        line: 1,
        tag: Some("paid"),
        keys: Some("o-1 u-9"),
        props: &[("region", "eu"), ("n", "1")],
        body: "héllo".as_bytes(),
        state: "acknowledged",
    },
    Want {
        line: 2,
        tag: None,
        keys: None,
        props: &[],
        body: &[0xff, 0x00, 0x80, 0x01],
        state: "acknowledged",
    },
    Want {
        line: 5,
        tag: Some("t2"),
        keys: Some("k-3"),
        props: &[],
        body: b"third",
        state: "dispatched",
    },
    Want {
        line: 7,
        tag: None,
        keys: None,
        props: &[("only", "one")],
        body: b"fourth",
        state: "acknowledged",
    },
];

fn file(topic: &str) -> String {
    [
        format!(
            r#"{{"topic":"{topic}","tag":"paid","keys":["o-1","u-9"],"properties":{{"region":"eu","n":"1"}},"body":"héllo","mode":"sync"}}"#
        ),
        format!(r#"{{"topic":"{topic}","body_base64":"/wCAAQ==","mode":"async"}}"#),
        format!(r#"{{"topic":"{topic}","body":"#),
        format!(r#"{{"topic":"{topic}","body":"x","body_base64":"eA=="}}"#),
        format!(r#"{{"topic":"{topic}","tag":"t2","keys":"k-3","body":"third","mode":"oneway"}}"#),
        format!(r#"{{"topic":"{topic}","properties":{{"KEYS":"x"}},"body":"x"}}"#),
        format!(r#"{{"topic":"{topic}","properties":[["only","one"]],"body":"fourth"}}"#),
    ]
    .join("\n")
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Reads `topic` back and compares every stored message with `WANT`.
fn assert_stored(rt: &Runtime, namesrv: &str, topic: &str) {
    let stored = rt.block_on(read_back(rt, namesrv, topic, WANT.len()));
    // The session, for whoever runs this with --nocapture.
    eprintln!("--- the consumer read from {topic}:");
    for m in &stored {
        let s = |v: Option<CheetahString>| v.map(|v| v.to_string()).unwrap_or_default();
        let body = m.body().unwrap_or_default();
        let props: Vec<String> = ["region", "n", "only"]
            .iter()
            .filter_map(|k| {
                m.get_user_property(CheetahString::from(*k))
                    .map(|v| format!("{k}={v}"))
            })
            .collect();
        eprintln!(
            "tag={} keys={} props=[{}] body={}",
            s(m.get_tags()),
            s(m.get_keys()),
            props.join(","),
            match std::str::from_utf8(&body) {
                Ok(t) => format!("{t:?}"),
                Err(_) => format!("bytes {:02x?}", &body[..]),
            }
        );
    }
    assert_eq!(
        stored.len(),
        WANT.len(),
        "exactly the good lines, once each"
    );
    for w in &WANT {
        let m = stored
            .iter()
            .find(|m| m.body().as_deref() == Some(w.body))
            .unwrap_or_else(|| panic!("line {} not read back", w.line));
        let s = |v: Option<CheetahString>| v.map(|v| v.to_string());
        assert_eq!(m.topic().as_str(), topic);
        assert_eq!(s(m.get_tags()).as_deref(), w.tag, "line {}", w.line);
        assert_eq!(s(m.get_keys()).as_deref(), w.keys, "line {}", w.line);
        for (k, v) in w.props {
            assert_eq!(
                s(m.get_user_property(CheetahString::from(*k))).as_deref(),
                Some(*v),
                "line {} property {k}",
                w.line
            );
        }
    }
}

#[test]
fn replay_validates_first_sends_exactly_the_good_lines_and_a_journal_replays_the_same() {
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| binary(home.path()).args(args).output().expect("runs");
    let topic = unique("replay");
    let path = home.path().join("msgs.jsonl");
    std::fs::write(&path, file(&topic)).unwrap();
    let p = path.to_str().unwrap();

    // The dry run names exactly the bad lines and what would be sent.
    eprintln!("--- {p}:\n{}", file(&topic));
    let dry = run(&["replay", p, "--dry-run"]);
    eprintln!(
        "--- $ rmq-console replay {p} --dry-run   (exit {:?})\n{}{}",
        dry.status.code(),
        String::from_utf8_lossy(&dry.stdout),
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(dry.status.code(), Some(2), "an invalid file");
    let stderr = String::from_utf8_lossy(&dry.stderr);
    let named: Vec<&str> = stderr.lines().filter(|l| l.starts_with(p)).collect();
    assert_eq!(named.len(), 3, "{stderr}");
    for (l, (n, why)) in named.iter().zip([
        (3, "broken JSON"),
        (4, "both `body` and `body_base64`"),
        (6, "properties: `KEYS` is a reserved RocketMQ property name"),
    ]) {
        assert!(l.starts_with(&format!("{p}:{n}: {why}")), "{l}");
    }
    let would: Vec<u64> = json_lines(&dry.stdout)
        .iter()
        .map(|v| v["line"].as_u64().unwrap())
        .collect();
    assert_eq!(would, [1, 2, 5, 7]);

    // Without --skip-invalid nothing is sent.
    let refused = run(&["replay", p, "--namesrv", &sb.namesrv_addr]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());

    let sent = run(&["replay", p, "--skip-invalid", "--namesrv", &sb.namesrv_addr]);
    let stderr = String::from_utf8_lossy(&sent.stderr).to_string();
    eprintln!(
        "--- $ rmq-console replay {p} --skip-invalid --namesrv ADDR   (exit {:?})\n{}{stderr}",
        sent.status.code(),
        String::from_utf8_lossy(&sent.stdout)
    );
    assert!(sent.status.success(), "{stderr}");
    let lines = json_lines(&sent.stdout);
    assert_eq!(lines.len(), 4);
    for w in &WANT {
        let l = lines
            .iter()
            .find(|l| l["line"] == w.line)
            .unwrap_or_else(|| panic!("no output for line {}", w.line));
        assert_eq!(l["state"], w.state, "{l}");
    }
    // A sync message waits for its ack before the next one goes.
    let at = |line: u64, key: &str| {
        let l = lines.iter().find(|l| l["line"] == line).unwrap();
        chrono::DateTime::parse_from_rfc3339(l[key].as_str().unwrap()).unwrap()
    };
    assert!(
        at(7, "submitted_at") >= at(1, "completed_at"),
        "sync in file order"
    );
    for mode in ["sync:", "async:", "oneway:"] {
        assert!(stderr.contains(mode), "a summary per mode: {stderr}");
    }
    let rt = Runtime::new().unwrap();
    assert_stored(&rt, &sb.namesrv_addr, &topic);

    // The journal, exported, is a replay file of the same messages.
    let export = run(&["history", "--topic", &topic, "--format", "jsonl"]);
    assert!(export.status.success());
    let records = json_lines(&export.stdout);
    assert_eq!(records.len(), 4, "one record per send");
    let exported = home.path().join("export.jsonl");
    std::fs::write(&exported, &export.stdout).unwrap();
    let again_topic = unique("replayed");
    let again = run(&[
        "replay",
        exported.to_str().unwrap(),
        "--topic",
        &again_topic,
        "--namesrv",
        &sb.namesrv_addr,
    ]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again_lines = json_lines(&again.stdout);
    let sources: Vec<&str> = again_lines
        .iter()
        .map(|l| l["source"].as_str().expect("the record replayed"))
        .collect();
    for r in &records {
        assert!(sources.contains(&r["id"].as_str().unwrap()), "{r}");
    }
    assert_stored(&rt, &sb.namesrv_addr, &again_topic);
    rt.shutdown();
}

/// No broker needed: an unwritable journal is a warning and the send's own
/// outcome still decides the exit status; `replay -` reads standard input.
#[test]
fn an_unwritable_journal_warns_and_replay_reads_stdin() {
    let home = tempfile::tempdir().unwrap();
    let state = home.path().join(".local/state/rmq-console");
    std::fs::create_dir_all(&state).unwrap();
    // A file where the journal's directory should be.
    std::fs::write(state.join("journal"), "").unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = binary(home.path())
        .args(["send", "--namesrv", &closed.to_string(), "--topic", "t"])
        .args(["--body", "x", "--mode", "sync"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the send failed, not the journal"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rmq-console: warning: journal:") && stderr.contains("sending goes on"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"state\":\"failed\""));

    let mut child = binary(home.path())
        .args(["replay", "-", "--dry-run", "--topic", "other"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        b"{\"topic\":\"t\",\"body\":\"a\"}\nnot json\n",
    )
    .unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["topic"], "other", "--topic applies");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stdin:2: broken JSON"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The console end to end in tmux, on its own sandbox: a send shows in the
/// history pane (`H`), a replay file is imported (`I`) with its invalid line
/// named and its messages sent, and `E` exports the results.
#[test]
fn console_history_import_and_export_end_to_end() {
    use std::time::Duration;
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = home.path().join("in.jsonl");
    std::fs::write(
        &file,
        "{\"topic\":\"demo-topic\",\"keys\":[\"imp-1\"],\"body\":\"imported one\"}\n\
         {\"topic\":\"demo-topic\",\"body\":\n\
         {\"topic\":\"demo-topic\",\"keys\":[\"imp-2\"],\"body\":\"imported two\",\"mode\":\"async\"}\n",
    )
    .unwrap();
    let tmux = Tmux::console_on_own_sandbox(home.path(), tmp.path());
    tmux.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tmux.literal("from the history e2e");
    tmux.keys(&["C-s"]);
    tmux.wait_for("the acknowledgement", Duration::from_secs(30), |s| {
        s.contains("OK SendOk")
    });
    tmux.keys(&["Escape", "H"]);
    tmux.wait_for("the history pane", Duration::from_secs(10), |s| {
        s.contains("History (1, newest first)") && s.contains("from the history e2e")
    });
    tmux.keys(&["Escape", "I"]);
    tmux.literal(file.to_str().unwrap());
    tmux.keys(&["Enter"]);
    tmux.wait_for("the import list", Duration::from_secs(10), |s| {
        s.contains("2 message(s), 1 invalid") && s.contains("line 2: broken JSON")
    });
    // The file has an invalid line: `y` says yes to leaving it out.
    tmux.keys(&["s"]);
    tmux.wait_for("the question", Duration::from_secs(10), |s| {
        s.contains("1 invalid line(s) skipped")
    });
    tmux.keys(&["y"]);
    tmux.wait_for(
        "both imported messages acknowledged",
        Duration::from_secs(30),
        |s| s.contains("done: 2 ok, 0 failed"),
    );
    tmux.keys(&["Escape", "E"]);
    tmux.wait_for("the export notice", Duration::from_secs(10), |s| {
        s.contains("exported 3 result(s)")
    });
    let exports = home.path().join(".local/state/rmq-console/exports");
    let jsonl = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("a JSON Lines export");
    let records = json_lines(&std::fs::read(jsonl).unwrap());
    let bodies: Vec<&str> = records
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["from the history e2e", "imported one", "imported two"],
        "oldest first"
    );
    assert!(records.iter().all(|r| r["state"] == "acknowledged"));
}

/// A journal line of a transaction decided in the console says only `tx`:
/// replayed headless, nobody would decide it, so it is refused with its line
/// (it used to wait until a signal came); `--transaction` decides it.
#[test]
fn an_undecided_transaction_line_is_refused_or_decided_never_waited_on() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| binary(home.path()).args(args).output().expect("runs");
    let path = home.path().join("tx.jsonl");
    std::fs::write(&path, "{\"topic\":\"t\",\"body\":\"x\",\"type\":\"tx\"}\n").unwrap();
    let p = path.to_str().unwrap();

    let refused = run(&["replay", p, "--dry-run"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{p}:1: type: a transaction with no decision")),
        "{stderr}"
    );

    let decided = run(&["replay", p, "--dry-run", "--transaction", "commit"]);
    assert_eq!(
        decided.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&decided.stderr)
    );
    let lines = json_lines(&decided.stdout);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["type"], "tx commit", "{}", lines[0]);
}
