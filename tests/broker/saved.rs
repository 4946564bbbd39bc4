//! Saved messages sent headless: a message file as a team keeps it in git
//! (a multi-line JSON body, properties) and a binary one (base64), sent
//! with `send --message NAME --set ...` and read back with a consumer:
//! what was stored is the file with the `--set` changes, byte for byte.

use cheetah_string::CheetahString;
use rmq_engine::runtime::Runtime;
use rmq_sandbox::SandboxOptions;
use rocketmq_model::common::message::MessageTrait;

use crate::common::*;

const BODY: &str = "{\n  \"order\": \"o-1842\",\n  \"note\": \"a \\\"quoted\\\" word, a \\\\ backslash\",\n  \"amount\": 12.5\n}";

#[test]
fn a_saved_message_is_sent_headless_with_set_and_read_back_intact() {
    let sb = start_sandbox(SandboxOptions::default());
    let ns = sb.namesrv_addr.clone();
    let home = tempfile::tempdir().unwrap();
    let messages = home.path().join("team-messages");
    let topic = unique("saved");
    let key = unique("k");
    let rt = Runtime::new().unwrap();
    rt.block_on(create_topic(&rt, &ns, &topic, 4, 1));
    std::fs::create_dir_all(&messages).unwrap();
    // Written as an operator would, not by the code under test.
    let file = format!(
        "name = \"Order created\"\ntopic = \"elsewhere\"\ntag = \"created\"\nkeys = [\"old-key\"]\nbody = \"\"\"\n{}\"\"\"\n\n[properties]\nsource = \"git\"\nregion = \"us\"\n",
        BODY.replace('\\', "\\\\")
    );
    std::fs::write(messages.join("order-created.toml"), file).unwrap();
    // Bytes no text field could hold.
    let raw: Vec<u8> = vec![0, 1, 2, 0xff, 0xfe, b'\n', 0x80];
    std::fs::write(
        messages.join("raw.toml"),
        format!(
            "topic = \"{topic}\"\nbody-encoding = \"base64\"\nbody = \"\"\"\nAAEC//4KgA==\n\"\"\"\n"
        ),
    )
    .unwrap();
    let dir = messages.display().to_string();
    let run = |args: &[&str]| {
        binary(home.path())
            .args(["--messages", &dir])
            .args(args)
            .output()
            .expect("binary runs")
    };
    let out = run(&["check-config"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 saved message(s) ok"),
        "{out:?}"
    );
    // A bad --set ends it before anything is sent.
    let out = run(&[
        "send",
        "--namesrv",
        &ns,
        "--message",
        "Order created",
        "--set",
        "colour=red",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--set colour=red: unknown field `colour`"),
        "{out:?}"
    );
    let out = run(&[
        "send",
        "--namesrv",
        &ns,
        "--message",
        "Order created",
        "--set",
        &format!("topic={topic}"),
        "--set",
        "tag=paid",
        "--set",
        &format!("keys={key}"),
        "--set",
        "prop.region=eu",
    ]);
    assert_acknowledged(&out, "the saved message");
    let out = run(&["send", "--namesrv", &ns, "--message", "raw"]);
    assert_acknowledged(&out, "the binary saved message");

    let got = rt.block_on(read_back(&rt, &ns, &topic, 2));
    assert_eq!(got.len(), 2, "both saved messages stored");
    let s = |v: Option<CheetahString>| v.map(|v| v.to_string());
    let json = got
        .iter()
        .find(|m| m.body().as_deref() == Some(BODY.as_bytes()))
        .expect("the JSON body, byte for byte");
    assert_eq!(s(json.get_keys()), Some(key.clone()));
    assert_eq!(s(json.get_tags()).as_deref(), Some("paid"));
    assert_eq!(
        s(json.get_user_property(CheetahString::from("region"))).as_deref(),
        Some("eu")
    );
    assert_eq!(
        s(json.get_user_property(CheetahString::from("source"))).as_deref(),
        Some("git")
    );
    assert!(
        got.iter()
            .any(|m| m.body().as_deref() == Some(raw.as_slice())),
        "the binary body, byte for byte"
    );
    // The file is as it was: --set changes one send only.
    let kept = std::fs::read_to_string(messages.join("order-created.toml")).unwrap();
    assert!(kept.contains("tag = \"created\""), "{kept}");
}
