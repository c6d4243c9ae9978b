//! Reaching into the container's network namespace without staying there:
//! the thread steps in only to open sockets, which stay bound to that
//! namespace afterwards, and steps straight back.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, FromRawFd, IntoRawFd, OwnedFd};
use std::path::Path;

use cni_plugin_kit::{CniError, ErrorCode};
use nix::sched::{setns, CloneFlags};
use rtnetlink::sys::TokioSocket;
use rtnetlink::Handle;

/// Open `CNI_NETNS`. Missing → `Ok(None)` (DEL tolerates a vanished
/// namespace); our own namespace is refused (code 8, as Go's skel does).
pub fn open(path: &Path) -> Result<Option<File>, CniError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CniError::env(format!("CNI_NETNS {}: {e}", path.display()))),
    };
    let ours =
        std::fs::metadata("/proc/self/ns/net").map_err(|e| CniError::io("/proc/self/ns/net", e))?;
    let theirs = file
        .metadata()
        .map_err(|e| CniError::io(path.display(), e))?;
    use std::os::unix::fs::MetadataExt;
    if (ours.dev(), ours.ino()) == (theirs.dev(), theirs.ino()) {
        return Err(CniError::with_code(
            ErrorCode::InvalidNetns as u32,
            format!(
                "CNI_NETNS {} is the plugin's own network namespace",
                path.display()
            ),
        ));
    }
    Ok(Some(file))
}

/// Run `f` inside `ns` on this thread, then return to our namespace. Two
/// setns(2) calls cost less than a helper thread (clone, handoff, join),
/// which matters on a busy node.
pub fn within<T>(ns: &File, f: impl FnOnce() -> io::Result<T>) -> Result<T, CniError> {
    let enter = |what: &str, target: &File| {
        setns(target.as_fd(), CloneFlags::CLONE_NEWNET)
            .map_err(|e| CniError::io(what, io::Error::from(e)))
    };
    let home = File::open("/proc/thread-self/ns/net")
        .map_err(|e| CniError::io("/proc/thread-self/ns/net", e))?;
    enter("entering CNI_NETNS", ns)?;
    let out = f();
    if let Err(e) = enter("returning from CNI_NETNS", &home) {
        // Everything after this would act on the container's namespace as if
        // it were the node's: stop here (the dispatcher reports the panic).
        panic!("{e}");
    }
    out.map_err(|e| CniError::io("inside CNI_NETNS", e))
}

/// A route-netlink handle bound to `ns`. Must be called inside the tokio runtime.
pub fn handle_in(ns: &File) -> Result<Handle, CniError> {
    let fd = within(ns, || {
        // SAFETY: plain socket(2); the fd is owned right away.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                libc::NETLINK_ROUTE,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor nobody else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(raw) })
    })?;
    // SAFETY: ownership of the descriptor moves into the socket.
    let socket = unsafe { TokioSocket::from_raw_fd(fd.into_raw_fd()) };
    let (conn, handle, _) = rtnetlink::from_socket(socket);
    tokio::spawn(conn);
    Ok(handle)
}

/// A handle in our own (node) namespace.
pub fn handle_here() -> Result<Handle, CniError> {
    let (conn, handle, _) =
        rtnetlink::new_connection().map_err(|e| CniError::netlink("opening netlink socket", e))?;
    tokio::spawn(conn);
    Ok(handle)
}

/// Set a sysctl in the current namespace unless it already has the value
/// (skipping the write keeps unprivileged re-runs and read-only /proc happy).
pub fn ensure_sysctl(path: &str, value: &str) -> Result<(), CniError> {
    if std::fs::read_to_string(path).is_ok_and(|v| v.trim() == value) {
        return Ok(());
    }
    std::fs::write(path, value).map_err(|e| CniError::io(path, e))
}
