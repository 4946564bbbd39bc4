//! The console's fetch on a sandbox, driven by keys in a pseudo-terminal:
//! a message sent by `send` is found by its key in the fetch overlay (`f`),
//! resent as it was (`R`) through the console's producer, read back with a
//! consumer (body, key, tag, property intact), and journalled with
//! `source: fetch:<offset msgId>`; `t` tails the topic and `F` follows it
//! (a message sent meanwhile slides in); the console then quits in order
//! with its fetcher running.

use std::time::Duration;

use cheetah_string::CheetahString;
use rocketmq_model::common::message::MessageTrait;

use crate::common::*;
use crate::fetch::send;
use crate::seed::{Seeded, seeded_topic};

#[test]
fn the_console_fetches_by_key_and_resends_it() {
    let Seeded(sb, ns, home, rt, topic) = seeded_topic("fetchui", 4);
    let h = home.path();
    let key = unique("k");
    let sent = send(
        h,
        &ns,
        &[
            "--topic",
            &topic,
            "--key",
            &key,
            "--tag",
            "paid",
            "--property",
            "region=eu",
            "--body",
            "héllo from the fetch test",
        ],
    );
    let offset_id = sent[0]["offset_msg_id"]
        .as_str()
        .expect("an offset msgId")
        .to_string();

    let tmux = Tmux::console_on(h, &ns, 160);
    // The keyboard starts on the topic: the form takes it from there.
    tmux.literal(&topic);
    tmux.keys(&["Escape", "f"]);
    tmux.wait_for("the fetch form", Duration::from_secs(10), |s| {
        s.contains("Fetch from the broker")
    });
    tmux.literal(&format!("key:{key}"));
    tmux.wait_for("the live classification", Duration::from_secs(10), |s| {
        s.contains(&format!("→ key {key}"))
    });
    let asked = std::time::Instant::now();
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the answer", Duration::from_secs(30), |s| {
        s.contains("Fetched (1)")
    });
    // The first fetch starts the console's fetch client too.
    eprintln!("first fetch answered on screen after {:?}", asked.elapsed());
    assert!(
        screen.contains("found 1 · asked 1 broker, answered 1"),
        "{screen}"
    );
    assert!(screen.contains("héllo from the fetch test"), "{screen}");
    tmux.keys(&["R"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for("the resend acknowledged", Duration::from_secs(30), |s| {
        s.lines().any(|l| l.contains("OK SendOk"))
    });

    let got = rt.block_on(read_back(&rt, &ns, &topic, 2));
    assert_eq!(got.len(), 2, "the original and its resend");
    for m in &got {
        let s = |v: Option<CheetahString>| v.map(|v| v.to_string());
        assert_eq!(
            m.body().as_deref(),
            Some("héllo from the fetch test".as_bytes())
        );
        assert_eq!(s(m.get_keys()), Some(key.clone()));
        assert_eq!(s(m.get_tags()).as_deref(), Some("paid"));
        assert_eq!(
            s(m.get_user_property(CheetahString::from("region"))).as_deref(),
            Some("eu")
        );
    }

    // `t` tails the composer's topic; `F` follows: a message sent
    // meanwhile slides in at the top.
    tmux.keys(&["t"]);
    tmux.wait_for("the tail", Duration::from_secs(30), |s| {
        s.contains(&format!("Tail {topic} (2, newest first)"))
    });
    tmux.keys(&["F"]);
    send(
        h,
        &ns,
        &[
            "--topic",
            &topic,
            "--key",
            "later",
            "--body",
            "sent while following",
        ],
    );
    tmux.wait_for("the followed message", Duration::from_secs(30), |s| {
        s.contains("(3, newest first, following)") && s.contains("sent while following")
    });
    tmux.keys(&["Escape"]);
    let quit = std::time::Instant::now();
    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("EXIT=0")
    });
    eprintln!("exited (fetcher stopped) {:?} after q", quit.elapsed());
    let read = rmq_journal::read_dir(&h.join(".local/state/rmq-console/journal")).unwrap();
    let resent: Vec<_> = read.records.iter().filter(|r| r.source.is_some()).collect();
    assert_eq!(resent.len(), 1, "{:?}", read.records);
    assert_eq!(resent[0].source, Some(format!("fetch:{offset_id}")));
    assert_eq!(resent[0].topic, topic);
    sb.stop();
}

/// A dead letter found in the console (`dlq:GROUP`), loaded (`l`): aimed at
/// its original topic under a banner naming the DLQ, edited, sent; read
/// back with a consumer as edited, journalled with its source, which the
/// history's detail shows. With `RMQ_CAPTURES=DIR` the screens are saved
/// there (the captures of the note).
#[test]
fn the_console_loads_a_dead_letter_edits_and_resends_it() {
    let captures = std::env::var_os("RMQ_CAPTURES").map(std::path::PathBuf::from);
    let save = |name: &str, screen: &str| {
        if let Some(dir) = &captures {
            std::fs::write(dir.join(name), screen).unwrap();
        }
    };
    let Seeded(sb, ns, home, rt, topic) = seeded_topic("orders", 2);
    let h = home.path();
    let group = unique("billing");
    let sent = send(
        h,
        &ns,
        &[
            "--topic",
            &topic,
            "--tag",
            "paid",
            "--key",
            "o-1842",
            "--property",
            "region=eu",
            "--body",
            "order 1842 paid",
        ],
    );
    let offset_id = sent[0]["offset_msg_id"].as_str().unwrap().to_string();
    rt.block_on(crate::seed::send_back(
        &rt, &sb, &offset_id, &group, -1, None,
    ));
    let (code, dead, stderr) = crate::fetch::fetch_until(
        h,
        &["dlq", "--namesrv", &ns, &group],
        Duration::from_secs(20),
    );
    assert_eq!((code, dead.len()), (0, 1), "{stderr}");
    let dead_id = dead[0]["fetched"]["offset_msg_id"]
        .as_str()
        .unwrap()
        .to_string();

    let tmux = Tmux::console_on(h, &ns, 160);
    tmux.keys(&["Escape", "f"]);
    tmux.literal(&format!("dlq:{group}"));
    tmux.keys(&["Enter"]);
    let list = tmux.wait_for("the dead letter", Duration::from_secs(30), |s| {
        s.contains("Fetched (1)")
    });
    assert!(list.contains(&format!("%DLQ%{group}")), "{list}");
    save("fetch-console-dlq-list.txt", &list);
    tmux.keys(&["l"]);
    let banner = format!("from %DLQ%{group} (origin topic {topic}, reconsumed");
    let loaded = tmux.wait_for("the loaded composer", Duration::from_secs(10), |s| {
        s.contains(&banner)
    });
    save("fetch-console-loaded.txt", &loaded);
    // The keyboard is in the body, at its start: edit, then send.
    tmux.literal("edited: ");
    tmux.keys(&["C-s"]);
    let sent_screen = tmux.wait_for("the resend acknowledged", Duration::from_secs(30), |s| {
        s.lines().any(|l| l.contains("OK SendOk"))
    });
    assert!(
        !sent_screen.contains(&banner),
        "the banner goes with the send"
    );
    save("fetch-console-resent.txt", &sent_screen);
    // The journal link: the history's newest record says where it came from.
    tmux.keys(&["H"]);
    // Two records: the first send (headless, same HOME) and the resend.
    tmux.wait_for("the history pane", Duration::from_secs(20), |s| {
        s.contains("History (2")
    });
    tmux.keys(&["Enter"]);
    let link = format!("fetch:{dead_id}");
    let journal = tmux.wait_for("the record's source", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.contains("resent from") && l.contains(&link))
    });
    save("fetch-console-journal-link.txt", &journal);
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);

    let got = rt.block_on(read_back(&rt, &ns, &topic, 2));
    let bodies: std::collections::BTreeSet<Vec<u8>> = got
        .iter()
        .map(|m| m.body().map(|b| b.to_vec()).unwrap_or_default())
        .collect();
    assert_eq!(
        bodies,
        [
            b"edited: order 1842 paid".to_vec(),
            b"order 1842 paid".to_vec()
        ]
        .into(),
        "the original and the edited resend, in the original topic"
    );
    for m in &got {
        let s = |v: Option<CheetahString>| v.map(|v| v.to_string());
        assert_eq!(s(m.get_keys()).as_deref(), Some("o-1842"));
        assert_eq!(s(m.get_tags()).as_deref(), Some("paid"));
        assert_eq!(
            s(m.get_user_property(CheetahString::from("region"))).as_deref(),
            Some("eu")
        );
    }

    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("EXIT=0")
    });
    let read = rmq_journal::read_dir(&h.join(".local/state/rmq-console/journal")).unwrap();
    let resent: Vec<_> = read.records.iter().filter(|r| r.source.is_some()).collect();
    assert_eq!(resent.len(), 1, "{:?}", read.records);
    assert_eq!(resent[0].source, Some(format!("fetch:{dead_id}")));
    assert_eq!(resent[0].topic, topic);
    sb.stop();
}
