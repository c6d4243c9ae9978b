//! Scratch namespaces in which a plugin runs, so nothing touches the real host.
//!
//! A [`Sandbox`] is a *node* network namespace (where the plugin process runs:
//! host-side veths, bridges, routes and firewall rules land there), a
//! *container* network namespace (passed as `CNI_NETNS`), and per-sandbox
//! directories that the plugin sees at `/var/lib/cni` and `/run/cni` through a
//! private mount namespace. Everything is named with [`PREFIX`] so that
//! `cni-harness clean` can find what a killed run left behind, and removed on
//! drop, including during a panic.

pub mod boundary;
pub mod daemon;
pub mod fixture;
pub mod netns;
pub mod node_fixture;
pub mod ops;
pub mod overlay;
pub mod registry;
pub mod retire;
mod spawn;
pub mod tamper;
pub mod untracked;
pub mod uplink;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

pub use netns::Netns;
pub use spawn::{plugin_command, uplink_command};
pub use uplink::Uplink;

/// Prefix of every namespace and directory the harness creates.
pub const PREFIX: &str = "cnih-";
/// Namespace pins live where `ip netns` looks, so they can be inspected by hand.
pub const NETNS_DIR: &str = "/run/netns";
/// Per-sandbox state and runtime cache directories.
pub const ROOT_DIR: &str = "/run/cni-harness";

/// Host paths a plugin writes its state to; inside the sandbox they are
/// bind mounts of per-sandbox directories.
pub const STATE_DIRS: [&str; 2] = ["/var/lib/cni", "/run/cni"];

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Where the plugin process runs.
#[derive(Debug)]
pub enum Node {
    /// A scratch namespace standing in for the host (the default).
    Scratch(Netns),
    /// The harness's own namespace: only when the user passes `--netns` and
    /// asks for it; state directories are then the real ones.
    Host,
}

#[derive(Debug)]
pub struct Sandbox {
    id: String,
    root: PathBuf,
    node: Node,
    container: Option<Netns>,
    container_path: PathBuf,
    /// More container namespaces, for cases with several containers.
    more_containers: Vec<Netns>,
    /// Node daemons of the profile's fixtures, stopped first on drop.
    daemons: Vec<daemon::Daemon>,
    /// State directories are per-sandbox (false only for [`Sandbox::on_host`]).
    private_state: bool,
    /// The stand-in for the network beyond the node, made when a case asks.
    uplink: Option<Uplink>,
    /// The mount namespace plugins run in (scratch nodes only).
    host_view: Option<overlay::HostView>,
    /// The PID namespace plugins run in, so nothing they start outlives
    /// the sandbox (`None` when switched off, see [`boundary::set_enabled`]).
    boundary: Option<boundary::Boundary>,
}

impl Sandbox {
    /// Fresh node and container namespaces plus private state directories.
    pub fn new() -> io::Result<Sandbox> {
        require_root()?;
        let id = format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let root = Path::new(ROOT_DIR).join(&id);
        std::fs::create_dir_all(&root)?;
        // From here on, drop cleans up whatever was made.
        let mut sandbox = Sandbox {
            container_path: Path::new(NETNS_DIR).join(format!("{id}-ctr")),
            id,
            root,
            node: Node::Host,
            container: None,
            more_containers: Vec::new(),
            daemons: Vec::new(),
            private_state: true,
            uplink: None,
            host_view: None,
            boundary: None,
        };
        registry::register_sandbox(&sandbox.id);
        for dir in sandbox.state_dirs() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::create_dir_all(sandbox.cache_dir())?;
        std::fs::create_dir_all(sandbox.work_dir())?;
        std::fs::create_dir_all(sandbox.tap_dir())?;
        for target in STATE_DIRS {
            // Bind mounts need a mount point; an empty directory is all that
            // is ever created on the host, and nothing is written into it.
            std::fs::create_dir_all(target)?;
        }
        let node_path = Path::new(NETNS_DIR).join(format!("{}-node", sandbox.id));
        let node = Netns::create_node(&node_path)?;
        let mut binds: Vec<(PathBuf, PathBuf)> = sandbox
            .state_dirs()
            .into_iter()
            .zip(STATE_DIRS.iter().map(PathBuf::from))
            .collect();
        // Bound onto itself: what a delegate tap's shims record there is
        // real (not in the copy-on-write layer, so never taken for a file
        // the plugin left behind) and readable by the harness as it is.
        binds.push((sandbox.tap_dir(), sandbox.tap_dir()));
        let view = overlay::HostView::create(&node, &sandbox.root, &binds)?;
        sandbox.boundary = make_boundary(Some(view.mntns()))?;
        sandbox.host_view = Some(view);
        sandbox.node = Node::Scratch(node);
        sandbox.container = Some(Netns::create(&sandbox.container_path)?);
        Ok(sandbox)
    }

    /// A sandbox around a container namespace the user owns (`--netns PATH`):
    /// the plugin runs in the harness's own namespace with the real state
    /// directories, as under a real runtime.
    pub fn on_host(container_netns: &Path, cache_dir: &Path) -> io::Result<Sandbox> {
        let container = Netns::open(container_netns)?;
        std::fs::create_dir_all(cache_dir)?;
        Ok(Sandbox {
            id: format!("{PREFIX}host-{}", std::process::id()),
            root: cache_dir.to_path_buf(),
            node: Node::Host,
            container: Some(container),
            container_path: container_netns.to_path_buf(),
            more_containers: Vec::new(),
            daemons: Vec::new(),
            private_state: false,
            uplink: None,
            host_view: None,
            boundary: make_boundary(None)?,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn node(&self) -> &Node {
        &self.node
    }

    /// The node namespace, when it is a scratch one.
    pub fn node_netns(&self) -> Option<&Netns> {
        match &self.node {
            Node::Scratch(ns) => Some(ns),
            Node::Host => None,
        }
    }

    /// The container namespace, unless it has been removed.
    pub fn container(&self) -> Option<&Netns> {
        self.container.as_ref()
    }

    /// The `CNI_NETNS` path (still returned after the namespace is removed,
    /// which is how DEL-with-vanished-netns cases are made).
    pub fn container_path(&self) -> &Path {
        &self.container_path
    }

    /// Another container namespace in this sandbox (for cases with several
    /// containers on one network); returns its path.
    pub fn add_container(&mut self) -> io::Result<PathBuf> {
        let n = self.more_containers.len() + 1;
        let path = Path::new(NETNS_DIR).join(format!("{}-ctr{n}", self.id));
        self.more_containers.push(Netns::create(&path)?);
        Ok(path)
    }

    /// The uplink namespace placed as `placement` says, made on first use
    /// and removed with the sandbox (scratch nodes only).
    pub fn open_uplink(
        &mut self,
        placement: &crate::config::Surroundings,
        parent_link: Option<&str>,
    ) -> io::Result<&Uplink> {
        if self.uplink.is_none() {
            let Node::Scratch(node) = &self.node else {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "an uplink needs a scratch node namespace (not --netns)",
                ));
            };
            let path = Path::new(NETNS_DIR).join(format!("{}-up", self.id));
            self.uplink = Some(Uplink::create(&path, node, placement, parent_link)?);
        }
        self.uplink
            .as_ref()
            .ok_or_else(|| io::Error::other("uplink vanished"))
    }

    pub fn uplink(&self) -> Option<&Uplink> {
        self.uplink.as_ref()
    }

    /// Replace the container namespace by a new, empty one at the same
    /// path, as a runtime gives a new pod a namespace of its own. Only for
    /// scratch sandboxes: a `--netns` namespace is the user's.
    pub fn renew_container(&mut self) -> io::Result<()> {
        if !self.private_state {
            return Err(io::Error::other(
                "the container namespace is the user's (--netns): not replaced",
            ));
        }
        // Unpinned first, so the new pin can take its path.
        self.container = None;
        netns::unpin(&self.container_path);
        self.container = Some(Netns::create(&self.container_path)?);
        Ok(())
    }

    /// Remove the container namespace, as a runtime does when a pod dies
    /// before its networks are torn down.
    pub fn remove_container(&mut self) {
        self.container = None;
    }

    /// Whether the state directories are this sandbox's own (not the
    /// host's, which other runs share).
    pub fn has_private_state(&self) -> bool {
        self.private_state
    }

    /// Per-sandbox directories backing [`STATE_DIRS`], in the same order.
    pub fn state_dirs(&self) -> Vec<PathBuf> {
        match self.private_state {
            false => STATE_DIRS.iter().map(PathBuf::from).collect(),
            true => STATE_DIRS
                .iter()
                .map(|d| self.root.join("state").join(d.trim_start_matches('/')))
                .collect(),
        }
    }

    /// Where the host path `path` (e.g. `/var/lib/cni/networks/x`) really is for this sandbox.
    pub fn host_view(&self, path: &Path) -> PathBuf {
        for (target, dir) in STATE_DIRS.iter().zip(self.state_dirs()) {
            if let Ok(rest) = path.strip_prefix(target) {
                return dir.join(rest);
            }
        }
        path.to_path_buf()
    }

    /// The plugin's working directory.
    pub fn work_dir(&self) -> PathBuf {
        if self.private_state {
            self.root.join("cwd")
        } else {
            PathBuf::from("/")
        }
    }

    /// Where a [`crate::invoke::DelegateTap`] of this sandbox keeps its
    /// shims and what they record: the same path inside and outside the
    /// sandbox's mount namespace.
    pub fn tap_dir(&self) -> PathBuf {
        self.root.join("tap")
    }

    /// Keep a node daemon running for as long as this sandbox lives.
    pub fn keep_daemon(&mut self, daemon: daemon::Daemon) {
        self.daemons.push(daemon);
    }

    /// The mount namespace plugins of this sandbox run in (`None` for
    /// [`Sandbox::on_host`]), with the host-file layers when overlayfs works.
    pub fn mounts(&self) -> Option<&overlay::HostView> {
        self.host_view.as_ref()
    }

    /// The PID namespace plugins of this sandbox run in, if any.
    pub fn boundary(&self) -> Option<&boundary::Boundary> {
        self.boundary.as_ref()
    }

    /// Move everything this sandbox owns into the returned one, leaving an
    /// inert husk whose drop removes nothing: for handing the teardown to
    /// another thread ([`retire`]) from a holder that cannot give up its
    /// field.
    pub fn take(&mut self) -> Sandbox {
        Sandbox {
            id: self.id.clone(),
            root: self.root.clone(),
            node: std::mem::replace(&mut self.node, Node::Host),
            container: self.container.take(),
            container_path: self.container_path.clone(),
            more_containers: std::mem::take(&mut self.more_containers),
            daemons: std::mem::take(&mut self.daemons),
            private_state: std::mem::replace(&mut self.private_state, false),
            uplink: self.uplink.take(),
            host_view: self.host_view.take(),
            boundary: self.boundary.take(),
        }
    }

    /// The runtime's own result cache (never visible to the plugin).
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Daemons hold the namespaces (and their sockets) open: they go
        // first, and before the boundary they run in: they are the
        // harness's children, and a namespace's init cannot finish dying
        // while a child of ours in it waits, unreaped, for us.
        self.daemons.clear();
        // Whatever the plugins left running goes next: it holds the
        // namespaces, mounts and sockets removed below.
        self.boundary = None;
        self.uplink = None;
        // Its copies of the pins go with the namespace.
        self.host_view = None;
        self.container = None;
        self.more_containers.clear();
        if self.private_state {
            // A plugin given a vanished CNI_NETNS may have created a file
            // there (Debian's sbr does); the path is ours, so it goes too.
            netns::unpin(&self.container_path);
        }
        self.node = Node::Host;
        if self.private_state {
            let _ = std::fs::remove_dir_all(&self.root);
            registry::deregister_sandbox(&self.id);
        }
    }
}

/// The process boundary of a new sandbox, registered so a signal's last
/// resort can kill it (unless boundaries are switched off).
fn make_boundary(mntns: Option<&std::fs::File>) -> io::Result<Option<boundary::Boundary>> {
    if !boundary::enabled() {
        return Ok(None);
    }
    let b = boundary::Boundary::create(mntns)?;
    Ok(Some(b))
}

fn require_root() -> io::Result<()> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "cni-harness needs root to create network namespaces (run it with sudo)",
        ))
    }
}

/// Remove sandboxes left by runs that are no longer alive (or all of them).
/// Returns what was removed.
pub fn clean(all: bool) -> io::Result<Vec<String>> {
    let alive = |name: &str| -> bool {
        let pid = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<i32>().ok());
        match pid {
            Some(pid) if pid as u32 != std::process::id() => {
                Path::new(&format!("/proc/{pid}")).exists()
            }
            _ => false,
        }
    };
    let mut removed = boundary::kill_orphans(all);
    removed.extend(remove_named(
        |name| name.starts_with(PREFIX) && (all || !alive(name)),
        true,
    )?);
    Ok(removed)
}

/// Remove every namespace pin and sandbox directory named after this
/// process (`cnih-<pid>-...`): registered sandboxes, link-kind probes, a
/// sandbox half made when the signal came. Only for a run that is ending
/// (after a signal): sandboxes still in use lose their namespaces. Returns
/// what was removed; failures are skipped, there is no one left to tell.
pub fn remove_leftovers() -> Vec<String> {
    let mine = format!("{PREFIX}{}-", std::process::id());
    let removed = remove_named(|name| name.starts_with(&mine), false).unwrap_or_default();
    registry::forget_sandboxes();
    removed
}

/// Remove the entries of the namespace and sandbox directories whose names
/// `selected`; with `strict`, the first directory that cannot be removed
/// is an error.
fn remove_named(selected: impl Fn(&str) -> bool, strict: bool) -> io::Result<Vec<String>> {
    let mut removed = Vec::new();
    for dir in [NETNS_DIR, ROOT_DIR] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !selected(&name) {
                continue;
            }
            let path = entry.path();
            if dir == NETNS_DIR {
                netns::unpin(&path);
            } else if let Err(e) = std::fs::remove_dir_all(&path) {
                if strict {
                    return Err(e);
                }
                continue;
            }
            removed.push(path.display().to_string());
        }
    }
    Ok(removed)
}
