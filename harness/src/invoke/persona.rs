//! Runtime personas: what each real container runtime sends a plugin, so a
//! plugin can be judged the way the runtime its users run drives it.
//!
//! Each persona is read from that runtime's code (see
//! `docs/runtime-personas.md` for the files and versions): the `CNI_ARGS`
//! keys and the shape of their values, the capability arguments it always
//! fills, which verbs it ever sends, when it probes VERSION, how DEL gets its
//! `prevResult`, and its timeout. Every runtime here drives plugins through
//! libcni, so the environment style, stdin encoding and result cache are
//! libcni's for all of them; what differs is listed in [`Persona`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::env::CniArgs;
use crate::spec::Verb;

/// Which runtime the harness plays.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum RuntimeKind {
    /// libcni driven directly with nothing but the configuration (the
    /// harness's behaviour before personas): every verb its version has,
    /// empty `CNI_ARGS`.
    #[default]
    #[serde(rename = "libcni")]
    Libcni,
    /// containerd's CRI plugin through go-cni.
    #[serde(rename = "containerd")]
    Containerd,
    /// CRI-O through ocicni.
    #[serde(rename = "cri-o")]
    CriO,
    /// podman's CNI backend (containers/common libnetwork/cni).
    #[serde(rename = "podman")]
    Podman,
    /// cnitool, libcni's command-line runtime.
    #[serde(rename = "cnitool")]
    Cnitool,
}

impl RuntimeKind {
    pub const ALL: [RuntimeKind; 5] = [
        RuntimeKind::Libcni,
        RuntimeKind::Containerd,
        RuntimeKind::CriO,
        RuntimeKind::Podman,
        RuntimeKind::Cnitool,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeKind::Libcni => "libcni",
            RuntimeKind::Containerd => "containerd",
            RuntimeKind::CriO => "cri-o",
            RuntimeKind::Podman => "podman",
            RuntimeKind::Cnitool => "cnitool",
        }
    }

    pub fn persona(self) -> Persona {
        Persona::of(self)
    }
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RuntimeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuntimeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown runtime {s:?} (one of: {})",
                    RuntimeKind::ALL.map(RuntimeKind::as_str).join(", ")
                )
            })
    }
}

/// How the value of one `CNI_ARGS` key is made for a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgValue {
    /// A fixed text (`IgnoreUnknown=1`).
    Fixed(&'static str),
    /// The pod's namespace (`default` here).
    PodNamespace,
    /// The pod's name (CRI), the container's name (podman): a DNS label
    /// unique per container.
    PodName,
    /// The sandbox (infra container) ID: `CNI_CONTAINERID` itself.
    ContainerId,
    /// The pod's UID, a UUID.
    PodUid,
}

/// When a runtime sends a verb beyond ADD and DEL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sends {
    /// Never.
    Never,
    /// Whenever the configuration's version has the verb; `when` says on
    /// what occasion.
    IfVersionHasIt { when: &'static str },
}

/// When a runtime probes the plugins with VERSION.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probes {
    /// Never.
    Never,
    /// When it loads the network configuration, which it does for every
    /// operation (podman: each command loads and validates the networks,
    /// so a VERSION of every plugin type, not the IPAM types, precedes the
    /// command's ADD or DEL; one command tearing down several containers
    /// probes once).
    BeforeEachOperation,
    /// When its configuration directory changes (not per operation).
    OnConfigLoad,
}

/// What the DEL of an attachment is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelInputs {
    /// The runtime rebuilds `CNI_ARGS` and capabilities as for ADD; libcni
    /// adds the cached ADD result, re-encoded to the configuration's
    /// version, as `prevResult` (0.4.0+).
    Rebuilt,
    /// The configuration and runtime arguments cached at ADD (libcni's
    /// `GetNetworkListCachedConfig`), plus the cached result as above.
    CachedAtAdd,
}

/// How long the runtime lets a plugin run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// No deadline of its own (libcni's exec has none).
    None,
    /// The deadline of the CRI request that caused the call (kubelet's
    /// `--runtime-request-timeout`, 2 minutes by default).
    CriRequest,
}

/// The capability arguments a runtime fills for every pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capabilities {
    /// Only what the user or the pod asks for.
    OnlyRequested,
    /// What kubelet's pod spec always carries: the pod annotations, the
    /// cgroup parent, and (containerd) the pod's DNS configuration.
    KubeletPod { dns: bool },
}

/// Everything about a runtime that a plugin can observe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persona {
    pub kind: RuntimeKind,
    /// `CNI_ARGS` keys in the order the runtime puts them.
    pub args: &'static [(&'static str, ArgValue)],
    /// The runtime passes the `CNI_ARGS` of its own environment through,
    /// after its keys (CRI-O, podman).
    pub passes_env_args: bool,
    /// Capability arguments it fills for every pod, with a value of the
    /// runtime's shape (others only when the pod asks: port mappings,
    /// bandwidth, aliases... those come from the profile).
    pub capabilities: Capabilities,
    pub check: Sends,
    pub status: Sends,
    pub gc: Sends,
    pub version_probes: Probes,
    pub del: DelInputs,
    /// Tearing a pod down sends DEL more than once: containerd's CRI
    /// `RemovePodSandbox` stops the sandbox again, so kubelet's stop then
    /// remove make a second DEL, with `CNI_NETNS` empty (the namespace is
    /// gone) and no `prevResult` (libcni's cache went with the first DEL).
    /// The suite's `del/netns-empty` and repeated-DEL cases send that DEL.
    pub repeats_del: bool,
    pub timeout: Timeout,
}

/// The pod namespace every persona's pods live in.
pub const POD_NAMESPACE: &str = "default";

const K8S_ARGS: &[(&str, ArgValue)] = &[
    ("IgnoreUnknown", ArgValue::Fixed("1")),
    ("K8S_POD_NAMESPACE", ArgValue::PodNamespace),
    ("K8S_POD_NAME", ArgValue::PodName),
    ("K8S_POD_INFRA_CONTAINER_ID", ArgValue::ContainerId),
    ("K8S_POD_UID", ArgValue::PodUid),
];

/// A pod UID of the run (the same for each container: capability values
/// are the run's, see [`Persona::capabilities`]).
const RUN_POD_UID: &str = "00000000-0000-4000-8000-c0ffee000000";

/// What kubelet gives every pod: its annotations (none here), its cgroup
/// parent (cgroupfs driver, BestEffort class) and ClusterFirst DNS (only
/// containerd passes it on, as go-cni's `DNS` struct, whose fields have no
/// JSON tags: the keys are Go's field names, `Servers`, `Searches`, `Options`).
fn cri_capabilities(dns: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(POD_ANNOTATIONS.into(), json!({}));
    m.insert(
        "cgroupPath".into(),
        json!(format!("/kubepods/besteffort/pod{RUN_POD_UID}")),
    );
    if dns {
        m.insert(
            "dns".into(),
            json!({
                "Servers": ["10.96.0.10"],
                "Searches": ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
                "Options": ["ndots:5"]
            }),
        );
    }
    m
}

impl Persona {
    pub fn of(kind: RuntimeKind) -> Persona {
        let if_version = |when| Sends::IfVersionHasIt { when };
        match kind {
            RuntimeKind::Libcni => Persona {
                kind,
                args: &[],
                passes_env_args: false,
                capabilities: Capabilities::OnlyRequested,
                check: if_version("the suite's CHECK cases"),
                status: if_version("the suite's STATUS cases"),
                gc: if_version("the suite's GC cases"),
                version_probes: Probes::OnConfigLoad,
                del: DelInputs::Rebuilt,
                repeats_del: false,
                timeout: Timeout::None,
            },
            RuntimeKind::Containerd => Persona {
                kind,
                // go-cni copies a Go map: the order varies from call to call.
                args: K8S_ARGS,
                passes_env_args: false,
                capabilities: Capabilities::KubeletPod { dns: true },
                check: Sends::Never,
                status: if_version("each CRI Status call (kubelet polls it)"),
                gc: Sends::Never,
                version_probes: Probes::Never,
                del: DelInputs::Rebuilt,
                repeats_del: true,
                timeout: Timeout::CriRequest,
            },
            RuntimeKind::CriO => Persona {
                kind,
                args: K8S_ARGS,
                passes_env_args: true,
                capabilities: Capabilities::KubeletPod { dns: false },
                check: if_version("pod network status (GetPodNetworkStatus)"),
                status: if_version("each CRI Status call"),
                gc: if_version("network GC with the valid pods"),
                version_probes: Probes::OnConfigLoad,
                del: DelInputs::Rebuilt,
                repeats_del: false,
                timeout: Timeout::CriRequest,
            },
            RuntimeKind::Podman => Persona {
                kind,
                args: &[
                    ("IgnoreUnknown", ArgValue::Fixed("1")),
                    ("K8S_POD_NAME", ArgValue::PodName),
                ],
                passes_env_args: true,
                capabilities: Capabilities::OnlyRequested,
                check: Sends::Never,
                status: Sends::Never,
                gc: Sends::Never,
                version_probes: Probes::BeforeEachOperation,
                del: DelInputs::CachedAtAdd,
                repeats_del: false,
                timeout: Timeout::None,
            },
            RuntimeKind::Cnitool => Persona {
                kind,
                args: &[],
                passes_env_args: false,
                capabilities: Capabilities::OnlyRequested,
                check: if_version("`cnitool check`"),
                status: if_version("`cnitool status`"),
                gc: if_version("`cnitool gc`"),
                version_probes: Probes::Never,
                del: DelInputs::Rebuilt,
                repeats_del: false,
                timeout: Timeout::None,
            },
        }
    }

    /// Whether (and why not) this runtime ever sends `verb`: `Err` says why
    /// not, for a skip reason.
    pub fn sends(&self, verb: Verb) -> Result<(), String> {
        let rule = match verb {
            Verb::Check => self.check,
            Verb::Status => self.status,
            Verb::Gc => self.gc,
            Verb::Version if self.version_probes == Probes::Never => Sends::Never,
            _ => return Ok(()),
        };
        match rule {
            Sends::Never => Err(format!("{} never sends {verb}", self.kind)),
            Sends::IfVersionHasIt { .. } => Ok(()),
        }
    }

    /// The `CNI_ARGS` this runtime sends for a container.
    pub fn cni_args(&self, container_id: &str) -> CniArgs {
        CniArgs(
            self.args
                .iter()
                .map(|(k, how)| (k.to_string(), value_of(*how, container_id)))
                .collect(),
        )
    }

    /// A container ID of the runtime's shape, derived from `seed` (for
    /// `exec`; the suite keeps its own readable IDs, see the docs): 64 hex
    /// digits for the CRI runtimes and podman, `cnitool-` and 20 hex digits
    /// (its hash of the netns path) for cnitool, `seed` itself for libcni.
    pub fn container_id(&self, seed: &str) -> String {
        let hex = |n: usize| {
            let mut out = String::new();
            let mut i = 0u32;
            while out.len() < n {
                out.push_str(&pod_uid(&format!("{seed}/{i}")).replace('-', ""));
                i += 1;
            }
            out.truncate(n);
            out
        };
        match self.kind {
            RuntimeKind::Libcni => seed.to_string(),
            RuntimeKind::Cnitool => format!("cnitool-{}", hex(20)),
            _ => hex(64),
        }
    }

    /// The capability arguments it fills for every pod of the run.
    pub fn capability_args(&self) -> Map<String, Value> {
        match self.capabilities {
            Capabilities::OnlyRequested => Map::new(),
            Capabilities::KubeletPod { dns } => cri_capabilities(dns),
        }
    }

    /// A capability argument the run asks for (`--capability-args`, a
    /// profile's `needs.capabilityArgs`, written as the CNI conventions
    /// spell it) as this runtime renders it. containerd passes go-cni's Go
    /// structs, whose fields have no JSON tags: `portMappings` entries
    /// become `{HostPort, ContainerPort, Protocol, HostIP}` (all four,
    /// protocol lower-case, `tcp` by default), `bandwidth`
    /// `{IngressRate, IngressBurst, EgressRate, EgressBurst}` (all four),
    /// `dns` `{Servers, Searches, Options}`. Every other runtime and
    /// capability: the value as given.
    pub fn render_requested(&self, capability: &str, value: &Value) -> Value {
        if self.kind != RuntimeKind::Containerd {
            return value.clone();
        }
        // (conventions key, go-cni field)
        const PORT: &[(&str, &str)] = &[
            ("hostPort", "HostPort"),
            ("containerPort", "ContainerPort"),
            ("protocol", "Protocol"),
            ("hostIP", "HostIP"),
        ];
        let go_struct = |v: &Value, fields: &[(&str, &str)], absent: &dyn Fn(&str) -> Value| {
            let Some(m) = v.as_object() else {
                return v.clone();
            };
            let mut out = Map::new();
            for (key, field) in fields {
                let got = m.get(*key).cloned().unwrap_or_else(|| absent(field));
                let got = match (*field, got) {
                    ("Protocol", Value::String(p)) => Value::String(p.to_lowercase()),
                    (_, g) => g,
                };
                out.insert(field.to_string(), got);
            }
            Value::Object(out)
        };
        match capability {
            "portMappings" => {
                let absent = |field: &str| match field {
                    "Protocol" => json!("tcp"),
                    "HostIP" => json!(""),
                    _ => json!(0),
                };
                match value.as_array() {
                    Some(items) => {
                        Value::Array(items.iter().map(|i| go_struct(i, PORT, &absent)).collect())
                    }
                    None => value.clone(),
                }
            }
            "bandwidth" => go_struct(
                value,
                &[
                    ("ingressRate", "IngressRate"),
                    ("ingressBurst", "IngressBurst"),
                    ("egressRate", "EgressRate"),
                    ("egressBurst", "EgressBurst"),
                ],
                &|_| json!(0),
            ),
            "dns" => go_struct(
                value,
                &[
                    ("servers", "Servers"),
                    ("searches", "Searches"),
                    ("options", "Options"),
                ],
                &|_| Value::Null,
            ),
            _ => value.clone(),
        }
    }

    /// One line: what it sends that the configuration does not say.
    pub fn describe(&self) -> String {
        let keys: Vec<&str> = self.args.iter().map(|(k, _)| *k).collect();
        let caps: Vec<String> = self.capability_args().keys().cloned().collect();
        let never: Vec<String> = [Verb::Check, Verb::Status, Verb::Gc]
            .into_iter()
            .filter(|v| self.sends(*v).is_err())
            .map(|v| v.to_string())
            .collect();
        format!(
            "{}: CNI_ARGS keys [{}], capabilities [{}], never sends [{}], VERSION probes {}",
            self.kind,
            keys.join(", "),
            caps.join(", "),
            never.join(", "),
            match self.version_probes {
                Probes::Never => "never",
                Probes::BeforeEachOperation => "before each ADD and DEL",
                Probes::OnConfigLoad => "when the configuration is loaded",
            }
        )
    }
}

/// One invocation a real runtime made, as a capture recorded it.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    pub env: &'a [(String, String)],
    pub stdin: &'a [u8],
}

impl Observed<'_> {
    fn var(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl Persona {
    /// Where a real runtime's invocations (in the order it made them)
    /// differ from this persona, field by field: verbs it never sends, the
    /// `CNI_*` variables set, its
    /// `CNI_ARGS` keys, their order and value shapes, the container ID
    /// shape, the capabilities it fills, its VERSION probes. Empty: they match.
    pub fn differences(&self, calls: &[Observed<'_>]) -> Vec<String> {
        self.differences_with(calls, &Map::new())
    }

    /// [`Persona::differences`] of a run that asked for the capability
    /// arguments `requested` (what `--capability-args` stands for: a pod's
    /// port mappings, say): those may be in `runtimeConfig` too, their
    /// values being the runtime's rendering of the request.
    pub fn differences_with(
        &self,
        calls: &[Observed<'_>],
        requested: &Map<String, Value>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        // Counted, not paired: a runtime working on two containers at
        // once interleaves its probes with the other's operations.
        let (mut probes, mut operations) = (0, 0);
        for (i, call) in calls.iter().enumerate() {
            let verb: Option<Verb> = call
                .var("CNI_COMMAND")
                .and_then(|c| serde_json::from_value(Value::String(c.to_string())).ok());
            let Some(verb) = verb else {
                out.push(format!(
                    "call {i}: CNI_COMMAND {:?}",
                    call.var("CNI_COMMAND")
                ));
                continue;
            };
            let at = format!("call {i} ({verb})");
            if let Err(why) = self.sends(verb) {
                out.push(format!("{at}: sent, but the persona says {why}"));
            }
            match verb {
                Verb::Version => probes += 1,
                Verb::Add | Verb::Del => operations += 1,
                _ => {}
            }
            if matches!(verb, Verb::Add | Verb::Del | Verb::Check) {
                // libcni sets all six, empty where unused, under every persona.
                let mut cni: Vec<&str> = call
                    .env
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .filter(|k| k.starts_with("CNI_"))
                    .collect();
                cni.sort_unstable();
                if cni != LIBCNI_VARS {
                    out.push(format!(
                        "{at}: CNI_* variables {cni:?}, the persona sends {LIBCNI_VARS:?}"
                    ));
                }
                out.extend(
                    self.args_differences(call)
                        .into_iter()
                        .map(|d| format!("{at}: {d}")),
                );
                out.extend(
                    self.capability_differences(call, requested)
                        .into_iter()
                        .map(|d| format!("{at}: {d}")),
                );
            }
        }
        // A podman command probes once when it loads the networks; one
        // command may tear down several containers (`rm -f a b`, or a
        // cleanup process racing the `rm`), so there may be fewer probes
        // than operations, but never an operation before the first probe.
        let first_op = calls
            .iter()
            .position(|c| matches!(c.var("CNI_COMMAND"), Some("ADD") | Some("DEL")));
        let first_probe = calls
            .iter()
            .position(|c| c.var("CNI_COMMAND") == Some("VERSION"));
        if self.version_probes == Probes::BeforeEachOperation
            && operations > 0
            && (probes == 0 || first_probe > first_op)
        {
            out.push(format!(
                "{probes} VERSION probes for {operations} ADD and DEL operations, the first operation unprobed"
            ));
        }
        out
    }

    /// `CNI_ARGS` keys (in order, except containerd's, whose Go map has
    /// none), fixed values, values tied to the container ID, shapes.
    fn args_differences(&self, call: &Observed<'_>) -> Vec<String> {
        let mut out = Vec::new();
        let id = call.var("CNI_CONTAINERID").unwrap_or_default();
        let expected_id = self.container_id("x");
        let id_shape_ok = match self.kind {
            RuntimeKind::Libcni => true,
            RuntimeKind::Cnitool => id.len() == expected_id.len() && id.starts_with("cnitool-"),
            _ => id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()),
        };
        if !id_shape_ok {
            out.push(format!(
                "CNI_CONTAINERID {id:?} is not of the shape {expected_id:?}"
            ));
        }
        let got = match CniArgs::parse(call.var("CNI_ARGS").unwrap_or_default()) {
            Ok(a) => a,
            Err(e) => return vec![format!("CNI_ARGS: {e}")],
        };
        let got_keys: Vec<&str> = got.0.iter().map(|(k, _)| k.as_str()).collect();
        let want_keys: Vec<&str> = self.args.iter().map(|(k, _)| *k).collect();
        let same = if self.kind == RuntimeKind::Containerd {
            let mut a = got_keys.clone();
            let mut b = want_keys.clone();
            a.sort_unstable();
            b.sort_unstable();
            a == b
        } else {
            got_keys == want_keys
        };
        if !same {
            out.push(format!("CNI_ARGS keys {got_keys:?}, persona {want_keys:?}"));
        }
        for (key, how) in self.args {
            let Some(v) = got.get(key) else { continue };
            let ok = match how {
                ArgValue::Fixed(f) => v == *f,
                ArgValue::ContainerId => v == id,
                ArgValue::PodNamespace => !v.is_empty(),
                ArgValue::PodName => {
                    !v.is_empty()
                        && v.len() <= 253
                        && v.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
                }
                ArgValue::PodUid => v.len() == 36 && v.chars().filter(|c| *c == '-').count() == 4,
            };
            if !ok {
                out.push(format!(
                    "CNI_ARGS {key}={v:?} is not of the persona's shape ({how:?})"
                ));
            }
        }
        out
    }

    /// Every capability the plugin declares and the persona always fills
    /// must be in `runtimeConfig`, with a value of the persona's shape (the
    /// same JSON kinds and object keys; the pod annotations are the pod's
    /// own, so only an object); nothing else may be there but what the run
    /// asked for (`requested`).
    fn capability_differences(
        &self,
        call: &Observed<'_>,
        requested: &Map<String, Value>,
    ) -> Vec<String> {
        let Ok(stdin) = serde_json::from_slice::<Value>(call.stdin) else {
            return vec!["stdin is not JSON".into()];
        };
        let sent: Vec<String> = stdin
            .get("runtimeConfig")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let declared: Vec<String> = stdin
            .get("capabilities")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, on)| on.as_bool() == Some(true))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        let fills = self.capability_args();
        let rendered: Map<String, Value> = requested
            .iter()
            .map(|(k, v)| (k.clone(), self.render_requested(k, v)))
            .collect();
        let mut out = Vec::new();
        for cap in declared.iter().filter(|c| fills.contains_key(*c)) {
            if !sent.contains(cap) {
                out.push(format!(
                    "runtimeConfig lacks {cap}, which the persona fills"
                ));
            }
        }
        for cap in sent.iter().filter(|c| !fills.contains_key(*c)) {
            if !requested.contains_key(cap) {
                out.push(format!(
                    "runtimeConfig has {cap}, which the persona does not fill"
                ));
            }
        }
        let runtime_config = stdin.get("runtimeConfig");
        for (cap, want) in fills.iter().chain(&rendered) {
            let Some(got) = runtime_config.and_then(|r| r.get(cap)) else {
                continue;
            };
            let want_shape = if cap == POD_ANNOTATIONS {
                Shape::of(&json!({}))
            } else {
                Shape::of(want)
            };
            let got_shape = if cap == POD_ANNOTATIONS {
                Shape::of(&got.as_object().map(|_| json!({})).unwrap_or(got.clone()))
            } else {
                Shape::of(got)
            };
            if got_shape != want_shape {
                out.push(format!(
                    "runtimeConfig {cap} is {got}, of another shape than the persona's {want}"
                ));
            }
        }
        out
    }
}

/// The `CNI_*` variables libcni sets on ADD, CHECK and DEL (sorted).
const LIBCNI_VARS: [&str; 6] = [
    "CNI_ARGS",
    "CNI_COMMAND",
    "CNI_CONTAINERID",
    "CNI_IFNAME",
    "CNI_NETNS",
    "CNI_PATH",
];

/// The capability under which the CRI runtimes pass a pod's annotations.
const POD_ANNOTATIONS: &str = "io.kubernetes.cri.pod-annotations";

/// A JSON value's shape: its kind, an object's keys (each with its value's
/// shape), an array's element shapes (deduplicated).
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Null,
    Bool,
    Number,
    String,
    Array(Vec<Shape>),
    Object(Vec<(String, Shape)>),
}

impl Shape {
    fn of(v: &Value) -> Shape {
        match v {
            Value::Null => Shape::Null,
            Value::Bool(_) => Shape::Bool,
            Value::Number(_) => Shape::Number,
            Value::String(_) => Shape::String,
            Value::Array(items) => {
                let mut shapes: Vec<Shape> = Vec::new();
                for s in items.iter().map(Shape::of) {
                    if !shapes.contains(&s) {
                        shapes.push(s);
                    }
                }
                Shape::Array(shapes)
            }
            Value::Object(m) => {
                let mut keys: Vec<(String, Shape)> =
                    m.iter().map(|(k, v)| (k.clone(), Shape::of(v))).collect();
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                Shape::Object(keys)
            }
        }
    }
}

/// The value of a `CNI_ARGS` key for `container_id`, in the runtime's shape.
fn value_of(how: ArgValue, container_id: &str) -> String {
    match how {
        ArgValue::Fixed(v) => v.to_string(),
        ArgValue::PodNamespace => POD_NAMESPACE.to_string(),
        ArgValue::PodName => pod_name(container_id),
        ArgValue::ContainerId => container_id.to_string(),
        ArgValue::PodUid => pod_uid(container_id),
    }
}

/// A DNS label (what Kubernetes pod names and podman container names
/// resolve as) unique per container: the ID's alphanumerics, lowercased.
pub fn pod_name(container_id: &str) -> String {
    // A runtime's own 64-hex ID gives its short form, as podman shows it.
    let long_hex = container_id.len() >= 32 && container_id.chars().all(|c| c.is_ascii_hexdigit());
    let container_id = if long_hex {
        &container_id[..12]
    } else {
        container_id
    };
    let mut name: String = container_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    name = name.trim_matches('-').to_string();
    if name.is_empty() {
        "pod".into()
    } else {
        name
    }
}

/// A version-4-shaped UUID derived from the container ID (the same
/// container gets the same UID, so runs reproduce).
pub fn pod_uid(container_id: &str) -> String {
    // FNV-1a, twice with different seeds, for 128 bits.
    let fnv = |seed: u64| {
        container_id.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let (a, b) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in RuntimeKind::ALL {
            assert_eq!(k.as_str().parse::<RuntimeKind>(), Ok(k));
            let json = serde_json::to_string(&k).expect("serialises");
            assert_eq!(json, format!("\"{k}\""));
        }
        assert!("docker".parse::<RuntimeKind>().is_err());
    }

    #[test]
    fn cri_runtimes_send_the_k8s_keys_and_podman_only_the_pod_name() {
        let a = RuntimeKind::CriO.persona().cni_args("0123abcd");
        assert_eq!(a.get("IgnoreUnknown"), Some("1"));
        assert_eq!(a.get("K8S_POD_NAMESPACE"), Some("default"));
        assert_eq!(a.get("K8S_POD_INFRA_CONTAINER_ID"), Some("0123abcd"));
        let uid = a.get("K8S_POD_UID").expect("uid");
        assert_eq!(uid.len(), 36);
        assert_eq!(uid.matches('-').count(), 4);
        let p = RuntimeKind::Podman.persona().cni_args("cnih-ctr-1");
        assert_eq!(p.render(), "IgnoreUnknown=1;K8S_POD_NAME=cnih-ctr-1");
        assert!(RuntimeKind::Libcni.persona().cni_args("x").is_empty());
        assert!(RuntimeKind::Cnitool.persona().cni_args("x").is_empty());
    }

    #[test]
    fn verbs_a_runtime_never_sends_say_so() {
        let c = RuntimeKind::Containerd.persona();
        assert!(c.sends(Verb::Check).is_err());
        assert!(c.sends(Verb::Status).is_ok());
        assert!(c.sends(Verb::Gc).is_err());
        let p = RuntimeKind::Podman.persona();
        for v in [Verb::Check, Verb::Status, Verb::Gc] {
            assert_eq!(p.sends(v), Err(format!("podman never sends {v}")));
        }
        for v in [Verb::Check, Verb::Status, Verb::Gc] {
            assert!(RuntimeKind::CriO.persona().sends(v).is_ok());
            assert!(RuntimeKind::Libcni.persona().sends(v).is_ok());
        }
    }

    #[test]
    fn a_capture_of_another_runtime_differs_field_by_field() {
        let id = "a".repeat(64);
        let env = |args: &str, verb: &str| -> Vec<(String, String)> {
            vec![
                ("CNI_COMMAND".into(), verb.into()),
                ("CNI_CONTAINERID".into(), id.clone()),
                ("CNI_NETNS".into(), "/run/netns/x".into()),
                ("CNI_IFNAME".into(), "eth0".into()),
                ("CNI_PATH".into(), "/opt/cni/bin".into()),
                ("CNI_ARGS".into(), args.into()),
            ]
        };
        let version = env("", "VERSION");
        let podman_add = env("IgnoreUnknown=1;K8S_POD_NAME=web1", "ADD");
        let stdin = br#"{"cniVersion":"1.0.0","type":"x"}"#;
        let calls = [
            Observed {
                env: &version,
                stdin,
            },
            Observed {
                env: &podman_add,
                stdin,
            },
        ];
        let podman = RuntimeKind::Podman.persona();
        assert_eq!(podman.differences(&calls), Vec::<String>::new());
        // Without the probe, or judged as containerd, it no longer matches.
        assert_eq!(podman.differences(&calls[1..]).len(), 1);
        let d = RuntimeKind::Containerd.persona().differences(&calls);
        assert!(d.iter().any(|l| l.contains("CNI_ARGS keys")), "{d:?}");
    }

    #[test]
    fn containerd_renders_requested_capabilities_as_go_cni_structs() {
        let c = RuntimeKind::Containerd.persona();
        let ports = json!([{"hostPort": 8080, "containerPort": 80, "protocol": "TCP"}]);
        assert_eq!(
            c.render_requested("portMappings", &ports),
            json!([{"HostPort": 8080, "ContainerPort": 80, "Protocol": "tcp", "HostIP": ""}])
        );
        assert_eq!(
            c.render_requested("bandwidth", &json!({"ingressRate": 1000})),
            json!({"IngressRate": 1000, "IngressBurst": 0, "EgressRate": 0, "EgressBurst": 0})
        );
        assert_eq!(c.capability_args()["dns"]["Servers"], json!(["10.96.0.10"]));
        // Others pass what they are given.
        let p = RuntimeKind::CriO.persona();
        assert_eq!(p.render_requested("portMappings", &ports), ports);
        assert_eq!(c.render_requested("aliases", &ports), ports);
    }

    #[test]
    fn capability_values_of_another_shape_differ() {
        let id = "b".repeat(64);
        let mut env: Vec<(String, String)> = vec![
            ("CNI_COMMAND".into(), "ADD".into()),
            ("CNI_CONTAINERID".into(), id.clone()),
            ("CNI_NETNS".into(), "/run/netns/x".into()),
            ("CNI_IFNAME".into(), "eth0".into()),
            ("CNI_PATH".into(), "/opt/cni/bin".into()),
            (
                "CNI_ARGS".into(),
                format!(
                    "K8S_POD_NAME=web;IgnoreUnknown=1;K8S_POD_NAMESPACE=default;\
                     K8S_POD_INFRA_CONTAINER_ID={id};K8S_POD_UID=5bd7c1c4-3f6e-4d0b-9a55-c0ffee000021"
                ),
            ),
        ];
        let stdin = |dns: Value, ports: Value| {
            serde_json::to_vec(&json!({
                "cniVersion": "1.0.0", "type": "x",
                "capabilities": {"dns": true, "portMappings": true,
                                 "io.kubernetes.cri.pod-annotations": true},
                "runtimeConfig": {"dns": dns, "portMappings": ports,
                                  "io.kubernetes.cri.pod-annotations": {"a": "b"}}
            }))
            .expect("json")
        };
        let go_ports =
            json!([{"HostPort": 1, "ContainerPort": 2, "Protocol": "tcp", "HostIP": ""}]);
        let asked = json!([{"hostPort": 1, "containerPort": 2}]);
        let requested: Map<String, Value> =
            [("portMappings".to_string(), asked)].into_iter().collect();
        let c = RuntimeKind::Containerd.persona();
        let good = stdin(c.capability_args()["dns"].clone(), go_ports.clone());
        let calls = [Observed {
            env: &env,
            stdin: &good,
        }];
        assert_eq!(c.differences_with(&calls, &requested), Vec::<String>::new());
        // Not asked for: there, but the persona does not fill it.
        assert_eq!(c.differences(&calls).len(), 1);
        // The conventions' spelling is not what containerd sends.
        let lower = stdin(
            json!({"servers": ["10.96.0.10"], "searches": [], "options": []}),
            json!([{"hostPort": 1, "containerPort": 2, "protocol": "tcp", "hostIP": ""}]),
        );
        let calls = [Observed {
            env: &env,
            stdin: &lower,
        }];
        let d = c.differences_with(&calls, &requested);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|l| l.contains("of another shape")), "{d:?}");
        // libcni sets all six CNI_* variables.
        env.retain(|(k, _)| k != "CNI_PATH");
        let calls = [Observed {
            env: &env,
            stdin: &good,
        }];
        let d = c.differences_with(&calls, &requested);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("CNI_* variables"), "{d:?}");
    }

    #[test]
    fn pod_names_are_dns_labels() {
        assert_eq!(pod_name("cnih-ctr-0"), "cnih-ctr-0");
        assert_eq!(pod_name("A_B.c"), "a-b-c");
        assert_eq!(pod_name("..."), "pod");
        assert!(pod_name(&"x".repeat(100)).len() <= 63);
        assert_ne!(pod_uid("a"), pod_uid("b"));
        assert_eq!(pod_uid("a"), pod_uid("a"));
        let id = RuntimeKind::Containerd.persona().container_id("x");
        assert!(id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            RuntimeKind::Cnitool.persona().container_id("x").len(),
            "cnitool-".len() + 20
        );
    }
}
