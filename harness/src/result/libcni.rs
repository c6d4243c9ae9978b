//! A result as libcni carries it between plugins: decoded into the Go types
//! of its own version, converted with libcni's converters, and encoded again
//! with Go's `omitempty` rules (libcni 1.3 `pkg/types/{020,040,100}`).
//!
//! What each family of Go types holds:
//! - 0.1.0 / 0.2.0: `ip4` / `ip6` (`ip`, `gateway`, `routes`) and `dns`;
//! - 0.3.x / 0.4.0: `interfaces` (`name`, `mac`, `sandbox` only), `ips`
//!   (with `version`), `routes`, `dns`;
//! - 1.0.0 / 1.1.0: interfaces also with `mtu`, `socketPath`, `pciID`; no
//!   `ips[].version`.
//!
//! Routes keep `mtu`, `advmss`, `priority`, `table` and `scope` in every
//! family (one Go route type), except down to 0.2.0, where only `dst` and
//! `gw` are copied. Zero `mtu`/`advmss`/`priority` vanish (Go `int` with
//! `omitempty`); `table`/`scope` are pointers and stay even when zero. `dns`
//! is always written for 0.x results and only when non-empty for 1.x.
//!
//! libcni 1.1.2 (Debian's) differs: it has no 1.1.0 result type (a 1.1.0
//! result fails to decode there), its 1.0.0 interfaces have no `mtu`,
//! `socketPath` or `pciID`, and it writes `dns: {}` into 1.0.0 results too.
//!
//! Where the harness's model is not Go's, the model wins: `ips[].version` is
//! recomputed from the address (Go keeps whatever the plugin wrote, even
//! nothing), and a 0.2.0 route is filed under `ip4` or `ip6` by its
//! destination's family (Go keeps the object it came in).

use serde_json::{json, Map, Value};

use super::{CniResult, Dns, Interface, IpConfig, Route};
use crate::spec::SpecVersion;

/// Why libcni cannot convert a result to a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot convert the {from} result to {to}: {why}")]
pub struct ConvertError {
    pub from: SpecVersion,
    pub to: SpecVersion,
    pub why: &'static str,
}

/// The families of Go result types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Legacy,
    V04,
    V1,
}

fn family(v: SpecVersion) -> Family {
    if v.legacy_result() {
        Family::Legacy
    } else if v.ips_carry_version() {
        Family::V04
    } else {
        Family::V1
    }
}

/// `result` (at its own `cni_version`) as libcni would hand it on at `to`:
/// what the Go types of its version drop is dropped, then it is converted
/// and encoded. Converting down to 0.2.0 fails without an address, as in libcni.
pub fn reencode(result: &CniResult, to: SpecVersion) -> Result<Value, ConvertError> {
    let from = result.cni_version;
    let mut r = result.clone();
    // Decoding: the 0.4.0 interface type has no mtu, socketPath, pciID.
    if family(from) == Family::V04 || family(to) == Family::V04 {
        r.interfaces.iter_mut().for_each(strip_interface);
    }
    r.cni_version = to;
    if family(to) == Family::Legacy && family(from) != Family::Legacy {
        return down_to_legacy(&r, from, to);
    }
    Ok(encode(&r))
}

fn strip_interface(i: &mut Interface) {
    i.mtu = None;
    i.socket_path = None;
    i.pci_id = None;
}

/// libcni's `convertTo02x`: the first address of each family, routes by
/// destination family under an address of that family, `dst` and `gw` only.
fn down_to_legacy(
    r: &CniResult,
    from: SpecVersion,
    to: SpecVersion,
) -> Result<Value, ConvertError> {
    let first = |v4: bool| r.ips.iter().find(|ip| ip.address.is_ipv4() == v4);
    let (ip4, ip6) = (first(true), first(false));
    if ip4.is_none() && ip6.is_none() {
        return Err(ConvertError {
            from,
            to,
            why: "0.2.0 and older need an address and the result has none",
        });
    }
    let slot = |ip: Option<&IpConfig>, v4: bool| {
        ip.map(|ip| {
            let routes: Vec<Route> = r
                .routes
                .iter()
                .filter(|rt| rt.dst.is_ipv4() == v4)
                .map(|rt| Route {
                    mtu: None,
                    advmss: None,
                    priority: None,
                    table: None,
                    scope: None,
                    ..rt.clone()
                })
                .collect();
            legacy_ip(ip, &routes)
        })
    };
    Ok(legacy_object(to, slot(ip4, true), slot(ip6, false), &r.dns))
}

/// Encode a result at its own version, in that version's Go shape.
fn encode(r: &CniResult) -> Value {
    match family(r.cni_version) {
        Family::Legacy => {
            let v4 = r.ips.iter().find(|ip| ip.address.is_ipv4());
            let v6 = r.ips.iter().find(|ip| !ip.address.is_ipv4());
            // Every route goes under the address of its family, or under the
            // other one when that family has no address, so none is lost.
            let of = |fam_v4: bool| -> Vec<Route> {
                r.routes
                    .iter()
                    .filter(|rt| {
                        let home_v4 = if v4.is_some() && v6.is_some() {
                            rt.dst.is_ipv4()
                        } else {
                            v4.is_some()
                        };
                        home_v4 == fam_v4
                    })
                    .cloned()
                    .collect()
            };
            legacy_object(
                r.cni_version,
                v4.map(|ip| legacy_ip(ip, &of(true))),
                v6.map(|ip| legacy_ip(ip, &of(false))),
                &r.dns,
            )
        }
        fam => {
            let mut top = Map::new();
            top.insert("cniVersion".into(), json!(r.cni_version.as_str()));
            if !r.interfaces.is_empty() {
                let list = r.interfaces.iter().map(|i| interface(i, fam)).collect();
                top.insert("interfaces".into(), Value::Array(list));
            }
            if !r.ips.is_empty() {
                let list = r.ips.iter().map(|ip| ip_config(ip, fam)).collect();
                top.insert("ips".into(), Value::Array(list));
            }
            if !r.routes.is_empty() {
                top.insert(
                    "routes".into(),
                    Value::Array(r.routes.iter().map(route).collect()),
                );
            }
            if fam == Family::V04 || !dns_is_empty(&r.dns) {
                top.insert("dns".into(), dns(&r.dns));
            }
            Value::Object(top)
        }
    }
}

fn legacy_object(v: SpecVersion, ip4: Option<Value>, ip6: Option<Value>, d: &Dns) -> Value {
    let mut top = Map::new();
    top.insert("cniVersion".into(), json!(v.as_str()));
    if let Some(ip) = ip4 {
        top.insert("ip4".into(), ip);
    }
    if let Some(ip) = ip6 {
        top.insert("ip6".into(), ip);
    }
    top.insert("dns".into(), dns(d));
    Value::Object(top)
}

fn legacy_ip(ip: &IpConfig, routes: &[Route]) -> Value {
    let mut o = Map::new();
    o.insert("ip".into(), json!(ip.address.to_string()));
    if let Some(gw) = ip.gateway {
        o.insert("gateway".into(), json!(gw.to_string()));
    }
    if !routes.is_empty() {
        o.insert(
            "routes".into(),
            Value::Array(routes.iter().map(route).collect()),
        );
    }
    Value::Object(o)
}

fn interface(i: &Interface, fam: Family) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(i.name));
    if let Some(mac) = &i.mac {
        o.insert("mac".into(), json!(mac));
    }
    if fam == Family::V1 {
        if let Some(mtu) = i.mtu.filter(|m| *m != 0) {
            o.insert("mtu".into(), json!(mtu));
        }
    }
    if let Some(sandbox) = &i.sandbox {
        o.insert("sandbox".into(), json!(sandbox));
    }
    if fam == Family::V1 {
        if let Some(s) = &i.socket_path {
            o.insert("socketPath".into(), json!(s));
        }
        if let Some(p) = &i.pci_id {
            o.insert("pciID".into(), json!(p));
        }
    }
    Value::Object(o)
}

fn ip_config(ip: &IpConfig, fam: Family) -> Value {
    let mut o = Map::new();
    if fam == Family::V04 {
        let v = if ip.address.is_ipv4() { "4" } else { "6" };
        o.insert("version".into(), json!(v));
    }
    if let Some(i) = ip.interface {
        o.insert("interface".into(), json!(i));
    }
    o.insert("address".into(), json!(ip.address.to_string()));
    if let Some(gw) = ip.gateway {
        o.insert("gateway".into(), json!(gw.to_string()));
    }
    Value::Object(o)
}

fn route(r: &Route) -> Value {
    let mut o = Map::new();
    o.insert("dst".into(), json!(r.dst.to_string()));
    if let Some(gw) = r.gw {
        o.insert("gw".into(), json!(gw.to_string()));
    }
    let nonzero = [
        ("mtu", r.mtu),
        ("advmss", r.advmss),
        ("priority", r.priority),
    ];
    for (key, value) in nonzero {
        if let Some(n) = value.filter(|n| *n != 0) {
            o.insert(key.into(), json!(n));
        }
    }
    for (key, value) in [("table", r.table), ("scope", r.scope)] {
        if let Some(n) = value {
            o.insert(key.into(), json!(n));
        }
    }
    Value::Object(o)
}

fn dns_is_empty(d: &Dns) -> bool {
    d.nameservers.is_empty()
        && d.domain.as_deref().unwrap_or("").is_empty()
        && d.search.is_empty()
        && d.options.is_empty()
}

fn dns(d: &Dns) -> Value {
    let mut o = Map::new();
    if !d.nameservers.is_empty() {
        o.insert("nameservers".into(), json!(d.nameservers));
    }
    if let Some(domain) = d.domain.as_deref().filter(|s| !s.is_empty()) {
        o.insert("domain".into(), json!(domain));
    }
    if !d.search.is_empty() {
        o.insert("search".into(), json!(d.search));
    }
    if !d.options.is_empty() {
        o.insert("options".into(), json!(d.options));
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests;
