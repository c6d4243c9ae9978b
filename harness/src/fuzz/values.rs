//! Realistic CNI values, drawn with `arbitrary` from the session's random
//! bytes. Derived `Arbitrary` impls give mostly garbage strings that a plugin
//! rejects at the first parse; these look like what users write (and like the
//! near-misses they mistype), so mutations get past the parser into the code
//! that does the work.

use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{json, Value};

/// An interface name: valid ones, the 15-byte limit (IFNAMSIZ - 1) and just
/// past it, and characters the kernel refuses.
#[derive(Debug, Clone, PartialEq)]
pub struct IfName(pub String);

impl<'a> Arbitrary<'a> for IfName {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        const BASES: [&str; 8] = ["eth", "net", "cni", "br", "veth", "ens", "lo", "wlan"];
        let base = u.choose(&BASES)?;
        let n: u16 = u.int_in_range(0..=999)?;
        let name = match u.int_in_range(0..=9)? {
            0..=4 => format!("{base}{n}"),
            5 => "a".repeat(15),
            6 => "a".repeat(u.int_in_range(16..=64)?),
            7 => format!("{base}/{n}"),
            8 => format!("{base} {n}"),
            _ => u
                .choose(&["", ".", "..", "eth0:1", "eth%d", "lo", "all", "default"])?
                .to_string(),
        };
        Ok(IfName(name))
    }
}

/// An IPv4 or IPv6 address, mostly in private ranges, with edge cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Ip(pub String);

impl<'a> Arbitrary<'a> for Ip {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let s = match u.int_in_range(0..=7)? {
            0..=3 => {
                let b: u8 = u.int_in_range(0..=255)?;
                let c: u8 = u.arbitrary()?;
                let d: u8 = u.arbitrary()?;
                format!("10.{b}.{c}.{d}")
            }
            4 => format!(
                "fd00:{:x}::{:x}",
                u.arbitrary::<u16>()?,
                u.arbitrary::<u16>()?
            ),
            5 => u
                .choose(&[
                    "0.0.0.0",
                    "255.255.255.255",
                    "127.0.0.1",
                    "::",
                    "::1",
                    "169.254.1.1",
                ])?
                .to_string(),
            6 => u
                .choose(&[
                    "10.0.0.256",
                    "10.0.0",
                    "10.0.0.1.2",
                    "fd00:::1",
                    "10.0.0.1/24",
                ])?
                .to_string(),
            _ => format!("192.168.{}.{}", u.arbitrary::<u8>()?, u.arbitrary::<u8>()?),
        };
        Ok(Ip(s))
    }
}

/// A CIDR as text to fuzz with (parsed ones are `result::Cidr`): valid
/// networks of every prefix length, host bits set, and
/// prefixes out of range.
#[derive(Debug, Clone, PartialEq)]
pub struct CidrText(pub String);

impl<'a> Arbitrary<'a> for CidrText {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let ip = Ip::arbitrary(u)?.0;
        let v6 = ip.contains(':');
        let max = if v6 { 128 } else { 32 };
        let prefix: u16 = match u.int_in_range(0..=5)? {
            0..=2 => u.int_in_range(8..=max)?,
            3 => max,
            4 => 0,
            _ => u.int_in_range(max + 1..=max + 200)?,
        };
        Ok(CidrText(format!("{ip}/{prefix}")))
    }
}

/// A MAC address: unicast, multicast, broadcast, zero, and malformed.
#[derive(Debug, Clone, PartialEq)]
pub struct Mac(pub String);

impl<'a> Arbitrary<'a> for Mac {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let s = match u.int_in_range(0..=5)? {
            0..=2 => {
                let b: [u8; 6] = u.arbitrary()?;
                let first = b[0] & 0xfe | 0x02;
                format!(
                    "{first:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                    b[1], b[2], b[3], b[4], b[5]
                )
            }
            3 => u
                .choose(&[
                    "00:00:00:00:00:00",
                    "ff:ff:ff:ff:ff:ff",
                    "01:00:5e:00:00:01",
                ])?
                .to_string(),
            4 => "0A:58:0A:F4:00:05".to_string(),
            _ => u
                .choose(&[
                    "0a:58:0a",
                    "zz:zz:zz:zz:zz:zz",
                    "0a-58-0a-f4-00-05",
                    "0a:58:0a:f4:00:05:00",
                ])?
                .to_string(),
        };
        Ok(Mac(s))
    }
}

/// An MTU: usual values, jumbo frames and the numbers around every limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Mtu(pub i64);

impl<'a> Arbitrary<'a> for Mtu {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        const MTUS: [i64; 14] = [
            1500,
            1450,
            1280,
            1279,
            576,
            68,
            67,
            0,
            -1,
            9000,
            9001,
            65535,
            65536,
            4_294_967_296,
        ];
        Ok(Mtu(*u.choose(&MTUS)?))
    }
}

/// A `cniVersion`: every released version and the wrong ones a user or a
/// runtime might send.
#[derive(Debug, Clone, PartialEq)]
pub struct CniVersion(pub String);

impl<'a> Arbitrary<'a> for CniVersion {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        const VERSIONS: [&str; 16] = [
            "0.1.0",
            "0.2.0",
            "0.3.0",
            "0.3.1",
            "0.4.0",
            "1.0.0",
            "1.1.0",
            "",
            "0.0.0",
            "1.2.0",
            "99.0.0",
            "1.0",
            "v1.0.0",
            "1.0.0-rc1",
            "1.0.0 ",
            "01.0.0",
        ];
        Ok(CniVersion(u.choose(&VERSIONS)?.to_string()))
    }
}

/// Strings that break naive handling: empty, long, unicode, path-like,
/// control characters. Path-like ones never climb out with `..`: plugins run
/// as root and a state directory named by the fuzzer must stay in the sandbox.
pub fn odd_string(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=9)? {
        0 => String::new(),
        1 => "x".repeat(u.int_in_range(16..=300)?),
        2 => "y".repeat(u.int_in_range(4096..=70_000)?),
        3 => u
            .choose(&["ünïcödé", "网络", "🦀🦀", "\u{202e}evil", "a\u{0}b"])?
            .to_string(),
        4 => u
            .choose(&[
                "a/b",
                "./x",
                "//run/cni/fuzz",
                "/run/cni/fuzz/x",
                "/var/lib/cni/fuzz/y",
            ])?
            .to_string(),
        5 => u
            .choose(&[" ", "\t\n", "a b", "-x", "--help", "$(id)"])?
            .to_string(),
        6 => u.choose(&[".", "..", "*", "%s%n", "\\", "\""])?.to_string(),
        7 => IfName::arbitrary(u)?.0,
        8 => CidrText::arbitrary(u)?.0,
        _ => format!("fuzz{}", u.arbitrary::<u16>()?),
    })
}

/// Numbers at the edges of the integer types plugins parse into.
pub fn boundary_number(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=13)? {
        0 => json!(0),
        1 => json!(-1),
        2 => json!(1),
        3 => json!(i32::MAX),
        4 => json!(i64::from(i32::MAX) + 1),
        5 => json!(u32::MAX),
        6 => json!(u64::from(u32::MAX) + 1),
        7 => json!(i64::MAX),
        8 => json!(u64::MAX),
        9 => json!(i64::MIN),
        10 => json!(1.5),
        11 => json!(1e308),
        12 => json!(65536),
        _ => json!(4096),
    })
}

/// Whether [`for_key`] has realistic values for a field of this name.
pub fn has_realistic_values(key: &str) -> bool {
    matches!(for_key(key, &mut Unstructured::new(&[0; 64])), Ok(Some(_)))
}

/// A realistic value for a field, judged by its name (the CNI and reference
/// plugin vocabulary); `None` when the name says nothing.
pub fn for_key(key: &str, u: &mut Unstructured<'_>) -> Result<Option<Value>> {
    let k = key.to_ascii_lowercase();
    let v = match k.as_str() {
        "cniversion" => json!(CniVersion::arbitrary(u)?.0),
        "bridge" | "master" | "device" | "ifname" | "vrfname" | "parent" => {
            json!(IfName::arbitrary(u)?.0)
        }
        "mtu" | "advmss" => json!(Mtu::arbitrary(u)?.0),
        "mac" | "hwaddr" => json!(Mac::arbitrary(u)?.0),
        "subnet" | "dst" | "range" | "ipmasqbackend" => json!(CidrText::arbitrary(u)?.0),
        "gateway" | "gw" | "rangestart" | "rangeend" | "address" => json!(Ip::arbitrary(u)?.0),
        "vlan" | "vlanid" => json!(*u.choose(&[0, 1, 4094, 4095, 4096, -1])?),
        "mode" => json!(*u.choose(&["bridge", "private", "vepa", "passthru", "l2", "l3", "x"])?),
        _ if k.starts_with("is")
            || k.starts_with("enable")
            || k.starts_with("disable")
            || k.ends_with("mode") && k != "mode"
            || [
                "ipmasq",
                "hairpinmode",
                "promiscmode",
                "forceaddress",
                "macspoofchk",
            ]
            .contains(&k.as_str()) =>
        {
            json!(u.arbitrary::<bool>()?)
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// A value of any JSON type, small and plausible.
pub fn any_value(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=6)? {
        0 => Value::Null,
        1 => json!(u.arbitrary::<bool>()?),
        2 => boundary_number(u)?,
        3 => json!(odd_string(u)?),
        4 => json!([]),
        5 => json!({}),
        _ => json!([odd_string(u)?]),
    })
}
