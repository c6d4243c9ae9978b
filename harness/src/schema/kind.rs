//! The kinds of document the spec defines, by the names the command line
//! and the schema files use.

use std::fmt;
use std::str::FromStr;

/// The kinds of JSON document the CNI spec defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKind {
    /// The configuration one plugin reads on stdin.
    Config,
    /// A network configuration list (0.3.0+).
    Conflist,
    /// The success result of ADD.
    Result,
    /// The abbreviated result a delegated IPAM plugin returns.
    IpamResult,
    /// The error object of a failed operation.
    Error,
    /// The result of the VERSION verb (0.2.0+).
    Version,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Config,
        DocumentKind::Conflist,
        DocumentKind::Result,
        DocumentKind::IpamResult,
        DocumentKind::Error,
        DocumentKind::Version,
    ];

    /// The name used on the command line and in schema file names.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Config => "config",
            DocumentKind::Conflist => "conflist",
            DocumentKind::Result => "result",
            DocumentKind::IpamResult => "ipam-result",
            DocumentKind::Error => "error",
            DocumentKind::Version => "version",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown document kind {0:?} (known: config, conflist, result, ipam-result, error, version)"
)]
pub struct UnknownKind(pub String);

impl FromStr for DocumentKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}
