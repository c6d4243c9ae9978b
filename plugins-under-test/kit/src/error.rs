//! The CNI error object (SPEC.md "Error" section): `{cniVersion, code, msg,
//! details}` printed on stdout with a non-zero exit status.

use std::fmt;

/// Well-known error codes. 1-99 are reserved by the spec; 100+ are ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    IncompatibleVersion = 1,
    UnsupportedField = 2,
    UnknownContainer = 3,
    InvalidEnvironment = 4,
    Io = 5,
    Decode = 6,
    InvalidConfig = 7,
    /// Not in SPEC.md; Go's skel uses it when CNI_NETNS is the plugin's own namespace.
    InvalidNetns = 8,
    TryAgainLater = 11,
    /// STATUS: the plugin cannot serve ADDs (e.g. address pool exhausted).
    NotAvailable = 50,
    /// Our own: a netlink operation failed.
    Netlink = 100,
    /// Our own: a delegated plugin failed or returned garbage.
    Delegate = 101,
    /// Our own: an address pool has no free address.
    NoAddressAvailable = 102,
    /// Our own: a firewall (nft) operation failed.
    Firewall = 103,
    /// Our own: CHECK found the kernel disagreeing with prevResult.
    CheckFailed = 104,
    /// Our own: the attachment already exists (its address or interface).
    AlreadyExists = 105,
    /// Our own: a bug (panic caught by the dispatcher).
    Internal = 999,
}

/// An error a plugin reports to its runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CniError {
    pub code: u32,
    pub msg: String,
    pub details: String,
}

impl CniError {
    pub fn new(code: ErrorCode, msg: impl Into<String>) -> CniError {
        CniError::with_code(code as u32, msg)
    }

    /// A raw code, e.g. one relayed from a delegated plugin.
    pub fn with_code(code: u32, msg: impl Into<String>) -> CniError {
        CniError {
            code,
            msg: msg.into(),
            details: String::new(),
        }
    }

    pub fn details(mut self, details: impl Into<String>) -> CniError {
        self.details = details.into();
        self
    }

    pub fn incompatible(msg: impl Into<String>) -> CniError {
        CniError::new(ErrorCode::IncompatibleVersion, msg)
    }

    /// Code 4; `msg` must name the variable.
    pub fn env(msg: impl Into<String>) -> CniError {
        CniError::new(ErrorCode::InvalidEnvironment, msg)
    }

    pub fn decode(msg: impl Into<String>) -> CniError {
        CniError::new(ErrorCode::Decode, msg)
    }

    /// Code 7 naming the offending field.
    pub fn config(field: &str, problem: impl fmt::Display) -> CniError {
        CniError::new(ErrorCode::InvalidConfig, format!("{field}: {problem}"))
    }

    pub fn netlink(what: impl fmt::Display, err: impl fmt::Display) -> CniError {
        CniError::new(ErrorCode::Netlink, format!("{what}: {err}"))
    }

    pub fn io(what: impl fmt::Display, err: impl fmt::Display) -> CniError {
        CniError::new(ErrorCode::Io, format!("{what}: {err}"))
    }

    /// The JSON object, with `cniVersion` (Go plugins omit it; the spec's
    /// examples carry it).
    pub fn to_json(&self, version: &str) -> serde_json::Value {
        let mut v = serde_json::json!({
            "cniVersion": version,
            "code": self.code,
            "msg": self.msg,
        });
        if !self.details.is_empty() {
            v["details"] = self.details.clone().into();
        }
        v
    }
}

impl fmt::Display for CniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CNI error {}: {}", self.code, self.msg)?;
        if !self.details.is_empty() {
            write!(f, " ({})", self.details)?;
        }
        Ok(())
    }
}

impl std::error::Error for CniError {}
