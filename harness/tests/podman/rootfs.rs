//! The containers' root filesystem: Debian's static busybox and a few applet
//! links, no image and no registry.

use std::path::Path;

const BUSYBOX: &str = "/bin/busybox";
const APPLETS: [&str; 5] = ["sh", "ip", "ping", "sleep", "cat"];

/// Lay out `dir` as a root filesystem: `bin/busybox` with its applets and
/// the empty mount points runc needs.
pub fn make(dir: &Path) {
    assert!(
        Path::new(BUSYBOX).exists(),
        "{BUSYBOX} is missing: install busybox-static (ci/setup.sh does)"
    );
    for d in ["bin", "proc", "sys", "dev", "etc", "tmp"] {
        std::fs::create_dir_all(dir.join(d)).expect("rootfs directory");
    }
    // Static (busybox-static), so it runs without the host's libraries.
    std::fs::copy(BUSYBOX, dir.join("bin/busybox")).expect("copy busybox");
    for a in APPLETS {
        let link = dir.join("bin").join(a);
        if !link.exists() {
            std::os::unix::fs::symlink("busybox", &link).expect("applet link");
        }
    }
}
