//! A plugin's success result, whatever spec version it speaks, normalised into
//! one model so oracles can compare it with the kernel.
//!
//! Shapes by version (SPEC.md "Result" section of each tag):
//! - 0.1.0 / 0.2.0: `ip4` / `ip6` objects (`ip`, `gateway`, `routes`), `dns`.
//! - 0.3.0: `interfaces`, `ips` (written `ip` in the 0.3.0 text by mistake:
//!   both are accepted), `routes`, `dns`; `ips[].version` present.
//! - 0.3.1 / 0.4.0: the same; 1.0.0 drops `ips[].version`.
//! - 1.1.0: adds interface `mtu`, `socketPath`, `pciID` and route `mtu`,
//!   `advmss`, `priority`, `table`, `scope`.
//!
//! This module only normalises; whether a result is *valid* for its version is
//! the job of `schema`. Parsing is lenient where the model does not care and
//! strict where a wrong value would mislead an oracle (addresses, indices).

mod cidr;
pub mod libcni;
mod parse;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::spec::SpecVersion;

pub use cidr::{Cidr, CidrError};
pub use parse::{parse, parse_as_libcni, parse_value, ParseError};

/// A success result in the version-independent model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CniResult {
    pub cni_version: SpecVersion,
    pub interfaces: Vec<Interface>,
    pub ips: Vec<IpConfig>,
    pub routes: Vec<Route>,
    pub dns: Dns,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub name: String,
    /// As written by the plugin (case is not normalised here).
    pub mac: Option<String>,
    pub mtu: Option<u32>,
    /// The namespace path for container-side interfaces; `None` for host ones
    /// (an empty string counts as absent, as Go's `omitempty` writes it).
    pub sandbox: Option<String>,
    pub socket_path: Option<String>,
    pub pci_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpConfig {
    pub address: Cidr,
    pub gateway: Option<IpAddr>,
    /// Index into `interfaces`, checked to be in range. Always `None` for
    /// 0.1.0/0.2.0 results, whose addresses belong to `CNI_IFNAME`.
    pub interface: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub dst: Cidr,
    pub gw: Option<IpAddr>,
    pub mtu: Option<u32>,
    pub advmss: Option<u32>,
    pub priority: Option<u32>,
    pub table: Option<u32>,
    pub scope: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dns {
    pub nameservers: Vec<String>,
    pub domain: Option<String>,
    pub search: Vec<String>,
    pub options: Vec<String>,
}

impl CniResult {
    /// The interface an address belongs to, if the result says.
    pub fn interface_of(&self, ip: &IpConfig) -> Option<&Interface> {
        ip.interface.and_then(|i| self.interfaces.get(i))
    }

    /// Every address without its prefix, for matching names in leftovers.
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.ips.iter().map(|ip| ip.address.addr()).collect()
    }
}
