//! Node fixtures: what a profile says the node looks like before a plugin
//! runs, for plugins that expect a prepared host (a bridge made by hand, a
//! file a node daemon wrote, a daemon listening on a socket). Parsed and
//! validated here; applied to each sandbox by `sandbox::node_fixture`.
//!
//! ```json
//! "node": {
//!   "links":   [{"name": "cni0", "kind": "bridge", "addresses": ["10.244.0.1/24"], "up": true},
//!               {"name": "eth1", "kind": "veth", "peer": "eth1-peer"}],
//!   "routes":  [{"dst": "10.96.0.0/12", "dev": "cni0"}],
//!   "sysctls": {"net.ipv4.ip_forward": "1"},
//!   "files":   [{"path": "/run/flannel/subnet.env", "contents": "FLANNEL_MTU=1450\n"}],
//!   "daemons": [{"name": "agent", "command": ["./agent", "/run/agent.sock"],
//!                "ready": {"socket": "/run/agent.sock"}, "timeoutMs": 5000}],
//!   "surroundings": {"parentLinkPeer": {"addresses": ["10.244.0.254/24"]}}
//! }
//! ```
//! `surroundings` says where the uplink, the stand-in for the network beyond
//! the node, is joined (see [`super::Surroundings`] and `sandbox::uplink`).
//! It is made on demand by the data-plane cases, unless the surroundings run
//! daemons of their own (a network's DHCP server, say): then it is made with
//! the other fixtures, before the node's daemons, and the daemons run in it
//! (same shape as the node's, in the sandbox's mount namespace and process
//! boundary, stopped with the sandbox):
//! ```json
//! "surroundings": {"parentLinkPeer": {"addresses": ["10.89.0.1/24"]},
//!                  "daemons": [{"name": "dhcp-server", "command": ["dnsmasq", "..."],
//!                               "ready": {"file": "/run/cni/dnsmasq.pid"}}]}
//! "surroundings": {"behindNode": {}, "daemons": [...]}
//! ```
//! `leases` (object form) names the file where such a server lists the
//! leases it holds, one line per lease naming its address (dnsmasq's
//! `--dhcp-leasefile`), under `/run/cni` or `/var/lib/cni` so the harness
//! reads it as the plugin's state: `check/keeps-server-lease` judges it.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::result::Cidr;

/// Everything a profile prepares on the node, in the order it is applied:
/// links (with their addresses), routes, sysctls, files, then daemons.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeFixtures {
    pub links: Vec<LinkFixture>,
    pub routes: Vec<RouteFixture>,
    /// Keys as `sysctl` writes them (`net.ipv4.ip_forward`).
    pub sysctls: BTreeMap<String, String>,
    pub files: Vec<FileFixture>,
    pub daemons: Vec<DaemonFixture>,
    /// Where the network beyond the node is (made on demand by the
    /// data-plane cases, or with the fixtures when it runs daemons).
    pub surroundings: super::Surroundings,
    /// Daemons of the surroundings, run in the uplink namespace (started
    /// before the node's daemons: the network is there before the node).
    pub uplink_daemons: Vec<DaemonFixture>,
    /// Where the surroundings' address server lists the leases it holds,
    /// one line per lease naming its address (`surroundings.leases`: a
    /// path under the sandbox's state directories, as the plugin sees it).
    pub uplink_leases: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkKind {
    Bridge,
    /// A veth pair standing for a physical NIC: `name` stays on the node,
    /// `peer` too (the far end a test may move elsewhere).
    Veth {
        peer: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinkFixture {
    pub name: String,
    pub kind: LinkKind,
    pub addresses: Vec<Cidr>,
    pub up: bool,
    pub mtu: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouteFixture {
    pub dst: Cidr,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFixture {
    /// Absolute path as the plugin sees it.
    pub path: PathBuf,
    pub contents: String,
    pub mode: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// A Unix socket appears at this path (and accepts a connection).
    Socket(PathBuf),
    /// A file appears at this path.
    File(PathBuf),
    /// This command exits 0 (run in the node, like the daemon).
    Command(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonFixture {
    pub name: String,
    /// Program and arguments; a program with a `/` is resolved against the
    /// profile's directory, a bare name against `PATH` when started.
    pub command: Vec<String>,
    pub ready: Readiness,
    pub timeout: Duration,
}

/// The `node` object of a profile file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NodeFile {
    #[serde(default)]
    links: Vec<LinkFile>,
    #[serde(default)]
    routes: Vec<RouteFile>,
    #[serde(default)]
    sysctls: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    files: Vec<FileFile>,
    #[serde(default)]
    daemons: Vec<DaemonFile>,
    /// A placement (`"behindNode"`, `{"parentLinkPeer": ...}`), or an
    /// object with a placement and `daemons` (read in [`surroundings`]).
    #[serde(default)]
    surroundings: Option<serde_json::Value>,
}

/// The object form of `node.surroundings`: at most one placement (behind
/// the node when none) and the daemons that run in the uplink.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SurroundingsObject {
    #[serde(default)]
    behind_node: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    parent_link_peer: Option<serde_json::Value>,
    #[serde(default)]
    daemons: Vec<DaemonFile>,
    #[serde(default)]
    leases: Option<String>,
}

/// What the object form of `node.surroundings` adds to a placement.
#[derive(Debug, Default)]
struct SurroundingsExtras {
    daemons: Vec<DaemonFile>,
    leases: Option<String>,
}

/// The placement, daemons and lease file `node.surroundings` describes.
fn surroundings(
    value: Option<serde_json::Value>,
) -> Result<(super::Surroundings, SurroundingsExtras), String> {
    use super::Surroundings;
    let at = "node.surroundings";
    let Some(value) = value else {
        return Ok((Surroundings::BehindNode, SurroundingsExtras::default()));
    };
    let is_object_form = value.as_object().is_some_and(|o| {
        ["daemons", "leases", "behindNode"]
            .iter()
            .any(|k| o.contains_key(*k))
    });
    if !is_object_form {
        let placement = Surroundings::deserialize(value).map_err(|e| format!("{at}: {e}"))?;
        return Ok((placement, SurroundingsExtras::default()));
    }
    let obj = SurroundingsObject::deserialize(value).map_err(|e| format!("{at}: {e}"))?;
    let placement = match (obj.behind_node, obj.parent_link_peer) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "{at}: `behindNode` and `parentLinkPeer` are two placements; name one"
            ))
        }
        (Some(extra), None) if !extra.is_empty() => {
            return Err(format!("{at}.behindNode: takes no settings (`{{}}`)"))
        }
        (_, None) => Surroundings::BehindNode,
        (None, Some(peer)) => {
            let mut one = serde_json::Map::new();
            one.insert("parentLinkPeer".into(), peer);
            Surroundings::deserialize(serde_json::Value::Object(one))
                .map_err(|e| format!("{at}.parentLinkPeer: {e}"))?
        }
    };
    let extras = SurroundingsExtras {
        daemons: obj.daemons,
        leases: obj.leases,
    };
    Ok((placement, extras))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LinkFile {
    name: String,
    kind: String,
    #[serde(default)]
    peer: Option<String>,
    #[serde(default)]
    addresses: Vec<String>,
    #[serde(default = "yes")]
    up: bool,
    #[serde(default)]
    mtu: Option<u32>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RouteFile {
    dst: String,
    #[serde(default)]
    via: Option<String>,
    #[serde(default)]
    dev: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FileFile {
    path: String,
    contents: String,
    /// Octal, as a string (`"0600"`).
    #[serde(default)]
    mode: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DaemonFile {
    name: String,
    command: Vec<String>,
    ready: ReadyFile,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReadyFile {
    #[serde(default)]
    socket: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    command: Option<Vec<String>>,
}

/// Daemons get this long to become ready unless the profile says otherwise.
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(10);
/// And never longer than this: a fixture must not stall a run.
const MAX_READY_TIMEOUT: Duration = Duration::from_secs(120);

/// Sysctl trees that are per network namespace, so writing them in the node
/// namespace cannot touch the real host. Anything else (`kernel.*`, `vm.*`,
/// most of `net.core.*`) is global and refused.
const NAMESPACED_SYSCTLS: [&str; 4] = ["net.ipv4.", "net.ipv6.", "net.netfilter.", "net.unix."];

/// Paths a file fixture may not write: kernel interfaces, not files.
const FORBIDDEN_ROOTS: [&str; 3] = ["/proc", "/sys", "/dev"];

impl NodeFile {
    /// Validate and resolve against the profile's directory; every error
    /// names the field (`node.links[0].name: ...`).
    pub(crate) fn resolve(self, profile_dir: &Path) -> Result<NodeFixtures, String> {
        let (placement, extras) = surroundings(self.surroundings)?;
        let uplink_leases = extras
            .leases
            .map(|p| {
                let at = "node.surroundings.leases";
                let path = check_abs_path(&p).map_err(|e| format!("{at}: {e}"))?;
                if !crate::sandbox::STATE_DIRS
                    .iter()
                    .any(|d| path.starts_with(d) && path != Path::new(d))
                {
                    return Err(format!(
                        "{at}: {p:?} is not a file under {} (the sandbox's own state directories)",
                        crate::sandbox::STATE_DIRS.join(", ")
                    ));
                }
                Ok(path)
            })
            .transpose()?;
        let mut out = NodeFixtures {
            surroundings: placement,
            uplink_daemons: resolve_daemons(
                extras.daemons,
                profile_dir,
                "node.surroundings.daemons",
            )?,
            uplink_leases,
            ..NodeFixtures::default()
        };
        for (i, l) in self.links.into_iter().enumerate() {
            let at = format!("node.links[{i}]");
            check_ifname(&l.name).map_err(|e| format!("{at}.name: {e}"))?;
            let kind = match (l.kind.as_str(), l.peer) {
                ("bridge", None) => LinkKind::Bridge,
                ("bridge", Some(_)) => {
                    return Err(format!("{at}.peer: only veth links have a peer"))
                }
                ("veth", Some(peer)) => {
                    check_ifname(&peer).map_err(|e| format!("{at}.peer: {e}"))?;
                    if peer == l.name {
                        return Err(format!("{at}.peer: same name as the link"));
                    }
                    LinkKind::Veth { peer }
                }
                ("veth", None) => return Err(format!("{at}.peer: a veth link needs a peer name")),
                (other, _) => {
                    return Err(format!(
                        "{at}.kind: {other:?} is not a fixture link kind (bridge, veth)"
                    ))
                }
            };
            let addresses = l
                .addresses
                .iter()
                .enumerate()
                .map(|(j, a)| {
                    a.parse::<Cidr>()
                        .map_err(|e| format!("{at}.addresses[{j}]: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(mtu) = l.mtu {
                if !(68..=65535).contains(&mtu) {
                    return Err(format!("{at}.mtu: {mtu} is outside 68..65535"));
                }
            }
            out.links.push(LinkFixture {
                name: l.name,
                kind,
                addresses,
                up: l.up,
                mtu: l.mtu,
            });
        }
        for (i, r) in self.routes.into_iter().enumerate() {
            let at = format!("node.routes[{i}]");
            let dst = r
                .dst
                .parse::<Cidr>()
                .map_err(|e| format!("{at}.dst: {e}"))?;
            let via = r
                .via
                .map(|v| {
                    v.parse::<IpAddr>()
                        .map_err(|_| format!("{at}.via: {v:?} is not an IP address"))
                })
                .transpose()?;
            if let Some(dev) = &r.dev {
                check_ifname(dev).map_err(|e| format!("{at}.dev: {e}"))?;
            }
            if via.is_none() && r.dev.is_none() {
                return Err(format!("{at}: a route needs `via` or `dev`"));
            }
            out.routes.push(RouteFixture {
                dst,
                via,
                dev: r.dev,
            });
        }
        for (key, value) in self.sysctls {
            let at = format!("node.sysctls.{key}");
            if !NAMESPACED_SYSCTLS.iter().any(|p| key.starts_with(p))
                || key.contains("..")
                || key.contains('/')
            {
                return Err(format!(
                    "{at}: only per-namespace sysctls ({}) can be set in the node",
                    NAMESPACED_SYSCTLS.join(", ")
                ));
            }
            let value = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                other => return Err(format!("{at}: {other} is not a string or a number")),
            };
            out.sysctls.insert(key, value);
        }
        for (i, f) in self.files.into_iter().enumerate() {
            let at = format!("node.files[{i}]");
            let path = check_abs_path(&f.path).map_err(|e| format!("{at}.path: {e}"))?;
            let mode = match f.mode {
                None => 0o644,
                Some(m) => u32::from_str_radix(m.trim_start_matches("0o"), 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .ok_or_else(|| format!("{at}.mode: {m:?} is not an octal file mode"))?,
            };
            out.files.push(FileFixture {
                path,
                contents: f.contents,
                mode,
            });
        }
        out.daemons = resolve_daemons(self.daemons, profile_dir, "node.daemons")?;
        // A daemon's name names its log in the sandbox: one name, one daemon.
        let all: Vec<&str> = (out.uplink_daemons.iter().chain(&out.daemons))
            .map(|d| d.name.as_str())
            .collect();
        if let Some(twice) = all
            .iter()
            .enumerate()
            .find_map(|(i, n)| all[..i].contains(n).then_some(*n))
        {
            return Err(format!(
                "node.daemons: the daemon name {twice:?} is given twice \
                 (names are unique across node.daemons and node.surroundings.daemons)"
            ));
        }
        Ok(out)
    }
}

/// Validate daemon fixtures (`field` names where they were written) and
/// resolve their programs against the profile's directory.
fn resolve_daemons(
    daemons: Vec<DaemonFile>,
    profile_dir: &Path,
    field: &str,
) -> Result<Vec<DaemonFixture>, String> {
    let mut out = Vec::new();
    for (i, d) in daemons.into_iter().enumerate() {
        let at = format!("{field}[{i}]");
        if d.name.trim().is_empty() {
            return Err(format!("{at}.name: empty"));
        }
        let mut command = d.command;
        let Some(program) = command.first_mut() else {
            return Err(format!("{at}.command: empty"));
        };
        if program.contains('/') && !program.starts_with('/') {
            *program = profile_dir.join(&*program).display().to_string();
        }
        let ready = match (d.ready.socket, d.ready.file, d.ready.command) {
            (Some(s), None, None) => Readiness::Socket(
                check_abs_path(&s).map_err(|e| format!("{at}.ready.socket: {e}"))?,
            ),
            (None, Some(f), None) => {
                Readiness::File(check_abs_path(&f).map_err(|e| format!("{at}.ready.file: {e}"))?)
            }
            (None, None, Some(c)) if !c.is_empty() => Readiness::Command(c),
            _ => {
                return Err(format!(
                    "{at}.ready: exactly one of `socket`, `file` or a non-empty `command`"
                ))
            }
        };
        let timeout = d
            .timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_READY_TIMEOUT);
        if timeout.is_zero() || timeout > MAX_READY_TIMEOUT {
            return Err(format!(
                "{at}.timeoutMs: between 1 and {} ms",
                MAX_READY_TIMEOUT.as_millis()
            ));
        }
        out.push(DaemonFixture {
            name: d.name,
            command,
            ready,
            timeout,
        });
    }
    Ok(out)
}

impl NodeFixtures {
    /// Nothing to apply to a sandbox before a case (the surroundings are
    /// made later, only by the cases that ask for them, unless they run
    /// daemons).
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
            && self.routes.is_empty()
            && self.sysctls.is_empty()
            && self.files.is_empty()
            && self.daemons.is_empty()
            && self.uplink_daemons.is_empty()
    }

    /// Names of the links the fixtures make (kept out of what the leak
    /// oracle blames on the plugin: they exist before the baseline).
    pub fn link_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for l in &self.links {
            names.push(l.name.as_str());
            if let LinkKind::Veth { peer } = &l.kind {
                names.push(peer.as_str());
            }
        }
        names
    }
}

/// An interface name the kernel takes: 1 to 15 bytes, no `/`, `:` or white
/// space, not `.` or `..` (as `dev_valid_name` in the kernel).
pub fn check_ifname(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty interface name".into());
    }
    if name.len() > 15 {
        return Err(format!(
            "interface name {name:?} is {} bytes; the kernel takes at most 15",
            name.len()
        ));
    }
    if name == "." || name == ".." {
        return Err(format!("interface name {name:?} is reserved"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| *c == '/' || *c == ':' || c.is_whitespace() || c.is_control())
    {
        return Err(format!("interface name {name:?} contains {c:?}"));
    }
    Ok(())
}

fn check_abs_path(p: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(p);
    if !path.is_absolute() {
        return Err(format!("{p:?} is not an absolute path"));
    }
    if path
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
    {
        return Err(format!("{p:?} contains `.` or `..`"));
    }
    if FORBIDDEN_ROOTS
        .iter()
        .any(|root| path.starts_with(root) || path == Path::new("/"))
    {
        return Err(format!(
            "{p:?} is under {} (kernel interfaces, not files)",
            FORBIDDEN_ROOTS.join(", ")
        ));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<NodeFixtures, String> {
        let file: NodeFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
        file.resolve(Path::new("/profiles"))
    }

    #[test]
    fn a_full_node_parses() {
        let n = parse(
            r#"{"links":[{"name":"cni0","kind":"bridge","addresses":["10.244.0.1/24"]},
                        {"name":"eth1","kind":"veth","peer":"eth1p","up":false,"mtu":1400}],
               "routes":[{"dst":"10.96.0.0/12","dev":"cni0"}],
               "sysctls":{"net.ipv4.ip_forward":1},
               "files":[{"path":"/run/flannel/subnet.env","contents":"X=1\n","mode":"0600"}],
               "daemons":[{"name":"d","command":["./bin/d","--sock"],"ready":{"socket":"/run/d.sock"}}]}"#,
        )
        .expect("valid");
        assert_eq!(n.links.len(), 2);
        assert_eq!(n.link_names(), ["cni0", "eth1", "eth1p"]);
        assert_eq!(n.sysctls["net.ipv4.ip_forward"], "1");
        assert_eq!(n.files[0].mode, 0o600);
        assert_eq!(n.daemons[0].command[0], "/profiles/./bin/d");
        assert_eq!(n.daemons[0].timeout, DEFAULT_READY_TIMEOUT);
    }

    #[test]
    fn surroundings_may_run_daemons() {
        use crate::config::Surroundings;
        let daemon = r#"{"name":"srv","command":["dnsmasq","-k"],"ready":{"file":"/run/cni/s.pid"},"timeoutMs":500}"#;
        let peer = parse(&format!(
            r#"{{"surroundings":{{"parentLinkPeer":{{"addresses":["10.89.0.1/24"]}},"daemons":[{daemon}]}}}}"#
        ))
        .expect("valid");
        assert!(
            matches!(peer.surroundings, Surroundings::ParentLinkPeer { ref addresses } if addresses.len() == 1)
        );
        assert_eq!(peer.uplink_daemons[0].name, "srv");
        assert_eq!(peer.uplink_daemons[0].timeout, Duration::from_millis(500));
        assert!(peer.daemons.is_empty());
        assert!(
            !peer.is_empty(),
            "uplink daemons are applied with the fixtures"
        );
        let behind =
            parse(&format!(r#"{{"surroundings":{{"daemons":[{daemon}]}}}}"#)).expect("valid");
        assert_eq!(behind.surroundings, Surroundings::BehindNode);
        let leases = parse(r#"{"surroundings":{"leases":"/run/cni/d.leases"}}"#).expect("valid");
        assert_eq!(
            leases.uplink_leases.as_deref(),
            Some(Path::new("/run/cni/d.leases"))
        );
        let named = parse(r#"{"surroundings":{"behindNode":{}}}"#).expect("valid");
        assert!(named.uplink_daemons.is_empty() && named.is_empty());
        // The plain spellings still parse, with no daemons.
        let plain = parse(r#"{"surroundings":"behindNode"}"#).expect("valid");
        assert!(plain.uplink_daemons.is_empty() && plain.is_empty());
        let dup = format!(r#"{{"surroundings":{{"daemons":[{daemon}]}},"daemons":[{daemon}]}}"#);
        for (doc, field) in [
            (
                r#"{"surroundings":{"daemons":[{"name":"x","command":[],"ready":{"file":"/f"}}]}}"#,
                "node.surroundings.daemons[0].command",
            ),
            (
                r#"{"surroundings":{"behindNode":{},"parentLinkPeer":{"addresses":[]},"daemons":[]}}"#,
                "two placements",
            ),
            (
                r#"{"surroundings":{"parentLinkPeer":{"addr":[]},"daemons":[]}}"#,
                "node.surroundings.parentLinkPeer",
            ),
            (r#"{"surroundings":{"daemons":[],"extra":1}}"#, "extra"),
            (
                r#"{"surroundings":{"behindNode":{"x":1}}}"#,
                "takes no settings",
            ),
            (
                r#"{"surroundings":{"leases":"/etc/leases"}}"#,
                "node.surroundings.leases",
            ),
            (
                r#"{"surroundings":{"leases":"/run/cni"}}"#,
                "not a file under",
            ),
            (dup.as_str(), "given twice"),
        ] {
            let e = parse(doc).expect_err(doc);
            assert!(e.contains(field), "{doc}: {e}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                r#"{"links":[{"name":"a-name-longer-than-15","kind":"bridge"}]}"#,
                "node.links[0].name",
            ),
            (
                r#"{"links":[{"name":"cni0","kind":"dummy"}]}"#,
                "node.links[0].kind",
            ),
            (
                r#"{"links":[{"name":"eth1","kind":"veth"}]}"#,
                "node.links[0].peer",
            ),
            (
                r#"{"links":[{"name":"cni0","kind":"bridge","addresses":["10.0.0.1"]}]}"#,
                "node.links[0].addresses[0]",
            ),
            (r#"{"routes":[{"dst":"10.0.0.0/8"}]}"#, "node.routes[0]"),
            (
                r#"{"sysctls":{"kernel.panic":"1"}}"#,
                "node.sysctls.kernel.panic",
            ),
            (
                r#"{"files":[{"path":"etc/x","contents":""}]}"#,
                "node.files[0].path",
            ),
            (
                r#"{"files":[{"path":"/proc/sys/x","contents":""}]}"#,
                "node.files[0].path",
            ),
            (
                r#"{"files":[{"path":"/etc/x","contents":"","mode":"rw"}]}"#,
                "node.files[0].mode",
            ),
            (
                r#"{"daemons":[{"name":"d","command":[],"ready":{"file":"/x"}}]}"#,
                "node.daemons[0].command",
            ),
            (
                r#"{"daemons":[{"name":"d","command":["d"],"ready":{}}]}"#,
                "node.daemons[0].ready",
            ),
        ];
        for (json, field) in cases {
            let err = parse(json).expect_err(json);
            assert!(err.starts_with(field), "{json}: {err}");
        }
    }

    #[test]
    fn interface_names_are_checked_in_bytes() {
        // 14 ASCII bytes then a two-byte character: 16 bytes, too long.
        assert!(check_ifname("abcdefghijklmné").is_err());
        assert!(check_ifname("abcdefghijklmn").is_ok());
        assert!(check_ifname("eth0:1").is_err());
        assert!(check_ifname("..").is_err());
    }
}
