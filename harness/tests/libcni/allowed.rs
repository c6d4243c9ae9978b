//! The differences from libcni that the harness makes on purpose (or that
//! exist by construction), each with the narrowest test that recognises it.
//! The README's "Compared with libcni" section lists the same entries; any
//! other difference fails the comparison.

use std::collections::BTreeMap;

use cni_harness::invoke::env::PLUGIN_PATH_ENV;
use cni_harness::SpecVersion;

use super::compare::{Difference, Field};

/// What both runs were given that legitimately differs.
pub struct Context {
    /// The environment the libcni driver ran with (libcni passes it on).
    pub driver_env: BTreeMap<String, String>,
    /// Each run's own container namespace.
    pub libcni_netns: String,
    pub harness_netns: String,
    pub version: SpecVersion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Allowed {
    /// libcni runs plugins with the runtime's whole environment; the harness
    /// clears it so a run does not depend on who started it.
    RuntimeEnvironment,
    /// The harness sets a fixed `PATH` (`PLUGIN_PATH_ENV`) for the same reason.
    FixedPath,
    /// Each run has its own container namespace: `CNI_NETNS` must name that
    /// run's namespace, whatever its path.
    NetnsPath,
    /// libcni re-encodes stdin through Go maps (keys sorted) and structs
    /// (field order); the harness keeps the configuration's order. Same
    /// values, same spelling, no whitespace on either side.
    KeyOrder,
    /// libcni decodes each result into its version's Go type before it
    /// becomes `prevResult`, dropping fields that type does not have; the
    /// harness passes the plugin's result through as printed.
    PrevResultUnknownField,
}

impl Allowed {
    pub const ALL: [Allowed; 5] = [
        Allowed::RuntimeEnvironment,
        Allowed::FixedPath,
        Allowed::NetnsPath,
        Allowed::KeyOrder,
        Allowed::PrevResultUnknownField,
    ];

    /// The first entry that explains `d`, if any.
    pub fn find(d: &Difference, ctx: &Context) -> Option<Allowed> {
        Allowed::ALL.into_iter().find(|a| a.explains(d, ctx))
    }

    pub fn explains(self, d: &Difference, ctx: &Context) -> bool {
        let (l, h) = (d.libcni.as_deref(), d.harness.as_deref());
        match (self, &d.field) {
            (Allowed::RuntimeEnvironment, Field::Env(k)) => {
                !k.starts_with("CNI_")
                    && k != "PATH"
                    && h.is_none()
                    && l.is_some()
                    && l == ctx.driver_env.get(k).map(String::as_str)
            }
            (Allowed::FixedPath, Field::Env(k)) => {
                k == "PATH"
                    && h == Some(PLUGIN_PATH_ENV)
                    && l == ctx.driver_env.get("PATH").map(String::as_str)
            }
            (Allowed::NetnsPath, Field::Env(k)) => {
                k == "CNI_NETNS"
                    && l == Some(ctx.libcni_netns.as_str())
                    && h == Some(ctx.harness_netns.as_str())
            }
            (Allowed::KeyOrder, Field::StdinLayout) => {
                // Layout covers whitespace too: only order may differ.
                let compact = |s: Option<&str>| {
                    s.and_then(super::rawjson::Raw::parse)
                        .is_some_and(|r| Some(r.render(false).as_str()) == s)
                };
                compact(l) && compact(h)
            }
            (Allowed::PrevResultUnknownField, Field::Stdin(p)) => {
                l.is_none() && h.is_some() && is_unknown_result_field(p, ctx.version)
            }
            _ => false,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Allowed::RuntimeEnvironment => "runtime-environment",
            Allowed::FixedPath => "fixed-path",
            Allowed::NetnsPath => "netns-path",
            Allowed::KeyOrder => "key-order",
            Allowed::PrevResultUnknownField => "prevresult-unknown-field",
        }
    }
}

/// Whether `pointer` (under `/prevResult`) names a member that the
/// version's result type (libcni's Go types for 0.3.x, 0.4.0, 1.0.0) lacks.
fn is_unknown_result_field(pointer: &str, version: SpecVersion) -> bool {
    let Some(rest) = pointer.strip_prefix("/prevResult/") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let known: &[&str] = match parts.as_slice() {
        [_] => &["cniVersion", "interfaces", "ips", "routes", "dns"],
        ["interfaces", i, _] if is_index(i) => &["name", "mac", "sandbox"],
        ["ips", i, _] if is_index(i) && version < SpecVersion::V1_0_0 => {
            &["version", "interface", "address", "gateway"]
        }
        ["ips", i, _] if is_index(i) => &["interface", "address", "gateway"],
        ["routes", i, _] if is_index(i) => &["dst", "gw"],
        ["dns", _] => &["nameservers", "domain", "search", "options"],
        // Deeper, or not a member of a result object: not this entry.
        _ => return false,
    };
    let last = parts.last().copied().unwrap_or_default();
    !known.contains(&last)
}

fn is_index(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}
