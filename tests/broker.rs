//! Producer integration tests on a real name server and broker (the sandbox)
//! on 127.0.0.1, each test with its own sandbox. What was stored is read back
//! with a consumer. Run by the README's test command inside a loopback-only
//! network namespace.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cheetah_string::CheetahString;
use rmq_console::message::{Completion, Draft, Mode, Outcome, Seq};
use rmq_console::producer::{
    self, BurstSpec, Credentials, ProducerCommand, ProducerEvent, ProducerSettings,
};
use rmq_console::runtime::Runtime;
use rmq_console::sandbox::{self, AclUser, Sandbox, SandboxOptions};
use rocketmq_client_rust::{ClientRuntime, ClientRuntimeConfig, DefaultLitePullConsumer};
use rocketmq_model::common::message::MessageTrait;
use tokio::sync::mpsc;

/// At most two sandboxes run at once: on a 2-core machine eight brokers
/// starting together (beside a compile) made starts slow enough to time out.
struct Slot;

static SLOTS: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static FREED: std::sync::Condvar = std::sync::Condvar::new();
const MAX_SANDBOXES: usize = 2;

impl Slot {
    fn take() -> Slot {
        let mut used = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
        while *used >= MAX_SANDBOXES {
            used = FREED.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *SLOTS.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        FREED.notify_one();
    }
}

/// A sandbox that holds one of the slots while it lives.
struct TestSandbox {
    sandbox: Option<Sandbox>,
    _slot: Slot,
}

impl std::ops::Deref for TestSandbox {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        self.sandbox.as_ref().expect("running")
    }
}

impl TestSandbox {
    fn stop(mut self) {
        self.sandbox.take().expect("running").stop();
    }
}

fn start_sandbox(opts: SandboxOptions) -> TestSandbox {
    let slot = Slot::take();
    assert!(
        rmq_console::sandbox::netns::loopback_only(),
        "broker tests must run in a loopback-only network namespace (use the README's test command)"
    );
    let (ns, broker) = sandbox::find_servers()
        .expect("sandbox servers not installed: run scripts/install-servers");
    let sandbox = Sandbox::start_with(&ns, &broker, &opts)
        .unwrap_or_else(|e| panic!("sandbox did not start: {e:#}"));
    TestSandbox {
        sandbox: Some(sandbox),
        _slot: slot,
    }
}

fn settings(sb: &TestSandbox) -> ProducerSettings {
    let mut s = ProducerSettings::new(sb.namesrv_addr.clone());
    s.producer_group = unique("producer");
    s
}

fn unique(kind: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "it_{kind}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn draft(topic: &str, body: &str) -> Draft {
    Draft {
        topic: topic.into(),
        tag: Some("TagA".into()),
        keys: vec!["order-1".into(), "user-42".into()],
        properties: vec![
            ("region".into(), "eu-west".into()),
            ("note".into(), "ünïcödé".into()),
        ],
        body: body.as_bytes().to_vec(),
    }
}

async fn send(handle: &producer::ProducerHandle, seq: Seq, mode: Mode, draft: Arc<Draft>) {
    handle
        .submit(ProducerCommand::Send { seq, mode, draft })
        .await
        .expect("producer task alive");
}

/// Collects events until `done` says so or the deadline passes.
async fn collect(
    events: &mut mpsc::Receiver<ProducerEvent>,
    deadline: Duration,
    mut done: impl FnMut(&[ProducerEvent]) -> bool,
) -> Vec<ProducerEvent> {
    let end = tokio::time::Instant::now() + deadline;
    let mut seen = Vec::new();
    while !done(&seen) {
        match tokio::time::timeout_at(end, events.recv()).await {
            Ok(Some(e)) => seen.push(e),
            Ok(None) | Err(_) => break,
        }
    }
    seen
}

fn completions(events: &[ProducerEvent]) -> Vec<&Completion> {
    events
        .iter()
        .filter_map(|e| match e {
            ProducerEvent::Completed(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn completed(events: &[ProducerEvent], n: usize) -> bool {
    completions(events).len() >= n
}

async fn shutdown(
    handle: &producer::ProducerHandle,
    events: &mut mpsc::Receiver<ProducerEvent>,
) -> Vec<ProducerEvent> {
    handle
        .submit(ProducerCommand::Shutdown {
            grace: Duration::from_secs(5),
        })
        .await
        .expect("task alive");
    collect(events, Duration::from_secs(30), |s| {
        s.iter().any(|e| matches!(e, ProducerEvent::Stopped { .. }))
    })
    .await
}

/// Shuts the producer down and checks nothing was left unresolved.
async fn assert_clean_stop(
    handle: &producer::ProducerHandle,
    events: &mut mpsc::Receiver<ProducerEvent>,
) {
    let stopped = shutdown(handle, events).await;
    assert!(
        stopped
            .iter()
            .any(|e| matches!(e, ProducerEvent::Stopped { unresolved } if unresolved.is_empty())),
        "clean stop: {stopped:?}"
    );
}

/// Reads messages of `topic` until `want` distinct bodies arrived (or 60 s:
/// the first poll of a fresh consumer sometimes waits 15-20 s).
async fn read_back(
    rt: &Runtime,
    namesrv: &str,
    topic: &str,
    want: usize,
) -> Vec<rocketmq_model::common::message::message_ext::MessageExt> {
    let client = ClientRuntime::try_new(
        rt.context("consumer"),
        ClientRuntimeConfig::default(),
        rocketmq_observability::TelemetryHandle::noop(),
    )
    .expect("client runtime");
    let consumer = DefaultLitePullConsumer::builder(client.clone())
        .consumer_group(unique("consumer"))
        .name_server_addr(namesrv.to_string())
        .auto_commit(true)
        .build()
        .expect("consumer builds");
    consumer
        .subscribe_with_expression(topic, "*")
        .await
        .expect("subscribe");
    consumer.start().await.expect("consumer starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        got.extend(consumer.poll_with_timeout(1000).await);
    }
    consumer.shutdown().await;
    let _ = client.shutdown().await;
    got
}

#[test]
fn sync_and_async_sends_arrive_intact() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let topic = unique("topic");
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), settings(&sb));
        let sync_draft = Arc::new(draft(&topic, "sync: héllo wörld 你好 🚀"));
        let async_draft = Arc::new(draft(&topic, "async: здравствуй мир ✓"));
        send(&handle, 1, Mode::Sync, sync_draft.clone()).await;
        send(&handle, 2, Mode::Async, async_draft.clone()).await;
        let seen = collect(&mut events, Duration::from_secs(30), |s| completed(s, 2)).await;
        let done = completions(&seen);
        assert_eq!(done.len(), 2, "both sends complete: {seen:?}");
        let mut ids = HashMap::new();
        for c in &done {
            let Outcome::Acknowledged(r) = &c.outcome else {
                panic!("not acknowledged: {c:?}")
            };
            assert_eq!(r.status, "SendOk");
            assert!(!r.msg_id.is_empty() && !r.offset_msg_id.is_empty());
            assert_eq!(r.broker, "broker-a");
            ids.insert(c.seq, r.msg_id.clone());
        }
        // The async send was reported twice: submitted, then called back.
        let submitted_async = seen.iter().any(|e| {
            matches!(
                e,
                ProducerEvent::Submitted {
                    seq: 2,
                    mode: Mode::Async,
                    ..
                }
            )
        });
        assert!(submitted_async, "async submit moment reported");
        let stored = read_back(&rt, &sb.namesrv_addr, &topic, 2).await;
        assert_eq!(stored.len(), 2, "both messages stored and read back");
        for (seq, d) in [(1 as Seq, &sync_draft), (2, &async_draft)] {
            let m = stored
                .iter()
                .find(|m| m.body().as_deref() == Some(&d.body[..]))
                .unwrap_or_else(|| panic!("message {seq} not read back"));
            assert_eq!(m.topic().as_str(), topic);
            assert_eq!(m.get_tags().map(|t| t.to_string()).as_deref(), Some("TagA"));
            assert_eq!(
                m.get_keys().map(|k| k.to_string()).as_deref(),
                Some("order-1 user-42")
            );
            assert_eq!(
                m.get_user_property(CheetahString::from("region"))
                    .map(|v| v.to_string())
                    .as_deref(),
                Some("eu-west")
            );
            assert_eq!(
                m.get_user_property(CheetahString::from("note"))
                    .map(|v| v.to_string())
                    .as_deref(),
                Some("ünïcödé")
            );
            assert_eq!(
                m.get_property(&CheetahString::from("UNIQ_KEY"))
                    .map(|v| v.to_string()),
                Some(ids[&seq].clone()),
                "msgId in the receipt is the stored message's unique key"
            );
        }
        assert_clean_stop(&handle, &mut events).await;
    });
    rt.shutdown();
}

#[test]
fn oneway_burst_lands_in_full_when_paced() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    let s = settings(&sb);
    let topic = unique("oneway");
    let report = rt
        .block_on(rmq_console::headless::run_burst(
            &rt,
            &s,
            draft(&topic, "one-way payload"),
            Mode::Oneway,
            200,
            Some(1000),
            Some("ow-{seq}".into()),
            Duration::from_millis(500),
            true,
            |_, _| {},
        ))
        .expect("burst runs");
    assert_eq!(
        report.counts().dispatched,
        200,
        "every one-way send was dispatched"
    );
    assert_eq!(
        report.landed,
        Some(Ok(200)),
        "queue max offsets grew by the burst"
    );
    rt.shutdown();
}

#[test]
fn acl_wrong_secret_fails_clearly_and_right_secret_succeeds() {
    let sb = start_sandbox(SandboxOptions {
        acl: Some(AclUser {
            access_key: "rmqadmin".into(),
            secret_key: "s3cret-key".into(),
        }),
    });
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let topic = unique("acl");
        let mut results = BTreeMap::new();
        for (label, secret) in [("wrong", "not-the-secret"), ("right", "s3cret-key")] {
            let mut s = settings(&sb);
            s.retry_times_sync = 0;
            s.credentials = Some(Credentials {
                access_key: "rmqadmin".into(),
                secret_key: secret.into(),
                security_token: None,
            });
            let (handle, mut events, _join) = producer::spawn(rt.context("producer"), s);
            send(&handle, 1, Mode::Sync, Arc::new(draft(&topic, label))).await;
            let seen = collect(&mut events, Duration::from_secs(30), |s| completed(s, 1)).await;
            results.insert(label, completions(&seen)[0].outcome.clone());
            shutdown(&handle, &mut events).await;
        }
        match &results["wrong"] {
            Outcome::Failed(f) => {
                println!("wrong secret: {f:?}");
                assert!(
                    f.reason.contains("authentication failed"),
                    "clear message: {}",
                    f.reason
                );
                assert!(!f.reason.contains("not-the-secret"), "secret never shown");
            }
            other => panic!("wrong secret must fail, got {other:?}"),
        }
        assert!(
            matches!(results["right"], Outcome::Acknowledged(_)),
            "right secret: {:?}",
            results["right"]
        );
    });
    rt.shutdown();
}

#[test]
fn unreachable_name_server_fails_within_the_timeout() {
    // A port nobody listens on, on loopback.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut s = ProducerSettings::new(format!("127.0.0.1:{port}"));
        s.send_timeout = Duration::from_millis(1500);
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), s);
        let d = Arc::new(draft("unreachable", "x"));
        let started = Instant::now();
        send(&handle, 1, Mode::Sync, d.clone()).await;
        send(&handle, 2, Mode::Async, d).await;
        let seen = collect(&mut events, Duration::from_secs(20), |s| completed(s, 2)).await;
        let elapsed = started.elapsed();
        let done = completions(&seen);
        assert_eq!(done.len(), 2, "both sends end: {seen:?}");
        for c in &done {
            let Outcome::Failed(f) = &c.outcome else {
                panic!("must fail: {c:?}")
            };
            println!("unreachable {}: {f:?} after {:?}", c.mode, c.latency);
            assert!(!f.reason.is_empty());
        }
        // Bounded by the timeout (plus scheduling slack), never a hang.
        assert!(
            elapsed < Duration::from_millis(1500 + 3000),
            "took {elapsed:?}"
        );
        assert_clean_stop(&handle, &mut events).await;
    });
    rt.shutdown();
}

#[test]
fn shutdown_accounts_for_every_async_send_in_flight() {
    let sb = start_sandbox(SandboxOptions::default());
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut s = settings(&sb);
        s.async_inflight = 4;
        let (handle, mut events, _join) = producer::spawn(rt.context("producer"), s);
        let count = 300;
        handle
            .submit(ProducerCommand::Burst(BurstSpec {
                id: 7,
                mode: Mode::Async,
                draft: Arc::new(draft(&unique("inflight"), "in flight at shutdown")),
                count,
                rate: None,
                key_template: Some("k-{seq}".into()),
                first_seq: 1000,
                verify: false,
            }))
            .await
            .unwrap();
        // Shut down as soon as a few have been submitted.
        let mut seen = collect(&mut events, Duration::from_secs(30), |s| {
            s.iter()
                .filter(|e| matches!(e, ProducerEvent::Submitted { .. }))
                .count()
                >= 8
        })
        .await;
        handle
            .submit(ProducerCommand::Shutdown {
                grace: Duration::ZERO,
            })
            .await
            .unwrap();
        seen.extend(
            collect(&mut events, Duration::from_secs(30), |s| {
                s.iter().any(|e| matches!(e, ProducerEvent::Stopped { .. }))
            })
            .await,
        );
        let queued = seen
            .iter()
            .filter(|e| matches!(e, ProducerEvent::Queued { .. }))
            .count();
        assert!(queued > 0, "a window of 4 makes later sends wait as queued");
        let submitted: Vec<Seq> = seen
            .iter()
            .filter_map(|e| match e {
                ProducerEvent::Submitted { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect();
        let mut outcomes: HashMap<Seq, usize> = HashMap::new();
        for c in completions(&seen) {
            *outcomes.entry(c.seq).or_default() += 1;
        }
        for seq in &submitted {
            assert_eq!(outcomes.get(seq), Some(&1), "seq {seq} ends exactly once");
        }
        let finished = seen.iter().find_map(|e| match e {
            ProducerEvent::BurstFinished {
                submitted,
                cancelled,
                ..
            } => Some((*submitted, *cancelled)),
            _ => None,
        });
        let (burst_submitted, cancelled) = finished.expect("burst reports how far it got");
        assert!(
            cancelled && burst_submitted < count,
            "shutdown stopped the burst early"
        );
        assert_eq!(
            outcomes.len() as u64,
            burst_submitted,
            "every sequence number the burst used has an outcome"
        );
        let Some(ProducerEvent::Stopped { unresolved }) = seen.last() else {
            panic!("stopped last")
        };
        let unresolved_outcomes = completions(&seen)
            .iter()
            .filter(|c| c.outcome == Outcome::Unresolved)
            .count();
        assert_eq!(
            unresolved.len(),
            unresolved_outcomes,
            "unresolved ones are reported as such"
        );
    });
    rt.shutdown();
}

#[test]
fn sandbox_stop_removes_its_store() {
    let sb = start_sandbox(SandboxOptions::default());
    let dir = sb.dir().to_path_buf();
    assert!(dir.join("broker.toml").is_file());
    sb.stop();
    assert!(!dir.exists(), "store {} removed", dir.display());
}

/// The binary with a home of its own: its config, state and log live there.
fn binary(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rmq-console"));
    cmd.env("HOME", home)
        .env_remove("XDG_STATE_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("RMQ_CONSOLE_CONFIG");
    cmd
}

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

/// A tmux server of our own (its own socket, so it lives in this test's
/// network namespace and never talks to a tmux the developer runs).
struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (apt-get install tmux)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "e2e", k]);
            // Esc followed at once by a key reads as Alt+key; type like a person.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn literal(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "e2e", "-l", text]);
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// Polls the screen until `ok` holds; the deadline bounds the wait.
    fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + timeout;
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < end,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .status();
    }
}

/// The cells from `label` on, in the first screen line that has it as a cell.
fn row<'a>(screen: &'a str, label: &str) -> Vec<&'a str> {
    screen
        .lines()
        .find_map(|l| {
            let cells: Vec<&str> = l.split(['│', ' ']).filter(|c| !c.is_empty()).collect();
            let at = cells.iter().position(|c| *c == label)?;
            Some(cells[at..].to_vec())
        })
        .unwrap_or_default()
}

/// End to end: the release binary in a pseudo-terminal, on its own sandbox;
/// a message is typed and sent in each mode, and the screen shows the three
/// outcomes and the counters.
#[test]
fn console_sends_in_each_mode_end_to_end() {
    let (namesrv_bin, _) = sandbox::find_servers().expect("sandbox servers installed");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let release = root.join("target/release/rmq-console");
    let bin = if release.is_file() {
        release
    } else {
        env!("CARGO_BIN_EXE_rmq-console").into()
    };
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: home.path().join("tmux.sock"),
    };
    let command = format!(
        "env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u XDG_DATA_HOME -u RMQ_CONSOLE_CONFIG -u NO_COLOR \
         HOME={home} RMQ_CONSOLE_SERVER_DIR={servers} TERM=xterm-256color {bin} --sandbox; echo EXIT=$?; sleep 60",
        home = home.path().display(),
        servers = namesrv_bin.parent().unwrap().display(),
        bin = bin.display(),
    );
    tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    tmux.wait_for(
        "the console on a ready sandbox",
        Duration::from_secs(60),
        |s| s.contains("SANDBOX") && s.contains("ready"),
    );

    // The sandbox starts with a topic filled in, so a newcomer can send at once.
    assert!(tmux.screen().contains("demo-topic"), "{}", tmux.screen());
    tmux.keys(&["Tab"]);
    tmux.literal("paid");
    tmux.keys(&["Tab"]);
    tmux.literal("order-1 user-9");
    tmux.keys(&["Tab"]);
    tmux.literal("region=eu");
    tmux.keys(&["Tab"]);
    tmux.literal("héllo from the e2e test");
    tmux.keys(&["C-s"]);
    tmux.wait_for("the sync acknowledgement", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(" sync ") && l.contains("OK SendOk"))
    });
    // Esc and 2 in one write, as a slow SSH link delivers them: still leaves
    // the field and picks Async.
    tmux.cmd(&["send-keys", "-t", "e2e", "Escape", "2"]);
    tmux.keys(&["C-s"]);
    tmux.wait_for("the async callback", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(" async ") && l.contains("OK SendOk") && l.contains("cb "))
    });
    tmux.keys(&["3", "s"]);
    let screen = tmux.wait_for("the one-way dispatch", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(" oneway ") && l.contains("DISPATCHED"))
    });
    let _ = std::fs::write(root.join("target/e2e-screen.txt"), &screen);
    // mode, sent, ok, fail per row of the counters pane.
    assert_eq!(
        row(&screen, "Sync").get(1..4),
        Some(&["1", "1", "0"][..]),
        "{screen}"
    );
    assert_eq!(
        row(&screen, "Async").get(1..4),
        Some(&["1", "1", "0"][..]),
        "{screen}"
    );
    assert_eq!(
        row(&screen, "One-way").get(1..4),
        Some(&["1", "1", "0"][..]),
        "{screen}"
    );
    assert!(
        screen.contains("delivery unverified"),
        "one-way is honest about delivery"
    );

    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", Duration::from_secs(30), |s| {
        s.contains("EXIT=0")
    });
}

/// A profile's credentials come from the environment variables it names and
/// reach the broker; the secret never shows in output.
#[test]
fn profile_credentials_from_the_environment_reach_the_broker() {
    let sb = start_sandbox(SandboxOptions {
        acl: Some(AclUser {
            access_key: "opsuser".into(),
            secret_key: "opsuser-secret-1".into(),
        }),
    });
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[profile]]\nname = \"acl\"\nendpoint = \"{}\"\naccess-key-env = \"IT_AK\"\n\
             secret-key-env = \"IT_SK\"\nretry-times-sync = 0\n",
            sb.namesrv_addr
        ),
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
}
