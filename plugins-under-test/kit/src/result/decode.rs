//! JSON of any spec version → model. Used for `prevResult` and for results of
//! delegated plugins.

use std::net::IpAddr;

use serde_json::Value;

use super::{CniResult, Dns, Interface, IpConfig, Route};
use crate::cidr::IpNet;

impl CniResult {
    /// Parse a result of any version. The shape decides (`ip4`/`ip6` vs
    /// `ips`), so a result whose `cniVersion` lies about its shape still
    /// parses; 0.3.0's typo `ip` is accepted for `ips`.
    pub fn from_json(v: &Value) -> Result<CniResult, String> {
        let obj = v.as_object().ok_or("result is not a JSON object")?;
        let mut out = CniResult::default();
        if obj.contains_key("ip4") || obj.contains_key("ip6") {
            for key in ["ip4", "ip6"] {
                if let Some(legacy) = obj.get(key) {
                    legacy_ip(key, legacy, &mut out)?;
                }
            }
        } else {
            if let Some(ifs) = obj.get("interfaces") {
                for (n, i) in array(ifs, "interfaces")?.iter().enumerate() {
                    out.interfaces
                        .push(interface(i).map_err(|e| format!("interfaces[{n}]: {e}"))?);
                }
            }
            if let Some(ips) = obj.get("ips").or_else(|| obj.get("ip")) {
                for (n, i) in array(ips, "ips")?.iter().enumerate() {
                    out.ips
                        .push(ip_config(i).map_err(|e| format!("ips[{n}]: {e}"))?);
                }
            }
            if let Some(routes) = obj.get("routes") {
                out.routes = parse_routes(routes, "routes")?;
            }
        }
        if let Some(dns) = obj.get("dns") {
            out.dns =
                serde_json::from_value::<Dns>(dns.clone()).map_err(|e| format!("dns: {e}"))?;
        }
        Ok(out)
    }
}

fn array<'a>(v: &'a Value, field: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("{field} is not an array"))
}

fn string<'a>(v: &'a Value, field: &str) -> Result<Option<&'a str>, String> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{field} is not a string")),
    }
}

fn addr(v: &Value, field: &str) -> Result<Option<IpAddr>, String> {
    string(v, field)?
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| format!("{field} {s:?} is not an IP address"))
        })
        .transpose()
}

fn legacy_ip(key: &str, v: &Value, out: &mut CniResult) -> Result<(), String> {
    let ip: IpNet = string(v, "ip")?
        .ok_or_else(|| format!("{key}.ip is missing"))?
        .parse()
        .map_err(|e| format!("{key}.ip: {e}"))?;
    out.ips.push(IpConfig {
        address: ip,
        gateway: addr(v, "gateway").map_err(|e| format!("{key}.{e}"))?,
        interface: None,
    });
    if let Some(routes) = v.get("routes") {
        out.routes
            .extend(parse_routes(routes, &format!("{key}.routes"))?);
    }
    Ok(())
}

fn interface(v: &Value) -> Result<Interface, String> {
    Ok(Interface {
        name: string(v, "name")?.ok_or("name is missing")?.to_string(),
        mac: string(v, "mac")?.map(str::to_string),
        mtu: v.get("mtu").and_then(Value::as_u64).map(|m| m as u32),
        sandbox: string(v, "sandbox")?.map(str::to_string),
        socket_path: string(v, "socketPath")?.map(str::to_string),
        pci_id: string(v, "pciID")?.map(str::to_string),
    })
}

fn ip_config(v: &Value) -> Result<IpConfig, String> {
    let address: IpNet = string(v, "address")?.ok_or("address is missing")?.parse()?;
    let interface = match v.get("interface") {
        None | Some(Value::Null) => None,
        Some(i) => Some(
            i.as_u64()
                .ok_or("interface is not a non-negative integer")? as usize,
        ),
    };
    Ok(IpConfig {
        address,
        gateway: addr(v, "gateway")?,
        interface,
    })
}

/// A `routes` array (results and IPAM config share the shape).
pub fn parse_routes(v: &Value, field: &str) -> Result<Vec<Route>, String> {
    array(v, field)?
        .iter()
        .enumerate()
        .map(|(n, r)| {
            serde_json::from_value::<Route>(r.clone()).map_err(|e| format!("{field}[{n}]: {e}"))
        })
        .collect()
}
