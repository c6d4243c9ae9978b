//! Debian's containerd started by the test, everything of it under one
//! directory of its own: root, state, sockets, the CRI plugin's CNI
//! directories, network namespaces (`netns_mounts_under_state_dir`), pod
//! logs. Stopped by its pid; what it mounted below the directory is
//! unmounted and the directory removed, also on failure (`Drop`) and at the
//! start of the next run after a kill.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{host, proc};

/// Fixed (a later run finds what a killed one left), on tmpfs.
pub const BASE: &str = "/run/cnih-containerd";
/// The pods' cgroup parent (cgroupfs driver), below each hierarchy's root.
pub const CGROUP_PARENT: &str = "/cnih-containerd";

/// Where containerd 1.6's runc shims put their sockets, whatever the
/// configuration says (`runtime/v2/shim/util_unix.go`: the default state
/// directory). Removed again if the run created it.
pub const SHIM_SOCKETS: &str = "/run/containerd/s";

/// A bound on the daemon's start and stop, so a stuck one fails the test
/// instead of stalling CI (not a measurement).
pub const START_LIMIT: Duration = Duration::from_secs(60);

pub struct Containerd {
    pub base: PathBuf,
    pub socket: PathBuf,
    /// The CRI plugin's `bin_dir` (the plugins' `CNI_PATH`) and `conf_dir`.
    pub cni_bin: PathBuf,
    pub cni_conf: PathBuf,
    pub log_dir: PathBuf,
    child: Option<Child>,
    /// The directories of [`SHIM_SOCKETS`] absent before the run, the
    /// outermost last.
    created: Vec<PathBuf>,
}

impl Containerd {
    /// Clear what an earlier run left, lay out the directories and write
    /// the configuration; `start` starts the daemon.
    pub fn prepare() -> Containerd {
        let base = PathBuf::from(BASE);
        teardown(&base);
        let d = Containerd {
            socket: base.join("containerd.sock"),
            cni_bin: base.join("cni/bin"),
            cni_conf: base.join("cni/net.d"),
            log_dir: base.join("pods"),
            base,
            child: None,
            created: [SHIM_SOCKETS, "/run/containerd"]
                .iter()
                .map(PathBuf::from)
                .filter(|d| !d.exists())
                .collect(),
        };
        for dir in [&d.cni_bin, &d.cni_conf, &d.log_dir] {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(d.base.join("config.toml"), d.config())
            .unwrap_or_else(|e| panic!("containerd config: {e}"));
        d
    }

    /// containerd 1.6's configuration (version 2): nothing outside
    /// [`BASE`] but the runc shims' sockets (`/run/containerd/s`, fixed in
    /// 1.6; see [`SHIM_SOCKETS`]), runc as the runtime with cgroupfs and
    /// its state under [`BASE`] (`Root`), the locally imported
    /// sandbox image. `restrict_oom_score_adj`: the sandbox's default
    /// `oom_score_adj` of -998 needs `CAP_SYS_RESOURCE`, which root lacks
    /// on these machines (runc then fails with "can't get final child's PID
    /// from pipe: EOF"); restricted, it is clamped to the daemon's own.
    fn config(&self) -> String {
        let b = self.base.display();
        format!(
            r#"version = 2
root = "{b}/root"
state = "{b}/state"
[grpc]
  address = "{sock}"
[ttrpc]
  address = "{sock}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "{b}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{image}"
  netns_mounts_under_state_dir = true
  enable_selinux = false
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{bin}"
    conf_dir = "{conf}"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "{b}/runc"
"#,
            sock = self.socket.display(),
            image = super::image::NAME,
            bin = self.cni_bin.display(),
            conf = self.cni_conf.display(),
        )
    }

    /// Start the daemon and wait for its socket.
    pub fn start(&mut self) {
        let log = std::fs::File::create(self.base.join("containerd.log")).expect("log file");
        let err = log.try_clone().expect("log file");
        let child = Command::new("containerd")
            .arg("--config")
            .arg(self.base.join("config.toml"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start containerd: {e} (ci/setup.sh installs Debian's containerd)")
            });
        self.child = Some(child);
        let began = Instant::now();
        while !self.socket.exists() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("containerd exited ({status}):\n{}", self.log());
            }
            assert!(
                began.elapsed() < START_LIMIT,
                "containerd made no socket within {START_LIMIT:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `ctr` against this daemon, in the CRI plugin's namespace.
    pub fn ctr(&self, args: &[&str]) -> proc::Output {
        let mut cmd = Command::new("ctr");
        cmd.arg("--address")
            .arg(&self.socket)
            .args(["-n", "k8s.io"]);
        cmd.args(args);
        let out = proc::run(cmd, START_LIMIT).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.ok,
            "ctr {args:?}: {}\n{}{}",
            out.status, out.stdout, out.stderr
        );
        out
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.base.join("containerd.log")).unwrap_or_default()
    }

    /// Stop the daemon by its pid (SIGTERM, then SIGKILL if it lingers).
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            stop_pid(child.id() as i32, Some(child));
        }
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        self.stop();
        teardown(&self.base);
        // Absent before the run, what is there now is the run's: a shim
        // that was killed (a failed run) leaves its socket behind.
        if let Some(d) = self.created.last() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Signal `pid` (a process of ours) to stop and reap it.
fn stop_pid(pid: i32, child: Option<Child>) {
    let pid = Pid::from_raw(pid);
    let _ = kill(pid, Signal::SIGTERM);
    let began = Instant::now();
    let gone = || !Path::new(&format!("/proc/{pid}")).exists();
    let mut child = child;
    loop {
        if let Some(c) = child.as_mut() {
            if let Ok(Some(_)) = c.try_wait() {
                return;
            }
        } else if gone() {
            return;
        }
        if began.elapsed() > START_LIMIT {
            let _ = kill(pid, Signal::SIGKILL);
            if let Some(mut c) = child {
                let _ = c.wait();
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What an earlier run left: its daemon and shims (by the pids they wrote
/// below [`BASE`]), mounts below it, the directory, the pods' cgroups.
pub fn teardown(base: &Path) {
    for (rank, pid) in pids_below(base) {
        if rank == 0 {
            // A sandbox's init is its namespace's pid 1: SIGTERM does not reach it.
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        stop_pid(pid, None);
    }
    host::unmount_below(base);
    let _ = std::fs::remove_dir_all(base);
    remove_cgroups();
}

/// The run's processes, in the order to stop them: the sandboxes' inits
/// (the `init.pid` runc wrote below `base`, while that process still runs
/// the image's busybox), then the shims, then the daemon (the processes
/// whose command line names `base`: `containerd --config BASE/...`,
/// `containerd-shim-runc-v2 ... -address BASE/containerd.sock`). Killing a
/// shim first would orphan its sandbox.
fn pids_below(base: &Path) -> Vec<(u8, i32)> {
    let cmdline = |pid: i32| {
        let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        String::from_utf8_lossy(&raw).replace('\0', " ")
    };
    let mut out = Vec::new();
    let mut stack = vec![base.join("state")];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(e.path());
            } else if e.file_name() == "init.pid" {
                let pid = std::fs::read_to_string(e.path())
                    .ok()
                    .and_then(|s| s.trim().parse::<i32>().ok());
                if let Some(pid) = pid.filter(|p| cmdline(*p).contains("busybox")) {
                    out.push((0, pid));
                }
            }
        }
    }
    let base = base.display().to_string();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            let cmd = cmdline(pid);
            if cmd.contains(&base) {
                out.push((
                    if cmd.contains("containerd-shim") {
                        1
                    } else {
                        2
                    },
                    pid,
                ));
            }
        }
    }
    out.sort();
    out
}

/// The cgroup directories named [`CGROUP_PARENT`] in each mounted
/// hierarchy (runc removes the pod's own; the parent it created stays).
pub fn cgroup_dirs() -> Vec<PathBuf> {
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") else {
        return Vec::new();
    };
    mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f.len() > 2 && (f[2] == "cgroup" || f[2] == "cgroup2")).then(|| f[1].to_string())
        })
        .map(|m| Path::new(&m).join(CGROUP_PARENT.trim_start_matches('/')))
        .filter(|d| d.exists())
        .collect()
}

fn remove_cgroups() {
    for d in cgroup_dirs() {
        // Deepest first, and only empty ones can go: anything still in
        // them is a running sandbox. (runc removes a sandbox's own cgroup
        // when its shim deletes the task, not when the shim was killed.)
        let mut dirs = vec![d.clone()];
        if let Ok(rd) = std::fs::read_dir(&d) {
            dirs.extend(
                rd.flatten()
                    .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                    .map(|e| e.path()),
            );
        }
        for dir in dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}
