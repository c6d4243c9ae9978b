//! The shim: stands in for a plugin, records the real invocation (full
//! environment, stdin, stdout, stderr, exit, start and duration) and runs
//! the real plugin unchanged. What the runtime sees never changes: the
//! plugin gets the shim's environment, arguments, stdin and working
//! directory; its stdout and stderr are passed on byte for byte as they
//! come; its exit code, or the signal that killed it, becomes the shim's.
//! A recording problem is said on stderr and the plugin runs anyway.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::record::{self, Bytes, Captured, CAPTURE_FORMAT};
use crate::invoke::Exit;

/// Where the shim finds the real plugin and puts its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShimConfig {
    pub real: PathBuf,
    pub out: PathBuf,
}

/// Next to a shim installed as a symlink or copy named like the plugin:
/// `<path>.shim.json` holding `{"real": ..., "out": ...}`.
pub fn sidecar_of(invoked_as: &Path) -> PathBuf {
    let mut name = invoked_as.as_os_str().to_os_string();
    name.push(".shim.json");
    PathBuf::from(name)
}

/// The sidecar configuration of `invoked_as`, if it has one.
pub fn sidecar(invoked_as: &Path) -> Option<anyhow::Result<ShimConfig>> {
    let path = sidecar_of(invoked_as);
    let bytes = std::fs::read(&path).ok()?;
    Some(serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a shim configuration ({{\"real\": PATH, \"out\": DIR}}): {e}",
            path.display()
        )
    }))
}

/// How the shim ends: as the plugin did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShimExit {
    Code(i32),
    /// The plugin was killed by this signal: the shim dies of it too.
    Signal(i32),
}

/// Run `config.real` with `args` as this process's stand-in, recording
/// the invocation into `config.out`.
pub fn run(config: &ShimConfig, invoked_as: &Path, args: &[OsString]) -> ShimExit {
    let started_wall = SystemTime::now();
    let mut problems = Vec::new();
    let mut stdin = Vec::new();
    if let Err(e) = io::stdin().lock().read_to_end(&mut stdin) {
        problems.push(format!("reading stdin: {e}"));
    }
    let env: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().to_string(),
                v.to_string_lossy().to_string(),
            )
        })
        .collect();
    let slot = match record::reserve(&config.out) {
        Ok(s) => Some(s),
        Err(e) => {
            warn(&format!(
                "cannot record into {}: {e} (the plugin runs unrecorded)",
                config.out.display()
            ));
            None
        }
    };
    let started = Instant::now();
    let ran = execute(&config.real, args, &stdin);
    let duration = started.elapsed();
    let (exit, child_pid, stdout, stderr) = match ran {
        Ok(r) => (r.exit, Some(r.pid), r.stdout, r.stderr),
        Err(e) => {
            // What a runtime would have seen without the shim: no plugin ran.
            let msg = format!("cannot run {}: {e}", config.real.display());
            warn(&msg);
            problems.push(msg);
            (ShimExit::Code(1), None, Vec::new(), Vec::new())
        }
    };
    if let Some((seq, path)) = slot {
        let links_at_exit = match exit {
            ShimExit::Code(0) => links_after_add(&env, &stdout),
            _ => Vec::new(),
        };
        let rec = Captured {
            format: CAPTURE_FORMAT.into(),
            seq,
            plugin: config.real.clone(),
            invoked_as: invoked_as.to_path_buf(),
            args: args
                .iter()
                .map(|a| a.to_string_lossy().to_string())
                .collect(),
            env,
            stdin: Bytes::of(&stdin),
            stdout: Bytes::of(&stdout),
            stderr: Bytes::of(&stderr),
            exit: match exit {
                ShimExit::Code(c) => Exit::Code(c),
                ShimExit::Signal(s) => Exit::Signal(s),
            },
            started_unix_ms: started_wall
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            duration_ms: duration.as_secs_f64() * 1000.0,
            pid: std::process::id(),
            ppid: std::os::unix::process::parent_id(),
            child_pid,
            note: (!problems.is_empty()).then(|| problems.join("; ")),
            links_at_exit,
        };
        if let Err(e) = record::write(&path, &rec) {
            warn(&format!("cannot write {}: {e}", path.display()));
        }
    }
    exit
}

/// The attachment's links right after an ADD whose result names
/// interfaces (an IPAM plugin's names none: it makes no link), read
/// best-effort: the record is evidence, never a reason for the call to fail.
fn links_after_add(env: &[(String, String)], stdout: &[u8]) -> Vec<crate::kernel::Link> {
    let var = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if var("CNI_COMMAND") != Some("ADD") {
        return Vec::new();
    }
    let (Some(netns), Some(ifname)) = (var("CNI_NETNS"), var("CNI_IFNAME")) else {
        return Vec::new();
    };
    let names_interfaces = serde_json::from_slice::<serde_json::Value>(stdout)
        .ok()
        .and_then(|v| v.get("interfaces")?.as_array().map(|a| !a.is_empty()))
        .unwrap_or(false);
    if !names_interfaces || netns.is_empty() || ifname.is_empty() {
        return Vec::new();
    }
    crate::kernel::attachment::links(Path::new(netns), ifname).unwrap_or_default()
}

fn warn(msg: &str) {
    // Best effort: stderr is the plugin's log channel, which runtimes show.
    let _ = writeln!(io::stderr(), "cni-harness shim: {msg}");
}

struct Ran {
    exit: ShimExit,
    pid: u32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn execute(real: &Path, args: &[OsString], stdin: &[u8]) -> io::Result<Ran> {
    let mut cmd = Command::new(real);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: prctl is async-signal-safe. A runtime that kills the shim on
    // its timeout kills the plugin with it, as it would without the shim.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let input = stdin.to_vec();
    let feeder = child.stdin.take().map(|mut pipe| {
        // A plugin may exit without reading stdin: EPIPE is not ours to report.
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        })
    });
    let out = child.stdout.take().map(|p| tee(p, Stream::Stdout));
    let err = child.stderr.take().map(|p| tee(p, Stream::Stderr));
    let status = child.wait()?;
    let collect =
        |h: Option<thread::JoinHandle<Vec<u8>>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
    let stdout = collect(out);
    let stderr = collect(err);
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let exit = match (status.code(), status.signal()) {
        (Some(c), _) => ShimExit::Code(c),
        (None, Some(s)) => ShimExit::Signal(s),
        (None, None) => ShimExit::Code(1),
    };
    Ok(Ran {
        exit,
        pid,
        stdout,
        stderr,
    })
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// Pass `pipe` on to our own stream as it comes, keeping a copy.
fn tee<R: Read + Send + 'static>(mut pipe: R, to: Stream) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let chunk = &buf[..n];
                    kept.extend_from_slice(chunk);
                    // The runtime going away is not the plugin's problem.
                    let _ = match to {
                        Stream::Stdout => io::stdout().lock().write_all(chunk),
                        Stream::Stderr => io::stderr().lock().write_all(chunk),
                    };
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = match to {
            Stream::Stdout => io::stdout().flush(),
            Stream::Stderr => io::stderr().flush(),
        };
        kept
    })
}

/// End this process as the plugin ended.
pub fn exit_as(exit: ShimExit) -> ! {
    let _ = io::stdout().flush();
    match exit {
        ShimExit::Code(c) => std::process::exit(c),
        ShimExit::Signal(s) => {
            // SAFETY: restoring the default action and raising the same
            // signal is how a wrapper dies "of" its child's signal.
            unsafe {
                libc::signal(s, libc::SIG_DFL);
                libc::raise(s);
            }
            // Signals that do not terminate by default: the shell's convention.
            std::process::exit(128 + s)
        }
    }
}

/// The two-line wrapper script that puts the shim in front of `real`.
pub fn wrapper_script(harness: &Path, real: &Path, out: &Path) -> String {
    let q = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    format!(
        "#!/bin/sh\nexec {} shim --real {} --out {} --as \"$0\" -- \"$@\"\n",
        q(harness),
        q(real),
        q(out)
    )
}
