use serde_json::json;

use super::*;
use crate::version::SpecVersion;

fn sample() -> CniResult {
    CniResult {
        interfaces: vec![
            Interface {
                name: "cni0".into(),
                mac: Some("aa:bb:cc:dd:ee:ff".into()),
                mtu: Some(1500),
                ..Default::default()
            },
            Interface {
                name: "eth0".into(),
                mac: Some("aa:bb:cc:dd:ee:00".into()),
                sandbox: Some("/run/netns/x".into()),
                ..Default::default()
            },
        ],
        ips: vec![
            IpConfig {
                address: "10.1.0.2/24".parse().unwrap(),
                gateway: Some("10.1.0.1".parse().unwrap()),
                interface: Some(1),
            },
            IpConfig {
                address: "fd00::2/64".parse().unwrap(),
                gateway: None,
                interface: Some(1),
            },
        ],
        routes: vec![Route {
            priority: Some(5),
            ..Route::new(
                "0.0.0.0/0".parse().unwrap(),
                Some("10.1.0.1".parse().unwrap()),
            )
        }],
        dns: Dns {
            nameservers: vec!["10.1.0.1".into()],
            ..Default::default()
        },
    }
}

#[test]
fn legacy_shape() {
    let j = sample().to_json(SpecVersion::V0_2_0);
    assert_eq!(j["cniVersion"], "0.2.0");
    assert_eq!(j["ip4"]["ip"], "10.1.0.2/24");
    assert_eq!(j["ip4"]["gateway"], "10.1.0.1");
    assert_eq!(
        j["ip4"]["routes"][0],
        json!({"dst": "0.0.0.0/0", "gw": "10.1.0.1"})
    );
    assert_eq!(j["ip6"]["ip"], "fd00::2/64");
    assert!(j.get("interfaces").is_none());
}

#[test]
fn v0_4_carries_ip_version_and_no_extras() {
    let j = sample().to_json(SpecVersion::V0_4_0);
    assert_eq!(j["ips"][0]["version"], "4");
    assert_eq!(j["ips"][1]["version"], "6");
    assert_eq!(j["ips"][0]["interface"], 1);
    assert!(j["interfaces"][0].get("mtu").is_none());
    assert!(j["routes"][0].get("priority").is_none());
}

#[test]
fn v1_drops_version_and_1_1_adds_extras() {
    let j = sample().to_json(SpecVersion::V1_0_0);
    assert!(j["ips"][0].get("version").is_none());
    assert!(j["interfaces"][0].get("mtu").is_none());
    let j = sample().to_json(SpecVersion::V1_1_0);
    assert_eq!(j["interfaces"][0]["mtu"], 1500);
    assert_eq!(j["routes"][0]["priority"], 5);
    assert_eq!(j["interfaces"][1]["sandbox"], "/run/netns/x");
}

#[test]
fn round_trip_every_version() {
    for v in SpecVersion::ALL {
        let j = sample().to_json(v);
        let back = CniResult::from_json(&j).unwrap();
        if v.legacy_result() {
            assert_eq!(back.ips.len(), 2, "{v}");
            assert_eq!(back.routes.len(), 1, "{v}");
        } else if v.has_result_extras() {
            assert_eq!(back, sample(), "{v}");
        } else {
            assert_eq!(back.ips, sample().ips, "{v}");
        }
    }
}

#[test]
fn accepts_0_3_0_ip_typo_and_rejects_garbage() {
    let j = json!({"cniVersion": "0.3.0", "ip": [{"version": "4", "address": "10.0.0.2/8"}]});
    assert_eq!(CniResult::from_json(&j).unwrap().ips.len(), 1);
    let bad = json!({"ips": [{"address": "nope"}]});
    assert!(CniResult::from_json(&bad).unwrap_err().contains("ips[0]"));
    assert!(CniResult::from_json(&json!([])).is_err());
}
