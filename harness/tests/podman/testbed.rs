//! Everything one podman run puts on the host, and its removal: a guard
//! whose `Drop` removes the containers, the bridge, the IPAM directory,
//! libcni's cache entries and the engine's directory even when the test
//! fails; and the same removal at the start, for what a killed run left.

use std::path::{Path, PathBuf};

use super::engine::Podman;
use super::network::{Flavour, Network};
use super::rootfs;
use crate::common::host;

/// Parent of every engine directory (tmpfs: gone at reboot too).
const BASE: &str = "/run/cnihpm";

pub struct Testbed {
    pub net: Network,
    pub podman: Podman,
    pub rootfs: PathBuf,
    base: PathBuf,
    /// Shared directories absent before this run: removed again when empty.
    created: Vec<PathBuf>,
}

impl Testbed {
    pub fn prepare(flavour: Flavour) -> Testbed {
        let base = Path::new(BASE).join(flavour.tag());
        let (name, bridge) = Network::names(flavour);
        teardown(&base, &name, &bridge);
        let created = host::absent_shared_dirs();
        let net = Network::choose(flavour, &host::snapshot());
        let config_dir = base.join("net.d");
        std::fs::create_dir_all(&config_dir).expect("network config directory");
        std::fs::write(
            config_dir.join(format!("{}.conflist", net.name)),
            serde_json::to_vec_pretty(&net.conflist()).expect("json"),
        )
        .expect("write conflist");
        let rootfs = base.join("rootfs");
        rootfs::make(&rootfs);
        let podman = Podman::new(&base, &net.plugin_dirs, &config_dir);
        Testbed {
            net,
            podman,
            rootfs,
            base,
            created,
        }
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        teardown(&self.base, &self.net.name, &self.net.bridge);
        for d in self.created.iter().rev() {
            let _ = std::fs::remove_dir(d); // only when empty: others may use it
        }
        let _ = std::fs::remove_dir(BASE);
    }
}

/// Remove a run's containers (through podman, so their networks are torn
/// down by CNI DEL), then whatever network-scoped state is left, then the
/// engine's directory. Every step tolerates things already gone.
fn teardown(base: &Path, network: &str, bridge: &str) {
    if let Some(podman) = Podman::existing(base) {
        if let Err(e) = podman.remove_all() {
            eprintln!("cleanup: {e}");
        }
    }
    host::remove_network_state(network, bridge);
    host::unmount_below(base);
    let _ = std::fs::remove_dir_all(base);
}
