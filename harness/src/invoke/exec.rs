//! Running one plugin process: stdin in, capped stdout/stderr out, a timeout
//! that kills the whole process group, and the wall time.

use std::fmt;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag};
use nix::unistd::Pid;

/// Bounds on one execution.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// Bytes kept of stdout and of stderr each; the rest is read and dropped.
    pub output_cap: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(30),
            output_cap: 1 << 20,
        }
    }
}

/// How the process ended. Records write it as its display text
/// (`exit 1`, `signal 11 (SIGSEGV)`, `timeout after 5.0s (killed)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Killed by the harness after the timeout.
    Timeout(Duration),
}

impl Exit {
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit {c}"),
            Exit::Signal(s) => {
                let name = Signal::try_from(*s).map(|s| s.as_str()).unwrap_or("?");
                write!(f, "signal {s} ({name})")
            }
            Exit::Timeout(d) => write!(f, "timeout after {:.1}s (killed)", d.as_secs_f64()),
        }
    }
}

impl From<Exit> for String {
    fn from(e: Exit) -> String {
        e.to_string()
    }
}

impl TryFrom<String> for Exit {
    type Error = String;
    fn try_from(s: String) -> Result<Exit, String> {
        s.parse()
    }
}

impl std::str::FromStr for Exit {
    type Err = String;
    /// The display text back, also without its parenthesised remarks
    /// (`signal 11`, `timeout after 10s`).
    fn from_str(s: &str) -> Result<Exit, String> {
        let bad = || format!("{s:?} is not an exit status (exit N, signal N, timeout after Ns)");
        let head = s.split(" (").next().unwrap_or(s).trim();
        if let Some(code) = head.strip_prefix("exit ") {
            return code.parse().map(Exit::Code).map_err(|_| bad());
        }
        if let Some(sig) = head.strip_prefix("signal ") {
            return sig.parse().map(Exit::Signal).map_err(|_| bad());
        }
        if let Some(secs) = head.strip_prefix("timeout after ") {
            let secs: f64 = secs.trim_end_matches('s').parse().map_err(|_| bad())?;
            return Duration::try_from_secs_f64(secs)
                .map(Exit::Timeout)
                .map_err(|_| bad());
        }
        Err(bad())
    }
}

/// What a finished process produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub exit: Exit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub wall: Duration,
}

/// Run `cmd` (whose pre-exec must make it a process-group leader, as
/// `sandbox::plugin_command` does) to completion or timeout.
pub fn run(cmd: Command, stdin: &[u8], limits: Limits) -> std::io::Result<Outcome> {
    run_in(cmd, stdin, limits, None)
}

/// [`run`] inside a sandbox's process boundary (its PID namespace), when
/// there is one: whatever the plugin leaves running stays in it.
pub fn run_in(
    mut cmd: Command,
    stdin: &[u8],
    limits: Limits,
    boundary: Option<&crate::sandbox::boundary::Boundary>,
) -> std::io::Result<Outcome> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Nothing new starts once the run is being interrupted.
    if crate::interrupt::requested() {
        return Err(crate::interrupt::error());
    }
    let started = Instant::now();
    let mut child = match boundary {
        Some(b) => b.spawn(&mut cmd)?,
        None => cmd.spawn()?,
    };
    let pid = Pid::from_raw(child.id() as i32);
    // Known to the signal thread until reaped, so an interruption kills it.
    let group = crate::sandbox::registry::ProcessGroup::register(pid.as_raw());

    let input = stdin.to_vec();
    if let Some(mut pipe) = child.stdin.take() {
        // A plugin may exit without reading stdin: EPIPE is not our error.
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let cap = limits.output_cap;
    let stdout = child.stdout.take().map(|p| capture(p, cap));
    let stderr = child.stderr.take().map(|p| capture(p, cap));

    // Wait without reaping, so that the process group still exists (and its
    // id cannot be reused) when we kill what the plugin left running.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(waitid(
            Id::Pid(pid),
            WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
        ));
    });
    let timed_out = rx.recv_timeout(limits.timeout).is_err();
    let wall = started.elapsed();
    let _ = killpg(pid, Signal::SIGKILL);
    let status = child.wait()?;
    // What the kill hit may take a while to die (a child in the middle of
    // a kernel teardown finishes that first): nobody waits for it here. It
    // cannot survive a SIGKILL, and snapshots leave dying processes out
    // (`kernel::procs`), so the plugin's next step need not wait either.
    drop(group);

    use std::os::unix::process::ExitStatusExt;
    let exit = if timed_out {
        Exit::Timeout(limits.timeout)
    } else if let Some(code) = status.code() {
        Exit::Code(code)
    } else {
        Exit::Signal(status.signal().unwrap_or(0))
    };
    // Output pipes close when the group is gone; a process that escaped the
    // group (setsid) and keeps them open only costs us its output.
    let grace = Duration::from_secs(2);
    let (stdout, stdout_truncated) = stdout.map(|r| collect(r, grace)).unwrap_or_default();
    let (stderr, stderr_truncated) = stderr.map(|r| collect(r, grace)).unwrap_or_default();
    // A plugin killed because the run is stopping did not crash: its outcome
    // says nothing about it, so nobody may judge it.
    if crate::interrupt::requested() {
        return Err(crate::interrupt::error());
    }
    Ok(Outcome {
        exit,
        stdout,
        stderr,
        stdout_truncated,
        stderr_truncated,
        wall,
    })
}

type Captured = mpsc::Receiver<(Vec<u8>, bool)>;

fn capture<R: Read + Send + 'static>(mut pipe: R, cap: usize) -> Captured {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut truncated = false;
        let mut buf = [0u8; 16 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = cap.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    truncated |= n > room;
                }
            }
        }
        let _ = tx.send((kept, truncated));
    });
    rx
}

fn collect(rx: Captured, grace: Duration) -> (Vec<u8>, bool) {
    rx.recv_timeout(grace).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_read_back_from_their_text() {
        for exit in [
            Exit::Code(0),
            Exit::Code(-1),
            Exit::Signal(11),
            Exit::Timeout(Duration::from_secs(30)),
        ] {
            assert_eq!(exit.to_string().parse::<Exit>(), Ok(exit));
        }
        assert_eq!("signal 9".parse::<Exit>(), Ok(Exit::Signal(9)));
        assert_eq!(
            "timeout after 10s".parse::<Exit>(),
            Ok(Exit::Timeout(Duration::from_secs(10)))
        );
        assert!("exited".parse::<Exit>().is_err());
        assert!("timeout after -1s".parse::<Exit>().is_err());
    }
}
