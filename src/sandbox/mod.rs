//! The sandbox: a real RocketMQ name server and broker (rocketmq-namesrv and
//! rocketmq-broker 1.0.0, run as child processes) on 127.0.0.1 with ephemeral
//! ports and a temporary store that is removed when the sandbox stops.

pub mod netns;
pub mod registry;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub const NAMESRV_BIN: &str = "rocketmq-namesrv-rust";
pub const BROKER_BIN: &str = "rocketmq-broker-rust";
/// The server crates' version the sandbox is built and tested against.
pub const SERVER_VERSION: &str = "1.0.0";
/// How long the servers get to become ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A user the broker knows when authentication is on.
#[derive(Debug, Clone)]
pub struct AclUser {
    pub access_key: String,
    pub secret_key: String,
}

#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Start the broker with authentication required for this user.
    pub acl: Option<AclUser>,
}

/// A running name server and broker. Dropping it stops both and removes the
/// store.
pub struct Sandbox {
    pub namesrv_addr: String,
    pub broker_addr: String,
    children: Vec<(&'static str, Child)>,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("namesrv_addr", &self.namesrv_addr)
            .field("broker_addr", &self.broker_addr)
            .field("dir", &self.dir.path())
            .finish()
    }
}

/// Where the server binaries are: `$RMQ_CONSOLE_SERVER_DIR`, then `PATH`,
/// then `~/.cargo/bin`, then the console's own data dir (where
/// `install_servers` puts them).
pub fn find_servers() -> Option<(PathBuf, PathBuf)> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("RMQ_CONSOLE_SERVER_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.push(install_root().join("bin"));
    dirs.into_iter().find_map(|d| {
        let (n, b) = (d.join(NAMESRV_BIN), d.join(BROKER_BIN));
        (n.is_file() && b.is_file()).then_some((n, b))
    })
}

/// `~/.local/share/rmq-console/servers`.
pub fn install_root() -> PathBuf {
    crate::paths::data_dir().join("servers")
}

/// Builds the two server binaries from crates.io into `install_root()`
/// (about ten minutes on two cores, once). Output goes to the caller's
/// terminal: this only runs before the TUI takes the screen.
pub fn install_servers() -> Result<(PathBuf, PathBuf)> {
    let root = install_root();
    eprintln!(
        "rmq-console: the sandbox needs the RocketMQ name server and broker ({NAMESRV_BIN}, {BROKER_BIN}).\n\
         Installing rocketmq-namesrv and rocketmq-broker {SERVER_VERSION} into {} (one time, ~10 min)...",
        root.display()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["install", "--locked", "--root"])
        .arg(&root)
        .arg(format!("rocketmq-namesrv@{SERVER_VERSION}"))
        .arg(format!("rocketmq-broker@{SERVER_VERSION}"))
        .status()
        .context("running `cargo install` for the sandbox servers (is cargo on PATH?)")?;
    if !status.success() {
        bail!("`cargo install` of the sandbox servers failed ({status})");
    }
    find_servers().context("the sandbox servers were installed but cannot be found")
}

fn free_ports<const N: usize>() -> Result<[u16; N]> {
    // Hold all listeners at once so the ports differ.
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()
        .context("finding free ports on 127.0.0.1")?;
    let mut out = [0u16; N];
    for (o, l) in out.iter_mut().zip(&listeners) {
        *o = l.local_addr()?.port();
    }
    Ok(out)
}

impl Sandbox {
    /// Starts both servers and waits until the broker is ready.
    pub fn start(opts: &SandboxOptions) -> Result<Self> {
        let (namesrv_bin, broker_bin) = match find_servers() {
            Some(found) => found,
            None => install_servers()?,
        };
        Self::start_with(&namesrv_bin, &broker_bin, opts)
    }

    pub fn start_with(
        namesrv_bin: &Path,
        broker_bin: &Path,
        opts: &SandboxOptions,
    ) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("rmq-console-sandbox-")
            .tempdir()
            .context("creating the sandbox directory")?;
        let root = dir.path();
        let [ns_port, broker_port, ha_port, health_port] = free_ports::<4>()?;
        let namesrv_addr = format!("127.0.0.1:{ns_port}");
        let broker_addr = format!("127.0.0.1:{broker_port}");

        let home = root.join("home");
        std::fs::create_dir_all(&home)?;
        let ns_conf = root.join("namesrv.toml");
        std::fs::write(
            &ns_conf,
            format!(
                "rocketmqHome = \"{home}\"\nkvConfigPath = \"{home}/kvConfig.json\"\n\
                 configStorePath = \"{home}/namesrv.properties\"\n",
                home = home.display()
            ),
        )?;
        let store = root.join("store");
        let mut broker_conf = format!(
            r#"[broker]
namesrvAddr = "{namesrv_addr}"
brokerIp1 = "127.0.0.1"
listenPort = {broker_port}
storePathRootDir = "{store}"
autoCreateTopicEnable = true
"#,
            store = store.display()
        );
        if let Some(acl) = &opts.acl {
            broker_conf.push_str(&format!(
                "authenticationEnabled = true\ninitAuthenticationUser = \"{}:{}\"\nauthConfigPath = \"{}\"\n",
                acl.access_key,
                acl.secret_key,
                root.join("auth").display()
            ));
        }
        broker_conf.push_str(&format!(
            r#"
[broker.brokerServerConfig]
bindAddress = "127.0.0.1"

[broker.brokerIdentity]
brokerName = "broker-a"
brokerClusterName = "SandboxCluster"
brokerId = 0

[store]
storePathRootDir = "{store}"
haListenAddress = "127.0.0.1"
haListenPort = {ha_port}
mappedFileSizeCommitLog = 67108864
mappedFileSizeConsumeQueue = 600000
maxHashSlotNum = 50000
maxIndexNum = 200000
commitLogMicroBatchMaxWaitMicros = 0
"#,
            store = store.display()
        ));
        let broker_conf_path = root.join("broker.toml");
        std::fs::write(&broker_conf_path, broker_conf)?;

        let mut sandbox = Sandbox {
            namesrv_addr: namesrv_addr.clone(),
            broker_addr,
            children: Vec::new(),
            dir,
        };
        let root = sandbox.dir.path().to_path_buf();
        let mut ns_cmd = Command::new(namesrv_bin);
        ns_cmd
            .arg("-c")
            .arg(&ns_conf)
            .args([
                "--listenPort",
                &ns_port.to_string(),
                "--bindAddress",
                "127.0.0.1",
            ])
            .arg("--rocketmqHome")
            .arg(&home);
        let child = spawn_server(ns_cmd, &home, &root.join("namesrv.log"))?;
        sandbox.children.push(("name server", child));
        wait_for(START_TIMEOUT, "the name server to listen", || {
            sandbox.check_alive()?;
            Ok(TcpStream::connect(("127.0.0.1", ns_port)).is_ok())
        })
        .map_err(|e| sandbox.with_log(e, "namesrv.log"))?;

        let mut broker_cmd = Command::new(broker_bin);
        broker_cmd.arg("-c").arg(&broker_conf_path).env(
            "ROCKETMQ_HEALTH_BIND_ADDR",
            format!("127.0.0.1:{health_port}"),
        );
        let child = spawn_server(broker_cmd, &home, &root.join("broker.log"))?;
        sandbox.children.push(("broker", child));
        wait_for(START_TIMEOUT, "the broker to be ready", || {
            sandbox.check_alive()?;
            Ok(http_ok(health_port, "/readyz"))
        })
        .map_err(|e| sandbox.with_log(e, "broker.log"))?;
        tracing::info!(?sandbox, "sandbox started");
        Ok(sandbox)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn check_alive(&mut self) -> Result<()> {
        for (name, child) in &mut self.children {
            if let Some(status) = child.try_wait()? {
                bail!("the sandbox {name} exited during start ({status})");
            }
        }
        Ok(())
    }

    /// Adds the tail of a server log to a start error: that is where the
    /// servers say why they stopped.
    fn with_log(&self, e: anyhow::Error, log: &str) -> anyhow::Error {
        let text = std::fs::read_to_string(self.dir.path().join(log)).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        e.context(format!("{log} (last lines):\n{}", tail.join("\n")))
    }

    /// Stops both servers: SIGTERM, then SIGKILL after a few seconds.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        // Broker first, so it can unregister from the name server.
        for (name, child) in self.children.iter_mut().rev() {
            // SAFETY: kill on our own child's pid.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(8);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(25))
                    }
                    _ => {
                        tracing::warn!(name, "sandbox server did not stop on SIGTERM; killing");
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
        self.children.clear();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.terminate();
    }
}

fn spawn_server(mut cmd: Command, home: &Path, log: &Path) -> Result<Child> {
    let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone()?;
    cmd.env("ROCKETMQ_HOME", home)
        .env("NO_COLOR", "1")
        .current_dir(home)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    // SAFETY: prctl is async-signal-safe. The servers die with us, even when
    // we are killed, so a crashed console leaves no broker behind.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let program = cmd.get_program().to_owned();
    cmd.spawn()
        .with_context(|| format!("starting {}", program.to_string_lossy()))
}

/// Polls `ready` every 20 ms until it says yes, fails, or `timeout` passes.
fn wait_for(timeout: Duration, what: &str, mut ready: impl FnMut() -> Result<bool>) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if ready()? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A minimal HTTP GET; true on a 200.
fn http_ok(port: u16, path: &str) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    let head = String::from_utf8_lossy(&buf[..n]);
    head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200")
}
