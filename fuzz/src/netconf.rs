//! The reference plugins' stdin parsing: the kit's `NetConf`, the bridge's
//! keys and the IPAM's ranges. Runtimes (and the harness's fuzzer) control
//! every byte of it.

use cni_plugin_kit::{CniResult, Env, NetConf, SpecVersion};
use cni_ref_bridge::config::{format_mac, parse_mac, BridgeConfig};
use cni_ref_ipam::config::IpamConfig;

use crate::gen::{json_or_generated, Doc};

/// Codes a config reader may answer with (SPEC.md "Error"): incompatible
/// version, invalid environment (IPAM's `CNI_ARGS IP=`), decode, invalid config.
const CONFIG_CODES: [u32; 4] = [1, 4, 6, 7];

pub fn plugin_netconf(data: &[u8]) {
    let bytes = json_or_generated(data, Doc::PluginConf);
    let conf = match NetConf::parse(&bytes) {
        Err(e) => return assert!(CONFIG_CODES.contains(&e.code), "{e:?}"),
        Ok(c) => c,
    };
    check_netconf(&conf);
    if let Some(prev) = &conf.prev_result {
        check_kit_result(prev);
    }
    check_bridge(&conf);
    check_ipam(&conf);
}

/// What the kit re-serialises for delegated plugins parses to the same thing.
fn check_netconf(conf: &NetConf) {
    let again = NetConf::parse(&conf.to_bytes()).expect("re-serialised config parses");
    assert_eq!(again.version, conf.version);
    assert_eq!(again.name, conf.name);
    assert_eq!(again.plugin_type, conf.plugin_type);
    assert_eq!(again.ipam_type, conf.ipam_type);
    assert_eq!(again.prev_result, conf.prev_result);
}

/// A decoded `prevResult` printed at the latest version decodes to itself,
/// and at every version prints a result the harness accepts (when its
/// interface indices are in range: the kit does not check those).
fn check_kit_result(r: &CniResult) {
    let latest = r.to_json(SpecVersion::LATEST);
    assert_eq!(
        CniResult::from_json(&latest).as_ref(),
        Ok(r),
        "kit result round trip at {}",
        SpecVersion::LATEST
    );
    let in_range = r
        .ips
        .iter()
        .all(|ip| ip.interface.is_none_or(|i| i < r.interfaces.len()));
    if !in_range {
        return;
    }
    for v in SpecVersion::ALL {
        let printed = r.to_json(v);
        if let Err(e) = cni_harness::result::parse_value(&printed) {
            panic!("harness rejects the kit's {v} result {printed}: {e}");
        }
    }
}

/// Accepted bridge settings are within their documented bounds, and a MAC
/// prints back as written (modulo case).
fn check_bridge(conf: &NetConf) {
    let b = match BridgeConfig::from_conf(conf) {
        Err(e) => return assert_eq!(e.code, 7, "{e:?}"),
        Ok(b) => b,
    };
    assert!(
        !b.bridge.is_empty() && b.bridge.len() <= 15,
        "{:?}",
        b.bridge
    );
    assert!(b.mtu.is_none_or(|m| (68..=65535).contains(&m)));
    assert!(b.vlan.is_none_or(|v| (1..=4094).contains(&v)));
    assert!(b.is_gateway || !b.is_default_gateway);
    if let Some(mac) = b.mac {
        assert_eq!(mac[0] & 1, 0, "multicast MAC accepted");
        assert_eq!(parse_mac(&format_mac(&mac)), Ok(mac));
    }
    for key in ["runtimeConfig", "args"] {
        let text = conf
            .raw
            .get(key)
            .and_then(|v| v.get("mac").or_else(|| v.get("cni")?.get("mac")))
            .and_then(|m| m.as_str());
        if let Some(mac) = text.and_then(|t| parse_mac(t).ok().map(|m| (t, m))) {
            assert_eq!(format_mac(&mac.1), mac.0.to_ascii_lowercase(), "MAC text");
        }
    }
}

/// Accepted ranges are well-formed: start ≤ end inside the subnet, network
/// and broadcast excluded, one family per set, no overlaps, gateway inside.
fn check_ipam(conf: &NetConf) {
    let env = Env::from_lookup(|k| (k == "CNI_COMMAND").then(|| "STATUS".to_string()))
        .expect("a STATUS env");
    let cfg = match IpamConfig::from_conf(conf, &env) {
        Err(e) => return assert!(CONFIG_CODES.contains(&e.code), "{e:?}"),
        Ok(c) => c,
    };
    assert!(cfg.network_dir().ends_with(&cfg.network));
    let all: Vec<_> = cfg.range_sets.iter().flatten().collect();
    for set in &cfg.range_sets {
        assert!(!set.is_empty());
        assert!(set
            .iter()
            .all(|r| r.start.is_ipv4() == set[0].start.is_ipv4()));
    }
    for (n, r) in all.iter().enumerate() {
        assert_eq!(r.subnet.network(), r.subnet);
        assert!(
            r.subnet.contains(r.start) && r.subnet.contains(r.end),
            "{r:?}"
        );
        assert!(r.contains(r.start) && r.contains(r.end));
        assert_ne!(r.start, r.subnet.addr(), "network address handed out");
        if r.subnet.is_ipv4() {
            assert_ne!(r.end, r.subnet.last(), "broadcast address handed out");
        }
        assert!(r.gateway.is_none_or(|g| r.subnet.contains(g)));
        assert!(r.capacity() <= range_len(r));
        assert_eq!(r.next(r.end), None);
        for other in &all[n + 1..] {
            assert!(!r.overlaps(other), "{r:?} overlaps {other:?}");
        }
    }
}

fn range_len(r: &cni_ref_ipam::range::Range) -> u128 {
    use cni_plugin_kit::cidr::to_bits;
    to_bits(r.end) - to_bits(r.start) + 1
}
