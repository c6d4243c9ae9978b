//! Podman 4.3 with its CNI backend, confined to a directory of the test's
//! own: storage (`--root`), run state (`--runroot`), temporary files and
//! events live there, and the engine configuration is a file there named
//! by `CONTAINERS_CONF`, so nothing under /etc/containers is ever written.
//! Only the network itself reaches the host, as under any runtime: the
//! plugins run in the host namespace and keep state in /var/lib/cni.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::common::proc::{self, Output};

/// Facts measured on Debian 12 (issue 16): crun fails on cgroups in hybrid
/// mode, so runc; systemd is not there to manage cgroups; the default
/// ulimits exceed what root may set here (no CAP_SYS_RESOURCE, hard
/// NOFILE 20000); ping needs NET_RAW.
const GLOBAL_FLAGS: [&str; 6] = [
    "--runtime",
    "runc",
    "--cgroup-manager=cgroupfs",
    "--storage-driver",
    "vfs",
    "--events-backend=file",
];
const RUN_FLAGS: [&str; 7] = [
    "--ulimit",
    "nofile=20000:20000",
    "--ulimit",
    "nproc=32768:32768",
    "--cap-add",
    "NET_RAW",
    "--detach",
];

/// How long any one podman command may take.
const LIMIT: Duration = Duration::from_secs(60);

pub struct Podman {
    base: PathBuf,
}

impl Podman {
    /// An engine whose state lives under `base`; `plugin_dirs` and
    /// `config_dir` (holding `NAME.conflist`) go into its configuration.
    pub fn new(base: &Path, plugin_dirs: &[PathBuf], config_dir: &Path) -> Podman {
        let dirs: Vec<String> = plugin_dirs
            .iter()
            .map(|d| format!("{:?}", d.display().to_string()))
            .collect();
        let conf = format!(
            "[network]\nnetwork_backend = \"cni\"\ncni_plugin_dirs = [{}]\nnetwork_config_dir = {:?}\n",
            dirs.join(", "),
            config_dir.display().to_string()
        );
        for d in ["root", "runroot", "tmp"] {
            std::fs::create_dir_all(base.join(d)).expect("podman state directory");
        }
        std::fs::write(base.join("containers.conf"), conf).expect("write containers.conf");
        Podman {
            base: base.to_path_buf(),
        }
    }

    /// Attach to the state of an earlier run under `base`, if there is one
    /// (to remove what a killed run left).
    pub fn existing(base: &Path) -> Option<Podman> {
        base.join("containers.conf").exists().then(|| Podman {
            base: base.to_path_buf(),
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("podman");
        cmd.env("CONTAINERS_CONF", self.base.join("containers.conf"))
            .arg("--root")
            .arg(self.base.join("root"))
            .arg("--runroot")
            .arg(self.base.join("runroot"))
            .arg("--tmpdir")
            .arg(self.base.join("tmp"))
            .args(GLOBAL_FLAGS)
            .args(args);
        cmd
    }

    /// Run podman; `Err` when it cannot start, times out or fails.
    pub fn run(&self, args: &[&str]) -> Result<Output, String> {
        let out = proc::run(self.command(args), LIMIT).map_err(|e| {
            if e.contains("cannot start") {
                format!("{e}: install podman and runc (ci/setup.sh does)")
            } else {
                e
            }
        })?;
        if out.ok {
            Ok(out)
        } else {
            Err(format!(
                "podman {} failed ({}):\n{}{}",
                args.join(" "),
                out.status,
                out.stdout,
                out.stderr
            ))
        }
    }

    /// Start `/bin/sleep` in a container on `network`; returns podman's output.
    pub fn start(&self, name: &str, network: &str, rootfs: &Path) -> Result<Output, String> {
        let rootfs = rootfs.display().to_string();
        let mut args: Vec<&str> = vec!["run"];
        args.extend(RUN_FLAGS);
        // --rootfs must be the last option: what follows is the command.
        args.extend(["--network", network, "--name", name, "--rootfs", &rootfs]);
        args.extend(["/bin/sleep", "600"]);
        self.run(&args)
    }

    /// `podman exec NAME ARGS...`.
    pub fn exec(&self, name: &str, argv: &[&str]) -> Result<Output, String> {
        let mut args = vec!["exec", name];
        args.extend(argv);
        self.run(&args)
    }

    /// `podman inspect NAME` as JSON (the first and only element).
    pub fn inspect(&self, name: &str) -> Result<Value, String> {
        let out = self.run(&["inspect", name])?;
        let all: Value = serde_json::from_str(&out.stdout)
            .map_err(|e| format!("podman inspect {name}: not JSON ({e}): {}", out.stdout))?;
        all.get(0)
            .cloned()
            .ok_or_else(|| format!("podman inspect {name}: empty answer"))
    }

    /// Remove containers, stopping them at once; podman tears their
    /// networks down (CNI DEL) on the way.
    pub fn remove(&self, names: &[&str]) -> Result<Output, String> {
        let mut args = vec!["rm", "--force", "--time", "0"];
        args.extend(names);
        self.run(&args)
    }

    /// Every container of this engine, whatever state it is in.
    pub fn remove_all(&self) -> Result<Output, String> {
        self.run(&["rm", "--all", "--force", "--time", "0"])
    }
}
