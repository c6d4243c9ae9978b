//! Network namespaces kept alive by a bind mount, created and entered with
//! direct syscalls (no `ip netns`: it is ~4x slower and waits on deletion).
//!
//! Entering a namespace always happens on a dedicated, short-lived thread: a
//! thread that called `setns` stays in that namespace, so it must never be a
//! pooled worker or the caller's thread.

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{setns, unshare, CloneFlags};

/// IPv4 interface settings a new namespace copies from the host's (IPv6
/// ones start from the kernel's defaults), with the kernel's defaults: set
/// in every namespace the harness makes, so that what a plugin meets, and
/// so every verdict, does not depend on the machine the harness runs on
/// (RHEL turns strict reverse-path filtering on, systemd loose; a host
/// that forwards made every stand-in node forward). A stand-in node then
/// forwards ([`Netns::create_node`]).
const IPV4_DEFAULTS: [(&str, &str); 12] = [
    ("forwarding", "0"),
    ("rp_filter", "0"),
    ("accept_local", "0"),
    ("route_localnet", "0"),
    ("arp_ignore", "0"),
    ("arp_announce", "0"),
    ("arp_filter", "0"),
    ("proxy_arp", "0"),
    ("src_valid_mark", "0"),
    ("accept_redirects", "1"),
    ("secure_redirects", "1"),
    ("send_redirects", "1"),
];

/// [`IPV4_DEFAULTS`] in the calling thread's namespace, for `default`
/// (links made later) and `all`. A setting that cannot be written (a
/// read-only `/proc/sys`, a kernel without it) is left as inherited, and
/// said once per process.
fn set_ipv4_defaults() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let mut failed = Vec::new();
    for scope in ["default", "all"] {
        for (key, value) in IPV4_DEFAULTS {
            let path = format!("/proc/sys/net/ipv4/conf/{scope}/{key}");
            if let Err(e) = std::fs::write(&path, value) {
                failed.push(format!("{path}: {e}"));
            }
        }
    }
    if let Some(first) = failed.first() {
        WARNED.call_once(|| {
            eprintln!(
                "cni-harness: warning: new namespaces keep some of the host's IPv4 settings \
                 ({first}, {} in all): verdicts may differ from another machine's",
                failed.len()
            );
        });
    }
}

/// A network namespace pinned at a path.
#[derive(Debug)]
pub struct Netns {
    path: PathBuf,
    file: File,
    /// Owned namespaces are unmounted and their file removed on drop.
    owned: bool,
}

impl Netns {
    /// Create a new namespace pinned at `path` (which must not exist), with
    /// `lo` up and the kernel's IPv4 settings ([`IPV4_DEFAULTS`]).
    pub fn create(path: &Path) -> io::Result<Netns> {
        Self::create_as(path, false)
    }

    /// [`Netns::create`] for a stand-in node: IPv4 forwarding on, as a node
    /// running containers has it (kubeadm's preflight demands it; Docker
    /// and netavark turn it on), on every machine alike. A profile's
    /// `node.sysctls` may turn it off, to judge a plugin on a node that
    /// does not forward.
    pub fn create_node(path: &Path) -> io::Result<Netns> {
        Self::create_as(path, true)
    }

    fn create_as(path: &Path, forwarding: bool) -> io::Result<Netns> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
            share_propagation(dir)?;
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let target = path.to_path_buf();
        let made = std::thread::spawn(move || -> io::Result<()> {
            unshare(CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            mount(
                Some("/proc/thread-self/ns/net"),
                &target,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(io::Error::from)?;
            set_ipv4_defaults();
            if forwarding {
                std::fs::write("/proc/sys/net/ipv4/ip_forward", "1")
                    .map_err(|e| io::Error::new(e.kind(), format!("net.ipv4.ip_forward: {e}")))?;
            }
            set_loopback_up()
        })
        .join()
        .map_err(|_| io::Error::other("namespace creation thread panicked"))?;
        if let Err(e) = made {
            let _ = umount2(path, MntFlags::MNT_DETACH);
            let _ = std::fs::remove_file(path);
            return Err(io::Error::new(
                e.kind(),
                format!("creating network namespace {}: {e}", path.display()),
            ));
        }
        let file = File::open(path)?;
        Ok(Netns {
            path: path.to_path_buf(),
            file,
            owned: true,
        })
    }

    /// Open an existing namespace (e.g. `--netns PATH`); it is left in place on drop.
    pub fn open(path: &Path) -> io::Result<Netns> {
        let file = File::open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(Netns {
            path: path.to_path_buf(),
            file,
            owned: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    /// Run `f` on a fresh thread that has entered this namespace.
    pub fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> io::Result<T> {
        self.run_named("cnih-netns", f)
    }

    /// [`Netns::run`] on a thread called `name` (what `/proc/PID/task/*/comm`
    /// shows: at most 15 bytes), so one can see what the harness is doing.
    pub fn run_named<T: Send>(&self, name: &str, f: impl FnOnce() -> T + Send) -> io::Result<T> {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name(name.to_string())
                .spawn_scoped(s, || -> io::Result<T> {
                    setns(self.file.as_fd(), CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
                    Ok(f())
                })?
                .join()
                .map_err(|_| io::Error::other("thread inside network namespace panicked"))?
        })
    }

    /// Whether the namespace is still pinned at its path.
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Unpin and remove the namespace now (also done on drop for owned ones).
    /// The kernel frees it once no process or socket holds it any more.
    pub fn remove(&mut self) {
        if self.owned {
            unpin(&self.path);
            self.owned = false;
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Make the directory holding pins a shared mount (as `ip netns` does), once
/// per directory and process. Plugin processes get a private copy of the
/// mount table as a *slave* of this one, so when a pin is unmounted here the
/// unmount reaches their copies too; otherwise a plugin running in another
/// sandbox at that moment keeps the pin busy and it cannot be removed.
fn share_propagation(dir: &Path) -> io::Result<()> {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, OnceLock};
    static DONE: OnceLock<Mutex<BTreeSet<std::path::PathBuf>>> = OnceLock::new();
    let done = DONE.get_or_init(|| Mutex::new(BTreeSet::new()));
    let mut done = done
        .lock()
        .map_err(|_| io::Error::other("propagation lock poisoned"))?;
    if done.contains(dir) {
        return Ok(());
    }
    let shared = |d: &Path| {
        mount(
            None::<&str>,
            d,
            None::<&str>,
            MsFlags::MS_SHARED | MsFlags::MS_REC,
            None::<&str>,
        )
    };
    if shared(dir).is_err() {
        // Not a mount point yet: bind it onto itself first.
        mount(
            Some(dir),
            dir,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(|e| io::Error::other(format!("bind mount {}: {e}", dir.display())))?;
        shared(dir).map_err(|e| io::Error::other(format!("make {} shared: {e}", dir.display())))?;
    }
    done.insert(dir.to_path_buf());
    Ok(())
}

/// Remove a namespace pin left at `path` (used by `cni-harness clean` too).
pub fn unpin(path: &Path) {
    let _ = umount2(path, MntFlags::MNT_DETACH);
    let _ = std::fs::remove_file(path);
}

/// Bring `lo` up in the calling thread's namespace, as `ip netns add` users expect.
fn set_loopback_up() -> io::Result<()> {
    // SAFETY: plain socket/ioctl calls on a zeroed ifreq whose name we set.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        let mut rc = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req);
        if rc == 0 {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            rc = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        let err = io::Error::last_os_error();
        libc::close(fd);
        if rc != 0 {
            return Err(err);
        }
    }
    Ok(())
}
