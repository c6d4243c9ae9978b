//! The project's libcni driver (`ci/libcni-driver`, Go): built once per test
//! process against Debian's libcni sources, offline, in GOPATH mode.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Where Debian's golang-github-appc-cni-dev puts libcni.
const GOCODE: &str = "/usr/share/gocode";

/// The driver binary, built on first use (Go caches the build, so later
/// runs take a fraction of a second).
pub fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(build)
}

fn build() -> PathBuf {
    let libcni = Path::new(GOCODE).join("src/github.com/containernetworking/cni/libcni");
    assert!(
        libcni.is_dir(),
        "{} is missing: install golang-github-appc-cni-dev (ci/setup.sh does)",
        libcni.display()
    );
    let target = crate::common::bin_dir();
    let work = target.join("libcni-driver");
    let out = work.join("libcni-driver");
    let src = crate::common::repo_root().join("ci/libcni-driver");
    let gopath = format!("{}:{GOCODE}", work.join("gopath").display());
    let started = std::time::Instant::now();
    let built = Command::new("go")
        .arg("build")
        .arg("-o")
        .arg(&out)
        .arg(".")
        .current_dir(&src)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GOPATH", gopath)
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOCACHE", work.join("cache"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run `go` ({e}): install golang-go (ci/setup.sh does)"));
    assert!(
        built.status.success(),
        "go build of {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    eprintln!(
        "libcni-driver built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    out
}

/// One attachment's ADD/CHECK/DEL through libcni.
pub struct Run<'a> {
    pub conf: &'a Path,
    pub cni_path: &'a Path,
    pub cache_dir: &'a Path,
    pub netns: &'a Path,
    pub container_id: &'a str,
    pub ifname: &'a str,
    pub args: &'a str,
    pub caps: &'a str,
    pub verbs: &'a [&'a str],
    /// The driver's whole environment (libcni hands it to plugins).
    pub env: &'a BTreeMap<String, String>,
}

impl Run<'_> {
    pub fn run(&self) {
        let out = Command::new(binary())
            .arg("-conf")
            .arg(self.conf)
            .arg("-cni-path")
            .arg(self.cni_path)
            .arg("-cache-dir")
            .arg(self.cache_dir)
            .arg("-netns")
            .arg(self.netns)
            .args(["-container-id", self.container_id])
            .args(["-ifname", self.ifname])
            .args(["-args", self.args])
            .args(["-caps", self.caps])
            .args(["-verbs", &self.verbs.join(",")])
            .env_clear()
            .envs(self.env)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary().display()));
        assert!(
            out.status.success(),
            "libcni-driver failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
