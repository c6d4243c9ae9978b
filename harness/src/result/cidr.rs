//! An IP address with a prefix length, as CNI results and the kernel write them
//! (`10.22.0.5/16`: the host address is kept, not masked to the network).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `addr/prefix` with `prefix` valid for the address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("`{0}` has no `/prefix`")]
    NoPrefix(String),
    #[error("`{0}` is not an IP address")]
    BadAddress(String),
    #[error("`{0}` is not a prefix length")]
    BadPrefix(String),
    #[error("prefix /{prefix} is longer than {max} bits")]
    PrefixTooLong { prefix: u8, max: u8 },
}

impl Cidr {
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Cidr, CidrError> {
        let max = max_prefix(addr);
        if prefix > max {
            return Err(CidrError::PrefixTooLong { prefix, max });
        }
        Ok(Cidr { addr, prefix })
    }

    /// A single host: /32 or /128.
    pub fn host(addr: IpAddr) -> Cidr {
        Cidr {
            addr,
            prefix: max_prefix(addr),
        }
    }

    /// `0.0.0.0/0` or `::/0`.
    pub fn default_route(ipv4: bool) -> Cidr {
        let addr = if ipv4 {
            IpAddr::from([0u8; 4])
        } else {
            IpAddr::from([0u8; 16])
        };
        Cidr { addr, prefix: 0 }
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// The same prefix with the host bits cleared (`10.22.0.0/16`).
    pub fn network(&self) -> Cidr {
        Cidr {
            addr: mask(self.addr, self.prefix),
            prefix: self.prefix,
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == mask(self.addr, self.prefix)
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::from((bits & m).to_be_bytes())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::from((bits & m).to_be_bytes())
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| CidrError::NoPrefix(s.to_string()))?;
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| CidrError::BadAddress(addr.to_string()))?;
        // Reject `+8`, ` 8` and leading zeros' cousins: only plain digits.
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CidrError::BadPrefix(prefix.to_string()));
        }
        let prefix: u8 = prefix
            .parse()
            .map_err(|_| CidrError::BadPrefix(prefix.to_string()))?;
        Cidr::new(addr, prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cidr, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_masks() {
        let c: Cidr = "10.22.0.5/16".parse().unwrap();
        assert_eq!(c.to_string(), "10.22.0.5/16");
        assert_eq!(c.network().to_string(), "10.22.0.0/16");
        assert!(c.contains("10.22.255.1".parse().unwrap()));
        assert!(!c.contains("10.23.0.1".parse().unwrap()));
        let v6: Cidr = "fd00::5/64".parse().unwrap();
        assert_eq!(v6.network().to_string(), "fd00::/64");
        assert_eq!(Cidr::default_route(true).to_string(), "0.0.0.0/0");
        assert!(Cidr::default_route(false).contains("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "10.0.0.1",
            "10.0.0.1/33",
            "x/8",
            "10.0.0.1/+8",
            "::1/129",
            "10.0.0.1/",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
