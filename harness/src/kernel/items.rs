//! The identity and compared attributes of each kind of kernel object, and
//! the noise the diff leaves out:
//! - `lo` and everything on it;
//! - IPv6 link-local addresses and the kernel's fe80::/64 and ff00::/8 routes,
//!   which appear by themselves when a link comes up (the link is reported);
//! - address flags (DAD moves `tentative` away on its own schedule);
//! - routes of the `local` table the kernel derives from addresses;
//! - the default `noqueue` qdisc of virtual links;
//! - per-interface sysctls of links that exist on one side only.

use super::class::Class;
use super::files::{FileKind, FilesSnapshot};
use super::model::{FirewallDump, Link, NsSnapshot, Route};
use super::object::{table_name, Object};
use super::procs::Process;

/// Table id of the kernel's `local` table.
const LOCAL_TABLE: u32 = 255;

/// One comparable object: an identity plus labelled attributes.
pub(crate) struct Item {
    pub class: Class,
    pub key: String,
    pub object: Object,
    /// `(label, value)`; an empty label prints the value alone, an empty
    /// value is left out of descriptions.
    fields: Vec<(&'static str, String)>,
}

impl Item {
    fn new(class: Class, key: String) -> Item {
        Item {
            class,
            key,
            object: Object::Other,
            fields: Vec::new(),
        }
    }

    fn is(mut self, object: Object) -> Item {
        self.object = object;
        self
    }

    fn with(mut self, label: &'static str, value: impl ToString) -> Item {
        self.fields.push((label, value.to_string()));
        self
    }

    fn with_opt(self, label: &'static str, value: Option<impl ToString>) -> Item {
        self.with(label, value.map(|v| v.to_string()).unwrap_or_default())
    }

    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(l, v)| {
                if l.is_empty() {
                    v.clone()
                } else {
                    format!("{l} {v}")
                }
            })
            .collect();
        parts.join(" ")
    }

    /// `label old -> new` for every attribute that differs.
    pub fn delta(&self, after: &Item) -> String {
        let dash = |v: &str| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.to_string()
            }
        };
        let parts: Vec<String> = self
            .fields
            .iter()
            .zip(&after.fields)
            .filter(|((_, b), (_, a))| a != b)
            .map(|((l, b), (_, a))| {
                let change = format!("{} -> {}", dash(b), dash(a));
                if l.is_empty() {
                    change
                } else {
                    format!("{l} {change}")
                }
            })
            .collect();
        parts.join(", ")
    }
}

fn ignored_link(name: &str) -> bool {
    name == "lo"
}

/// Flags that follow from carrier state or are always set on Ethernet-like
/// links: `oper_state` already says what they would.
const DERIVED_FLAGS: [&str; 4] = ["broadcast", "multicast", "running", "lower_up"];

pub(crate) fn links(s: &NsSnapshot) -> Vec<Item> {
    s.links
        .iter()
        .filter(|l| !ignored_link(&l.name))
        .map(|l| {
            let flags: Vec<&str> = l
                .flags
                .iter()
                .map(String::as_str)
                .filter(|f| !DERIVED_FLAGS.contains(f))
                .collect();
            let attrs: Vec<String> = l.attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            Item::new(Class::Link, format!("{} ({})", l.name, l.kind))
                .is(Object::Link {
                    name: l.name.clone(),
                    kind: l.kind.clone(),
                })
                .with_opt("master", l.master.as_ref())
                .with_opt("peer", l.peer.as_ref())
                .with_opt("peer-netnsid", l.peer_netnsid)
                .with("mtu", l.mtu)
                .with_opt("mac", l.mac.as_ref())
                .with("state", &l.oper_state)
                .with("flags", flags.join(","))
                .with("", attrs.join(" "))
        })
        .collect()
}

pub(crate) fn addresses(s: &NsSnapshot) -> Vec<Item> {
    s.addresses
        .iter()
        .filter(|a| !ignored_link(&a.link) && !is_link_local_v6(a.address.addr()))
        .map(|a| {
            Item::new(Class::Addr, format!("{} {}", a.link, a.address))
                .with("scope", &a.scope)
                .with_opt("label", a.label.as_ref())
        })
        .collect()
}

fn is_link_local_v6(ip: std::net::IpAddr) -> bool {
    matches!(ip, std::net::IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80)
}

fn is_kernel_noise(r: &Route) -> bool {
    if r.oif.as_deref().is_some_and(ignored_link) {
        return true;
    }
    if r.protocol != "kernel" {
        return false;
    }
    let ip = r.dst.addr();
    let multicast_v6 =
        matches!(ip, std::net::IpAddr::V6(v6) if v6.segments()[0] & 0xff00 == 0xff00);
    r.table == LOCAL_TABLE || is_link_local_v6(ip) || multicast_v6
}

pub(crate) fn routes(s: &NsSnapshot) -> Vec<Item> {
    s.routes
        .iter()
        .filter(|r| !is_kernel_noise(r))
        .map(|r| {
            let mut key = table_name(r.table);
            if r.kind != "unicast" {
                key += &format!(" {}", r.kind);
            }
            key += &format!(" {}", r.dst);
            if let Some(src) = r.src {
                key += &format!(" from {src}");
            }
            if r.tos != 0 {
                key += &format!(" tos {:#x}", r.tos);
            }
            if let Some(dev) = &r.oif {
                key += &format!(" dev {dev}");
            }
            if let Some(p) = r.priority {
                key += &format!(" metric {p}");
            }
            Item::new(Class::Route, key)
                .is(Object::Route { table: r.table })
                .with_opt("via", r.gateway)
                .with("", r.nexthops.join(" "))
                .with("proto", &r.protocol)
                .with("scope", &r.scope)
                .with_opt("src", r.prefsrc)
                .with_opt("mtu", r.mtu)
                .with_opt("advmss", r.advmss)
        })
        .collect()
}

pub(crate) fn rules(s: &NsSnapshot) -> Vec<Item> {
    s.rules
        .iter()
        .map(|r| {
            let family = if r.ipv4 { "inet" } else { "inet6" };
            Item::new(Class::Rule, format!("{family} {}: {}", r.priority, r.spec))
        })
        .collect()
}

pub(crate) fn neighbours(s: &NsSnapshot) -> Vec<Item> {
    s.neighbours
        .iter()
        .filter(|n| !ignored_link(&n.link))
        .map(|n| {
            Item::new(Class::Neigh, format!("{} {}", n.link, n.ip))
                .with_opt("lladdr", n.lladdr.as_ref())
        })
        .collect()
}

/// Global sysctls, plus per-interface ones of links present on both sides.
pub(crate) fn sysctls(before: &NsSnapshot, after: &NsSnapshot) -> (Vec<Item>, Vec<Item>) {
    let common = |s: &NsSnapshot, other: &NsSnapshot| -> Vec<Item> {
        let mut out: Vec<Item> = s
            .sysctls
            .iter()
            .map(|(k, v)| Item::new(Class::Sysctl, k.clone()).with("", v))
            .collect();
        for link in s.links.iter().filter(|l| !ignored_link(&l.name)) {
            if !other.links.iter().any(|o| same_link(o, link)) {
                continue;
            }
            for (k, v) in &link.sysctls {
                let (family, leaf) = k.split_once('.').unwrap_or(("", k));
                let name = format!("net.{family}.conf.{}.{leaf}", link.name);
                out.push(Item::new(Class::Sysctl, name).with("", v));
            }
        }
        out
    };
    (common(before, after), common(after, before))
}

fn same_link(a: &Link, b: &Link) -> bool {
    a.name == b.name && a.kind == b.kind
}

pub(crate) fn qdiscs(s: &NsSnapshot) -> Vec<Item> {
    s.qdiscs
        .iter()
        .filter(|q| !ignored_link(&q.link) && q.kind != "noqueue")
        .map(|q| {
            Item::new(
                Class::Qdisc,
                format!("{} {} parent {}", q.link, q.handle, q.parent),
            )
            .with("", &q.kind)
        })
        .collect()
}

pub(crate) fn firewall(s: &NsSnapshot) -> Vec<Item> {
    let mut out = Vec::new();
    for (tool, dump) in s.firewall.iter().flatten() {
        match dump {
            FirewallDump::Rules(lines) => {
                out.push(Item::new(Class::Firewall, format!("{tool} status")).with("", "ok"));
                out.extend(lines.iter().map(|l| {
                    // Normalised lines read `<table / chain>: <rule>`.
                    let chain = l.split(": ").next().unwrap_or(l);
                    Item::new(Class::Firewall, format!("{tool} {l}")).is(Object::Firewall {
                        chain: format!("{tool} {chain}"),
                    })
                }));
            }
            FirewallDump::Missing => out.push(
                Item::new(Class::Firewall, format!("{tool} status")).with("", "not installed"),
            ),
            FirewallDump::Failed(why) => {
                out.push(Item::new(Class::Firewall, format!("{tool} status")).with("failed:", why))
            }
        }
    }
    out
}

/// Longest content shown in a diff line.
const SHOWN_TEXT: usize = 80;

/// Processes by name and pid (a pid names one process for as long as it
/// lives; a new one under the same name is another process).
pub(crate) fn processes(list: &[Process]) -> Vec<Item> {
    list.iter()
        .map(|p| {
            Item::new(Class::Process, format!("{} pid {}", p.name, p.pid))
                .is(Object::Process {
                    name: p.name.clone(),
                })
                .with("", format!("{:?}", p.cmdline.join(" ")))
                .with("parent", p.parent)
                .with("netns", &p.netns)
                .with("mntns", &p.mntns)
        })
        .collect()
}

pub(crate) fn files(s: &FilesSnapshot) -> Vec<Item> {
    s.entries
        .iter()
        .map(|e| {
            // Regular files show their content, the rest their kind.
            let kind = match e.kind {
                FileKind::File => "",
                FileKind::Dir => "dir",
                FileKind::Symlink => "symlink ->",
                FileKind::Other => "special",
                FileKind::Deleted => "deleted",
            };
            let content = match (&e.text, e.kind) {
                (Some(t), FileKind::Symlink) => t.clone(),
                (Some(t), _) => {
                    let escaped = t.escape_debug().to_string();
                    match escaped.char_indices().nth(SHOWN_TEXT) {
                        Some((cut, _)) => format!("\"{}\"...", &escaped[..cut]),
                        None => format!("\"{escaped}\""),
                    }
                }
                (None, FileKind::File) => format!("{} bytes hash {:016x}", e.size, e.hash),
                (None, _) => String::new(),
            };
            Item::new(Class::File, e.path.display().to_string())
                .is(Object::File {
                    path: e.path.clone(),
                })
                .with("", kind)
                .with("", content)
        })
        .collect()
}
