//! Shared helpers of the broker-level tests: sandboxes (at most two at
//! once), producer event collection, read-back with a consumer, the binary
//! with a home of its own, and a tmux server for the end-to-end tests.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rmq_engine::producer::{self, ProducerCommand, ProducerEvent, ProducerSettings};
use rmq_engine::runtime::Runtime;
use rmq_model::message::{Completion, Draft, Mode, Seq};
use rmq_sandbox::{Sandbox, SandboxOptions};
use rocketmq_client_rust::{ClientRuntime, ClientRuntimeConfig, DefaultLitePullConsumer};
use tokio::sync::mpsc;

/// The binary cargo built for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_rmq-console");

/// At most two sandboxes run at once: on a 2-core machine eight brokers
/// starting together (beside a compile) made starts slow enough to time out.
pub struct Slot;

static SLOTS: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static FREED: std::sync::Condvar = std::sync::Condvar::new();
const MAX_SANDBOXES: usize = 2;

impl Slot {
    pub fn take() -> Slot {
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
pub struct TestSandbox {
    sandbox: Option<Sandbox>,
    _slot: Slot,
}

impl std::ops::Deref for TestSandbox {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        self.sandbox.as_ref().expect("running")
    }
}

impl std::ops::DerefMut for TestSandbox {
    fn deref_mut(&mut self) -> &mut Sandbox {
        self.sandbox.as_mut().expect("running")
    }
}

impl TestSandbox {
    pub fn stop(mut self) {
        self.sandbox.take().expect("running").stop();
    }
}

pub fn start_sandbox(opts: SandboxOptions) -> TestSandbox {
    let slot = Slot::take();
    assert!(
        rmq_sandbox::netns::loopback_only(),
        "broker tests must run in a loopback-only network namespace (use the README's test command)"
    );
    let opts = SandboxOptions {
        server_exe: Some(BIN.into()),
        ..opts
    };
    let sandbox = Sandbox::start(&opts).unwrap_or_else(|e| panic!("sandbox did not start: {e:#}"));
    TestSandbox {
        sandbox: Some(sandbox),
        _slot: slot,
    }
}

pub fn settings(sb: &TestSandbox) -> ProducerSettings {
    let mut s = ProducerSettings::new(sb.namesrv_addr.clone());
    s.producer_group = unique("producer");
    s
}

pub fn unique(kind: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "it_{kind}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Creates `topic` with `queues` queues on every broker of the sandbox and
/// waits (bounded) until its route names `brokers` brokers. Tests whose
/// subject is not auto-creation create their topic first: a send with a
/// queue selector (FIFO) is not retried by the library, and its first send
/// to a topic the broker creates on the fly failed once in CI with "topic
/// does not exist" (code 17).
pub async fn create_topic(rt: &Runtime, namesrv: &str, topic: &str, queues: i32, brokers: usize) {
    use rocketmq_client_rust::DefaultMQProducer;
    let client = ClientRuntime::try_new(
        rt.context("admin"),
        ClientRuntimeConfig::default(),
        rocketmq_observability::TelemetryHandle::noop(),
    )
    .expect("client runtime");
    let mut admin = DefaultMQProducer::builder(client.clone())
        .producer_group(unique("admin"))
        .name_server_addr(namesrv.to_string())
        .build();
    admin.start().await.expect("admin producer starts");
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let _ = admin
            .create_topic("TBW102", topic, queues, Default::default())
            .await;
        let named: std::collections::BTreeSet<String> = admin
            .fetch_publish_message_queues(topic)
            .await
            .map(|qs| qs.iter().map(|q| q.broker_name().to_string()).collect())
            .unwrap_or_default();
        if named.len() == brokers {
            break;
        }
        assert!(
            Instant::now() < end,
            "{topic} on {brokers} brokers: {named:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    admin.shutdown().await;
    let _ = client.shutdown().await;
}

pub fn draft(topic: &str, body: &str) -> Draft {
    Draft {
        topic: topic.into(),
        tag: Some("TagA".into()),
        keys: vec!["order-1".into(), "user-42".into()],
        properties: vec![
            ("region".into(), "eu-west".into()),
            ("note".into(), "ünïcödé".into()),
        ],
        body: body.as_bytes().to_vec(),
        kind: Default::default(),
    }
}

pub async fn send(handle: &producer::ProducerHandle, seq: Seq, mode: Mode, draft: Arc<Draft>) {
    handle
        .submit(ProducerCommand::Send { seq, mode, draft })
        .await
        .expect("producer task alive");
}

/// Collects events until `done` says so or the deadline passes.
pub async fn collect(
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

pub fn completions(events: &[ProducerEvent]) -> Vec<&Completion> {
    events
        .iter()
        .filter_map(|e| match e {
            ProducerEvent::Completed(c) => Some(c),
            _ => None,
        })
        .collect()
}

pub fn completed(events: &[ProducerEvent], n: usize) -> bool {
    completions(events).len() >= n
}

pub async fn shutdown(
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
pub async fn assert_clean_stop(
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

/// A started pull consumer of `topic` in a group of its own (so it reads
/// the topic from the start), and its client runtime; shut both down after.
pub async fn fresh_consumer(
    rt: &Runtime,
    namesrv: &str,
    topic: &str,
) -> (Arc<ClientRuntime>, DefaultLitePullConsumer) {
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
    (client, consumer)
}

/// Reads messages of `topic` until `want` distinct bodies arrived (or 60 s:
/// the first poll of a fresh consumer sometimes waits 15-20 s).
pub async fn read_back(
    rt: &Runtime,
    namesrv: &str,
    topic: &str,
    want: usize,
) -> Vec<rocketmq_model::common::message::message_ext::MessageExt> {
    let (client, consumer) = fresh_consumer(rt, namesrv, topic).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        got.extend(consumer.poll_with_timeout(1000).await);
    }
    consumer.shutdown().await;
    let _ = client.shutdown().await;
    got
}

/// The binary with a home of its own: its config, state and log live there.
pub fn binary(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(BIN);
    cmd.env("HOME", home)
        .env_remove("XDG_STATE_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("RMQ_CONSOLE_CONFIG");
    cmd
}

/// A tmux server of our own (its own socket, so it lives in this test's
/// network namespace and never talks to a tmux the developer runs).
pub struct Tmux {
    pub socket: std::path::PathBuf,
}

impl Tmux {
    /// The binary in a detached `width`x40 session named `e2e` of a tmux
    /// server with its socket in `dir`: a clean environment holding only
    /// `env` (`HOME=… TMPDIR=…`), PATH and TERM; `args` after the binary.
    /// The pane stays a minute after it exits and shows `EXIT=status`.
    pub fn start(dir: &std::path::Path, env: &str, args: &str, width: u16) -> Tmux {
        let tmux = Tmux {
            socket: dir.join("tmux.sock"),
        };
        let command = format!(
            "env -i {env} PATH=/usr/bin:/bin TERM=xterm-256color {BIN} {args}; \
             echo EXIT=$?; sleep 60"
        );
        let width = width.to_string();
        tmux.cmd(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width,
            "-y",
            "40",
            &command,
        ]);
        tmux
    }

    /// The console as a newcomer starts it: `rmq-console` with an empty
    /// HOME (no config, no server binaries anywhere, no cargo on PATH) and
    /// TMPDIR `tmp`, on a sandbox of its own in a loopback-only network, in
    /// a 120x40 pane. Returns when the first screen shows the sandbox ready.
    pub fn console_on_own_sandbox(home: &std::path::Path, tmp: &std::path::Path) -> Tmux {
        let tmux = Tmux::start(
            home,
            &format!(
                "HOME={home} TMPDIR={tmp}",
                home = home.display(),
                tmp = tmp.display()
            ),
            "",
            120,
        );
        tmux.wait_for(
            "the console on a ready sandbox",
            Duration::from_secs(60),
            |s| s.contains("SANDBOX") && s.contains("ready"),
        );
        tmux
    }

    /// The console with HOME `home` on the name server `namesrv`
    /// (`--namesrv`: a test's own sandbox), in a `width`x40 pane. Returns
    /// when the composer shows.
    pub fn console_on(home: &std::path::Path, namesrv: &str, width: u16) -> Tmux {
        let tmux = Tmux::start(
            home,
            &format!("HOME={home}", home = home.display()),
            &format!("--namesrv {namesrv}"),
            width,
        );
        tmux.wait_for("the composer", Duration::from_secs(30), |s| {
            s.contains("Composer")
        });
        tmux
    }

    pub fn cmd(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (apt-get install tmux)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "e2e", k]);
            // Esc followed at once by a key reads as Alt+key; type like a person.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn literal(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "e2e", "-l", text]);
    }

    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// Polls the screen until `ok` holds; the deadline bounds the wait.
    pub fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
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
pub fn row<'a>(screen: &'a str, label: &str) -> Vec<&'a str> {
    screen
        .lines()
        .find_map(|l| {
            let cells: Vec<&str> = l.split(['│', ' ']).filter(|c| !c.is_empty()).collect();
            // The mode bar names the modes too (`Mode  1 Sync  2 Async`),
            // and the compare view's header the async window.
            if cells
                .first()
                .is_some_and(|c| c.ends_with("Mode") || *c == "done")
            {
                return None;
            }
            let at = cells
                .iter()
                .position(|c| c.trim_end_matches('~') == label)?;
            Some(cells[at..].to_vec())
        })
        .unwrap_or_default()
}

/// Polls `ok` every 50 ms until it holds; panics with `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let end = Instant::now() + timeout;
    while !ok() {
        assert!(
            Instant::now() < end,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Pids whose parent is `pid` (from /proc/*/stat).
pub fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    // The command name may hold spaces: fields follow its ')'.
                    let rest = &stat[stat.rfind(')')? + 2..];
                    rest.split(' ').nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// A process's command line, arguments joined by spaces.
pub fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// A process's environment as `NAME=value` entries.
pub fn environ(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|e| !e.is_empty())
                .map(|e| String::from_utf8_lossy(e).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// True while `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let rest = stat[stat.rfind(')')? + 2..].to_string();
            rest.chars().next()
        })
        .is_some_and(|state| state != 'Z')
}

/// The sandbox servers a process started: (pid, "namesrv" | "broker").
pub fn servers_of(pid: u32) -> Vec<(u32, &'static str)> {
    children_of(pid)
        .into_iter()
        .filter_map(|c| {
            let cmd = cmdline(c);
            if !cmd.contains("sandbox-server") {
                return None;
            }
            Some((
                c,
                if cmd.contains(" broker") {
                    "broker"
                } else {
                    "namesrv"
                },
            ))
        })
        .collect()
}

pub fn signal(pid: u32, sig: i32) {
    // SAFETY: kill on a pid this test started.
    unsafe { libc::kill(pid as i32, sig) };
}

/// `rmq-console sandbox` as a child with its own process group, reading its
/// stdout until it prints the name server address.
pub struct HeadlessSandbox {
    pub child: std::process::Child,
    pub namesrv: String,
    pub store: std::path::PathBuf,
    /// What it printed up to the store line.
    pub printed: Vec<String>,
    /// What it prints after that.
    pub more: std::sync::mpsc::Receiver<String>,
}

impl HeadlessSandbox {
    pub fn start(cmd: std::process::Command) -> HeadlessSandbox {
        Self::start_with(cmd, &[])
    }

    /// `rmq-console sandbox ARGS…`.
    pub fn start_with(mut cmd: std::process::Command, args: &[&str]) -> HeadlessSandbox {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        let mut child = cmd
            .arg("sandbox")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("sandbox starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keeps draining after the address: a closed pipe would make
            // the sandbox's later prints fail.
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let (mut namesrv, mut store) = (None, None);
        let mut printed = Vec::new();
        let end = Instant::now() + Duration::from_secs(30);
        while namesrv.is_none() || store.is_none() {
            let left = end.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!(
                    "no address from `rmq-console sandbox`: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            };
            if let Some(a) = line.strip_prefix("namesrv ") {
                namesrv = Some(a.trim().to_string());
            } else if let Some(s) = line.strip_prefix("store ") {
                store = Some(s.trim().into());
            }
            printed.push(line);
        }
        HeadlessSandbox {
            child,
            namesrv: namesrv.unwrap(),
            store: store.unwrap(),
            printed,
            more: rx,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for HeadlessSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signals a whole process group, as a terminal does for Ctrl-C.
pub fn signal_group(pgid: u32, sig: i32) {
    // SAFETY: kill on a process group this test started.
    unsafe { libc::kill(-(pgid as i32), sig) };
}

/// Waits (bounded) for a child to exit.
pub fn wait_exit(child: &mut std::process::Child, timeout: Duration) -> std::process::ExitStatus {
    let end = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() >= end {
            let _ = child.kill();
            panic!("process {} did not exit within {timeout:?}", child.id());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A headless `send` of one message that exited 0 with an acknowledgement.
pub fn assert_acknowledged(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"state\":\"acknowledged\""),
        "{what}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A headless `send` started as a child whose JSON lines are read as they
/// come, each with the moment it was read.
pub struct LiveSend {
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<(Instant, serde_json::Value)>,
    /// Every line read so far, in order.
    pub seen: Vec<(Instant, serde_json::Value)>,
}

impl LiveSend {
    pub fn start(mut cmd: std::process::Command) -> LiveSend {
        use std::io::BufRead;
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("send starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let v = serde_json::from_str(&line).expect("a JSON line");
                let _ = tx.send((Instant::now(), v));
            }
        });
        LiveSend {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until `ok` holds for the last one read; panics after
    /// `timeout`.
    pub fn until(
        &mut self,
        what: &str,
        timeout: Duration,
        mut ok: impl FnMut(&serde_json::Value) -> bool,
    ) -> Instant {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, v)) => {
                    let hit = ok(&v);
                    self.seen.push((at, v));
                    if hit {
                        return at;
                    }
                }
                Err(_) => panic!(
                    "timed out after {timeout:?} waiting for {what}; {} lines read",
                    self.seen.len()
                ),
            }
        }
    }

    /// Waits (bounded) for the exit; returns its status and stderr, every
    /// line read by then.
    pub fn finish(&mut self, timeout: Duration) -> (std::process::ExitStatus, String) {
        let status = wait_exit(&mut self.child, timeout);
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr).unwrap();
        // The reader thread ends at EOF; take what it read.
        let end = Instant::now() + Duration::from_secs(5);
        while let Ok(line) = self
            .lines
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        (status, stderr)
    }

    /// The count of lines in each state.
    pub fn states(&self) -> std::collections::BTreeMap<String, u64> {
        let mut m = std::collections::BTreeMap::new();
        for (_, v) in &self.seen {
            *m.entry(v["state"].as_str().unwrap_or("?").to_string())
                .or_insert(0) += 1;
        }
        m
    }

    /// Every sequence number from 1 to the last one reported, exactly once.
    pub fn assert_every_seq_once(&self) -> u64 {
        let mut seqs: Vec<u64> = self
            .seen
            .iter()
            .map(|(_, v)| v["seq"].as_u64().unwrap())
            .collect();
        seqs.sort_unstable();
        let n = seqs.len() as u64;
        assert!(
            seqs.iter().copied().eq(1..=n),
            "every sequence number once: {} lines, first gaps/dups near {:?}",
            n,
            seqs.windows(2).find(|w| w[1] != w[0] + 1)
        );
        n
    }
}

impl Drop for LiveSend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The numbers of `send`'s summary line for `mode`: (sent, acknowledged,
/// failed, dispatched, unresolved).
pub fn summary(stderr: &str, mode: &str) -> (u64, u64, u64, u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with(&format!("{mode}: ")) && l.contains(" sent in "))
        .unwrap_or_else(|| panic!("no {mode} summary in: {stderr}"));
    let num = |before: &str| -> u64 {
        let i = line
            .find(before)
            .unwrap_or_else(|| panic!("{before} in {line}"));
        line[..i]
            .rsplit(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        num(" sent in"),
        num(" acknowledged"),
        num(" failed"),
        num(" dispatched"),
        num(" unresolved"),
    )
}
