//! The composer's body from outside, end to end on a real broker: the
//! binary in tmux with `$EDITOR` set to a script that edits the file (the
//! terminal handed over and taken back), then a binary body loaded from a
//! file with Alt-l; both sent and read back with a consumer, byte for byte.

use std::time::Duration;

use rmq_engine::runtime::Runtime;
use rmq_sandbox::SandboxOptions;

use crate::common::*;

#[test]
fn console_body_from_the_editor_and_a_binary_file_read_back() {
    use std::os::unix::fs::PermissionsExt;
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let topic = unique("bodies");
    // The fake editor: edits the file it is given, in place, as an operator
    // would, and leaves a mark that it ran on a .json file.
    let editor = home.path().join("fake-editor");
    std::fs::write(
        &editor,
        "#!/bin/sh\ncase \"$1\" in *.json) ;; *) exit 7 ;; esac\nsed -i 's/pending/paid/' \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let binary: Vec<u8> = vec![0x00, 0xff, 0xfe, b'o', b'k', 0xc3, 0x28, 0x0a];
    let file = home.path().join("payload.bin");
    std::fs::write(&file, &binary).unwrap();

    let tmux = Tmux::start(
        home.path(),
        &format!(
            "HOME={home} TMPDIR={tmp} EDITOR={editor}",
            home = home.path().display(),
            tmp = tmp.path().display(),
            editor = editor.display()
        ),
        &format!("--namesrv {}", sb.namesrv_addr),
        120,
    );
    tmux.wait_for("the console", Duration::from_secs(60), |s| {
        s.contains("Composer")
    });
    tmux.literal(&topic);
    tmux.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tmux.literal(r#"{"order": 7, "state": "pending"}"#);
    tmux.wait_for("the JSON check", Duration::from_secs(10), |s| {
        s.contains("JSON ✓")
    });
    tmux.keys(&["M-e"]);
    let edited = tmux.wait_for("the edited body", Duration::from_secs(20), |s| {
        s.contains(r#"{"order": 7, "state": "paid"}"#) && s.contains("body edited in the editor")
    });
    assert!(edited.contains("JSON ✓"), "{edited}");
    tmux.keys(&["C-s"]);
    tmux.wait_for("#1 acknowledged", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains("#1") && l.contains("OK SendOk"))
    });
    // Back to the body (`e` returns to the field left), then the file.
    tmux.keys(&["e", "M-l"]);
    tmux.wait_for("the path prompt", Duration::from_secs(10), |s| {
        s.contains("Load the body from a file")
    });
    tmux.literal(&file.display().to_string());
    tmux.keys(&["Enter"]);
    tmux.wait_for("the binary body", Duration::from_secs(10), |s| {
        s.contains("binary body: 8 bytes")
    });
    tmux.keys(&["C-s"]);
    let sent = tmux.wait_for("#2 acknowledged", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains("#2") && l.contains("OK SendOk"))
    });
    eprintln!("--- sent:\n{sent}");

    let rt = Runtime::new().unwrap();
    let got = rt.block_on(read_back(&rt, &sb.namesrv_addr, &topic, 2));
    rt.shutdown();
    let bodies: std::collections::BTreeSet<Vec<u8>> = got
        .iter()
        .map(|m| m.body().map(|b| b.to_vec()).unwrap_or_default())
        .collect();
    assert_eq!(
        bodies,
        [br#"{"order": 7, "state": "paid"}"#.to_vec(), binary].into(),
        "the editor's body and the file's bytes, unchanged"
    );
    tmux.keys(&["q"]);
}
