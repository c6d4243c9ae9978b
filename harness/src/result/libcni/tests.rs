use serde_json::{json, Value};

use super::reencode;
use crate::result::parse_value;
use crate::spec::SpecVersion;

fn via(doc: Value, to: SpecVersion) -> Value {
    let parsed = parse_value(&doc).expect("test result parses");
    reencode(&parsed, to).expect("converts")
}

#[test]
fn same_version_drops_what_the_go_types_lack() {
    let got = via(
        json!({"cniVersion":"1.0.0","extra":1,
               "interfaces":[{"name":"eth0","mac":"","sandbox":"/x","mtu":1400,"bogus":true}],
               "ips":[{"address":"10.1.0.5/24","interface":0,"version":"4"}]}),
        SpecVersion::V1_0_0,
    );
    assert_eq!(
        got,
        json!({"cniVersion":"1.0.0",
               "interfaces":[{"name":"eth0","mtu":1400,"sandbox":"/x"}],
               "ips":[{"interface":0,"address":"10.1.0.5/24"}]})
    );
}

#[test]
fn dns_is_always_written_below_1_0_and_only_when_set_from_1_0() {
    let v04 = via(json!({"cniVersion":"0.4.0"}), SpecVersion::V0_4_0);
    assert_eq!(v04, json!({"cniVersion":"0.4.0","dns":{}}));
    let v1 = via(json!({"cniVersion":"1.1.0","dns":{}}), SpecVersion::V1_1_0);
    assert_eq!(v1, json!({"cniVersion":"1.1.0"}));
    let set = via(
        json!({"cniVersion":"1.1.0","dns":{"nameservers":["10.0.0.1"],"domain":""}}),
        SpecVersion::V1_1_0,
    );
    assert_eq!(set["dns"], json!({"nameservers":["10.0.0.1"]}));
}

#[test]
fn the_0_4_family_has_no_interface_extras_and_keeps_route_extras() {
    let got = via(
        json!({"cniVersion":"1.1.0",
               "interfaces":[{"name":"eth0","mtu":1400,"socketPath":"/s","pciID":"p"}],
               "ips":[{"address":"fd00::5/64","gateway":"fd00::1"}],
               "routes":[{"dst":"0.0.0.0/0","mtu":1300,"advmss":0,"table":0}]}),
        SpecVersion::V0_4_0,
    );
    assert_eq!(
        got,
        json!({"cniVersion":"0.4.0",
               "interfaces":[{"name":"eth0"}],
               "ips":[{"version":"6","address":"fd00::5/64","gateway":"fd00::1"}],
               "routes":[{"dst":"0.0.0.0/0","mtu":1300,"table":0}],
               "dns":{}})
    );
    // Decoded at 0.4.0, an interface mtu is already gone before any conversion.
    let up = via(
        json!({"cniVersion":"0.4.0","interfaces":[{"name":"eth0","mtu":9000}]}),
        SpecVersion::V1_0_0,
    );
    assert_eq!(
        up,
        json!({"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}]})
    );
}

#[test]
fn down_to_0_2_keeps_one_address_per_family_and_plain_routes() {
    let got = via(
        json!({"cniVersion":"1.0.0",
               "ips":[{"address":"10.1.0.5/24","gateway":"10.1.0.1"},
                      {"address":"10.1.0.6/24"},
                      {"address":"fd00::5/64"}],
               "routes":[{"dst":"0.0.0.0/0","mtu":1300},{"dst":"::/0","gw":"fd00::1"}]}),
        SpecVersion::V0_2_0,
    );
    assert_eq!(
        got,
        json!({"cniVersion":"0.2.0",
               "ip4":{"ip":"10.1.0.5/24","gateway":"10.1.0.1","routes":[{"dst":"0.0.0.0/0"}]},
               "ip6":{"ip":"fd00::5/64","routes":[{"dst":"::/0","gw":"fd00::1"}]},
               "dns":{}})
    );
    let none = parse_value(&json!({"cniVersion":"1.0.0"})).expect("parses");
    let err = reencode(&none, SpecVersion::V0_2_0).expect_err("no address");
    assert!(err.to_string().contains("need an address"), "{err}");
}

#[test]
fn up_from_0_2_lists_ip4_then_ip6_and_their_routes() {
    let got = via(
        json!({"cniVersion":"0.2.0",
               "ip4":{"ip":"10.1.0.5/24","routes":[{"dst":"10.2.0.0/16","mtu":1200}]},
               "ip6":{"ip":"fd00::5/64","routes":[{"dst":"::/0"}]}}),
        SpecVersion::V0_4_0,
    );
    assert_eq!(
        got,
        json!({"cniVersion":"0.4.0",
               "ips":[{"version":"4","address":"10.1.0.5/24"},{"version":"6","address":"fd00::5/64"}],
               "routes":[{"dst":"10.2.0.0/16","mtu":1200},{"dst":"::/0"}],
               "dns":{}})
    );
    let same = via(
        json!({"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/24","routes":[{"dst":"::/0"}]}}),
        SpecVersion::V0_2_0,
    );
    assert_eq!(
        same,
        json!({"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/24","routes":[{"dst":"::/0"}]},"dns":{}})
    );
}
