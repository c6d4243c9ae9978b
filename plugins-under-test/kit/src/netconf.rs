//! The fields of a plugin's stdin config that every plugin reads (SPEC.md
//! "Section 1: Network configuration format" and "Section 3: Execution of
//! Network Configurations" for `prevResult` / `runtimeConfig`).

use serde_json::{Map, Value};

use crate::error::CniError;
use crate::result::CniResult;
use crate::version::SpecVersion;

/// A decoded plugin config. `raw` is the whole object, as delegated plugins
/// must receive it unchanged.
#[derive(Debug, Clone)]
pub struct NetConf {
    pub version: SpecVersion,
    pub name: Option<String>,
    pub plugin_type: Option<String>,
    /// `ipam.type`, when there is an `ipam` object.
    pub ipam_type: Option<String>,
    pub prev_result: Option<CniResult>,
    pub raw: Map<String, Value>,
}

impl NetConf {
    /// Decode stdin: not JSON or not an object is code 6, an unknown
    /// `cniVersion` code 1, a mistyped common field code 7 naming it.
    pub fn parse(stdin: &[u8]) -> Result<NetConf, CniError> {
        let value: Value = serde_json::from_slice(stdin)
            .map_err(|e| CniError::decode(format!("config on stdin is not valid JSON: {e}")))?;
        let Value::Object(raw) = value else {
            return Err(CniError::decode("config on stdin is not a JSON object"));
        };
        let version = SpecVersion::from_config(opt_str(&raw, "cniVersion")?.as_deref())?;
        let name = opt_str(&raw, "name")?;
        let plugin_type = opt_str(&raw, "type")?;
        let ipam_type = match raw.get("ipam") {
            None | Some(Value::Null) => None,
            Some(Value::Object(ipam)) => {
                opt_str(ipam, "type").map_err(|e| CniError::config("ipam.type", e.msg))?
            }
            Some(_) => return Err(CniError::config("ipam", "must be an object")),
        };
        let prev_result = match raw.get("prevResult") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                CniResult::from_json(v)
                    .map_err(|e| CniError::decode(format!("prevResult: {e}")))?,
            ),
        };
        Ok(NetConf {
            version,
            name,
            plugin_type,
            ipam_type,
            prev_result,
            raw,
        })
    }

    /// `runtimeConfig.<key>`, if present.
    pub fn runtime_config(&self, key: &str) -> Option<&Value> {
        self.raw.get("runtimeConfig").and_then(|rc| rc.get(key))
    }

    /// The config serialized again, for a delegated plugin's stdin.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.raw).unwrap_or_default()
    }
}

/// Best effort `cniVersion` of unparsed stdin, so that even errors about the
/// environment can carry the caller's version.
pub fn sniff_version(stdin: &[u8]) -> SpecVersion {
    serde_json::from_slice::<Value>(stdin)
        .ok()
        .and_then(|v| v.get("cniVersion")?.as_str()?.parse().ok())
        .unwrap_or(SpecVersion::LATEST)
}

fn opt_str(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, CniError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CniError::config(key, "must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_common_fields() {
        let c = NetConf::parse(
            br#"{"cniVersion":"0.4.0","name":"n","type":"bridge","ipam":{"type":"host-local"},
                "prevResult":{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.2/24"}]}}"#,
        )
        .unwrap();
        assert_eq!(c.version, SpecVersion::V0_4_0);
        assert_eq!(c.ipam_type.as_deref(), Some("host-local"));
        assert_eq!(c.prev_result.unwrap().ips.len(), 1);
    }

    #[test]
    fn error_codes_name_the_problem() {
        assert_eq!(NetConf::parse(b"{").unwrap_err().code, 6);
        assert_eq!(NetConf::parse(b"[]").unwrap_err().code, 6);
        assert_eq!(
            NetConf::parse(br#"{"cniVersion":"7.0.0"}"#)
                .unwrap_err()
                .code,
            1
        );
        let e = NetConf::parse(br#"{"cniVersion":"1.0.0","name":5}"#).unwrap_err();
        assert_eq!((e.code, e.msg.starts_with("name")), (7, true));
        let e = NetConf::parse(br#"{"ipam":{"type":1}}"#).unwrap_err();
        assert!(e.msg.starts_with("ipam.type"));
        let e = NetConf::parse(br#"{"prevResult":{"ips":[{}]}}"#).unwrap_err();
        assert!(e.msg.contains("prevResult"));
    }

    #[test]
    fn sniffs_version_leniently() {
        assert_eq!(
            sniff_version(br#"{"cniVersion":"0.3.1"}"#),
            SpecVersion::V0_3_1
        );
        assert_eq!(sniff_version(b"garbage"), SpecVersion::LATEST);
    }
}
