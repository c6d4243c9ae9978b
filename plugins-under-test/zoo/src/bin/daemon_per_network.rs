//! Not a defect: a daemon per network, as Debian's dnsname runs dnsmasq.
//! The first ADD of a network starts it (double fork, `setsid`, stdio on
//! `/dev/null`) and records its pid under `/run/cni/zoo-daemon/<network>/`
//! with one marker file per attachment; each DEL removes its marker, and
//! the DEL that removes the last one stops the daemon and the directory.
//! Must pass every DEL case and leave nothing behind.

use std::path::{Path, PathBuf};

use cni_zoo::{daemon, env, fail, Call};

fn main() {
    daemon::run_if_daemon();
    let call = Call::read();
    let out = call.forward();
    if !matches!(call.verb.as_str(), "ADD" | "DEL") || !out.succeeded() {
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
    let done = if call.verb == "ADD" {
        add(&dir, &marker, &pidfile, &network)
    } else {
        del(&dir, &marker, &pidfile)
    };
    if let Err(e) = done {
        fail(&call.version_or_default(), 5, &e);
    }
    out.finish()
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
