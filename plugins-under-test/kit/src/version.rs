//! CNI specification versions and negotiation (SPEC.md "Version" and
//! "Section 2: Execution Protocol", VERSION verb).

use std::fmt;
use std::str::FromStr;

use crate::error::CniError;

/// A released version of the CNI specification, ordered oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpecVersion {
    V0_1_0,
    V0_2_0,
    V0_3_0,
    V0_3_1,
    V0_4_0,
    V1_0_0,
    V1_1_0,
}

impl SpecVersion {
    pub const ALL: [SpecVersion; 7] = [
        SpecVersion::V0_1_0,
        SpecVersion::V0_2_0,
        SpecVersion::V0_3_0,
        SpecVersion::V0_3_1,
        SpecVersion::V0_4_0,
        SpecVersion::V1_0_0,
        SpecVersion::V1_1_0,
    ];
    pub const LATEST: SpecVersion = SpecVersion::V1_1_0;

    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V0_1_0 => "0.1.0",
            SpecVersion::V0_2_0 => "0.2.0",
            SpecVersion::V0_3_0 => "0.3.0",
            SpecVersion::V0_3_1 => "0.3.1",
            SpecVersion::V0_4_0 => "0.4.0",
            SpecVersion::V1_0_0 => "1.0.0",
            SpecVersion::V1_1_0 => "1.1.0",
        }
    }

    /// Results use `ip4`/`ip6` objects before 0.3.0.
    pub fn legacy_result(self) -> bool {
        self < SpecVersion::V0_3_0
    }

    /// `ips[].version` exists in 0.3.x and 0.4.0 only.
    pub fn ips_carry_version(self) -> bool {
        (SpecVersion::V0_3_0..SpecVersion::V1_0_0).contains(&self)
    }

    /// Interface `mtu`/`socketPath`/`pciID` and route `mtu`/`advmss`/... from 1.1.0.
    pub fn has_result_extras(self) -> bool {
        self >= SpecVersion::V1_1_0
    }

    /// `cniVersion` from a config; an absent or empty value means 0.1.0, as
    /// libcni reads it. Unknown versions are error code 1.
    pub fn from_config(raw: Option<&str>) -> Result<SpecVersion, CniError> {
        match raw {
            None | Some("") => Ok(SpecVersion::V0_1_0),
            Some(s) => s.parse().map_err(|_| {
                CniError::incompatible(format!(
                    "unsupported cniVersion {s:?}; supported: {}",
                    supported_list()
                ))
            }),
        }
    }
}

fn supported_list() -> String {
    SpecVersion::ALL.map(SpecVersion::as_str).join(", ")
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpecVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SpecVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown CNI spec version {s:?}"))
    }
}

/// The answer to VERSION: the requested version echoed when we support it,
/// else our latest, and every version we support.
pub fn version_answer(requested: Option<SpecVersion>) -> serde_json::Value {
    let v = requested.unwrap_or(SpecVersion::LATEST);
    serde_json::json!({
        "cniVersion": v.as_str(),
        "supportedVersions": SpecVersion::ALL.map(SpecVersion::as_str),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_version_means_0_1_0_and_unknown_is_code_1() {
        assert_eq!(SpecVersion::from_config(None), Ok(SpecVersion::V0_1_0));
        assert_eq!(
            SpecVersion::from_config(Some("1.0.0")),
            Ok(SpecVersion::V1_0_0)
        );
        let err = SpecVersion::from_config(Some("9.9.9")).unwrap_err();
        assert_eq!(err.code, 1);
        assert!(err.msg.contains("9.9.9"));
    }

    #[test]
    fn version_answer_lists_all() {
        let v = version_answer(None);
        assert_eq!(v["cniVersion"], "1.1.0");
        assert_eq!(v["supportedVersions"].as_array().map(Vec::len), Some(7));
    }
}
