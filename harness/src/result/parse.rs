//! JSON → [`CniResult`], with errors that name the JSON path at fault.

use std::fmt;
use std::net::IpAddr;

use serde_json::{Map, Value};

use super::{Cidr, CniResult, Dns, Interface, IpConfig, Route};
use crate::spec::SpecVersion;

/// Why a result could not be normalised, and where (`ips[1].address`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("result {path}: {message}")]
pub struct ParseError {
    pub path: String,
    pub message: String,
}

/// Parse a result as printed on a plugin's stdout.
pub fn parse(text: &str) -> Result<CniResult, ParseError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError {
        path: "$".into(),
        message: format!("not JSON: {e}"),
    })?;
    parse_value(&value)
}

/// A result as libcni reads what a plugin printed under a configuration at
/// `config_version` (its `version.NewResult`): a missing or empty
/// `cniVersion` is the configuration's, what Go's types have no field for
/// is ignored (the 0.3.0 text's `ip`, `ips[].version` where the version has
/// none, any unknown key). Every judgement after the one about the
/// deviation itself reads results this way, so one deviation libcni
/// tolerates is reported once, by its own case.
pub fn parse_as_libcni(printed: &Value, config_version: &str) -> Result<CniResult, ParseError> {
    let mut doc = match printed {
        Value::Null => Value::Object(Map::new()),
        other => other.clone(),
    };
    let Some(obj) = doc.as_object_mut() else {
        return Err(ParseError {
            path: "$".into(),
            message: "the result is not a JSON object".into(),
        });
    };
    let declared = matches!(obj.get("cniVersion"), Some(Value::String(s)) if !s.is_empty());
    if !declared {
        obj.insert("cniVersion".into(), Value::String(config_version.into()));
    }
    obj.remove("ip");
    parse_value(&doc)
}

/// Parse an already decoded result (e.g. a `prevResult`).
pub fn parse_value(value: &Value) -> Result<CniResult, ParseError> {
    let root = At::root(value);
    let top = root.object()?;
    let version_at = root.need(top, "cniVersion")?;
    let version_text = version_at.str()?;
    let cni_version: SpecVersion = version_text
        .parse()
        .map_err(|_| version_at.error(format!("unknown version `{version_text}`")))?;
    let dns = match root.get(top, "dns") {
        Some(at) => dns(&at)?,
        None => Dns::default(),
    };
    let mut result = CniResult {
        cni_version,
        interfaces: Vec::new(),
        ips: Vec::new(),
        routes: Vec::new(),
        dns,
    };
    if cni_version.legacy_result() {
        legacy(&root, top, &mut result)?;
    } else {
        current(&root, top, &mut result)?;
    }
    Ok(result)
}

/// 0.1.0 / 0.2.0: `ip4` and `ip6`, each with its own routes.
fn legacy(root: &At, top: &Map<String, Value>, out: &mut CniResult) -> Result<(), ParseError> {
    for key in ["ip4", "ip6"] {
        let Some(at) = root.get(top, key) else {
            continue;
        };
        let obj = at.object()?;
        out.ips.push(IpConfig {
            address: at.need(obj, "ip")?.cidr()?,
            gateway: at.get(obj, "gateway").map(|g| g.ip()).transpose()?,
            interface: None,
        });
        if let Some(routes) = at.get(obj, "routes") {
            for r in routes.array()? {
                out.routes.push(route(&r)?);
            }
        }
    }
    Ok(())
}

/// 0.3.0 and later.
fn current(root: &At, top: &Map<String, Value>, out: &mut CniResult) -> Result<(), ParseError> {
    if let Some(list) = root.get(top, "interfaces") {
        for at in list.array()? {
            out.interfaces.push(interface(&at)?);
        }
    }
    // The 0.3.0 text spelled the list `ip`; Go's 0.3.x types read `ips`.
    let ips = root.get(top, "ips").or_else(|| {
        let typo_allowed = matches!(out.cni_version, SpecVersion::V0_3_0 | SpecVersion::V0_3_1);
        typo_allowed.then(|| root.get(top, "ip")).flatten()
    });
    if let Some(list) = ips {
        for at in list.array()? {
            let obj = at.object()?;
            let interface = match at.get(obj, "interface") {
                None => None,
                Some(i) => {
                    let idx = i.index()?;
                    if idx >= out.interfaces.len() {
                        return Err(i.error(format!(
                            "index {idx} is out of range: the result lists {} interface(s)",
                            out.interfaces.len()
                        )));
                    }
                    Some(idx)
                }
            };
            out.ips.push(IpConfig {
                address: at.need(obj, "address")?.cidr()?,
                gateway: at.get(obj, "gateway").map(|g| g.ip()).transpose()?,
                interface,
            });
        }
    }
    if let Some(list) = root.get(top, "routes") {
        for at in list.array()? {
            out.routes.push(route(&at)?);
        }
    }
    Ok(())
}

fn interface(at: &At) -> Result<Interface, ParseError> {
    let obj = at.object()?;
    let opt_str = |key| -> Result<Option<String>, ParseError> {
        Ok(at
            .get(obj, key)
            .map(|v| v.str().map(str::to_string))
            .transpose()?
            .filter(|s| !s.is_empty()))
    };
    Ok(Interface {
        name: at.need(obj, "name")?.str()?.to_string(),
        mac: opt_str("mac")?,
        mtu: at.get(obj, "mtu").map(|v| v.u32()).transpose()?,
        sandbox: opt_str("sandbox")?,
        socket_path: opt_str("socketPath")?,
        pci_id: opt_str("pciID")?,
    })
}

fn route(at: &At) -> Result<Route, ParseError> {
    let obj = at.object()?;
    let num = |key| at.get(obj, key).map(|v| v.u32()).transpose();
    Ok(Route {
        dst: at.need(obj, "dst")?.cidr()?,
        gw: at.get(obj, "gw").map(|g| g.ip()).transpose()?,
        mtu: num("mtu")?,
        advmss: num("advmss")?,
        priority: num("priority")?,
        table: num("table")?,
        scope: num("scope")?,
    })
}

fn dns(at: &At) -> Result<Dns, ParseError> {
    let obj = at.object()?;
    let list = |key| -> Result<Vec<String>, ParseError> {
        match at.get(obj, key) {
            None => Ok(Vec::new()),
            Some(l) => l
                .array()?
                .iter()
                .map(|s| s.str().map(str::to_string))
                .collect(),
        }
    };
    Ok(Dns {
        nameservers: list("nameservers")?,
        domain: at
            .get(obj, "domain")
            .map(|d| d.str().map(str::to_string))
            .transpose()?,
        search: list("search")?,
        options: list("options")?,
    })
}

/// A JSON value together with the path that reached it.
struct At<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> At<'a> {
    fn root(value: &'a Value) -> At<'a> {
        At {
            value,
            path: String::new(),
        }
    }

    fn child(&self, key: impl fmt::Display, index: bool, value: &'a Value) -> At<'a> {
        let path = match (index, self.path.is_empty()) {
            (true, _) => format!("{}[{key}]", self.path),
            (false, true) => key.to_string(),
            (false, false) => format!("{}.{key}", self.path),
        };
        At { value, path }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        let path = if self.path.is_empty() {
            "$".into()
        } else {
            format!("`{}`", self.path)
        };
        ParseError {
            path,
            message: message.into(),
        }
    }

    /// A member, treating `null` like an absent key (Go writes neither for
    /// empty optionals, but other plugins print `null`).
    fn get(&self, obj: &'a Map<String, Value>, key: &str) -> Option<At<'a>> {
        obj.get(key)
            .filter(|v| !v.is_null())
            .map(|v| self.child(key, false, v))
    }

    fn need(&self, obj: &'a Map<String, Value>, key: &str) -> Result<At<'a>, ParseError> {
        self.get(obj, key)
            .ok_or_else(|| self.child(key, false, self.value).error("missing"))
    }

    fn object(&self) -> Result<&'a Map<String, Value>, ParseError> {
        self.value
            .as_object()
            .ok_or_else(|| self.error(format!("expected an object, got {}", kind(self.value))))
    }

    fn array(&self) -> Result<Vec<At<'a>>, ParseError> {
        let items = self
            .value
            .as_array()
            .ok_or_else(|| self.error(format!("expected an array, got {}", kind(self.value))))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| self.child(i, true, v))
            .collect())
    }

    fn str(&self) -> Result<&'a str, ParseError> {
        self.value
            .as_str()
            .ok_or_else(|| self.error(format!("expected a string, got {}", kind(self.value))))
    }

    fn u32(&self) -> Result<u32, ParseError> {
        self.value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                self.error(format!(
                    "expected an unsigned 32-bit integer, got {}",
                    self.value
                ))
            })
    }

    fn index(&self) -> Result<usize, ParseError> {
        self.value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| self.error(format!("expected an interface index, got {}", self.value)))
    }

    fn cidr(&self) -> Result<Cidr, ParseError> {
        self.str()?.parse().map_err(|e| self.error(format!("{e}")))
    }

    fn ip(&self) -> Result<IpAddr, ParseError> {
        let s = self.str()?;
        s.parse()
            .map_err(|_| self.error(format!("`{s}` is not an IP address")))
    }
}

fn kind(v: &Value) -> &'static str {
    crate::config::json_type(v)
}

#[cfg(test)]
mod tests;
