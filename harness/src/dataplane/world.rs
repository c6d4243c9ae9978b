//! The sandbox as the network the container joined: the node, and the
//! uplink when there is one. Answers who owns an address (and so should
//! answer for it) and which side can reach a container's subnet.

use std::io;
use std::net::IpAddr;

use super::{wait, Endpoint};
use crate::kernel::{Coverage, Probe};
use crate::result::Cidr;
use crate::sandbox::{uplink, Netns, Uplink};

pub struct World<'a> {
    pub node: &'a Netns,
    pub uplink: Option<&'a Uplink>,
    /// The node's addresses, except those on the harness's own link to the
    /// uplink (read once, after ADD).
    pub node_addresses: Vec<Cidr>,
}

impl<'a> World<'a> {
    /// Read the node's addresses as the plugin left them.
    pub fn read(node: &'a Netns, uplink: Option<&'a Uplink>) -> io::Result<World<'a>> {
        let snap = Probe::open(node)?.read(Coverage::Addressing)?;
        let node_addresses = snap
            .addresses
            .into_iter()
            .filter(|a| a.link != uplink::NODE_LINK && !a.address.addr().is_loopback())
            .map(|a| a.address)
            .collect();
        Ok(World {
            node,
            uplink,
            node_addresses,
        })
    }

    pub fn node(&self) -> Endpoint<'a> {
        Endpoint {
            name: "node",
            ns: self.node,
        }
    }

    pub fn uplink_endpoint(&self) -> Option<Endpoint<'a>> {
        self.uplink.map(|u| Endpoint {
            name: "uplink",
            ns: u.ns(),
        })
    }

    /// Who owns `ip` exactly: the node or the uplink.
    pub fn owner_of(&self, ip: IpAddr) -> Option<Endpoint<'a>> {
        if self.node_addresses.iter().any(|a| a.addr() == ip) {
            return Some(self.node());
        }
        match self.uplink {
            Some(u) if u.owned().iter().any(|a| a.addr() == ip) => self.uplink_endpoint(),
            _ => None,
        }
    }

    /// Who holds an address inside `addr`'s subnet, and so is on that
    /// network with the container: the node (bridge with a gateway, ptp),
    /// else an uplink on the parent link (macvlan's gateway).
    pub fn on_subnet(&self, addr: Cidr) -> Option<Endpoint<'a>> {
        let subnet = addr.network();
        let mine = |a: &Cidr| subnet.contains(a.addr()) && a.addr() != addr.addr();
        if self.node_addresses.iter().any(mine) {
            return Some(self.node());
        }
        match self.uplink {
            Some(u) if u.owned().iter().any(mine) => self.uplink_endpoint(),
            _ => None,
        }
    }

    /// Wait until no IPv6 address is tentative in the containers, the node
    /// or the uplink; returns those that never settled.
    pub fn settle(&self, containers: &[&Netns]) -> io::Result<Vec<String>> {
        let mut all: Vec<&Netns> = containers.to_vec();
        all.push(self.node);
        if let Some(u) = self.uplink {
            all.push(u.ns());
        }
        Ok(wait::addresses_settled(&all)?.0)
    }
}
