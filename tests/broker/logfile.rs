//! The log file: private to the operator, and never holding a credential.

use crate::common::*;

/// The log is the operator's alone: created 0600 in a 0700 folder (an
/// older 0644 log is narrowed), and a run on a profile with credentials
/// leaves neither the AccessKey ID nor the secret in it. On main the log
/// was 0644 and its folder 0755 (the umask's).
#[test]
fn the_log_is_private_and_never_holds_the_access_key() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let state = home.path().join(".local/state/rmq-console");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = state.join("rmq-console.log");
    std::fs::write(&log, "").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = home.path().join("c.toml");
    std::fs::write(
        &config,
        "[[profile]]\nname = \"p\"\nendpoint = \"127.0.0.1:9\"\n\
         access-key-env = \"T_AK\"\nsecret-key-env = \"T_SK\"\nsend-timeout-ms = 500\n\
         retry-times-sync = 0\n",
    )
    .unwrap();
    let out = binary(home.path())
        .env("T_AK", "LTAI-ACCESS-KEY-ID-4711")
        .env("T_SK", "SECRET-KEY-0815")
        .env("RMQ_CONSOLE_LOG", "trace")
        .args([
            "--config",
            config.to_str().unwrap(),
            "send",
            "--profile",
            "p",
        ])
        .args(["--topic", "t", "--body", "x", "--no-journal"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "the send failed: {stderr}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&log), 0o600);
    assert_eq!(mode(&state), 0o700);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("start"), "the run logged: {text}");
    for secret in ["LTAI-ACCESS-KEY-ID-4711", "SECRET-KEY-0815"] {
        assert!(!text.contains(secret), "{secret} in the log");
        assert!(!stderr.contains(secret), "{secret} on stderr");
    }
}
