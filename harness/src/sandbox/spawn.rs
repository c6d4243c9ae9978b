//! Starting a plugin process inside a sandbox.

use std::ffi::CString;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use super::{Node, Sandbox};

/// A `Command` for `program` that, between fork and exec, becomes the leader
/// of its own process group (so that a timeout can kill it and everything it
/// started), enters the node namespace and the sandbox's mount namespace
/// (fresh `/sys`, private state directories, the host filesystem behind a
/// copy-on-write layer: see [`super::overlay`]), and works in the sandbox's
/// working directory.
pub fn plugin_command(sandbox: &Sandbox, program: &Path) -> io::Result<Command> {
    entered_command(sandbox, program, None)
}

/// A `Command` entered into the sandbox as [`plugin_command`]'s, but into
/// the uplink's network namespace instead of the node's: for daemons of
/// the surroundings (a network's DHCP server). An error when the sandbox
/// has no uplink yet, or no namespaces of its own.
pub fn uplink_command(sandbox: &Sandbox, program: &Path) -> io::Result<Command> {
    let uplink = sandbox
        .uplink()
        .ok_or_else(|| io::Error::other("the sandbox has no uplink namespace"))?;
    if sandbox.mounts().is_none() || sandbox.node_netns().is_none() {
        return Err(io::Error::other(
            "uplink processes need the sandbox's own namespaces (not --netns)",
        ));
    }
    entered_command(sandbox, program, Some(uplink.ns().file().as_raw_fd()))
}

/// The one way into a sandbox: `net_fd` is the network namespace to enter
/// (the node's when `None`).
fn entered_command(
    sandbox: &Sandbox,
    program: &Path,
    net_fd: Option<std::os::fd::RawFd>,
) -> io::Result<Command> {
    let mut cmd = Command::new(program);
    let (node_fd, mnt_fd) = match (sandbox.node(), sandbox.mounts()) {
        (Node::Scratch(ns), Some(view)) => (
            net_fd.unwrap_or_else(|| ns.file().as_raw_fd()),
            view.mntns().as_raw_fd(),
        ),
        _ => {
            // The harness's own namespaces: only the process group.
            cmd.current_dir(sandbox.work_dir());
            // SAFETY: async-signal-safe calls only.
            unsafe {
                cmd.pre_exec(|| {
                    if libc::setpgid(0, 0) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            return Ok(cmd);
        }
    };
    // Everything the child touches is prepared here: no allocation after fork.
    let work = sandbox.work_dir();
    let cwd = CString::new(work.as_os_str().as_bytes())
        .map_err(|_| io::Error::other(format!("path {} contains NUL", work.display())))?;

    // SAFETY: the closure only makes async-signal-safe syscalls on data
    // prepared before the fork; the descriptors belong to the sandbox,
    // which outlives the command.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setpgid(0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // A plugin must not outlive a killed harness.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::setns(node_fd, libc::CLONE_NEWNET) != 0 {
                return Err(io::Error::last_os_error());
            }
            // Opened before entering the mount namespace (which resets the
            // working directory to its root), so it is the real directory.
            let dir = libc::open(
                cwd.as_ptr(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            );
            if dir < 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::setns(mnt_fd, libc::CLONE_NEWNS) != 0 {
                return Err(io::Error::last_os_error());
            }
            // By path first: a directory entered by descriptor from outside
            // the mount namespace is unreachable from its root, and the
            // plugin's getwd(3) fails (Go's filepath.Abs in the dhcp plugin).
            // The descriptor is the fallback when the path is not visible.
            let moved = if libc::chdir(cwd.as_ptr()) == 0 {
                0
            } else {
                libc::fchdir(dir)
            };
            libc::close(dir);
            if moved != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(cmd)
}
