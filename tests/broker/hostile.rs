//! Secrets and hostile input through the real binary: what a full session
//! leaves behind (log, output, store) never holds a secret or a body, and
//! input that would mislead the console or the broker is refused next to
//! its cause, with nothing sent and exit status 2.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::common::*;
use crate::seed::env_credentials_profile;

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
        env_credentials_profile("acl", &sb.namesrv, "IT_AK", "IT_SK"),
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

    let tmux = Tmux::start(
        home.path(),
        &format!(
            "HOME={home} XDG_STATE_HOME={state} TMPDIR={tmp}",
            home = home.path().display(),
            state = state.display(),
            tmp = tmp.path().display(),
        ),
        "",
        160,
    );
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

/// Hostile or mistaken `send` arguments: each refused with exit status 2
/// and a message naming its cause, before anything reaches the network (a
/// listener standing in for the name server never sees a connection). No
/// secret from an endpoint is repeated.
#[test]
fn hostile_send_arguments_exit_2_with_the_reason_and_send_nothing() {
    let home = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let ns = listener.local_addr().unwrap().to_string();
    let userinfo = format!("http://LTAIak:Secr3tPassw0rd@{ns}");
    let cases: [(&[&str], &str); 11] = [
        (
            &["--tag", "a\u{1}b"],
            "tag: tag contains the control character U+0001",
        ),
        (&["--key", "order 1"], "RocketMQ splits keys on spaces"),
        (
            &["--property", "k=v\u{2}x"],
            "U+0002 (RocketMQ's property separator)",
        ),
        (&["--property", "KEYS=x"], "reserved RocketMQ property name"),
        (
            &["--key-template", "k-{seq}\u{1}"],
            "control character U+0001",
        ),
        (
            &["--body-file", "/dev/zero"],
            "holds more than 4194304 bytes",
        ),
        (
            &["--body-file", "/nonexistent/body"],
            "opening the body file",
        ),
        (
            &["--count", "0"],
            "is not a whole number from 1 to 10000000",
        ),
        (
            &["--rate", "99999999999"],
            "is not a whole number from 1 to 1000000",
        ),
        (
            &["--async-inflight", "0"],
            "is not a whole number from 1 to 65536",
        ),
        (
            &["--linger-ms", "60001"],
            "is not a whole number from 0 to 60000",
        ),
    ];
    let run = |namesrv: &str, args: &[&str]| {
        binary(home.path())
            .args(["send", "--namesrv", namesrv, "--topic", "t"])
            .args(args)
            .args(if args.contains(&"--body-file") {
                &[][..]
            } else {
                &["--body", "x"][..]
            })
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    for (args, why) in cases {
        let out = run(&ns, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(why), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing sent");
    }
    // An endless pipe on standard input: read to the maximum plus one byte.
    let out = binary(home.path())
        .args(["send", "--namesrv", &ns, "--topic", "t", "--body-file", "-"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("standard input holds more than 4194304 bytes")
            && stderr.contains("stopped at 4194305"),
        "{stderr}"
    );
    for (endpoint, why) in [
        (userinfo.as_str(), "user info in an endpoint is not used"),
        ("::1:9876", "write it in brackets"),
        ("grpc://127.0.0.1:1", "unknown scheme"),
    ] {
        let out = run(endpoint, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{endpoint}: {stderr}");
        assert!(stderr.contains(why), "{endpoint}: {stderr}");
        assert!(
            !stderr.contains("Secr3t") && !stderr.contains("LTAIak"),
            "{stderr}"
        );
    }
    assert!(
        listener.accept().is_err(),
        "no connection reached the stand-in name server"
    );
    let log = std::fs::read_to_string(home.path().join(".local/state/rmq-console/rmq-console.log"))
        .unwrap();
    assert!(!log.contains("Secr3t"), "the log holds no endpoint secret");
}

/// A body that is not UTF-8 is sent as the bytes it is (read back
/// unchanged) and the operator is told, with the first bytes as hex.
#[test]
fn a_non_utf8_body_is_sent_as_bytes_with_a_notice() {
    let sb = start_sandbox(rmq_sandbox::SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let body: &[u8] = &[0xff, 0xfe, 0x00, b'a', 0xc3];
    let file = home.path().join("body.bin");
    std::fs::write(&file, body).unwrap();
    let topic = unique("binary");
    let out = binary(home.path())
        .args([
            "send",
            "--namesrv",
            &sb.namesrv_addr,
            "--topic",
            &topic,
            "--body-file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_acknowledged(&out, "binary body");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("notice: the body is not UTF-8 text (invalid byte at offset 0): it is sent as its 5 bytes, unchanged; hex fffe0061c3"),
        "{stderr}"
    );
    let rt = rmq_engine::runtime::Runtime::new().unwrap();
    let got = rt.block_on(read_back(&rt, &sb.namesrv_addr, &topic, 1));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body().as_deref(), Some(body), "the bytes, unchanged");
}

/// `sandbox --acl-user-env VAR --second-broker`: the ACL pair comes from
/// the environment, so it is on no command line (the sandbox's and its
/// servers' are readable by every user of the machine), and both brokers
/// get it in files of this user only.
#[test]
fn the_acl_pair_can_stay_off_the_command_line_with_two_brokers() {
    let home = tempfile::tempdir().unwrap();
    let secret = format!("EnvSk-{}-q7", std::process::id());
    let mut cmd = binary(home.path());
    cmd.env("IT_ACL", format!("faultsak:{secret}"));
    let mut sb = HeadlessSandbox::start_with(cmd, &["--acl-user-env", "IT_ACL", "--second-broker"]);
    assert!(
        sb.printed
            .iter()
            .any(|l| l.starts_with("broker-b 127.0.0.1:")),
        "{:?}",
        sb.printed
    );
    let servers = servers_of(sb.pid());
    assert_eq!(
        servers.len(),
        3,
        "a name server and two brokers: {servers:?}"
    );
    for pid in std::iter::once(sb.pid()).chain(servers.iter().map(|(p, _)| *p)) {
        assert!(!cmdline(pid).contains(&secret), "{pid}: {}", cmdline(pid));
    }
    let holders = files_containing(&sb.store, secret.as_bytes());
    for conf in ["broker.toml", "broker-b.toml"] {
        assert!(
            holders.iter().any(|p| p.ends_with(conf)),
            "{conf}: {holders:?}"
        );
    }
    for p in &holders {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", p.display());
    }
    signal(sb.pid(), libc::SIGINT);
    assert!(wait_exit(&mut sb.child, Duration::from_secs(10)).success());
    assert!(!sb.store.exists(), "the store goes, the ACL files with it");
    let out = binary(home.path())
        .args(["sandbox", "--acl-user-env", "IT_UNSET_ACL"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--acl-user-env: IT_UNSET_ACL is not set")
    );
}
