//! The binary's headless commands on a real broker: `send` as scripts use
//! it, profiles with credentials from the environment, and the sandbox's
//! life on a fresh machine (network namespaces, signals, leftovers).

use std::time::{Duration, Instant};

use rmq_sandbox::{AclUser, SandboxOptions};

use crate::common::*;
use crate::seed::env_credentials_profile;

/// The binary as scripts use it: one JSON object per message, exit status
/// 0 only when every message reached its expected end state.
#[test]
fn headless_send_reports_every_message_and_exits_by_outcome() {
    let sb = start_sandbox(SandboxOptions::default());
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        binary(home.path())
            .args(args)
            .output()
            .expect("binary runs")
    };
    let topic = unique("cli");
    for mode in ["sync", "async", "oneway"] {
        let out = run(&[
            "send",
            "--namesrv",
            &sb.namesrv_addr,
            "--topic",
            &topic,
            "--tag",
            "cli",
            "--key",
            "k1",
            "--property",
            "a=b",
            "--body",
            "héllo",
            "--mode",
            mode,
            "--count",
            "5",
        ]);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect();
        assert_eq!(lines.len(), 5, "{mode}: one line per message: {stdout}");
        let want = if mode == "oneway" {
            "dispatched"
        } else {
            "acknowledged"
        };
        for l in &lines {
            assert_eq!(l["state"], want, "{mode}: {l}");
            assert_eq!(l["mode"], mode);
            assert_eq!(l["topic"], topic.as_str());
        }
        if mode == "async" {
            assert!(
                lines
                    .iter()
                    .all(|l| l["callback_at"].is_string() && l["submitted_at"].is_string())
            );
        }
        assert!(
            out.status.success(),
            "{mode}: exit 0: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let started = Instant::now();
    let out = run(&[
        "send",
        "--namesrv",
        &closed.to_string(),
        "--topic",
        "t",
        "--body",
        "x",
        "--mode",
        "sync",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "unreachable endpoint is a failure"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("\"state\":\"failed\"") && stdout.contains("cannot reach"),
        "{stdout}"
    );
    assert!(started.elapsed() < Duration::from_secs(15), "no hang");
    let out = run(&[
        "send",
        "--namesrv",
        &sb.namesrv_addr,
        "--topic",
        "bad topic",
        "--body",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("topic may only use"),
        "clear error"
    );
}

/// reach the broker; the secret never shows in output.
/// A profile's credentials come from the environment variables it names and
/// reach the broker; the secret never shows in output.
#[test]
fn profile_credentials_from_the_environment_reach_the_broker() {
    let sb = start_sandbox(SandboxOptions {
        acl: Some(AclUser {
            access_key: "opsuser".into(),
            secret_key: "opsuser-secret-1".into(),
        }),
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        env_credentials_profile("acl", &sb.namesrv_addr, "IT_AK", "IT_SK")
            + "retry-times-sync = 0\n",
    )
    .unwrap();
    let run = |secret: &str| {
        binary(home.path())
            .env("IT_AK", "opsuser")
            .env("IT_SK", secret)
            .args(["send", "--config"])
            .arg(&config)
            .args([
                "--profile",
                "acl",
                "--topic",
                &unique("acltopic"),
                "--body",
                "x",
            ])
            .output()
            .expect("binary runs")
    };
    let good = run("opsuser-secret-1");
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(String::from_utf8_lossy(&good.stdout).contains("\"state\":\"acknowledged\""));
    let bad = run("wrong-secret-2");
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(
        out.contains("authentication failed") && out.contains("\"broker_code\":16"),
        "{out}"
    );
    assert!(
        !out.contains("wrong-secret-2")
            && !String::from_utf8_lossy(&bad.stderr).contains("wrong-secret-2")
    );
    let log = std::fs::read_to_string(home.path().join(".local/state/rmq-console/rmq-console.log"))
        .unwrap();
    assert!(
        !log.contains("wrong-secret-2") && !log.contains("opsuser-secret-1"),
        "secrets stay out of the log"
    );
    // ...and out of the journal, which holds both sends under the
    // profile's name.
    let journal =
        rmq_journal::read_dir(&home.path().join(".local/state/rmq-console/journal")).unwrap();
    assert_eq!(journal.records.len(), 2);
    assert!(journal.records.iter().all(|r| r.profile == "acl"));
    for f in std::fs::read_dir(home.path().join(".local/state/rmq-console/journal")).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(
            !text.contains("opsuser-secret-1") && !text.contains("wrong-secret-2"),
            "no secret in the journal"
        );
    }
}

/// `rmq-console sandbox` as a newcomer meets it: an empty HOME, no server
/// binaries anywhere, no cargo on PATH, and the operator's own RocketMQ and
/// telemetry settings in the environment. The servers get none of those
/// (`NAMESRV_ADDR` would override the broker's config), the sandbox works,
/// and Ctrl-C to the terminal's process group stops it in order.
#[test]
fn sandbox_starts_on_an_empty_home_and_ignores_the_operators_rocketmq_settings() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(BIN);
    cmd.env_clear()
        .env("HOME", home.path())
        .env("TMPDIR", tmp.path())
        .env("PATH", "/usr/bin:/bin")
        .env("NAMESRV_ADDR", "127.0.0.1:1")
        .env("ROCKETMQ_HOME", "/nonexistent")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
        .env("HTTPS_PROXY", "http://127.0.0.1:1");
    let started = Instant::now();
    let mut sb = HeadlessSandbox::start(cmd);
    let to_address = started.elapsed();
    assert!(
        sb.store.starts_with(tmp.path()),
        "store {} in TMPDIR",
        sb.store.display()
    );
    let servers = servers_of(sb.pid());
    assert_eq!(servers.len(), 2, "a name server and a broker: {servers:?}");
    for (pid, _) in &servers {
        let env = environ(*pid);
        assert!(
            env.iter().all(|e| !e.starts_with("NAMESRV_ADDR=")
                && !e.starts_with("OTEL_")
                && !e.starts_with("HTTPS_PROXY=")
                && !e.contains("/nonexistent")),
            "server {pid} environment is clean: {env:?}"
        );
    }
    let out = binary(home.path())
        .args([
            "send",
            "--namesrv",
            &sb.namesrv,
            "--topic",
            &unique("fresh"),
        ])
        .args(["--body", "first message", "--mode", "sync"])
        .output()
        .unwrap();
    assert_acknowledged(&out, "send to the fresh sandbox");

    // Ctrl-C at a terminal signals the whole foreground process group.
    signal_group(sb.pid(), libc::SIGINT);
    let status = wait_exit(&mut sb.child, Duration::from_secs(10));
    assert!(status.success(), "orderly stop: {status:?}");
    for (pid, name) in servers {
        assert!(!alive(pid), "{name} ({pid}) stopped");
    }
    assert!(!sb.store.exists(), "store {} removed", sb.store.display());
    eprintln!("sandbox address printed {to_address:?} after start");
}

/// A run killed with SIGKILL cannot clean up: its servers follow it (parent
/// death signal), and the next start removes its store and registry entry,
/// and nothing whose owner still runs.
#[test]
fn the_next_start_removes_what_a_killed_sandbox_left() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cmd = || {
        let mut c = binary(home.path());
        c.env("TMPDIR", tmp.path());
        c
    };
    let mut first = HeadlessSandbox::start(cmd());
    let servers = servers_of(first.pid());
    assert_eq!(servers.len(), 2, "{servers:?}");
    let registry = home
        .path()
        .join(".local/state/rmq-console/sandboxes")
        .join(format!("{}.json", first.pid()));
    assert!(registry.is_file(), "registered at {}", registry.display());
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    wait_until(
        "the servers to follow their parent",
        Duration::from_secs(15),
        || servers.iter().all(|(pid, _)| !alive(*pid)),
    );
    assert!(first.store.exists(), "a killed run leaves its store");
    // A live owner's directory and one without an owner file are not ours to remove.
    let live = tmp.path().join("rmq-console-sandbox-live");
    std::fs::create_dir(&live).unwrap();
    std::fs::write(live.join("owner.pid"), std::process::id().to_string()).unwrap();
    let unowned = tmp.path().join("rmq-console-sandbox-unowned");
    std::fs::create_dir(&unowned).unwrap();

    let second = HeadlessSandbox::start(cmd());
    assert!(!first.store.exists(), "leftover store removed");
    assert!(!registry.exists(), "leftover registry entry removed");
    assert!(live.exists() && unowned.exists());
    assert!(second.store.exists());
}

/// Send to a headless sandbox from a network namespace that has more than
/// loopback (as a developer's machine does): the sandbox makes a
/// loopback-only namespace of its own, and `send --namesrv` joins it.
/// Needs root for the veth link (CI runs as root).
#[test]
fn headless_sandbox_makes_its_own_namespace_and_send_joins_it() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: creating a veth link needs root");
        return;
    }
    // A namespace with lo and a veth pair (both ends inside, no address:
    // nothing can be sent through it), held open by a sleeping process.
    // (Not every kernel here has the dummy link type.)
    let mut holder = std::process::Command::new("unshare")
        .args(["--net", "--", "sh", "-c"])
        .arg("ip link set lo up && ip link add rmqveth0 type veth peer name rmqveth1 && ip link set rmqveth0 up && echo ready && exec sleep 120")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("unshare runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(
        line.trim(),
        "ready",
        "the namespace with a dummy link was made"
    );
    let ns = format!("--net=/proc/{}/ns/net", holder.id());
    let home = tempfile::tempdir().unwrap();
    let in_ns = |args: &[&str]| {
        let mut c = std::process::Command::new("nsenter");
        c.arg(&ns)
            .arg("--")
            .arg(BIN)
            .args(args)
            .env("HOME", home.path())
            .env_remove("XDG_STATE_HOME")
            .env_remove("RMQ_CONSOLE_CONFIG");
        c
    };
    let mut sb = HeadlessSandbox::start(in_ns(&[]));
    let holder_ns = std::fs::read_link(format!("/proc/{}/ns/net", holder.id())).unwrap();
    let sandbox_ns = std::fs::read_link(format!("/proc/{}/ns/net", sb.pid())).unwrap();
    assert_ne!(
        holder_ns, sandbox_ns,
        "the sandbox made a namespace of its own"
    );
    let devs = std::fs::read_to_string(format!("/proc/{}/net/dev", sb.pid())).unwrap();
    assert!(
        !devs.contains("rmqveth") && devs.contains("lo:"),
        "the sandbox sees only lo: {devs}"
    );
    let out = in_ns(&[
        "send",
        "--namesrv",
        &sb.namesrv,
        "--topic",
        &unique("joined"),
    ])
    .args(["--body", "through the joined namespace"])
    .output()
    .unwrap();
    assert_acknowledged(&out, "send joined the sandbox's namespace");
    signal(sb.pid(), libc::SIGTERM);
    assert!(wait_exit(&mut sb.child, Duration::from_secs(10)).success());
    assert!(!sb.store.exists());
    let _ = holder.kill();
    let _ = holder.wait();
}

/// Ctrl-C to a headless `send` in the middle of a burst: the servers (in
/// their own process group) keep running while rmq-console stops sending,
/// waits for what is in flight, reports every sequence number once, and
/// stops its sandbox in order.
#[test]
fn ctrl_c_stops_a_headless_send_in_order() {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut child = binary(home.path())
        .env("TMPDIR", tmp.path())
        .args(["send", "--sandbox", "--topic", "ctrlc", "--mode", "async"])
        .args(["--count", "1000000", "--rate", "2000", "--body", "x"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..200 {
        seen.push(lines.next().expect("a JSON line").unwrap());
    }
    let servers = servers_of(child.id());
    assert_eq!(servers.len(), 2, "{servers:?}");
    signal_group(child.id(), libc::SIGINT);
    seen.extend(lines.map_while(Result::ok));
    let status = wait_exit(&mut child, Duration::from_secs(10));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "interrupted is not a pass: {stderr}"
    );
    assert!(stderr.contains("SIGINT: stopping"), "{stderr}");
    let mut seqs: Vec<u64> = seen
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    seqs.sort_unstable();
    let reported = seqs.len();
    assert!(
        seqs.iter().copied().eq(1..=reported as u64),
        "every sequence number up to the last one sent is reported exactly once"
    );
    assert!(
        stderr.contains(&format!("async: {reported} sent")),
        "every reported send is in the summary ({reported}): {stderr}"
    );
    for (pid, name) in servers {
        assert!(!alive(pid), "{name} ({pid}) stopped");
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "no store left: {left:?}");
}
