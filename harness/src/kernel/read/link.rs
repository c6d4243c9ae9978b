//! Link messages: identity, state, kind-specific attributes and the
//! per-interface sysctls the kernel reports with each link (IFLA_AF_SPEC).

use std::collections::BTreeMap;

use rtnetlink::packet_route::link::{
    AfSpecInet, AfSpecInet6, AfSpecUnspec, InfoBridge, InfoBridgePort, InfoData, InfoKind,
    InfoMacVlan, InfoPortData, InfoVlan, LinkAttribute, LinkInfo, LinkMessage,
};

use super::names::{mac_string, name_of, snake, Names};
use crate::kernel::model::{BridgePort, Link, LinkHealth};

pub(super) fn link_name(l: &LinkMessage) -> Option<&str> {
    l.attributes.iter().find_map(|a| match a {
        LinkAttribute::IfName(n) => Some(n.as_str()),
        _ => None,
    })
}

pub(super) fn link(l: &LinkMessage, names: &Names) -> Option<Link> {
    let mut out = Link {
        name: link_name(l)?.to_string(),
        kind: "device".into(),
        ifindex: l.header.index,
        mac: None,
        mtu: 0,
        flags: l.header.flags.iter_names().map(|(n, _)| snake(n)).collect(),
        oper_state: String::new(),
        master: None,
        peer: None,
        peer_netnsid: None,
        attrs: BTreeMap::new(),
        sysctls: BTreeMap::new(),
        health: LinkHealth::default(),
    };
    let mut peer_index = None;
    for attr in &l.attributes {
        match attr {
            LinkAttribute::Address(mac) => out.mac = Some(mac_string(mac)),
            LinkAttribute::Mtu(m) => out.mtu = *m,
            LinkAttribute::OperState(s) => out.oper_state = s.to_string().to_lowercase(),
            LinkAttribute::Controller(i) => out.master = Some(name_of(names, *i)),
            LinkAttribute::Link(i) if *i != l.header.index && *i != 0 => {
                peer_index = Some(*i);
                out.health.peer_ifindex = Some(*i);
            }
            LinkAttribute::TxQueueLen(q) => out.health.txqueuelen = Some(*q),
            LinkAttribute::Carrier(c) => out.health.carrier = Some(*c != 0),
            LinkAttribute::Promiscuity(p) => out.health.promiscuity = Some(*p),
            LinkAttribute::LinkNetNsId(id) => out.peer_netnsid = Some(*id),
            LinkAttribute::LinkInfo(infos) => link_info(infos, &mut out),
            LinkAttribute::AfSpecUnspec(specs) => {
                devconf(specs, &mut out.sysctls);
                out.health.addr_gen_mode = addr_gen_mode(specs);
            }
            _ => {}
        }
    }
    // With a netnsid the index points into the other namespace: meaningless here.
    if out.peer_netnsid.is_none() {
        out.peer = peer_index.map(|i| name_of(names, i));
    }
    Some(out)
}

fn link_info(infos: &[LinkInfo], out: &mut Link) {
    for info in infos {
        match info {
            LinkInfo::Kind(InfoKind::Other(k)) => out.kind = k.clone(),
            LinkInfo::Kind(k) => out.kind = format!("{k:?}").to_lowercase(),
            LinkInfo::Data(InfoData::Bridge(opts)) => {
                for o in opts {
                    match o {
                        InfoBridge::VlanFiltering(v) => {
                            out.attrs.insert("vlan_filtering".into(), v.to_string());
                        }
                        InfoBridge::StpState(s) => {
                            out.attrs
                                .insert("stp_state".into(), format!("{s:?}").to_lowercase());
                        }
                        InfoBridge::VlanDefaultPvid(p) => {
                            out.attrs.insert("vlan_default_pvid".into(), p.to_string());
                        }
                        _ => {}
                    }
                }
            }
            LinkInfo::PortData(InfoPortData::BridgePort(opts)) => {
                let mut port = BridgePort::default();
                for o in opts {
                    match o {
                        InfoBridgePort::State(st) => {
                            port.state = format!("{st:?}").to_lowercase();
                        }
                        InfoBridgePort::HairpinMode(h) => port.hairpin = *h,
                        InfoBridgePort::Learning(l) => port.learning = *l,
                        _ => {}
                    }
                }
                out.health.bridge_port = Some(port);
            }
            LinkInfo::Data(InfoData::Vlan(opts)) => {
                for o in opts {
                    if let InfoVlan::Id(id) = o {
                        out.attrs.insert("vlan_id".into(), id.to_string());
                    }
                }
            }
            LinkInfo::Data(InfoData::MacVlan(opts)) => {
                for o in opts {
                    if let InfoMacVlan::Mode(m) = o {
                        out.attrs
                            .insert("mode".into(), format!("{m:?}").to_lowercase());
                    }
                }
            }
            _ => {}
        }
    }
}

fn addr_gen_mode(specs: &[AfSpecUnspec]) -> Option<String> {
    specs.iter().find_map(|spec| match spec {
        AfSpecUnspec::Inet6(v6) => v6.iter().find_map(|item| match item {
            AfSpecInet6::AddrGenMode(m) => Some(format!("{m:?}").to_lowercase()),
            _ => None,
        }),
        _ => None,
    })
}

/// The per-interface sysctls a CNI plugin is known to touch.
fn devconf(specs: &[AfSpecUnspec], out: &mut BTreeMap<String, i32>) {
    for spec in specs {
        match spec {
            AfSpecUnspec::Inet(v4) => {
                for item in v4 {
                    if let AfSpecInet::DevConf(c) = item {
                        for (k, v) in [
                            ("forwarding", c.forwarding),
                            ("rp_filter", c.rp_filter),
                            ("proxy_arp", c.proxy_arp),
                            ("arp_notify", c.arp_notify),
                            ("route_localnet", c.route_localnet),
                            ("accept_local", c.accept_local),
                            ("send_redirects", c.send_redirects),
                        ] {
                            out.insert(format!("ipv4.{k}"), v);
                        }
                    }
                }
            }
            AfSpecUnspec::Inet6(v6) => {
                for item in v6 {
                    if let AfSpecInet6::DevConf(c) = item {
                        for (k, v) in [
                            ("forwarding", c.forwarding),
                            ("accept_dad", c.accept_dad),
                            ("disable_ipv6", c.disable_ipv6),
                            ("accept_ra", c.accept_ra),
                            ("autoconf", c.autoconf),
                        ] {
                            out.insert(format!("ipv6.{k}"), v);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
