//! Loopback-only network namespaces for the sandbox. The name server connects
//! to the machine's own non-loopback address at start (see BROKER-NOTES), so
//! the sandbox and everything that talks to it run where only `lo` exists.
//!
//! `unshare` and `setns` change only the calling thread, and a user namespace
//! can only be entered by a single-threaded process: call these from `main`
//! before any runtime or thread is started.

use std::io;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// How the process came to be network-isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// Only `lo` exists already (e.g. the test command ran under `unshare -n`).
    Already,
    /// A new network namespace was created for this process.
    Created,
    /// A new user + network namespace (unprivileged).
    CreatedWithUser,
}

/// True when the only network interface this process sees is `lo`.
/// (`/proc/self/net/dev` follows the process's namespace; `/sys/class/net`
/// follows whoever mounted sysfs, so it is not used.)
pub fn loopback_only() -> bool {
    match std::fs::read_to_string("/proc/self/net/dev") {
        Ok(text) => text
            .lines()
            .skip(2)
            .filter_map(|l| l.split(':').next())
            .all(|name| name.trim() == "lo"),
        Err(_) => false,
    }
}

/// Moves this process into a namespace where only loopback exists, and
/// brings `lo` up. Must run before any other thread starts.
pub fn isolate() -> Result<Isolation> {
    if loopback_only() {
        bring_loopback_up().context("bringing up lo")?;
        return Ok(Isolation::Already);
    }
    // SAFETY: unshare has no memory-safety preconditions; it affects only
    // this (still single) thread's namespaces.
    let isolation = if unsafe { libc::unshare(libc::CLONE_NEWNET) } == 0 {
        Isolation::Created
    } else {
        let uid = unsafe { libc::geteuid() };
        let gid = unsafe { libc::getegid() };
        if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } != 0 {
            let err = io::Error::last_os_error();
            bail!("cannot create a loopback-only network namespace: {err}");
        }
        // Map ourselves to root inside so that we may configure `lo`.
        std::fs::write("/proc/self/setgroups", "deny").context("writing setgroups")?;
        std::fs::write("/proc/self/uid_map", format!("0 {uid} 1")).context("writing uid_map")?;
        std::fs::write("/proc/self/gid_map", format!("0 {gid} 1")).context("writing gid_map")?;
        Isolation::CreatedWithUser
    };
    bring_loopback_up().context("bringing up lo in the new namespace")?;
    Ok(isolation)
}

/// Joins the network namespace of process `pid` (and its user namespace
/// when that differs from ours), so that its 127.0.0.1 is ours.
pub fn join(pid: u32) -> Result<()> {
    join_checked(pid, || true)
}

/// `join`, asking `still_it` once the namespaces are open and before they
/// are joined: a `true` then means the files opened are that process's,
/// even if its pid names another process a moment later.
pub fn join_checked(pid: u32, still_it: impl Fn() -> bool) -> Result<()> {
    let proc_dir = Path::new("/proc").join(pid.to_string()).join("ns");
    let open = |name: &str| {
        let path = proc_dir.join(name);
        std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))
    };
    let ours = std::fs::read_link("/proc/self/ns/user").ok();
    let theirs = std::fs::read_link(proc_dir.join("user")).ok();
    let user = if ours != theirs && unsafe { libc::geteuid() } != 0 {
        Some(open("user")?)
    } else {
        None
    };
    let net = open("net")?;
    if !still_it() {
        bail!("process {pid} is no longer the sandbox that registered it (its pid was reused)");
    }
    if let Some(user) = user {
        setns(&user, libc::CLONE_NEWUSER)
            .with_context(|| format!("joining the user namespace of pid {pid}"))?;
    }
    setns(&net, libc::CLONE_NEWNET)
        .with_context(|| format!("joining the network namespace of pid {pid}"))
}

fn setns(file: &std::fs::File, kind: libc::c_int) -> Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: the fd is valid for the duration of the call.
    if unsafe { libc::setns(file.as_raw_fd(), kind) } != 0 {
        return Err(io::Error::last_os_error().into());
    }
    Ok(())
}

/// `ip link set lo up`, without needing the `ip` binary.
fn bring_loopback_up() -> io::Result<()> {
    // SAFETY: plain socket/ioctl calls on a zeroed, correctly sized ifreq.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
            *dst = *src as libc::c_char;
        }
        let result = if libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut req) < 0 {
            Err(io::Error::last_os_error())
        } else {
            req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            if libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &req) < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        libc::close(fd);
        result
    }
}
