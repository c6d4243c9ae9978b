//! The capture shim in front of the reference plugin for a podman run: a
//! directory of its own holding the wrapper `cni-ref-bridge` (first in
//! podman's plugin directories) and the captures. Removed on drop, and
//! at the start of the next run after a kill.

use std::path::{Path, PathBuf};

/// Fixed (podman's configuration names it), on tmpfs.
const BASE: &str = "/run/cnihpm-shim";

/// Where the wrapper stands: podman's first plugin directory.
pub fn shim_dir() -> PathBuf {
    Path::new(BASE).join("bin")
}

pub struct Shim {
    /// The captures the wrapper writes.
    pub out: PathBuf,
}

impl Shim {
    /// Put `cni-harness shim` in front of `real`, under its name.
    pub fn install(real: &Path) -> Shim {
        let _ = std::fs::remove_dir_all(BASE);
        std::fs::create_dir_all(shim_dir()).expect("shim directory");
        let out = Path::new(BASE).join("out");
        let name = real.file_name().expect("plugin file name");
        crate::common::install_shim(real, &shim_dir().join(name), &out);
        Shim { out }
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(BASE);
    }
}
