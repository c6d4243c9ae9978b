//! Changing kernel state inside a namespace over rtnetlink: test fixtures
//! (veth pairs, bridges, addresses, routes) and the tampering the conformance
//! suite does behind a plugin's back (see [`super::tamper`]). Actions on a
//! sandbox's namespaces, so below `kernel`, which only observes them.
//!
//! Every operation runs on a dedicated thread inside the namespace with its
//! own single-threaded runtime: a pooled tokio worker must never `setns`.

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;

use futures::TryStreamExt;
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteMessage};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::{Handle, LinkBridge, LinkUnspec, LinkVeth, RouteMessageBuilder};

use super::Netns;
use crate::netlink;
pub use crate::netlink::{link_index, nl_err};
use crate::result::Cidr;

/// Run `f` with an rtnetlink handle bound to `ns` (on a thread inside it).
pub fn with_handle<T, F, Fut>(ns: &Netns, f: F) -> io::Result<T>
where
    T: Send,
    F: FnOnce(Handle) -> Fut + Send,
    Fut: Future<Output = io::Result<T>>,
{
    ns.run(move || netlink::here(f))?
}

/// A veth pair with `name` in `ns` and `peer` in `peer_ns`, both up.
pub fn create_veth_pair(ns: &Netns, name: &str, peer_ns: &Netns, peer: &str) -> io::Result<()> {
    let fd = peer_ns.file().as_raw_fd();
    with_handle(ns, |h| async move {
        h.link()
            .add(LinkVeth::new(name, peer).up().build())
            .execute()
            .await
            .map_err(nl_err(format!("creating veth {name}")))?;
        let idx = link_index(&h, peer).await?;
        h.link()
            .set(LinkUnspec::new_with_index(idx).setns_by_fd(fd).build())
            .execute()
            .await
            .map_err(nl_err(format!(
                "moving {peer} to {}",
                peer_ns.path().display()
            )))
    })?;
    set_up(peer_ns, peer)
}

/// A bridge named `name`, up.
pub fn create_bridge(ns: &Netns, name: &str) -> io::Result<()> {
    with_handle(ns, |h| async move {
        h.link()
            .add(LinkBridge::new(name).up().build())
            .execute()
            .await
            .map_err(nl_err(format!("creating bridge {name}")))
    })
}

pub fn set_up(ns: &Netns, name: &str) -> io::Result<()> {
    with_handle(ns, |h| async move { netlink::set_up(&h, name).await })
}

/// Enslave `name` to the bridge `master`.
pub fn set_master(ns: &Netns, name: &str, master: &str) -> io::Result<()> {
    with_handle(ns, |h| async move {
        let idx = link_index(&h, name).await?;
        let m = link_index(&h, master).await?;
        h.link()
            .set(LinkUnspec::new_with_index(idx).controller(m).build())
            .execute()
            .await
            .map_err(nl_err(format!("adding {name} to {master}")))
    })
}

pub fn add_address(ns: &Netns, link: &str, addr: Cidr) -> io::Result<()> {
    with_handle(ns, |h| async move {
        let idx = link_index(&h, link).await?;
        h.address()
            .add(idx, addr.addr(), addr.prefix())
            .execute()
            .await
            .map_err(nl_err(format!("adding {addr} to {link}")))
    })
}

/// A route to `dst`, through `gw` and/or out of `dev`, in the main table.
pub fn add_route(ns: &Netns, dst: Cidr, gw: Option<IpAddr>, dev: Option<&str>) -> io::Result<()> {
    let what = format!("adding route {dst}");
    with_handle(ns, |h| async move {
        let mut b = RouteMessageBuilder::<IpAddr>::new()
            .destination_prefix(dst.addr(), dst.prefix())
            .map_err(|e| invalid(&what, e))?;
        if let Some(gw) = gw {
            b = b.gateway(gw).map_err(|e| invalid(&what, e))?;
        }
        if let Some(dev) = dev {
            b = b.output_interface(link_index(&h, dev).await?);
        }
        h.route()
            .add(b.build())
            .execute()
            .await
            .map_err(nl_err(&what))
    })
}

pub fn del_link(ns: &Netns, name: &str) -> io::Result<()> {
    with_handle(ns, |h| async move {
        let idx = link_index(&h, name).await?;
        h.link()
            .del(idx)
            .execute()
            .await
            .map_err(nl_err(format!("deleting {name}")))
    })
}

/// Rename a link (taking it down for the rename, as the kernel requires,
/// and back up if it was).
pub fn rename_link(ns: &Netns, name: &str, new_name: &str) -> io::Result<()> {
    with_handle(ns, |h| async move {
        let idx = link_index(&h, name).await?;
        let set = |msg| h.link().set(msg).execute();
        set(LinkUnspec::new_with_index(idx).down().build())
            .await
            .map_err(nl_err(format!("taking {name} down")))?;
        set(LinkUnspec::new_with_index(idx).name(new_name).build())
            .await
            .map_err(nl_err(format!("renaming {name} to {new_name}")))?;
        set(LinkUnspec::new_with_index(idx).up().build())
            .await
            .map_err(nl_err(format!("setting {new_name} up")))
    })
}

pub fn del_address(ns: &Netns, link: &str, addr: Cidr) -> io::Result<()> {
    with_handle(ns, |h| async move {
        let idx = link_index(&h, link).await?;
        let mut found = h
            .address()
            .get()
            .set_link_index_filter(idx)
            .set_address_filter(addr.addr())
            .set_prefix_length_filter(addr.prefix())
            .execute();
        let mut deleted = 0;
        while let Some(msg) = found
            .try_next()
            .await
            .map_err(nl_err(format!("listing addresses of {link}")))?
        {
            h.address()
                .del(msg)
                .execute()
                .await
                .map_err(nl_err(format!("deleting {addr} from {link}")))?;
            deleted += 1;
        }
        if deleted == 0 {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{link} has no address {addr}"),
            ));
        }
        Ok(())
    })
}

/// Delete every route to exactly `dst`, in any table; how many went.
pub fn del_routes_to(ns: &Netns, dst: Cidr) -> io::Result<usize> {
    with_handle(ns, |h| async move {
        let family = if dst.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        let mut query = RouteMessage::default();
        query.header.address_family = family;
        let mut routes = h.route().get(query).execute();
        let mut doomed = Vec::new();
        while let Some(r) = routes.try_next().await.map_err(nl_err("listing routes"))? {
            if route_dst(&r) == Some(dst) {
                doomed.push(r);
            }
        }
        let n = doomed.len();
        for r in doomed {
            h.route()
                .del(r)
                .execute()
                .await
                .map_err(nl_err(format!("deleting route {dst}")))?;
        }
        Ok(n)
    })
}

fn invalid(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"))
}

fn route_dst(r: &RouteMessage) -> Option<Cidr> {
    let len = r.header.destination_prefix_length;
    let ip = r.attributes.iter().find_map(|a| match a {
        RouteAttribute::Destination(RouteAddress::Inet(v4)) => Some(IpAddr::V4(*v4)),
        RouteAttribute::Destination(RouteAddress::Inet6(v6)) => Some(IpAddr::V6(*v6)),
        _ => None,
    });
    match ip {
        Some(ip) => Cidr::new(ip, len).ok(),
        None => Some(Cidr::default_route(
            r.header.address_family == AddressFamily::Inet,
        )),
    }
}

/// Whether a link named `name` exists in `ns`.
pub fn link_exists(ns: &Netns, name: &str) -> io::Result<bool> {
    with_handle(ns, |h| async move {
        match link_index(&h, name).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    })
}
