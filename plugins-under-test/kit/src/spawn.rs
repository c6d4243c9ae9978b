//! Starting a child process without waiting for its exec. `std::process`
//! blocks the parent until the child has exec'd (to report exec errors at
//! once); on a busy node that wait is the child's whole scheduling delay. A
//! plain fork returns at once; an exec failure is reported when we wait.

use std::ffi::{CString, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::ExitStatus;

/// A running child: its stdout, and a pipe that carries the exec errno if
/// exec failed (closed on a successful exec, as it is close-on-exec).
pub struct Child {
    pid: libc::pid_t,
    stdout: File,
    exec_error: File,
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills both descriptors, which we own from here on.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fresh descriptors nobody else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn cstring(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::other("NUL byte in a path or variable"))
}

/// Run `bin` with exactly `env`, `stdin` written to it (then closed), stdout
/// captured and stderr shared with us.
pub fn spawn(bin: &Path, env: &[(OsString, OsString)], stdin: &[u8]) -> io::Result<Child> {
    // Everything the child touches is built before the fork.
    let path = cstring(bin.as_os_str().as_bytes())?;
    let argv = [path.as_ptr(), std::ptr::null()];
    let vars = env
        .iter()
        .map(|(k, v)| cstring(&[k.as_bytes(), b"=", v.as_bytes()].concat()))
        .collect::<io::Result<Vec<_>>>()?;
    let envp: Vec<*const libc::c_char> = vars
        .iter()
        .map(|v| v.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let (in_r, in_w) = pipe()?;
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    // SAFETY: the child only makes async-signal-safe calls on data prepared
    // above, then execs or _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: child side, see above. dup2 clears close-on-exec on 0 and
        // 1; every other descriptor of ours is close-on-exec. SIGPIPE is
        // ignored in Rust programs and would stay ignored across exec.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::dup2(in_r.as_raw_fd(), 0);
            libc::dup2(out_w.as_raw_fd(), 1);
            libc::close_range(3, u32::MAX, libc::CLOSE_RANGE_CLOEXEC as i32);
            libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr());
            let errno = *libc::__errno_location();
            libc::write(err_w.as_raw_fd(), (&errno as *const i32).cast(), 4);
            libc::_exit(127);
        }
    }
    drop((in_r, out_w, err_w));
    let mut input = File::from(in_w);
    // A child may exit without reading stdin; a broken pipe is its answer.
    let _ = input.write_all(stdin);
    drop(input);
    Ok(Child {
        pid,
        stdout: File::from(out_r),
        exec_error: File::from(err_r),
    })
}

impl Child {
    /// Wait for exit: status and everything written to stdout.
    pub fn wait(mut self) -> io::Result<(ExitStatus, Vec<u8>)> {
        let mut errno = [0u8; 4];
        let exec_failed = self.exec_error.read(&mut errno)? == 4;
        let mut out = Vec::new();
        let read = self.stdout.read_to_end(&mut out);
        let mut status = 0;
        // SAFETY: waiting for our own child, exactly once.
        if unsafe { libc::waitpid(self.pid, &mut status, 0) } < 0 {
            return Err(io::Error::last_os_error());
        }
        if exec_failed {
            return Err(io::Error::from_raw_os_error(i32::from_ne_bytes(errno)));
        }
        read?;
        Ok((ExitStatus::from_raw(status), out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, body: &str, mode: u32) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn runs_with_exactly_the_given_env_and_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let bin = script(
            dir.path(),
            "echoer",
            "#!/bin/sh\ncat\necho \"$CNI_COMMAND ${HOME:-nohome}\"\nexit 3\n",
            0o755,
        );
        let env = [("CNI_COMMAND".into(), "DEL".into())];
        let (status, out) = spawn(&bin, &env, b"{}\n").unwrap().wait().unwrap();
        assert_eq!(status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&out), "{}\nDEL nohome\n");
    }

    #[test]
    fn exec_failure_is_reported_on_wait() {
        let dir = tempfile::tempdir().unwrap();
        let bin = script(dir.path(), "noexec", "x", 0o644);
        let err = spawn(&bin, &[], b"").unwrap().wait().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EACCES));
    }
}
