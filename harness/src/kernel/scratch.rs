//! A throwaway node + container namespace pair pinned under a temporary
//! directory, for tests and benchmarks that need real namespaces but not a
//! whole sandbox. Everything goes on drop, panics included.

use std::io;

use crate::sandbox::Netns;

#[derive(Debug)]
pub struct ScratchPair {
    // Field order is drop order: unpin the namespaces before removing the
    // directory holding their pins.
    pub node: Netns,
    pub container: Netns,
    dir: tempfile::TempDir,
}

impl ScratchPair {
    pub fn new() -> io::Result<ScratchPair> {
        let dir = tempfile::Builder::new().prefix("cnih-kernel-").tempdir()?;
        let node = Netns::create(&dir.path().join("node"))?;
        let container = Netns::create(&dir.path().join("container"))?;
        Ok(ScratchPair {
            node,
            container,
            dir,
        })
    }

    /// A directory that lives as long as the pair (for state files).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for ScratchPair {
    fn drop(&mut self) {
        self.node.remove();
        self.container.remove();
        // Pinning made the directory a (shared) bind mount of itself;
        // without this the mount and the directory outlive the pair.
        let _ = nix::mount::umount2(self.dir.path(), nix::mount::MntFlags::MNT_DETACH);
    }
}

/// Tests that need root call this first and return early on `false`, saying why.
pub fn is_root() -> bool {
    let root = nix::unistd::geteuid().is_root();
    if !root {
        eprintln!("skipped: needs root (creates network namespaces)");
    }
    root
}
