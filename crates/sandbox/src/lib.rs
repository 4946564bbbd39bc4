//! The sandbox: a real RocketMQ name server and broker (the rocketmq-namesrv
//! and rocketmq-broker 1.0.0 libraries, built into this binary and run as
//! child processes of it, see `server`) on 127.0.0.1 with ephemeral ports and
//! a temporary store that is removed when the sandbox stops.

mod acl;
pub mod netns;
pub mod registry;
pub mod server;

use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
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
    /// With `acl`: turn authorization on too, with this second user who may
    /// publish to every topic but read none (subscribe, pull, query). The
    /// admin user `acl` still may do everything.
    pub publish_only: Option<AclUser>,
    /// The `rmq-console` binary that runs the servers; `None` is this
    /// process's own executable. Tests name the binary cargo built.
    pub server_exe: Option<PathBuf>,
    /// Start a second broker (`broker-b`, same cluster and name server), so
    /// that a topic can be served by two brokers and one of them can fail.
    pub second_broker: bool,
}

/// One of a sandbox's server processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Namesrv,
    Broker,
    /// `broker-b`, with `SandboxOptions::second_broker`.
    SecondBroker,
}

impl Server {
    fn label(self) -> &'static str {
        match self {
            Server::Namesrv => "name server",
            Server::Broker => "broker",
            Server::SecondBroker => "second broker",
        }
    }

    /// The broker's `--name`: its configuration and ready marker.
    fn file_name(self) -> &'static str {
        match self {
            Server::Namesrv => "namesrv",
            Server::Broker => "broker",
            Server::SecondBroker => "broker-b",
        }
    }
}

/// A running name server and broker. Dropping it stops both and removes the
/// store.
pub struct Sandbox {
    pub namesrv_addr: String,
    pub broker_addr: String,
    /// `broker-b`'s address, with `SandboxOptions::second_broker`.
    pub second_broker_addr: Option<String>,
    children: Vec<(Server, Child)>,
    dir: tempfile::TempDir,
    exe: PathBuf,
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

/// Free ports on 127.0.0.1 for the name server and `brokers` brokers with
/// their HA services: `(namesrv, [(broker, ha)…])`. A broker also listens
/// on its "fast" port two below the normal one, so that one must be free
/// too. Every probe listener is held until all ports are chosen, so none of
/// them can be handed out twice (a name server on the broker's fast port
/// kills the broker at start).
fn free_ports(brokers: usize) -> Result<(u16, Vec<(u16, u16)>)> {
    let bind = || TcpListener::bind("127.0.0.1:0").context("finding a free port on 127.0.0.1");
    let port = |l: &TcpListener| -> Result<u16> { Ok(l.local_addr()?.port()) };
    let mut held = Vec::new();
    let mut pairs = Vec::new();
    for _ in 0..brokers {
        let broker = loop {
            if held.len() > 200 {
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
        let ha = bind()?;
        pairs.push((broker, port(&ha)?));
        held.push(ha);
    }
    let namesrv = bind()?;
    Ok((port(&namesrv)?, pairs))
}

/// True while process `pid` exists (ours or another user's).
fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// The broker refuses to start when it counts its store's disk as this
/// full, in percent (its `diskSpaceWarningLevelRatio`, which it caps at
/// 90), and then fails with nothing but "Service lifecycle operation
/// failed".
const DISK_REFUSED_PCT: u64 = 90;

/// How full the broker counts a disk, in percent: every block not
/// available to this user is used, so blocks reserved for root count as
/// used (on some machines that is most of the disk).
fn disk_used_pct(blocks: u64, available: u64) -> u64 {
    if blocks == 0 {
        return 0;
    }
    (blocks.saturating_sub(available)) * 100 / blocks
}

/// Refuses to start on a disk the broker would refuse, saying why (the
/// broker's own error does not).
fn check_disk(tmp: &Path) -> Result<()> {
    let Some((blocks, available)) = statvfs(tmp) else {
        return Ok(());
    };
    let pct = disk_used_pct(blocks, available);
    if pct >= DISK_REFUSED_PCT {
        anyhow::bail!(
            "{} is {pct}% full as the broker counts it (blocks reserved for root count as \
             used) and the broker will not start at {DISK_REFUSED_PCT}% or more: free space \
             there, or set TMPDIR to a folder on another disk",
            tmp.display()
        );
    }
    Ok(())
}

/// Total and available (to this user) blocks of the file system `dir` is on.
fn statvfs(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a valid NUL-terminated string and `st` a buffer of
    // the right type; statvfs fills it on success (return 0) only.
    let rc = unsafe { libc::statvfs(path.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: initialised by the successful call above.
    let st = unsafe { st.assume_init() };
    Some((st.f_blocks, st.f_bavail))
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
        check_disk(&std::env::temp_dir())?;
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
        // The store, the servers' logs and the ACL user are this user's only.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .context("making the sandbox directory private")?;
        std::fs::write(dir.path().join(OWNER_FILE), std::process::id().to_string())
            .context("writing the sandbox owner file")?;
        let root = dir.path().to_path_buf();
        let brokers = if opts.second_broker { 2 } else { 1 };
        let (ns_port, ports) = free_ports(brokers)?;
        let namesrv_addr = format!("127.0.0.1:{ns_port}");

        let home = root.join("home");
        std::fs::create_dir_all(&home)?;
        for (i, (broker_port, ha_port)) in ports.iter().enumerate() {
            let (server, name) = match i {
                0 => (Server::Broker, "broker-a"),
                _ => (Server::SecondBroker, "broker-b"),
            };
            let store = root.join(format!("store{}", if i == 0 { "" } else { "-b" }));
            let conf = broker_config(
                &namesrv_addr,
                name,
                *broker_port,
                *ha_port,
                &store,
                opts,
                &root,
            )?;
            // It holds the ACL user's secret key: readable by this user
            // only (a temp file is made 0600), and it goes with the store.
            rmq_model::fsutil::write_atomic(
                &root.join(format!("{}.toml", server.file_name())),
                conf.as_bytes(),
            )
            .context("writing the broker's configuration")?;
        }

        let mut sandbox = Sandbox {
            namesrv_addr,
            broker_addr: format!("127.0.0.1:{}", ports[0].0),
            second_broker_addr: ports.get(1).map(|(p, _)| format!("127.0.0.1:{p}")),
            children: Vec::new(),
            dir,
            exe: exe.to_path_buf(),
        };
        sandbox.spawn(Server::Namesrv)?;
        sandbox.spawn(Server::Broker)?;
        if opts.second_broker {
            sandbox.spawn(Server::SecondBroker)?;
        }
        tracing::info!(?sandbox, "sandbox started");
        Ok(sandbox)
    }

    /// Starts `server` and waits until it serves: the name server on its
    /// port, a broker by its ready marker.
    fn spawn(&mut self, server: Server) -> Result<()> {
        let root = self.dir.path().to_path_buf();
        let home = root.join("home");
        let log = format!("{}.log", server.file_name());
        let kind = match server {
            Server::Namesrv => Kind::Namesrv,
            Server::Broker | Server::SecondBroker => Kind::Broker,
        };
        let mut cmd = server_command(&self.exe, kind, &root, &home);
        let ns_port = self.namesrv_port();
        match server {
            Server::Namesrv => cmd.args(["--port", &ns_port.to_string()]),
            _ => cmd.args(["--name", server.file_name()]),
        };
        let ready = server::broker_ready_marker(&root, server.file_name());
        let _ = std::fs::remove_file(&ready);
        let child = spawn_server(cmd, &root.join(&log))?;
        self.children.push((server, child));
        let what = format!("the {} to be ready", server.label());
        wait_for(START_TIMEOUT, &what, || {
            self.check_alive()?;
            Ok(match server {
                Server::Namesrv => TcpStream::connect(("127.0.0.1", ns_port)).is_ok(),
                _ => ready.exists(),
            })
        })
        .map_err(|e| self.with_log(e, &log))
    }

    fn namesrv_port(&self) -> u16 {
        self.namesrv_addr
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or_default()
    }

    /// The process id of `server` while it runs (for fault tests: stop,
    /// continue or kill it).
    pub fn pid(&self, server: Server) -> Option<u32> {
        self.children
            .iter()
            .find(|(s, _)| *s == server)
            .map(|(_, c)| c.id())
    }

    /// Starts `server` again on the same address and store, after it was
    /// killed (or killing it first when it still runs), and waits until it
    /// serves.
    pub fn restart(&mut self, server: Server) -> Result<()> {
        if let Some(i) = self.children.iter().position(|(s, _)| *s == server) {
            let (_, mut child) = self.children.remove(i);
            let _ = child.kill();
            let _ = child.wait();
        }
        self.spawn(server)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn check_alive(&mut self) -> Result<()> {
        for (server, child) in &mut self.children {
            if let Some(status) = child.try_wait()? {
                return Err(ExitedDuringStart {
                    name: server.label(),
                    status,
                }
                .into());
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
        for (server, child) in &mut self.children {
            let name = server.label();
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
    // The servers may log their configuration (the ACL user's secret key
    // with it): their logs are for this user only.
    let out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(log)
        .with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone()?;
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        // A process group of their own: Ctrl-C at the terminal reaches only
        // rmq-console, which stops the servers in order.
        .process_group(0);
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: umask, prctl and getppid are async-signal-safe. The servers die with
    // us, even when we are killed, so a crashed console leaves no broker
    // behind; if we died before prctl took effect, stop at once.
    unsafe {
        cmd.pre_exec(move || {
            // Whatever the servers write (the broker's auth store holds the
            // ACL user) is for this user only.
            libc::umask(0o077);
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

/// One broker's configuration: loopback only, small files, no batching
/// delay (BROKER-NOTES), and the ACL users when there are (`acl.rs`; the
/// ACL file is written beside the configuration).
fn broker_config(
    namesrv_addr: &str,
    name: &str,
    port: u16,
    ha_port: u16,
    store: &Path,
    opts: &SandboxOptions,
    root: &Path,
) -> Result<String> {
    let store = toml_string(&store.display().to_string());
    // Every 2 s (not 30): a broker re-registers soon after its name server
    // comes back, as the fault tests need and a sandbox operator expects.
    let mut conf = format!(
        r#"[broker]
namesrvAddr = "{namesrv_addr}"
brokerIp1 = "127.0.0.1"
listenPort = {port}
storePathRootDir = {store}
autoCreateTopicEnable = true
registerNameServerPeriod = 2000
# Check-backs for undecided transactions after 3 s, then every second, so a
# transaction left unknown is asked about while the operator watches. The
# timeout stays well above the op batch interval: below it the broker
# re-checked finished transactions (BROKER-NOTES: a rolled-back message
# delivered, a committed one duplicated).
transactionTimeout = 3000
transactionCheckInterval = 1000
transactionOpBatchInterval = 200
"#
    );
    match (&opts.acl, &opts.publish_only) {
        (Some(admin), publish_only) => {
            let acl_file = match publish_only {
                Some(user) => acl::write_acl_file(root, name, user)?,
                None => root.join(format!("acl-{name}.yml")),
            };
            conf.push_str(&acl::broker_keys(
                admin,
                publish_only.as_ref(),
                &root.join(format!("auth-{name}")),
                &acl_file,
            ));
        }
        (None, Some(_)) => bail!("a publish-only user needs an admin user (`acl`) as well"),
        (None, None) => {}
    }
    conf.push_str(&format!(
        r#"
[broker.brokerServerConfig]
bindAddress = "127.0.0.1"

[broker.brokerIdentity]
brokerName = "{name}"
brokerClusterName = "SandboxCluster"
brokerId = 0

[store]
storePathRootDir = {store}
haListenAddress = "127.0.0.1"
haListenPort = {ha_port}
mappedFileSizeCommitLog = 67108864
mappedFileSizeConsumeQueue = 600000
maxHashSlotNum = 50000
maxIndexNum = 200000
commitLogMicroBatchMaxWaitMicros = 0
"#
    ));
    Ok(conf)
}

/// `text` as a TOML basic string, quotes and escapes included.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Measured on these machines: 252G in all, 25G available to users,
    /// so the broker counted 90% and would not start although `df`'s
    /// "used" column said 72G.
    #[test]
    fn reserved_blocks_count_as_used_and_ninety_percent_is_refused() {
        assert_eq!(disk_used_pct(252, 25), 90);
        assert_eq!(disk_used_pct(252, 42), 83);
        assert_eq!(disk_used_pct(0, 0), 0);
        assert!(DISK_REFUSED_PCT <= disk_used_pct(252, 25));
        // The real temp folder is readable.
        assert!(statvfs(&std::env::temp_dir()).is_some_and(|(b, a)| b >= a));
    }
}
