//! One allocation range (`{subnet, rangeStart, rangeEnd, gateway}`) and its
//! defaults and validation, as host-local defines them.

use std::net::IpAddr;

use cni_plugin_kit::cidr::{from_bits, to_bits};
use cni_plugin_kit::{CniError, IpNet};
use serde_json::Value;

/// A validated range: `start..=end` inside `subnet`; `gateway` is never handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub subnet: IpNet,
    pub start: IpAddr,
    pub end: IpAddr,
    pub gateway: Option<IpAddr>,
}

impl Range {
    /// Parse the JSON object at `field` (used in error messages).
    pub fn parse(v: &Value, field: &str) -> Result<Range, CniError> {
        let obj = v
            .as_object()
            .ok_or_else(|| CniError::config(field, "must be an object"))?;
        let text = |key: &str| -> Result<Option<&str>, CniError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(CniError::config(
                    &format!("{field}.{key}"),
                    "must be a string",
                )),
            }
        };
        let subnet_s = text("subnet")?
            .ok_or_else(|| CniError::config(&format!("{field}.subnet"), "is required"))?;
        let subnet: IpNet = subnet_s
            .parse()
            .map_err(|e| CniError::config(&format!("{field}.subnet"), e))?;
        Range::build(
            subnet,
            text("rangeStart")?,
            text("rangeEnd")?,
            text("gateway")?,
            field,
        )
    }

    /// Validate and fill defaults: start = network+1, end = last usable,
    /// gateway = network+1.
    pub fn build(
        subnet: IpNet,
        start: Option<&str>,
        end: Option<&str>,
        gateway: Option<&str>,
        field: &str,
    ) -> Result<Range, CniError> {
        let f = |k: &str| format!("{field}.{k}");
        if subnet.network() != subnet {
            return Err(CniError::config(
                &f("subnet"),
                format!(
                    "{subnet} has host bits set (network is {})",
                    subnet.network()
                ),
            ));
        }
        // At least a network address and two more usable ones.
        let max = if subnet.is_ipv4() { 30 } else { 126 };
        if subnet.prefix() > max {
            return Err(CniError::config(
                &f("subnet"),
                format!("{subnet} is too small to allocate from"),
            ));
        }
        let net = to_bits(subnet.addr());
        let last_usable = if subnet.is_ipv4() {
            to_bits(subnet.last()) - 1 // the broadcast address is not usable
        } else {
            to_bits(subnet.last())
        };
        let parse_in = |key: &str, raw: Option<&str>| -> Result<Option<IpAddr>, CniError> {
            let Some(raw) = raw else { return Ok(None) };
            let ip: IpAddr = raw
                .parse()
                .map_err(|_| CniError::config(&f(key), format!("{raw:?} is not an IP address")))?;
            if !subnet.contains(ip) {
                return Err(CniError::config(
                    &f(key),
                    format!("{ip} is not in subnet {subnet}"),
                ));
            }
            Ok(Some(ip))
        };
        let default_first = from_bits(subnet.addr(), net + 1);
        let start = parse_in("rangeStart", start)?.unwrap_or(default_first);
        let end = parse_in("rangeEnd", end)?.unwrap_or(from_bits(subnet.addr(), last_usable));
        let gateway = Some(parse_in("gateway", gateway)?.unwrap_or(default_first));
        if to_bits(start) > to_bits(end) {
            return Err(CniError::config(
                &f("rangeStart"),
                format!("{start} is after rangeEnd {end}"),
            ));
        }
        if to_bits(start) == net || to_bits(end) > last_usable {
            return Err(CniError::config(
                &f("rangeStart"),
                "range includes the network or broadcast address",
            ));
        }
        Ok(Range {
            subnet,
            start,
            end,
            gateway,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.start.is_ipv4()
            && (to_bits(self.start)..=to_bits(self.end)).contains(&to_bits(ip))
    }

    pub fn overlaps(&self, other: &Range) -> bool {
        self.contains(other.start)
            || self.contains(other.end)
            || other.contains(self.start)
            || other.contains(self.end)
    }

    /// Addresses this range can hand out (gateway excluded).
    pub fn capacity(&self) -> u128 {
        let n = to_bits(self.end) - to_bits(self.start) + 1;
        n - self.gateway.map_or(0, |g| self.contains(g) as u128)
    }

    /// The address after `ip`, or None past the end.
    pub fn next(&self, ip: IpAddr) -> Option<IpAddr> {
        let b = to_bits(ip);
        (b < to_bits(self.end)).then(|| from_bits(ip, b + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_follow_the_subnet() {
        let r = Range::parse(&json!({"subnet": "10.1.0.0/24"}), "r").unwrap();
        assert_eq!(r.start.to_string(), "10.1.0.1");
        assert_eq!(r.end.to_string(), "10.1.0.254");
        assert_eq!(r.gateway.unwrap().to_string(), "10.1.0.1");
        assert_eq!(r.capacity(), 253);
        let r = Range::parse(&json!({"subnet": "fd00::/120"}), "r").unwrap();
        assert_eq!(r.end.to_string(), "fd00::ff");
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (json!({}), "r.subnet"),
            (json!({"subnet": "10.1.0.5/24"}), "r.subnet"),
            (json!({"subnet": "10.1.0.0/31"}), "r.subnet"),
            (json!({"subnet": "nope"}), "r.subnet"),
            (
                json!({"subnet": "10.1.0.0/24", "rangeStart": "10.2.0.1"}),
                "r.rangeStart",
            ),
            (
                json!({"subnet": "10.1.0.0/24", "rangeEnd": "x"}),
                "r.rangeEnd",
            ),
            (json!({"subnet": "10.1.0.0/24", "gateway": 5}), "r.gateway"),
            (
                json!({"subnet": "10.1.0.0/24", "rangeStart": "10.1.0.9", "rangeEnd": "10.1.0.3"}),
                "r.rangeStart",
            ),
        ];
        for (v, field) in cases {
            let e = Range::parse(&v, "r").unwrap_err();
            assert_eq!(e.code, 7);
            assert!(e.msg.starts_with(field), "{v}: {}", e.msg);
        }
    }
}
