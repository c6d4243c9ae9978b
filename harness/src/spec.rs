//! Vocabulary of the CNI specification: versions, verbs, error codes.
//!
//! Everything else in the harness speaks in these types so that a version or a
//! verb can never be a free-form string past the command line.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A released version of the CNI specification.
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
    /// Every version, oldest first.
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

    /// `CNI_VERSION` was an environment variable only in 0.1.0.
    pub fn has_version_env(self) -> bool {
        self == SpecVersion::V0_1_0
    }

    /// The VERSION verb exists from 0.2.0.
    pub fn has_version_verb(self) -> bool {
        self >= SpecVersion::V0_2_0
    }

    /// Configuration lists, `prevResult` chaining and `runtimeConfig` from 0.3.0.
    pub fn has_chaining(self) -> bool {
        self >= SpecVersion::V0_3_0
    }

    /// CHECK, and `prevResult` on DEL, from 0.4.0.
    pub fn has_check(self) -> bool {
        self >= SpecVersion::V0_4_0
    }

    /// STATUS and GC from 1.1.0.
    pub fn has_status_and_gc(self) -> bool {
        self >= SpecVersion::V1_1_0
    }

    /// Single-plugin `.conf` files were dropped in 1.0.0.
    pub fn allows_single_conf(self) -> bool {
        self < SpecVersion::V1_0_0
    }

    /// Result shape family: 0.1.0/0.2.0 (`ip4`/`ip6`) or 0.3.0+ (`interfaces`/`ips`).
    pub fn legacy_result(self) -> bool {
        self < SpecVersion::V0_3_0
    }

    /// Whether `ips[].version` is part of results (0.3.x and 0.4.0 only).
    pub fn ips_carry_version(self) -> bool {
        (SpecVersion::V0_3_0..SpecVersion::V1_0_0).contains(&self)
    }

    /// Whether this verb exists at this version.
    pub fn supports(self, verb: Verb) -> bool {
        match verb {
            Verb::Add | Verb::Del => true,
            Verb::Version => self.has_version_verb(),
            Verb::Check => self.has_check(),
            Verb::Status | Verb::Gc => self.has_status_and_gc(),
        }
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown CNI spec version {0:?} (known: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)")]
pub struct UnknownVersion(pub String);

impl FromStr for SpecVersion {
    type Err = UnknownVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SpecVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownVersion(s.to_string()))
    }
}

impl Serialize for SpecVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SpecVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A CNI operation, as passed in `CNI_COMMAND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verb {
    Add,
    Del,
    Check,
    Version,
    Status,
    Gc,
}

impl Verb {
    pub const ALL: [Verb; 6] = [
        Verb::Add,
        Verb::Del,
        Verb::Check,
        Verb::Version,
        Verb::Status,
        Verb::Gc,
    ];

    /// The value of `CNI_COMMAND`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Add => "ADD",
            Verb::Del => "DEL",
            Verb::Check => "CHECK",
            Verb::Version => "VERSION",
            Verb::Status => "STATUS",
            Verb::Gc => "GC",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Verb {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verb::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown CNI verb {s:?} (known: add, del, check, version, status, gc)")
            })
    }
}

/// Well-known error codes (SPEC.md "Error" section; 8 and 999 are libcni/Go conventions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    IncompatibleVersion = 1,
    UnsupportedField = 2,
    UnknownContainer = 3,
    InvalidEnvironment = 4,
    Io = 5,
    Decode = 6,
    InvalidConfig = 7,
    /// Not in SPEC.md; Go's skel uses it for an invalid `CNI_NETNS`.
    InvalidNetns = 8,
    TryAgainLater = 11,
    PluginNotAvailable = 50,
    LimitedConnectivity = 51,
}

impl ErrorCode {
    pub fn code(self) -> u64 {
        self as u64
    }

    /// Codes 1-99 are reserved by the spec; 100+ are the plugin's own.
    pub fn is_reserved(code: u64) -> bool {
        (1..100).contains(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_and_order() {
        for v in SpecVersion::ALL {
            assert_eq!(v.as_str().parse::<SpecVersion>(), Ok(v));
        }
        assert!(SpecVersion::V0_3_1 > SpecVersion::V0_3_0);
        assert!("9.9.9".parse::<SpecVersion>().is_err());
    }

    #[test]
    fn verbs_exist_where_the_spec_says() {
        assert!(!SpecVersion::V0_1_0.supports(Verb::Version));
        assert!(!SpecVersion::V0_3_1.supports(Verb::Check));
        assert!(SpecVersion::V0_4_0.supports(Verb::Check));
        assert!(!SpecVersion::V1_0_0.supports(Verb::Gc));
        assert!(SpecVersion::V1_1_0.supports(Verb::Status));
    }
}
