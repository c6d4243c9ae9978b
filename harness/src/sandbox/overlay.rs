//! What a plugin sees of the host's files: the real root filesystem through
//! a copy-on-write layer, so nothing it writes reaches the real host and
//! everything it creates, changes or deletes can be read back.
//!
//! Each sandbox gets one mount namespace, made once on a dedicated thread
//! (standing in the node network namespace, so its fresh `/sys` shows the
//! node's interfaces) and kept alive by a file descriptor; every plugin
//! process of the sandbox enters it with `setns`, which costs less per
//! execution than making mounts in each child. In it:
//!
//! - every top-level directory of `/` but the kernel's views (`/proc`,
//!   `/sys`, `/dev`) is an overlay: lower the real directory, upper and work
//!   directories on a tmpfs of the sandbox's own. The whole root, not a list
//!   of "likely" places: a plugin run as root may write to `/usr/local`,
//!   `/opt`, `/srv` or `/root` as readily as to `/etc`, `/var` or `/tmp`,
//!   and an overlay costs the same whatever is below it;
//! - filesystems mounted below those directories (namespace pins under
//!   `/run/netns`, a tmpfs on `/run/lock`...) are bound back as they are: an
//!   overlay shows only its lower filesystem, and a plugin must still open
//!   `CNI_NETNS`. Writes to them are real (documented limitation);
//! - the sandbox's state directories are bound over `/var/lib/cni` and
//!   `/run/cni`, so IPAM stores and caches stay where the suite reads them.
//!
//! The tmpfs is reachable only through a descriptor the harness holds (it
//! is mounted inside the private namespace), so a killed harness leaves
//! no mount behind: the namespace and its layers go with the last
//! descriptor. Without overlayfs (nested overlays can be refused, e.g. on
//! some container roots) the namespace is made without layers, and a
//! warning says host files are neither isolated nor observed.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use super::Netns;

/// Kernel views rather than files: never overlaid.
const KERNEL_VIEWS: [&str; 3] = ["/proc", "/sys", "/dev"];

static DISABLED: AtomicBool = AtomicBool::new(false);
static BUILDING: Mutex<()> = Mutex::new(());

/// `CNIH_NO_HOST_LAYER=1` turns the layer off for a whole process: for
/// tests whose recording plugin must write to a real host directory.
fn disabled_by_env() -> bool {
    std::env::var_os("CNIH_NO_HOST_LAYER").is_some_and(|v| v == "1")
}

/// Turn the copy-on-write layer off (or on) for sandboxes made from now on
/// in this process: the peer that measures what it costs.
pub fn set_enabled(on: bool) {
    DISABLED.store(!on, Ordering::Relaxed);
}

/// Why host files are not layered on this machine, once known (`None`:
/// they are). Printed once per process as a warning.
pub fn unavailable() -> Option<&'static str> {
    UNAVAILABLE.get().and_then(|r| r.as_deref())
}

static UNAVAILABLE: OnceLock<Option<String>> = OnceLock::new();

fn note_availability(problem: Option<String>) {
    if UNAVAILABLE.set(problem).is_ok() {
        if let Some(Some(why)) = UNAVAILABLE.get() {
            eprintln!(
                "cni-harness: warning: no copy-on-write layer over the host filesystem ({why}): \
                 plugins write to the real host outside /var/lib/cni and /run/cni, and files \
                 they leave there are not judged"
            );
        }
    }
}

/// A sandbox's mount namespace, and its layers when overlayfs works.
#[derive(Debug)]
pub struct HostView {
    mntns: File,
    layers: Option<Layers>,
}

/// The upper directories of a sandbox's overlays.
#[derive(Debug)]
pub struct Layers {
    /// The tmpfs holding `<i>/upper` and `<i>/work` for each directory.
    root: File,
    /// The host directory layer `i` covers.
    dirs: Vec<PathBuf>,
}

impl HostView {
    /// Make the namespace: `node` is where sysfs is mounted from, `scratch`
    /// a directory of the sandbox's for the layers' mount point, `binds`
    /// (source, target) the state directories.
    pub fn create(
        node: &Netns,
        scratch: &Path,
        binds: &[(PathBuf, PathBuf)],
    ) -> io::Result<HostView> {
        let layered = !DISABLED.load(Ordering::Relaxed)
            && !matches!(UNAVAILABLE.get(), Some(Some(_)))
            && !disabled_by_env();
        // One at a time: a build holds a descriptor for every mount point
        // below the overlaid directories (hundreds on a busy host), so
        // concurrent builds would multiply that by the threads of the run.
        // The kernel serialises mount operations (namespace_sem) anyway.
        let _one = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("cnih-mountns".into())
                .spawn_scoped(s, || build(node, scratch, binds, layered))?
                .join()
                .map_err(|_| io::Error::other("mount namespace thread panicked"))?
        })
    }

    /// The descriptor plugin processes `setns` into.
    pub fn mntns(&self) -> &File {
        &self.mntns
    }

    pub fn layers(&self) -> Option<&Layers> {
        self.layers.as_ref()
    }
}

impl Layers {
    /// Every layer: the host directory and where its upper directory is
    /// readable from this process.
    pub fn uppers(&self) -> Vec<(PathBuf, PathBuf)> {
        let fd = self.root.as_raw_fd();
        self.dirs
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.as_os_str().is_empty())
            .map(|(i, d)| {
                (
                    d.clone(),
                    PathBuf::from(format!("/proc/self/fd/{fd}/{i}/upper")),
                )
            })
            .collect()
    }

    /// The host directories covered.
    pub fn dirs(&self) -> Vec<&Path> {
        self.dirs
            .iter()
            .filter(|d| !d.as_os_str().is_empty())
            .map(PathBuf::as_path)
            .collect()
    }

    pub fn try_clone(&self) -> io::Result<Layers> {
        Ok(Layers {
            root: self.root.try_clone()?,
            dirs: self.dirs.clone(),
        })
    }
}

/// Runs on its own thread: whatever it does to its namespaces dies with it.
fn build(
    node: &Netns,
    scratch: &Path,
    binds: &[(PathBuf, PathBuf)],
    layered: bool,
) -> io::Result<HostView> {
    use nix::mount::{mount, umount2, MntFlags, MsFlags};
    use nix::sched::{setns, unshare, CloneFlags};
    let sys = |what: &str, e: nix::Error| io::Error::other(format!("{what}: {e}"));
    setns(node.file(), CloneFlags::CLONE_NEWNET)
        .map_err(|e| sys("entering the node namespace", e))?;
    // CLONE_NEWNS implies CLONE_FS: this thread alone leaves the process's mounts.
    unshare(CloneFlags::CLONE_NEWNS).map_err(|e| sys("new mount namespace", e))?;
    // Slave, not private: pins added and removed on the host (other
    // sandboxes' namespaces) keep reaching this copy.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_SLAVE,
        None::<&str>,
    )
    .map_err(|e| sys("making / a slave mount", e))?;
    // Sources opened before any overlay can hide them.
    let bind_sources: Vec<(OwnedFd, &Path)> = binds
        .iter()
        .map(|(src, dst)| Ok((open_path(src)?, dst.as_path())))
        .collect::<io::Result<_>>()?;
    let layers = if layered {
        match overlay_root(scratch) {
            Ok(l) => {
                note_availability(None);
                Some(l)
            }
            Err(e) => {
                note_availability(Some(e.to_string()));
                None
            }
        }
    } else {
        None
    };
    for (fd, target) in &bind_sources {
        bind_fd(fd, target, false)?;
    }
    let _ = umount2("/sys", MntFlags::MNT_DETACH);
    mount(
        Some("sysfs"),
        "/sys",
        Some("sysfs"),
        MsFlags::empty(),
        None::<&str>,
    )
    .map_err(|e| sys("mounting sysfs", e))?;
    let mntns = File::open("/proc/thread-self/ns/mnt")?;
    Ok(HostView { mntns, layers })
}

/// Overlay every top-level directory of `/` but the kernel's views.
fn overlay_root(scratch: &Path) -> io::Result<Layers> {
    use nix::mount::{mount, umount2, MntFlags, MsFlags};
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/")?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| !KERNEL_VIEWS.iter().any(|k| p == Path::new(k)))
        .collect();
    dirs.sort();
    let mounts = mount_points()?;
    let dir = scratch.join("layers");
    std::fs::create_dir_all(&dir)?;
    mount(
        Some("cnih-layers"),
        &dir,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=0700"),
    )
    .map_err(|e| io::Error::other(format!("tmpfs for the layers: {e}")))?;
    let root = File::from(open_path(&dir)?);
    for i in 0..dirs.len() {
        std::fs::create_dir_all(dir.join(format!("{i}/upper")))?;
        std::fs::create_dir_all(dir.join(format!("{i}/work")))?;
    }
    // Mounts below each directory, outermost only (a recursive bind brings
    // what is below them), opened while still visible.
    let mut below: Vec<Option<Vec<(OwnedFd, PathBuf)>>> = Vec::new();
    for d in &dirs {
        let mut outer: Vec<&PathBuf> = mounts
            .iter()
            .filter(|m| m.starts_with(d) && *m != d)
            .collect();
        outer.sort();
        outer.dedup();
        let mut kept: Vec<&PathBuf> = Vec::new();
        for m in outer {
            if !kept.iter().any(|k| m.starts_with(k)) {
                kept.push(m);
            }
        }
        // A mount point that cannot be opened cannot be shown either: its
        // directory is then left without an overlay.
        let fds: io::Result<Vec<(OwnedFd, PathBuf)>> = kept
            .into_iter()
            .map(|m| Ok((open_path(m)?, m.clone())))
            .collect();
        below.push(fds.ok());
    }
    let layer_fd = root.as_raw_fd();
    let mut covered = Vec::new();
    let mut first_error = None;
    for (i, (d, subs)) in dirs.iter().zip(&below).enumerate() {
        let Some(subs) = subs else { continue };
        let opts = format!(
            "lowerdir={},upperdir=/proc/thread-self/fd/{layer_fd}/{i}/upper,workdir=/proc/thread-self/fd/{layer_fd}/{i}/work",
            d.display()
        );
        if d.as_os_str().as_bytes().contains(&b',') {
            continue; // not expressible as a mount option
        }
        if let Err(e) = mount(
            Some("cnih-overlay"),
            d,
            Some("overlay"),
            MsFlags::empty(),
            Some(opts.as_str()),
        ) {
            first_error.get_or_insert_with(|| format!("overlay on {}: {e}", d.display()));
            continue;
        }
        let restored = subs
            .iter()
            .all(|(fd, target)| bind_fd(fd, target, true).is_ok());
        if restored {
            covered.push((i, d.clone()));
        } else {
            // Better uncovered than missing mounts (CNI_NETNS must open).
            let _ = umount2(d, MntFlags::MNT_DETACH);
        }
    }
    if covered.is_empty() {
        return Err(io::Error::other(
            first_error.unwrap_or_else(|| "no directory of / could be overlaid".into()),
        ));
    }
    // Layer numbers stay those of `dirs`; uncovered ones have empty uppers.
    let mut listed = vec![PathBuf::new(); dirs.len()];
    for (i, d) in covered {
        listed[i] = d;
    }
    Ok(Layers { root, dirs: listed })
}

/// Bind what `fd` refers to onto `target` (recursively: mounts below come along).
fn bind_fd(fd: &OwnedFd, target: &Path, recursive: bool) -> io::Result<()> {
    use nix::mount::{mount, MsFlags};
    let src = format!("/proc/thread-self/fd/{}", fd.as_raw_fd());
    let mut flags = MsFlags::MS_BIND;
    if recursive {
        flags |= MsFlags::MS_REC;
    }
    mount(
        Some(src.as_str()),
        target,
        None::<&str>,
        flags,
        None::<&str>,
    )
    .map_err(|e| io::Error::other(format!("bind mount onto {}: {e}", target.display())))
}

fn open_path(p: &Path) -> io::Result<OwnedFd> {
    let c = CString::new(p.as_os_str().as_bytes())
        .map_err(|_| io::Error::other(format!("{} contains NUL", p.display())))?;
    // SAFETY: a plain open(2) of a NUL-terminated path; the fd is owned below.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_CLOEXEC | libc::O_NOFOLLOW,
        )
    };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("{}: {e}", p.display())));
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Mount points of this thread's mount namespace (octal escapes decoded).
fn mount_points() -> io::Result<Vec<PathBuf>> {
    let text = std::fs::read("/proc/thread-self/mountinfo")?;
    let mut out = Vec::new();
    for line in text.split(|b| *b == b'\n') {
        if let Some(field) = line.split(|b| *b == b' ').nth(4) {
            out.push(PathBuf::from(std::ffi::OsStr::from_bytes(&unescape(field))));
        }
    }
    Ok(out)
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let octal = field
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (field[i], octal) {
            (b'\\', Some(d)) => {
                out.push(
                    d.iter()
                        .fold(0u8, |n, b| n.wrapping_mul(8).wrapping_add(b - b'0')),
                );
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn mountinfo_escapes_decode() {
        assert_eq!(super::unescape(br"/a\040b\134c"), b"/a b\\c".to_vec());
        assert_eq!(super::unescape(br"/plain"), b"/plain".to_vec());
        assert_eq!(super::unescape(br"/bad\09"), br"/bad\09".to_vec());
    }
}
