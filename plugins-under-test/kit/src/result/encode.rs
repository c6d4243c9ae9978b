//! Model → JSON in the shape of a given spec version.

use serde_json::{json, Map, Value};

use super::{CniResult, Interface, IpConfig, Route};
use crate::version::SpecVersion;

impl CniResult {
    /// The result as version `v` prints it, `cniVersion` included.
    pub fn to_json(&self, v: SpecVersion) -> Value {
        if v.legacy_result() {
            self.legacy_json(v)
        } else {
            self.current_json(v)
        }
    }

    /// 0.1.0/0.2.0: one `ip4` and one `ip6` object, routes split by family.
    fn legacy_json(&self, v: SpecVersion) -> Value {
        let mut out = Map::new();
        out.insert("cniVersion".into(), v.as_str().into());
        for (key, want_v4) in [("ip4", true), ("ip6", false)] {
            let Some(ip) = self.ips.iter().find(|i| i.address.is_ipv4() == want_v4) else {
                continue;
            };
            let mut obj = Map::new();
            obj.insert("ip".into(), ip.address.to_string().into());
            if let Some(gw) = ip.gateway {
                obj.insert("gateway".into(), gw.to_string().into());
            }
            let routes: Vec<Value> = self
                .routes
                .iter()
                .filter(|r| r.dst.is_ipv4() == want_v4)
                .map(|r| route_json(r, false))
                .collect();
            if !routes.is_empty() {
                obj.insert("routes".into(), routes.into());
            }
            out.insert(key.into(), obj.into());
        }
        out.insert("dns".into(), dns_json(self));
        out.into()
    }

    fn current_json(&self, v: SpecVersion) -> Value {
        let extras = v.has_result_extras();
        let mut out = Map::new();
        out.insert("cniVersion".into(), v.as_str().into());
        if !self.interfaces.is_empty() {
            let ifs: Vec<Value> = self
                .interfaces
                .iter()
                .map(|i| interface_json(i, extras))
                .collect();
            out.insert("interfaces".into(), ifs.into());
        }
        if !self.ips.is_empty() {
            let ips: Vec<Value> = self
                .ips
                .iter()
                .map(|i| ip_json(i, v.ips_carry_version()))
                .collect();
            out.insert("ips".into(), ips.into());
        }
        if !self.routes.is_empty() {
            let routes: Vec<Value> = self.routes.iter().map(|r| route_json(r, extras)).collect();
            out.insert("routes".into(), routes.into());
        }
        out.insert("dns".into(), dns_json(self));
        out.into()
    }
}

fn interface_json(i: &Interface, extras: bool) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), i.name.clone().into());
    if let Some(mac) = &i.mac {
        o.insert("mac".into(), mac.clone().into());
    }
    if extras {
        if let Some(mtu) = i.mtu {
            o.insert("mtu".into(), mtu.into());
        }
    }
    if let Some(s) = &i.sandbox {
        o.insert("sandbox".into(), s.clone().into());
    }
    if extras {
        if let Some(s) = &i.socket_path {
            o.insert("socketPath".into(), s.clone().into());
        }
        if let Some(s) = &i.pci_id {
            o.insert("pciID".into(), s.clone().into());
        }
    }
    o.into()
}

fn ip_json(ip: &IpConfig, with_version: bool) -> Value {
    let mut o = Map::new();
    if with_version {
        let family = if ip.address.is_ipv4() { "4" } else { "6" };
        o.insert("version".into(), family.into());
    }
    if let Some(idx) = ip.interface {
        o.insert("interface".into(), idx.into());
    }
    o.insert("address".into(), ip.address.to_string().into());
    if let Some(gw) = ip.gateway {
        o.insert("gateway".into(), gw.to_string().into());
    }
    o.into()
}

fn route_json(r: &Route, extras: bool) -> Value {
    if extras {
        return serde_json::to_value(r).unwrap_or(Value::Null);
    }
    let mut o = json!({ "dst": r.dst.to_string() });
    if let Some(gw) = r.gw {
        o["gw"] = gw.to_string().into();
    }
    o
}

fn dns_json(r: &CniResult) -> Value {
    serde_json::to_value(&r.dns).unwrap_or_else(|_| json!({}))
}
