//! Secrets and hostile input through the real binary: what a full session
//! leaves behind (log, output, store) never holds a secret or a body, and
//! input that would mislead the console or the broker is refused next to
//! its cause, with nothing sent and exit status 2.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::common::*;

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file()
                && std::fs::read(&path).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
            {
                found.push(path);
            }
        }
    }
    found
}

/// A full session: `rmq-console sandbox --acl-user AK:SK`, then `send` on a
/// profile whose credentials come from the environment, with a body given
/// on the command line. Afterwards the secret key is nowhere: not in the
/// log, stdout or stderr of either command, nor anywhere under the home
/// (log, sandbox registry, journal when there is one); while the sandbox
/// runs, every store file holding it is readable by this user only, and
/// the store is gone after. The body never reaches the log.
#[test]
fn a_full_session_leaves_no_secret_and_no_body_behind() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let secret = format!("Sk-{}-zq9Xv", std::process::id());
    let body = format!("body-marker-{}", unique("b"));
    let mut cmd = binary(home.path());
    cmd.env("TMPDIR", tmp.path());
    let mut sb = HeadlessSandbox::start_with(cmd, &["--acl-user", &format!("faultsak:{secret}")]);

    let holders = files_containing(&sb.store, secret.as_bytes());
    assert!(
        holders.iter().any(|p| p.ends_with("broker.toml")),
        "the broker's configuration carries the ACL user: {holders:?}"
    );
    for p in &holders {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", p.display());
    }
    let store_mode = std::fs::metadata(&sb.store).unwrap().permissions().mode() & 0o777;
    assert_eq!(store_mode, 0o700, "the store is this user's only");

    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[profile]]\nname = \"acl\"\nendpoint = \"{}\"\naccess-key-env = \"IT_AK\"\n\
             secret-key-env = \"IT_SK\"\n",
            sb.namesrv
        ),
    )
    .unwrap();
    let send = binary(home.path())
        .env("IT_AK", "faultsak")
        .env("IT_SK", &secret)
        .args(["send", "--config"])
        .arg(&config)
        .args(["--profile", "acl", "--topic", &unique("secret")])
        .args(["--body", &body, "--mode", "sync", "--count", "2"])
        .output()
        .unwrap();
    assert_acknowledged(&send, "send with credentials from the environment");

    signal(sb.pid(), libc::SIGINT);
    let status = wait_exit(&mut sb.child, Duration::from_secs(10));
    assert!(status.success(), "orderly stop: {status:?}");
    let mut sandbox_out = sb.printed.join("\n");
    sandbox_out.extend(sb.more.try_iter().map(|l| format!("\n{l}")));
    let mut sandbox_err = String::new();
    std::io::Read::read_to_string(&mut sb.child.stderr.take().unwrap(), &mut sandbox_err).unwrap();
    assert!(
        !sb.store.exists(),
        "the store (ACL file with it) is removed"
    );

    for (what, text) in [
        (
            "send stdout",
            String::from_utf8_lossy(&send.stdout).into_owned(),
        ),
        (
            "send stderr",
            String::from_utf8_lossy(&send.stderr).into_owned(),
        ),
        ("sandbox stdout", sandbox_out),
        ("sandbox stderr", sandbox_err),
    ] {
        assert!(!text.contains(&secret), "{what} shows the secret: {text}");
    }
    let log = home.path().join(".local/state/rmq-console/rmq-console.log");
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("command=\"sandbox\"") && log_text.contains("command=\"send\""),
        "both runs logged their start: {log_text}"
    );
    assert!(
        log_text.contains("--acl-user") && log_text.contains("--body"),
        "the log names the options given: {log_text}"
    );
    assert!(!log_text.contains(&body), "the body is not logged");
    let left = files_containing(home.path(), secret.as_bytes());
    assert!(left.is_empty(), "the secret is kept in {left:?}");
    let left = files_containing(tmp.path(), secret.as_bytes());
    assert!(left.is_empty(), "the secret is kept in {left:?}");
}

/// A config folder that cannot be read is an error, not "no config": the
/// sandbox does not start in place of the operator's profiles.
#[test]
fn an_unreadable_config_folder_stops_the_start_before_any_sandbox() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let config_home = home.path().join("cfg");
    std::fs::create_dir(&config_home).unwrap();
    // A file where the folder should be: unreadable as a folder, even for
    // root (CI), whom no mode bit stops.
    std::fs::write(config_home.join("rmq-console"), "").unwrap();
    for args in [
        &["send", "--topic", "t", "--body", "x"][..],
        &["check-config"][..],
    ] {
        let out = binary(home.path())
            .env("XDG_CONFIG_HOME", &config_home)
            .env("TMPDIR", tmp.path())
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot read the config folder")
                && stderr.contains(&config_home.join("rmq-console").display().to_string()),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "nothing sent: {args:?}");
    }
    let stores: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(stores.is_empty(), "no sandbox was started: {stores:?}");
}

/// A state folder that cannot be written (no log, no sandbox registry):
/// `send` still sends and warns on stderr; the console runs and its status
/// bar says it cannot log.
#[test]
fn an_unwritable_state_folder_runs_without_a_log_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = home.path().join("state-is-a-file");
    std::fs::write(&state, "").unwrap();
    let out = binary(home.path())
        .env("XDG_STATE_HOME", &state)
        .env("TMPDIR", tmp.path())
        .args(["send", "--sandbox", "--topic", &unique("nolog")])
        .args(["--body", "x", "--mode", "sync"])
        .output()
        .unwrap();
    assert_acknowledged(&out, "send without a log");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: cannot log:") && stderr.contains("running without a log file"),
        "{stderr}"
    );

    let tmux = Tmux {
        socket: home.path().join("tmux.sock"),
    };
    let command = format!(
        "env -i HOME={home} XDG_STATE_HOME={state} TMPDIR={tmp} PATH=/usr/bin:/bin \
         TERM=xterm-256color {bin}; echo EXIT=$?; sleep 60",
        home = home.path().display(),
        state = state.display(),
        tmp = tmp.path().display(),
        bin = BIN,
    );
    tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "160",
        "-y",
        "40",
        &command,
    ]);
    tmux.wait_for(
        "the console on a ready sandbox, saying it cannot log",
        Duration::from_secs(60),
        |s| s.contains("SANDBOX") && s.contains("cannot log"),
    );
    tmux.keys(&["Escape", "q"]);
    let screen = tmux.wait_for("the console to exit", Duration::from_secs(15), |s| {
        s.contains("EXIT=")
    });
    assert!(screen.contains("EXIT=0"), "{screen}");
}
