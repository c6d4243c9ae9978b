//! The bridge plugin's own config keys (as containernetworking/plugins'
//! bridge reads them), validated with the field named in every error.

use cni_plugin_kit::{CniError, NetConf};
use serde_json::{Map, Value};

pub const DEFAULT_BRIDGE: &str = "cni0";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeConfig {
    pub bridge: String,
    pub is_gateway: bool,
    pub is_default_gateway: bool,
    pub force_address: bool,
    pub ip_masq: bool,
    pub mtu: Option<u32>,
    pub hairpin: bool,
    pub promisc: bool,
    pub vlan: Option<u16>,
    pub mac_spoof_check: bool,
    pub enable_dad: bool,
    /// `runtimeConfig.mac` (or `args.cni.mac`): the container interface's MAC.
    pub mac: Option<[u8; 6]>,
}

impl BridgeConfig {
    pub fn from_conf(conf: &NetConf) -> Result<BridgeConfig, CniError> {
        let raw = &conf.raw;
        let bridge = match raw.get("bridge") {
            None | Some(Value::Null) => DEFAULT_BRIDGE.to_string(),
            Some(Value::String(s)) => {
                cni_plugin_kit::env::validate_ifname(s).map_err(|_| {
                    CniError::config("bridge", format!("{s:?} is not a valid interface name"))
                })?;
                if s.is_empty() {
                    return Err(CniError::config("bridge", "must not be empty"));
                }
                s.clone()
            }
            Some(_) => return Err(CniError::config("bridge", "must be a string")),
        };
        let is_default_gateway = flag(raw, "isDefaultGateway")?;
        let mtu = match number(raw, "mtu")? {
            None | Some(0) => None,
            Some(m) if (68..=65535).contains(&m) => Some(m as u32),
            Some(m) => return Err(CniError::config("mtu", format!("{m} is outside 68..65535"))),
        };
        let vlan = match number(raw, "vlan")? {
            None | Some(0) => None,
            Some(v) if v <= 4094 => Some(v as u16),
            Some(v) => return Err(CniError::config("vlan", format!("{v} is outside 0..4094"))),
        };
        let mac_value = conf
            .runtime_config("mac")
            .map(|v| ("runtimeConfig.mac", v))
            .or_else(|| {
                raw.get("args")
                    .and_then(|a| a.get("cni"))
                    .and_then(|c| c.get("mac"))
                    .map(|v| ("args.cni.mac", v))
            });
        let mac = match mac_value {
            None | Some((_, Value::Null)) => None,
            Some((field, v)) => Some(
                parse_mac(v.as_str().unwrap_or_default())
                    .map_err(|e| CniError::config(field, e))?,
            ),
        };
        Ok(BridgeConfig {
            bridge,
            // isDefaultGateway implies isGateway.
            is_gateway: flag(raw, "isGateway")? || is_default_gateway,
            is_default_gateway,
            force_address: flag(raw, "forceAddress")?,
            ip_masq: flag(raw, "ipMasq")?,
            mtu,
            hairpin: flag(raw, "hairpinMode")?,
            promisc: flag(raw, "promiscMode")?,
            vlan,
            mac_spoof_check: flag(raw, "macspoofchk")?,
            enable_dad: flag(raw, "enabledad")?,
            mac,
        })
    }

    /// Whether DEL/GC have firewall rules to look for.
    pub fn uses_nft(&self) -> bool {
        self.ip_masq || self.mac_spoof_check
    }
}

fn flag(raw: &Map<String, Value>, key: &str) -> Result<bool, CniError> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(CniError::config(key, "must be true or false")),
    }
}

fn number(raw: &Map<String, Value>, key: &str) -> Result<Option<u64>, CniError> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| CniError::config(key, "must be a non-negative integer")),
    }
}

/// `aa:bb:cc:dd:ee:ff`, unicast.
pub fn parse_mac(s: &str) -> Result<[u8; 6], String> {
    let parts: Vec<&str> = s.split(':').collect();
    let mut mac = [0u8; 6];
    if parts.len() != 6 {
        return Err(format!("{s:?} is not a MAC address (aa:bb:cc:dd:ee:ff)"));
    }
    for (i, p) in parts.iter().enumerate() {
        // Two hex digits exactly: `from_str_radix` alone would take `+2`.
        mac[i] = Some(p)
            .filter(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .ok_or_else(|| format!("{s:?} is not a MAC address (aa:bb:cc:dd:ee:ff)"))?;
    }
    if mac[0] & 1 == 1 {
        return Err(format!("{s:?} is a multicast MAC address"));
    }
    Ok(mac)
}

pub fn format_mac(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<BridgeConfig, CniError> {
        BridgeConfig::from_conf(&NetConf::parse(json.as_bytes())?)
    }

    #[test]
    fn defaults() {
        let c = parse(r#"{"cniVersion":"1.1.0","name":"n","type":"bridge"}"#).unwrap();
        assert_eq!(c.bridge, "cni0");
        assert!(!c.is_gateway && !c.ip_masq && c.mtu.is_none() && c.mac.is_none());
        let c = parse(
            r#"{"isDefaultGateway":true,"runtimeConfig":{"mac":"02:00:00:00:00:01"},"vlan":10}"#,
        )
        .unwrap();
        assert!(c.is_gateway);
        assert_eq!(c.mac, Some([2, 0, 0, 0, 0, 1]));
        assert_eq!(c.vlan, Some(10));
    }

    #[test]
    fn errors_name_the_field() {
        for (json, field) in [
            (r#"{"bridge":5}"#, "bridge"),
            (r#"{"bridge":"a/b"}"#, "bridge"),
            (r#"{"bridge":"waytoolongbridgename"}"#, "bridge"),
            (r#"{"isGateway":"yes"}"#, "isGateway"),
            (r#"{"ipMasq":1}"#, "ipMasq"),
            (r#"{"mtu":-1}"#, "mtu"),
            (r#"{"mtu":10}"#, "mtu"),
            (r#"{"vlan":5000}"#, "vlan"),
            (r#"{"hairpinMode":null,"promiscMode":"x"}"#, "promiscMode"),
            (r#"{"runtimeConfig":{"mac":"zz"}}"#, "runtimeConfig.mac"),
            (
                r#"{"runtimeConfig":{"mac":"01:00:00:00:00:01"}}"#,
                "runtimeConfig.mac",
            ),
            (r#"{"args":{"cni":{"mac":"1:2"}}}"#, "args.cni.mac"),
            // Found by fuzz/ (target `plugin_netconf`): a sign passed as a digit.
            (
                r#"{"runtimeConfig":{"mac":"+2:00:00:00:00:01"}}"#,
                "runtimeConfig.mac",
            ),
        ] {
            let e = parse(json).unwrap_err();
            assert_eq!(e.code, 7, "{json}");
            assert!(e.msg.starts_with(field), "{json}: {}", e.msg);
        }
    }
}
