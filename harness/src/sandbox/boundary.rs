//! The process boundary of a sandbox: a PID namespace whose init the
//! harness holds, so that nothing a plugin starts outlives the sandbox,
//! however it detaches (double fork, `setsid`, closed stdio).
//!
//! Why a PID namespace rather than a cgroup v2 with `cgroup.kill`: it needs
//! nothing of the host's cgroup layout. Machines of this kind mount cgroups
//! in hybrid mode (v2 only at `/sys/fs/cgroup/unified`, v1 controllers at
//! the top), a fresh Debian mounts v2 alone at `/sys/fs/cgroup` under
//! systemd, and a container may see a read-only tree; a PID namespace works
//! the same on all of them and on any kernel the harness runs on. It also
//! gives what a cgroup cannot: when its init dies the kernel SIGKILLs every
//! process in it and waits for them, and the init dies with the harness
//! (parent-death signal), so even a SIGKILLed run leaves no process behind.
//! And a plugin's pid files, `kill`s and `/proc` reads stay consistent,
//! because the plugin, its daemons and the `/proc` mounted in the sandbox's
//! mount namespace all live in the same namespace (dnsname's dnsmasq pid
//! file is read back by the plugin at DEL).
//!
//! The init is cloned from one long-lived thread: a parent-death signal
//! follows the *thread* that forked, and a sandbox may be made on a thread
//! that ends before it does. The init drops every descriptor (so it keeps
//! no netlink socket or namespace of the harness alive), resets its
//! signals, mounts the namespace's `/proc` in the sandbox's mount
//! namespace, and reaps orphans until it is killed.
//!
//! A plugin joins by being forked from a thread whose `pid_for_children`
//! is the boundary ([`Boundary::spawn`]); the thread goes back to its own
//! namespace right after.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

/// Name the init shows in `ps` (and what `cni-harness clean` looks for).
pub const INIT_NAME: &str = "cnih-init";

/// A PID namespace held open by an init process of the harness's own.
#[derive(Debug)]
pub struct Boundary {
    /// The init, as the harness's namespace numbers it.
    init: Pid,
    /// `/proc/<init>/ns/pid`, kept open to join and to identify it.
    pidns: File,
    inode: u64,
    /// Whether `/proc` of this namespace is mounted in the sandbox's mount
    /// namespace (no mount namespace, no mount: a `--netns` run).
    proc_mounted: bool,
}

struct Request {
    mntns: Option<RawFd>,
    reply: mpsc::Sender<io::Result<(Pid, bool)>>,
}

static SPAWNER: OnceLock<Mutex<mpsc::Sender<Request>>> = OnceLock::new();

/// Whether boundaries are made at all: `set_enabled(false)` is the peer
/// the benchmark compares against.
static ENABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turn the boundary on or off for sandboxes made from now on.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether sandboxes made now get a boundary: not after `set_enabled(false)`,
/// nor with `CNIH_NO_PROCESS_BOUNDARY=1` in the environment (the peer
/// `ci/suite-time.sh` times the suite against; plugins' daemons then
/// outlive their sandboxes, as before the boundary).
pub fn enabled() -> bool {
    ENABLED.load(std::sync::atomic::Ordering::Relaxed)
        && std::env::var_os("CNIH_NO_PROCESS_BOUNDARY").is_none_or(|v| v != "1")
}

fn spawner() -> io::Result<mpsc::Sender<Request>> {
    if let Some(tx) = SPAWNER.get() {
        return Ok(tx.lock().unwrap_or_else(|e| e.into_inner()).clone());
    }
    let (tx, rx) = mpsc::channel::<Request>();
    std::thread::Builder::new()
        .name("cnih-pidns".into())
        .spawn(move || {
            for req in rx {
                let _ = req.reply.send(clone_init(req.mntns));
            }
        })?;
    // Two threads racing here each start a spawner; the loser's thread just
    // waits forever on a channel nobody sends to.
    let _ = SPAWNER.set(Mutex::new(tx));
    let tx = SPAWNER
        .get()
        .ok_or_else(|| io::Error::other("no pidns spawner"))?;
    Ok(tx.lock().unwrap_or_else(|e| e.into_inner()).clone())
}

impl Boundary {
    /// A fresh PID namespace; with `mntns`, its `/proc` is mounted there.
    pub fn create(mntns: Option<&File>) -> io::Result<Boundary> {
        let (reply, rx) = mpsc::channel();
        spawner()?
            .send(Request {
                mntns: mntns.map(|f| f.as_raw_fd()),
                reply,
            })
            .map_err(|_| io::Error::other("the pidns spawner thread is gone"))?;
        let (init, proc_mounted) = rx
            .recv()
            .map_err(|_| io::Error::other("the pidns spawner thread is gone"))??;
        let opened = File::open(format!("/proc/{init}/ns/pid"));
        let pidns = match opened {
            Ok(f) => f,
            Err(e) => {
                reap(init);
                return Err(e);
            }
        };
        let inode = inode_of(&pidns)?;
        Ok(Boundary {
            init,
            pidns,
            inode,
            proc_mounted,
        })
    }

    /// The init's pid in the harness's namespace.
    pub fn init_pid(&self) -> i32 {
        self.init.as_raw()
    }

    /// The namespace's inode (`pid:[N]`), which identifies its processes.
    pub fn inode(&self) -> u64 {
        self.inode
    }

    pub fn proc_mounted(&self) -> bool {
        self.proc_mounted
    }

    /// Spawn `cmd` inside the namespace: fork from this thread with its
    /// `pid_for_children` set to the boundary, then set it back.
    pub fn spawn(&self, cmd: &mut Command) -> io::Result<Child> {
        let own = own_pidns()?;
        // SAFETY: plain syscall on descriptors we hold.
        if unsafe { libc::setns(self.pidns.as_raw_fd(), libc::CLONE_NEWPID) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let spawned = cmd.spawn();
        // SAFETY: as above; back to the namespace this thread's own pid is in.
        let back = unsafe { libc::setns(own.as_raw_fd(), libc::CLONE_NEWPID) };
        if back != 0 {
            // A thread left pointing into a sandbox would put unrelated
            // children there: never carry on.
            panic!(
                "cannot return to the harness's PID namespace: {}",
                io::Error::last_os_error()
            );
        }
        spawned.map_err(|e| match e.raw_os_error() {
            // fork into a namespace whose init is gone.
            Some(libc::ENOMEM) => {
                io::Error::other("the sandbox's process boundary is gone (its init was killed)")
            }
            _ => e,
        })
    }

    /// Kill everything inside: SIGKILL to the init makes the kernel kill
    /// every process of the namespace, and the init is reaped only once
    /// they are all gone.
    pub fn kill_all(&mut self) {
        reap(self.init);
    }
}

impl Drop for Boundary {
    fn drop(&mut self) {
        self.kill_all();
    }
}

fn reap(init: Pid) {
    let _ = kill(init, Signal::SIGKILL);
    loop {
        match waitpid(init, None) {
            Ok(WaitStatus::Exited(..)) | Ok(WaitStatus::Signaled(..)) => break,
            Ok(_) => continue,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => break,
        }
    }
}

/// Kill the inits (and so everything in their namespaces) whose harness is
/// gone, or all of them with `all`: what `cni-harness clean` does for a
/// killed run. A harness that dies kills its inits itself (parent-death
/// signal), so this is the last resort. Returns what was killed.
pub fn kill_orphans(all: bool) -> Vec<String> {
    let mut killed = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return killed;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let field = |k: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.trim().to_string())
        };
        if field("Name:").as_deref() != Some(INIT_NAME) {
            continue;
        }
        let ppid: i32 = field("PPid:").and_then(|p| p.parse().ok()).unwrap_or(0);
        if ppid as u32 == std::process::id() {
            continue; // this run's own
        }
        if all || !holds_boundaries(ppid) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            killed.push(format!("process {pid} ({INIT_NAME}) and its PID namespace"));
        }
    }
    killed
}

/// Whether `pid` is a live harness (it has the thread that clones inits).
fn holds_boundaries(pid: i32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|t| {
        std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == "cnih-pidns")
    })
}

fn own_pidns() -> io::Result<&'static File> {
    static OWN: OnceLock<File> = OnceLock::new();
    if let Some(f) = OWN.get() {
        return Ok(f);
    }
    // The process's own (active) namespace, the same for every thread.
    let f = File::open("/proc/self/ns/pid")?;
    Ok(OWN.get_or_init(|| f))
}

fn inode_of(f: &File) -> io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(f.metadata()?.ino())
}

/// Clone the init (on the spawner thread). Returns its pid and whether
/// `/proc` was mounted.
fn clone_init(mntns: Option<RawFd>) -> io::Result<(Pid, bool)> {
    let (rd, wr) = nix::unistd::pipe().map_err(io::Error::from)?;
    let proc_src = c"proc";
    let proc_dir = c"/proc";
    let name = c"cnih-init";
    // SAFETY: a fork-like clone (no new stack, no shared memory). The child
    // makes async-signal-safe syscalls only, on data prepared before, and
    // never returns from this function: it ends in `_exit`.
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (libc::CLONE_NEWPID | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: see above; the child is single-threaded from here.
        unsafe {
            child_init(
                rd.as_raw_fd(),
                wr.as_raw_fd(),
                mntns,
                proc_src.as_ptr(),
                proc_dir.as_ptr(),
                name.as_ptr(),
            )
        }
    }
    drop(wr);
    let pid = Pid::from_raw(pid as libc::pid_t);
    // The child reports 0 (proc mounted), -1 (no mount namespace) or an errno.
    let mut buf = [0u8; 4];
    let mut file = File::from(rd);
    let read = io::Read::read_exact(&mut file, &mut buf);
    match (read, i32::from_ne_bytes(buf)) {
        (Ok(()), 0) => Ok((pid, true)),
        (Ok(()), -1) => Ok((pid, false)),
        (Ok(()), errno) => {
            reap(pid);
            Err(io::Error::other(format!(
                "the sandbox's PID namespace init could not mount /proc: {}",
                io::Error::from_raw_os_error(errno)
            )))
        }
        (Err(e), _) => {
            reap(pid);
            Err(io::Error::other(format!(
                "the sandbox's PID namespace init died at start: {e}"
            )))
        }
    }
}

/// The init's whole life. Only raw syscalls: this runs in a child forked
/// from a multi-threaded process.
unsafe fn child_init(
    read_end: RawFd,
    report: RawFd,
    mntns: Option<RawFd>,
    proc_src: *const libc::c_char,
    proc_dir: *const libc::c_char,
    name: *const libc::c_char,
) -> ! {
    // Our copy of the read end goes, so that the report below fails if
    // the harness is gone (its parent-death signal would come too late).
    libc::close(read_end);
    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    libc::prctl(libc::PR_SET_NAME, name);
    let mut status: i32 = -1;
    if let Some(fd) = mntns {
        status = 0;
        if libc::setns(fd, libc::CLONE_NEWNS) != 0
            || libc::mount(
                proc_src,
                proc_dir,
                proc_src,
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            ) != 0
        {
            status = (*libc::__errno_location()).max(1);
        }
    }
    let bytes = status.to_ne_bytes();
    // Nobody reading: the harness died before the parent-death signal was
    // set, and nobody would ever kill this init.
    if libc::write(report, bytes.as_ptr().cast(), bytes.len()) != bytes.len() as isize || status > 0
    {
        libc::_exit(1);
    }
    // Nothing of the harness's stays open here (netlink sockets would keep
    // namespaces alive, pipes would keep readers waiting).
    libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32);
    libc::chdir(c"/".as_ptr());
    // Default dispositions: as PID 1, signals without a handler are not
    // delivered from inside the namespace, so a plugin cannot kill its init.
    for sig in 1..32 {
        if sig != libc::SIGKILL && sig != libc::SIGSTOP {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
    let mut set: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&mut set);
    libc::sigaddset(&mut set, libc::SIGCHLD);
    libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    // Reap every orphan; with none left, wait for the next SIGCHLD (blocked,
    // so one that comes between the two calls stays pending).
    loop {
        if libc::waitpid(-1, std::ptr::null_mut(), 0) < 0 {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::sigwaitinfo(&set, &mut info);
        }
    }
}
