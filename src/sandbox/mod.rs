//! The sandbox: a real RocketMQ name server and broker (the rocketmq-namesrv
//! and rocketmq-broker 1.0.0 libraries, built into this binary and run as
//! child processes of it, see `server`) on 127.0.0.1 with ephemeral ports and
//! a temporary store that is removed when the sandbox stops.

pub mod netns;
pub mod registry;
pub mod server;

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use server::Kind;

/// How long the servers get to become ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const START_ATTEMPTS: u32 = 3;
/// How long the servers get to stop on SIGTERM before they are killed.
const STOP_WAIT: Duration = Duration::from_millis(1500);
/// Prefix of every sandbox directory in the temp dir; `owner.pid` inside
/// names the process that made it, so a later start can tell a leftover.
const DIR_PREFIX: &str = "rmq-console-sandbox-";
const OWNER_FILE: &str = "owner.pid";

/// A server process ended before it was ready (its log says why).
#[derive(Debug)]
struct ExitedDuringStart {
    name: &'static str,
    status: std::process::ExitStatus,
}

impl std::fmt::Display for ExitedDuringStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the sandbox {} exited during start ({})",
            self.name, self.status
        )
    }
}

impl std::error::Error for ExitedDuringStart {}

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
    /// The `rmq-console` binary that runs the servers; `None` is this
    /// process's own executable. Tests name the binary cargo built.
    pub server_exe: Option<PathBuf>,
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

/// The executable that serves `sandbox-server`: the one asked for, else
/// this process's own, which must then be `rmq-console` (a test binary run
/// with those arguments would start its own tests instead).
fn server_exe(opts: &SandboxOptions) -> Result<PathBuf> {
    if let Some(exe) = &opts.server_exe {
        return Ok(exe.clone());
    }
    let exe = std::env::current_exe().context("finding this executable")?;
    let is_console = exe
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("rmq-console"));
    if !is_console {
        bail!(
            "{} cannot run the sandbox servers; set SandboxOptions::server_exe to the rmq-console binary",
            exe.display()
        );
    }
    Ok(exe)
}

/// Free ports on 127.0.0.1 for the name server, the broker and its HA
/// service: `[namesrv, broker, ha]`. The broker also listens on its "fast"
/// port two below the normal one, so that one must be free too. Every
/// probe listener is held until all ports are chosen, so none of them can
/// be handed out twice (a name server on the broker's fast port kills the
/// broker at start).
fn free_ports() -> Result<[u16; 3]> {
    let bind = || TcpListener::bind("127.0.0.1:0").context("finding a free port on 127.0.0.1");
    let port = |l: &TcpListener| -> Result<u16> { Ok(l.local_addr()?.port()) };
    let mut held = Vec::new();
    let broker = loop {
        if held.len() > 100 {
            bail!("no free pair of ports (p, p-2) on 127.0.0.1 for the broker");
        }
        let normal = bind()?;
        let p = port(&normal)?;
        let fast = p
            .checked_sub(2)
            .and_then(|f| TcpListener::bind(("127.0.0.1", f)).ok());
        held.push(normal);
        if let Some(fast) = fast {
            held.push(fast);
            break p;
        }
    };
    let (namesrv, ha) = (bind()?, bind()?);
    Ok([port(&namesrv)?, broker, port(&ha)?])
}

/// True while process `pid` exists (ours or another user's).
fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Removes sandbox directories in `tmp` left by runs that were killed
/// (SIGKILL, power loss) before they could clean up: only those whose owner
/// process is gone.
fn remove_leftovers(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DIR_PREFIX) {
            continue;
        }
        let dir = entry.path();
        // No owner file: being created right now, or not ours to judge.
        let Some(pid) = std::fs::read_to_string(dir.join(OWNER_FILE))
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
        else {
            continue;
        };
        if pid > 0 && !process_alive(pid) {
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {
                    tracing::info!(dir = %dir.display(), pid, "removed a sandbox store left by a killed run")
                }
                Err(e) => tracing::warn!(dir = %dir.display(), "leftover sandbox store: {e}"),
            }
        }
    }
}

impl Sandbox {
    /// Starts both servers and waits until the broker is ready. Nothing is
    /// downloaded or built: the servers are this binary's own.
    pub fn start(opts: &SandboxOptions) -> Result<Self> {
        let exe = server_exe(opts)?;
        remove_leftovers(&std::env::temp_dir());
        // The ports are probed free, then bound by the servers a moment
        // later; another process may take one in between. A server that
        // exits during start gets fresh ports, twice at most.
        let mut attempt = 1;
        loop {
            match Self::start_once(&exe, opts) {
                Ok(sandbox) => return Ok(sandbox),
                Err(e) if attempt < START_ATTEMPTS && e.is::<ExitedDuringStart>() => {
                    tracing::warn!(
                        attempt,
                        "sandbox start failed, retrying with new ports: {e:#}"
                    );
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn start_once(exe: &Path, opts: &SandboxOptions) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(DIR_PREFIX)
            .tempdir()
            .context("creating the sandbox directory")?;
        std::fs::write(dir.path().join(OWNER_FILE), std::process::id().to_string())
            .context("writing the sandbox owner file")?;
        let root = dir.path().to_path_buf();
        let [ns_port, broker_port, ha_port] = free_ports()?;
        let namesrv_addr = format!("127.0.0.1:{ns_port}");
        let broker_addr = format!("127.0.0.1:{broker_port}");

        let home = root.join("home");
        std::fs::create_dir_all(&home)?;
        let store = root.join("store");
        let mut broker_conf = format!(
            r#"[broker]
namesrvAddr = "{namesrv_addr}"
brokerIp1 = "127.0.0.1"
listenPort = {broker_port}
storePathRootDir = "{store}"
autoCreateTopicEnable = true
# Check-backs for undecided transactions after 3 s, then every second, so a
# transaction left unknown is asked about while the operator watches. The
# timeout stays well above the op batch interval: below it the broker
# re-checked finished transactions (BROKER-NOTES: a rolled-back message
# delivered, a committed one duplicated).
transactionTimeout = 3000
transactionCheckInterval = 1000
transactionOpBatchInterval = 200
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
        std::fs::write(root.join("broker.toml"), broker_conf)?;

        let mut sandbox = Sandbox {
            namesrv_addr,
            broker_addr,
            children: Vec::new(),
            dir,
        };
        let mut ns_cmd = server_command(exe, Kind::Namesrv, &root, &home);
        ns_cmd.args(["--port", &ns_port.to_string()]);
        let child = spawn_server(ns_cmd, &root.join("namesrv.log"))?;
        sandbox.children.push(("name server", child));
        wait_for(START_TIMEOUT, "the name server to listen", || {
            sandbox.check_alive()?;
            Ok(TcpStream::connect(("127.0.0.1", ns_port)).is_ok())
        })
        .map_err(|e| sandbox.with_log(e, "namesrv.log"))?;

        let broker_cmd = server_command(exe, Kind::Broker, &root, &home);
        let child = spawn_server(broker_cmd, &root.join("broker.log"))?;
        sandbox.children.push(("broker", child));
        let ready = server::broker_ready_marker(&root);
        wait_for(START_TIMEOUT, "the broker to be ready", || {
            sandbox.check_alive()?;
            Ok(ready.exists())
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
                return Err(ExitedDuringStart { name, status }.into());
            }
        }
        Ok(())
    }

    /// Adds the tail of a server log to a start error: that is where the
    /// servers say why they stopped.
    fn with_log(&self, e: anyhow::Error, log: &str) -> anyhow::Error {
        let text = std::fs::read_to_string(self.dir.path().join(log)).unwrap_or_default();
        // The first errors say why; the shutdown that follows them fills
        // the tail.
        let errors: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(" ERROR "))
            .take(8)
            .collect();
        let tail: Vec<&str> = text.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        e.context(format!(
            "{log} (first errors):\n{}\n{log} (last lines):\n{}",
            errors.join("\n"),
            tail.join("\n")
        ))
    }

    /// Stops both servers: SIGTERM (with SIGCONT, in case one was frozen),
    /// then SIGKILL for any still there after `STOP_WAIT`. The store is
    /// thrown away next, so a slow clean shutdown would buy nothing but a
    /// late exit (after SIGHUP, the console must be gone within seconds).
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        for (_, child) in &self.children {
            let pid = child.id() as libc::pid_t;
            // SAFETY: kill on our own children's pids (not yet reaped).
            unsafe {
                libc::kill(pid, libc::SIGTERM);
                libc::kill(pid, libc::SIGCONT);
            }
        }
        let deadline = Instant::now() + STOP_WAIT;
        for (name, child) in &mut self.children {
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    _ => {
                        tracing::info!(
                            name,
                            "sandbox server still running after {STOP_WAIT:?}; killing"
                        );
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

/// `exe sandbox-server KIND --dir DIR`, with a cleaned environment: only
/// what the servers need, nothing of the operator's RocketMQ (`NAMESRV_ADDR`
/// overrides the broker's config), OTEL or proxy settings.
fn server_command(exe: &Path, kind: Kind, root: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.arg(server::SUBCOMMAND)
        .arg(match kind {
            Kind::Namesrv => "namesrv",
            Kind::Broker => "broker",
        })
        .arg("--dir")
        .arg(root)
        .env_clear()
        .env("ROCKETMQ_HOME", home)
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .current_dir(home);
    if let Some(tz) = std::env::var_os("TZ") {
        cmd.env("TZ", tz);
    }
    cmd
}

fn spawn_server(mut cmd: Command, log: &Path) -> Result<Child> {
    let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone()?;
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        // A process group of their own: Ctrl-C at the terminal reaches only
        // rmq-console, which stops the servers in order.
        .process_group(0);
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: prctl and getppid are async-signal-safe. The servers die with
    // us, even when we are killed, so a crashed console leaves no broker
    // behind; if we died before prctl took effect, stop at once.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            if libc::getppid() != parent {
                libc::_exit(1);
            }
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
