//! Daemons the way real plugins start them (dnsname's dnsmasq, agents):
//! detached with a double fork and `setsid`, stdio on `/dev/null`, so
//! nothing but a process boundary of the runtime's (or the harness's)
//! holds them. The plugin binary is its own daemon: run with
//! [`DETACH_ARG`] it is the short-lived middle process, with [`DAEMON_ARG`]
//! the daemon, which sleeps until it is killed.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// argv\[1\] of the middle process of the double fork.
pub const DETACH_ARG: &str = "--zoo-detach";
/// argv\[1\] of the daemon itself; argv\[2\] is what it serves (a container
/// ID or a network name), so it shows in `ps`.
pub const DAEMON_ARG: &str = "--zoo-daemon";

/// Call first in `main`: when this process is the middle process or the
/// daemon, be that and never return.
pub fn run_if_daemon() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some(DETACH_ARG) => {
            // In a session of its own (set before exec): start the daemon,
            // print its pid, and exit, so the daemon is orphaned.
            let label = args.get(2).cloned().unwrap_or_default();
            let started =
                Command::new(std::env::current_exe().unwrap_or_else(|_| args[0].clone().into()))
                    .args([DAEMON_ARG, &label])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .current_dir("/")
                    .spawn();
            match started {
                Ok(child) => {
                    println!("{}", child.id());
                    std::process::exit(0)
                }
                Err(e) => {
                    eprintln!("cannot start the daemon: {e}");
                    std::process::exit(1)
                }
            }
        }
        Some(DAEMON_ARG) => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        _ => {}
    }
}

/// Start a detached daemon serving `label`; its pid (in this process's PID
/// namespace) once it runs.
pub fn start(label: &str) -> Result<i32, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args([DETACH_ARG, label])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .stdout(Stdio::piped());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start the daemon: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("the daemon did not start ({})", out.status))
}

/// Whether process `pid` is alive.
pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks existence.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// SIGTERM `pid` and wait (up to 2 s) until it is gone.
pub fn stop(pid: i32) {
    if pid <= 1 {
        return;
    }
    // SAFETY: plain syscall.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    for _ in 0..200 {
        if !alive(pid) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
