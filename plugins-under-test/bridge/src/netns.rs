//! Reaching into the container's network namespace without moving this
//! process: a short-lived thread enters it only to open sockets and sysctl
//! files, which stay bound to that namespace after the thread is gone.

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

/// Run `f` on a thread inside `ns` (the calling thread never moves).
pub fn within<T: Send>(ns: &File, f: impl FnOnce() -> io::Result<T> + Send) -> Result<T, CniError> {
    std::thread::scope(|s| {
        s.spawn(|| {
            setns(ns.as_fd(), CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            f()
        })
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("namespace thread panicked")))
    })
    .map_err(|e| CniError::io("entering CNI_NETNS", e))
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
