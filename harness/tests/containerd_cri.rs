//! Issue 21: the `containerd` persona checked against real containerd.
//!
//! The test starts Debian's containerd 1.6 itself (root, state, sockets,
//! network namespaces and CNI directories under `/run/cnih-containerd`,
//! runc with cgroupfs as the runtime, a sandbox image it builds from
//! busybox-static and imports with `ctr`), drives its CRI through the
//! project's own gRPC client (`containerd/cri.rs`): `Version`,
//! `RunPodSandbox`, `StopPodSandbox`, `RemovePodSandbox`. The pod's network
//! is the reference plugin (`cni-ref-bridge` + `cni-ref-ipam`) behind
//! `cni-harness shim`, which records each invocation containerd's CRI
//! plugin (go-cni, libcni) makes. The test asserts that
//! - those invocations are what the `containerd` persona sends
//!   (`Persona::differences_with`: verbs, `CNI_ARGS` keys and value
//!   shapes, container ID shape, capability arguments and their shapes),
//!   apart from the one documented difference of containerd 1.6;
//! - the pod's network works: from the namespace containerd made
//!   (`CNI_NETNS` of the ADD) the gateway answers the harness's prober;
//! - afterwards the host is as before: no process, mount, namespace,
//!   link, cgroup or `/var/lib/cni` state of the run is left.
//!
//! The plugins run in the host's network namespace (containerd runs them
//! there): the network has names and a subnet of its own. One test binary
//! of its own, one test.

mod common;
mod containerd;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;

use cni_harness::dataplane::{self, Echo, Endpoint};
use cni_harness::invoke::RuntimeKind;
use cni_harness::kernel;
use cni_harness::replay::record::{self, Captured};
use cni_harness::sandbox::Netns;
use serde_json::{json, Map, Value};

use common::host;
use containerd::cri::{self, PodSandboxConfig};
use containerd::daemon::{self, Containerd};

const NETWORK: &str = "cnih-ctd";
const BRIDGE: &str = "cnihctd0";
/// Tried in order; the first no host route overlaps is used.
const SUBNETS: [Ipv4Addr; 3] = [
    Ipv4Addr::new(10, 213, 51, 0),
    Ipv4Addr::new(10, 214, 51, 0),
    Ipv4Addr::new(172, 31, 51, 0),
];

/// The capability arguments containerd's CRI plugin can fill, all declared
/// by the plugin, so the capture shows every one containerd sends.
const DECLARED: [&str; 5] = [
    "portMappings",
    "bandwidth",
    "dns",
    "cgroupPath",
    "io.kubernetes.cri.pod-annotations",
];

/// What containerd 1.6 does not send that the persona (containerd 1.7 and
/// later) does: the pod's cgroup parent as `cgroupPath`, added in 1.7.0
/// (containerd commit 0166783c7, `cniNamespaceOpts` in
/// `pkg/cri/server/sandbox_run.go`). One line per ADD and DEL.
/// Everything else the persona says is checked (and is containerd 1.6's).
const CONTAINERD_1_6: &str = "runtimeConfig lacks cgroupPath, which the persona fills";

/// Everything the run puts on the host besides containerd's directory,
/// removed on drop (also when the test fails).
struct NetworkGuard {
    created: Vec<PathBuf>,
    /// libcni's cache entries of containerd's loopback network before the
    /// run (a sandbox torn down normally leaves none; one whose shim was
    /// killed does).
    loopback_before: Vec<PathBuf>,
}

/// libcni's cache entries of go-cni's `cni-loopback` network.
fn loopback_cache() -> Vec<PathBuf> {
    std::fs::read_dir("/var/lib/cni/results")
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("cni-loopback-"))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

impl NetworkGuard {
    fn new() -> NetworkGuard {
        host::remove_network_state(NETWORK, BRIDGE);
        NetworkGuard {
            created: host::absent_shared_dirs(),
            loopback_before: loopback_cache(),
        }
    }
}

impl Drop for NetworkGuard {
    fn drop(&mut self) {
        host::remove_network_state(NETWORK, BRIDGE);
        for f in loopback_cache() {
            if !self.loopback_before.contains(&f) {
                let _ = std::fs::remove_file(f);
            }
        }
        for d in self.created.iter().rev() {
            let _ = std::fs::remove_dir(d); // only when empty: others may use it
        }
    }
}

fn conflist(subnet: &str, gateway: IpAddr) -> Value {
    let caps: Map<String, Value> = DECLARED
        .iter()
        .map(|c| (c.to_string(), json!(true)))
        .collect();
    json!({
        "cniVersion": "1.0.0",
        "name": NETWORK,
        "plugins": [{
            "type": "cni-ref-bridge",
            "bridge": BRIDGE,
            "isGateway": true,
            "ipMasq": false,
            "capabilities": caps,
            "ipam": {
                "type": "cni-ref-ipam",
                "ranges": [[{"subnet": subnet, "gateway": gateway.to_string()}]]
            }
        }]
    })
}

/// A pod as kubelet describes it: metadata, log directory, the cluster DNS
/// (kubelet gives every pod one), its annotations, a cgroup parent
/// (cgroupfs driver), and one host port, which the run asks for.
fn pod(log_dir: &Path) -> PodSandboxConfig {
    let uid = "5bd7c1c4-3f6e-4d0b-9a55-c0ffee000021";
    PodSandboxConfig {
        metadata: Some(cri::PodSandboxMetadata {
            name: "cnih-web".into(),
            uid: uid.into(),
            namespace: "default".into(),
            attempt: 0,
        }),
        hostname: "cnih-web".into(),
        log_directory: log_dir.display().to_string(),
        dns_config: Some(cri::DnsConfig {
            servers: vec!["10.96.0.10".into()],
            searches: vec![
                "default.svc.cluster.local".into(),
                "svc.cluster.local".into(),
                "cluster.local".into(),
            ],
            options: vec!["ndots:5".into()],
        }),
        port_mappings: vec![cri::PortMapping {
            protocol: cri::TCP,
            container_port: 80,
            host_port: 18021,
            host_ip: String::new(),
        }],
        labels: HashMap::from([("app".to_string(), "cnih-web".to_string())]),
        annotations: HashMap::from([
            ("kubernetes.io/config.source".to_string(), "api".to_string()),
            (
                "kubernetes.io/config.seen".to_string(),
                "2026-12-07T00:00:00Z".to_string(),
            ),
        ]),
        linux: Some(cri::LinuxPodSandboxConfig {
            cgroup_parent: daemon::CGROUP_PARENT.into(),
            security_context: Some(cri::LinuxSandboxSecurityContext {
                namespace_options: Some(cri::NamespaceOption {
                    network: cri::NAMESPACE_POD,
                    pid: cri::NAMESPACE_POD,
                    ipc: cri::NAMESPACE_POD,
                }),
                privileged: false,
            }),
        }),
    }
}

/// What the run asks for beyond the persona (as `--capability-args`
/// would): the pod's host port.
fn requested() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "portMappings".into(),
        json!([{"hostPort": 18021, "containerPort": 80, "protocol": "tcp"}]),
    );
    m
}

fn captures(dir: &Path) -> Vec<Captured> {
    let (captures, unfinished) = record::load_dir(dir).expect("containerd's invocations captured");
    assert!(unfinished.is_empty(), "unfinished captures: {unfinished:?}");
    captures
}

fn verbs(captures: &[Captured]) -> Vec<String> {
    captures
        .iter()
        .map(|c| c.env_var("CNI_COMMAND").unwrap_or("?").to_string())
        .collect()
}

/// The host end of the pod's veth pair: the interface of the ADD's result
/// outside the pod's namespace that is not the bridge.
fn host_veth(add: &Captured) -> String {
    let stdout = add.stdout.to_vec().expect("ADD's stdout");
    let result: Value = serde_json::from_slice(&stdout).expect("ADD printed JSON");
    result["interfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i.get("sandbox").is_none())
        .filter_map(|i| i["name"].as_str())
        .find(|n| *n != BRIDGE)
        .unwrap_or_else(|| panic!("no host veth in ADD's result {result}"))
        .to_string()
}

/// The run's processes: those whose command line names containerd's
/// directory (the daemon, the shims) and the sandbox's `busybox sleep`.
fn processes_of_the_run() -> Vec<String> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(daemon::BASE) || cmd.contains("busybox sleep 3600") {
            out.push(format!("{name}: {cmd}"));
        }
    }
    out
}

#[test]
fn containerd_cri_sends_what_the_containerd_persona_sends() {
    // Starting containerd, runc and the plugins (in the host's network
    // namespace) takes root: skipped with that line otherwise, failed in CI.
    if !cni_harness::testing::require_root(
        "the containerd CRI test (containerd, runc and a bridge on the host)",
    ) {
        return;
    }
    let bridge_plugin = common::workspace_plugin("cni-ref-bridge");
    let ipam_plugin = common::workspace_plugin("cni-ref-ipam");
    let run_containerd_before = Path::new("/run/containerd").exists();
    let run_shims_before = Path::new(daemon::SHIM_SOCKETS).exists();
    let net_guard = NetworkGuard::new();
    let mut d = Containerd::prepare();
    let before = host::snapshot();

    let subnet = host::free_subnet(&SUBNETS, &before)
        .unwrap_or_else(|| panic!("every candidate subnet of {SUBNETS:?} overlaps a host route"));
    let gateway = match subnet.network().addr() {
        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) + 1)),
        v6 => v6,
    };
    let captured = d.base.join("captures");
    common::install_shim(&bridge_plugin, &d.cni_bin.join("cni-ref-bridge"), &captured);
    std::os::unix::fs::symlink(&ipam_plugin, d.cni_bin.join("cni-ref-ipam")).expect("ipam link");
    // containerd's CRI brings the pod's `lo` up through a CNI network of
    // its own (go-cni `WithLoNetwork`: `cni-loopback`, plugin `loopback`)
    // before the configured one; Debian's `loopback` plays it, uncaptured.
    std::os::unix::fs::symlink(
        common::debian_cni_dir().join("loopback"),
        d.cni_bin.join("loopback"),
    )
    .expect("loopback link");
    std::fs::write(
        d.cni_conf.join(format!("10-{NETWORK}.conflist")),
        serde_json::to_vec_pretty(&conflist(&subnet.to_string(), gateway)).expect("json"),
    )
    .expect("write conflist");
    let image = d.base.join("sandbox-image.tar");
    containerd::image::write(&image);

    let began = Instant::now();
    d.start();
    let mut client = cri::Client::connect(&d.socket).unwrap_or_else(|e| panic!("{e}"));
    let version = client
        .version_when_ready(daemon::START_LIMIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", d.log()));
    eprintln!(
        "CRI: {} {} (API {})",
        version.runtime_name, version.runtime_version, version.runtime_api_version
    );
    assert_eq!(version.runtime_name, "containerd");
    let started = began.elapsed();
    d.ctr(&["images", "import", &image.display().to_string()]);

    let run_began = Instant::now();
    let id = client
        .run_pod_sandbox(pod(&d.log_dir))
        .unwrap_or_else(|e| panic!("[ADD-1] RunPodSandbox: {e}\n{}", d.log()));
    let run_took = run_began.elapsed();
    let during = captures(&captured);
    assert_eq!(verbs(&during), ["ADD"], "RunPodSandbox's invocations");
    let add = &during[0];
    assert_eq!(add.env_var("CNI_CONTAINERID"), Some(id.as_str()));
    assert!(add.exit.success(), "ADD failed: {add:?}");
    let host_veth = host_veth(add);
    let netns_path = PathBuf::from(add.env_var("CNI_NETNS").unwrap_or_default());
    assert!(
        netns_path.starts_with(d.base.join("state")),
        "containerd's namespace {} is not under its state directory",
        netns_path.display()
    );

    // The pod's network works: the gateway answers from its namespace.
    {
        let ns = Netns::open(&netns_path).expect("the pod's namespace");
        let r = dataplane::echo(
            &Endpoint {
                name: "pod",
                ns: &ns,
            },
            gateway,
            &Echo::ANSWER,
        )
        .expect("probe");
        assert!(
            r.answered(),
            "[ADD-1] the pod cannot reach its gateway: {r}"
        );
        eprintln!("pod -> gateway: {r}");
    }

    let teardown_began = Instant::now();
    client
        .stop_pod_sandbox(&id)
        .unwrap_or_else(|e| panic!("[DEL-1] StopPodSandbox: {e}\n{}", d.log()));
    client
        .remove_pod_sandbox(&id)
        .unwrap_or_else(|e| panic!("RemovePodSandbox: {e}\n{}", d.log()));
    let teardown_took = teardown_began.elapsed();
    eprintln!(
        "containerd up and serving CRI {started:?}, RunPodSandbox {run_took:?}, \
         StopPodSandbox + RemovePodSandbox {teardown_took:?}"
    );
    let all = captures(&captured);
    let verbs = verbs(&all);
    eprintln!("containerd's invocations: {verbs:?}");
    // Besides the `CNI_*` variables (which the persona comparison below
    // checks), libcni passes the runtime's own environment: the one
    // containerd inherited from this test, nothing else.
    let ours: Vec<String> = std::env::vars_os()
        .map(|(k, _)| k.to_string_lossy().to_string())
        .collect();
    for c in &all {
        let extra: Vec<&str> = c
            .env
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !k.starts_with("CNI_") && !ours.iter().any(|o| o == k))
            .collect();
        assert!(extra.is_empty(), "variables containerd added: {extra:?}");
    }
    // StopPodSandbox tears the network down; RemovePodSandbox stops the
    // sandbox again, and with it sends a second DEL: the namespace gone
    // (CNI_NETNS empty), libcni's cache too (no prevResult). The persona
    // says so (`repeats_del`).
    assert_eq!(
        verbs,
        ["ADD", "DEL", "DEL"],
        "StopPodSandbox, RemovePodSandbox"
    );
    assert!(RuntimeKind::Containerd.persona().repeats_del);
    let first_del: Value =
        serde_json::from_slice(&all[1].stdin.to_vec().expect("stdin")).expect("json");
    let again: Value =
        serde_json::from_slice(&all[2].stdin.to_vec().expect("stdin")).expect("json");
    assert_eq!(
        all[1].env_var("CNI_NETNS"),
        Some(netns_path.to_str().unwrap_or_default())
    );
    assert!(
        first_del.get("prevResult").is_some(),
        "the first DEL has the cached result"
    );
    assert_eq!(
        all[2].env_var("CNI_NETNS"),
        Some(""),
        "the second DEL's namespace"
    );
    assert!(
        again.get("prevResult").is_none(),
        "the second DEL has no cached result"
    );
    assert!(
        all.iter().all(|c| c.exit.success()),
        "a plugin call failed: {all:#?}"
    );
    assert!(
        !netns_path.exists(),
        "containerd left {}",
        netns_path.display()
    );

    // Issue 21: field by field, containerd's invocations are the persona's.
    let differences = common::persona_differences(RuntimeKind::Containerd, &all, &requested());
    let unexplained: Vec<&String> = differences
        .iter()
        .filter(|d| !d.ends_with(CONTAINERD_1_6))
        .collect();
    assert!(
        unexplained.is_empty(),
        "containerd's invocations differ from the containerd persona: {differences:#?}"
    );
    assert_eq!(
        differences.len(),
        3,
        "containerd 1.6 lacks cgroupPath on ADD and both DELs: {differences:#?}"
    );

    // What containerd itself leaves once stopped: nothing running,
    // nothing mounted, no shim socket, no sandbox cgroup (the cgroup parent
    // is kubelet's to manage, as here the test's), no namespace.
    drop(client);
    d.stop();
    let left = processes_of_the_run();
    assert!(left.is_empty(), "processes of the run left: {left:?}");
    let mounts = host::mounts_below(Path::new(daemon::BASE));
    assert!(mounts.is_empty(), "containerd left mounts: {mounts:?}");
    let sockets: Vec<String> = std::fs::read_dir(daemon::SHIM_SOCKETS)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path().display().to_string())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        run_shims_before || sockets.is_empty(),
        "shim sockets left: {sockets:?}"
    );
    let sandbox_cgroups: Vec<PathBuf> = daemon::cgroup_dirs()
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .map(|e| e.path())
        .collect();
    assert!(
        sandbox_cgroups.is_empty(),
        "sandbox cgroups left: {sandbox_cgroups:?}"
    );

    // The test's own clean-up (containerd's directory, the cgroup parent,
    // the bridge, the IPAM directory), then the host is as before.
    drop(d);
    drop(net_guard);
    assert!(!Path::new(daemon::BASE).exists());
    let cgroups = daemon::cgroup_dirs();
    assert!(cgroups.is_empty(), "cgroups left: {cgroups:?}");
    if !run_containerd_before {
        assert!(
            !Path::new("/run/containerd").exists(),
            "/run/containerd left"
        );
    }
    let last = host::snapshot();
    let prefix = subnet.to_string();
    let prefix = &prefix[..prefix.rfind('.').unwrap_or(0)];
    let ours: Vec<String> = kernel::diff_sandbox(&before, &last)
        .iter()
        .map(ToString::to_string)
        .filter(|t| {
            t.contains(BRIDGE)
                || t.contains(NETWORK)
                || t.contains(prefix)
                || t.contains(&host_veth)
        })
        .collect();
    assert!(
        ours.is_empty(),
        "the run left on the host:\n{}",
        ours.join("\n")
    );
}
