//! Route-netlink operations the bridge plugin needs, on any handle (host or
//! container namespace). Errors name the object and the operation.

use std::net::IpAddr;

use cni_plugin_kit::{CniError, IpNet, Route};
use futures::TryStreamExt;
use rtnetlink::packet_route::address::{AddressAttribute, AddressFlags};
use rtnetlink::packet_route::link::{
    InfoBridgePort, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo as NlInfo, LinkMessage,
};
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute};
use rtnetlink::{Handle, LinkBridge, LinkBridgePort, LinkUnspec, LinkVeth, RouteMessageBuilder};

const ENODEV: i32 = 19;
const EEXIST: i32 = 17;

/// What we read back about a link.
#[derive(Debug, Clone)]
pub struct Link {
    pub index: u32,
    pub name: String,
    pub mac: Vec<u8>,
    pub mtu: Option<u32>,
    pub is_bridge: bool,
    pub is_veth: bool,
    pub up: bool,
    /// IFLA_LINK: for a veth, the peer's index (in the peer's namespace).
    pub peer: Option<u32>,
    /// IFLA_LINK_NETNSID is present: the peer lives in another namespace.
    pub peer_elsewhere: bool,
    /// IFLA_MASTER: the bridge this link is a port of.
    pub controller: Option<u32>,
}

pub fn errno(e: &rtnetlink::Error) -> Option<i32> {
    match e {
        rtnetlink::Error::NetlinkError(m) => Some(m.raw_code().abs()),
        _ => None,
    }
}

fn nl_err(what: impl std::fmt::Display) -> impl FnOnce(rtnetlink::Error) -> CniError {
    move |e| CniError::netlink(what, e)
}

fn parse_link(m: &LinkMessage) -> Link {
    let mut link = Link {
        index: m.header.index,
        name: String::new(),
        mac: Vec::new(),
        mtu: None,
        is_bridge: false,
        is_veth: false,
        up: m.header.flags.contains(LinkFlags::Up),
        peer: None,
        peer_elsewhere: false,
        controller: None,
    };
    for a in &m.attributes {
        match a {
            LinkAttribute::Address(mac) => link.mac = mac.clone(),
            LinkAttribute::Mtu(mtu) => link.mtu = Some(*mtu),
            LinkAttribute::LinkInfo(infos) => {
                for i in infos {
                    match i {
                        NlInfo::Kind(InfoKind::Bridge) => link.is_bridge = true,
                        NlInfo::Kind(InfoKind::Veth) => link.is_veth = true,
                        _ => {}
                    }
                }
            }
            LinkAttribute::Link(peer) => link.peer = Some(*peer),
            LinkAttribute::LinkNetNsId(_) => link.peer_elsewhere = true,
            LinkAttribute::IfName(n) => link.name = n.clone(),
            LinkAttribute::Controller(c) => link.controller = Some(*c),
            _ => {}
        }
    }
    link
}

/// The link called `name`, or None.
pub async fn by_name(h: &Handle, name: &str) -> Result<Option<Link>, CniError> {
    let mut s = h.link().get().match_name(name.to_string()).execute();
    match s.try_next().await {
        Ok(m) => Ok(m.as_ref().map(parse_link)),
        Err(e) if matches!(errno(&e), Some(ENODEV)) => Ok(None),
        Err(e) => Err(CniError::netlink(format!("looking up link {name}"), e)),
    }
}

/// The link with index `index`, or None.
pub async fn by_index(h: &Handle, index: u32) -> Result<Option<Link>, CniError> {
    let mut s = h.link().get().match_index(index).execute();
    match s.try_next().await {
        Ok(m) => Ok(m.as_ref().map(parse_link)),
        Err(e) if matches!(errno(&e), Some(ENODEV)) => Ok(None),
        Err(e) => Err(CniError::netlink(format!("looking up link {index}"), e)),
    }
}

/// The bridge `name`, created (with `mtu`, promiscuous, VLAN filtering as
/// asked) if missing, and up. An existing non-bridge of that name is an error.
pub async fn ensure_bridge(
    h: &Handle,
    name: &str,
    mtu: Option<u32>,
    promisc: bool,
    vlan_filtering: bool,
) -> Result<Link, CniError> {
    if let Some(link) = by_name(h, name).await? {
        if !link.is_bridge {
            return Err(CniError::config(
                "bridge",
                format!("{name} exists and is not a bridge"),
            ));
        }
        if !link.up || promisc {
            let mut msg = LinkUnspec::new_with_index(link.index).up();
            if promisc {
                msg = msg.promiscuous(true);
            }
            h.link()
                .set(msg.build())
                .execute()
                .await
                .map_err(nl_err(format!("setting bridge {name} up")))?;
        }
        return Ok(link);
    }
    let mut b = LinkBridge::new(name).up();
    if let Some(m) = mtu {
        b = b.mtu(m);
    }
    if promisc {
        b = b.promiscuous(true);
    }
    if vlan_filtering {
        b = b.vlan_filtering(true);
    }
    match h.link().add(b.build()).execute().await {
        Ok(()) => {}
        // A concurrent ADD created it first: fine.
        Err(e) if matches!(errno(&e), Some(EEXIST)) => {}
        Err(e) => return Err(CniError::netlink(format!("creating bridge {name}"), e)),
    }
    by_name(h, name)
        .await?
        .ok_or_else(|| CniError::netlink(format!("bridge {name}"), "vanished after creation"))
}

/// One request: a veth pair whose host end `host` is up and enslaved to
/// `bridge`, and whose peer is created directly inside the container
/// namespace `ns_fd` as `ifname` (with `mac` if given). The peer cannot be
/// created up (veth refuses to open before both ends are linked: ENOTCONN).
pub async fn create_veth(
    h: &Handle,
    host: &str,
    bridge: u32,
    ifname: &str,
    ns_fd: i32,
    mtu: Option<u32>,
    mac: Option<[u8; 6]>,
) -> Result<(), CniError> {
    let mut peer = LinkUnspec::new_with_name(ifname).setns_by_fd(ns_fd);
    if let Some(m) = mtu {
        peer = peer.mtu(m);
    }
    if let Some(mac) = mac {
        peer = peer.address(mac.to_vec());
    }
    let mut b = LinkVeth::new(host, ifname).controller(bridge).up();
    b = b.set_info_data(rtnetlink::packet_route::link::InfoData::Veth(
        InfoVeth::Peer(peer.build()),
    ));
    if let Some(m) = mtu {
        b = b.mtu(m);
    }
    h.link().add(b.build()).execute().await.map_err(|e| match errno(&e) {
        Some(EEXIST) => CniError::new(
            cni_plugin_kit::ErrorCode::AlreadyExists,
            format!("interface {ifname} already exists in the container (or host name {host} is taken)"),
        ),
        _ => CniError::netlink(format!("creating veth pair {host}/{ifname}"), e),
    })
}

pub async fn set_up(h: &Handle, index: u32) -> Result<(), CniError> {
    h.link()
        .set(LinkUnspec::new_with_index(index).up().build())
        .execute()
        .await
        .map_err(nl_err(format!("setting link {index} up")))
}

/// Delete a link; already gone is success.
pub async fn delete(h: &Handle, index: u32) -> Result<(), CniError> {
    match h.link().del(index).execute().await {
        Err(e) if !matches!(errno(&e), Some(ENODEV)) => {
            Err(CniError::netlink(format!("deleting link {index}"), e))
        }
        _ => Ok(()),
    }
}

pub async fn set_hairpin(h: &Handle, index: u32) -> Result<(), CniError> {
    let msg = LinkBridgePort::new(index)
        .append_info_data(InfoBridgePort::HairpinMode(true))
        .build();
    h.link()
        .set_port(msg)
        .execute()
        .await
        .map_err(nl_err("setting hairpin mode"))
}

/// Make `vid` the port's untagged PVID in place of the default VLAN 1.
pub async fn set_port_vlan(h: &Handle, index: u32, vid: u16) -> Result<(), CniError> {
    use rtnetlink::packet_route::link::BridgeVlanInfoFlags as F;
    use rtnetlink::LinkBridgeVlan;
    let _ = h
        .link()
        .del_with_message(LinkBridgeVlan::new(index).vlan(1, F::empty()).build())
        .execute()
        .await;
    h.link()
        .set(
            LinkBridgeVlan::new(index)
                .vlan(vid, F::Pvid | F::Untagged)
                .build(),
        )
        .execute()
        .await
        .map_err(nl_err(format!("setting VLAN {vid} on port")))
}

/// Add `addr` to link `index`; `nodad` skips IPv6 duplicate address detection
/// so the address is usable at once.
pub async fn add_addr(h: &Handle, index: u32, addr: IpNet, nodad: bool) -> Result<(), CniError> {
    let mut req = h.address().add(index, addr.addr(), addr.prefix());
    if nodad && !addr.is_ipv4() {
        req.message_mut()
            .attributes
            .push(AddressAttribute::Flags(AddressFlags::Nodad));
    }
    match req.execute().await {
        // A concurrent ADD on the same bridge may have put the same gateway
        // there between our look and our add: that is the state we want.
        Err(e) if matches!(errno(&e), Some(EEXIST)) && addrs(h, index).await?.contains(&addr) => {
            Ok(())
        }
        r => r.map_err(nl_err(format!("adding address {addr}"))),
    }
}

/// Addresses on link `index`.
pub async fn addrs(h: &Handle, index: u32) -> Result<Vec<IpNet>, CniError> {
    let msgs: Vec<_> = h
        .address()
        .get()
        .set_link_index_filter(index)
        .execute()
        .try_collect()
        .await
        .map_err(nl_err("listing addresses"))?;
    Ok(msgs
        .iter()
        .filter(|m| m.header.index == index)
        .filter_map(|m| {
            m.attributes.iter().find_map(|a| match a {
                AddressAttribute::Address(ip) => IpNet::new(*ip, m.header.prefix_len).ok(),
                _ => None,
            })
        })
        .collect())
}

pub async fn del_addr(h: &Handle, index: u32, addr: IpNet) -> Result<(), CniError> {
    let msgs: Vec<_> = h
        .address()
        .get()
        .set_link_index_filter(index)
        .set_address_filter(addr.addr())
        .execute()
        .try_collect()
        .await
        .map_err(nl_err("listing addresses"))?;
    for m in msgs {
        h.address()
            .del(m)
            .execute()
            .await
            .map_err(nl_err(format!("removing address {addr}")))?;
    }
    Ok(())
}

/// Add a route through link `index`; an identical existing route is fine.
pub async fn add_route(
    h: &Handle,
    index: u32,
    r: &Route,
    gw: Option<IpAddr>,
) -> Result<(), CniError> {
    let what = format!("adding route {}", r.dst);
    let mut b = RouteMessageBuilder::<IpAddr>::new()
        .destination_prefix(r.dst.network().addr(), r.dst.prefix())
        .map_err(|e| CniError::netlink(&what, e))?
        .output_interface(index);
    if let Some(gw) = gw {
        b = b.gateway(gw).map_err(|e| CniError::netlink(&what, e))?;
    }
    if let Some(p) = r.priority {
        b = b.priority(p);
    }
    if let Some(t) = r.table {
        b = b.table_id(t);
    }
    match h.route().add(b.build()).execute().await {
        Err(e) if !matches!(errno(&e), Some(EEXIST)) => Err(CniError::netlink(what, e)),
        _ => Ok(()),
    }
}

/// Routes (destination, gateway) in the main table, both families, through
/// link `index` when given.
pub async fn routes(
    h: &Handle,
    index: Option<u32>,
) -> Result<Vec<(IpNet, Option<IpAddr>)>, CniError> {
    let mut out = Vec::new();
    for v4 in [true, false] {
        let filter = if v4 {
            RouteMessageBuilder::<std::net::Ipv4Addr>::new().build()
        } else {
            RouteMessageBuilder::<std::net::Ipv6Addr>::new().build()
        };
        let msgs: Vec<_> = h
            .route()
            .get(filter)
            .execute()
            .try_collect()
            .await
            .map_err(nl_err("listing routes"))?;
        for m in msgs {
            let mut dst = None;
            let mut gw = None;
            let mut oif = None;
            for a in &m.attributes {
                match a {
                    RouteAttribute::Destination(d) => dst = addr_of(d),
                    RouteAttribute::Gateway(g) => gw = addr_of(g),
                    RouteAttribute::Oif(i) => oif = Some(*i),
                    _ => {}
                }
            }
            if index.is_some() && oif != index {
                continue;
            }
            let unspecified: IpAddr = if v4 {
                [0, 0, 0, 0].into()
            } else {
                [0u16; 8].into()
            };
            if let Ok(net) = IpNet::new(
                dst.unwrap_or(unspecified),
                m.header.destination_prefix_length,
            ) {
                out.push((net, gw));
            }
        }
    }
    Ok(out)
}

fn addr_of(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v) => Some(IpAddr::V4(*v)),
        RouteAddress::Inet6(v) => Some(IpAddr::V6(*v)),
        _ => None,
    }
}
