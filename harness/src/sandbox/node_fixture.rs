//! Applying a profile's node fixtures (`config::node`) to a scratch
//! sandbox: links, routes and sysctls in the node namespace, files and
//! daemons in the sandbox's own mount namespace, so the plugin finds the
//! node prepared as its author's cluster would have it. Everything is made
//! before the first snapshot of a case, so the leak oracle sees it as the
//! baseline, never as something the plugin left.
//!
//! Every step runs as a child process entered into the sandbox exactly as
//! a plugin is ([`super::plugin_command`]): what a fixture makes is what a
//! plugin sees, and nothing of it reaches the real host.
//!
//! Daemons of the surroundings (`node.surroundings.daemons`) are started
//! the same way, by the same code, but in the uplink's network namespace
//! ([`super::uplink_command`]), which is then made here, before the node's
//! daemons, instead of on demand by the data-plane cases.

use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::node::{DaemonFixture, LinkKind, NodeFixtures, Readiness};

use super::daemon::Daemon;
use super::{plugin_command, uplink_command, Sandbox};

/// Apply every fixture, in order: links, routes, sysctls, files, daemons.
/// A fixture that cannot be applied is an error naming it: the harness's
/// or the profile's problem, never the plugin's.
///
/// `parent_link` is the profile's (`needs.parentLink`), where the
/// surroundings may be joined.
pub fn apply(
    sandbox: &mut Sandbox,
    node: &NodeFixtures,
    parent_link: Option<&str>,
) -> io::Result<()> {
    if node.is_empty() {
        return Ok(());
    }
    if sandbox.node_netns().is_none() {
        return Err(io::Error::other(
            "node fixtures need a scratch node namespace (not --netns)",
        ));
    }
    let daemons = !node.daemons.is_empty() || !node.uplink_daemons.is_empty();
    if (!node.files.is_empty() || daemons) && !private_mounts(sandbox) {
        // Without a mount namespace of the sandbox's own, a file fixture
        // would be written to the real host, and a daemon's socket too.
        return Err(io::Error::other(
            "file and daemon fixtures need the sandbox's own mount namespace \
             with the copy-on-write host layer (overlayfs), which this machine does not give",
        ));
    }
    for link in &node.links {
        let mut add = vec!["link", "add", link.name.as_str(), "type"];
        match &link.kind {
            LinkKind::Bridge => add.push("bridge"),
            LinkKind::Veth { peer } => add.extend(["veth", "peer", "name", peer.as_str()]),
        }
        run(sandbox, "ip", &add, &format!("link {}", link.name))?;
        if let Some(mtu) = link.mtu {
            let mtu = mtu.to_string();
            let args = ["link", "set", link.name.as_str(), "mtu", mtu.as_str()];
            run(sandbox, "ip", &args, &format!("mtu of {}", link.name))?;
        }
        for addr in &link.addresses {
            let a = addr.to_string();
            let args = ["addr", "add", a.as_str(), "dev", link.name.as_str()];
            run(
                sandbox,
                "ip",
                &args,
                &format!("address {a} on {}", link.name),
            )?;
        }
        if link.up {
            let mut names = vec![link.name.as_str()];
            if let LinkKind::Veth { peer } = &link.kind {
                names.push(peer.as_str());
            }
            for name in names {
                run(
                    sandbox,
                    "ip",
                    &["link", "set", name, "up"],
                    &format!("{name} up"),
                )?;
            }
        }
    }
    for route in &node.routes {
        let dst = route.dst.to_string();
        let via = route.via.map(|v| v.to_string());
        let mut args = vec!["route", "add", dst.as_str()];
        if let Some(via) = &via {
            args.extend(["via", via.as_str()]);
        }
        if let Some(dev) = &route.dev {
            args.extend(["dev", dev.as_str()]);
        }
        run(sandbox, "ip", &args, &format!("route {dst}"))?;
    }
    for (key, value) in &node.sysctls {
        let kv = format!("{key}={value}");
        run(
            sandbox,
            "sysctl",
            &["-q", "-w", kv.as_str()],
            &format!("sysctl {key}"),
        )?;
    }
    for file in &node.files {
        let mode = format!("{:o}", file.mode);
        let path = file.path.display().to_string();
        // mkdir -p, write stdin, chmod: in the sandbox's mount namespace.
        let script = r#"mkdir -p -- "$(dirname -- "$1")" && cat > "$1" && chmod "$2" "$1""#;
        let mut cmd = command(sandbox, Place::Node, "/bin/sh")?;
        cmd.args(["-c", script, "sh", path.as_str(), mode.as_str()]);
        finish(cmd, Some(file.contents.as_bytes()), &format!("file {path}"))?;
    }
    if !node.uplink_daemons.is_empty() {
        sandbox.open_uplink(&node.surroundings, parent_link)?;
    }
    for d in &node.uplink_daemons {
        let daemon = start(sandbox, Place::Uplink, d)?;
        sandbox.keep_daemon(daemon);
    }
    for d in &node.daemons {
        let daemon = start(sandbox, Place::Node, d)?;
        sandbox.keep_daemon(daemon);
    }
    Ok(())
}

/// Which network namespace of the sandbox a fixture's process runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Node,
    /// The uplink (the surroundings' daemons and their readiness checks).
    Uplink,
}

/// Whether plugins of this sandbox share one private mount namespace, so
/// that what a fixture writes there is what they see, and only they.
fn private_mounts(sandbox: &Sandbox) -> bool {
    sandbox.mounts().is_some_and(|view| view.layers().is_some())
}

fn start(sandbox: &Sandbox, place: Place, d: &DaemonFixture) -> io::Result<Daemon> {
    let Some((program, args)) = d.command.split_first() else {
        return Err(io::Error::other(format!(
            "daemon {}: empty command",
            d.name
        )));
    };
    let log_path = sandbox
        .work_dir()
        .join(format!("daemon-{}.log", safe(&d.name)));
    let log = std::fs::File::create(&log_path)?;
    let mut cmd = command(sandbox, place, program)?;
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // Inside the process boundary like the plugins: the sandbox's `/proc`
    // is the boundary's, and a daemon that finds itself there (Go's
    // `ns.GetCurrentNS`, as the dhcp daemon does) must be in it. Started
    // before any snapshot, it is in every one, so never judged.
    let spawned = match sandbox.boundary() {
        Some(b) => b.spawn(&mut cmd),
        None => cmd.spawn(),
    };
    let child = spawned
        .map_err(|e| io::Error::other(format!("daemon {}: cannot start {program}: {e}", d.name)))?;
    let mut daemon = Daemon {
        name: d.name.clone(),
        child,
    };
    let deadline = Instant::now() + d.timeout;
    loop {
        if let Ok(Some(status)) = daemon.child.try_wait() {
            return Err(io::Error::other(format!(
                "daemon {} exited ({status}) before it was ready: {}",
                d.name,
                tail(&log_path)
            )));
        }
        if ready(sandbox, place, &d.ready)? {
            return Ok(daemon);
        }
        if Instant::now() >= deadline {
            return Err(io::Error::other(format!(
                "daemon {} not ready after {} ms ({}): {}",
                d.name,
                d.timeout.as_millis(),
                describe(&d.ready),
                tail(&log_path)
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Readiness is judged inside the sandbox: the socket or file lives in its
/// mount namespace, which the harness process does not see.
fn ready(sandbox: &Sandbox, place: Place, r: &Readiness) -> io::Result<bool> {
    let mut cmd = match r {
        Readiness::Socket(p) => {
            let mut c = command(sandbox, place, "/bin/sh")?;
            c.args(["-c", r#"test -S "$1""#, "sh"]).arg(p);
            c
        }
        Readiness::File(p) => {
            let mut c = command(sandbox, place, "/bin/sh")?;
            c.args(["-c", r#"test -e "$1""#, "sh"]).arg(p);
            c
        }
        Readiness::Command(argv) => {
            let Some((program, args)) = argv.split_first() else {
                return Ok(false);
            };
            let mut c = command(sandbox, place, program)?;
            c.args(args);
            c
        }
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(cmd.status()?.success())
}

fn describe(r: &Readiness) -> String {
    match r {
        Readiness::Socket(p) => format!("waiting for socket {}", p.display()),
        Readiness::File(p) => format!("waiting for file {}", p.display()),
        Readiness::Command(c) => format!("waiting for `{}` to succeed", c.join(" ")),
    }
}

/// A command entered into the sandbox like a plugin (into the uplink's
/// network namespace for [`Place::Uplink`]), found on `PATH` when bare (as
/// a shell would).
fn command(sandbox: &Sandbox, place: Place, program: &str) -> io::Result<Command> {
    let path = if program.contains('/') {
        Path::new(program).to_path_buf()
    } else {
        which(program).ok_or_else(|| io::Error::other(format!("{program} not found on PATH")))?
    };
    let mut cmd = match place {
        Place::Node => plugin_command(sandbox, &path)?,
        Place::Uplink => uplink_command(sandbox, &path)?,
    };
    // Fixtures are the harness's own tools: a usual PATH, nothing else.
    cmd.env_clear().env(
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    );
    Ok(cmd)
}

fn run(sandbox: &Sandbox, program: &str, args: &[&str], what: &str) -> io::Result<()> {
    let mut cmd = command(sandbox, Place::Node, program)?;
    cmd.args(args);
    finish(cmd, None, what)
}

fn finish(mut cmd: Command, stdin: Option<&[u8]>, what: &str) -> io::Result<()> {
    use std::io::Write;
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes)?;
    }
    let out = child.wait_with_output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "node fixture {what}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    [
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ]
    .iter()
    .map(|d| Path::new(d).join(program))
    .find(|p| p.is_file())
}

fn safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The last lines of a daemon's log, for an error message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().rev().take(5).collect();
    if lines.is_empty() {
        "(no output)".into()
    } else {
        lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
    }
}
