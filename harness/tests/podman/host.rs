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
