//! Changing kernel state inside a namespace over rtnetlink: test fixtures
//! (veth pairs, bridges, addresses, routes) and the tampering the conformance
//! suite does behind a plugin's back (see `sandbox::tamper`).
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

use crate::result::Cidr;
use crate::sandbox::Netns;

/// Run `f` with an rtnetlink handle bound to `ns`.
pub fn with_handle<T, F, Fut>(ns: &Netns, f: F) -> io::Result<T>
where
    T: Send,
    F: FnOnce(Handle) -> Fut + Send,
    Fut: Future<Output = io::Result<T>>,
{
    ns.run(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        rt.block_on(async move {
            let (conn, handle, _) = rtnetlink::new_connection()?;
            let task = tokio::spawn(conn);
            let out = f(handle).await;
            // Closing the socket now: an open one would keep the namespace alive.
            task.abort();
            out
        })
    })?
}

/// An rtnetlink error as an `io::Error` that says what was being done.
pub fn nl_err(what: impl std::fmt::Display) -> impl FnOnce(rtnetlink::Error) -> io::Error {
    move |e| io::Error::other(format!("{what}: {e}"))
}

/// The ifindex of `name`, or `NotFound`.
pub async fn link_index(h: &Handle, name: &str) -> io::Result<u32> {
    let found = h.link().get().match_name(name).execute().try_next().await;
    match found {
        Ok(Some(link)) => Ok(link.header.index),
        Ok(None) | Err(rtnetlink::Error::NetlinkError(_)) => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no link named {name}"),
        )),
        Err(e) => Err(nl_err(format!("looking up link {name}"))(e)),
    }
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
    with_handle(ns, |h| async move {
        let idx = link_index(&h, name).await?;
        h.link()
            .set(LinkUnspec::new_with_index(idx).up().build())
            .execute()
            .await
            .map_err(nl_err(format!("setting {name} up")))
    })
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

/// Wait until `name` is operationally up. The kernel moves carrier state
/// asynchronously (linkwatch may defer it up to a second), so a snapshot
/// taken right after `set_up` can still see `lowerlayerdown`.
pub fn wait_until_up(ns: &Netns, name: &str, timeout: std::time::Duration) -> io::Result<()> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let snap = super::snapshot(ns, &super::SnapshotOptions::cheap())?;
        let state = snap
            .links
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.oper_state.clone());
        if state.as_deref() == Some("up") {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "{name} not up after {timeout:?} (state {})",
                    state.unwrap_or_else(|| "absent".into())
                ),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
