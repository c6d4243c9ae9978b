//! A schema-directed JSON generator: turns fuzzer bytes into CNI-shaped
//! documents (known keys, realistic versions, CIDRs, addresses inside the
//! generated subnets), so the deep validation paths (IPAM ranges, results,
//! profiles) are reached far more often than from raw JSON mutation. One
//! value in eight is replaced by an arbitrary one to keep type confusion in play.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Number, Value};

/// Documents no deeper than this (the parsers under test are not recursive
/// beyond a few levels; deeper nesting only slows the fuzzer down).
const MAX_DEPTH: u32 = 6;

const VERSIONS: &[&str] = &[
    "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", "", "2.0.0", "1.0",
];
const TYPES: &[&str] = &[
    "bridge",
    "cni-ref-bridge",
    "cni-ref-ipam",
    "host-local",
    "portmap",
    "tuning",
    "../x",
    "",
    ".",
];
const NAMES: &[&str] = &["net", "n", "", "..", "a/b", "ünï", "x y", "eth0"];
const SUBNETS: &[(&str, u8)] = &[
    ("10.22.0.0", 16),
    ("10.22.0.0", 24),
    ("10.22.0.0", 30),
    ("10.22.0.0", 31),
    ("10.22.0.4", 24),
    ("0.0.0.0", 0),
    ("fd00::", 64),
    ("fd00::", 120),
    ("fd00::", 126),
    ("fd00::", 127),
    ("::", 0),
];
const ODD_CIDRS: &[&str] = &[
    "10.0.0.1",
    "10.0.0.0/+8",
    "10.0.0.0/08",
    "10.0.0.0/33",
    "::1/129",
    "fe80::1%eth0/64",
    "/24",
    "10.0.0.0/",
];
const MACS: &[&str] = &[
    "02:00:00:00:00:01",
    "0A:1b:2C:3d:4E:5f",
    "01:00:5e:00:00:01",
    "+2:00:00:00:00:01",
    "2:0:0:0:0:1",
    "02-00-00-00-00-01",
    "",
];
const NUMBERS: &[i64] = &[
    0,
    1,
    -1,
    67,
    68,
    1500,
    4094,
    4095,
    65535,
    65536,
    u32::MAX as i64,
    u32::MAX as i64 + 1,
    i64::MAX,
];

const PLUGIN_KEYS: &[&str] = &[
    "type",
    "cniVersion",
    "name",
    "bridge",
    "isGateway",
    "isDefaultGateway",
    "ipMasq",
    "mtu",
    "vlan",
    "hairpinMode",
    "macspoofchk",
    "ipam",
    "capabilities",
    "runtimeConfig",
    "args",
    "prevResult",
    "dns",
];
const CONFLIST_KEYS: &[&str] = &[
    "cniVersion",
    "cniVersions",
    "name",
    "plugins",
    "type",
    "disableCheck",
    "disableGC",
];
const IPAM_KEYS: &[&str] = &[
    "type",
    "subnet",
    "rangeStart",
    "rangeEnd",
    "gateway",
    "ranges",
    "routes",
    "dataDir",
    "dns",
];
const RANGE_KEYS: &[&str] = &["subnet", "rangeStart", "rangeEnd", "gateway"];
const RESULT_KEYS: &[&str] = &[
    "cniVersion",
    "interfaces",
    "ips",
    "ip",
    "routes",
    "dns",
    "ip4",
    "ip6",
];
const ERROR_KEYS: &[&str] = &["cniVersion", "code", "msg", "details"];
const PROFILE_KEYS: &[&str] = &[
    "profile",
    "plugin",
    "role",
    "cniPath",
    "needs",
    "config",
    "description",
];

/// Top-level shapes the generator can build.
#[derive(Debug, Clone, Copy)]
pub enum Doc {
    /// A configuration list or single plugin configuration.
    NetworkConfig,
    /// A profile file wrapping a configuration.
    Profile,
    /// What a plugin prints: a result or an error.
    Reply,
    /// A single plugin's stdin.
    PluginConf,
}

/// One document of the given shape, as JSON text.
pub fn document(u: &mut Unstructured, doc: Doc) -> Result<Vec<u8>> {
    let value = match doc {
        Doc::NetworkConfig => object(u, CONFLIST_KEYS, 0)?,
        Doc::Profile => object(u, PROFILE_KEYS, 0)?,
        Doc::Reply if u.ratio(1, 4)? => object(u, ERROR_KEYS, 0)?,
        Doc::Reply => object(u, RESULT_KEYS, 0)?,
        Doc::PluginConf => object(u, PLUGIN_KEYS, 0)?,
    };
    Ok(serde_json::to_vec(&value).unwrap_or_default())
}

/// Raw JSON text passes through, so seed files and their mutations are
/// parsed as written; anything else seeds the generator.
pub fn json_or_generated(data: &[u8], doc: Doc) -> Vec<u8> {
    match data.first() {
        Some(b'{' | b'[' | b' ' | b'\n' | b'\t' | b'\r') | None => data.to_vec(),
        Some(_) => document(&mut Unstructured::new(data), doc).unwrap_or_default(),
    }
}

/// An object with a subset of `keys` (in a fuzzer-chosen order), each value
/// fitting its key.
fn object(u: &mut Unstructured, keys: &[&str], depth: u32) -> Result<Value> {
    let mut obj = Map::new();
    for key in keys {
        if u.ratio(2, 3)? {
            obj.insert((*key).to_string(), field(u, key, depth + 1)?);
        }
    }
    if u.ratio(1, 16)? {
        obj.insert(u.arbitrary::<String>()?, any(u, depth + 1)?);
    }
    Ok(Value::Object(obj))
}

fn field(u: &mut Unstructured, key: &str, depth: u32) -> Result<Value> {
    if depth > MAX_DEPTH || u.ratio(1, 8)? {
        return any(u, depth);
    }
    Ok(match key {
        "cniVersion" => pick(u, VERSIONS)?,
        "cniVersions" => list(u, |u| pick(u, VERSIONS))?,
        "name" | "profile" | "bridge" | "msg" | "details" | "description" => pick(u, NAMES)?,
        "type" | "plugin" => pick(u, TYPES)?,
        "role" => pick(u, &["main", "ipam", "meta", "Main", ""])?,
        "plugins" => list(u, |u| object(u, PLUGIN_KEYS, depth))?,
        "config" => object(u, CONFLIST_KEYS, depth)?,
        "ipam" => object(u, IPAM_KEYS, depth)?,
        "ranges" => list(u, |u| list(u, |u| object(u, RANGE_KEYS, depth)))?,
        "subnet" | "dst" | "address" => cidr(u)?,
        "gateway" | "gw" | "rangeStart" | "rangeEnd" => ip(u)?,
        "mac" => pick(u, MACS)?,
        "mtu" | "vlan" | "table" | "priority" | "advmss" | "scope" | "interface" | "code" => {
            number(u)?
        }
        "isGateway" | "isDefaultGateway" | "ipMasq" | "hairpinMode" | "macspoofchk"
        | "disableCheck" | "disableGC" | "fixedAddresses" => Value::Bool(u.arbitrary::<bool>()?),
        "prevResult" => object(u, RESULT_KEYS, depth)?,
        "ip4" | "ip6" => object(u, &["ip", "gateway", "routes"], depth)?,
        "ip" if u.ratio(1, 2)? => cidr(u)?,
        "ip" | "ips" if u.ratio(1, 2)? => list(u, |u| {
            object(u, &["address", "gateway", "interface", "version"], depth)
        })?,
        "ip" | "ips" => list(u, ip)?,
        "interfaces" => list(u, |u| {
            object(
                u,
                &["name", "mac", "mtu", "sandbox", "socketPath", "pciID"],
                depth,
            )
        })?,
        "routes" => list(u, |u| {
            object(
                u,
                &["dst", "gw", "mtu", "advmss", "priority", "table", "scope"],
                depth,
            )
        })?,
        "dns" => object(u, &["nameservers", "domain", "search", "options"], depth)?,
        "nameservers" | "search" | "options" | "cniPath" | "linkKinds" => list(u, ip)?,
        "runtimeConfig" => object(u, &["mac", "ips", "portMappings"], depth)?,
        "args" => object(u, &["cni"], depth)?,
        "cni" => object(u, &["ips", "mac"], depth)?,
        "needs" => object(
            u,
            &[
                "parentLink",
                "linkKinds",
                "ifname",
                "capabilityArgs",
                "fixedAddresses",
            ],
            depth,
        )?,
        _ => any(u, depth)?,
    })
}

fn pick(u: &mut Unstructured, pool: &[&str]) -> Result<Value> {
    if u.ratio(1, 8)? {
        return Ok(Value::String(u.arbitrary::<String>()?));
    }
    Ok(Value::String((*u.choose(pool)?).to_string()))
}

fn list(
    u: &mut Unstructured,
    mut item: impl FnMut(&mut Unstructured) -> Result<Value>,
) -> Result<Value> {
    let n = u.int_in_range(0..=3)?;
    (0..n)
        .map(|_| item(u))
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

/// A subnet from the pool, or the pool's base address with another prefix,
/// or a malformed one.
fn cidr(u: &mut Unstructured) -> Result<Value> {
    if u.ratio(1, 8)? {
        return pick(u, ODD_CIDRS);
    }
    let (base, prefix) = *u.choose(SUBNETS)?;
    let prefix = if u.ratio(3, 4)? {
        prefix
    } else {
        u.int_in_range(0..=130)?
    };
    let addr = offset(base, u)?;
    Ok(Value::String(format!("{addr}/{prefix}")))
}

/// An address near one of the pool's subnets (so often inside it).
fn ip(u: &mut Unstructured) -> Result<Value> {
    if u.ratio(1, 16)? {
        return pick(
            u,
            &["", "x", "10.0.0.256", "fe80::1%eth0", "::ffff:10.22.0.1"],
        );
    }
    let (base, _) = *u.choose(SUBNETS)?;
    Ok(Value::String(offset(base, u)?))
}

fn offset(base: &str, u: &mut Unstructured) -> Result<String> {
    let delta: u16 = if u.ratio(1, 2)? {
        u.int_in_range(0..=5)?
    } else {
        u.arbitrary::<u16>()?
    };
    Ok(match base.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            std::net::Ipv4Addr::from(u32::from(a).wrapping_add(u32::from(delta))).to_string()
        }
        Ok(std::net::IpAddr::V6(a)) => {
            std::net::Ipv6Addr::from(u128::from(a).wrapping_add(u128::from(delta))).to_string()
        }
        Err(_) => base.to_string(),
    })
}

fn number(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=3)? {
        0 => Value::Number(u.arbitrary::<i64>()?.into()),
        1 => Number::from_f64(u.arbitrary::<f64>()?)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        _ => Value::Number((*u.choose(NUMBERS)?).into()),
    })
}

/// Any JSON value, small.
fn any(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let deeper = depth < MAX_DEPTH;
    Ok(match u.int_in_range(0..=6)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary::<bool>()?),
        2 => number(u)?,
        3 if deeper => list(u, |u| any(u, depth + 1))?,
        4 if deeper => {
            let mut obj = Map::new();
            for _ in 0..u.int_in_range(0..=3)? {
                obj.insert(u.arbitrary::<String>()?, any(u, depth + 1)?);
            }
            Value::Object(obj)
        }
        _ => Value::String(u.arbitrary::<String>()?),
    })
}
