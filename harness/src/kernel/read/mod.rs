//! Turning rtnetlink dump messages into the snapshot model. Indices are
//! resolved to names here, once, so nothing downstream sees an ifindex.

use std::io;
use std::net::IpAddr;

use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::{LinkAttribute, LinkExtentMask, LinkMessage};
use rtnetlink::packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourMessage, NeighbourState,
};
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteMetric};
use rtnetlink::packet_route::rule::{RuleAction, RuleAttribute, RuleMessage};
use rtnetlink::packet_route::tc::{TcAttribute, TcHandle, TcMessage};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};

mod link;
mod names;

use link::{link, link_name};
use names::{mac_string, name_of, snake, Names};

use super::dump::Dumper;
use super::model::{Address, Neighbour, NsSnapshot, Qdisc, Route, Rule};
use super::Coverage;
use crate::result::Cidr;

/// Read links, and as far as `coverage` goes addresses and routes, then
/// rules, permanent neighbours and qdiscs.
pub(crate) fn netlink_state(
    nl: &mut Dumper,
    snap: &mut NsSnapshot,
    coverage: Coverage,
) -> io::Result<()> {
    let mut req = LinkMessage::default();
    // Counters are the bulk of a link message and never compared.
    req.attributes
        .push(LinkAttribute::ExtMask(vec![LinkExtentMask::SkipStats]));
    let raw_links: Vec<LinkMessage> = nl
        .dump(RouteNetlinkMessage::GetLink(req))?
        .into_iter()
        .filter_map(|m| match m {
            RouteNetlinkMessage::NewLink(l) => Some(l),
            _ => None,
        })
        .collect();
    let names: Names = raw_links
        .iter()
        .filter_map(|l| link_name(l).map(|n| (l.header.index, n.to_string())))
        .collect();
    snap.links = raw_links.iter().filter_map(|l| link(l, &names)).collect();
    if coverage == Coverage::Links {
        return Ok(());
    }

    for m in nl.dump(RouteNetlinkMessage::GetAddress(AddressMessage::default()))? {
        if let RouteNetlinkMessage::NewAddress(a) = m {
            snap.addresses.extend(address(&a, &names));
        }
    }
    for m in nl.dump(RouteNetlinkMessage::GetRoute(RouteMessage::default()))? {
        if let RouteNetlinkMessage::NewRoute(r) = m {
            snap.routes.extend(route(&r, &names));
        }
    }
    if coverage == Coverage::Addressing {
        return Ok(());
    }
    for m in nl.dump(RouteNetlinkMessage::GetRule(RuleMessage::default()))? {
        if let RouteNetlinkMessage::NewRule(r) = m {
            snap.rules.push(rule(&r));
        }
    }
    for m in nl.dump(RouteNetlinkMessage::GetNeighbour(
        NeighbourMessage::default(),
    ))? {
        if let RouteNetlinkMessage::NewNeighbour(n) = m {
            snap.neighbours.extend(neighbour(&n, &names));
        }
    }
    for m in nl.dump(RouteNetlinkMessage::GetQueueDiscipline(TcMessage::default()))? {
        if let RouteNetlinkMessage::NewQueueDiscipline(q) = m {
            snap.qdiscs.extend(qdisc(&q, &names));
        }
    }
    Ok(())
}

fn address(a: &AddressMessage, names: &Names) -> Option<Address> {
    let mut local = None;
    let mut peer = None;
    let mut flags = Vec::new();
    let mut label = None;
    for attr in &a.attributes {
        match attr {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => peer = Some(*ip),
            AddressAttribute::Flags(f) => flags = f.iter_names().map(|(n, _)| snake(n)).collect(),
            AddressAttribute::Label(l) => label = Some(l.clone()),
            _ => {}
        }
    }
    // IFA_LOCAL is the interface's own address; IFA_ADDRESS differs from it
    // only on point-to-point links, where it names the far end.
    let ip = local.or(peer)?;
    let link = name_of(names, a.header.index);
    Some(Address {
        address: Cidr::new(ip, a.header.prefix_len).ok()?,
        scope: a.header.scope.to_string(),
        flags,
        // The default label is the link name: only a deliberate one is news.
        label: label.filter(|l| *l != link),
        link,
    })
}

fn route_ip(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteAddress::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

fn route(r: &RouteMessage, names: &Names) -> Option<Route> {
    let ipv4 = match r.header.address_family {
        AddressFamily::Inet => true,
        AddressFamily::Inet6 => false,
        _ => return None, // MPLS, multicast families: not CNI's business
    };
    let mut out = Route {
        table: u32::from(r.header.table),
        dst: Cidr::default_route(ipv4),
        src: None,
        kind: format!("{:?}", r.header.kind).to_lowercase(),
        protocol: r.header.protocol.to_string().to_lowercase(),
        scope: r.header.scope.to_string(),
        priority: None,
        tos: r.header.tos,
        gateway: None,
        oif: None,
        prefsrc: None,
        mtu: None,
        advmss: None,
        nexthops: Vec::new(),
    };
    for attr in &r.attributes {
        match attr {
            RouteAttribute::Table(t) => out.table = *t,
            RouteAttribute::Destination(d) => {
                out.dst = Cidr::new(route_ip(d)?, r.header.destination_prefix_length).ok()?
            }
            RouteAttribute::Source(s) => {
                out.src =
                    route_ip(s).and_then(|ip| Cidr::new(ip, r.header.source_prefix_length).ok())
            }
            RouteAttribute::Priority(p) => out.priority = Some(*p),
            RouteAttribute::Gateway(g) => out.gateway = route_ip(g),
            RouteAttribute::Oif(i) => out.oif = Some(name_of(names, *i)),
            RouteAttribute::PrefSource(p) => out.prefsrc = route_ip(p),
            RouteAttribute::Metrics(ms) => {
                for m in ms {
                    match m {
                        RouteMetric::Mtu(v) => out.mtu = Some(*v),
                        RouteMetric::Advmss(v) => out.advmss = Some(*v),
                        _ => {}
                    }
                }
            }
            RouteAttribute::MultiPath(hops) => {
                for hop in hops {
                    let via = hop.attributes.iter().find_map(|a| match a {
                        RouteAttribute::Gateway(g) => route_ip(g),
                        _ => None,
                    });
                    let via = via.map(|g| format!("via {g} ")).unwrap_or_default();
                    out.nexthops
                        .push(format!("{via}dev {}", name_of(names, hop.interface_index)));
                }
            }
            _ => {}
        }
    }
    Some(out)
}

fn rule(r: &RuleMessage) -> Rule {
    let ipv4 = r.header.family == AddressFamily::Inet;
    let mut priority = 0;
    let mut from = None;
    let mut to = None;
    let mut table = u32::from(r.header.table);
    let mut words = Vec::new();
    for attr in &r.attributes {
        match attr {
            RuleAttribute::Priority(p) => priority = *p,
            RuleAttribute::Source(ip) => from = Some(format!("{ip}/{}", r.header.src_len)),
            RuleAttribute::Destination(ip) => to = Some(format!("{ip}/{}", r.header.dst_len)),
            RuleAttribute::Table(t) => table = *t,
            RuleAttribute::Iifname(n) => words.push(format!("iif {n}")),
            RuleAttribute::Oifname(n) => words.push(format!("oif {n}")),
            RuleAttribute::FwMark(m) => words.push(format!("fwmark {m:#x}")),
            RuleAttribute::FwMask(m) => words.push(format!("fwmask {m:#x}")),
            RuleAttribute::Goto(g) => words.push(format!("goto {g}")),
            RuleAttribute::SuppressPrefixLen(l) if *l != u32::MAX => {
                words.push(format!("suppress_prefixlength {l}"))
            }
            RuleAttribute::UidRange(u) => words.push(format!("uidrange {}-{}", u.start, u.end)),
            RuleAttribute::SourcePortRange(p) => words.push(format!("sport {}-{}", p.start, p.end)),
            RuleAttribute::DestinationPortRange(p) => {
                words.push(format!("dport {}-{}", p.start, p.end))
            }
            _ => {}
        }
    }
    let mut spec = format!("from {}", from.unwrap_or_else(|| "all".into()));
    if let Some(to) = to {
        spec += &format!(" to {to}");
    }
    if r.header.tos != 0 {
        spec += &format!(" tos {:#x}", r.header.tos);
    }
    for w in words {
        spec += " ";
        spec += &w;
    }
    match r.header.action {
        RuleAction::ToTable => spec += &format!(" lookup {table}"),
        other => spec += &format!(" {}", format!("{other:?}").to_lowercase()),
    }
    Rule {
        ipv4,
        priority,
        spec,
    }
}

fn neighbour(n: &NeighbourMessage, names: &Names) -> Option<Neighbour> {
    if n.header.state != NeighbourState::Permanent {
        return None;
    }
    let mut ip = None;
    let mut lladdr = None;
    for attr in &n.attributes {
        match attr {
            NeighbourAttribute::Destination(NeighbourAddress::Inet(v4)) => {
                ip = Some(IpAddr::V4(*v4))
            }
            NeighbourAttribute::Destination(NeighbourAddress::Inet6(v6)) => {
                ip = Some(IpAddr::V6(*v6))
            }
            NeighbourAttribute::LinkLayerAddress(mac) => lladdr = Some(mac_string(mac)),
            _ => {}
        }
    }
    Some(Neighbour {
        link: name_of(names, n.header.ifindex),
        ip: ip?,
        lladdr,
    })
}

fn qdisc(q: &TcMessage, names: &Names) -> Option<Qdisc> {
    let kind = q.attributes.iter().find_map(|a| match a {
        TcAttribute::Kind(k) => Some(k.clone()),
        _ => None,
    })?;
    let parent = match q.header.parent {
        TcHandle::ROOT => "root".to_string(),
        TcHandle::INGRESS => "ingress".to_string(),
        h => tc_handle(h),
    };
    Some(Qdisc {
        link: name_of(names, u32::try_from(q.header.index).ok()?),
        kind,
        handle: tc_handle(q.header.handle),
        parent,
    })
}

/// `1:` / `1:10` in hexadecimal, as `tc` prints handles.
fn tc_handle(h: TcHandle) -> String {
    if h.minor == 0 {
        format!("{:x}:", h.major)
    } else {
        format!("{:x}:{:x}", h.major, h.minor)
    }
}
