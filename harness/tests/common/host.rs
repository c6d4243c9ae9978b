//! The real host, judged with the harness's own snapshot code: the host
//! namespace (links, addresses, routes, rules, sysctls, firewall) and the
//! CNI state directories, as one `SandboxSnapshot` without a container side,
//! so the leak oracle can classify what the containers left.

use std::path::{Path, PathBuf};

use cni_harness::kernel::{self, FilesSnapshot, SandboxSnapshot, SnapshotOptions};
use cni_harness::sandbox::Netns;

/// Where plugins and libcni keep state on a real host (IPAM reservations,
/// libcni's result cache).
pub const STATE_DIRS: [&str; 2] = ["/var/lib/cni", "/run/cni"];

pub fn snapshot() -> SandboxSnapshot {
    // This process's namespace: where podman, and so the plugins, run.
    let host = Netns::open(Path::new("/proc/self/ns/net")).expect("host namespace");
    let opts = SnapshotOptions::default();
    let node = kernel::snapshot(&host, &opts).expect("host snapshot");
    let dirs: Vec<PathBuf> = STATE_DIRS.iter().map(PathBuf::from).collect();
    SandboxSnapshot {
        node,
        container: None,
        files: FilesSnapshot::take(&dirs, opts.max_file_text),
        processes: Vec::new(),
    }
}

/// Names pinned under /run/netns (podman pins its containers' namespaces
/// there as `netns-UUID`; the snapshot does not list pins).
pub fn netns_pins() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/run/netns")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Unmount anything a runtime left mounted below `dir` (deepest first), so
/// the directory can go.
pub fn unmount_below(dir: &Path) {
    for p in mounts_below(dir).iter().rev() {
        let _ = nix::mount::umount2(p.as_str(), nix::mount::MntFlags::MNT_DETACH);
    }
}

/// The mount points at or below `dir` in this process's mount namespace,
/// shallowest first (from /proc/self/mountinfo).
pub fn mounts_below(dir: &Path) -> Vec<String> {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    let mut points: Vec<String> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|p| Path::new(p).starts_with(dir))
        .map(str::to_string)
        .collect();
    points.sort_by_key(|p| p.len());
    points
}

/// The first of the `/24`s at `candidates` that no route of the host
/// overlaps (a test network of its own that touches nothing of the host's).
pub fn free_subnet(
    candidates: &[std::net::Ipv4Addr],
    host: &SandboxSnapshot,
) -> Option<cni_harness::result::Cidr> {
    use cni_harness::result::Cidr;
    let taken: Vec<Cidr> = host
        .node
        .routes
        .iter()
        .map(|r| r.dst)
        .filter(|d| d.prefix() > 0)
        .collect();
    let overlaps = |a: &Cidr| {
        taken
            .iter()
            .any(|b| a.contains(b.network().addr()) || b.contains(a.network().addr()))
    };
    candidates
        .iter()
        .filter_map(|ip| Cidr::new(std::net::IpAddr::V4(*ip), 24).ok())
        .find(|c| !overlaps(c))
}

/// The shared directories libcni and host-local create on first use.
pub const SHARED_DIRS: [&str; 2] = ["/var/lib/cni/networks", "/var/lib/cni/results"];

/// Those of [`SHARED_DIRS`] absent now (a run removes them again when empty).
pub fn absent_shared_dirs() -> Vec<PathBuf> {
    SHARED_DIRS
        .iter()
        .map(PathBuf::from)
        .filter(|d| !d.exists())
        .collect()
}

/// Remove the state a network of a test's own leaves on the host after its
/// containers are gone (the plugin keeps the bridge by design): the bridge,
/// the IPAM directory and libcni's cache entries of the network. Each step
/// tolerates things already gone.
pub fn remove_network_state(network: &str, bridge: &str) {
    use cni_harness::kernel::ops;
    if let Ok(host) = Netns::open(Path::new("/proc/self/ns/net")) {
        if ops::link_exists(&host, bridge).unwrap_or(false) {
            if let Err(e) = ops::del_link(&host, bridge) {
                eprintln!("cleanup: deleting bridge {bridge}: {e}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(Path::new("/var/lib/cni/networks").join(network));
    // libcni's cache files are NETWORK-CONTAINERID-IFNAME.
    if let Ok(rd) = std::fs::read_dir("/var/lib/cni/results") {
        for e in rd.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{network}-"))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
