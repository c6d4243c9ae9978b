//! Not a defect: a daemon per network, as Debian's dnsname runs dnsmasq.
//! The first ADD of a network starts it (double fork, `setsid`, stdio on
//! `/dev/null`) and records its pid under `/run/cni/zoo-daemon/<network>/`
//! with one marker file per attachment; each DEL removes its marker, and
//! the DEL that removes the last one stops the daemon and the directory.
//! CHECK (after the bridge's own) fails when the attachment's marker is
//! gone or the daemon no longer runs. Must pass every DEL case and leave
//! nothing behind, and is the fixed twin of `daemon-per-add` (whose CHECK
//! never looks at its daemon) in `check/detects-untracked-removal`.

use std::path::{Path, PathBuf};

use cni_zoo::{daemon, env, fail, Call};

fn main() {
    daemon::run_if_daemon();
    let call = Call::read();
    let out = call.forward();
    if !matches!(call.verb.as_str(), "ADD" | "DEL" | "CHECK") || !out.succeeded() {
        out.finish()
    }
    let network = call
        .conf
        .as_ref()
        .and_then(|c| c.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_string();
    // Names are not trusted as path components.
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let dir = Path::new("/run/cni/zoo-daemon").join(safe(&network));
    let marker = dir.join(format!(
        "att-{}-{}",
        safe(&env("CNI_CONTAINERID")),
        safe(&env("CNI_IFNAME"))
    ));
    let pidfile = dir.join("daemon.pid");
    let done = match call.verb.as_str() {
        "ADD" => add(&dir, &marker, &pidfile, &network),
        "CHECK" => {
            if let Err(e) = check(&marker, &pidfile) {
                // A plugin-specific code: the attachment is not as ADD left it.
                fail(&call.version_or_default(), 100, &e);
            }
            Ok(())
        }
        _ => del(&dir, &marker, &pidfile),
    };
    if let Err(e) = done {
        fail(&call.version_or_default(), 5, &e);
    }
    out.finish()
}

fn check(marker: &Path, pidfile: &PathBuf) -> Result<(), String> {
    if !marker.exists() {
        return Err(format!("{} is gone", marker.display()));
    }
    match read_pid(pidfile) {
        Some(pid) if daemon::alive(pid) => Ok(()),
        Some(pid) => Err(format!("the network's daemon ({pid}) is not running")),
        None => Err(format!("{} is gone", pidfile.display())),
    }
}

fn read_pid(pidfile: &PathBuf) -> Option<i32> {
    std::fs::read_to_string(pidfile).ok()?.trim().parse().ok()
}

fn add(dir: &Path, marker: &Path, pidfile: &PathBuf, network: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(marker, b"").map_err(|e| format!("{}: {e}", marker.display()))?;
    if read_pid(pidfile).is_some_and(daemon::alive) {
        return Ok(());
    }
    let pid = daemon::start(network)?;
    std::fs::write(pidfile, format!("{pid}\n")).map_err(|e| format!("{}: {e}", pidfile.display()))
}

fn del(dir: &Path, marker: &Path, pidfile: &PathBuf) -> Result<(), String> {
    let _ = std::fs::remove_file(marker);
    let others = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("att-"))
        })
        .unwrap_or(false);
    if others {
        return Ok(());
    }
    if let Some(pid) = read_pid(pidfile) {
        daemon::stop(pid);
    }
    let _ = std::fs::remove_file(pidfile);
    let _ = std::fs::remove_dir(dir);
    Ok(())
}
