//! Starting a plugin process inside a sandbox.

use std::ffi::CString;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use super::{Node, Sandbox, STATE_DIRS};

/// A `Command` for `program` that, between fork and exec, enters the node
/// namespace, takes a private mount namespace with a fresh `/sys` (sysfs shows
/// the namespace of whoever mounts it) and the sandbox's state directories,
/// and becomes the leader of its own process group so that a timeout can
/// kill it and everything it started.
pub fn plugin_command(sandbox: &Sandbox, program: &Path) -> io::Result<Command> {
    let mut cmd = Command::new(program);
    // Relative paths a plugin writes land in the sandbox, not in the
    // harness's working directory.
    cmd.current_dir(sandbox.work_dir());
    let node_fd = match sandbox.node() {
        Node::Scratch(ns) => Some(ns.file().as_raw_fd()),
        Node::Host => None,
    };
    // Everything the child touches is prepared here: no allocation after fork.
    let cstr = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::other(format!("path {} contains NUL", p.display())))
    };
    let mut binds = Vec::new();
    if node_fd.is_some() {
        for (target, dir) in STATE_DIRS.iter().zip(sandbox.state_dirs()) {
            binds.push((cstr(&dir)?, cstr(Path::new(target))?));
        }
    }
    let root = c"/";
    let sys = c"/sys";
    let sysfs = c"sysfs";

    // SAFETY: the closure only makes async-signal-safe syscalls on data
    // prepared before the fork.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setpgid(0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // A plugin must not outlive a killed harness.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            let Some(fd) = node_fd else {
                return Ok(());
            };
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::unshare(libc::CLONE_NEWNS) != 0 {
                return Err(io::Error::last_os_error());
            }
            let null = std::ptr::null();
            if libc::mount(
                null,
                root.as_ptr(),
                null,
                // Slave, not private: unmounts of other sandboxes' pins
                // still reach this copy (see netns::share_propagation).
                libc::MS_REC | libc::MS_SLAVE,
                null as *const libc::c_void,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            libc::umount2(sys.as_ptr(), libc::MNT_DETACH);
            if libc::mount(
                sysfs.as_ptr(),
                sys.as_ptr(),
                sysfs.as_ptr(),
                0,
                null as *const libc::c_void,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            for (src, dst) in &binds {
                if libc::mount(
                    src.as_ptr(),
                    dst.as_ptr(),
                    null,
                    libc::MS_BIND,
                    null as *const libc::c_void,
                ) != 0
                {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    Ok(cmd)
}
