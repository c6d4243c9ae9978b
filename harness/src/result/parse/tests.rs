use super::*;

#[test]
fn v0_2_0_ip4_ip6() {
    let r = parse(
        r#"{"cniVersion":"0.2.0",
            "ip4":{"ip":"10.1.0.5/24","gateway":"10.1.0.1","routes":[{"dst":"0.0.0.0/0"}]},
            "ip6":{"ip":"fd00::5/64","routes":[{"dst":"::/0","gw":"fd00::1"}]},
            "dns":{"nameservers":["10.1.0.1"]}}"#,
    )
    .unwrap();
    assert_eq!(r.cni_version, SpecVersion::V0_2_0);
    assert!(r.interfaces.is_empty());
    assert_eq!(r.ips.len(), 2);
    assert_eq!(r.ips[0].address.to_string(), "10.1.0.5/24");
    assert_eq!(r.ips[0].gateway, Some("10.1.0.1".parse().unwrap()));
    assert_eq!(r.ips[1].interface, None);
    assert_eq!(r.routes.len(), 2);
    assert_eq!(r.routes[1].gw, Some("fd00::1".parse().unwrap()));
    assert_eq!(r.dns.nameservers, ["10.1.0.1"]);
}

#[test]
fn v0_3_0_typo_ip_is_accepted() {
    let r = parse(
        r#"{"cniVersion":"0.3.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],
            "ip":[{"version":"4","address":"10.1.0.5/24","interface":0}]}"#,
    )
    .unwrap();
    assert_eq!(r.ips.len(), 1);
    assert_eq!(
        r.interface_of(&r.ips[0]).map(|i| i.name.as_str()),
        Some("eth0")
    );
}

#[test]
fn v0_4_0_and_1_0_0() {
    for v in ["0.3.1", "0.4.0", "1.0.0"] {
        let text = format!(
            r#"{{"cniVersion":"{v}","interfaces":[{{"name":"cni0","mac":"aa:bb:cc:dd:ee:ff"}},
                {{"name":"eth0","mac":"0a:58:0a:01:00:05","sandbox":"/run/netns/x"}}],
                "ips":[{{"address":"10.1.0.5/24","gateway":"10.1.0.1","interface":1}}],
                "routes":[{{"dst":"0.0.0.0/0","gw":"10.1.0.1"}}],"dns":{{}}}}"#
        );
        let r = parse(&text).unwrap();
        assert_eq!(r.interfaces[0].sandbox, None);
        assert_eq!(r.interfaces[1].sandbox.as_deref(), Some("/run/netns/x"));
        assert_eq!(r.ips[0].interface, Some(1));
        assert_eq!(r.routes[0].dst, Cidr::default_route(true));
    }
}

#[test]
fn v1_1_0_fields() {
    let r = parse(
        r#"{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","mtu":1400,"sandbox":"/x","socketPath":"/s","pciID":"0000:00:01.0"}],
            "ips":[{"address":"fd00::5/64","interface":0}],
            "routes":[{"dst":"fd01::/64","mtu":1300,"advmss":1200,"priority":10,"table":100,"scope":253}]}"#,
    )
    .unwrap();
    assert_eq!(r.interfaces[0].mtu, Some(1400));
    assert_eq!(r.interfaces[0].pci_id.as_deref(), Some("0000:00:01.0"));
    let route = &r.routes[0];
    assert_eq!(
        (
            route.mtu,
            route.advmss,
            route.priority,
            route.table,
            route.scope
        ),
        (Some(1300), Some(1200), Some(10), Some(100), Some(253))
    );
}

#[test]
fn errors_name_the_path() {
    let cases = [
        (r#"{"ips":[]}"#, "`cniVersion`", "missing"),
        (
            r#"{"cniVersion":"9.9.9"}"#,
            "`cniVersion`",
            "unknown version",
        ),
        (
            r#"{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.1"}]}"#,
            "`ips[0].address`",
            "no `/prefix`",
        ),
        (
            r#"{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.1/8","interface":2}]}"#,
            "`ips[0].interface`",
            "out of range",
        ),
        (
            r#"{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","gw":"nope"}]}"#,
            "`routes[0].gw`",
            "not an IP",
        ),
        (
            r#"{"cniVersion":"0.2.0","ip4":{"gateway":"10.0.0.1"}}"#,
            "`ip4.ip`",
            "missing",
        ),
        (
            r#"{"cniVersion":"1.1.0","interfaces":[{"name":"a","mtu":-1}]}"#,
            "`interfaces[0].mtu`",
            "unsigned",
        ),
        (r#"[1]"#, "$", "expected an object"),
        (r#"{"#, "$", "not JSON"),
    ];
    for (text, path, msg) in cases {
        let err = parse(text).unwrap_err();
        assert_eq!(err.path, path, "{text}");
        assert!(err.message.contains(msg), "{text}: {err}");
    }
}
