//! The uplink: a namespace standing in for the network beyond the host, so
//! the data-plane cases can check that the container's routes lead out
//! through the node (and come back), and see the source address traffic
//! arrives with.
//!
//! Two placements (see [`Surroundings`]):
//! - behind the node: a veth `cnih-up` (node) / `up0` (uplink) on TEST-NET-2
//!   (198.51.100.0/24, 2001:db8:100::/64), the uplink routing everything back
//!   through the node, the node routing TEST-NET-3 (203.0.113.0/24,
//!   2001:db8:113::/64) to the uplink;
//! - on the parent link: the far end of the profile's parent link moves into
//!   the uplink, which owns the addresses the profile names (the gateway).
//!
//! Either way the uplink owns an off-subnet address on its loopback
//! ([`BEYOND_V4`], [`BEYOND_V6`]) to send traffic to. The harness's own
//! IPv6 addresses are `nodad`: its fixture must not wait on DAD. Everything
//! goes when the namespace is unpinned (its veth end, and with it the pair).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;
use std::path::Path;

use rtnetlink::packet_route::address::{AddressAttribute, AddressFlags};
use rtnetlink::{Handle, LinkUnspec, LinkVeth, RouteMessageBuilder};

use super::fixture::peer_name;
use super::ops::{link_index, nl_err, with_handle};
use super::Netns;
use crate::config::Surroundings;
use crate::result::Cidr;

/// The node's end of the uplink veth (behind-node placement).
pub const NODE_LINK: &str = "cnih-up";
/// The uplink's end.
pub const UPLINK_LINK: &str = "up0";
/// Off-subnet addresses the uplink owns: "somewhere beyond the host".
pub const BEYOND_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 1));
pub const BEYOND_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0x113, 0, 0, 0, 0, 1));

const NODE_V4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
const FAR_V4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const NODE_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x100, 0, 0, 0, 0, 1);
const FAR_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x100, 0, 0, 0, 0, 2);

/// The uplink namespace and how it is joined.
#[derive(Debug)]
pub struct Uplink {
    ns: Netns,
    placement: Surroundings,
}

fn cidr(ip: impl Into<IpAddr>, prefix: u8) -> Cidr {
    let ip = ip.into();
    Cidr::new(ip, prefix).unwrap_or_else(|_| Cidr::host(ip))
}

impl Uplink {
    /// Create the uplink at `path` next to `node`, as `placement` says;
    /// `parent_link` is the profile's (needed for the parent-link placement).
    pub fn create(
        path: &Path,
        node: &Netns,
        placement: &Surroundings,
        parent_link: Option<&str>,
    ) -> io::Result<Uplink> {
        let uplink = Uplink {
            ns: Netns::create(path)?,
            placement: placement.clone(),
        };
        let fd = uplink.ns.file().as_raw_fd();
        match placement {
            Surroundings::BehindNode => {
                with_handle(node, |h| async move {
                    h.link()
                        .add(LinkVeth::new(NODE_LINK, UPLINK_LINK).up().build())
                        .execute()
                        .await
                        .map_err(nl_err(format!("creating veth {NODE_LINK}")))?;
                    move_link(&h, UPLINK_LINK, fd).await?;
                    let idx = link_index(&h, NODE_LINK).await?;
                    add_address(&h, idx, cidr(NODE_V4, 24)).await?;
                    add_address(&h, idx, cidr(NODE_V6, 64)).await?;
                    route(&h, cidr(BEYOND_V4, 24).network(), FAR_V4.into()).await?;
                    route(&h, cidr(BEYOND_V6, 64).network(), FAR_V6.into()).await
                })?;
                with_handle(&uplink.ns, |h| async move {
                    let idx = up(&h, UPLINK_LINK).await?;
                    add_address(&h, idx, cidr(FAR_V4, 24)).await?;
                    add_address(&h, idx, cidr(FAR_V6, 64)).await?;
                    add_beyond(&h).await?;
                    route(&h, Cidr::default_route(true), NODE_V4.into()).await?;
                    route(&h, Cidr::default_route(false), NODE_V6.into()).await
                })?;
            }
            Surroundings::ParentLinkPeer { addresses } => {
                let Some(parent) = parent_link else {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the parent-link uplink needs the profile's parent link",
                    ));
                };
                let peer = peer_name(parent);
                let moved = peer.clone();
                with_handle(node, |h| async move { move_link(&h, &moved, fd).await })?;
                let addresses = addresses.clone();
                with_handle(&uplink.ns, |h| async move {
                    let idx = up(&h, &peer).await?;
                    for a in addresses {
                        add_address(&h, idx, a).await?;
                    }
                    add_beyond(&h).await
                })?;
            }
        }
        Ok(uplink)
    }

    pub fn ns(&self) -> &Netns {
        &self.ns
    }

    pub fn placement(&self) -> &Surroundings {
        &self.placement
    }

    /// The off-subnet address of a family the uplink owns.
    pub fn beyond(v4: bool) -> IpAddr {
        if v4 {
            BEYOND_V4
        } else {
            BEYOND_V6
        }
    }

    /// The node's addresses on the link to the uplink (none on the parent
    /// link: the node has no address there).
    pub fn node_side(&self) -> Vec<Cidr> {
        match self.placement {
            Surroundings::BehindNode => vec![cidr(NODE_V4, 24), cidr(NODE_V6, 64)],
            Surroundings::ParentLinkPeer { .. } => Vec::new(),
        }
    }

    /// Addresses the uplink owns.
    pub fn owned(&self) -> Vec<Cidr> {
        let mut out = vec![Cidr::host(BEYOND_V4), Cidr::host(BEYOND_V6)];
        match &self.placement {
            Surroundings::BehindNode => out.extend([cidr(FAR_V4, 24), cidr(FAR_V6, 64)]),
            Surroundings::ParentLinkPeer { addresses } => out.extend(addresses.iter().copied()),
        }
        out
    }

    /// The ranges of the link between node and uplink (never a route's
    /// target: they are on-link for the node).
    pub fn reserved() -> Vec<Cidr> {
        vec![cidr(NODE_V4, 24).network(), cidr(NODE_V6, 64).network()]
    }

    /// Put `target` beyond the node too (for a route to a destination that
    /// does not hold [`BEYOND_V4`]/[`BEYOND_V6`]): on the uplink's loopback,
    /// and behind the node a route to it through the uplink.
    pub fn add_target(&self, node: &Netns, target: IpAddr) -> io::Result<()> {
        with_handle(&self.ns, |h| async move {
            let lo = link_index(&h, "lo").await?;
            add_address(&h, lo, Cidr::host(target)).await
        })?;
        if self.placement == Surroundings::BehindNode {
            let via: IpAddr = if target.is_ipv4() {
                FAR_V4.into()
            } else {
                FAR_V6.into()
            };
            with_handle(
                node,
                |h| async move { route(&h, Cidr::host(target), via).await },
            )?;
        }
        Ok(())
    }
}

async fn move_link(h: &Handle, name: &str, fd: i32) -> io::Result<()> {
    let idx = link_index(h, name).await?;
    h.link()
        .set(LinkUnspec::new_with_index(idx).setns_by_fd(fd).build())
        .execute()
        .await
        .map_err(nl_err(format!("moving {name} to the uplink namespace")))
}

async fn up(h: &Handle, name: &str) -> io::Result<u32> {
    let idx = link_index(h, name).await?;
    h.link()
        .set(LinkUnspec::new_with_index(idx).up().build())
        .execute()
        .await
        .map_err(nl_err(format!("setting {name} up")))?;
    Ok(idx)
}

/// Add an address; IPv6 ones skip DAD.
async fn add_address(h: &Handle, idx: u32, addr: Cidr) -> io::Result<()> {
    let mut req = h.address().add(idx, addr.addr(), addr.prefix());
    if !addr.is_ipv4() {
        req.message_mut()
            .attributes
            .push(AddressAttribute::Flags(AddressFlags::Nodad));
    }
    req.execute()
        .await
        .map_err(nl_err(format!("adding {addr}")))
}

async fn add_beyond(h: &Handle) -> io::Result<()> {
    let lo = link_index(h, "lo").await?;
    add_address(h, lo, Cidr::host(BEYOND_V4)).await?;
    add_address(h, lo, Cidr::host(BEYOND_V6)).await
}

async fn route(h: &Handle, dst: Cidr, via: IpAddr) -> io::Result<()> {
    let what = format!("adding route {dst} via {via}");
    let msg = RouteMessageBuilder::<IpAddr>::new()
        .destination_prefix(dst.addr(), dst.prefix())
        .and_then(|b| b.gateway(via))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}")))?
        .build();
    h.route().add(msg).execute().await.map_err(nl_err(&what))
}
